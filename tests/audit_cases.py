"""Turn a rule-catalogue test case into a tiny force extract."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.extract_factory import Row, Rows, write_extract

__all__ = ["FRACTIONS_OF_A_SECOND", "START", "case_extract"]

START = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday

# Look-ups at 01:00:00, 02:00:00.25 and 03:00:00.75 on the first day: none has a work reason.
FRACTIONS_OF_A_SECOND = {
    "persons": [{"id": "p1", "sex": "M", "age": 40}],
    "lookups": [
        {"day": 0, "hour": 1, "person": "p1"},
        {"day": 0, "hour": 2 + 0.25 / 3600, "person": "p1"},
        {"day": 0, "hour": 3 + 0.75 / 3600, "person": "p1"},
    ],
}


def _at(day: float, hour: float = 0) -> datetime:
    return START + timedelta(days=day, hours=hour)


def case_extract(folder: Path, case: dict[str, Any]) -> Path:
    """Write the extract a catalogue case describes; the user under test is u1."""
    # `broad` gives u1 a broad-access role, and their peers too unless `peers_broad` says.
    broad = bool(case.get("broad", False))
    peers_broad = bool(case.get("peers_broad", broad))
    staff: list[Row] = [
        {
            "user_id": "u1",
            "force": "XF",
            "role": "officer",
            "unit": "response-1",
            "line_manager_id": "u0",
            "broad_access": broad,
        },
        {
            "user_id": "u0",
            "force": "XF",
            "role": "officer",
            "unit": "command",
            "line_manager_id": None,
            "broad_access": False,
        },
        {
            "user_id": "u2",
            "force": "XF",
            "role": "staff",
            "unit": "it-services",
            "line_manager_id": "u0",
            "broad_access": False,
        },
    ]
    staff += [
        {
            "user_id": f"peer{n}",
            "force": "XF",
            "role": "officer",
            "unit": "response-1",
            "line_manager_id": "u0",
            "broad_access": peers_broad,
        }
        for n in range(int(case.get("peers", 0)))
    ]
    persons: list[Row] = []
    markers: list[Row] = []
    for p in case.get("persons", []):
        born = (
            date.fromisoformat(p["born"])
            if "born" in p
            else (START - timedelta(days=365.25 * p["age"] + 30)).date()
        )
        persons.append(
            {
                "person_id": p["id"],
                "birth_date": born,
                "sex": p.get("sex"),
                "staff_user_id": p.get("staff"),
            }
        )
        for marker in p.get("markers", []):
            to_day = p.get("marker_to_day")
            markers.append(
                {
                    "person_id": p["id"],
                    "marker": marker,
                    "valid_from": date(2020, 1, 1),
                    "valid_to": None if to_day is None else _at(to_day).date(),
                }
            )
    incidents: list[Row] = []
    incident_persons: list[Row] = []
    incident_staff: list[Row] = []
    for a in case.get("assignments", []):
        opened = _at(a["day"])
        incidents.append(
            {
                "incident_id": a["incident"],
                "kind": "domestic-abuse",
                "opened_at": opened,
                "closed_at": opened + timedelta(hours=a["hours"]),
            }
        )
        incident_persons += [
            {"incident_id": a["incident"], "person_id": person, "role": "victim"}
            for person in a["persons"]
        ]
        incident_staff.append(
            {
                "incident_id": a["incident"],
                "user_id": "u1",
                "role": "attending",
                "assigned_from": opened,
                "assigned_to": opened + timedelta(hours=a["hours"]),
            }
        )
    events: list[Row] = [
        {
            "event_id": f"e{n}",
            "ts": _at(x["day"], x["hour"]),
            "user_id": "u1",
            "system": x.get("system", "PNC"),
            "action": x.get("action", "search"),
            "person_id": x.get("person"),
            "incident_id": x.get("incident"),
            "reason_incident_id": x.get("reason"),
        }
        for n, x in enumerate(case.get("lookups", []), 1)
    ]
    rows: Rows = {
        "staff": staff,
        "persons": persons,
        "incidents": incidents,
        "incident_persons": incident_persons,
        "incident_staff": incident_staff,
        "access_events": events,
        "person_markers": markers,
        "shifts": [
            {
                "user_id": "u1",
                "start": _at(s["day"], s["start"]),
                "end": _at(s["day"], s["start"] + s["hours"]),
            }
            for s in case.get("shifts", [])
        ],
        "complaints": [
            {
                "complaint_id": f"c{n}",
                "subject_user_id": "u1",
                "complainant_person_id": c["person"],
                "received_at": _at(c["day"]),
            }
            for n, c in enumerate(case.get("complaints", []), 1)
        ],
        "declared_associations": [
            {
                "user_id": "u1",
                "person_id": d["person"],
                "kind": d["kind"],
                "declared_at": date(2024, 1, 1) if "day" not in d else _at(d["day"]).date(),
            }
            for d in case.get("declared", [])
        ],
    }
    if not rows["shifts"]:
        del rows["shifts"]  # no rota at all: the off-duty signal is switched off
    return write_extract(folder, rows, "parquet")
