"""Hold every published list's entries in one record shape, whatever the list's own layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from custodes.errors import CustodesError

__all__ = [
    "LIST_TYPES",
    "SEXES",
    "STATUSES",
    "ListFormatError",
    "ListRead",
    "ListRecord",
    "Rejected",
    "RosterPerson",
    "RosterRead",
    "Service",
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
