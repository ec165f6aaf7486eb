"""Hold every published list's entries in one record shape, whatever the list's own layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from custodes.errors import CustodesError

__all__ = [
    "LIMITS",
    "LIST_TYPES",
    "SEXES",
    "STATUSES",
    "FieldLimits",
    "ListFormatError",
    "ListRead",
    "ListRecord",
    "Rejected",
    "RosterPerson",
    "RosterRead",
    "Service",
    "oversized",
    "too_long",
]

#: What kind of list an entry comes from (docs: spec/registry-formats.md, generic list).
LIST_TYPES = ("decertification", "revocation", "barred", "advisory", "left-under-investigation")
#: Whether the listing is in force.
STATUSES = ("active", "reinstated", "expired")
#: Sex as the registry formats record it.
SEXES = ("F", "M", "X")


class ListFormatError(CustodesError):
    """A published list cannot be read at all; the message names the file, field and row."""


@dataclass(frozen=True)
class FieldLimits:
    """Hold the most characters each field of a list entry or roster person may have.

    The registry's database columns are declared with these lengths, so a reader that rejects
    a longer value (naming its file, line and field) is never overruled by the database.
    """

    name: int = 100  # a first, middle or last name, and each other name
    person_ref: int = 64  # a roster's (or applicant's) own reference for a person
    source_ref: int = 160  # a list's own record id
    jurisdiction: int = 16
    agency: int = 200
    badge: int = 32
    source: int = 255  # where an entry came from: the file's name and its publisher


LIMITS = FieldLimits()


def too_long(text: str, limit: int) -> str | None:
    """Say why a value is too long for its field, or None when it fits."""
    if len(text) <= limit:
        return None
    return f"is {len(text):,} characters long; the most the field holds is {limit:,}"


@dataclass(frozen=True)
class Service:
    """Record an agency a person served in and their badge or shield number there."""

    agency: str
    agency_raw: str
    badge: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class ListRecord:
    """Record one person's entry on a published registry list."""

    source_ref: str
    list_type: str
    jurisdiction: str
    first_name: str
    middle_name: str | None
    last_name: str
    other_names: tuple[str, ...]
    birth_date: date | None
    birth_year: int | None
    sex: str | None
    services: tuple[Service, ...]
    reason: str
    reason_category: str
    action_date: date | None
    status: str
    source: str
    line: int
    # A dict cannot be hashed; records are compared, never used as keys.
    extra: dict[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        """Refuse a record no reader should build: the importer trusts these values."""
        if self.list_type not in LIST_TYPES:
            raise ValueError(f"list_type {self.list_type!r} is not one of {LIST_TYPES}")
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} is not one of {STATUSES}")
        if self.sex is not None and self.sex not in SEXES:
            raise ValueError(f"sex {self.sex!r} is not one of {SEXES}")


def oversized(record: ListRecord) -> tuple[str, str] | None:
    """Return the first field of a record too long for the registry, and why; None if all fit.

    Readers reject such a record's row, naming the field as their list names it.
    """
    values = [
        ("source_ref", record.source_ref, LIMITS.source_ref),
        ("jurisdiction", record.jurisdiction, LIMITS.jurisdiction),
        ("first_name", record.first_name, LIMITS.name),
        ("middle_name", record.middle_name or "", LIMITS.name),
        ("last_name", record.last_name, LIMITS.name),
        ("source", record.source, LIMITS.source),
    ]
    for service in record.services:
        values += [
            ("agency", service.agency_raw, LIMITS.agency),
            ("agency", service.agency, LIMITS.agency),
            ("badge", service.badge or "", LIMITS.badge),
        ]
    for name, text, limit in values:
        why = too_long(text, limit)
        if why is not None:
            return name, why
    return None


@dataclass(frozen=True)
class Rejected:
    """Say why one row of a list was not loaded, and where it is."""

    file: str
    line: int
    field: str
    why: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}"
        return f"{where}, {self.field}: {self.why}" if self.field else f"{where}: {self.why}"


@dataclass(frozen=True)
class ListRead:
    """Hold what one reading of a list gave: the records and the rows left out."""

    records: list[ListRecord]
    rejected: list[Rejected]
    source: str


@dataclass(frozen=True)
class RosterPerson:
    """Record one person on a roster to screen against the registry."""

    person_ref: str
    first_name: str
    middle_name: str | None
    last_name: str
    other_names: tuple[str, ...]
    birth_date: date | None
    birth_year: int | None
    sex: str | None
    agency: str | None
    badges: tuple[str, ...]
    line: int
    extra: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class RosterRead:
    """Hold what one reading of a roster gave: the people and the rows left out."""

    people: list[RosterPerson]
    rejected: list[Rejected]
    source: str
