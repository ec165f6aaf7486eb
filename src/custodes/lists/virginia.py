"""Read Virginia's published decertification workbook (DCJS) into list records."""

# The workbook has one sheet per part of the list; three are read:
# - "Finalized - 2021 to Present": decertifications in force, status ``active``.
# - "2020 & Prior": decertifications under the old law. They are in force (``active``) unless
#   the row itself says the officer was reinstated: a date in the STATUS column or
#   "Reinstated" in the reason (one row, reinstated after a five-year request). "5 Yr Appl
#   Denied" means the request to be reinstated was refused, so that row stays active.
# - "Reinstated - 2021 to Present": officers decertified and then reinstated, status
#   ``reinstated``; the sheet gives no decertification date ("N/A"), only the reinstatement
#   date inside the STATUS text, which is kept in ``extra["reinstated_date"]``.
# The "Pending Conclusion" sheet is not read: its decertifications await appeal or finalisation
# and are not yet on the list. The published STATUS wording (e.g. "Finalized/ APA Appeal
# Pending", "Finalized-Withdrawn") is kept in ``extra["published_status"]`` for a reviewer.
# A row whose decertification date cannot be read ("10/04/0222") is rejected like any other
# unusable row rather than loaded with a guessed date: the importer lists it for a person to
# correct.

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from custodes.lists.agencies import normalise_agency, split_agencies
from custodes.lists.names import middle_initials, split_last_name, tidy_name
from custodes.lists.reasons import categorise
from custodes.lists.records import (
    ListFormatError,
    ListRead,
    ListRecord,
    Rejected,
    Service,
    oversized,
)
from custodes.lists.values import cell_text, list_date, stable_ref

__all__ = ["PUBLISHER", "SHEETS", "read_virginia"]

PUBLISHER = "Virginia Department of Criminal Justice Services"
# The list's jurisdiction: its agencies are named as Virginia's directory names them.
JURISDICTION = "US-VA"
#: The parts of the list read, and the word that picks out each one's sheet by its name.
SHEETS = {"present": "finalized", "prior": "prior", "reinstated": "reinstated"}
# Headings each sheet must have, by the field they fill; the reinstated sheet has no reason.
_COLUMNS = {
    "last": "last name",
    "first": "first name",
    "middle": "middle initial",
    "agency": "agency",
    "function": "function",
    "date": "decert date",
    "status": "status",
    "reason": "reason",
}
_OPTIONAL = {"reason"}
# The header is within the first rows, under the sheet's title lines, and within the first
# columns (a sheet can be formatted 16,384 columns wide).
_HEADER_SEARCH_ROWS = 10
_HEADER_SEARCH_COLUMNS = 12
# The workbook's heading of the column each record field comes from, for rejected rows.
_HEADINGS = {
    "first_name": "First Name",
    "middle_name": "Middle Initial",
    "last_name": "Last Name",
    "agency": "Agency",
    "source": "(file name)",
}
_REINSTATED = re.compile(r"re-?instat", re.IGNORECASE)
_DATE_IN_TEXT = re.compile(r"\d{1,2}[/-]\d{1,2}[/-]\d{4}")


class _Worksheet(Protocol):
    """What is read of an openpyxl read-only worksheet."""

    def iter_rows(
        self,
        min_row: int | None = None,
        max_row: int | None = None,
        max_col: int | None = None,
        values_only: bool = False,
    ) -> Iterator[tuple[object, ...]]: ...


class _Workbook(Protocol):
    """What is read of an openpyxl workbook."""

    sheetnames: list[str]

    def __getitem__(self, title: str) -> _Worksheet: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class _Sheet:
    """One part of the list: its kind, where its cells are, and its rows."""

    kind: str
    title: str
    label: str
    columns: dict[str, int]
    rows: Iterator[tuple[int, tuple[object, ...]]]


def read_virginia(path: Path) -> ListRead:
    """Read the present, prior and reinstated sheets of the DCJS decertification workbook."""
    source = f"{path.name} ({PUBLISHER})"
    records: list[ListRecord] = []
    rejected: list[Rejected] = []
    seen: dict[str, int] = {}
    with _open_workbook(path) as workbook:
        for kind in SHEETS:
            sheet = _sheet(workbook, kind, path)
            for line, row in sheet.rows:
                entry = _record(sheet, line, row, source)
                if entry is None:
                    continue
                if isinstance(entry, Rejected):
                    rejected.append(entry)
                elif entry.source_ref in seen:
                    why = f"the same person, agency and date as row {seen[entry.source_ref]}"
                    rejected.append(Rejected(sheet.label, line, "Last Name", why))
                else:
                    seen[entry.source_ref] = line
                    records.append(entry)
    return ListRead(records=records, rejected=rejected, source=source)


@contextmanager
def _open_workbook(path: Path) -> Iterator[_Workbook]:
    """Open the workbook read-only, and close it however reading ends."""
    # Imported here: openpyxl takes most of a second to import (it loads numpy), and only this
    # reader needs it. It ships no type information; _Workbook types what is used of it.
    import openpyxl  # type: ignore[import-untyped]

    try:
        with warnings.catch_warnings():
            # DCJS's print areas name whole rows, which openpyxl cannot set and warns of;
            # print areas do not matter to reading the list.
            warnings.filterwarnings("ignore", "Print area", UserWarning, "openpyxl")
            workbook: _Workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise ListFormatError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ListFormatError(f"{path.name}: not an Excel workbook ({error})") from None
    try:
        yield workbook
    finally:
        workbook.close()


