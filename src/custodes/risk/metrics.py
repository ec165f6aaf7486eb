"""How good a ranking is at the top: precision and recall among the first n officers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["SHARES", "at_n", "rank_order", "ranking_metrics"]

#: The shares of officers at the top of a list that the evaluation reports.
SHARES = (0.01, 0.02, 0.05)
# Where the precision-recall curve is sampled: the whole list, finer at its top.
_CURVE = (
    0.001,
    0.002,
    0.005,
    *[k / 100 for k in range(1, 21)],
    *[k / 100 for k in range(25, 101, 5)],
)


def rank_order(
    scores: Sequence[float] | np.ndarray[Any, Any], refs: Sequence[str]
) -> np.ndarray[Any, Any]:
    """Return the row indices from the highest score down; ties go by officer_ref, so the
    order never depends on the order rows were read in."""
    values = np.asarray(scores, dtype=np.float64)
    return np.lexsort((np.asarray(refs, dtype=object).astype(str), -values))


def top_n(count: int, share: float) -> int:
    """Return how many officers the top `share` of `count` is (at least one)."""
    return max(1, math.ceil(count * share)) if count else 0


def at_n(order: np.ndarray[Any, Any], outcome: np.ndarray[Any, Any], n: int) -> dict[str, float]:
    """Return precision and recall among the first `n` of `order`."""
    total = int(outcome.sum())
    hits = int(outcome[order[:n]].sum()) if n else 0
    return {
        "n": n,
        "hits": hits,
        "precision": hits / n if n else 0.0,
        "recall": hits / total if total else 0.0,
    }


def ranking_metrics(
    scores: Sequence[float] | np.ndarray[Any, Any],
    outcome: Sequence[bool] | np.ndarray[Any, Any],
    refs: Sequence[str],
) -> dict[str, Any]:
    """Return precision and recall at the top 1, 2 and 5%, and the precision-recall curve."""
    truth = np.asarray(outcome, dtype=bool)
    order = rank_order(scores, refs)
    count = len(truth)
    top = {
        f"top_{round(share * 100)}pct": at_n(order, truth, top_n(count, share)) for share in SHARES
    }
    curve = []
    for share in _CURVE:
        point = at_n(order, truth, top_n(count, share))
        curve.append({"share": share, "precision": point["precision"], "recall": point["recall"]})
    return {"base_rate": float(truth.mean()) if count else 0.0, **top, "pr_curve": curve}
