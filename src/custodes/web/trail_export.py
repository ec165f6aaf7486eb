"""Export the trail as a force extract, so the access audit can audit custodes' own users.

Each custodes user is a member of staff and also a person (a read of a case about a colleague
is a look-up of that colleague); each case is an incident with its subject as the suspect;
each access row is an assignment that explains reads of the case while it lasts; and each
trail event about a case is a look-up in the system `CUSTODES`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import connection, transaction

from custodes.audit import arrow_schema
from custodes.errors import CustodesError
from custodes.web.accounts.models import User
from custodes.web.cases.models import Case, CaseAccess
from custodes.web.needtoknow.rls import row_security_binds
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent

__all__ = [
    "ACTIONS",
    "ASSIGNMENTS",
    "SYSTEM",
    "ExportError",
    "TrailExport",
    "export_trail",
    "person_id",
]

SYSTEM = "CUSTODES"
# Trail actions as the spec's look-up actions; anything else that touched a case (a refused
# read, say) is a view.
ACTIONS: dict[Action, str] = {
    Action.READ: "view",
    Action.SEARCH: "search",
    Action.PRINT: "print",
    Action.EXPORT: "export",
    Action.CREATE: "update",
    Action.UPDATE: "update",
    Action.GRANT: "update",
    Action.BREAK_GLASS: "update",
}
ASSIGNMENTS: dict[str, str] = {
    CaseAccess.Kind.MEMBER: "investigating",
    CaseAccess.Kind.NAMED: "investigating",
    CaseAccess.Kind.GRANT: "reviewing",
    CaseAccess.Kind.BREAK_GLASS: "reviewing",
}
# The spec forbids empty force and unit values; an account without one says so.
UNKNOWN = "unknown"


class ExportError(CustodesError):
    """The trail cannot be exported as asked."""


@dataclass
class TrailExport:
    """Where an export went and how many rows each table holds."""

    out: Path
    rows: dict[str, int] = field(default_factory=dict)


def person_id(user_id: int) -> str:
    """Return the person id under which a member of staff appears in the export."""
    return f"P{user_id}"


def export_trail(out: Path) -> TrailExport:
    """Write the trail and what explains it into folder `out`, all at once or not at all."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} already exists and is not an empty folder")
    with _snapshot():
        tables = _tables()
    out.parent.mkdir(parents=True, exist_ok=True)
    # A reader of `out` sees the whole extract or nothing: it appears by one rename.
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        done = TrailExport(out)
        for name, columns in tables.items():
            schema = arrow_schema(name)
            table = pa.Table.from_pydict(columns, schema=schema)
            pq.write_table(table, work / f"{name}.parquet", compression="zstd")
            done.rows[name] = table.num_rows
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    record(None, Action.EXPORT, Subject.TRAIL, "", changes={"rows": done.rows})
    return done


@contextmanager
def _snapshot() -> Iterator[None]:
    # Every table from one moment, so no access row names a case the export lacks.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if row_security_binds(Case):
            raise ExportError(
                "row-level security hides cases from this database role; export with the "
                "owner's DATABASE_URL"
            )
        yield


def _tables() -> dict[str, dict[str, list[Any]]]:
    users = list(User.objects.order_by("pk").values_list("pk", "force", "unit", "line_manager_id"))
    cases = {
        str(pk): (subject, opened)
        for pk, subject, opened in Case.objects.order_by("opened_at", "pk").values_list(
            "pk", "subject_id", "opened_at"
        )
    }
    access = CaseAccess.objects.order_by("granted_at", "pk").values_list(
        "case_id", "user_id", "kind", "granted_at", "expires_at"
    )
    events = (
        TrailEvent.objects.filter(subject_type=Subject.CASE, actor_id__isnull=False)
        .order_by("seq")
        .values_list("seq", "at", "actor_id", "action", "subject_id")
    )
    staff: dict[int, tuple[str, str, int | None]] = {
        pk: (force, unit, manager) for pk, force, unit, manager in users
    }
    looked_up = list(events)
    # Users are deleted only when nothing refers to them, but the trail still names them.
    actors = {actor for _, _, actor, _, _ in looked_up if actor is not None}
    for actor in sorted(actors - staff.keys()):
        staff[actor] = ("", "", None)
    return {
        "staff": {
            "user_id": [str(pk) for pk in staff],
            "force": [force or UNKNOWN for force, _, _ in staff.values()],
            "role": ["staff"] * len(staff),
            "unit": [unit or UNKNOWN for _, unit, _ in staff.values()],
            "line_manager_id": [_text(m) for _, _, m in staff.values()],
            # Nobody searches widely in custodes: every read needs access to its case.
            "broad_access": [False] * len(staff),
        },
        "persons": {
            "person_id": [person_id(pk) for pk in staff],
            "birth_date": [None] * len(staff),
            "sex": [None] * len(staff),
            "staff_user_id": [str(pk) for pk in staff],
        },
        "incidents": {
            "incident_id": list(cases),
            "kind": ["case"] * len(cases),
            "opened_at": [opened for _, opened in cases.values()],
            "closed_at": [None] * len(cases),
        },
        "incident_persons": _columns(
            ("incident_id", "person_id", "role"),
            [
                (case_id, person_id(subject), "suspect")
                for case_id, (subject, _) in cases.items()
                if subject is not None
            ],
        ),
        "incident_staff": _columns(
            ("incident_id", "user_id", "role", "assigned_from", "assigned_to"),
            [
                (str(case_id), str(user_id), ASSIGNMENTS[kind], granted, expires)
                for case_id, user_id, kind, granted, expires in access
            ],
        ),
        "access_events": _columns(
            ("event_id", "ts", "user_id", "system", "action", "person_id", "incident_id"),
            [_look_up(event, cases) for event in looked_up],
        )
        | {"reason_incident_id": [None] * len(looked_up)},
    }


def _look_up(
    event: tuple[int, Any, int | None, str, str], cases: Mapping[str, tuple[int | None, Any]]
) -> tuple[Any, ...]:
    seq, at, actor, action, case_id = event
    subject, _ = cases.get(case_id, (None, None))
    return (
        str(seq),
        at,
        str(actor),
        SYSTEM,
        ACTIONS.get(Action(action), "view"),
        None if subject is None else person_id(subject),
        # A case no longer held cannot be an incident of the extract; the look-up still is.
        case_id if case_id in cases else None,
    )


def _columns(names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)
