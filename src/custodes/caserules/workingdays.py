"""Working days: weekends and the jurisdiction's holidays, from the `holidays` library."""

from __future__ import annotations

from datetime import date
from threading import Lock

import holidays

__all__ = ["WorkingDays"]


class WorkingDays:
    """Count working days in one country (and subdivision), skipping weekends and holidays.

    The holidays come from the maintained `holidays` library (England and Wales:
    `country_holidays("GB", subdiv="ENG")`), substitute days included, never from a list kept
    here.
    """

    def __init__(self, country: str, subdiv: str | None = None) -> None:
        # Raises NotImplementedError for a country or subdivision the library does not know.
        self._holidays = holidays.country_holidays(country, subdiv=subdiv)
        self.country = country
        self.subdiv = subdiv
        # The library fills in each year on first use; one request at a time does so.
        self._lock = Lock()

    def __repr__(self) -> str:
        where = f"{self.country}-{self.subdiv}" if self.subdiv else self.country
        return f"WorkingDays({where})"

    def holiday(self, day: date) -> str | None:
        """Return the name of the holiday on `day`, or None when there is none."""
        with self._lock:
            name = self._holidays.get(day)
        return None if name is None else str(name)

    def is_working_day(self, day: date) -> bool:
        """Say whether `day` is a working day."""
        with self._lock:
            return bool(self._holidays.is_working_day(day))

    def add(self, day: date, n: int) -> date:
        """Return the `n`th working day after `day` (`n` = 0: `day` or the next working day)."""
        if n < 0:
            raise ValueError(f"cannot count {n} working days forward")
        with self._lock:
            found: date = self._holidays.get_nth_working_day(day, n)
        return found

    def next_working_day(self, day: date) -> date:
        """Return the working day after `day`: its end is the end of the next working day."""
        return self.add(day, 1)

    def within(self, n: int, beginning_with: date) -> date:
        """Return the last of `n` working days beginning with `beginning_with` (which counts).

        "Before the end of 5 working days beginning with the date of the dismissal": a
        dismissal on a Monday is reported by the end of Friday; one on a Saturday by the end of
        the following Friday.
        """
        if n < 1:
            raise ValueError(f"a period of {n} working days has no last day")
        return self.add(self.add(beginning_with, 0), n - 1)
