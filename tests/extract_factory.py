"""Build small, valid, hand-made force extracts for tests, in CSV or Parquet."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from custodes.audit.schema import arrow_schema

__all__ = ["Fmt", "Row", "Rows", "tiny_extract", "tiny_rows", "to_arrow", "write_extract"]

Fmt = Literal["csv", "parquet"]
Row = dict[str, object]
Rows = dict[str, list[Row]]


def _ts(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def tiny_rows() -> Rows:
    """Return the rows of a small valid extract holding every table."""
    staff: list[Row] = [
        {"user_id": "u1", "force": "XX", "role": "officer", "unit": "psd", "line_manager_id": None},
        {"user_id": "u2", "force": "XX", "role": "officer", "unit": "response-north"},
        {"user_id": "u3", "force": "XX", "role": "pcso", "unit": "response-north"},
        {"user_id": "u4", "force": "XX", "role": "staff", "unit": "control-room"},
        {"user_id": "u5", "force": "XX", "role": "contractor", "unit": "intelligence"},
    ]
    for i, row in enumerate(staff):
        row.setdefault("line_manager_id", "u1")
        row["broad_access"] = row["unit"] in ("control-room", "psd") or (i == 4)
    persons: list[Row] = [
        {"person_id": f"p{i}", "birth_date": date(1970 + i, 1 + i, 2 * i + 1), "sex": sex}
        for i, sex in enumerate(["F", "M", "X", None, "F", "M"], start=1)
    ]
    for row in persons:
        row["staff_user_id"] = "u5" if row["person_id"] == "p6" else None
    incidents: list[Row] = [
        {"incident_id": "i1", "kind": "domestic-abuse", "opened_at": _ts(1), "closed_at": _ts(3)},
        {"incident_id": "i2", "kind": "theft", "opened_at": _ts(2), "closed_at": None},
        {"incident_id": "i3", "kind": "missing-person", "opened_at": _ts(4), "closed_at": _ts(5)},
        {"incident_id": "i4", "kind": "assault", "opened_at": _ts(6), "closed_at": None},
    ]
    incident_persons: list[Row] = [
        {"incident_id": "i1", "person_id": "p1", "role": "victim"},
        {"incident_id": "i1", "person_id": "p2", "role": "suspect"},
        {"incident_id": "i2", "person_id": "p3", "role": "reporter"},
        {"incident_id": "i3", "person_id": "p4", "role": "other"},
        {"incident_id": "i4", "person_id": "p5", "role": "witness"},
    ]
    incident_staff: list[Row] = [
        {"incident_id": "i1", "user_id": "u2", "role": "attending"},
        {"incident_id": "i1", "user_id": "u1", "role": "supervising"},
        {"incident_id": "i2", "user_id": "u3", "role": "investigating"},
        {"incident_id": "i3", "user_id": "u4", "role": "call-handling"},
        {"incident_id": "i4", "user_id": "u2", "role": "reviewing"},
    ]
    for row in incident_staff:
        row["assigned_from"] = None
        row["assigned_to"] = None
    incident_staff[1]["assigned_from"] = _ts(1, 12)
    systems = ["PNC", "RMS", "CAD", "INTEL", "PND"]
    actions = ["search", "view", "print", "export", "update"]
    access_events: list[Row] = []
    for i in range(12):
        access_events.append(
            {
                "event_id": f"e{i + 1}",
                "ts": _ts(1 + i % 6, 8 + i, 5 * i),
                "user_id": f"u{1 + i % 5}",
                "system": systems[i % 5],
                "action": actions[(i * 2) % 5],
                "person_id": f"p{1 + i % 6}" if i % 4 else None,
                "incident_id": f"i{1 + i % 4}" if i % 3 == 0 else None,
                "reason_incident_id": "i1" if i % 5 == 0 else None,
            }
        )
    person_markers: list[Row] = [
        {"person_id": "p1", "marker": "domestic-abuse-victim", "valid_from": date(2024, 1, 1)},
        {"person_id": "p4", "marker": "missing-person", "valid_from": None},
    ]
    for row in person_markers:
        row["valid_to"] = None
    shifts: list[Row] = [
        {"user_id": f"u{u}", "start": _ts(d, 7), "end": _ts(d, 17)} for u in (2, 3) for d in (1, 2)
    ]
    complaints: list[Row] = [
        {
            "complaint_id": "c1",
            "subject_user_id": "u2",
            "complainant_person_id": "p2",
            "received_at": _ts(7),
        },
        {
            "complaint_id": "c2",
            "subject_user_id": "u3",
            "complainant_person_id": None,
            "received_at": _ts(8),
        },
    ]
    declared_associations: list[Row] = [
        {"user_id": "u3", "person_id": "p5", "kind": "family", "declared_at": date(2023, 5, 1)},
    ]
    return {
        "staff": staff,
        "persons": persons,
        "incidents": incidents,
        "incident_persons": incident_persons,
        "incident_staff": incident_staff,
        "access_events": access_events,
        "person_markers": person_markers,
        "shifts": shifts,
        "complaints": complaints,
        "declared_associations": declared_associations,
    }


def to_arrow(name: str, rows: list[Row]) -> pa.Table:
    """Return `rows` as an Arrow table with the spec's types where the values allow them."""
    schema = arrow_schema(name)
    names = list(dict.fromkeys(key for row in rows for key in row)) or schema.names
    fields = []
    for column in names:
        values = [row.get(column) for row in rows]
        wanted = schema.field(column).type if column in schema.names else None
        try:
            fields.append(pa.array(values, type=wanted))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # A corrupted value that no longer fits the spec's type is written as text.
            fields.append(pa.array([None if v is None else _text(v) for v in values]))
    return pa.table(dict(zip(names, fields, strict=True)))


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def write_extract(folder: Path, rows: Rows, fmt: Fmt) -> Path:
    """Write each table of `rows` into `folder` as `NAME.csv` or `NAME.parquet`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table_rows in rows.items():
        table = to_arrow(name, table_rows)
        if fmt == "parquet":
            pq.write_table(table, folder / f"{name}.parquet")
        else:
            pacsv.write_csv(table, folder / f"{name}.csv")
    return folder


def tiny_extract(folder: Path, fmt: Fmt) -> Path:
    """Write the small valid extract into `folder` and return it."""
    return write_extract(folder, tiny_rows(), fmt)
