"""The synthetic force's vetting data: deterministic, varied as a force's records are, with
planted missed triggers, and a truth consistent with the records and the rules file."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from custodes.caserules import load_vetting
from custodes.synth import SynthConfig, Vetting, generate_caseload, generate_vetting
from custodes.synth.vetting import DECLARATION_KINDS, FILES

TODAY = dt.date(2026, 12, 7)
FORCE = SynthConfig(staff=2000, days=90, seed=1)  # the demo's force


@pytest.fixture(scope="module", name="data")
def data_fixture() -> Vetting:
    caseload = generate_caseload(FORCE, today=TODAY, matters=120, seed=1)
    return generate_vetting(FORCE, today=TODAY, caseload=caseload)


def test_the_same_arguments_give_the_same_data(data: Vetting) -> None:
    caseload = generate_caseload(FORCE, today=TODAY, matters=120, seed=1)
    assert generate_vetting(FORCE, today=TODAY, caseload=caseload) == data
    other = generate_vetting(FORCE, today=TODAY, seed=2)
    assert other.clearances != data.clearances
    with pytest.raises(ValueError, match="another force or day"):
        generate_vetting(FORCE, today=TODAY + dt.timedelta(days=1), caseload=caseload)


def test_levels_dates_and_decisions_vary_as_a_forces_records_do(data: Vetting) -> None:
    rules = load_vetting()
    levels = Counter(c.level for c in data.clearances)
    assert levels.most_common(1)[0][0] == "RV"
    assert {"RV", "MV", "NPPV1", "NPPV2", "NPPV3", "CTC", "SC"} <= set(levels)
    assert 0 < levels["SC"] + levels["CTC"] < levels["MV"] < levels["RV"]
    assert {c.status for c in data.clearances} == {"granted", "refused", "withdrawn"}
    # The latest decision at each level: lapsed, due within 30, 60 and 90 days, and valid.
    latest = {(c.person, c.level): c for c in data.clearances}  # in the order recorded
    left: Counter[object] = Counter()
    for c in latest.values():
        if c.status == "granted" and c.granted_on is not None:
            days = (rules.level(c.level).renewal_due(c.granted_on) - TODAY).days
            left[
                "lapsed" if days <= 0 else next((w for w in (30, 60, 90) if days <= w), "valid")
            ] += 1
    assert left["lapsed"] > 40 and all(left[w] > 5 for w in (30, 60, 90))
    assert left["valid"] > 0.8 * len(latest)
    renewed = [k for k, n in Counter((c.person, c.level) for c in data.clearances).items() if n > 1]
    assert len(renewed) > 100
    # Old records known only by their year, taken as 1 January.
    year_only = [c for c in data.clearances if c.year_only]
    assert len(year_only) > 50
    assert all(c.granted_on == dt.date(c.granted_on.year, 1, 1) for c in year_only if c.granted_on)
    # Units from one person (the chief officer's command) to hundreds (the control room).
    units = Counter(c.unit for c in data.clearances if c.level in ("RV", "NPPV1", "NPPV2", "NPPV3"))
    assert units["command"] == 1 and units["control-room"] > 150
    # Integrity reviews: held within the year for most, overdue or never held for some.
    reviewed = {r.clearance: r.held_on for r in data.reviews}
    assert sum(1 for day in reviewed.values() if (TODAY - day).days > 365) > 20
    assert len(reviewed) > 0.7 * len(latest)  # the rest lapsed, new, or never reviewed


def test_posts_moves_escalations_and_declarations(data: Vetting) -> None:
    posts = {p.name: p for p in data.posts}
    assert {p.vulnerable for p in data.posts} == {
        "",
        "public-protection",
        "domestic-abuse",
        "child-protection",
    }
    assert posts["command"].required_level == "MV"
    reclassified = [p for p in data.posts if p.set_on > TODAY - dt.timedelta(days=365)]
    assert len(reclassified) == 4
    moved_before = [
        m
        for m in data.postings
        for p in reclassified
        if m.post == p.name and m.starts_on < p.set_on
    ]
    assert len(moved_before) >= 4
    assert any(m.starts_on > TODAY for m in data.postings)  # recorded before the move
    assert len(data.escalations) == 8
    kinds = Counter(d.kind for d in data.declarations)
    assert set(kinds) == set(DECLARATION_KINDS)
    associations = [d for d in data.declarations if d.kind == "association"]
    assert all(d.associate_person_id.startswith("P") and d.associate_kind for d in associations)
    assert all(d.declared_on <= TODAY for d in data.declarations)


def test_the_truth_names_records_in_the_data_and_plants_missed_triggers(data: Vetting) -> None:
    rules = load_vetting()
    refs = {c.ref: c for c in data.clearances}
    moves = {m.ref: m for m in data.postings}
    escalations = {e.ref for e in data.escalations}
    for e in data.expected:
        assert e.due_on == rules.trigger(e.trigger).due_on(e.happened_on), e
        assert e.why == (
            "at-move" if e.raised == "move" else "missed" if e.due_on < TODAY else "due"
        )
        if e.trigger == "expiry":
            c = refs[e.source]
            assert c.status == "granted" and e.happened_on <= TODAY and c.person == e.person
        elif e.trigger == "post-move":
            assert moves[e.source].person == e.person
            assert e.raised == "move" or moves[e.source].starts_on <= TODAY
        elif e.trigger == "audit-alert":
            assert e.source in escalations
        elif e.trigger == "integrity-review":
            # Due a year after the grant, or after the last review held on the holder's
            # clearances if later; one a holder.
            ref, day = e.source.split(":")
            c = refs[ref]
            assert c.status == "granted" and c.person == e.person and c.granted_on is not None
            held = [r.held_on for r in data.reviews if refs[r.clearance].person == e.person]
            since = max([c.granted_on, *(h for h in held if h >= c.granted_on)])
            assert e.happened_on == dt.date.fromisoformat(day) <= TODAY
            assert e.happened_on == max(
                rules.level(c.level).integrity_review_due(c.granted_on),
                rules.level(c.level).integrity_review_due(since),
            )
        else:
            reference, force_user_id, step = e.source.split("/")
            assert reference.startswith("SYN-") and e.trigger == step
            assert e.person == f"force:XF:{force_user_id}"
    found = Counter((e.trigger, e.why) for e in data.expected)
    assert found[("post-move", "missed")] >= 4 and found[("post-move", "at-move")] > 10
    assert found[("expiry", "missed")] > 40
    assert found[("outcome", "missed")] > 5 and found[("rprp", "missed")] > 0
    assert found[("audit-alert", "due")] == 8
    reviews = [e for e in data.expected if e.trigger == "integrity-review"]
    assert len({e.person for e in reviews}) == len(reviews)
    assert found[("integrity-review", "missed")] > 20
    assert len({e.key for e in data.expected}) == len(data.expected)
    # Nothing planted near the demo's vetting officer: a member of a professional standards
    # team, not its leader.
    assert data.officer.startswith("U")
    near = {e.person for e in data.expected}
    assert f"force:XF:{data.officer}" not in near


def test_the_files_hold_the_records_and_the_truth(data: Vetting, tmp_path: Path) -> None:
    paths = data.write(tmp_path)
    assert set(paths) == set(FILES)

    def rows(name: str) -> list[dict[str, str]]:
        with paths[name].open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    clearances = rows("clearances")
    assert len(clearances) == len(data.clearances)
    assert any(len(r["granted_on"]) == 4 for r in clearances)  # the year alone
    assert len(rows("truth")) == len(data.expected)
    declared = rows("declarations")
    assert list(declared[0]) == [
        "person",
        "force",
        "force_user_id",
        "kind",
        "details",
        "associate_person_id",
        "associate_kind",
        "declared_on",
    ]
    assert declared[0]["person"] == f"force:XF:{declared[0]['force_user_id']}"
