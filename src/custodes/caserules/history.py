"""The officer-history format (../shared/spec/officer-history.md): each profile's words mapped to
its groups, a writer of its three tables as CSV or Parquet, and a check that a folder meets it.

Early intervention and statistics read this format whatever the source; custodes' own cases
export to it (`custodes cases export`). The mapping of a profile's allegation categories,
findings, outcomes and leaving events to the format's groups is data, beside the profile's
rules file (`<profile>.history.toml`), and is refused unless it maps every one of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import tempfile
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from custodes.caserules.errors import CaseRulesError, FactsError, RulesFileError
from custodes.caserules.profile import PROFILES, Profile, load_profile

__all__ = [
    "CATEGORY_GROUPS",
    "FINDINGS",
    "HISTORY_TABLES",
    "OUTCOME_GROUPS",
    "SOURCES",
    "Column",
    "HistoryError",
    "HistoryMapping",
    "HistoryProblem",
    "check_history",
    "history_mapping",
    "read_history_mapping",
    "write_history",
]

CATEGORY_GROUPS = (
    "sexual",
    "force",
    "abuse-of-authority",
    "discourtesy",
    "discrimination",
    "dishonesty",
    "domestic-abuse",
    "other",
)
FINDINGS = (
    "substantiated",
    "not-substantiated",
    "unfounded",
    "exonerated",
    "unidentified",
    "open",
    "other",
)
OUTCOME_GROUPS = (
    "none",
    "advice-or-training",
    "reprimand-or-warning",
    "suspension",
    "demotion",
    "dismissed",
    "resigned-under-investigation",
    "other",
)
SOURCES = ("public", "colleague", "internal", "audit", "other")
SEXES = ("F", "M", "X")


@dataclass(frozen=True)
class Column:
    """One column of the format: its type ("text", "integer" or "date"), whether a value is
    required, and the values allowed where the spec closes them."""

    name: str
    type: str = "text"
    required: bool = False
    allowed: tuple[str, ...] | None = None


#: The format's tables and their columns, in the spec's order; `events` is optional.
HISTORY_TABLES: Mapping[str, tuple[Column, ...]] = {
    "officers": (
        Column("officer_ref", required=True),
        Column("agency", required=True),
        Column("first_name"),
        Column("last_name"),
        Column("birth_year", "integer"),
        Column("sex", allowed=SEXES),
        Column("race"),
        Column("rank"),
        Column("unit"),
        Column("appointed_date", "date"),
        Column("left_date", "date"),
        Column("left_reason"),
    ),
    "allegations": (
        Column("allegation_ref", required=True),
        Column("complaint_ref", required=True),
        Column("officer_ref", required=True),
        Column("received_date", "date", required=True),
        Column("incident_date", "date"),
        Column("closed_date", "date"),
        Column("source", allowed=SOURCES),
        Column("category", required=True),
        Column("category_group", required=True, allowed=CATEGORY_GROUPS),
        Column("finding", required=True, allowed=FINDINGS),
        Column("outcome"),
        Column("outcome_group", allowed=OUTCOME_GROUPS),
    ),
    "events": (
        Column("officer_ref", required=True),
        Column("date", "date", required=True),
        Column("kind", required=True),
        Column("detail"),
    ),
}
_REQUIRED_TABLES = ("officers", "allegations")
_ARROW = {"text": pa.string(), "integer": pa.int64(), "date": pa.date32()}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"-?\d+")
FORMATS = ("csv", "parquet")


class HistoryError(CaseRulesError):
    """An officer-history folder cannot be written as asked, or does not meet the format."""


# -- the mapping ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryMapping:
    """One profile's words as the format's groups: categories, findings, outcomes, and the
    events of leaving under investigation."""

    profile: str
    category_group: Mapping[str, str]
    finding: Mapping[str, str]
    outcome_group: Mapping[str, str]
    left: Mapping[str, str]

    def group_of(self, category: str) -> str:
        """Return the `category_group` of one of the profile's allegation categories."""
        return self._look_up("category_group", category)

    def finding_of(self, finding: str) -> str:
        """Return the format's `finding` for one of the profile's findings."""
        return self._look_up("finding", finding)

    def outcome_group_of(self, outcome: str) -> str:
        """Return the `outcome_group` of one of the profile's outcomes."""
        return self._look_up("outcome_group", outcome)

    def left_group_of(self, event: str) -> str:
        """Return the `outcome_group` of leaving under investigation (the profile's event)."""
        return self._look_up("left", event)

    def _look_up(self, table: str, term: str) -> str:
        mapping: Mapping[str, str] = getattr(self, table)
        try:
            return mapping[term]
        except KeyError:
            raise FactsError(f"{term!r} has no {table} in {self.profile}'s mapping") from None


# What each table of the mapping maps, from the profile, and the groups it maps to.
_MAPPED: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "category_group": ("categories", CATEGORY_GROUPS),
    "finding": ("findings", FINDINGS),
    "outcome_group": ("outcomes", OUTCOME_GROUPS),
    "left": ("events", OUTCOME_GROUPS),
}


