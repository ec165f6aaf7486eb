"""Which scored pairs are reported: the likely matches, and weaker ones whose names agree.

A pair at or above the threshold is a likely match. Below it, a pair is still reported, as a
weaker candidate, when the model's own name comparisons say the names agree (the same given
name or a nickname of it, and the same surname or a listed earlier one; or the two names
swapped) and nothing else compared says they are different people. Such a pair is weak only
for want of information: a check of "Deangelo Freeman" against "Deangelo M Freeman", with no
birth date on either side, must never come back as a clean result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from custodes.linkage.errors import LinkageError

__all__ = [
    "LIKELY",
    "STRENGTHS",
    "WEAKER",
    "WEAKER_PREFIX",
    "ReportFilter",
    "missing_notes",
    "report_filter",
]

LIKELY = "likely"
WEAKER = "weaker"
STRENGTHS = (LIKELY, WEAKER)
#: How a weaker candidate's explanation begins.
WEAKER_PREFIX = "name only: "

# The name comparisons' levels that say the names agree as written or through a nickname.
_NAMES_AGREE = {
    "first_name": ("exact", "nickname of"),
    "last_name": ("exact", "matches other_names"),
}
_NAMES_SWAPPED = ("first_name", "swapped with last_name")
# A "different" level on any of these is evidence of two people, not a want of information:
# such a pair is not reported however well the names agree.
_CONTRADICTING = ("middle_name", "birth_date", "birth_year", "sex")
_DIFFERENT = "different"
# What a weaker candidate's explanation says is missing, and the columns that hold it.
_MISSING = (
    ("middle name", ("middle_name",)),
    ("birth date", ("birth_date", "birth_year")),
    ("sex", ("sex",)),
)


@dataclass(frozen=True)
class ReportFilter:
    """A SQL condition over scored pairs, with its values as named parameters."""

    sql: str
    params: dict[str, Any]

    @property
    def columns(self) -> list[str]:
        """Return the pair columns a weaker candidate's explanation reads."""
        return [f"{c}_{side}" for _, cols in _MISSING for c in cols for side in ("l", "r")]


def _gamma(labels: Mapping[str, Mapping[int, str]], comparison: str, label: str) -> int:
    for gamma, text in labels[comparison].items():
        if text == label:
            return gamma
    raise LinkageError(f"the model has no {comparison} level {label!r}")


def report_filter(
    labels: Mapping[str, Mapping[int, str]], threshold: float, marker: str, *, weaker: bool
) -> ReportFilter:
    """Return the condition a reported pair meets; `marker` is the engine's parameter prefix."""
    params: dict[str, Any] = {"threshold": threshold}

    def bound(name: str, value: Any) -> str:
        params[name] = value
        return f"{marker}{name}"

    likely = f"match_probability >= {marker}threshold"
    if not weaker:
        return ReportFilter(likely, params)
    agree = " AND ".join(
        f"gamma_{comparison} IN ("
        + ", ".join(
            bound(f"{comparison}_agrees_{i}", _gamma(labels, comparison, level))
            for i, level in enumerate(levels)
        )
        + ")"
        for comparison, levels in _NAMES_AGREE.items()
    )
    swapped = f"gamma_{_NAMES_SWAPPED[0]} = " + bound("swapped", _gamma(labels, *_NAMES_SWAPPED))
    consistent = " AND ".join(
        f"gamma_{c} <> " + bound(f"{c}_differs", _gamma(labels, c, _DIFFERENT))
        for c in _CONTRADICTING
    )
    return ReportFilter(f"{likely} OR ((({agree}) OR {swapped}) AND {consistent})", params)


def missing_notes(row: Mapping[str, Any]) -> list[str]:
    """Return what neither, or only one, of a pair's records gives (the person is on the left)."""
    notes = []
    for what, columns in _MISSING:
        given = any(row[f"{c}_l"] is not None for c in columns)
        listed = any(row[f"{c}_r"] is not None for c in columns)
        if not given and not listed:
            notes.append(f"no {what} given or listed")
        elif not given:
            notes.append(f"no {what} given")
        elif not listed:
            notes.append(f"no {what} listed")
    return notes
