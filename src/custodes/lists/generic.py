"""Read the registry's own CSV formats: a generic published list, and a roster to screen."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from custodes.lists.agencies import normalise_agency
from custodes.lists.csvtable import Row, read_rows
from custodes.lists.names import middle_initials, split_last_name, tidy_name
from custodes.lists.reasons import categorise
from custodes.lists.records import (
    LIMITS,
    LIST_TYPES,
    SEXES,
    STATUSES,
    ListRead,
    ListRecord,
    Rejected,
    RosterPerson,
    RosterRead,
    Service,
    too_long,
)
from custodes.lists.values import EARLIEST_YEAR, LATEST_YEAR, iso_date, split_values

__all__ = ["LIST_COLUMNS", "ROSTER_COLUMNS", "read_generic", "read_roster"]

#: The roster's columns (spec/registry-formats.md), in the spec's order.
ROSTER_COLUMNS = (
    "person_ref",
    "first_name",
    "middle_name",
    "last_name",
    "other_names",
    "birth_date",
    "birth_year",
    "sex",
    "agency",
    "badge",
)
#: The generic list's columns: the roster's, with person_ref as the list's own record id.
LIST_COLUMNS = (
    *ROSTER_COLUMNS,
    "list_type",
    "jurisdiction",
    "reason",
    "action_date",
    "status",
    "source",
)
_ROSTER_REQUIRED = ("person_ref", "first_name", "last_name")
_LIST_REQUIRED = (*_ROSTER_REQUIRED, "list_type", "jurisdiction")
# A published list's entry is in force unless the list says otherwise.
_DEFAULT_STATUS = "active"


class _Fields:
    """Read one row's fields, noting each problem against the field it is in."""

    __slots__ = ("file", "problems", "row", "values")

    def __init__(self, file: str, row: Row) -> None:
        self.file = file
        self.row = row
        self.values = row.values
        self.problems: list[Rejected] = []

    def fail(self, column: str, why: str) -> None:
        """Note a problem with one field."""
        self.problems.append(Rejected(self.file, self.row.line, column, why))

    def text(self, column: str) -> str:
        """Return the field as written."""
        return self.values[column]

    def fits(self, column: str, value: str, limit: int) -> str:
        """Return the value, noting it if it is longer than the registry keeps."""
        if len(value) > limit:
            self.fail(column, too_long(value, limit) or "")
        return value

    def required(self, column: str, tidy: Callable[[str], str] = str.strip) -> str:
        """Return the field, noting it if it is empty."""
        value = tidy(self.values[column])
        if not value:
            self.fail(column, "is empty; the field is required")
        return value

    def choice(
        self,
        column: str,
        allowed: tuple[str, ...],
        case: Callable[[str], str],
        required: bool = False,
    ) -> str | None:
        """Return the field as one of the allowed values, None if empty."""
        value = self.required(column, case) if required else case(self.values[column])
        if value and value not in allowed:
            self.fail(column, f"{self.values[column]!r} is not one of {', '.join(allowed)}")
        return value if value in allowed else None

    def date(self, column: str) -> date | None:
        """Return the field as a YYYY-MM-DD date, None if empty."""
        text = self.values[column]
        try:
            return iso_date(text) if text else None
        except ValueError as error:
            self.fail(column, str(error))
            return None

    def year(self, column: str) -> int | None:
        """Return the field as a four-figure year, None if empty."""
        value = self.values[column]
        if not value:
            return None
        if not value.isdigit() or not EARLIEST_YEAR <= int(value) <= LATEST_YEAR:
            self.fail(column, f"{value!r} is not a year")
            return None
        return int(value)


@dataclass(frozen=True, slots=True)
class _Person:
    """The fields a roster row and a list row share."""

    ref: str
    first_name: str
    middle_name: str | None
    last_name: str
    other_names: tuple[str, ...]
    birth_date: date | None
    birth_year: int | None
    sex: str | None
    agency_raw: str
    badges: tuple[str, ...]
    extra: dict[str, str]


def read_generic(path: Path, mapping: dict[str, str] | None = None) -> ListRead:
    """Read a published list in the generic CSV format; mapping names the file's own columns."""
    records: list[ListRecord] = []
    rejected: list[Rejected] = []
    file_name = path.name
    for fields, person in _people(
        path, LIST_COLUMNS, _LIST_REQUIRED, mapping, rejected, LIMITS.source_ref
    ):
        list_type = fields.choice("list_type", LIST_TYPES, str.lower, required=True)
        jurisdiction = fields.required("jurisdiction", str.upper)
        fields.fits("jurisdiction", jurisdiction, LIMITS.jurisdiction)
        action_date = fields.date("action_date")
        status = fields.choice("status", STATUSES, str.lower) or _DEFAULT_STATUS
        source = _source(file_name, fields.values["source"])
        fields.fits("source", source, LIMITS.source)
        # The agency as the row's jurisdiction names it ("PD" spelt out may no longer fit).
        agency = normalise_agency(person.agency_raw, jurisdiction) if person else ""
        fields.fits("agency", agency, LIMITS.agency)
        if fields.problems or person is None or list_type is None:
            rejected.extend(fields.problems)
            continue
        records.append(
            _record(fields, person, agency, list_type, jurisdiction, action_date, status, source)
        )
    return ListRead(records=records, rejected=rejected, source=path.name)


