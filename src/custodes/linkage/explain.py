"""Explanations: which comparisons drove a match score, in words, strongest first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Explainer", "level_labels"]

# Comparisons whose weight is this close to zero (in bits) neither help nor hurt.
_NEUTRAL_BITS = 0.25


def level_labels(settings: Mapping[str, Any]) -> dict[str, dict[int, str]]:
    """Return each comparison's level labels by Splink's comparison vector value."""
    out: dict[str, dict[int, str]] = {}
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        counter = sum(1 for lv in levels if not lv.get("is_null_level")) - 1
        labels: dict[int, str] = {}
        # Splink numbers the levels from the highest down to 0 and gives null levels -1.
        for level in levels:
            if level.get("is_null_level"):
                labels[-1] = level["label_for_charts"]
            else:
                labels[counter] = level["label_for_charts"]
                counter -= 1
        out[comparison["output_column_name"]] = labels
    return out


@dataclass(frozen=True)
class Explainer:
    """Turn Splink's gamma_* and mw_* columns into "last_name: exact; ..." text."""

    labels: Mapping[str, Mapping[int, str]]

    @property
    def columns(self) -> list[str]:
        """Return the prediction columns an explanation reads."""
        cols: list[str] = []
        for name in self.labels:
            cols += [f"gamma_{name}", f"mw_{name}"]
        return cols

    def tf_columns(self, available: Sequence[str]) -> list[str]:
        """Return the term-frequency adjustment columns present in a prediction."""
        return [f"mw_tf_adj_{n}" for n in self.labels if f"mw_tf_adj_{n}" in available]

    def explain(self, row: Mapping[str, Any]) -> str:
        """Return the comparisons that counted for a pair, then those that counted against."""
        weighed: list[tuple[float, str]] = []
        for name, labels in self.labels.items():
            gamma = row[f"gamma_{name}"]
            if gamma is None or gamma == -1:
                continue
            bits = float(row[f"mw_{name}"]) + float(row.get(f"mw_tf_adj_{name}") or 0.0)
            if abs(bits) < _NEUTRAL_BITS:
                continue
            weighed.append((bits, f"{name}: {labels[int(gamma)]}"))
        counted_for = [text for bits, text in sorted(weighed, key=lambda w: -w[0]) if bits > 0]
        against = [f"against {text}" for bits, text in sorted(weighed) if bits < 0]
        return "; ".join(counted_for + against)
