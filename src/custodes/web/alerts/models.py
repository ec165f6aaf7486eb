"""Alerts raised to counter-corruption staff, and the access audit's runs imported for review."""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["Alert", "AuditAlert", "AuditEvidence", "AuditRun"]


class Alert(models.Model):
    """Something counter-corruption staff must look at, about a member of staff or a record."""

    class Kind(models.TextChoices):
        BREAK_GLASS = "break-glass", "Break-glass access"
        REGISTRY_MATCH = "registry-match", "Someone held on a roster may be on a published list"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    about_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_type = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=64)
    # The case a break-glass alert is about: the alert names it, so whoever need-to-know keeps
    # from the case (its subject, their chain and unit) must not see the alert either.
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.CharField(max_length=300)
    raised_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"


class AuditRun(models.Model):
    """One access-audit output folder, imported whole, with the force extract it was run on."""

    source = models.CharField(max_length=255)  # the output folder's name, for people to recognise
    # SHA-256 of the output files: the same run imported twice is found by what it holds.
    fingerprint = models.CharField(max_length=64, unique=True)
    force = models.CharField(max_length=200)  # the force codes of the extract's staff table
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # null: imported from the command line
    staff_count = models.PositiveIntegerField()
    alert_count = models.PositiveIntegerField()
    evidence_count = models.PositiveIntegerField()
    look_ups = models.PositiveBigIntegerField()
    explained = models.PositiveBigIntegerField()
    explained_share = models.FloatField()
    # Where the run came from, as its signed manifest says (custodes.audit.manifest): the key
    # that signed it, the extract it was made from and the rules it used. Blank for runs
    # imported before runs were signed.
    signed_by = models.CharField(max_length=16, blank=True, default="", db_default="")
    extract_fingerprint = models.CharField(max_length=64, blank=True, default="", db_default="")
    rules_sha256 = models.CharField(max_length=64, blank=True, default="", db_default="")
    rules_packaged = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"audit run {self.pk} ({self.source})"


class AuditAlert(models.Model):
    """A member of the force's staff the audit puts forward for review, and what was decided."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        DISMISSED = "dismissed", "Dismissed"
        ESCALATED = "escalated", "Escalated for intelligence development"
        CASE_OPENED = "case-opened", "Case opened"

    run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="alerts")
    rank = models.PositiveIntegerField()  # 1 = review first
    force = models.CharField(max_length=32)
    force_user_id = models.CharField(max_length=64)  # the subject's id in the force's systems
    score = models.FloatField()
    summary = models.TextField()
    reasons = models.CharField(max_length=500)  # signal ids, ";"-separated
    events = models.PositiveIntegerField()
    first_ts = models.DateTimeField()
    last_ts = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    triage_reason = models.TextField(blank=True, default="")
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_alerts",
    )

    class Meta:
        ordering = ["-run_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "rank"], name="auditalert_rank_per_run"),
            models.UniqueConstraint(
                fields=["run", "force_user_id"], name="auditalert_one_per_staff_per_run"
            ),
        ]
        indexes = [models.Index(fields=["status", "run", "rank"])]

    def __str__(self) -> str:
        return f"audit alert {self.run_id}/{self.rank}"

    @property
    def reason_ids(self) -> list[str]:
        """Return the signal ids behind the score."""
        return [r for r in self.reasons.split(";") if r]


class AuditEvidence(models.Model):
    """One look-up behind an audit alert; the person looked up only as a keyed pseudonym."""

    alert = models.ForeignKey(AuditAlert, on_delete=models.CASCADE, related_name="evidence")
    event_id = models.CharField(max_length=64)
    # HMAC of the force's person id (purpose "audit-person"): look-ups of one person can be
    # grouped here without the web app holding who they are.
    person = models.CharField(max_length=64, blank=True, default="")
    signal = models.CharField(max_length=64)
    explanation_found = models.CharField(max_length=32)
    explanation_sought = models.TextField()

    class Meta:
        ordering = ["alert", "event_id", "signal"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.signal}"