def read_roster(
    path: Path, mapping: dict[str, str] | None = None, jurisdiction: str | None = None
) -> RosterRead:
    """Read a roster of people to screen; mapping names the file's own columns.

    `jurisdiction` is where the roster's agencies are (`US-VA` names Virginia's agencies as
    its directory does, as on Virginia's list); None applies the spelling rules alone.
    """
    people: list[RosterPerson] = []
    rejected: list[Rejected] = []
    for fields, person in _people(
        path, ROSTER_COLUMNS, _ROSTER_REQUIRED, mapping, rejected, LIMITS.person_ref
    ):
        agency = normalise_agency(person.agency_raw, jurisdiction) if person else ""
        fields.fits("agency", agency, LIMITS.agency)
        if fields.problems or person is None:
            rejected.extend(fields.problems)
            continue
        people.append(
            RosterPerson(
                person_ref=person.ref,
                first_name=person.first_name,
                middle_name=person.middle_name,
                last_name=person.last_name,
                other_names=person.other_names,
                birth_date=person.birth_date,
                birth_year=person.birth_year,
                sex=person.sex,
                agency=agency or None,
                badges=person.badges,
                line=fields.row.line,
                extra=person.extra,
            )
        )
    return RosterRead(people=people, rejected=rejected, source=path.name)


def _people(
    path: Path,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    mapping: Mapping[str, str] | None,
    rejected: list[Rejected],
    ref_limit: int,
) -> Iterator[tuple[_Fields, _Person | None]]:
    """Yield each well-shaped row's fields and person; rows of the wrong shape go to rejected."""
    first_line: dict[str, int] = {}
    file_name = path.name
    for row in read_rows(path, columns, required, mapping):
        if isinstance(row, Rejected):
            rejected.append(row)
            continue
        fields = _Fields(file_name, row)
        ref = fields.fits("person_ref", fields.required("person_ref"), ref_limit)
        if ref in first_line:
            fields.fail("person_ref", f"{ref!r} is already used on line {first_line[ref]}")
        elif ref:
            first_line[ref] = row.line
        yield fields, _person(fields, ref)


def _person(fields: _Fields, ref: str) -> _Person | None:
    """Read the person's names, birth, sex, agency and badges; None if a field is unusable."""
    values = fields.values
    last_name, suffix, bracketed = split_last_name(values["last_name"])
    if not last_name:
        fields.fail("last_name", "is empty; the field is required")
    first_name = fields.required("first_name", tidy_name)
    birth_date = fields.date("birth_date")
    birth_year = fields.year("birth_year")
    if birth_date and birth_year and birth_date.year != birth_year:
        fields.fail("birth_year", f"{birth_year} disagrees with birth_date {birth_date}")
    sex = fields.choice("sex", SEXES, str.upper)
    middle_name = middle_initials(values["middle_name"])
    others = values["other_names"]
    other_names = tuple(tidy_name(n) for n in split_values(others)) if others else ()
    badges = split_values(values["badge"])
    # Each value as the registry would keep it, so that a reader's limit is the database's.
    fits, name = fields.fits, LIMITS.name
    fits("first_name", first_name, name)
    fits("middle_name", middle_name or "", name)
    fits("last_name", last_name, name)
    for other in other_names + bracketed:
        fits("other_names", other, name)
    fits("agency", values["agency"], LIMITS.agency)
    for badge in badges:
        fits("badge", badge, LIMITS.badge)
    if fields.problems:
        return None
    extra = dict(fields.row.extra)
    if suffix:
        extra["name_suffix"] = suffix
    return _Person(
        ref=ref,
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        other_names=other_names + bracketed,
        birth_date=birth_date,
        birth_year=birth_year or (birth_date.year if birth_date else None),
        sex=sex,
        agency_raw=fields.text("agency"),
        badges=badges,
        extra=extra,
    )


def _source(file_name: str, publisher: str) -> str:
    """Return where an entry came from: the file, and the publisher the row names."""
    return f"{file_name} ({publisher})" if publisher else file_name


def _record(
    fields: _Fields,
    person: _Person,
    agency: str,
    list_type: str,
    jurisdiction: str,
    action_date: date | None,
    status: str,
    source: str,
) -> ListRecord:
    """Build the list record of one well-formed row."""
    reason = fields.text("reason")
    return ListRecord(
        source_ref=person.ref,
        list_type=list_type,
        jurisdiction=jurisdiction,
        first_name=person.first_name,
        middle_name=person.middle_name,
        last_name=person.last_name,
        other_names=person.other_names,
        birth_date=person.birth_date,
        birth_year=person.birth_year,
        sex=person.sex,
        services=_services(agency, person.agency_raw, person.badges),
        reason=reason,
        reason_category=categorise(reason),
        action_date=action_date,
        status=status,
        source=source,
        line=fields.row.line,
        extra=person.extra,
    )


def _services(agency: str, agency_raw: str, badges: tuple[str, ...]) -> tuple[Service, ...]:
    """Return the person's service at their agency, one per badge number."""
    if badges:
        return tuple(Service(agency, agency_raw, badge) for badge in badges)
    return (Service(agency, agency_raw),) if agency_raw else ()
