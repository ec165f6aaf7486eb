"""Every signal in the rule catalogue matches its match cases and not its no-match cases."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from custodes.audit.catalogue import load_catalogue
from custodes.audit.config import AuditConfig
from custodes.audit.run import run_audit
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
