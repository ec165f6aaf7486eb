"""What an audit run writes, and reading it back with the checks that it is as written.

`custodes audit` writes these files with these columns (spec/force-extract.md, "What the audit
writes"). `read_run_outputs` reads a run's alerts, evidence and explained look-ups and refuses
anything the audit would not have written, naming the file, the column and the row. What a
reader then keeps of them, and within what limits, is the reader's own business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from custodes.audit.catalogue import EXPLANATION_KINDS
from custodes.errors import CustodesError

__all__ = [
    "ALERTS_CSV",
    "ALERTS_PARQUET",
    "ALERT_COLUMNS",
    "EVIDENCE_COLUMNS",
    "EVIDENCE_PARQUET",
    "EXPLAINED_COLUMNS",
    "EXPLAINED_CSV",
    "OUTPUT_FILES",
    "REPORT_HTML",
    "ExplainedRow",
    "RunOutputError",
    "RunOutputs",
    "read_run_outputs",
    "refuse_marked",
    "require_outputs",
    "row_label",
]

ALERTS_CSV, ALERTS_PARQUET = "alerts.csv", "alerts.parquet"
EVIDENCE_PARQUET, EXPLAINED_CSV, REPORT_HTML = "evidence.parquet", "explained.csv", "report.html"
# A folder without all of them is not a finished audit run.
OUTPUT_FILES = (ALERTS_CSV, ALERTS_PARQUET, EVIDENCE_PARQUET, EXPLAINED_CSV, REPORT_HTML)
# alerts.csv and alerts.parquet: one row per member of staff put forward, best first.
ALERT_COLUMNS = ("rank", "user_id", "score", "summary", "reasons", "events", "first_ts", "last_ts")
# evidence.parquet: the look-ups behind each alert, each with the signal it counts for.
EVIDENCE_COLUMNS = (
    "user_id",
    "event_id",
    "person_id",
    "signal",
    "explanation_found",
    "explanation_sought",
)
# explained.csv: one row per system, then ALL; the look-ups each explanation took, by kind.
EXPLAINED_COLUMNS = (
    "system",
    "look_ups",
    "explained",
    "share",
    *(f"by_{kind}" for kind in EXPLANATION_KINDS),
)
# The run's figures come from these; the others are for people to read.
_COUNTED = EXPLAINED_COLUMNS[:3]


class RunOutputError(CustodesError):
    """An audit run's output files are missing, unreadable or not as the audit writes them."""


@dataclass(frozen=True)
class ExplainedRow:
    """One row of explained.csv: a system's look-ups and how many of them were explained."""

    system: str
    look_ups: int
    explained: int


@dataclass(frozen=True)
class RunOutputs:
    """A run's alerts, evidence and explained look-ups, read and checked as the audit wrote them."""

    alerts: pa.Table  # ALERT_COLUMNS, best first; times in UTC microseconds
    evidence: pa.Table  # EVIDENCE_COLUMNS
    explained: tuple[ExplainedRow, ...]  # in the file's order: the systems, then ALL

    @property
    def totals(self) -> ExplainedRow:
        """Return the row of all systems together."""
        return self.explained[-1]

    def alert_row(self, row: int) -> str:
        """Name a 1-based row of alerts.parquet by its number and its rank."""
        return f"row {row} (rank {self.alerts.column('rank')[row - 1].as_py()})"


def require_outputs(run_dir: Path) -> None:
    """Refuse a folder that does not hold every file a finished audit run writes."""
    if not run_dir.is_dir():
        raise RunOutputError(f"{run_dir}: no such folder")
    missing = [name for name in OUTPUT_FILES if not (run_dir / name).is_file()]
    if missing:
        raise RunOutputError(f"{run_dir}: not an audit output folder: {', '.join(missing)} missing")


