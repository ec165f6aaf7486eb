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
    records: int = 0  # look-ups of incident records, which name no person


def _count(n: int, noun: str = "person", plural: str = "people") -> str:
    return f"{n} {noun if n == 1 else plural}"


def _clause(signal: str, s: SignalStats) -> str:
    # Each clause says what the user did, so the sentence reads as an account to be given.
    # "Personal" signals also count look-ups only weakly explained (a colleague's work, a broad
    # role, a slip near their own work), hence "of their own"; "unexplained" ones count only
    # look-ups with no work reason at all.
    look_ups = _count(s.events, "look-up", "look-ups")
    people = _count(s.people)
    days = _count(s.days, "day", "days")
    match signal:
        case "unexplained":
            # Look-ups of incident records name no person: they are counted as records.
            done = []
            of_people = s.events - s.records
            if s.people:
                many = (
                    f" ({_count(of_people, 'look-up', 'look-ups')})"
                    if of_people != s.people
                    else ""
                )
                done.append(f"looked up {people}{many}")
            if s.records:
                done.append(f"opened {_count(s.records, 'record', 'records')}")
            return " and ".join(done) + " with no work reason"
        case "post-contact":
            met = f"{people} met on their own incident after their part ended"
            if s.events == 1:
                return f"looked up {met}"
            return f"kept looking up {met} ({look_ups} on {days})"
        case "own-complainant":
            return f"looked up {people} who had complained about them ({look_ups})"
        case "vulnerable":
            return f"looked up {people} with a vulnerability marker and no work reason"
        case "child":
            return f"looked up {_count(s.people, 'child', 'children')} with no work reason"
        case "repeated":
            who = "person" if s.people == 1 else people
            return f"looked up the same {who} on {days} with no work reason of their own"
        case "off-duty":
            return f"made {look_ups} off duty with no work reason of their own"
        case "trawling":
            return f"searched {people} with no work reason"
        case "young-women":
            women = _count(s.people, "young woman", "young women")
            return f"looked up {women} with no work reason, far more than their own work involves"
        case "colleague":
            colleagues = _count(s.people, "colleague", "colleagues")
            return f"looked up {colleagues} with no work reason of their own"
        case "print-export":
            records = _count(s.events, "record", "records")
            return f"printed or exported {records} with no work reason"
        case "peer-rate":
            return (
                "made far more look-ups with no work reason of their own than peers in the same "
                "role and unit"
            )
        case "declared-association":
            associates = _count(s.people, "declared associate", "declared associates")
            return f"looked up {associates} ({look_ups}; explained, shown for review)"
    return signal


def summarise(signals: Mapping[str, SignalStats], limit: int = 4) -> str:
    """Return a sentence led by the strongest signal, then the next strongest few."""
    ordered = sorted(signals.items(), key=lambda kv: (-kv[1].part, kv[0]))
    clauses = [_clause(name, stats) for name, stats in ordered[:limit]]
    if not clauses:
        return "No signals."
    first = clauses[0][0].upper() + clauses[0][1:]
    return "; ".join([first, *clauses[1:]]) + "."
