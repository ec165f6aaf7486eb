"""Vetting: who holds which clearance, what each post requires, and re-vetting tasks.

A member of staff is known as the other apps know them: by their custodes account, or by their
force and their id in the force's systems (most force staff have no account). `person` is the
one key that names them for both, so the same person is the same key whichever way a trigger
found them: "force:<force>:<id>" when a force id is known (an account's own, if it has one),
otherwise "account:<pk>".
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

__all__ = [
    "Appeal",
    "Clearance",
    "Declaration",
    "PostRequirement",
    "Posting",
    "RandomSample",
    "Transfer",
    "VettingTask",
    "Withdrawal",
]


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


class Withdrawal(Person):
    """A withdrawal assessment under the Police (Vetting) Regulations 2025, about one clearance.

    Its stages come in order: begun (from a re-vetting task decided for withdrawal, or on its
    own), the notice served (the grounds, what the harm test keeps back and why, the right to a
    police friend, and the day representations are due), representations received or none by
    that day, and the decision: the clearance retained, or withdrawn (a new Clearance decision,
    WITHDRAWN) with its consequence under the duty to hold clearance: the officer is to be
    dismissed. A withdrawal may be appealed (`Appeal`). custodes records the consequence; it
    dismisses no one.
    """

    class Stage(models.TextChoices):
        BEGUN = "begun", "Assessment begun"
        NOTICE_SERVED = "notice-served", "Notice served"
        REPRESENTATIONS = "representations", "Representations in, or none by the due day"
        DECIDED = "decided", "Decided"

    class Outcome(models.TextChoices):
        WITHDRAWN = "withdrawn", "Clearance withdrawn"
        RETAINED = "retained", "Clearance retained"

    clearance = models.ForeignKey(Clearance, on_delete=models.PROTECT, related_name="withdrawals")
    # The re-vetting task decided for withdrawal that began it, if one did.
    task = models.OneToOneField(
        VettingTask, null=True, blank=True, on_delete=models.PROTECT, related_name="withdrawal"
    )
    level = models.CharField(max_length=8)
    unit = models.CharField(max_length=100, blank=True, default="")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.BEGUN)
    reason = models.TextField()  # why the assessment began
    begun_on = models.DateField()  # the day it began (recorded then, or after)
    begun_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    begun_at = models.DateTimeField()
    # The notice.
    notice_served_on = models.DateField(null=True, blank=True)
    grounds = models.TextField(blank=True, default="")  # as the notice gives them
    harm_test_applied = models.BooleanField(default=False)  # something kept back from the officer
    harm_test_grounds = models.TextField(blank=True, default="")  # why disclosure would harm
    police_friend_told = models.BooleanField(default=False)
    representations_due = models.DateField(null=True, blank=True)
    notice_rules = models.JSONField(default=dict, blank=True)  # the period, its source
    notice_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Representations: received on a day, or none by the due day (recorded on a day after it).
    representations_on = models.DateField(null=True, blank=True)
    representations_made = models.BooleanField(null=True, blank=True)
    representations = models.TextField(blank=True, default="")  # what they said, in summary
    representations_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The decision.
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    decided_on = models.DateField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, default="")
    consequence = models.TextField(blank=True, default="")
    withdrawn_clearance = models.OneToOneField(
        Clearance, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appeal_due = models.DateField(null=True, blank=True)
    appeal_rules = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-begun_at", "-pk"]

    def __str__(self) -> str:
        return f"withdrawal assessment {self.pk} ({self.stage})"


class Appeal(Person):
    """An appeal against a clearance decision: a refusal, or a withdrawal after assessment.

    The decision appealed is a Clearance (REFUSED or WITHDRAWN); an appeal is lodged within the
    rules' period from that decision, then heard. Upheld, it records a new GRANTED decision
    (`restored`): a withdrawn clearance back as it was, a refused one granted on the day heard.
    """

    class Kind(models.TextChoices):
        REFUSAL = "refusal", "Against a refusal of clearance"
        WITHDRAWAL = "withdrawal", "Against a withdrawal of clearance"

    class Result(models.TextChoices):
        UPHELD = "upheld", "Upheld: clearance granted or restored"
        DISMISSED = "dismissed", "Dismissed: the decision stands"

    decision = models.OneToOneField(Clearance, on_delete=models.PROTECT, related_name="appeal")
    withdrawal = models.OneToOneField(
        Withdrawal, null=True, blank=True, on_delete=models.PROTECT, related_name="appeal"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    level = models.CharField(max_length=8)
    unit = models.CharField(max_length=100, blank=True, default="")
    lodged_on = models.DateField()
    due_on = models.DateField()  # the last day it could be lodged
    grounds = models.TextField()
    rules = models.JSONField(default=dict, blank=True)  # the period, its source
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lodged_at = models.DateTimeField()
    heard_on = models.DateField(null=True, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, blank=True, default="")
    result_reason = models.TextField(blank=True, default="")
    consequence = models.TextField(blank=True, default="")
    restored = models.OneToOneField(
        Clearance, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-lodged_on", "-pk"]

    def __str__(self) -> str:
        return f"appeal {self.pk} ({self.kind}, {self.result or 'waiting'})"


class Transfer(Person):
    """An officer joining from another force: checked against the registry, their former
    force's vetting record asked for, and a re-vetting task raised, all before the start date.

    Until they have an account or an id in this force they are known by their former force's
    id (`who_for_transfer` in `transfers`); need-to-know hides the record from anyone close to
    either id. The registry's check is kept as its Screening (the latest, after any re-check).
    """

    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100)
    birth_date = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True, default="")
    former_force = models.CharField(max_length=120)
    former_staff_id = models.CharField(max_length=64)
    unit = models.CharField(max_length=100, blank=True, default="")  # the unit they join
    starts_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    screening = models.ForeignKey(
        "registry.Screening", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checks = models.PositiveIntegerField(default=0)  # how many times the registry was asked
    task = models.OneToOneField(
        VettingTask, null=True, blank=True, on_delete=models.PROTECT, related_name="transfer"
    )
    record_requested_on = models.DateField()
    record_received_on = models.DateField(null=True, blank=True)
    record_note = models.TextField(blank=True, default="")
    record_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["former_force", "former_staff_id", "starts_on"], name="transfer_once"
            ),
        ]

    def __str__(self) -> str:
        return f"transfer {self.pk} (from {self.former_force}, starts {self.starts_on})"


class Declaration(Person):
    """A change of circumstances a member of staff declared about themselves (spec §7's list).

    The person is the declarer: nobody declares about anyone else. What they wrote is sealed
    (field encryption, bound to this row). An association names the associate by their person
    id in the force's systems and its kind as the access audit's `declared_associations` has
    it, so `custodes vetting associations` can give it to the audit. `declared_on` is the day
    it was declared, never a day the declarer gives: the audit lets a declaration explain
    look-ups only from that day on, so a late one cannot explain earlier ones.
    """

    class Kind(models.TextChoices):
        NAME = "name", "A change of name"
        ADDRESS = "address", "A change of address"
        HOUSEHOLD = "household", "Someone over 10 joined or left my household"
        PARTNER = "partner", "A new partner"
        FINANCES = "finances", "A significant change in my finances"
        PROCEEDINGS = "proceedings", "Criminal proceedings against me, a caution included"
        CIVIL = "civil", "An adverse civil finding against me (a judgment, bankruptcy)"
        NAMED_PERSON = (
            "named-person",
            "A conviction, caution or investigation of someone named on my vetting forms",
        )
        ASSOCIATION = "association", "A notifiable association, or another to declare"

    class Association(models.TextChoices):
        # The access audit's kinds (spec/force-extract.md, declared_associations).
        NONE = "", "No one named"
        FAMILY = "family", "Family"
        PARTNER = "partner", "Partner"
        FORMER_PARTNER = "former-partner", "Former partner"
        FRIEND = "friend", "Friend"
        NOTIFIABLE = "notifiable-association", "Notifiable association"

    # Made here, not by the database: the sealed details are bound to the row's id.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # AES-GCM ciphertext ("v<key version>:<base64>"), bound to this table, column and row.
    details_encrypted = models.TextField()
    # The associate, where the declaration names one: their id in the force's systems.
    associate_person_id = models.CharField(max_length=64, blank=True, default="")
    association = models.CharField(
        max_length=24, choices=Association.choices, blank=True, default=""
    )
    changed_on = models.DateField(null=True, blank=True)  # when it happened, as declared
    declared_on = models.DateField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [
            models.Index(fields=["user", "recorded_at"], name="declaration_declarer"),
            models.Index(fields=["force", "association"], name="declaration_association"),
        ]
        constraints = [
            # An associate is named with the kind of association, or not at all.
            models.CheckConstraint(
                condition=(
                    models.Q(associate_person_id="", association="")
                    | (~models.Q(associate_person_id="") & ~models.Q(association=""))
                ),
                name="declaration_associate_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"declaration {self.pk} ({self.kind})"


class RandomSample(models.Model):
    """A month's draw for randomised re-vetting: how many held a clearance, how many chosen.

    One a month, drawn once: the tasks it raised are its record of whom.
    """

    month = models.CharField(max_length=7, unique=True)  # YYYY-MM
    holders = models.PositiveIntegerField()
    chosen = models.PositiveIntegerField()
    rules = models.JSONField(default=dict, blank=True)  # the share, minimum and source used
    drawn_at = models.DateTimeField()

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"random sample {self.month} ({self.chosen} of {self.holders})"