def read_run_outputs(
    run_dir: Path,
    *,
    copies: Path | None = None,
    before_cross_checks: Callable[[RunOutputs], None] | None = None,
) -> RunOutputs:
    """Read a run's alerts, evidence and explained look-ups; refuse what the audit never writes."""
    # With `copies` (a folder of the run's files as already checked, e.g. by verify_run) the
    # files are read from there, so none can change between its check and its reading, and
    # refusals still name the files in `run_dir`. `before_cross_checks` is the reader's own
    # check of each file (what it can keep), run before the evidence is checked against the
    # alerts: a value it cannot keep is then named as such, not as the disagreement it makes.
    run_dir = Path(run_dir)
    if copies is None:
        require_outputs(run_dir)
    source = run_dir if copies is None else Path(copies)
    alerts_path, evidence_path = run_dir / ALERTS_PARQUET, run_dir / EVIDENCE_PARQUET
    alerts = _check_alerts(
        alerts_path, _read_parquet(alerts_path, ALERT_COLUMNS, source / ALERTS_PARQUET)
    )
    evidence = _read_parquet(evidence_path, EVIDENCE_COLUMNS, source / EVIDENCE_PARQUET)
    explained = _explained_rows(run_dir / EXPLAINED_CSV, source / EXPLAINED_CSV)
    read = RunOutputs(alerts=alerts, evidence=evidence, explained=explained)
    if before_cross_checks is not None:
        before_cross_checks(read)
    alerted = [str(u) for u in alerts.column("user_id").to_pylist()]
    _check_evidence(evidence_path, evidence, alerted)
    _check_events(alerts_path, alerts, evidence)
    return read


def _columns(path: Path, wanted: tuple[str, ...], found: list[str]) -> None:
    missing = [c for c in wanted if c not in found]
    if missing:
        raise RunOutputError(f"{path}: not an audit output: no column {', '.join(missing)}")


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


# The columns that must hold a value of the right kind in every row; the others are text
# the audit may leave empty.
_KINDS: dict[str, Callable[[pa.DataType], bool]] = {
    "rank": pa.types.is_integer,
    "user_id": _is_text,
    "score": lambda t: pa.types.is_floating(t) or pa.types.is_integer(t),
    "events": pa.types.is_integer,
    "first_ts": pa.types.is_timestamp,
    "last_ts": pa.types.is_timestamp,
    "event_id": _is_text,
    "signal": _is_text,
}


def _first(bad: Any) -> tuple[int, int] | None:
    """Return the 1-based row of a mask's first true value and how many it marks; None if none."""
    bad = pc.fill_null(bad, False)
    count = pc.sum(bad).as_py()
    if not count:
        return None
    return int(pc.index(bad, True).as_py()) + 1, int(count)


def row_label(row: int) -> str:
    """Return how a refusal names a row of a file: by its 1-based number."""
    return f"row {row}"


def refuse_marked(
    path: Path,
    column: str,
    bad: Any,
    problem: Callable[[int], str],
    where: Callable[[int], str] = row_label,
) -> None:
    """Refuse (RunOutputError) the first row a mask marks, saying what is wrong and how many more.

    `bad` is a boolean column (nulls count as false); `problem` says what is wrong with the
    row at a 0-based index; `where` names a 1-based row in the message.
    """
    found = _first(bad)
    if found is None:
        return
    row, count = found
    more = f" (and {count - 1} more row{'s' if count != 2 else ''})" if count > 1 else ""
    raise RunOutputError(f"{path}: column {column}, {where(row)}: {problem(row - 1)}{more}")


def _once(path: Path, column: str, values: list[Any], where: Callable[[int], str]) -> None:
    """Refuse the first row repeating a value of a column that names each row once."""
    first: dict[Any, int] = {}
    for row, value in enumerate(values, 1):
        seen = first.setdefault(value, row)
        if seen != row:
            raise RunOutputError(
                f"{path}: column {column}, {where(row)}: {column} {value} again, "
                f"first at row {seen}"
            )


def _read_parquet(path: Path, wanted: tuple[str, ...], copy: Path) -> pa.Table:
    """Read the file at `copy`, naming `path` in any refusal."""
    try:
        _columns(path, wanted, list(pq.read_schema(copy).names))
        read = pq.read_table(copy, columns=list(wanted))
    except pa.ArrowException as exc:
        raise RunOutputError(f"{path}: cannot be read as Parquet: {exc}") from None
    for name in wanted:
        column = read.column(name)
        kind = _KINDS.get(name)
        if kind is None:
            # Anything but text would be stored as its printed form, unnoticed.
            if not (_is_text(column.type) or pa.types.is_null(column.type)):
                raise RunOutputError(
                    f"{path}: column {name} holds {column.type}; the audit writes text"
                )
            continue
        if not kind(column.type):
            raise RunOutputError(
                f"{path}: column {name} holds {column.type}; the audit writes it filled in, "
                "of the right type"
            )
        empty = pc.is_null(column)
        if _is_text(column.type):
            empty = pc.or_kleene(empty, pc.equal(pc.utf8_length(column), 0))
        found = _first(empty)
        if found is not None:
            row, count = found
            raise RunOutputError(
                f"{path}: column {name} holds {column.type} with {count} empty "
                f"value{'s' if count != 1 else ''}, first at row {row}; the audit writes it "
                "filled in"
            )
    return read


