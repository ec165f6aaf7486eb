"""How the access audit explains look-ups: windows around assignments, and the review budget."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["AuditConfig"]

HOUR, DAY = 3600, 86_400


@dataclass(frozen=True)
class AuditConfig:
    """Windows (in seconds) within which a link in the force's records explains a look-up."""

    # A look-up from this long before an assignment starts to this long after it ends is
    # explained by it: officers check people on the way to a job and write up after it.
    before: int = 1 * DAY
    after: int = 7 * DAY
    # A reason incident given at look-up time explains the look-up of a person in it while the
    # incident is open and this long after it closes.
    reason_after: int = 30 * DAY
    # A look-up nothing else explains, made this close to one the user's own assignment
    # explains, is taken as part of that work, weakly ("nearby" in rules.toml); 0 turns it off.
    nearby: int = 30 * 60
    # Share of staff a unit reviews; used for reporting recall and precision.
    review_budget: float = 0.01
    # At least this many alerts get a timeline in the report, more if the budget is larger.
    timelines: int = 20

    def __post_init__(self) -> None:
        if min(self.before, self.after, self.reason_after, self.nearby) < 0:
            raise ValueError("explanation windows cannot be negative")
        if not 0 < self.review_budget <= 1:
            raise ValueError("the review budget is a share of staff between 0 and 1")

    def budget(self, staff: int) -> int:
        """Return how many of `staff` members the review budget covers."""
        return math.ceil(staff * self.review_budget)

    def drawn(self, staff: int) -> int:
        """Return how many alerts get a timeline: the whole budget, and never fewer than set."""
        return max(self.timelines, self.budget(staff))
