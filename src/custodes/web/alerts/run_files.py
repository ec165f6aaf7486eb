"""Read an audit run's output files and its extract's staff, refusing any value the web app
could not keep as it stands; nothing here writes.

A run is read only once its signature, every file's hash and its extract have been checked
(custodes.audit.manifest), and then from the checked copies, never the originals again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.db import connections, models, router

from custodes.audit.extract import (
    connect,
    engine_message,
    inspect_file,
    locate_files,
    typed_select_sql,
)
from custodes.audit.manifest import ManifestError, VerifiedRun, verify_run
from custodes.audit.schema import table
from custodes.errors import CustodesError
from custodes.signing import PublicKey
from custodes.web.alerts.models import AuditAlert, AuditEvidence, AuditRun, ForceStaff

__all__ = [
    "ALERT_COLUMNS",
    "EVIDENCE_COLUMNS",
    "EXPLAINED_COLUMNS",
    "OUTPUT_FILES",
    "AuditImportError",
    "LoadedRun",
    "StaffRow",
    "read_run",
    "run_force",
]

# What `custodes audit` writes (spec/force-extract.md, "What the audit writes"); a folder
# without all of them is not a finished audit run.
OUTPUT_FILES = ("alerts.csv", "alerts.parquet", "evidence.parquet", "explained.csv", "report.html")
ALERT_COLUMNS = ("rank", "user_id", "score", "summary", "reasons", "events", "first_ts", "last_ts")
EVIDENCE_COLUMNS = (
    "user_id",
    "event_id",
    "person_id",
    "signal",
    "explanation_found",
    "explanation_sought",
)
EXPLAINED_COLUMNS = ("system", "look_ups", "explained")
# The files whose bytes identify a run: the same outputs imported twice are one run.
_FINGERPRINTED = ("alerts.parquet", "evidence.parquet", "explained.csv")


class AuditImportError(CustodesError):
    """An audit output folder or its extract cannot be imported; nothing was written."""


@dataclass(frozen=True)
class StaffRow:
    force: str
    unit: str
    line_manager_id: str


@dataclass(frozen=True)
class LoadedRun:
    source: str
    fingerprint: str
    signed: VerifiedRun
    staff: dict[str, StaffRow]
    alerts: list[dict[str, Any]]
    evidence: pa.Table
    look_ups: int
    explained: int


def _fingerprint(copies: Path) -> str:
    digest = hashlib.sha256()
    for name in _FINGERPRINTED:
        data = (copies / name).read_bytes()
        # Name and length first, so no split of bytes between files gives the same digest.
        digest.update(f"{name}\x00{len(data)}\x00".encode())
        digest.update(data)
    return digest.hexdigest()


def _columns(path: Path, wanted: tuple[str, ...], found: list[str]) -> None:
    missing = [c for c in wanted if c not in found]
    if missing:
        raise AuditImportError(f"{path}: not an audit output: no column {', '.join(missing)}")


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


def _row(row: int) -> str:
    return f"row {row}"


def _check(
    path: Path,
    column: str,
    bad: Any,
    problem: Callable[[int], str],
    where: Callable[[int], str] = _row,
) -> None:
    """Refuse the first row a mask marks, saying what is wrong with it and how many more."""
    found = _first(bad)
    if found is None:
        return
    row, count = found
    more = f" (and {count - 1} more row{'s' if count != 2 else ''})" if count > 1 else ""
    raise AuditImportError(f"{path}: column {column}, {where(row)}: {problem(row - 1)}{more}")


def _once(path: Path, column: str, values: list[Any], where: Callable[[int], str]) -> None:
    """Refuse the first row repeating a value of a column that names each row once."""
    first: dict[Any, int] = {}
    for row, value in enumerate(values, 1):
        seen = first.setdefault(value, row)
        if seen != row:
            raise AuditImportError(
                f"{path}: column {column}, {where(row)}: {column} {value} again, "
                f"first at row {seen}"
            )


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _max_length(model: type[models.Model], name: str) -> int:
    """Return how many characters a text field of `model` keeps."""
    most = _field(model, name).max_length
    if most is None:
        raise TypeError(f"{model.__name__}.{name} has no length limit")
    return most


def _most(model: type[models.Model], name: str) -> int:
    """Return the largest whole number the database keeps in a field of `model`."""
    # The database's own bound: PostgreSQL's integer stops at 2**31 - 1, where SQLite's
    # goes on to 2**63 - 1.
    ops = connections[router.db_for_write(model)].ops
    return int(ops.integer_field_range(_field(model, name).get_internal_type())[1])


def _too_long(
    path: Path,
    name: str,
    column: Any,
    most: int,
    where: Callable[[int], str] = _row,
) -> None:
    """Refuse the first text longer than the field it goes into keeps."""
    if pa.types.is_null(column.type):
        return
    # Characters, as PostgreSQL's varchar counts them; SQLite would keep the lot silently.
    lengths = pc.utf8_length(column)
    _check(
        path,
        name,
        pc.greater(lengths, most),
        lambda i: f"{lengths[i].as_py()} characters long; the web app keeps at most {most}",
        where,
    )


def _read_parquet(path: Path, wanted: tuple[str, ...], copy: Path) -> pa.Table:
    """Read the checked `copy` of the file at `path`, naming `path` in any refusal."""
    try:
        _columns(path, wanted, list(pq.read_schema(copy).names))
        read = pq.read_table(copy, columns=list(wanted))
    except pa.ArrowException as exc:
        raise AuditImportError(f"{path}: cannot be read as Parquet: {exc}") from None
    for name in wanted:
        column = read.column(name)
        kind = _KINDS.get(name)
        if kind is None:
            # Anything but text would be stored as its printed form, unnoticed.
            if not (_is_text(column.type) or pa.types.is_null(column.type)):
                raise AuditImportError(
                    f"{path}: column {name} holds {column.type}; the audit writes text"
                )
            continue
        if not kind(column.type):
            raise AuditImportError(
                f"{path}: column {name} holds {column.type}; the audit writes it filled in, "
                "of the right type"
            )
        empty = pc.is_null(column)
        if _is_text(column.type):
            empty = pc.or_kleene(empty, pc.equal(pc.utf8_length(column), 0))
        found = _first(empty)
        if found is not None:
            row, count = found
            raise AuditImportError(
                f"{path}: column {name} holds {column.type} with {count} empty "
                f"value{'s' if count != 1 else ''}, first at row {row}; the audit writes it "
                "filled in"
            )
    return read


# The times Python, Django and both databases all hold.
_UTC_MICROS = pa.timestamp("us", tz="UTC")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EARLIEST = (dt.datetime.min.replace(tzinfo=dt.UTC) - _EPOCH).total_seconds()
_LATEST = (dt.datetime.max.replace(tzinfo=dt.UTC) - _EPOCH).total_seconds()
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _in_utc(path: Path, name: str, column: Any, where: Callable[[int], str]) -> Any:
    """Return a timestamp column as UTC microseconds, refusing a time the web app cannot keep."""
    # Seconds as floats: exact enough to find a year out of range, and unable to overflow.
    ticks = pc.cast(pc.cast(column, pa.int64()), pa.float64(), safe=False)
    seconds = pc.divide(ticks, float(_PER_SECOND[column.type.unit]))
    _check(
        path,
        name,
        pc.or_(pc.less(seconds, _EARLIEST), pc.greater(seconds, _LATEST)),
        lambda i: "not a time between the years 1 and 9999",
        where,
    )
    if column.type.unit == "ns":
        cut = pc.cast(column, _UTC_MICROS, safe=False)
        _check(
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
    """Refuse an alert the database would refuse or the queue show wrongly; times in UTC."""
    # One row per member of staff put forward: small enough to hold as lists.
    rank = alerts.column("rank")
    wide = pa.uint64() if pa.types.is_unsigned_integer(rank.type) else pa.int64()
    rank = pc.cast(rank, wide)
    ranks = rank.to_pylist()
    by_rank = _by_rank(alerts)
    _check(
        path,
        "rank",
        pc.less(rank, pa.scalar(1, wide)),
        lambda i: f"rank {ranks[i]} is not a rank: ranks count from 1, the first to review",
    )
    most = _most(AuditAlert, "rank")
    _check(
        path,
        "rank",
        pc.greater(rank, pa.scalar(most, wide)),
        lambda i: f"rank {ranks[i]:,} is more than the database keeps (at most {most:,})",
    )
    _once(path, "rank", ranks, _row)
    _once(path, "user_id", alerts.column("user_id").to_pylist(), by_rank)
    _too_long(
        path, "user_id", alerts.column("user_id"), _max_length(AuditAlert, "force_user_id"), by_rank
    )
    # A whole-number score past 2**53 rounds, as the database's float column would round it.
    score = pc.cast(alerts.column("score"), pa.float64(), safe=False)
    _check(
        path,
        "score",
        pc.invert(pc.is_finite(score)),
        lambda i: f"score {score[i].as_py()} is not a finite number",
        by_rank,
    )
    events = alerts.column("events")
    wide = pa.uint64() if pa.types.is_unsigned_integer(events.type) else pa.int64()
    events = pc.cast(events, wide)
    _check(
        path,
        "events",
        pc.less(events, pa.scalar(1, wide)),
        lambda i: f"events is {events[i].as_py()}: an alert rests on at least one look-up",
        by_rank,
    )
    most = _most(AuditAlert, "events")
    _check(
        path,
        "events",
        pc.greater(events, pa.scalar(most, wide)),
        lambda i: f"events is {events[i].as_py():,}, more than the database keeps ({most:,})",
        by_rank,
    )
    _too_long(
        path, "reasons", alerts.column("reasons"), _max_length(AuditAlert, "reasons"), by_rank
    )
    for name in ("first_ts", "last_ts"):
        at = alerts.column_names.index(name)
        alerts = alerts.set_column(at, name, _in_utc(path, name, alerts.column(at), by_rank))
    first, last = alerts.column("first_ts"), alerts.column("last_ts")
    _check(
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
    """Refuse a look-up of evidence without its alert, or with text the database cuts short."""
    users = evidence.column("user_id")
    # Millions of rows: compared as whole columns, never row by row in Python.
    _check(
        path,
        "user_id",
        pc.invert(pc.is_in(users, value_set=pa.array(alerted, users.type))),
        lambda i: f"user_id {users[i].as_py()} has no alert in alerts.parquet",
    )
    for name in ("event_id", "signal", "explanation_found"):
        _too_long(path, name, evidence.column(name), _max_length(AuditEvidence, name))


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
            raise AuditImportError(
                f"{path}: column events, {where(row)}: {count:,} look-ups, but "
                f"evidence.parquet holds {found:,} for user_id {user}"
            )


def _count(path: Path, column: str, where: str, text: str, most: int) -> int:
    """Return a count of look-ups written as text, refusing anything but a whole number."""
    if not (text.isascii() and text.isdigit()):
        raise AuditImportError(
            f"{path}: column {column}, {where}: {text!r} is not a whole number of look-ups"
        )
    if int(text) > most:
        raise AuditImportError(
            f"{path}: column {column}, {where}: {int(text):,} is more than the database keeps "
            f"(at most {most:,})"
        )
    return int(text)


def _explained_totals(path: Path, copy: Path) -> tuple[int, int]:
    # Read as text, so that a blank, a fraction or a word is named rather than guessed at.
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(EXPLAINED_COLUMNS, pa.string()))
    try:
        read = pacsv.read_csv(copy, convert_options=convert)
    except pa.ArrowException as exc:
        raise AuditImportError(f"{path}: cannot be read as CSV: {exc}") from None
    _columns(path, EXPLAINED_COLUMNS, list(read.column_names))
    most = min(_most(AuditRun, "look_ups"), _most(AuditRun, "explained"))
    lines = read.select(list(EXPLAINED_COLUMNS)).to_pylist()
    # One row per system, then one for them all: the last, so a system that is itself called
    # ALL is not taken for the totals. Small enough to read row by row.
    if not lines or lines[-1]["system"] != "ALL":
        raise AuditImportError(f"{path}: not an audit output: the last row is not system ALL")
    rows: dict[str, tuple[int, int, int]] = {}
    total = (0, 0, 0)
    for row, line in enumerate(lines, 1):
        system = line["system"]
        if not system:
            raise AuditImportError(f"{path}: column system, row {row}: no system named")
        where = f"row {row} (system {system})"
        if system in rows and row < len(lines):
            raise AuditImportError(
                f"{path}: column system, {where}: system {system} again, "
                f"first at row {rows[system][0]}"
            )
        look_ups = _count(path, "look_ups", where, line["look_ups"], most)
        explained = _count(path, "explained", where, line["explained"], most)
        if explained > look_ups:
            raise AuditImportError(
                f"{path}: column explained, {where}: {explained:,} look-ups explained of "
                f"{look_ups:,}; no more can be explained than there were"
            )
        if row == len(lines):
            total = (row, look_ups, explained)
        else:
            rows[system] = (row, look_ups, explained)
    # The run's figures come from the ALL row: it must be the systems' rows added up.
    for at, (column, what) in enumerate(
        [("look_ups", "look-ups"), ("explained", "look-ups explained")], 1
    ):
        added = sum(r[at] for r in rows.values())
        if total[at] != added:
            raise AuditImportError(
                f"{path}: column {column}, row {total[0]} (system ALL): {total[at]:,} {what}, "
                f"but the systems' rows add up to {added:,}"
            )
    return total[1], total[2]


# What the org chart keeps of the extract's staff table, in the order they are selected.
_STAFF_COLUMNS = ("user_id", "force", "unit", "line_manager_id")


def _read_staff(extract_dir: Path, copies: Path) -> dict[str, StaffRow]:
    """Read the staff table from the checked `copies` of the extract in `extract_dir`."""
    try:
        copy = locate_files(copies).files.get("staff")
    except CustodesError as exc:
        raise AuditImportError(str(exc)) from None
    if copy is None:
        raise AuditImportError(f"{extract_dir}: not a force extract: no staff.parquet or staff.csv")
    path = extract_dir / copy.name
    con = connect()
    try:
        source = inspect_file(con, table("staff"), copy)
        typed = typed_select_sql(source)
        rows = con.sql(
            f"SELECT user_id, force, unit, line_manager_id FROM ({typed})"  # noqa: S608 - spec names only
        ).fetchall()
    except CustodesError as exc:
        raise AuditImportError(str(exc)) from None
    except duckdb.Error as exc:
        raise AuditImportError(f"{path}: {engine_message(exc, copy)}") from None
    finally:
        con.close()
    limits = {name: _max_length(ForceStaff, name) for name in _STAFF_COLUMNS}
    staff: dict[str, StaffRow] = {}
    # DuckDB keeps a file's order on a plain scan, so the rows count as the file does.
    for row, values in enumerate(rows, 1):
        user_id, force, unit, manager = values
        if user_id is None or user_id in staff:
            raise AuditImportError(
                f"{path}: column user_id, row {row}: user_id {user_id!r} is missing or not unique"
            )
        for name, value in zip(_STAFF_COLUMNS, values, strict=True):
            if value is not None and len(value) > limits[name]:
                raise AuditImportError(
                    f"{path}: column {name}, row {row} (user_id {user_id}): {len(value)} "
                    f"characters long; the web app keeps at most {limits[name]}"
                )
        staff[user_id] = StaffRow(force or "", unit or "", manager or "")
    return staff


def run_force(staff: dict[str, StaffRow]) -> str:
    """Return the force codes of a run's staff, or how many there are when they do not fit."""
    # A national body's extract can hold more forces than the run's label keeps: the staff
    # table keeps each one's force in any case.
    forces = sorted({s.force for s in staff.values()})
    codes = ", ".join(forces)
    return codes if len(codes) <= _max_length(AuditRun, "force") else f"{len(forces)} forces"


