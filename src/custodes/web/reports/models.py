"""What the staff side keeps about a portal report: that it was taken in, whom it names, and
each handling decision. The report itself (its sealed content, messages, files, status) is the
portal's (`custodes.web.portal.models`); nothing here holds what the reporter wrote.

Need-to-know over these rows is `access.py`'s: a report is kept from every member of staff a
`NamedStaff` row names, from their line-management chain either way and from their unit, in
custodes' own chart and in every imported force's chart (row-level security mirrors it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["Handling", "Intake", "NamedStaff"]


class Intake(models.Model):
    """A portal report taken into the staff side's queue: matched against the staff list.

    No report is shown to anyone before it has one of these (and its `NamedStaff` rows, made
    in the same transaction).
    """

    report = models.OneToOneField(
        "portal.Report", primary_key=True, on_delete=models.CASCADE, related_name="intake"
    )
    # A date, as the portal keeps: the time a report was taken in would tell when it came.
    taken_in_on = models.DateField()
    # The name, number and station the report gave were all looked for; how many people matched.
    matched = models.PositiveIntegerField(default=0)
    # The case (or intelligence record) opened from it, if any.
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["taken_in_on", "report_id"]

    def __str__(self) -> str:
        return f"intake of {self.report_id}"


class NamedStaff(models.Model):
    """A member of staff a report names, as found in the staff list when it was taken in.

    By their custodes account where they have one (with their force user id, if it is held),
    otherwise by force and force user id from the newest imported chart of their force. An
    ambiguous match (the name fits several people) is kept for each of them: it is safer to
    hide a report from two people than to show it to the one it names.
    """

    class How(models.TextChoices):
        FORCE_USER_ID = "force-user-id", "Their id in the force's systems"
        NUMBER = "number", "Their warrant or collar number"
        NAME = "name", "Their name"
        SURNAME = "surname", "Their surname only"

    report = models.ForeignKey(
        "portal.Report", on_delete=models.CASCADE, related_name="named_staff"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    force = models.CharField(max_length=32, blank=True, default="")
    # NULL rather than "" when unknown, as on accounts and case subjects.
    force_user_id = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, default=None
    )
    # The name custodes holds for them (an account's, or a case's record of them), if any.
    name = models.CharField(max_length=200, blank=True, default="")
    how = models.CharField(max_length=16, choices=How.choices)
    # How closely it matched, 0-100 (100 for an id or number found exactly).
    score = models.FloatField()
    # The station the report gave matched their unit too.
    station_matched = models.BooleanField(default=False)
    # More than one member of staff fitted what the report gave.
    ambiguous = models.BooleanField(default=False)

    class Meta:
        ordering = ["report", "-score", "pk"]
        indexes = [
            models.Index(fields=["user"], name="namedstaff_user"),
            models.Index(fields=["force_user_id"], name="namedstaff_force_user_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(force_user_id__isnull=False),
                name="namedstaff_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} names {self.user_id or self.force_user_id}"

    @property
    def key(self) -> tuple[int | None, str | None]:
        """Return who they are as need-to-know knows staff: (account id, force user id)."""
        return (self.user_id, self.force_user_id)


class Handling(models.Model):
    """One thing a handler did with a report: its timeline on the report's page."""

    class Kind(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", "Acknowledged the report"
        REPLIED = "replied", "Replied to the reporter"
        ASKED = "asked", "Asked the reporter a question"
        ROUTED = "routed", "Routed the report to another force"
        CASE = "case", "Opened a case"
        INTELLIGENCE = "intelligence", "Opened an intelligence record"
        SAFEGUARDING = "safeguarding", "Made a safeguarding referral"
        CLOSED = "closed", "Closed the report"

    report = models.ForeignKey("portal.Report", on_delete=models.CASCADE, related_name="handlings")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on = models.DateField()
    reason = models.TextField(blank=True, default="")
    # The force it went to, or the agency the referral went to.
    detail = models.CharField(max_length=200, blank=True, default="")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["report", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.report_id}"
