"""An alert's one-sentence summary says what the user did, so a reviewing officer can act."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from custodes.audit.run import run_audit
from tests.audit_cases import case_extract

# u1 attends i1 with p1 on day 2 (4 hours); their part's window ends 7 days later.
MET = {
    "persons": [{"id": "p1", "sex": "F", "age": 30}],
    "assignments": [{"incident": "i1", "persons": ["p1"], "day": 2, "hours": 4}],
}


def _alert(tmp_path: Path, case: dict[str, Any]) -> dict[str, str]:
    """Audit the case's tiny force and return u1's row of alerts.csv."""
    run_audit(case_extract(tmp_path / "x", case), tmp_path / "out")
    with (tmp_path / "out" / "alerts.csv").open(encoding="utf-8") as f:
        (row,) = [r for r in csv.DictReader(f) if r["user_id"] == "u1"]
    return row


def _summary(tmp_path: Path, case: dict[str, Any]) -> str:
    """Audit the case's tiny force and return u1's summary."""
    return _alert(tmp_path, case)["summary"]


def test_one_look_up_after_contact_is_not_called_keeping_on(tmp_path: Path) -> None:
    case = {**MET, "lookups": [{"day": 20, "hour": 12, "person": "p1"}]}
    summary = _summary(tmp_path, case)
    assert summary.startswith(
        "Looked up 1 person met on their own incident after their part ended"
    ), summary
    assert "kept" not in summary.lower()


def test_look_ups_after_contact_on_several_days_are_counted(tmp_path: Path) -> None:
    lookups = [{"day": d, "hour": 12, "person": "p1"} for d in (20, 20, 23)]
    summary = _summary(tmp_path, {**MET, "lookups": lookups})
    assert summary.startswith(
        "Kept looking up 1 person met on their own incident after their part ended "
        "(3 look-ups on 2 days)"
    ), summary


@pytest.mark.parametrize(
    ("person", "clause"),
    [
        ({"id": "p1", "sex": "M", "age": 30, "staff": "u2"}, "looked up 1 colleague with"),
        ({"id": "p1", "sex": "M", "age": 12}, "looked up 1 child with no work reason"),
        (
            {"id": "p1", "sex": "M", "age": 40, "markers": ["missing-person"]},
            "looked up 1 person with a vulnerability marker and no work reason",
        ),
    ],
)
def test_each_clause_names_what_was_done(
    tmp_path: Path, person: dict[str, Any], clause: str
) -> None:
    case = {"persons": [person], "lookups": [{"day": 3, "hour": 12, "person": "p1"}]}
    summary = _summary(tmp_path, case)
    assert clause in summary.lower(), summary
    # Every clause starts with what the user did, never a bare count such as "82 colleagues".
    for part in summary.rstrip(".").split("; "):
        assert part.split()[0].lower() in {"looked", "kept", "made", "searched", "printed"}, part


def test_look_ups_of_incident_records_are_counted_as_records(tmp_path: Path) -> None:
    case = {
        "assignments": [{"incident": "i1", "persons": [], "day": 3, "hours": 2}],
        "lookups": [{"day": 20, "hour": 12, "incident": "i1"}],
    }
    assert _summary(tmp_path, case) == "Opened 1 record with no work reason."


def test_people_and_records_are_counted_apart(tmp_path: Path) -> None:
    case = {
        "persons": [{"id": "p1", "sex": "M", "age": 40}],
        "assignments": [{"incident": "i1", "persons": [], "day": 3, "hours": 2}],
        "lookups": [
            {"day": 20, "hour": 12, "person": "p1"},
            *({"day": 20, "hour": 13 + n, "incident": "i1"} for n in range(3)),
        ],
    }
    summary = _summary(tmp_path, case)
    assert summary == "Looked up 1 person and opened 3 records with no work reason.", summary


def test_a_declared_associate_is_shown_as_explained(tmp_path: Path) -> None:
    case = {
        "persons": [{"id": "p1", "sex": "F", "age": 50}],
        "declared": [{"person": "p1", "kind": "family"}],
        "lookups": [{"day": 3, "hour": 12, "person": "p1"}, {"day": 4, "hour": 12, "person": "p1"}],
    }
    alert = _alert(tmp_path, case)
    assert alert["summary"] == (
        "Looked up 1 declared associate (2 look-ups; explained, shown for review)."
    )
    # Shown, and weighing nothing: the declaration explains the look-ups.
    assert float(alert["score"]) == 0
