"""A case about members of staff: the matter, its subjects and allegations, who may see it,
its parties, every decision on its path and the list reports it produced."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = [
    "Allegation",
    "Case",
    "CaseAccess",
    "CaseParty",
    "CaseSubject",
    "Decision",
    "ListReport",
    "Requirement",
]


def _today() -> dt.date:
    return timezone.localdate()


class Case(models.Model):
    """A misconduct or corruption matter about one or more members of staff (its subjects).

    `subject` (and `subject_force`, `subject_force_user_id`) is the one it was opened about, as
    before; every subject, that one included, is a `CaseSubject`. Need-to-know keeps the case
    from whoever is too close to any of them. The fields after `opened_at` are where the matter
    stands on its path, kept up by the actions; each step is a `Decision` on its timeline.
    """

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", "Complaint"
        CONDUCT = "conduct", "Conduct matter"
        RECORDABLE_CONDUCT = "recordable-conduct", "Recordable conduct matter"
        DSI = "dsi", "Death or serious injury matter"
        INTELLIGENCE = "intelligence", "Intelligence"

    class Source(models.TextChoices):
        PUBLIC = "public", "a member of the public"
        COLLEAGUE = "colleague", "a colleague"
        SUPPORT_ORGANISATION = "support-organisation", "a support organisation"
        AUDIT_ALERT = "audit-alert", "an access-audit alert"
        REGISTRY_MATCH = "registry-match", "a registry match"
        PORTAL = "portal", "the reporting portal"
        OTHER = "other", "another source"

    class Stage(models.TextChoices):
        ASSESSMENT = "assessment", "Assessment"
        INVESTIGATION = "investigation", "Investigation"
        DECISION = "decision", "Case to answer"
        PROCEEDINGS = "proceedings", "Proceedings"
        OUTCOME = "outcome", "Outcome"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=32, unique=True)
    title = models.CharField(max_length=200)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_about",
    )
    # The subject as the audited force knows them, on a case opened from an access-audit
    # alert: need-to-know then applies the force's own charts too, as it did to the alert,
    # whether or not the subject has an account. NULL rather than "" on every other case.
    subject_force = models.CharField(max_length=32, blank=True, default="")
    subject_force_user_id = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, default=None
    )
    sealed = models.BooleanField(default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    # The matter.
    kind = models.CharField(
        max_length=24,
        choices=Kind.choices,
        default=Kind.INTELLIGENCE,
    )
    # The jurisdiction profile its rules come from (custodes.caserules), judged on its dates.
    profile = models.CharField(max_length=32, default="england-wales")
    came_to_attention = models.DateField(default=_today)
    arose_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=24, choices=Source.choices, default=Source.OTHER)
    # The record it came from, by kind and id (an audit alert, a registry candidate, a report):
    # named, not linked, since those apps stand above this one.
    source_record_type = models.CharField(max_length=32, blank=True, default="")
    source_record_id = models.CharField(max_length=64, blank=True, default="")
    # What the matter alleges or indicates beyond its allegations' categories (the profile's
    # indication flags, e.g. death or serious injury, a criminal offence, call-in).
    indications = models.JSONField(default=list, blank=True)
    # The complainant's view of how it should be handled, and whether they ask for it to be
    # recorded (None: not asked yet, or no complainant).
    complainant_view = models.TextField(blank=True, default="")
    complainant_wants_recording = models.BooleanField(null=True, blank=True)
    # Where it stands: None until the step is decided.
    recorded = models.BooleanField(null=True, blank=True)
    schedule_3 = models.BooleanField(null=True, blank=True)
    referral_mandatory = models.BooleanField(null=True, blank=True)
    referral_due = models.DateField(null=True, blank=True)
    referred_at = models.DateTimeField(null=True, blank=True)
    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_investigated",
    )
    investigation_ended_on = models.DateField(null=True, blank=True)
    stage = models.CharField(
        max_length=16,
        choices=Stage.choices,
        default=Stage.ASSESSMENT,
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def closed(self) -> bool:
        """Say whether the case is closed."""
        return self.closed_at is not None


class CaseAccess(models.Model):
    """One person's access to one case: team member, grant, sealed-case name or break-glass."""

    class Kind(models.TextChoices):
        MEMBER = "member", "Case team member"
        GRANT = "grant", "Granted despite a conflict"
        NAMED = "named", "Named on a sealed case"
        BREAK_GLASS = "break-glass", "Break-glass"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.TextField(blank=True, default="")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "case"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.case_id}"


