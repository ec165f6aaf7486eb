"""Score matching against known truth: precision, recall, F1, and recall per corruption."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyarrow as pa

__all__ = ["Accuracy", "score_pairs"]


@dataclass(frozen=True)
class Accuracy:
    """How well found pairs agree with the true pairs."""

    true_pairs: int
    found_pairs: int
    true_positives: int
    precision: float
    recall: float
    f1: float
    recall_by_corruption: dict[str, float]
    pairs_by_corruption: dict[str, int]


def score_pairs(found: pa.Table, truth: pa.Table) -> Accuracy:
    """Compare a screen's (person_ref, entry_id) pairs with the truth's, corruption by kind."""
    got = set(
        zip(
            found.column("person_ref").to_pylist(),
            found.column("entry_id").to_pylist(),
            strict=True,
        )
    )
    rows = truth.select(["person_ref", "entry_id", "corruption"]).to_pylist()
    true = {(r["person_ref"], r["entry_id"]) for r in rows}
    hits = len(got & true)
    precision = hits / len(got) if got else 1.0
    recall = hits / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    kinds = Counter(r["corruption"] for r in rows)
    found_by_kind = Counter(
        r["corruption"] for r in rows if (r["person_ref"], r["entry_id"]) in got
    )
    return Accuracy(
        true_pairs=len(true),
        found_pairs=len(got),
        true_positives=hits,
        precision=precision,
        recall=recall,
        f1=f1,
        recall_by_corruption={k: found_by_kind[k] / n for k, n in sorted(kinds.items())},
        pairs_by_corruption=dict(sorted(kinds.items())),
    )