def _profile_terms(profile: Profile, table: str) -> tuple[str, ...]:
    """Return the profile's words that `table` of its mapping must map, each one."""
    group = _MAPPED[table][0]
    if group == "categories":
        return tuple(c.id for c in profile.categories())
    terms = tuple(profile.vocabulary.get(group, {}))
    if table == "left":
        # Leaving while under investigation: the events that are an outcome of their own.
        return tuple(t for t in terms if t.endswith("-under-investigation"))
    return terms


def read_history_mapping(text: str, file: str, profile: Profile) -> HistoryMapping:
    """Read a mapping file for `profile`, refusing (naming the file and key) any word of the
    profile it leaves unmapped, any it maps that the profile lacks, and any group not allowed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesFileError(file, "", f"is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"profile", *_MAPPED})
    if unknown:
        raise RulesFileError(file, unknown[0], "is not a table of a history mapping")
    named = data.get("profile", {}).get("name") if isinstance(data.get("profile"), dict) else None
    if named != profile.name:
        raise RulesFileError(file, "profile.name", f"names {named!r}, not {profile.name!r}")
    tables: dict[str, dict[str, str]] = {}
    for table, (group, allowed) in _MAPPED.items():
        raw = data.get(table, {})
        if not isinstance(raw, dict):
            raise RulesFileError(file, table, "must be a table")
        terms = _profile_terms(profile, table)
        for term, value in raw.items():
            if term not in terms:
                raise RulesFileError(
                    file, f"{table}.{term}", f"is not one of {profile.name}'s {group}"
                )
            if value not in allowed:
                raise RulesFileError(
                    file, f"{table}.{term}", f"{value!r} is not one of: {', '.join(allowed)}"
                )
        missing = [term for term in terms if term not in raw]
        if missing:
            raise RulesFileError(
                file, table, f"maps no value for {profile.name}'s {group}: {', '.join(missing)}"
            )
        tables[table] = dict(raw)
    return HistoryMapping(profile=profile.name, **tables)


@lru_cache(maxsize=8)
def history_mapping(name: str) -> HistoryMapping:
    """Return the packaged mapping of profile `name` to the format's groups."""
    if name not in PROFILES:
        raise CaseRulesError(f"no profile {name!r}; the profiles are {', '.join(PROFILES)}")
    file = f"{name}.history.toml"
    text = files("custodes.caserules").joinpath(file).read_text(encoding="utf-8")
    return read_history_mapping(text, file, load_profile(name))


# -- the check -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryProblem:
    """One way a folder fails the format: the file, the line (a CSV's line, header line 1; a
    Parquet file's row, from 1; 0 for the file as a whole), the column, and what is wrong."""

    file: str
    line: int
    column: str
    problem: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f", line {self.line}" if self.file.endswith(".csv") else f", row {self.line}"
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.problem}"


def _rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """Return a table's columns and its rows, each with its line (CSV) or row (Parquet)."""
    if path.suffix == ".csv":
        handle = path.open(encoding="utf-8", newline="")
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])

        def lines() -> Iterator[tuple[int, dict[str, Any]]]:
            with handle:
                for row in reader:
                    yield reader.line_num, row

        return columns, lines()
    table = pq.read_table(path)
    return list(table.column_names), enumerate(table.to_pylist(), start=1)


def _value_problem(column: Column, value: Any) -> str | None:
    """Say what is wrong with one value of a column, or None; empty values are None."""
    if column.type == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return None
        if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
            return f"{value!r} is not an ISO date (YYYY-MM-DD)"
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not a day of the calendar"
        return None
    if column.type == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        if not isinstance(value, str) or not _INTEGER.fullmatch(value):
            return f"{value!r} is not a whole number"
        return None
    if not isinstance(value, str):
        return f"{value!r} is not text"
    if column.allowed is not None and value not in column.allowed:
        return f"{value!r} is not one of: {', '.join(column.allowed)}"
    return None


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def check_history(folder: Path) -> list[HistoryProblem]:
    """Check that `folder` meets the officer-history format; return every problem found.

    Each table is `<name>.csv` or `<name>.parquet`, not both; officers and allegations are
    required. Required columns and values, the closed vocabularies, ISO dates and whole
    numbers are checked; `officer_ref` is unique in officers, `allegation_ref` in
    allegations, and every allegation's and event's officer is in officers; an allegation is
    not closed before it was received, nor closed with the finding "open".
    """
    problems: list[HistoryProblem] = []
    if not folder.is_dir():
        return [HistoryProblem(str(folder), 0, "", "is not a folder")]
    officers: set[str] = set()
    references: dict[str, list[tuple[str, int]]] = {}
    for name, columns in HISTORY_TABLES.items():
        found = [folder / f"{name}.{fmt}" for fmt in FORMATS if (folder / f"{name}.{fmt}").exists()]
        if len(found) > 1:
            problems.append(HistoryProblem(f"{name}.*", 0, "", "is there as both CSV and Parquet"))
            continue
        if not found:
            if name in _REQUIRED_TABLES:
                problems.append(
                    HistoryProblem(f"{name}.csv", 0, "", f"is missing (or {name}.parquet)")
                )
            continue
        path = found[0]
        try:
            header, rows = _rows(path)
        except (OSError, UnicodeDecodeError, csv.Error, pa.ArrowException) as exc:
            problems.append(HistoryProblem(path.name, 0, "", f"cannot be read: {exc}"))
            continue
        absent = [c.name for c in columns if c.name not in header]
        problems += [
            HistoryProblem(path.name, 1, c, "the column is missing")
            for c in absent
            if next(x for x in columns if x.name == c).required
        ]
        present = [c for c in columns if c.name in header]
        seen: dict[str, int] = {}
        try:
            for line, row in rows:
                for column in present:
                    value = row.get(column.name)
                    if _empty(value):
                        if column.required:
                            problems.append(
                                HistoryProblem(path.name, line, column.name, "is empty")
                            )
                        continue
                    wrong = _value_problem(column, value)
                    if wrong is not None:
                        problems.append(HistoryProblem(path.name, line, column.name, wrong))
                problems += _row_problems(name, path.name, line, row, seen, officers)
                ref = row.get("officer_ref")
                if name != "officers" and isinstance(ref, str) and ref:
                    references.setdefault(ref, []).append((path.name, line))
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.append(HistoryProblem(path.name, 0, "", f"cannot be read: {exc}"))
    for ref, places in references.items():
        if ref not in officers:
            problems += [
                HistoryProblem(file, line, "officer_ref", f"{ref!r} is not in officers")
                for file, line in places
            ]
    return sorted(problems, key=lambda p: (p.file, p.line, p.column))