# The times Python's datetime holds, and so every reader of a run's times.
_UTC_MICROS = pa.timestamp("us", tz="UTC")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EARLIEST = (dt.datetime.min.replace(tzinfo=dt.UTC) - _EPOCH).total_seconds()
_LATEST = (dt.datetime.max.replace(tzinfo=dt.UTC) - _EPOCH).total_seconds()
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _in_utc(path: Path, name: str, column: Any, where: Callable[[int], str]) -> Any:
    """Return a timestamp column as UTC microseconds, refusing a time Python cannot hold."""
    # Seconds as floats: exact enough to find a year out of range, and unable to overflow.
    ticks = pc.cast(pc.cast(column, pa.int64()), pa.float64(), safe=False)
    seconds = pc.divide(ticks, float(_PER_SECOND[column.type.unit]))
    refuse_marked(
        path,
        name,
        pc.or_(pc.less(seconds, _EARLIEST), pc.greater(seconds, _LATEST)),
        lambda i: "not a time between the years 1 and 9999",
        where,
    )
    if column.type.unit == "ns":
        cut = pc.cast(column, _UTC_MICROS, safe=False)
        refuse_marked(
            path,
            name,
            pc.not_equal(pc.cast(cut, column.type), column),
            lambda i: (
                f"{cut[i].as_py():%Y-%m-%d %H:%M:%S.%f} and some nanoseconds; the web "
                "app keeps times to the microsecond"
            ),
            where,
        )
    # A time without a zone means UTC, as in extracts; the cast reads it so.
    return pc.cast(column, _UTC_MICROS)


def _by_rank(alerts: pa.Table) -> Callable[[int], str]:
    """Return how to name a row of alerts.parquet: by its number and its rank."""
    ranks = alerts.column("rank").to_pylist()
    return lambda row: f"row {row} (rank {ranks[row - 1]})"


def _check_alerts(path: Path, alerts: pa.Table) -> pa.Table:
    """Refuse an alert the audit would not have written; return the alerts, times in UTC."""
    # One row per member of staff put forward: small enough to hold as lists.
    rank = alerts.column("rank")
    wide = pa.uint64() if pa.types.is_unsigned_integer(rank.type) else pa.int64()
    rank = pc.cast(rank, wide)
    ranks = rank.to_pylist()
    by_rank = _by_rank(alerts)
    refuse_marked(
        path,
        "rank",
        pc.less(rank, pa.scalar(1, wide)),
        lambda i: f"rank {ranks[i]} is not a rank: ranks count from 1, the first to review",
    )
    _once(path, "rank", ranks, row_label)
    _once(path, "user_id", alerts.column("user_id").to_pylist(), by_rank)
    # A whole-number score past 2**53 rounds, as a float column would round it.
    score = pc.cast(alerts.column("score"), pa.float64(), safe=False)
    refuse_marked(
        path,
        "score",
        pc.invert(pc.is_finite(score)),
        lambda i: f"score {score[i].as_py()} is not a finite number",
        by_rank,
    )
    events = alerts.column("events")
    wide = pa.uint64() if pa.types.is_unsigned_integer(events.type) else pa.int64()
    events = pc.cast(events, wide)
    refuse_marked(
        path,
        "events",
        pc.less(events, pa.scalar(1, wide)),
        lambda i: f"events is {events[i].as_py()}: an alert rests on at least one look-up",
        by_rank,
    )
    for name in ("first_ts", "last_ts"):
        at = alerts.column_names.index(name)
        alerts = alerts.set_column(at, name, _in_utc(path, name, alerts.column(at), by_rank))
    first, last = alerts.column("first_ts"), alerts.column("last_ts")
    refuse_marked(
        path,
        "first_ts",
        pc.greater(first, last),
        lambda i: (
            f"{first[i].as_py():%Y-%m-%d %H:%M:%S} is after last_ts "
            f"{last[i].as_py():%Y-%m-%d %H:%M:%S}; the first look-up cannot follow the last"
        ),
        by_rank,
    )
    return alerts


