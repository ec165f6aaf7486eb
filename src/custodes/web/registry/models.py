"""Registry entries from published lists, the rosters a force holds, and the matches found."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from custodes.linkage import LIKELY, WEAKER
from custodes.lists import LIMITS, LIST_TYPES, REASON_CATEGORIES, STATUSES

__all__ = ["Candidate", "Entry", "ListImport", "Roster", "RosterPerson", "Screening", "Service"]


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v.replace("-", " ").capitalize()) for v in values]


class ListImport(models.Model):
    """One published list file read into the registry, and what it changed."""

    class Source(models.TextChoices):
        VIRGINIA = "virginia", "Virginia DCJS decertifications"
        CCRB = "ccrb", "NYPD CCRB left under investigation"
        GENERIC = "generic", "Generic list (CSV)"
        CUSTODES = "custodes", "custodes' own barred and advisory list reports"

    source = models.CharField(max_length=16, choices=Source.choices)
    file_name = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the file(s) read
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # null: imported from the command line
    read = models.PositiveIntegerField()
    added = models.PositiveIntegerField()
    changed = models.PositiveIntegerField()
    unchanged = models.PositiveIntegerField()
    # Every row the reader refused: {"file", "line", "field", "why"}.
    rejected = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.file_name}"


class Entry(models.Model):
    """One person on one published list, as the list gives them."""

    # The list's source and its own record id: what makes a re-import find the same entry.
    key = models.CharField(max_length=200, unique=True)
    source_ref = models.CharField(max_length=LIMITS.source_ref)
    list_type = models.CharField(max_length=32, choices=_choices(LIST_TYPES))
    jurisdiction = models.CharField(max_length=LIMITS.jurisdiction)
    first_name = models.CharField(max_length=LIMITS.name)
    middle_name = models.CharField(max_length=LIMITS.name, blank=True, default="")
    last_name = models.CharField(max_length=LIMITS.name)
    other_names = models.JSONField(default=list, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    reason_category = models.CharField(max_length=32, choices=_choices(REASON_CATEGORIES))
    action_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=_choices(STATUSES))
    source = models.CharField(max_length=LIMITS.source)
    extra = models.JSONField(default=dict, blank=True)
    # SHA-256 of everything above: a re-import compares it and changes nothing if it is equal.
    content = models.CharField(max_length=64)
    first_import = models.ForeignKey(ListImport, on_delete=models.PROTECT, related_name="+")
    last_change = models.ForeignKey(ListImport, on_delete=models.PROTECT, related_name="+")
    # Taken off the list (an advisory entry removed, a dismissal overturned on appeal): kept,
    # with the matches already found against it, but no check or screen finds it again.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        indexes = [models.Index(fields=["last_name", "first_name"])]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return f"{self.full_name} ({self.jurisdiction} {self.list_type})"

    @property
    def full_name(self) -> str:
        """Return the name as a reader would write it."""
        return " ".join(n for n in (self.first_name, self.middle_name, self.last_name) if n)


class Service(models.Model):
    """An agency the listed person served in, with their badge or shield number there."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="services")
    agency = models.CharField(max_length=LIMITS.agency)
    agency_raw = models.CharField(max_length=LIMITS.agency)
    badge = models.CharField(max_length=LIMITS.badge, blank=True, default="")
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["entry", "pk"]

    def __str__(self) -> str:
        return f"{self.agency} {self.badge}".strip()


class Roster(models.Model):
    """A force's current workforce, held so that every new list is checked against it."""

    name = models.CharField(max_length=120)
    force = models.CharField(max_length=32)
    file_name = models.CharField(max_length=255)
    loaded_at = models.DateTimeField()
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    current = models.BooleanField(default=True)  # only current rosters are screened on import

    class Meta:
        ordering = ["force", "name"]

    def __str__(self) -> str:
        return f"{self.force} {self.name}"