def read_run(run_dir: Path, extract_dir: Path, trusted: Sequence[PublicKey]) -> LoadedRun:
    """Check a run's signature, files and extract, then read and cross-check it; write nothing."""
    if not run_dir.is_dir():
        raise AuditImportError(f"{run_dir}: no such folder")
    missing = [name for name in OUTPUT_FILES if not (run_dir / name).is_file()]
    if missing:
        raise AuditImportError(
            f"{run_dir}: not an audit output folder: {', '.join(missing)} missing"
        )
    # A folder of this process's own (mode 0700): the copies checked are the copies read.
    with tempfile.TemporaryDirectory(prefix="custodes-import-") as private:
        try:
            signed = verify_run(
                run_dir,
                extract_dir,
                trusted,
                Path(private),
                outputs=OUTPUT_FILES,
                extract_copies=("staff",),
            )
        except ManifestError as exc:
            raise AuditImportError(str(exc)) from None
        return _read_checked(run_dir, extract_dir, signed)


def _read_checked(run_dir: Path, extract_dir: Path, signed: VerifiedRun) -> LoadedRun:
    """Read and cross-check a run's checked copies, naming the original files in refusals."""
    alerts_path, evidence_path = run_dir / "alerts.parquet", run_dir / "evidence.parquet"
    copies = signed.outputs
    checked = _check_alerts(
        alerts_path, _read_parquet(alerts_path, ALERT_COLUMNS, copies / "alerts.parquet")
    )
    evidence = _read_parquet(evidence_path, EVIDENCE_COLUMNS, copies / "evidence.parquet")
    look_ups, explained = _explained_totals(run_dir / "explained.csv", copies / "explained.csv")
    staff = _read_staff(extract_dir, signed.extract)
    alerted = [str(u) for u in checked.column("user_id").to_pylist()]
    strangers = [user for user in alerted if user not in staff]
    if strangers:
        row = alerted.index(strangers[0]) + 1
        raise AuditImportError(
            f"{alerts_path}: column user_id, {_by_rank(checked)(row)}: {strangers[0]} is not in "
            f"the extract's staff table ({len(strangers)} such staff in all); is {extract_dir} "
            "the extract the run was made from?"
        )
    _check_evidence(evidence_path, evidence, alerted)
    _check_events(alerts_path, checked, evidence)
    alerts = checked.to_pylist()
    return LoadedRun(
        source=run_dir.resolve().name,
        fingerprint=_fingerprint(copies),
        signed=signed,
        staff=staff,
        alerts=alerts,
        evidence=evidence,
        look_ups=look_ups,
        explained=explained,
    )
