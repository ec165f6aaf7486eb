"""Every signal in the rule catalogue matches its match cases and not its no-match cases."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from custodes.audit.catalogue import load_catalogue
from custodes.audit.config import AuditConfig
from custodes.audit.run import run_audit
from custodes.cli import app
from custodes.errors import CustodesError
from tests.audit_cases import case_extract

CATALOGUE = load_catalogue()
CASES = [
    pytest.param(signal.id, case, id=f"{signal.id}: {case['name']}")
    for signal in CATALOGUE.signals
    for case in signal.cases
]


def test_every_signal_has_a_match_and_a_no_match_case() -> None:
    for signal in CATALOGUE.signals:
        expects = {case["expect"] for case in signal.cases}
        assert expects == {"match", "no-match"}, signal.id
        assert signal.rationale and signal.title, signal.id


@pytest.mark.parametrize(("signal_id", "case"), CASES)
def test_rule_case(tmp_path: Path, signal_id: str, case: dict[str, Any]) -> None:
    extract = case_extract(tmp_path / "extract", case)
    run_audit(extract, tmp_path / "out")
    with (tmp_path / "out" / "alerts.csv").open(encoding="utf-8") as f:
        reasons = {row["user_id"]: row["reasons"].split(";") for row in csv.DictReader(f)}
    fired = signal_id in reasons.get("u1", [])
    assert fired == (case["expect"] == "match"), (case["name"], reasons.get("u1"))


def test_a_catalogue_with_a_bad_weight_is_refused() -> None:
    text = """
[explanations]
assigned = 0.0
reason = 0.0
declared = 0.0
team = 0.5
nearby = 0.5
broad = 0.3
none = 1.0
[[signal]]
id = "x"
title = "x"
rationale = "x"
weight = 1.5
saturation = 1.0
scope = "unexplained"
"""
    with pytest.raises(CustodesError, match="weight"):
        load_catalogue(text)


def _nearby_case() -> dict[str, Any]:
    return next(
        case
        for case in CATALOGUE.signal("unexplained").cases
        if case["name"].startswith("a stranger opened ten minutes after")
    )


def test_a_slip_next_to_own_work_is_counted_as_explained_nearby(
    tmp_path: Path,
) -> None:
    result = run_audit(case_extract(tmp_path / "extract", _nearby_case()), tmp_path / "out")
    evidence = pq.read_table(tmp_path / "out" / "evidence.parquet").to_pylist()
    assert result.explained == result.look_ups == 2
    # Nothing about it is personal enough for a signal here, so no evidence names it.
    assert evidence == []
    with (tmp_path / "out" / "explained.csv").open(encoding="utf-8") as f:
        total = next(row for row in csv.DictReader(f) if row["system"] == "ALL")
    assert (total["by_assigned"], total["by_nearby"], total["by_none"]) == ("1", "1", "0")


def test_nearby_can_be_turned_off(tmp_path: Path) -> None:
    extract = case_extract(tmp_path / "extract", _nearby_case())
    run_audit(extract, tmp_path / "out", config=AuditConfig(nearby=0))
    with (tmp_path / "out" / "alerts.csv").open(encoding="utf-8") as f:
        reasons = {row["user_id"]: row["reasons"].split(";") for row in csv.DictReader(f)}
    assert reasons["u1"] == ["unexplained"]


def test_a_negative_nearby_window_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        AuditConfig(nearby=-60)


PACKAGED = (Path(__file__).parents[1] / "src/custodes/audit/rules.toml").read_text(encoding="utf-8")
OWN_MARKER = {
    "persons": [{"id": "p1", "sex": "F", "age": 70, "markers": ["vulnerable-adult"]}],
    "lookups": [{"day": 3, "hour": 12, "person": "p1"}],
}


def test_a_forces_own_marker_counts_once_its_rules_list_it(tmp_path: Path) -> None:
    extract = case_extract(tmp_path / "x", OWN_MARKER)
    plain = run_audit(extract, tmp_path / "plain")
    assert "vulnerable" not in _reasons(tmp_path / "plain")
    (note,) = [n for n in plain.notes if n.startswith("person_markers:")]
    assert note.endswith("vulnerable-adult (1 person)")

    own = PACKAGED.replace(
        '"modern-slavery-victim",', '"modern-slavery-victim", "vulnerable-adult",'
    )
    assert own != PACKAGED
    listed = run_audit(extract, tmp_path / "own", catalogue=load_catalogue(own))
    assert "vulnerable" in _reasons(tmp_path / "own")
    assert not [n for n in listed.notes if n.startswith("person_markers:")]


def _reasons(out: Path) -> list[str]:
    with (out / "alerts.csv").open(encoding="utf-8") as f:
        (row,) = [r for r in csv.DictReader(f) if r["user_id"] == "u1"]
    return row["reasons"].split(";")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (PACKAGED.replace('[[signal]]\nid = "child"', '[[signal]]\nid = "kids"'), "missing"),
        (PACKAGED.replace("markers = [", "marker_list = ["), "needs a list of markers"),
        (PACKAGED.replace("weight = 0.25", "weight = 'heavy'", 1), "vulnerable"),
        ("[explanations\n", "not valid TOML"),
        (PACKAGED.replace("min_days = 3\n", ""), "'repeated': no min_days"),
        (PACKAGED.replace("none = 1.0", 'none = "high"'), "[explanations]: 'high' is not"),
        (PACKAGED.replace("saturation = 6.0", "saturation = inf", 1), "inf is not a finite"),
    ],
)
def test_the_audit_command_refuses_a_bad_rules_file(
    tmp_path: Path, text: str, message: str
) -> None:
    extract = case_extract(tmp_path / "x", OWN_MARKER)
    rules = tmp_path / "my-rules.toml"
    rules.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["audit", str(extract), "--out", str(tmp_path / "out"), "--rules", str(rules)],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 1
    assert "my-rules.toml" in result.output and message in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_the_run_summary_counts_staff_never_on_shift(tmp_path: Path) -> None:
    case = {**OWN_MARKER, "shifts": [{"day": 3, "start": 8, "hours": 10}]}
    result = run_audit(case_extract(tmp_path / "x", case), tmp_path / "out")
    # u1 has a shift; u0 and u2 have none, so off duty cannot be weighed for them.
    assert "shifts: 2 staff have no shift in it, so off duty is not weighed for them" in (
        result.notes
    )
