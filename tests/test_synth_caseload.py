"""The synthetic caseload's generator: varied, from the force's own staff and complaints,
deterministic, and its truth consistent with the rules it was planted by."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from custodes.caserules import WorkingDays
from custodes.synth import SynthConfig
from custodes.synth.caseload import FAILURE_KINDS, STAGES, Caseload, generate_caseload

TODAY = dt.date(2026, 12, 7)


@pytest.fixture(scope="module", name="caseload")
def caseload_fixture() -> Caseload:
    return generate_caseload(today=TODAY)


def test_the_same_arguments_give_the_same_caseload(caseload: Caseload) -> None:
    assert generate_caseload(today=TODAY) == caseload
    other = generate_caseload(today=TODAY, seed=2)
    assert [m.subjects for m in other.matters] != [m.subjects for m in caseload.matters]


def test_every_stage_kind_source_and_failure_is_there(caseload: Caseload) -> None:
    counts = caseload.counts()
    assert counts["matters"] == 120
    assert set(counts["stages"]) == set(STAGES)
    assert set(counts["kinds"]) == {
        "complaint",
        "conduct",
        "recordable-conduct",
        "intelligence",
        "dsi",
    }
    assert {
        "public",
        "colleague",
        "support-organisation",
        "audit-alert",
        "registry-match",
        "portal",
    } <= set(counts["sources"])
    assert set(counts["failures"]) == set(FAILURE_KINDS)
    subjects = [len(m.subjects) for m in caseload.matters]
    assert min(subjects) == 1 and max(subjects) == 3
    assert any(s.senior_officer for m in caseload.matters for s in m.subjects)
    outcomes = {s.args.get("outcome") for m in caseload.matters for s in m.steps}
    assert {"dismissal-without-notice", "final-written-warning", "rprp"} <= outcomes
    forums = {s.args.get("forum") for m in caseload.matters for s in m.steps}
    assert {"meeting", "hearing", "accelerated-hearing"} <= forums
    assert any(s.action == "leave" for m in caseload.matters for s in m.steps)


def test_abuse_of_position_for_a_sexual_purpose_is_its_own_realistic_share(
    caseload: Caseload,
) -> None:
    apsp = [
        m
        for m in caseload.matters
        if any(a.category == "abuse-of-position-sexual" for a in m.allegations)
    ]
    assert 0.15 <= len(apsp) / len(caseload.matters) <= 0.45
    assert all(
        m.mandatory and "referral-serious-corruption" in m.criteria
        for m in apsp
        if m.kind != "intelligence" or m.steps[1:]
    )


def test_subjects_are_the_forces_own_staff_and_complaints(caseload: Caseload) -> None:
    from custodes.synth.caseload import _build_force

    force = _build_force(SynthConfig(staff=2000, days=90, seed=1))
    ids = {f"U{i + 1:06d}" for i in range(force.org.size)}
    units = set(force.org.units)
    for m in caseload.matters:
        for s in m.subjects:
            assert s.force_user_id in ids and s.unit in units
    from_complaints = [
        m for m in caseload.matters if m.source_record and m.source_record[0] == "complaint"
    ]
    assert len(from_complaints) >= 5
    received = {cid: (staff, day) for staff, day, cid in force.complaints}
    for m in from_complaints:
        staff, day = received[m.source_record[1]]  # type: ignore[index]
        assert m.subjects[0].force_user_id == f"U{staff + 1:06d}" and m.came_to_attention == day


def test_dates_spread_over_three_years_and_no_step_is_after_today(caseload: Caseload) -> None:
    first = min(m.came_to_attention for m in caseload.matters)
    assert TODAY - dt.timedelta(days=3 * 366) <= first <= TODAY - dt.timedelta(days=2 * 365)
    assert all(s.on <= TODAY for m in caseload.matters for s in m.steps)
    assert all([s.on for s in m.steps] == sorted(s.on for s in m.steps) for m in caseload.matters)
    late = [m for m in caseload.matters if m.late_finding]
    assert late and all(m.arose_on and (m.came_to_attention - m.arose_on).days >= 400 for m in late)


def test_the_truths_deadlines_are_the_next_working_day(caseload: Caseload) -> None:
    """The deadline, worked out here from the calendar alone: the end of the working day
    after the day it became clear (Police (Complaints and Misconduct) Regulations 2020)."""
    days = WorkingDays("GB", "ENG")
    mandatory = [m for m in caseload.matters if m.mandatory]
    assert len(mandatory) > 30
    for m in mandatory:
        assert m.became_clear is not None and m.referral_due is not None
        due = m.became_clear + dt.timedelta(days=1)
        while not days.is_working_day(due):
            due += dt.timedelta(days=1)
        assert m.referral_due == due
    assert all(
        m.referral_due is None and not m.criteria for m in caseload.matters if not m.mandatory
    )


def test_the_truth_is_written_as_csv_and_json(caseload: Caseload, tmp_path: Path) -> None:
    csv_path, json_path = caseload.write_truth(tmp_path)
    rows = csv_path.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 121 and rows[0].startswith("reference,kind,source,stage")
    body = json.loads(json_path.read_text(encoding="utf-8"))
    assert len(body["matters"]) == 120
    assert sum(len(m["failures"]) for m in body["matters"]) == len(caseload.failures())
