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
    people = _people(s.people)
    match signal:
        case "unexplained":
            return f"{look_ups} of {people} with no work reason"
        case "post-contact":
            return (
                f"kept looking up {people} met on their own incident after their part "
                f"ended ({look_ups} on {_people(s.days, 'day', 'days')})"
            )
        case "own-complainant":
            return f"looked up {people} who had complained about them ({look_ups})"
        case "vulnerable":
            return f"{people} with a vulnerability marker"
        case "child":
            return _people(s.people, "child", "children")
        case "repeated":
            who = "person" if s.people == 1 else people
            return f"the same {who} on {_people(s.days, 'day', 'days')}"
        case "off-duty":
            return f"{look_ups} off duty"
        case "trawling":
            return f"{people} searched with no work reason"
        case "young-women":
            women = _people(s.people, "young woman", "young women")
            return f"{women}, far more than in their own work"
        case "colleague":
            return _people(s.people, "colleague", "colleagues")
        case "print-export":
            return f"{look_ups} printed or exported"
        case "peer-rate":
            return "far more unexplained look-ups than peers in the same role and unit"
        case "declared-association":
            return f"{look_ups} of a declared associate (explained, shown for review)"
    return signal


def summarise(signals: Mapping[str, SignalStats], limit: int = 4) -> str:
    """Return a sentence led by the strongest signal, then the next strongest few."""
    ordered = sorted(signals.items(), key=lambda kv: (-kv[1].part, kv[0]))
    clauses = [_clause(name, stats) for name, stats in ordered[:limit]]
    if not clauses:
        return "No signals."
    first = clauses[0][0].upper() + clauses[0][1:]
    return "; ".join([first, *clauses[1:]]) + "."
