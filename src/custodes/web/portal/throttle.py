"""Throttling in memory only, keyed on what the portal may hold: never the client's address.

`allow(bucket, key, limit, per_seconds)` counts an attempt and says whether it is within
`limit` attempts per `per_seconds` for that bucket and key. The counts live in a dict in this
process, guarded by a lock, each with the end of its window; nothing is written to the
database, a file or a log, and an expired count is forgotten.

What to key on. Keying on the client's address would mean holding a list of the addresses
that used the portal, each with how often and when: exactly the record of who reported that
the portal exists not to keep, sitting in memory for a debugger, a core dump or a later
change that logs it. So the portal keys on what says nothing about a person:

- receipt checks: one global budget (`key="all"`) per window. A receipt has 16 random digits
  (over 53 bits); at, say, 30 checks a minute for everyone together, finding one live receipt
  among thousands takes millions of years. The cost is that a flood can make checks wait a
  minute for everyone: an annoyance, never a disclosure;
- submissions: a global budget too, against the database being filled by a script;
- an organisation's sign-in: the account name tried, which is the organisation's, not a
  reporter's.

The budget is per process: gunicorn's N workers each hold their own, so the whole portal
allows up to N times `limit` (the guessing sum above stays in the millions of years). A window
is fixed, so across a window's end up to twice `limit` can pass in a short time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Throttle", "allow", "throttle"]


class Throttle:
    """Fixed-window counters in a dict: (bucket, key) -> [window end, attempts]."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], list[float]] = {}

    def allow(self, bucket: str, key: str, limit: int, per_seconds: int) -> bool:
        """Count one attempt; True if it is one of the first `limit` in its window."""
        if limit < 1 or per_seconds < 1:
            raise ValueError("limit and per_seconds must be at least 1")
        now = self._clock()
        with self._lock:
            self._forget_expired(now)
            window = self._windows.get((bucket, key))
            if window is None:
                window = self._windows[(bucket, key)] = [now + per_seconds, 0]
            window[1] += 1
            return window[1] <= limit

    def __len__(self) -> int:
        """How many counts are held just now (expired ones are dropped first)."""
        with self._lock:
            self._forget_expired(self._clock())
            return len(self._windows)

    def _forget_expired(self, now: float) -> None:
        expired = [k for k, (ends, _) in self._windows.items() if ends <= now]
        for k in expired:
            del self._windows[k]


throttle = Throttle()


def allow(bucket: str, key: str, limit: int, per_seconds: int) -> bool:
    """Count an attempt against the process's throttle (see the module's notes on keys)."""
    return throttle.allow(bucket, key, limit, per_seconds)
