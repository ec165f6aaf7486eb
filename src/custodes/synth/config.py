"""The knobs of a synthetic force: size, period, seed and how much misconduct to plant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["DECOY_PATTERNS", "MISCONDUCT_PATTERNS", "SynthConfig"]

# Patterns the audit must find, and decoys that look odd but are legitimate.
MISCONDUCT_PATTERNS = ("post-contact", "trawling", "complainant", "former-partner")
DECOY_PATTERNS = ("decoy-analyst", "decoy-supervisor", "decoy-relative")


@dataclass(frozen=True)
class SynthConfig:
    """Describe one synthetic force; equal configs give byte-identical extracts."""

    staff: int = 2000
    days: int = 90
    seed: int = 1
    prevalence: float = 0.002
    decoys: float = 0.002
    intensity: float = 1.0
    start: dt.date = dt.date(2025, 1, 6)
    force: str = "XF"
    incidents_per_staff_day: float = 0.22

    def __post_init__(self) -> None:
        if self.staff < 20:
            raise ValueError("a synthetic force needs at least 20 staff")
        if self.days < 7:
            raise ValueError("a synthetic force needs at least 7 days")
        if not 0 <= self.prevalence <= 0.05 or not 0 <= self.decoys <= 0.05:
            raise ValueError("prevalence and decoys are shares of staff between 0 and 0.05")
        if self.intensity <= 0:
            raise ValueError("intensity must be positive")

    @property
    def start_ts(self) -> int:
        """Return the first second of the period, in seconds since the epoch (UTC)."""
        midnight = dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)
        return int(midnight.timestamp())

    @property
    def end_ts(self) -> int:
        """Return the second just after the period ends."""
        return self.start_ts + self.days * 86_400

    def planted_count(self, share: float) -> int:
        """Return how many staff carry one pattern at the given share (at least one if any)."""
        return 0 if share == 0 else max(1, round(self.staff * share))
