"""The evaluation's figures, each worked out again in the test from the CSVs and the rules."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from custodes.cli import app
from custodes.risk import (
    RiskError,
    load_rules,
    open_history,
    rule_flags,
    score_officers,
    train_model,
)
from custodes.risk.evaluate import Evaluation, evaluate_history
from custodes.risk.metrics import ranking_metrics
from tests.risk_data import department, read_rows

T = dt.date(2017, 1, 1)
HORIZON = dt.timedelta(days=730)


def test_precision_and_recall_at_the_top_of_a_small_list() -> None:
    refs = [f"o{i:02d}" for i in range(20)]
    scores = [1.0 - i / 20 for i in range(20)]
    outcome = [i in (0, 2, 15) for i in range(20)]
    # Ties at the top go by officer_ref: o00 before o01.
    scores[1] = scores[0]
    metrics = ranking_metrics(scores, outcome, refs)
    assert metrics["top_1pct"] == {"n": 1, "hits": 1, "precision": 1.0, "recall": 1 / 3}
    assert metrics["top_5pct"] == {"n": 1, "hits": 1, "precision": 1.0, "recall": 1 / 3}
    curve = {round(p["share"], 3): p for p in metrics["pr_curve"]}
    assert curve[0.15] == {"share": 0.15, "precision": 2 / 3, "recall": 2 / 3}
    assert curve[1.0]["recall"] == 1.0
    assert metrics["base_rate"] == pytest.approx(3 / 20)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return department(tmp_path_factory.mktemp("eval") / "history", officers=1000, seed=11)


@pytest.fixture(scope="module")
def evaluation(history: Path) -> Evaluation:
    return evaluate_history(open_history(history), [T], labels=["substantiated", "sexual"])


@pytest.fixture(scope="module")
def ranked(history: Path) -> list[str]:
    """The substantiated model's ranking at T, trained again here (training is deterministic)."""
    con = open_history(history)
    refs: list[str] = score_officers(con, train_model(con, T), T, reasons=False)[
        "officer_ref"
    ].tolist()
    return refs


def outcomes_by_hand(history: Path, label: str) -> set[str]:
    """Officers with an allegation received in (T, T + 2 years] that is substantiated (as the
    history now records) or of sexual misconduct."""
    hit = set()
    for row in read_rows(history / "allegations.csv"):
        day = dt.date.fromisoformat(row["received_date"])
        if not T < day <= T + HORIZON:
            continue
        if (label == "substantiated" and row["finding"] == "substantiated") or (
            label == "sexual" and row["category_group"] == "sexual"
        ):
            hit.add(row["officer_ref"])
    return hit


@pytest.mark.parametrize("label", ["substantiated", "sexual"])
def test_the_model_figures_match_a_count_by_hand(
    history: Path, evaluation: Evaluation, ranked: list[str], label: str
) -> None:
    result = next(r for r in evaluation.results if r["label"] == label)
    if label == "substantiated":
        refs = ranked
    else:
        con = open_history(history)
        refs = score_officers(con, train_model(con, T, label), T, reasons=False)[
            "officer_ref"
        ].tolist()
    hits = outcomes_by_hand(history, label) & set(refs)
    assert result["officers"] == len(refs)
    assert result["with_outcome"] == len(hits)
    for share, key in ((0.01, "top_1pct"), (0.02, "top_2pct"), (0.05, "top_5pct")):
        n = math.ceil(len(refs) * share)
        found = len(set(refs[:n]) & hits)
        assert result["model"][key]["n"] == n
        assert result["model"][key]["precision"] == pytest.approx(found / n)
        assert result["model"][key]["recall"] == pytest.approx(found / len(hits))


def test_the_count_baseline_matches_a_count_by_hand(
    history: Path, evaluation: Evaluation, ranked: list[str]
) -> None:
    result = next(r for r in evaluation.results if r["label"] == "substantiated")
    refs = ranked
    counts = dict.fromkeys(refs, 0)
    recent = dict.fromkeys(refs, 0)
    for row in read_rows(history / "allegations.csv"):
        day = dt.date.fromisoformat(row["received_date"])
        if row["officer_ref"] in counts and day <= T:
            counts[row["officer_ref"]] += 1
            recent[row["officer_ref"]] += (T - day).days < 365
    order = sorted(refs, key=lambda r: (-counts[r], -recent[r], r))
    hits = outcomes_by_hand(history, "substantiated")
    n = math.ceil(len(refs) * 0.05)
    found = len(set(order[:n]) & hits)
    assert result["baselines"]["allegations all time"]["top_5pct"]["hits"] == found


