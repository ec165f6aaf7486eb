"""Duty rotas: who is on shift when, with leave taken and shifts covered."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custodes.synth.organisation import DEPARTMENTS, Organisation

__all__ = ["OnDuty", "Rota", "build_rota"]

HOUR = 3600


@dataclass(frozen=True)
class Rota:
    """Each member of staff's shift on each day of the period (staff × days)."""

    on: np.ndarray  # bool
    start: np.ndarray  # int32 seconds after the day's midnight
    length: np.ndarray  # int32 seconds
    next_on: np.ndarray  # int32: first day >= d with a shift, or -1

    def shift_time(self, staff: np.ndarray, day: np.ndarray, frac: np.ndarray) -> np.ndarray:
        """Return seconds after the period start at fraction `frac` through each given shift."""
        start = self.start[staff, day].astype(np.int64)
        length = self.length[staff, day].astype(np.int64)
        return day.astype(np.int64) * 86_400 + start + (frac * length).astype(np.int64)

    def on_duty_at(self, staff: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Say whether each member of staff is on a shift at each time (seconds after start)."""
        days = self.on.shape[1]
        result = np.zeros(len(staff), dtype=bool)
        # A night shift that started the day before may still be running.
        for back in (0, 1):
            d = t // 86_400 - back
            ok = (d >= 0) & (d < days)
            dd = np.where(ok, d, 0)
            into = t - dd * 86_400 - self.start[staff, dd]
            result |= ok & self.on[staff, dd] & (into >= 0) & (into < self.length[staff, dd])
        return result


def build_rota(org: Organisation, days: int, rng: np.random.Generator) -> Rota:
    """Give everyone shifts by their department's rota, then take leave and cover shifts."""
    n = org.size
    d = np.arange(days, dtype=np.int32)[None, :]
    phase = org.team_phase.astype(np.int32)[:, None]
    rota_kind = np.array(["office"] + [dept.rota for dept in DEPARTMENTS], dtype=object)[
        org.department.astype(np.int32) + 1
    ]

    on = np.zeros((n, days), dtype=bool)
    start = np.zeros((n, days), dtype=np.int32)
    length = np.full((n, days), 8 * HOUR, dtype=np.int32)

    # 24/7 teams: two days, two nights, four off, each team two days behind the last.
    round_clock = (rota_kind == "24/7")[:, None]
    cycle = (d + 2 * phase) % 8
    on |= round_clock & (cycle < 4)
    start = np.where(round_clock & (cycle < 2), 7 * HOUR, start)
    start = np.where(round_clock & (cycle >= 2) & (cycle < 4), 22 * HOUR, start)
    length = np.where(round_clock, 10 * HOUR, length)

    # Neighbourhood teams: five on, two off, earlies and lates in alternate weeks.
    hood = (rota_kind == "neighbourhood")[:, None]
    on |= hood & ((d + phase) % 7 < 5)
    late = ((d + phase) // 7) % 2 == 1
    start = np.where(hood, np.where(late, 14 * HOUR, 8 * HOUR), start)

    # Office hours, Monday to Friday, each person starting at their own time.
    office = (rota_kind == "office")[:, None]
    on |= office & (d % 7 < 5)
    own_start = rng.integers(7 * 4, 10 * 4, size=n).astype(np.int32) * 900
    start = np.where(office, own_start[:, None], start)

    # Leave and sickness take away about one shift in twelve.
    on &= rng.random((n, days)) >= 0.08
    # A few days off are worked after all, covering a colleague's shift.
    cover = ~on & (rng.random((n, days)) < 0.015) & ~office
    on |= cover
    start = np.where(cover, 7 * HOUR, start).astype(np.int32)
    length = np.where(cover, 10 * HOUR, length).astype(np.int32)

    next_on = np.full((n, days + 1), -1, dtype=np.int32)
    for day in range(days - 1, -1, -1):
        next_on[:, day] = np.where(on[:, day], day, next_on[:, day + 1])
    return Rota(on=on, start=start, length=length, next_on=next_on[:, :days])


@dataclass(frozen=True)
class OnDuty:
    """For one group of staff, who is on shift in each hour of the period."""

    members: np.ndarray  # staff numbers, grouped by hour
    first: np.ndarray  # index into members where each hour starts
    count: np.ndarray  # how many are on in each hour
    group: np.ndarray  # the whole group, for hours nobody is on

    @classmethod
    def of(cls, rota: Rota, group: np.ndarray) -> OnDuty:
        """Index the hours each member of `group` is on shift."""
        days = rota.on.shape[1]
        hours = days * 24 + 24
        on_hour = np.zeros((len(group), hours), dtype=bool)
        on = rota.on[group]
        start_h = rota.start[group] // HOUR
        len_h = rota.length[group] // HOUR
        member, day = np.nonzero(on)
        first = day * 24 + start_h[member, day]
        for k in range(int(len_h.max(initial=0))):
            keep = k < len_h[member, day]
            on_hour[member[keep], first[keep] + k] = True
        hour_of, who = np.nonzero(on_hour.T)
        counts = np.bincount(hour_of, minlength=hours)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        return cls(members=group[who], first=starts, count=counts, group=group)

    def pick(self, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Pick one member on shift at each time (seconds after start), anyone if none is."""
        hour = np.clip(t // HOUR, 0, len(self.count) - 1)
        count = self.count[hour]
        u = rng.random(len(t))
        chosen = self.members[
            np.minimum(self.first[hour] + (u * count).astype(np.int64), len(self.members) - 1)
        ]
        fallback = self.group[(u * len(self.group)).astype(np.int64)]
        return np.where(count > 0, chosen, fallback)
