"""Import any department's CSV records through a column mapping file (docs/history.md).

One CSV with a row per allegation (the officer's columns repeated on each), or two: an
officers file and an allegations file. The mapping (TOML) names the source column of each of
the format's columns, the date format, and value maps for `category_group`, `finding` and
`outcome_group`; a value already one of the format's groups needs no entry.
"""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from custodes.caserules import (
    CATEGORY_GROUPS,
    FINDINGS,
    HISTORY_TABLES,
    OUTCOME_GROUPS,
    HistoryError,
)
from custodes.history.result import HistoryImportError, Refusal, Unmapped

__all__ = ["ColumnMapping", "read_column_mapping", "read_generic"]

_GROUPS: Mapping[str, tuple[str, ...]] = {
    "category_group": CATEGORY_GROUPS,
    "finding": FINDINGS,
    "outcome_group": OUTCOME_GROUPS,
}
# The source column a group is mapped from.
_FROM = {"category_group": "category", "finding": "finding", "outcome_group": "outcome"}
# Where an allegation came from: the format's closed list.
SOURCES = next(c.allowed or () for c in HISTORY_TABLES["allegations"] if c.name == "source")
_OFFICER_COLUMNS = [c.name for c in HISTORY_TABLES["officers"]]
_ALLEGATION_COLUMNS = [c.name for c in HISTORY_TABLES["allegations"]]
_DATE_COLUMNS = {
    c.name
    for table in ("officers", "allegations")
    for c in HISTORY_TABLES[table]
    if c.type == "date"
}
# The format's "finding" is mapped from the source's finding column, named `finding` here too.
_MAPPABLE = {*_OFFICER_COLUMNS, *_ALLEGATION_COLUMNS} - {"category_group", "outcome_group"}


@dataclass(frozen=True)
class ColumnMapping:
    """Which source column is each of the format's columns, the date format, constants
    (such as one agency for the whole file), and the value maps to the format's groups."""

    file: str
    columns: Mapping[str, str]
    date_format: str
    constants: Mapping[str, str]
    values: Mapping[str, Mapping[str, str]]

    def group(self, table: str, value: str) -> str | None:
        """Return the format's group for a source value, or None when nothing maps it."""
        mapped = self.values.get(table, {}).get(value)
        if mapped is not None:
            return mapped
        return value if value in _GROUPS[table] else None


def read_column_mapping(path: Path) -> ColumnMapping:
    """Read a column mapping file, refusing (naming the file and key) what is wrong in it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{path} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise HistoryError(f"{path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"columns", "constants", "date_format", *_GROUPS})
    if unknown:
        raise HistoryError(f"{path}: {unknown[0]!r} is not a key of a column mapping")
    columns = data.get("columns", {})
    constants = data.get("constants", {})
    for key, table in (("columns", columns), ("constants", constants)):
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise HistoryError(f"{path}: {key} must be a table of text values")
        for name in table:
            if name not in _MAPPABLE:
                raise HistoryError(f"{path}: {key}.{name} is not a column of the format")
    for required in ("officer_ref", "complaint_ref", "category", "finding"):
        if required not in columns and required not in constants:
            raise HistoryError(f"{path}: columns.{required} is missing")
    if "received_date" not in columns:
        raise HistoryError(f"{path}: columns.received_date is missing")
    values: dict[str, dict[str, str]] = {}
    for table, allowed in _GROUPS.items():
        raw = data.get(table, {})
        if not isinstance(raw, dict):
            raise HistoryError(f"{path}: {table} must be a table of source value = group")
        for value, group in raw.items():
            if group not in allowed:
                raise HistoryError(
                    f"{path}: {table}.{value!r}: {group!r} is not one of: {', '.join(allowed)}"
                )
        values[table] = dict(raw)
    date_format = data.get("date_format", "%Y-%m-%d")
    if not isinstance(date_format, str):
        raise HistoryError(f"{path}: date_format must be text, such as '%m/%d/%Y'")
    return ColumnMapping(str(path), columns, date_format, constants, values)


@dataclass
class GenericHistory:
    """A CSV source as the format's rows, with what was refused and left unmapped."""

    officers: list[dict[str, Any]]
    allegations: list[dict[str, Any]]
    refused: list[Refusal]
    unmapped: list[Unmapped]


