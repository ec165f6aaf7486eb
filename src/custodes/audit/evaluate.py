"""Measure an audit run against a synthetic force's planted truth, at a review budget."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from custodes.audit.outputs import ALERTS_PARQUET, EVIDENCE_PARQUET

__all__ = ["Evaluation", "evaluate_run"]


@dataclass(frozen=True)
class Evaluation:
    """Recall per planted pattern, precision, decoys reached, and legitimate look-ups explained."""

    budget: int
    recall: dict[str, float]
    overall_recall: float
    precision: float
    decoys_in_budget: list[str]
    legitimate_explained: float


def _truth(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as f:
        return {row["user_id"]: row["pattern"] for row in csv.DictReader(f)}


def _count_in(values: pa.ChunkedArray, members: pa.Array) -> int:
    return int(pc.sum(pc.is_in(values, value_set=members)).as_py() or 0)


def evaluate_run(
    extract: Path, truth_file: Path, run: Path, budget_share: float = 0.01
) -> Evaluation:
    """Compare the top of `run`'s alerts, within the review budget, with the planted truth."""
    truth = _truth(truth_file)
    staff = pq.read_metadata(extract / "staff.parquet").num_rows
    budget = max(1, round(staff * budget_share))
    alerts = pq.read_table(run / ALERTS_PARQUET, columns=["rank", "user_id"])
    top = set(alerts.filter(pc.less_equal(alerts["rank"], budget))["user_id"].to_pylist())

    by_pattern: dict[str, list[str]] = defaultdict(list)
    for user, pattern in truth.items():
        by_pattern[pattern].append(user)
    misconduct = {u for u, p in truth.items() if not p.startswith("decoy")}
    recall = {
        p: sum(u in top for u in users) / len(users)
        for p, users in sorted(by_pattern.items())
        if not p.startswith("decoy")
    }
    found = len(misconduct & top)

    # Legitimate look-ups: everyone's, except those of staff planted with misconduct.
    planted = pa.array(sorted(misconduct), pa.string())
    events = pq.read_table(extract / "access_events.parquet", columns=["user_id"])["user_id"]
    evidence = pq.read_table(run / EVIDENCE_PARQUET, columns=["user_id", "signal"])
    unexplained = evidence.filter(pc.equal(evidence["signal"], "unexplained"))["user_id"]
    legit_total = len(events) - _count_in(events, planted)
    legit_unexplained = len(unexplained) - _count_in(unexplained, planted)
    return Evaluation(
        budget=budget,
        recall=recall,
        overall_recall=found / len(misconduct) if misconduct else 1.0,
        precision=found / len(top) if top else 0.0,
        decoys_in_budget=sorted(u for u, p in truth.items() if p.startswith("decoy") and u in top),
        legitimate_explained=1 - legit_unexplained / legit_total if legit_total else 1.0,
    )
