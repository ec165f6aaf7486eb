"""Planted misconduct and decoys, the complaints and declared associations they lean on."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from custodes.synth.config import SynthConfig
from custodes.synth.incidents import PERSON_ROLES, STAFF_ROLES, Incidents
from custodes.synth.lookups import ACTIONS, SYSTEMS, EventBuffer
from custodes.synth.organisation import Organisation
from custodes.synth.population import F, Population
from custodes.synth.rota import Rota

__all__ = ["Planted", "plant"]

HOUR, DAY = 3600, 86_400
ASSOCIATION_KINDS = ("family", "partner", "former-partner", "friend", "notifiable-association")


@dataclass
class Planted:
    """What was planted: the truth, and the complaints and associations the extract holds."""

    truth: list[tuple[int, str]] = field(default_factory=list)
    complaint_subject: list[int] = field(default_factory=list)
    complaint_person: list[int] = field(default_factory=list)
    complaint_received: list[int] = field(default_factory=list)
    association_user: list[int] = field(default_factory=list)
    association_person: list[int] = field(default_factory=list)
    association_kind: list[int] = field(default_factory=list)
    association_declared: list[int] = field(default_factory=list)  # days since the epoch


@dataclass
class _World:
    """Everything planting reads, in one place."""

    config: SynthConfig
    org: Organisation
    rota: Rota
    pop: Population
    inc: Incidents
    rng: np.random.Generator
    buf: EventBuffer
    planted: Planted

    @property
    def days(self) -> int:
        return self.config.days

    def visits(self, user: int, n: int, first_day: int, off_share: float) -> np.ndarray:
        """Return `n` times from `first_day` on, `off_share` of them in the user's time off."""
        days = np.arange(max(first_day, 0), self.days)
        if len(days) == 0 or n <= 0:
            return np.empty(0, dtype=np.int64)
        on = self.rota.on[user, days]
        off_days, on_days = days[~on], days[on]
        n_off = int(self.rng.binomial(n, off_share)) if len(off_days) else 0
        if len(on_days) == 0:
            n_off = n
        d_off = self.rng.choice(off_days, size=n_off) if n_off else np.empty(0, np.int64)
        # Time off: the evening of a rest day, when no shift of theirs is running.
        t_off = d_off * DAY + self.rng.integers(17 * HOUR, 24 * HOUR - 60, size=n_off)
        d_on = self.rng.choice(on_days, size=n - n_off) if n - n_off else np.empty(0, np.int64)
        t_on = self.rota.shift_time(
            np.full(len(d_on), user), d_on.astype(np.int64), self.rng.random(len(d_on))
        )
        return np.sort(np.concatenate([t_off, t_on]).astype(np.int64))

    def look_up(
        self,
        user: int,
        people: np.ndarray,
        ts: np.ndarray,
        systems: tuple[str, ...],
        action_mix: tuple[float, ...] = (0.45, 0.45, 0.08, 0.02, 0.0),
    ) -> None:
        """Add look-ups of `people` by `user` at `ts` in the given systems."""
        n = len(ts)
        system = np.array([SYSTEMS.index(s) for s in systems])[
            self.rng.integers(0, len(systems), n)
        ]
        p = np.array(action_mix)
        action = self.rng.choice(len(ACTIONS), size=n, p=p / p.sum())
        none = np.full(n, -1)
        self.buf.add(ts, np.full(n, user), people, none, system, action)

    def attended(self, user: int, min_gap_days: int) -> list[tuple[int, int]]:
        """Return (assignment row, person row) pairs of vulnerable women the user attended."""
        inc, pop = self.inc, self.pop
        rows = np.flatnonzero(
            (inc.staff_user == user)
            & (inc.staff_role == STAFF_ROLES.index("attending"))
            & (inc.assigned_to >= 0)
            & (inc.assigned_to // DAY + min_gap_days < self.days - 10)
        )
        out = []
        for row in rows:
            i = inc.staff_incident[row]
            lo = np.searchsorted(inc.person_incident, i, side="left")
            hi = np.searchsorted(inc.person_incident, i, side="right")
            for prow in range(lo, hi):
                person = inc.person[prow]
                role = PERSON_ROLES[inc.person_role[prow]]
                if role in ("victim", "other") and pop.sex[person] == F and self.vulnerable[person]:
                    out.append((int(row), int(prow)))
        return out

    @property
    def vulnerable(self) -> np.ndarray:
        if not hasattr(self, "_vulnerable"):
            mask = np.zeros(self.pop.size, dtype=bool)
            mask[self.pop.marker_person] = True
            self._vulnerable = mask
        return self._vulnerable

    def intensity(self, low: int, high: int) -> int:
        """Return a count between low and high scaled by the configured intensity."""
        return max(2, round(self.config.intensity * self.rng.integers(low, high + 1)))


def plant(
    config: SynthConfig,
    org: Organisation,
    rota: Rota,
    pop: Population,
    inc: Incidents,
    rng: np.random.Generator,
    buf: EventBuffer,
) -> Planted:
    """Plant misconduct and decoys, and add ordinary complaints and declarations."""
    world = _World(config, org, rota, pop, inc, rng, buf, Planted())
    _ordinary_complaints(world)
    _ordinary_associations(world)

    frontline = org.in_departments("response", "neighbourhood", "cid", "public-protection")
    frontline = frontline[(org.role[frontline] != "staff") & ~org.supervisor[frontline]]
    order = rng.permutation(frontline)
    taken: set[int] = set()

    def candidates() -> list[int]:
        return [int(u) for u in order if int(u) not in taken]

    n_bad = config.planted_count(config.prevalence)
    for pattern, plant_one in (
        ("post-contact", _post_contact),
        ("trawling", _trawling),
        ("complainant", _complainant),
        ("former-partner", _former_partner),
    ):
        made = 0
        for user in candidates():
            if made == n_bad:
                break
            if plant_one(world, user):
                taken.add(user)
                world.planted.truth.append((user, pattern))
                made += 1

    n_decoy = config.planted_count(config.decoys)
    analysts = org.in_departments("intelligence")
    sergeants = org.in_departments("response")[org.supervisor[org.in_departments("response")]]
    for pattern, pool, plant_one in (
        ("decoy-analyst", analysts, _decoy_analyst),
        ("decoy-supervisor", sergeants, _decoy_supervisor),
        ("decoy-relative", frontline, _decoy_relative),
    ):
        made = 0
        for user in rng.permutation(pool):
            if made == n_decoy:
                break
            if int(user) not in taken and plant_one(world, int(user)):
                taken.add(int(user))
                world.planted.truth.append((int(user), pattern))
                made += 1
    return world.planted


def _post_contact(w: _World, user: int) -> bool:
    """Keep looking up a vulnerable woman met on a job, long after one's part in it ended."""
    met = w.attended(user, min_gap_days=14)
    if not met:
        return False
    row, prow = met[int(w.rng.integers(0, len(met)))]
    person = w.inc.person[prow]
    first_day = int(w.inc.assigned_to[row] // DAY) + 14
    ts = w.visits(user, w.intensity(8, 18), first_day, off_share=0.6)
    w.look_up(user, np.full(len(ts), person), ts, ("PNC", "PND", "RMS"))
    return len(ts) > 0


def _trawling(w: _World, user: int) -> bool:
    """Search many vulnerable young women with no work reason."""
    n = w.intensity(25, 50)
    vulnerable = w.pop.draw("vulnerable-young-woman", n * 2, w.rng)
    anyone = w.pop.draw("young-woman", n, w.rng)
    people = np.unique(np.concatenate([vulnerable[: int(n * 0.7)], anyone[: n - int(n * 0.7)]]))
    ts = w.visits(user, len(people), 0, off_share=0.4)
    w.look_up(user, w.rng.permutation(people), ts, ("PNC", "PND", "INTEL"), (0.6, 0.35, 0.05, 0, 0))
    return True


def _complainant(w: _World, user: int) -> bool:
    """Look up the member of the public who complained about one."""
    rows = np.flatnonzero(
        (w.inc.staff_user == user)
        & (w.inc.staff_role == STAFF_ROLES.index("attending"))
        & (w.inc.assigned_to >= 0)
        & (w.inc.assigned_to < (w.days - 30) * DAY)
    )
    if len(rows) == 0:
        return False
    row = int(rows[w.rng.integers(0, len(rows))])
    i = w.inc.staff_incident[row]
    lo = np.searchsorted(w.inc.person_incident, i, side="left")
    hi = np.searchsorted(w.inc.person_incident, i, side="right")
    if hi == lo:
        return False
    person = int(w.inc.person[w.rng.integers(lo, hi)])
    received = int(w.inc.assigned_to[row]) + int(w.rng.integers(2, 10)) * DAY
    w.planted.complaint_subject.append(user)
    w.planted.complaint_person.append(person)
    w.planted.complaint_received.append(received)
    first_day = max(received // DAY + 1, int(w.inc.assigned_to[row] // DAY) + 14)
    ts = w.visits(user, w.intensity(4, 10), first_day, off_share=0.5)
    w.look_up(user, np.full(len(ts), person), ts, ("PNC", "PND", "RMS"))
    return len(ts) > 0


def _former_partner(w: _World, user: int) -> bool:
    """Keep looking up a former partner, undeclared, mostly from home time."""
    pool = "domestic-abuse-victim" if w.rng.random() < 0.5 else "adult"
    person = int(w.pop.draw(pool, 1, w.rng)[0])
    ts = w.visits(user, w.intensity(8, 18), 0, off_share=0.7)
    w.look_up(user, np.full(len(ts), person), ts, ("PNC", "PND", "RMS"))
    return True


def _decoy_analyst(w: _World, user: int) -> bool:
    """An analyst researching abuse victims for risk meetings: broad, heavy and legitimate."""
    n = int(w.rng.integers(150, 300))
    people = np.concatenate(
        [
            w.pop.draw("domestic-abuse-victim", n // 2, w.rng),
            w.pop.draw("vulnerable-young-woman", n - n // 2, w.rng),
        ]
    )
    ts = w.visits(user, n, 0, off_share=0.0)
    w.look_up(user, people, ts, ("INTEL", "PND"), (0.5, 0.5, 0, 0, 0))
    return True


def _decoy_supervisor(w: _World, user: int) -> bool:
    """A sergeant reading the people in the team's jobs without being assigned to them."""
    inc, org = w.inc, w.org
    team_rows = np.flatnonzero(
        (inc.staff_role == STAFF_ROLES.index("attending"))
        & (org.line_manager[inc.staff_user] == user)
    )
    if len(team_rows) == 0:
        return False
    rows = w.rng.choice(
        team_rows, size=min(len(team_rows), int(w.rng.integers(20, 40))), replace=False
    )
    for row in rows:
        i = inc.staff_incident[row]
        lo = np.searchsorted(inc.person_incident, i, side="left")
        hi = np.searchsorted(inc.person_incident, i, side="right")
        people = inc.person[lo:hi]
        day = min(int(inc.assigned_from[row] // DAY) + int(w.rng.integers(0, 3)), w.days - 1)
        on_day = int(w.rota.next_on[user, day])
        if on_day < 0 or len(people) == 0:
            continue
        ts = w.rota.shift_time(
            np.full(len(people), user), np.full(len(people), on_day), w.rng.random(len(people))
        )
        w.look_up(user, people, ts, ("RMS", "PND"), (0.3, 0.7, 0, 0, 0))
    return True


def _decoy_relative(w: _World, user: int) -> bool:
    """Look up a declared relative, off duty, now and then."""
    person = int(w.pop.draw("adult", 1, w.rng)[0])
    w.planted.association_user.append(user)
    w.planted.association_person.append(person)
    w.planted.association_kind.append(ASSOCIATION_KINDS.index("family"))
    w.planted.association_declared.append(w.config.start_ts // DAY - int(w.rng.integers(60, 900)))
    ts = w.visits(user, int(w.rng.integers(6, 15)), 0, off_share=0.6)
    w.look_up(user, np.full(len(ts), person), ts, ("PNC", "PND"))
    return True


def _ordinary_complaints(w: _World) -> None:
    """Complaints from people officers dealt with, with no look-ups after them."""
    inc = w.inc
    n = round(w.org.size * 0.08 * w.days / 90)
    rows = np.flatnonzero(inc.staff_role == STAFF_ROLES.index("attending"))
    for row in w.rng.choice(rows, size=min(n, len(rows)), replace=False):
        i = inc.staff_incident[row]
        lo = np.searchsorted(inc.person_incident, i, side="left")
        hi = np.searchsorted(inc.person_incident, i, side="right")
        received = int(inc.assigned_from[row]) + int(w.rng.integers(1, 20)) * DAY
        if hi == lo or received >= w.days * DAY:
            continue
        w.planted.complaint_subject.append(int(inc.staff_user[row]))
        w.planted.complaint_person.append(int(inc.person[w.rng.integers(lo, hi)]))
        w.planted.complaint_received.append(received)


def _ordinary_associations(w: _World) -> None:
    """Declarations of family, partners and friends that lead to no look-ups."""
    declaring = w.rng.choice(w.org.size, size=round(w.org.size * 0.04), replace=False)
    for user in declaring:
        w.planted.association_user.append(int(user))
        w.planted.association_person.append(int(w.pop.draw("adult", 1, w.rng)[0]))
        w.planted.association_kind.append(int(w.rng.integers(0, len(ASSOCIATION_KINDS))))
        w.planted.association_declared.append(
            w.config.start_ts // DAY - int(w.rng.integers(30, 2000))
        )