def _row_problems(
    table: str,
    file: str,
    line: int,
    row: Mapping[str, Any],
    seen: dict[str, int],
    officers: set[str],
) -> list[HistoryProblem]:
    """Return what is wrong with a row as a whole: a repeated reference, dates out of order."""
    problems = []
    key = {"officers": "officer_ref", "allegations": "allegation_ref"}.get(table)
    if key is not None:
        ref = row.get(key)
        if isinstance(ref, str) and ref:
            if ref in seen:
                problems.append(
                    HistoryProblem(file, line, key, f"{ref!r} repeats line {seen[ref]}")
                )
            else:
                seen[ref] = line
            if table == "officers":
                officers.add(ref)
    if table == "allegations":
        received, closed = _day(row.get("received_date")), _day(row.get("closed_date"))
        if received and closed and closed < received:
            problems.append(
                HistoryProblem(file, line, "closed_date", "is before the received_date")
            )
        if closed and row.get("finding") == "open":
            problems.append(
                HistoryProblem(file, line, "finding", "is open on an allegation closed")
            )
    return problems


# -- the writer ----------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _columns(name: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Return a table's rows as columns, refusing a key the format does not have."""
    names = [c.name for c in HISTORY_TABLES[name]]
    for i, row in enumerate(rows, start=1):
        extra = sorted(set(row) - set(names))
        if extra:
            raise HistoryError(f"{name} row {i}: {extra[0]!r} is not a column of {name}")
    return {n: [row.get(n) for row in rows] for n in names}


def _write_table(work: Path, name: str, columns: dict[str, list[Any]], fmt: str) -> None:
    spec = HISTORY_TABLES[name]
    if fmt == "parquet":
        schema = pa.schema([pa.field(c.name, _ARROW[c.type], nullable=True) for c in spec])
        values = {c.name: [None if _empty(v) else v for v in columns[c.name]] for c in spec}
        try:
            table = pa.Table.from_pydict(values, schema=schema)
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise HistoryError(f"{name}: a value is not of its column's type: {exc}") from None
        pq.write_table(table, work / f"{name}.parquet", compression="zstd")
        return
    with (work / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([c.name for c in spec])
        count = len(next(iter(columns.values()), []))
        for i in range(count):
            writer.writerow([_cell(columns[c.name][i]) for c in spec])


def write_history(
    out: Path,
    officers: Iterable[Mapping[str, Any]],
    allegations: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]] = (),
    *,
    fmt: str = "csv",
) -> dict[str, int]:
    """Write the three tables into folder `out` as CSV or Parquet; return each one's rows.

    Rows are mappings of the spec's column names to values (text, whole numbers, `date`s, or
    None for empty). Written into a new folder beside `out`, checked against the format, and
    only then moved into place: `out` holds the whole export or nothing. `out` must not exist,
    or be an empty folder.
    """
    if fmt not in FORMATS:
        raise HistoryError(f"{fmt!r} is not a format; use one of: {', '.join(FORMATS)}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise HistoryError(f"{out} already exists and is not an empty folder; nothing was written")
    tables = {
        "officers": _columns("officers", list(officers)),
        "allegations": _columns("allegations", list(allegations)),
        "events": _columns("events", list(events)),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, columns in tables.items():
            _write_table(work, name, columns, fmt)
        problems = check_history(work)
        if problems:
            shown = "; ".join(str(p) for p in problems[:5])
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            raise HistoryError(f"the rows do not meet the format: {shown}{more}")
        if out.exists():
            out.rmdir()  # empty, as checked: the rename needs the name free
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return {name: len(next(iter(columns.values()), [])) for name, columns in tables.items()}
