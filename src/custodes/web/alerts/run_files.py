"""Read a checked audit run and its extract's staff, refusing any value the web app could not
keep as it stands; nothing here writes.

A run is read only once its signature, every file's hash and its extract have been checked
(custodes.audit's verify_run), and then from the checked copies, never the originals again.
custodes.audit's read_run_outputs refuses files the audit would not have written; what is
checked here is the web app's own: its database's limits, and the extract's staff.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connections, models, router

from custodes.audit import (
    ALERTS_PARQUET,
    EVIDENCE_PARQUET,
    EXPLAINED_CSV,
    OUTPUT_FILES,
    ManifestError,
    RunOutputError,
    RunOutputs,
    VerifiedRun,
    read_extract_columns,
    read_run_outputs,
    refuse_marked,
    require_outputs,
    row_label,
    verify_run,
)
from custodes.errors import CustodesError
from custodes.signing import PublicKey
from custodes.web.alerts.models import AuditAlert, AuditEvidence, AuditRun
from custodes.web.needtoknow.models import ForceStaff

__all__ = [
    "AuditImportError",
    "LoadedRun",
    "StaffRow",
    "read_run",
    "run_force",
]

# The files whose bytes identify a run: the same outputs imported twice are one run.
_FINGERPRINTED = (ALERTS_PARQUET, EVIDENCE_PARQUET, EXPLAINED_CSV)


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
    where: Callable[[int], str] = row_label,
) -> None:
    """Refuse the first text longer than the field it goes into keeps."""
    if pa.types.is_null(column.type):
        return
    # Characters, as PostgreSQL's varchar counts them; SQLite would keep the lot silently.
    lengths = pc.utf8_length(column)
    refuse_marked(
        path,
        name,
        pc.greater(lengths, most),
        lambda i: f"{lengths[i].as_py()} characters long; the web app keeps at most {most}",
        where,
    )


def _above(column: Any, most: int) -> tuple[Any, Any]:
    """Return a column of whole numbers widened, and where it is above `most`."""
    wide = pa.uint64() if pa.types.is_unsigned_integer(column.type) else pa.int64()
    values = pc.cast(column, wide)
    return values, pc.greater(values, pa.scalar(most, wide))


def _check_alerts(path: Path, run: RunOutputs) -> None:
    """Refuse an alert the database would refuse or cut short."""
    alerts = run.alerts
    most = _most(AuditAlert, "rank")
    ranks, bad = _above(alerts.column("rank"), most)
    refuse_marked(
        path,
        "rank",
        bad,
        lambda i: f"rank {ranks[i].as_py():,} is more than the database keeps (at most {most:,})",
    )
    _too_long(
        path,
        "user_id",
        alerts.column("user_id"),
        _max_length(AuditAlert, "force_user_id"),
        run.alert_row,
    )
    most_events = _most(AuditAlert, "events")
    events, bad = _above(alerts.column("events"), most_events)
    refuse_marked(
        path,
        "events",
        bad,
        lambda i: (
            f"events is {events[i].as_py():,}, more than the database keeps ({most_events:,})"
        ),
        run.alert_row,
    )
    _too_long(
        path, "reasons", alerts.column("reasons"), _max_length(AuditAlert, "reasons"), run.alert_row
    )


def _check_evidence(path: Path, evidence: pa.Table) -> None:
    """Refuse evidence text the database would cut short."""
    for name in ("event_id", "signal", "explanation_found"):
        _too_long(path, name, evidence.column(name), _max_length(AuditEvidence, name))


def _check_counts(path: Path, run: RunOutputs) -> None:
    """Refuse a count of look-ups in explained.csv larger than the database keeps."""
    most = min(_most(AuditRun, "look_ups"), _most(AuditRun, "explained"))
    for row, line in enumerate(run.explained, 1):
        for column, count in (("look_ups", line.look_ups), ("explained", line.explained)):
            if count > most:
                raise AuditImportError(
                    f"{path}: column {column}, row {row} (system {line.system}): {count:,} is "
                    f"more than the database keeps (at most {most:,})"
                )


def _check_limits(run_dir: Path, run: RunOutputs) -> None:
    """Refuse a value of a run's files that the database would refuse or cut short."""
    # Run before the audit checks the files against each other, so that such a value is
    # named as what it is, not as the disagreement between files it makes.
    _check_alerts(run_dir / ALERTS_PARQUET, run)
    _check_counts(run_dir / EXPLAINED_CSV, run)
    _check_evidence(run_dir / EVIDENCE_PARQUET, run.evidence)


# What the org chart keeps of the extract's staff table, in the order they are selected.
_STAFF_COLUMNS = ("user_id", "force", "unit", "line_manager_id")


def _read_staff(extract_dir: Path, copies: Path) -> dict[str, StaffRow]:
    """Read the staff table from the checked `copies` of the extract in `extract_dir`."""
    try:
        path, rows = read_extract_columns(copies, "staff", _STAFF_COLUMNS, shown=extract_dir)
    except CustodesError as exc:
        raise AuditImportError(str(exc)) from None
    limits = {name: _max_length(ForceStaff, name) for name in _STAFF_COLUMNS}
    staff: dict[str, StaffRow] = {}
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
    try:
        require_outputs(run_dir)
    except RunOutputError as exc:
        raise AuditImportError(str(exc)) from None
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
    try:
        run = read_run_outputs(
            run_dir, copies=signed.outputs, before_cross_checks=partial(_check_limits, run_dir)
        )
    except RunOutputError as exc:
        raise AuditImportError(str(exc)) from None
    staff = _read_staff(extract_dir, signed.extract)
    alerted = [str(u) for u in run.alerts.column("user_id").to_pylist()]
    strangers = [user for user in alerted if user not in staff]
    if strangers:
        row = alerted.index(strangers[0]) + 1
        raise AuditImportError(
            f"{run_dir / ALERTS_PARQUET}: column user_id, {run.alert_row(row)}: {strangers[0]} "
            f"is not in the extract's staff table ({len(strangers)} such staff in all); is "
            f"{extract_dir} the extract the run was made from?"
        )
    return LoadedRun(
        source=run_dir.resolve().name,
        fingerprint=_fingerprint(signed.outputs),
        signed=signed,
        staff=staff,
        alerts=run.alerts.to_pylist(),
        evidence=run.evidence,
        look_ups=run.totals.look_ups,
        explained=run.totals.explained,
    )