class RosterPerson(models.Model):
    """One person on a held roster, in the roster format's fields."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="people")
    # The force's own id: its staff user id.
    person_ref = models.CharField(max_length=LIMITS.person_ref)
    first_name = models.CharField(max_length=LIMITS.name)
    middle_name = models.CharField(max_length=LIMITS.name, blank=True, default="")
    last_name = models.CharField(max_length=LIMITS.name)
    other_names = models.JSONField(default=list, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True, default="")
    agency = models.CharField(max_length=LIMITS.agency, blank=True, default="")
    badges = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["roster", "person_ref"]
        constraints = [
            models.UniqueConstraint(fields=["roster", "person_ref"], name="rosterperson_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.person_ref} {self.first_name} {self.last_name}"


class Screening(models.Model):
    """One run of the matcher: an applicant check, a roster screen, or a new list's screen."""

    class Kind(models.TextChoices):
        CHECK = "check", "Applicant check"
        SCREEN = "screen", "Roster screen"
        NEW_LIST = "new-list", "New list against held rosters"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    roster = models.ForeignKey(
        Roster, null=True, blank=True, on_delete=models.PROTECT, related_name="screenings"
    )
    list_import = models.ForeignKey(
        ListImport, null=True, blank=True, on_delete=models.PROTECT, related_name="screenings"
    )
    run_at = models.DateTimeField()
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    threshold = models.FloatField()
    people = models.PositiveIntegerField()
    entries = models.PositiveIntegerField()
    seconds = models.FloatField()

    class Meta:
        ordering = ["-run_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class Candidate(models.Model):
    """A registry entry that may be the person checked, until a person confirms or rejects it.

    A likely match reached the matcher's threshold; a weaker candidate did not, but its names
    agree and nothing else compared says it is someone else: it is shown, marked, rather than
    let a check with little information come back clean. A roster person is checked again at
    every screen: the same person (force and person_ref) and entry make a pair, and a decision
    on a pair is carried to its later candidates while the details compared stay the same.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "To review"
        CONFIRMED = "confirmed", "Confirmed: same person"
        REJECTED = "rejected", "Rejected: not the same person"

    class Strength(models.TextChoices):
        LIKELY = LIKELY, "Likely match"
        WEAKER = WEAKER, "Weaker: the names agree, little else is known"

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="candidates")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="candidates")
    # Who was checked: a roster person, or an applicant known only by the details given.
    roster_person = models.ForeignKey(
        RosterPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="candidates"
    )
    # The roster's force: with person_ref and entry, the pair a decision is about. Empty for an
    # applicant check, whose reference is the checker's own and names no one for certain.
    force = models.CharField(max_length=32, blank=True, default="")
    person_ref = models.CharField(max_length=LIMITS.person_ref)
    person = models.JSONField()  # the checked person's details, as matched
    # The entry's details as matched (null: found before they were kept).
    listed = models.JSONField(null=True, blank=True)
    # The custodes account of the person checked, when the roster is the viewer's own force:
    # need-to-know keeps it from them and their chain.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    explanation = models.TextField()
    strength = models.CharField(max_length=8, choices=Strength.choices, default=Strength.LIKELY)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, default="")
    # The candidate on which the pair was decided: this one's decision was carried from it
    # (decided_by, _at and reason are that decision's), or, while this one is pending, it
    # was decided on details that have changed since.
    decided_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["screening", "-match_probability", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["screening", "person_ref", "entry"], name="candidate_once_per_screening"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "screening"]),
            models.Index(fields=["force", "person_ref", "entry"], name="candidate_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.person_ref} ~ entry {self.entry_id} ({self.match_probability:.2f})"

    @property
    def likely(self) -> bool:
        """Say whether the match probability reached the threshold."""
        return self.strength == self.Strength.LIKELY

    @property
    def carried(self) -> bool:
        """Say whether the decision shown was made on an earlier candidate of the pair."""
        return self.decided_on_id is not None and self.status != self.Status.PENDING