def _sheet(workbook: _Workbook, kind: str, path: Path) -> _Sheet:
    """Find the sheet of one part of the list, its header row and its columns."""
    word = SHEETS[kind]
    titles = [t for t in workbook.sheetnames if word in t.casefold()]
    if len(titles) != 1:
        found = "no sheet" if not titles else f"{len(titles)} sheets"
        raise ListFormatError(
            f"{path.name}: {found} for the {kind} list (a sheet named with {word!r}); "
            f"the sheets are {workbook.sheetnames}"
        )
    worksheet = workbook[titles[0]]
    label = f"{path.name}:{kind}"
    header_line, headings = _header(worksheet, label)
    columns = _columns(headings, label, header_line)
    width = max(columns.values()) + 1
    rows = enumerate(
        worksheet.iter_rows(min_row=header_line + 1, max_col=width, values_only=True),
        start=header_line + 1,
    )
    return _Sheet(kind, titles[0], label, columns, rows)


def _header(worksheet: _Worksheet, label: str) -> tuple[int, list[str]]:
    """Return the line of the header row and its headings, lower case."""
    rows = worksheet.iter_rows(
        max_row=_HEADER_SEARCH_ROWS, max_col=_HEADER_SEARCH_COLUMNS, values_only=True
    )
    for line, row in enumerate(rows, start=1):
        headings = [cell_text(value).casefold() for value in row]
        if headings and headings[0] == _COLUMNS["last"]:
            return line, headings
    raise ListFormatError(
        f"{label}: no header row (a row starting 'Last Name') in the first "
        f"{_HEADER_SEARCH_ROWS} rows"
    )


def _columns(headings: Sequence[str], label: str, line: int) -> dict[str, int]:
    """Return where each field's column is, refusing a sheet that lacks one."""
    columns: dict[str, int] = {}
    for field, heading in _COLUMNS.items():
        if heading in headings:
            columns[field] = headings.index(heading)
        elif field not in _OPTIONAL:
            raise ListFormatError(f"{label}, row {line}: no {heading!r} column in the header")
    return columns


def _is_heading(row: Sequence[object]) -> bool:
    """Say whether a row is blank or only a year heading ("2022") between entries."""
    first, rest = (row[0] if row else None), row[1:]
    if any(cell_text(value) for value in rest):
        return False
    text = cell_text(first)
    return not text or bool(re.fullmatch(r"(19|20)\d\d", text))


def _record(
    sheet: _Sheet, line: int, row: tuple[object, ...], source: str
) -> ListRecord | Rejected | None:
    """Build the record of one row, or say why the row is not a usable entry."""
    if _is_heading(row):
        return None
    cells = {
        field: row[index] if index < len(row) else None for field, index in sheet.columns.items()
    }
    last_name, suffix, other_names = split_last_name(cell_text(cells["last"]))
    first_name = tidy_name(cell_text(cells["first"]))
    if not last_name:
        return Rejected(sheet.label, line, "Last Name", "no last name")
    if not first_name:
        return Rejected(sheet.label, line, "First Name", "no first name")
    try:
        action_date = list_date(cells["date"])
    except ValueError as error:
        return Rejected(sheet.label, line, "Decert Date", f"decertification date {error}")
    reason = cell_text(cells.get("reason"))
    try:
        status, reinstated = _status(sheet.kind, cells["status"], reason)
    except ValueError as error:
        return Rejected(sheet.label, line, "STATUS", f"reinstatement date {error}")
    agency_raw = cell_text(cells["agency"])
    middle_name = middle_initials(cell_text(cells["middle"]))
    # The list has no ids: the entry's own name, agency and date make one that survives the
    # rows moving between editions.
    when = action_date or reinstated
    identity = (last_name, first_name, middle_name or "", agency_raw)
    record = ListRecord(
        source_ref=stable_ref("us-va-dcjs", *identity, when.isoformat() if when else ""),
        list_type="decertification",
        jurisdiction=JURISDICTION,
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        other_names=other_names,
        birth_date=None,
        birth_year=None,
        sex=None,
        services=_services(agency_raw),
        reason=reason,
        reason_category=categorise(reason),
        action_date=action_date,
        status=status,
        source=source,
        line=line,
        extra=_extra(sheet, cells, suffix, reinstated),
    )
    found = oversized(record)
    if found is not None:
        return Rejected(sheet.label, line, _HEADINGS.get(found[0], found[0]), found[1])
    return record


def _extra(
    sheet: _Sheet, cells: dict[str, object], suffix: str | None, reinstated: date | None
) -> dict[str, str]:
    """Keep what the row says beyond the record's fields, for a reviewer."""
    extra = {
        "sheet": sheet.title,
        "function": cell_text(cells["function"]),
        "published_status": _published_status(cells["status"]),
    }
    if suffix:
        extra["name_suffix"] = suffix
    if reinstated:
        extra["reinstated_date"] = reinstated.isoformat()
    return extra


def _status(kind: str, status: object, reason: str) -> tuple[str, date | None]:
    """Return whether the entry is active or reinstated, and the reinstatement date if given."""
    if isinstance(status, datetime | date):  # the prior sheet puts the reinstatement date here
        return "reinstated", list_date(status)
    text = cell_text(status)
    if kind == "reinstated" or _REINSTATED.search(text) or _REINSTATED.search(reason):
        found = _DATE_IN_TEXT.search(text)
        return "reinstated", list_date(found.group()) if found else None
    return "active", None


def _published_status(status: object) -> str:
    """Return the STATUS cell as published, a date in ISO form."""
    if isinstance(status, datetime | date):
        return (status.date() if isinstance(status, datetime) else status).isoformat()
    return cell_text(status)


def _services(agency_raw: str) -> tuple[Service, ...]:
    """Return one service per agency the cell names (some cells name two)."""
    if not agency_raw:
        return ()
    return tuple(
        Service(normalise_agency(part, JURISDICTION), part)
        for part in split_agencies(agency_raw, JURISDICTION)
    )