def test_each_rule_is_set_against_the_model_at_its_own_number_flagged(
    history: Path, evaluation: Evaluation, ranked: list[str]
) -> None:
    result = next(r for r in evaluation.results if r["label"] == "substantiated")
    flags = rule_flags(open_history(history), load_rules(), T)
    hits = outcomes_by_hand(history, "substantiated")
    assert any(len(v) for v in flags.values())
    for row in result["rules"]:
        flagged = flags[row["rule"]]
        assert row["n"] == len(flagged)
        assert row["rule_hits"] == len(flagged & hits)
        assert row["model_hits"] == len(set(ranked[: len(flagged)]) & hits)
    pooled = {p["rule"]: p for p in evaluation.pooled_rules("substantiated")}
    busiest = max(result["rules"], key=lambda r: r["rule_hits"])
    assert pooled[busiest["rule"]]["ratio"] == pytest.approx(
        busiest["model_hits"] / busiest["rule_hits"]
    )


def test_fairness_is_reported_by_sex_and_race(
    history: Path, evaluation: Evaluation, ranked: list[str]
) -> None:
    result = evaluation.results[0]
    by = result["fairness"]["by"]
    assert set(by) == {"sex", "race"}
    officers = {r["officer_ref"]: r for r in read_rows(history / "officers.csv")}
    flagged = set(ranked[: math.ceil(len(ranked) * 0.05)])
    for group in by["sex"]:
        members = [r for r in ranked if (officers[r]["sex"] or "not recorded") == group["group"]]
        assert group["officers"] == len(members)
        assert group["flag_rate"] == pytest.approx(np.mean([m in flagged for m in members]))


def test_a_date_whose_outcome_window_is_not_all_recorded_is_refused(history: Path) -> None:
    with pytest.raises(RiskError, match="not all in it"):
        evaluate_history(open_history(history), [dt.date(2019, 6, 1)])


def test_the_command_writes_the_tables(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "eval"
    result = CliRunner().invoke(
        app,
        [
            "risk",
            "evaluate",
            str(history),
            "--as-of",
            "2017-01-01",
            "--label",
            "sexual",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert [r["as_of"] for r in data["results"]] == ["2017-01-01"]
    tables = (out / "evaluation.md").read_text(encoding="utf-8")
    assert "| 2017-01-01 |" in tables and "complaints-3-in-12-months" in tables


def test_each_rule_is_ranked_at_the_top_shares_flagged_first_then_by_count(
    history: Path, evaluation: Evaluation, ranked: list[str]
) -> None:
    """A rule at the top 5%: the officers it flags first, then the rest, each part by the
    12-month count, then the whole record's, then officer_ref; counted by hand."""
    result = next(r for r in evaluation.results if r["label"] == "substantiated")
    flags = rule_flags(open_history(history), load_rules(), T)
    counts = dict.fromkeys(ranked, 0)
    recent = dict.fromkeys(ranked, 0)
    for row in read_rows(history / "allegations.csv"):
        day = dt.date.fromisoformat(row["received_date"])
        if row["officer_ref"] in counts and day <= T:
            counts[row["officer_ref"]] += 1
            recent[row["officer_ref"]] += (T - day).days < 365
    hits = outcomes_by_hand(history, "substantiated")
    n = math.ceil(len(ranked) * 0.05)
    checked = 0
    for rule_id, flagged in flags.items():
        order = sorted(ranked, key=lambda r: (r not in flagged, -recent[r], -counts[r], r))
        found = len(set(order[:n]) & hits)
        assert result["baselines"][f"rule {rule_id}, then count"]["top_5pct"]["hits"] == found
        checked += 1
    assert checked
    pooled = {p["ranking"]: p for p in evaluation.pooled_tops("substantiated")}
    assert pooled["model"]["top_5pct"] == result["model"]["top_5pct"]["hits"]
