"""Early intervention: a risk run imported whole, its ranked officers and their plans."""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["InterventionPlan", "PlanReview", "RiskEntry", "RiskRun"]


class RiskRun(models.Model):
    """One folder written by `custodes risk score`: every serving officer ranked at a date."""

    class Label(models.TextChoices):
        SUBSTANTIATED = "substantiated", "a substantiated allegation"
        SEXUAL = "sexual", "a sexual-misconduct allegation"

    source = models.CharField(max_length=255)  # the folder's name, for people to recognise
    # SHA-256 over the files' own hashes: the same run imported twice is found by what it holds.
    fingerprint = models.CharField(max_length=64, unique=True)
    files = models.JSONField(default=dict)  # file name -> SHA-256
    as_of = models.DateField()
    label = models.CharField(max_length=16, choices=Label.choices)
    horizon_days = models.PositiveIntegerField()
    officers_scored = models.PositiveIntegerField()
    model = models.JSONField(default=dict, blank=True)
    evaluation = models.JSONField(default=dict, blank=True)
    # The run's summary (summary.html), kept whole: the folder may not outlive the import.
    # Empty when the run had none, or when it named an officer (`actions._store`).
    report = models.TextField(blank=True, default="")
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # null: imported from the command line

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"risk run {self.pk} ({self.source}, as of {self.as_of})"


class RiskEntry(models.Model):
    """One officer's place in a run, and who they are for need-to-know.

    `subject` is their custodes account where the run's officer_ref names one; `force` and
    `force_user_id` are how a force's systems know them (need-to-know decides in every chart
    that holds the id). `tied` says whether custodes knows the officer at all (an account, or
    the id in an account or an imported force chart); an untied entry is shown only to the
    roles in `access.UNTIED_ROLES`.
    """

    class Tie(models.TextChoices):
        ACCOUNT = "account", "a custodes account"
        FORCE_ID = "force-id", "an id in the force's systems that custodes holds"
        UNTIED = "untied", "nobody custodes knows"

    run = models.ForeignKey(RiskRun, on_delete=models.CASCADE, related_name="entries")
    rank = models.PositiveIntegerField()  # 1 = highest score in the run
    officer_ref = models.CharField(max_length=128)
    score = models.FloatField()
    reasons = models.TextField(blank=True, default="")  # phrases, "; "-joined
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    # casefolded "first last": need-to-know hides an entry named as anyone too close.
    name_key = models.CharField(max_length=201, blank=True, default="")
    agency = models.CharField(max_length=100, blank=True, default="")
    grade = models.CharField(max_length=100, blank=True, default="")  # the officer's rank
    unit = models.CharField(max_length=100, blank=True, default="")
    rules = models.CharField(max_length=500, blank=True, default="")  # rule ids, ";"-joined
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    force = models.CharField(max_length=100, blank=True, default="")
    force_user_id = models.CharField(max_length=128)
    tie = models.CharField(max_length=16, choices=Tie.choices)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "rank"], name="riskentry_rank_per_run"),
            models.UniqueConstraint(fields=["run", "officer_ref"], name="riskentry_one_per_run"),
        ]
        indexes = [
            models.Index(fields=["run", "force_user_id"], name="riskentry_force_user"),
            models.Index(fields=["officer_ref"], name="riskentry_officer"),
        ]

    def __str__(self) -> str:
        return f"risk entry {self.run_id}/{self.rank}"

    @property
    def name(self) -> str:
        """Return the officer's name as the run gives it, or their ref."""
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.officer_ref

    @property
    def reason_list(self) -> list[str]:
        """Return the phrases that raised the score, highest first."""
        return [r.strip() for r in self.reasons.split(";") if r.strip()]

    @property
    def rule_ids(self) -> list[str]:
        """Return the ids of the threshold rules the officer meets."""
        return [r.strip() for r in self.rules.split(";") if r.strip()]

    @property
    def band(self) -> str:
        """Return the score as a band of ten percentage points, as pages show it."""
        low = min(int(self.score * 10), 9) * 10
        return f"{low}–{low + 10}%"


class InterventionPlan(models.Model):
    """What the force will do about an officer on the list: actions, dates, owner, outcome."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        COMPLETED = "completed", "Completed: the actions were done"
        NO_FURTHER_ACTION = "no-further-action", "No further action needed"
        CASE_OPENED = "case-opened", "A case was opened"
        LEFT_SERVICE = "left-service", "The officer left the service"
        OTHER = "other", "Other (see the note)"

    entry = models.ForeignKey(RiskEntry, on_delete=models.PROTECT, related_name="plans")
    actions = models.TextField()
    deadline = models.DateField()
    review_on = models.DateField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True, default="")
    outcome_note = models.TextField(blank=True, default="")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(status="open"),
                name="interventionplan_one_open_per_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"intervention plan {self.pk} ({self.status})"


class PlanReview(models.Model):
    """One review of an open plan: what was found and when it is next reviewed."""

    plan = models.ForeignKey(InterventionPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()
    notes = models.TextField()
    next_review_on = models.DateField()

    class Meta:
        ordering = ["reviewed_at", "pk"]

    def __str__(self) -> str:
        return f"review {self.pk} of plan {self.plan_id}"
