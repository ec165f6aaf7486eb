"""One plain-English sentence per alert, from the signals behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["SignalStats", "summarise"]


@dataclass(frozen=True)
class SignalStats:
    """How much of one signal one member of staff shows."""

    part: float
    events: int
    people: int
    days: int


def _people(n: int, noun: str = "person", plural: str = "people") -> str:
    return f"{n} {noun if n == 1 else plural}"


def _clause(signal: str, s: SignalStats) -> str:
    look_ups = _people(s.events, "look-up", "look-ups")
    clauses = {
        "unexplained": f"{look_ups} of {_people(s.people)} with no work reason",
        "post-contact": (
            f"kept looking up {_people(s.people)} met on their own incident after their part "
            f"ended ({look_ups} on {_people(s.days, 'day', 'days')})"
        ),
        "own-complainant": f"looked up {_people(s.people)} who had complained about them "
        f"({look_ups})",
        "vulnerable": f"{_people(s.people)} with a vulnerability marker",
        "child": f"{_people(s.people, 'child', 'children')}",
        "repeated": (
            f"the same {'person' if s.people == 1 else _people(s.people)} on "
            f"{_people(s.days, 'day', 'days')}"
        ),
        "off-duty": f"{look_ups} off duty",
        "trawling": f"{_people(s.people)} searched with no work reason",
        "young-women": f"{_people(s.people, 'young woman', 'young women')}, far more than "
        "in their own work",
        "colleague": f"{_people(s.people, 'colleague', 'colleagues')}",
        "print-export": f"{look_ups} printed or exported",
        "peer-rate": "far more unexplained look-ups than peers in the same role and unit",
        "declared-association": f"{look_ups} of a declared associate (explained, shown for review)",
    }
    return clauses.get(signal, signal)


def summarise(signals: Mapping[str, SignalStats], limit: int = 4) -> str:
    """Return a sentence led by the strongest signal, then the next strongest few."""
    ordered = sorted(signals.items(), key=lambda kv: (-kv[1].part, kv[0]))
    clauses = [_clause(name, stats) for name, stats in ordered[:limit]]
    if not clauses:
        return "No signals."
    first = clauses[0][0].upper() + clauses[0][1:]
    return "; ".join([first, *clauses[1:]]) + "."
