"""The reasons for a score: the features that raised it most, said in words a PSD lead reads."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from custodes.risk.features import Feature, feature_list

__all__ = ["NO_REASON", "describe_feature", "reasons_for"]

NO_REASON = "nothing in the record raises the score above that of most officers"
REASONS = 3

_GROUP_WORDS = {
    "sexual": "sexual misconduct",
    "force": "force",
    "abuse-of-authority": "abuse of authority",
    "discourtesy": "discourtesy",
    "discrimination": "discriminatory language or conduct",
    "dishonesty": "dishonesty",
    "domestic-abuse": "domestic abuse",
    "other": "other misconduct",
}
_FINDING_WORDS = {
    "substantiated": "substantiated",
    "not-substantiated": "not substantiated",
    "unfounded": "unfounded",
    "exonerated": "exonerated",
    "other": "closed without a finding",
}
_EVENT_WORDS = {
    "access-audit-alert": ("an access-audit alert", "access-audit alerts"),
    "registry-match": ("a registry match", "registry matches"),
    "vetting-change": ("a vetting change", "vetting changes"),
    "monitored": ("a monitoring order", "monitoring orders"),
    "other": ("another recorded event", "other recorded events"),
}
_OUTCOME_WORDS = {
    "none": "no action",
    "advice-or-training": "advice or training",
    "reprimand-or-warning": "a reprimand or warning",
    "suspension": "a suspension",
    "demotion": "a demotion",
    "dismissed": "dismissal",
    "resigned-under-investigation": "resignation under investigation",
    "other": "another sanction",
}


def _window(months: int | None) -> str:
    if months is None:
        return "in their whole record"
    if months == 1:
        return "in the last month"
    if months % 12 == 0 and months > 12:
        return f"in the last {months // 12} years"
    return f"in the last {months} months"


def _ago(days: float) -> str:
    if days < 1:
        return "on the day scored"
    if days < 61:
        return f"{int(days)} day{'s' if int(days) != 1 else ''} ago"
    if days < 730:
        return f"{round(days / 30.44)} months ago"
    return f"{days / 365.25:.0f} years ago"


def _span(days: float) -> str:
    if days < 61:
        return f"{int(days)} day{'s' if int(days) != 1 else ''}"
    if days < 730:
        return f"{round(days / 30.44)} months"
    return f"{days / 365.25:.0f} years"


def _count(n: int, one: str, many: str) -> str:
    return f"{'an' if one[0] in 'aeiou' else 'a'} {one}" if n == 1 else f"{n} {many}"


def describe_feature(feature: Feature, value: float, row: Mapping[str, float]) -> str | None:
    """Say what one feature's value means, or None where it says nothing (a count of none)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    n = round(value)
    window = _window(feature.window)
    if (
        feature.kind
        in ("allegations", "complaints", "group", "finding", "pending", "event", "outcome")
        and n <= 0
    ):
        return None
    if feature.kind == "allegations":
        text = f"{_count(n, 'allegation', 'allegations')} {window}"
        if feature.window == 12:
            text += f" (the unit's average: {row.get('unit_rate_12m', 0.0):.1f})"
        return text
    if feature.kind == "complaints":
        return f"{_count(n, 'complaint', 'complaints')} {window}"
    if feature.kind == "group":
        return (
            f"{_count(n, 'allegation', 'allegations')} of {_GROUP_WORDS[feature.subject]} {window}"
        )
    if feature.kind == "finding":
        finding = _FINDING_WORDS[feature.subject]
        if feature.subject == "substantiated":
            return f"{_count(n, 'substantiated finding', 'substantiated findings')} {window}"
        return f"{_count(n, 'allegation', 'allegations')} {finding} {window}"
    if feature.kind == "pending":
        return f"{_count(n, 'allegation', 'allegations')} still undecided {window}"
    if feature.kind == "event":
        one, many = _EVENT_WORDS[feature.subject]
        return f"{one if n == 1 else f'{n} {many}'} {window}"
    if feature.kind == "outcome":
        return (
            f"{_count(n, 'past sanction', 'past sanctions')} of {_OUTCOME_WORDS[feature.subject]}"
        )
    if feature.kind == "since":
        if feature.subject == "allegation":
            return f"the last allegation {_ago(value)}"
        if feature.subject == "substantiated":
            return f"a substantiated finding {_ago(value)}"
        return f"{_EVENT_WORDS[feature.subject][0]} {_ago(value)}"
    if feature.kind == "tenure":
        return f"{_span(value)} in service"
    if feature.kind == "peer-rate":
        if feature.window == 60:
            return (
                f"a {feature.subject} whose officers average {value:.2f} substantiated findings "
                "in 5 years"
            )
        return f"a {feature.subject} whose officers average {value:.1f} allegations in 12 months"
    if feature.kind == "peer-ratio":
        if value <= 0:
            return None
        return f"{value:.1f} times the allegations of the {feature.subject}'s average in 12 months"
    return None


#: Features about the officer's peers, not the officer: the model weighs them (exposure differs
#: between units and ranks), but "a rank whose officers average…" is nothing a lead can act on
#: about this officer, so it is never given as a reason; the officer's own ratio to their peers
#: ("peer-ratio") is.
CONTEXT_KINDS = frozenset({"peer-rate"})


def reasons_for(
    values: np.ndarray[Any, Any], contributions: np.ndarray[Any, Any], names: list[str]
) -> list[str]:
    """Return, for each officer, the up-to-three features that raised their score most, in
    words, joined with "; ", or NO_REASON."""
    features = {f.name: f for f in feature_list()}
    described = [features[n] for n in names]
    out = []
    for row_values, row_contrib in zip(values, contributions, strict=True):
        row = dict(zip(names, row_values, strict=True))
        words: list[str] = []
        for i in np.argsort(-row_contrib, kind="stable"):
            if row_contrib[i] <= 0 or len(words) == REASONS:
                break
            if described[i].kind in CONTEXT_KINDS:
                continue
            text = describe_feature(described[i], float(row_values[i]), row)
            if text is not None and text not in words:
                words.append(text)
        out.append("; ".join(words) if words else NO_REASON)
    return out