def _read(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, quotechar='"')
            header = list(reader.fieldnames or [])
            rows = [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise HistoryImportError(f"{path.name} cannot be read: {exc}") from None
    return header, rows


def _value(mapping: ColumnMapping, row: Mapping[str, str | None], name: str) -> str:
    source = mapping.columns.get(name)
    if source is None:
        return mapping.constants.get(name, "")
    return (row.get(source) or "").strip()


def read_generic(paths: Sequence[Path], mapping: ColumnMapping) -> GenericHistory:
    """Read one or two CSVs through `mapping` into the format's rows; refuse bad rows, named."""
    if not 1 <= len(paths) <= 2:
        raise HistoryImportError(
            "the csv import takes one file, or an officers and an allegations file"
        )
    files = [(path, *_read(path)) for path in paths]
    complaint_column = mapping.columns.get("complaint_ref")
    with_allegations = [f for f in files if complaint_column in f[1]]
    if len(with_allegations) != 1:
        raise HistoryImportError(
            f"exactly one file must have the complaint column {complaint_column!r}: "
            + ", ".join(
                f"{p.name} has {'it' if complaint_column in h else 'not'}" for p, h, _ in files
            )
        )
    allegation_file = with_allegations[0][0]
    for name, source in mapping.columns.items():
        holders = [p for p, h, _ in files if source in h]
        if name in _ALLEGATION_COLUMNS and name != "officer_ref" and allegation_file not in holders:
            raise HistoryImportError(
                f"{allegation_file.name}: the column {source!r} (for {name}) is missing"
            )
        if not holders:
            raise HistoryImportError(
                f"{', '.join(p.name for p in paths)}: the column {source!r} (for {name}) is missing"
            )
    refused: list[Refusal] = []
    unmapped: Counter[tuple[str, str]] = Counter()
    officers: dict[str, dict[str, Any]] = {}
    one_file = len(files) == 1
    if not one_file:
        # Two files: the officers come from the officers file alone.
        path, _header, rows = next(f for f in files if f[0] != allegation_file)
        for line, row in rows:
            officer = _officer_of(path, line, row, mapping, refused)
            if officer is not None and officer["officer_ref"] not in officers:
                officers[officer["officer_ref"]] = officer
    path, _header, rows = with_allegations[0]
    allegations: list[dict[str, Any]] = []
    seen: Counter[tuple[str, str]] = Counter()
    first_line: dict[str, int] = {}
    for line, row in rows:
        allegation = _allegation_of(path, line, row, mapping, refused, unmapped)
        if one_file:
            # One row per allegation: a refused row gives neither its allegation nor its officer.
            officer = _officer_of(path, line, row, mapping, refused)
            if allegation is None or officer is None:
                continue
            officers.setdefault(officer["officer_ref"], officer)
        if allegation is None:
            continue
        if allegation["officer_ref"] not in officers:
            refused.append(
                Refusal(
                    path.name,
                    line,
                    mapping.columns.get("officer_ref", "officer_ref"),
                    f"{allegation['officer_ref']!r} is not an officer of the files",
                )
            )
            continue
        if not allegation.get("allegation_ref"):
            key = (allegation["complaint_ref"], allegation["officer_ref"])
            seen[key] += 1
            allegation["allegation_ref"] = f"{key[0]}-{key[1]}-{seen[key]}"
        ref = allegation["allegation_ref"]
        if ref in first_line:
            column = mapping.columns.get("allegation_ref", "allegation_ref")
            refused.append(
                Refusal(path.name, line, column, f"{ref!r} repeats line {first_line[ref]}")
            )
            continue
        first_line[ref] = line
        allegations.append(allegation)
    return GenericHistory(
        officers=list(officers.values()),
        allegations=allegations,
        refused=refused,
        unmapped=[Unmapped(f, v, n) for (f, v), n in sorted(unmapped.items())],
    )


def _typed(
    path: Path, line: int, name: str, value: str, mapping: ColumnMapping, refused: list[Refusal]
) -> tuple[bool, Any]:
    """Return whether a value is good, and it typed (a date, a whole number, or text)."""
    if not value:
        return True, None
    column = mapping.columns.get(name, name)
    if name in _DATE_COLUMNS:
        try:
            return True, dt.datetime.strptime(value, mapping.date_format).date()  # noqa: DTZ007
        except ValueError:
            refused.append(
                Refusal(
                    path.name, line, column, f"{value!r} is not a date as {mapping.date_format}"
                )
            )
            return False, None
    if name == "birth_year":
        if not value.isdigit():
            refused.append(Refusal(path.name, line, column, f"{value!r} is not a year"))
            return False, None
        return True, int(value)
    return True, value


def _officer_of(
    path: Path,
    line: int,
    row: Mapping[str, str | None],
    mapping: ColumnMapping,
    refused: list[Refusal],
) -> dict[str, Any] | None:
    officer: dict[str, Any] = {}
    for name in _OFFICER_COLUMNS:
        good, value = _typed(path, line, name, _value(mapping, row, name), mapping, refused)
        if not good:
            return None
        officer[name] = value
    for name in ("officer_ref", "agency"):
        if not officer[name]:
            refused.append(Refusal(path.name, line, mapping.columns.get(name, name), "is empty"))
            return None
    sex = officer.get("sex")
    if sex and sex not in ("F", "M", "X"):
        refused.append(
            Refusal(path.name, line, mapping.columns["sex"], f"{sex!r} is not F, M or X")
        )
        return None
    return officer


def _allegation_of(
    path: Path,
    line: int,
    row: Mapping[str, str | None],
    mapping: ColumnMapping,
    refused: list[Refusal],
    unmapped: Counter[tuple[str, str]],
) -> dict[str, Any] | None:
    allegation: dict[str, Any] = {}
    for name in _ALLEGATION_COLUMNS:
        if name in _GROUPS:
            continue
        good, value = _typed(path, line, name, _value(mapping, row, name), mapping, refused)
        if not good:
            return None
        allegation[name] = value
    for name in ("complaint_ref", "received_date", "category"):
        if not allegation[name]:
            refused.append(Refusal(path.name, line, mapping.columns.get(name, name), "is empty"))
            return None
    for table in _GROUPS:
        source = _value(mapping, row, _FROM[table])
        if not source:
            if table == "finding":
                refused.append(
                    Refusal(path.name, line, mapping.columns.get("finding", "finding"), "is empty")
                )
                return None
            allegation[table] = None
            continue
        group = mapping.group(table, source)
        if group is None:
            unmapped[(_FROM[table], source)] += 1
            refused.append(
                Refusal(
                    path.name,
                    line,
                    mapping.columns.get(_FROM[table], _FROM[table]),
                    f"{source!r} has no {table} in {Path(mapping.file).name}",
                )
            )
            return None
        allegation[table] = group
    closed = allegation.get("closed_date")
    if closed is not None and closed < allegation["received_date"]:
        refused.append(
            Refusal(
                path.name,
                line,
                mapping.columns.get("closed_date", "closed_date"),
                "is before the received date",
            )
        )
        return None
    if allegation.get("source") and allegation["source"] not in SOURCES:
        refused.append(
            Refusal(
                path.name,
                line,
                mapping.columns.get("source", "source"),
                f"{allegation['source']!r} is not one of: {', '.join(SOURCES)}",
            )
        )
        return None
    return allegation