class CaseParty(models.Model):
    """A victim, reporter, witness or complainant; who they are is kept only encrypted."""

    class Role(models.TextChoices):
        VICTIM = "victim", "Victim"
        REPORTER = "reporter", "Reporter"
        WITNESS = "witness", "Witness"
        COMPLAINANT = "complainant", "Complainant"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=16, choices=Role.choices)
    # The party's custodes account, when they are staff (a colleague who reported, a witness
    # who serves): an interested party, whom reg 15(3) bars from investigating the matter.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # AES-GCM ciphertexts ("v<key version>:<base64>"), bound to this table, column and row.
    name_encrypted = models.TextField()
    contact_encrypted = models.TextField(blank=True, default="")
    added_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.role} in {self.case_id}"


class CaseSubject(models.Model):
    """A member of staff a case is about: by force and force user id, and account if they have one.

    What custodes does not know from an account (a name, rank, warrant number, date of birth)
    is kept as the matter gave it: the barred and advisory list reports need it. The fields
    after `added_by` are where this subject stands on the path, kept up by the actions.
    """

    class Status(models.TextChoices):
        OFFICER = "officer", "Police officer"
        SPECIAL = "special", "Special constable"
        STAFF = "staff", "Member of police staff"
        CONTRACTOR = "contractor", "Contractor"

    class Left(models.TextChoices):
        RESIGNED = "resigned", "Resigned"
        RETIRED = "retired", "Retired"
        DISMISSED = "dismissed", "Dismissed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="subjects")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_subjects",
    )
    force = models.CharField(max_length=32, blank=True, default="")
    # NULL rather than "" when unknown, as on the case.
    force_user_id = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, default=None
    )
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    birth_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OFFICER)
    rank = models.CharField(max_length=64, blank=True, default="")
    warrant_number = models.CharField(max_length=32, blank=True, default="")
    unit = models.CharField(max_length=100, blank=True, default="")
    # Above chief superintendent: reg 15(3) then bars anyone of the same force from
    # investigating, and the matter is a chief officer's for referral.
    senior_officer = models.BooleanField(default=False)
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The profile's own words (its levels, forums, findings and outcomes), as its rules name them.
    severity = models.CharField(max_length=40, blank=True, default="")
    likely_proceedings = models.CharField(max_length=40, blank=True, default="")
    notice_served_on = models.DateField(null=True, blank=True)
    case_to_answer = models.BooleanField(null=True, blank=True)
    finding = models.CharField(max_length=40, blank=True, default="")
    forum = models.CharField(max_length=24, blank=True, default="")
    outcome = models.CharField(max_length=40, blank=True, default="")
    outcome_on = models.DateField(null=True, blank=True)
    # Whether proceedings for this subject have ended (an outcome, no case to answer, a
    # decision that none will be brought): the advisory list turns on it.
    proceedings_ended_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)
    left_how = models.CharField(max_length=16, choices=Left.choices, blank=True, default="")

    class Meta:
        ordering = ["case", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=models.Q(user__isnull=False),
                name="casesubject_account_once",
            ),
            models.UniqueConstraint(
                fields=["case", "force_user_id"],
                condition=models.Q(force_user_id__isnull=False),
                name="casesubject_force_id_once",
            ),
        ]

    def __str__(self) -> str:
        return f"subject {self.pk} of {self.case_id}"

    @property
    def former(self) -> bool:
        """Say whether the subject has left the service."""
        return self.left_on is not None


