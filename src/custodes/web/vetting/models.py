"""Vetting: who holds which clearance, what each post requires, and re-vetting tasks.

A member of staff is known as the other apps know them: by their custodes account, or by their
force and their id in the force's systems (most force staff have no account). `person` is the
one key that names them for both, so the same person is the same key whichever way a trigger
found them: "force:<force>:<id>" when a force id is known (an account's own, if it has one),
otherwise "account:<pk>".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["Clearance", "PostRequirement", "Posting", "VettingTask"]


class Person(models.Model):
    """The fields that say whom a vetting record is about (abstract)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    force = models.CharField(max_length=32, blank=True, default="")
    # NULL rather than "" when unknown, as on a case's subject.
    force_user_id = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, default=None
    )
    person = models.CharField(max_length=140)

    class Meta:
        abstract = True


class Clearance(Person):
    """One vetting decision about a member of staff at one level, and the clearance it gave.

    A renewal or a withdrawal is a new decision about the same person: the old one stays as it
    was decided. The level's dates come from the rules (`caserules.load_vetting`).
    """

    class Status(models.TextChoices):
        GRANTED = "granted", "Granted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"
        REFUSED = "refused", "Refused"

    level = models.CharField(max_length=8)
    status = models.CharField(max_length=16, choices=Status.choices)
    granted_on = models.DateField(null=True, blank=True)  # null: refused
    renewal_due = models.DateField(null=True, blank=True)
    integrity_review_due = models.DateField(null=True, blank=True)
    conditions = models.TextField(blank=True, default="")
    # The unit the person was in when the decision was made, for the backlog by unit.
    unit = models.CharField(max_length=100, blank=True, default="")
    reason = models.TextField()
    rules = models.JSONField(default=dict, blank=True)  # the level's periods and source
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["person", "-decided_at", "-pk"]
        indexes = [models.Index(fields=["person", "status"], name="clearance_person")]

    def __str__(self) -> str:
        return f"clearance {self.pk} ({self.level}, {self.status})"


class PostRequirement(models.Model):
    """The level a unit or post requires, and whether it gives access to vulnerable people."""

    class Vulnerable(models.TextChoices):
        NONE = "", "No particular access to vulnerable people"
        PUBLIC_PROTECTION = "public-protection", "Public protection"
        DOMESTIC_ABUSE = "domestic-abuse", "Domestic abuse"
        CHILD_PROTECTION = "child-protection", "Child protection"

    name = models.CharField(max_length=120, unique=True)  # the unit or post, as the force names it
    required_level = models.CharField(max_length=8)
    vulnerable = models.CharField(max_length=24, choices=Vulnerable.choices, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.required_level})"


class Posting(Person):
    """A member of staff moving into a post on a day: the trigger for re-vetting on a move."""

    post = models.ForeignKey(PostRequirement, on_delete=models.PROTECT, related_name="postings")
    starts_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return f"posting {self.pk} into {self.post_id}"


class VettingTask(Person):
    """A re-vetting task: whom, what triggered it (and which record), when due, and its decision.

    A trigger is a record elsewhere (`source_type`, `source_id`): one trigger never makes two
    tasks about the same person, however often the sweep or an import runs.
    """

    class Trigger(models.TextChoices):
        OUTCOME = "outcome", "An outcome short of dismissal"
        RPRP = "rprp", "Reflective practice began"
        REGISTRY_MATCH = "registry-match", "A confirmed barred or advisory list match"
        AUDIT_ALERT = "audit-alert", "An escalated access-audit alert"
        EXPIRY = "expiry", "A clearance reached its renewal date"
        POST_MOVE = "post-move", "A move into a post"
        EXTERNAL_CHECK = "external-check", "A hit in an external check"
        INTEGRITY_REVIEW = "integrity-review", "An annual integrity review fell due"
        DECLARATION = "declaration", "A change of circumstances declared"
        TRANSFER = "transfer", "Joining from another force"
        RANDOM = "random", "Chosen for randomised re-vetting"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DECIDED = "decided", "Decided"

    class Decision(models.TextChoices):
        STANDS = "stands", "The clearance stands"
        CONDITIONS = "conditions", "The clearance stands with conditions"
        WITHDRAWAL = "withdrawal", "A withdrawal assessment is to begin"
        RENEWED = "renewed", "Renewed (a new clearance recorded)"
        NOT_NEEDED = "not-needed", "No vetting action needed"

    trigger = models.CharField(max_length=24, choices=Trigger.choices)
    source_type = models.CharField(max_length=32)
    source_id = models.CharField(max_length=128)
    summary = models.CharField(max_length=300)  # what happened, in words naming no one
    # The person's unit as the trigger's record (or their account) gave it: the backlog by unit.
    unit = models.CharField(max_length=100, blank=True, default="")
    happened_on = models.DateField()
    due_on = models.DateField()
    rules = models.JSONField(default=dict, blank=True)  # the trigger's period, reason, source
    raised_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True, default="")
    decision_reason = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["trigger", "source_type", "source_id", "person"],
                name="vettingtask_once_per_trigger",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="vettingtask_open")]

    def __str__(self) -> str:
        return f"vetting task {self.pk} ({self.trigger}, {self.status})"