def _check_evidence(path: Path, evidence: pa.Table, alerted: list[str]) -> None:
    """Refuse a look-up of evidence about someone without an alert."""
    users = evidence.column("user_id")
    # Millions of rows: compared as whole columns, never row by row in Python.
    refuse_marked(
        path,
        "user_id",
        pc.invert(pc.is_in(users, value_set=pa.array(alerted, users.type))),
        lambda i: f"user_id {users[i].as_py()} has no alert in alerts.parquet",
    )


def _check_events(path: Path, alerts: pa.Table, evidence: pa.Table) -> None:
    """Refuse an alert whose count of look-ups is not the evidence evidence.parquet holds."""
    # `events` counts the distinct look-ups behind the alert, and evidence.parquet holds
    # them all: a file cut short, or paired with another run's, shows here.
    counted = evidence.group_by("user_id").aggregate([("event_id", "count_distinct")])
    held = dict(
        zip(
            counted.column("user_id").to_pylist(),
            counted.column("event_id_count_distinct").to_pylist(),
            strict=True,
        )
    )
    users, events = alerts.column("user_id").to_pylist(), alerts.column("events").to_pylist()
    where = _by_rank(alerts)
    for row, (user, count) in enumerate(zip(users, events, strict=True), 1):
        found = held.get(user, 0)
        if found != count:
            raise RunOutputError(
                f"{path}: column events, {where(row)}: {count:,} look-ups, but "
                f"evidence.parquet holds {found:,} for user_id {user}"
            )


def _count(path: Path, column: str, where: str, text: str) -> int:
    """Return a count of look-ups written as text, refusing anything but a whole number."""
    if not (text.isascii() and text.isdigit()):
        raise RunOutputError(
            f"{path}: column {column}, {where}: {text!r} is not a whole number of look-ups"
        )
    return int(text)


def _explained_rows(path: Path, copy: Path) -> tuple[ExplainedRow, ...]:
    """Read explained.csv at `copy`, refusing counts that are not whole or do not add up."""
    # Read as text, so that a blank, a fraction or a word is named rather than guessed at.
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(_COUNTED, pa.string()))
    try:
        read = pacsv.read_csv(copy, convert_options=convert)
    except pa.ArrowException as exc:
        raise RunOutputError(f"{path}: cannot be read as CSV: {exc}") from None
    _columns(path, _COUNTED, list(read.column_names))
    lines = read.select(list(_COUNTED)).to_pylist()
    # One row per system, then one for them all: the last, so a system that is itself called
    # ALL is not taken for the totals. Small enough to read row by row.
    if not lines or lines[-1]["system"] != "ALL":
        raise RunOutputError(f"{path}: not an audit output: the last row is not system ALL")
    first_at: dict[str, int] = {}
    rows: list[ExplainedRow] = []
    for row, line in enumerate(lines, 1):
        system = line["system"]
        if not system:
            raise RunOutputError(f"{path}: column system, row {row}: no system named")
        where = f"row {row} (system {system})"
        if system in first_at and row < len(lines):
            raise RunOutputError(
                f"{path}: column system, {where}: system {system} again, "
                f"first at row {first_at[system]}"
            )
        look_ups = _count(path, "look_ups", where, line["look_ups"])
        explained = _count(path, "explained", where, line["explained"])
        if explained > look_ups:
            raise RunOutputError(
                f"{path}: column explained, {where}: {explained:,} look-ups explained of "
                f"{look_ups:,}; no more can be explained than there were"
            )
        if row < len(lines):
            first_at[system] = row
        rows.append(ExplainedRow(system, look_ups, explained))
    # The run's figures come from the ALL row: it must be the systems' rows added up.
    total, systems = rows[-1], rows[:-1]
    for column, what, given, added in [
        ("look_ups", "look-ups", total.look_ups, sum(r.look_ups for r in systems)),
        ("explained", "look-ups explained", total.explained, sum(r.explained for r in systems)),
    ]:
        if given != added:
            raise RunOutputError(
                f"{path}: column {column}, row {len(rows)} (system ALL): {given:,} {what}, "
                f"but the systems' rows add up to {added:,}"
            )
    return tuple(rows)