class Allegation(models.Model):
    """One allegation against one subject, in a category of the case's profile."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="allegations")
    subject = models.ForeignKey(CaseSubject, on_delete=models.CASCADE, related_name="allegations")
    category = models.CharField(max_length=64)
    description = models.TextField(blank=True, default="")
    arose_on = models.DateField(null=True, blank=True)
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "added_at", "id"]

    def __str__(self) -> str:
        return f"{self.category} against {self.subject_id}"


class Decision(models.Model):
    """One step on a case's path, as its timeline shows it: who, when, what, why, and what
    custodes said the rules required. Never changed once made; a revision is a new one."""

    class Step(models.TextChoices):
        INTAKE = "intake", "Took in the matter"
        SUBJECT = "subject", "Named a subject"
        ALLEGATION = "allegation", "Added an allegation"
        RECORDING = "recording", "Decided whether to record"
        REFERRAL = "referral", "Decided whether to refer"
        SEVERITY = "severity", "Assessed severity"
        APPOINTMENT = "appointment", "Appointed an investigator"
        NOTICE = "notice", "Served a notice of investigation"
        TIMELINESS = "timeliness", "Gave a timeliness account"
        REPORT = "report", "Submitted the investigation report"
        CASE_TO_ANSWER = "case-to-answer", "Decided whether there is a case to answer"
        PROCEEDINGS = "proceedings", "Arranged proceedings"
        OUTCOME = "outcome", "Recorded an outcome"
        RPRP = "rprp", "Began the reflective practice review process"
        RPRP_REVIEW = "rprp-review", "Reviewed reflective practice"
        LEFT_SERVICE = "left-service", "Recorded a subject leaving the service"
        APPEAL = "appeal", "Recorded an appeal"
        APPEAL_DECIDED = "appeal-decided", "Recorded an appeal's result"
        LIST_REPORT = "list-report", "Sent a list report"
        CLOSURE = "closure", "Closed the case"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    subject = models.ForeignKey(
        CaseSubject, null=True, blank=True, on_delete=models.CASCADE, related_name="decisions"
    )
    step = models.CharField(max_length=24, choices=Step.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    summary = models.CharField(max_length=300)  # what was decided, in words
    details = models.JSONField(default=dict, blank=True)  # what was decided, as data
    reason = models.TextField(blank=True, default="")
    # What custodes said the rules required, with the profile and the rules' sources.
    rules = models.JSONField(default=dict, blank=True)
    # The decision goes against what the rules said (a mandatory referral not made, say):
    # kept with its reason, and counted.
    departs = models.BooleanField(default=False)

    class Meta:
        ordering = ["case", "decided_at", "id"]
        indexes = [models.Index(fields=["step", "departs"], name="decision_departures")]

    def __str__(self) -> str:
        return f"{self.step} on {self.case_id}"


class Requirement(models.Model):
    """A step the law requires on a case, open until it is taken: the case cannot close before."""

    class Kind(models.TextChoices):
        RECORDING = "recording", "Decide whether to record the complaint"
        REFERRAL = "referral", "Decide on the mandatory referral"
        NOTICE = "notice", "Serve the notice of investigation"
        OUTCOME = "outcome", "Record the outcome of proceedings"
        RPRP_REVIEW = "rprp-review", "Review the reflective practice"
        APPEAL = "appeal", "Record the appeal's result"
        LIST_REPORT = "list-report", "Send the list report"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MET = "met", "Met"
        LAPSED = "lapsed", "No longer required"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="requirements")
    subject = models.ForeignKey(
        CaseSubject, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    list_report = models.ForeignKey(
        "ListReport", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    due_on = models.DateField(null=True, blank=True)
    rules = models.JSONField(default=dict, blank=True)  # what custodes said, and its sources
    opened_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    met_by = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["case", "due_on", "opened_at", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="requirement_open_due")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.case_id} ({self.status})"


class ListReport(models.Model):
    """A report to a list (barred, advisory, decertification …) that an event on a case requires,
    or the further report that removes an entry.

    `fields` holds what the report tells the list's keeper (for England and Wales the College of
    Policing, spec §6). Each report is put on custodes' own registry, and each removal takes its
    entry off (the registry app listens), so a hiring check anywhere finds what stands.
    """

    class Action(models.TextChoices):
        ADD = "add", "Add to the list"
        REMOVE = "remove", "Remove from the list"

    class Status(models.TextChoices):
        DUE = "due", "To send"
        SENT = "sent", "Sent"
        WITHDRAWN = "withdrawn", "Withdrawn"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="list_reports")
    subject = models.ForeignKey(CaseSubject, on_delete=models.CASCADE, related_name="list_reports")
    # The registry's list types (custodes.lists.LIST_TYPES), as the profile's rule names them.
    list_type = models.CharField(max_length=32)
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.ADD)
    event = models.CharField(max_length=48)  # what made it, in the profile's words
    event_on = models.DateField()
    fields = models.JSONField(default=dict)
    rules = models.JSONField(default=dict, blank=True)
    produced_at = models.DateTimeField()
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    # The report this one follows (a barred report after an advisory one) or removes.
    earlier = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="later"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DUE)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["case", "produced_at", "id"]

    def __str__(self) -> str:
        return f"{self.list_type} {self.action} report on {self.subject_id}"

    @property
    def standing(self) -> bool:
        """Say whether the entry it adds stands: an addition neither withdrawn nor removed."""
        return self.action == self.Action.ADD and self.status != self.Status.WITHDRAWN
