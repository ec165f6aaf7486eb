"""The audit finds the planted misconduct within a 1% review budget, and no decoy."""

from __future__ import annotations

from pathlib import Path

import pytest

from custodes.audit.evaluate import evaluate_run
from custodes.audit.run import run_audit
from custodes.synth import SynthConfig, generate


@pytest.mark.parametrize(
    ("staff", "days", "seed"),
    [(1500, 60, 11), (1500, 60, 12), (2500, 45, 13), (1000, 90, 14)],
)
def test_planted_staff_top_the_list_and_decoys_do_not(
    tmp_path: Path, staff: int, days: int, seed: int
) -> None:
    extract = tmp_path / "force"
    generate(SynthConfig(staff=staff, days=days, seed=seed), extract)
    run_audit(extract, tmp_path / "audit")
    result = evaluate_run(extract, tmp_path / "force.truth.csv", tmp_path / "audit")
    assert result.overall_recall >= 0.9, result
    assert result.decoys_in_budget == [], result
    assert result.legitimate_explained >= 0.95, result
