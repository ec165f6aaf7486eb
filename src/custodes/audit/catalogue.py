"""The rule catalogue: each signal's meaning, weight and test cases, read from rules.toml."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, Literal

from custodes.errors import CustodesError

__all__ = ["Catalogue", "Signal", "load_catalogue"]

Scope = Literal["unexplained", "personal", "declared"]
EXPLANATION_KINDS = ("assigned", "reason", "declared", "team", "nearby", "broad", "none")
# The numbers each signal's SQL takes from the catalogue.
_PARAMS = {
    "repeated": ("min_days",),
    "off-duty": ("grace_minutes",),
    "trawling": ("min_people",),
    "young-women": ("min_people", "min_ratio"),
    "peer-rate": ("min_lookups", "min_ratio"),
}
# The signals the pipeline computes: a catalogue defines each of them once, no more.
SIGNAL_IDS = (
    "unexplained",
    "vulnerable",
    "child",
    "post-contact",
    "repeated",
    "off-duty",
    "trawling",
    "young-women",
    "own-complainant",
    "colleague",
    "print-export",
    "peer-rate",
    "declared-association",
)


@dataclass(frozen=True)
class Signal:
    """One signal: what it means, how much it can weigh, and its test cases."""

    id: str
    title: str
    rationale: str
    weight: float
    saturation: float
    scope: Scope
    params: dict[str, float] = field(default_factory=dict)
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cases: tuple[dict[str, Any], ...] = ()
    counts: tuple[str, ...] = ()

    @property
    def kinds(self) -> tuple[str, ...]:
        """Return the explanation kinds whose look-ups this signal counts."""
        if self.counts:
            return self.counts
        return {
            "unexplained": ("none",),
            "personal": ("none", "team", "nearby", "broad"),
            "declared": ("declared",),
        }[self.scope]

    def param(self, name: str) -> float:
        """Return a numeric parameter of the signal."""
        return self.params[name]

    def values(self, name: str) -> tuple[str, ...]:
        """Return a parameter of the signal that is a list of text values."""
        return self.lists[name]


@dataclass(frozen=True)
class Catalogue:
    """Every signal, and the suspicion each kind of explanation leaves on a look-up."""

    signals: tuple[Signal, ...]
    residual: dict[str, float]

    def signal(self, signal_id: str) -> Signal:
        """Return the signal with `signal_id`."""
        for s in self.signals:
            if s.id == signal_id:
                return s
        raise KeyError(signal_id)


_KNOWN = {"id", "title", "rationale", "weight", "saturation", "scope", "case", "counts"}


def load_catalogue(text: str | None = None) -> Catalogue:
    """Read and check the catalogue (the packaged rules.toml unless `text` is given)."""
    if text is None:
        text = files("custodes.audit").joinpath("rules.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CustodesError(f"rules.toml is not valid TOML: {exc}") from None
    try:
        residual = {k: _number(v) for k, v in data.get("explanations", {}).items()}
    except (TypeError, ValueError) as exc:
        raise CustodesError(f"rules.toml [explanations]: {exc}") from None
    if set(residual) != set(EXPLANATION_KINDS):
        raise CustodesError(f"rules.toml [explanations] must set exactly {EXPLANATION_KINDS}")
    signals = []
    for raw in data.get("signal", []):
        try:
            signals.append(_signal(raw))
        except KeyError as exc:
            raise CustodesError(f"rules.toml signal {raw.get('id')!r}: no {exc}") from None
        except (TypeError, ValueError) as exc:
            raise CustodesError(f"rules.toml signal {raw.get('id')!r}: {exc}") from None
    for signal in signals:
        unknown = set(signal.kinds) - set(EXPLANATION_KINDS)
        if unknown:
            raise CustodesError(f"rules.toml signal {signal.id!r}: unknown counts {unknown}")
    ids = [s.id for s in signals]
    if len(ids) != len(set(ids)):
        raise CustodesError("rules.toml has two signals with the same id")
    if set(ids) != set(SIGNAL_IDS):
        missing, unknown = set(SIGNAL_IDS) - set(ids), set(ids) - set(SIGNAL_IDS)
        raise CustodesError(
            f"rules.toml must define each of {', '.join(SIGNAL_IDS)}; "
            f"missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
    for signal in signals:
        absent = [name for name in _PARAMS.get(signal.id, ()) if name not in signal.params]
        if absent:
            raise CustodesError(f"rules.toml signal {signal.id!r}: no {', '.join(absent)}")
    markers = next(s for s in signals if s.id == "vulnerable").lists.get("markers")
    if markers is None:
        raise CustodesError("rules.toml signal 'vulnerable' needs a list of markers")
    return Catalogue(tuple(signals), residual)


def _signal(raw: dict[str, Any]) -> Signal:
    """Read one [[signal]] table of the catalogue."""
    if raw.get("scope") not in ("unexplained", "personal", "declared"):
        raise CustodesError(f"rules.toml signal {raw.get('id')!r}: unknown scope")
    weight, saturation = _number(raw["weight"]), _number(raw["saturation"])
    # A "declared" signal shows look-ups a declaration explains, so it may weigh nothing.
    above_least = weight >= 0 if raw.get("scope") == "declared" else weight > 0
    if not (above_least and weight < 1) or saturation <= 0:
        raise CustodesError(f"rules.toml signal {raw['id']!r}: weight in (0, 1), saturation > 0")
    return Signal(
        id=raw["id"],
        title=raw["title"],
        rationale=raw["rationale"],
        weight=weight,
        saturation=saturation,
        scope=raw["scope"],
        params={
            k: _number(v) for k, v in raw.items() if k not in _KNOWN and not isinstance(v, list)
        },
        lists={
            k: tuple(str(x) for x in v)
            for k, v in raw.items()
            if k not in _KNOWN and isinstance(v, list)
        },
        cases=tuple(raw.get("case", [])),
        counts=tuple(raw.get("counts", ())),
    )


def _number(value: object) -> float:
    """Return a catalogue value as a finite number, or refuse it."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return float(value)
