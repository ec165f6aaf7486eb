"""Incidents: calls, crimes, custody and tasks, with the people in them and the staff on them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custodes.synth.organisation import Organisation
from custodes.synth.population import Population
from custodes.synth.rota import OnDuty, Rota

__all__ = ["KINDS", "PERSON_ROLES", "STAFF_ROLES", "Incidents", "build_incidents"]

HOUR, DAY = 3600, 86_400

# kind: (share, typical days open, spread of that)
KINDS: dict[str, tuple[float, float, float]] = {
    "domestic-abuse": (0.14, 12.0, 1.0),
    "sexual-offence": (0.03, 70.0, 0.8),
    "concern-for-welfare": (0.10, 0.3, 0.8),
    "missing-person": (0.05, 1.0, 1.0),
    "mental-health": (0.07, 0.4, 0.8),
    "theft": (0.16, 6.0, 1.0),
    "assault": (0.10, 15.0, 1.0),
    "road-traffic": (0.08, 2.0, 1.0),
    "custody": (0.07, 1.0, 0.5),
    "warrant": (0.03, 0.5, 0.6),
    "other": (0.17, 0.1, 0.8),
}
KIND_NAMES = tuple(KINDS)
PERSON_ROLES = ("victim", "suspect", "witness", "reporter", "other")
STAFF_ROLES = ("attending", "investigating", "supervising", "call-handling", "reviewing")

# (kind, role, probability, pool): who is in an incident of each kind.
_PEOPLE = (
    ("domestic-abuse", "victim", 1.0, "domestic-abuse-victim"),
    ("domestic-abuse", "suspect", 0.95, "offender"),
    ("domestic-abuse", "witness", 0.3, "anyone"),
    ("sexual-offence", "victim", 1.0, "sexual-offence-victim"),
    ("sexual-offence", "suspect", 0.8, "offender"),
    ("sexual-offence", "witness", 0.3, "adult"),
    ("concern-for-welfare", "other", 1.0, "mental-health"),
    ("concern-for-welfare", "reporter", 0.8, "adult"),
    ("missing-person", "other", 1.0, "missing-person"),
    ("missing-person", "reporter", 0.9, "adult"),
    ("mental-health", "other", 1.0, "mental-health"),
    ("theft", "victim", 1.0, "adult"),
    ("theft", "suspect", 0.5, "offender"),
    ("theft", "witness", 0.3, "anyone"),
    ("assault", "victim", 1.0, "anyone"),
    ("assault", "suspect", 0.9, "offender"),
    ("assault", "witness", 0.5, "adult"),
    ("road-traffic", "other", 1.0, "adult"),
    ("road-traffic", "witness", 0.4, "adult"),
    ("custody", "suspect", 1.0, "offender"),
    ("warrant", "suspect", 1.0, "offender"),
    ("other", "other", 1.0, "anyone"),
    ("other", "reporter", 0.1, "adult"),
)

# Calls by hour of day: quiet before dawn, busiest in the evening.
_HOURLY = np.array(
    [
        3,
        2.5,
        2,
        1.5,
        1.2,
        1.2,
        1.5,
        2.5,
        3.5,
        4,
        4.2,
        4.4,
        4.6,
        4.8,
        5,
        5.2,
        5.6,
        6,
        6,
        6,
        5.6,
        5,
        4.4,
        3.6,
    ]
)


@dataclass(frozen=True)
class Incidents:
    """Incidents and their people and staff as parallel arrays (times: seconds after start)."""

    opened: np.ndarray  # int64
    closed: np.ndarray  # int64, -1 while open
    kind: np.ndarray  # int8 index into KIND_NAMES
    person_incident: np.ndarray  # int32
    person: np.ndarray  # int32
    person_role: np.ndarray  # int8 index into PERSON_ROLES
    staff_incident: np.ndarray  # int32
    staff_user: np.ndarray  # int32
    staff_role: np.ndarray  # int8 index into STAFF_ROLES
    assigned_from: np.ndarray  # int64
    assigned_to: np.ndarray  # int64, -1 when not recorded

    @property
    def size(self) -> int:
        """Return the number of incidents."""
        return len(self.opened)

    def assignment_end(self, horizon: int) -> np.ndarray:
        """Return when each assignment ends: its own end, the incident's close, or `horizon`."""
        closed = self.closed[self.staff_incident]
        end = np.where(self.assigned_to >= 0, self.assigned_to, closed)
        return np.where(end >= 0, end, horizon)


def build_incidents(
    org: Organisation,
    rota: Rota,
    pop: Population,
    days: int,
    per_staff_day: float,
    rng: np.random.Generator,
) -> Incidents:
    """Generate the period's incidents, who was in each, and who worked on each."""
    horizon = days * DAY
    per_day = rng.poisson(org.size * per_staff_day, size=days)
    n = int(per_day.sum())
    day = np.repeat(np.arange(days, dtype=np.int64), per_day)
    hour = rng.choice(24, size=n, p=_HOURLY / _HOURLY.sum())
    opened = day * DAY + hour * HOUR + rng.integers(0, HOUR, size=n)
    shares = np.array([s for s, _, _ in KINDS.values()])
    kind = rng.choice(len(KINDS), size=n, p=shares / shares.sum()).astype(np.int8)
    typical = np.array([t for _, t, _ in KINDS.values()])[kind]
    spread = np.array([s for _, _, s in KINDS.values()])[kind]
    open_for = (typical * DAY * rng.lognormal(0.0, spread)).astype(np.int64) + 15 * 60
    closed = opened + open_for
    closed[closed >= horizon] = -1
    order = np.argsort(opened, kind="stable")
    opened, closed, kind = opened[order], closed[order], kind[order]

    p_inc, p_person, p_role = _people(kind, pop, rng)
    s_cols = _staff(org, rota, opened, closed, kind, horizon, rng)
    return Incidents(opened, closed, kind, p_inc, p_person, p_role, *s_cols)


def _people(
    kind: np.ndarray, pop: Population, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Put victims, suspects, witnesses, reporters and others into each incident."""
    incs, people, roles = [], [], []
    for kind_name, role_name, p, pool in _PEOPLE:
        chosen = np.flatnonzero(kind == KIND_NAMES.index(kind_name))
        chosen = chosen[rng.random(len(chosen)) < p]
        incs.append(chosen.astype(np.int32))
        people.append(pop.draw(pool, len(chosen), rng).astype(np.int32))
        roles.append(np.full(len(chosen), PERSON_ROLES.index(role_name), dtype=np.int8))
    inc, person, role = np.concatenate(incs), np.concatenate(people), np.concatenate(roles)
    order = np.lexsort((role, inc))
    inc, person, role = inc[order], person[order], role[order]
    # One person holds one role in an incident (a victim drawn again as witness is dropped).
    pair = inc.astype(np.int64) * pop.size + person
    _, first = np.unique(pair, return_index=True)
    keep = np.zeros(len(inc), dtype=bool)
    keep[first] = True
    return inc[keep], person[keep], role[keep]


def _staff(
    org: Organisation,
    rota: Rota,
    opened: np.ndarray,
    closed: np.ndarray,
    kind: np.ndarray,
    horizon: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, ...]:
    """Assign call handlers, attending officers, investigators, supervisors and reviewers."""
    n = len(opened)
    k = {name: KIND_NAMES.index(name) for name in KIND_NAMES}
    rows: list[tuple[np.ndarray, np.ndarray, int, np.ndarray, np.ndarray]] = []

    def add(
        inc: np.ndarray, user: np.ndarray, role: str, start: np.ndarray, end: np.ndarray
    ) -> None:
        rows.append((inc, user, STAFF_ROLES.index(role), start, end))

    # Call handlers in the control room take every call that is not a self-generated task.
    called = np.flatnonzero(~np.isin(kind, [k["warrant"], k["other"]]))
    handlers = OnDuty.of(rota, org.in_departments("control-room"))
    t = opened[called]
    add(called, handlers.pick(t, rng), "call-handling", t, t + rng.integers(300, 2400, len(t)))

    # The first officer to attend is on shift in response or, for quieter jobs, neighbourhood.
    response = OnDuty.of(rota, org.in_departments("response"))
    hood = OnDuty.of(rota, org.in_departments("neighbourhood"))
    all_inc = np.arange(n)
    quiet = np.isin(kind, [k["concern-for-welfare"], k["other"], k["theft"]])
    use_hood = quiet & (rng.random(n) < 0.35)
    first = np.where(use_hood, hood.pick(opened, rng), response.pick(opened, rng))
    delay = np.where(kind == k["other"], 0, rng.integers(300, 3600, size=n))
    att_from = opened + delay
    att_to = att_from + rng.integers(HOUR, 6 * HOUR, size=n)
    att_to[rng.random(n) < 0.2] = -1  # not recorded: the incident's close stands in
    add(all_inc, first, "attending", att_from, att_to)

    # A second officer from the same team goes to about half the jobs.
    second_p = np.where(np.isin(kind, [k["domestic-abuse"], k["sexual-offence"]]), 0.8, 0.4)
    pair = np.flatnonzero(rng.random(n) < second_p)
    mate = org.teammate(first[pair], rng)
    pair, mate = pair[mate >= 0], mate[mate >= 0]
    add(pair, mate, "attending", att_from[pair], att_to[pair])

    # Public protection investigates abuse, sexual offences and the missing; CID the rest.
    ppu = org.in_departments("public-protection")
    cid = org.in_departments("cid")
    inv_p = np.zeros(n)
    for name, p in (
        ("domestic-abuse", 0.7),
        ("sexual-offence", 1.0),
        ("missing-person", 0.5),
        ("theft", 0.3),
        ("assault", 0.6),
        ("custody", 0.4),
    ):
        inv_p[kind == k[name]] = p
    inv = np.flatnonzero(rng.random(n) < inv_p)
    by_ppu = np.isin(kind[inv], [k["domestic-abuse"], k["sexual-offence"], k["missing-person"]])
    investigator = np.where(
        by_ppu, ppu[rng.integers(0, len(ppu), len(inv))], cid[rng.integers(0, len(cid), len(inv))]
    )
    inv_from = opened[inv] + rng.integers(2 * HOUR, 48 * HOUR, size=len(inv))
    inv_to = np.where(
        rng.random(len(inv)) < 0.6, -1, inv_from + rng.integers(7, 60, len(inv)) * DAY
    )
    inv_to = np.where(
        (inv_to >= horizon) | ((closed[inv] >= 0) & (inv_to > closed[inv])), -1, inv_to
    )
    add(inv, investigator, "investigating", inv_from, inv_to)

    # The attending officer's sergeant supervises the serious and risky jobs.
    sup_p = np.zeros(n)
    for name, p in (
        ("domestic-abuse", 1.0),
        ("sexual-offence", 1.0),
        ("missing-person", 1.0),
        ("custody", 1.0),
        ("assault", 0.5),
        ("mental-health", 0.5),
    ):
        sup_p[kind == k[name]] = p
    sup = np.flatnonzero(rng.random(n) < sup_p)
    sergeant = org.unit_supervisor[org.unit[first[sup]]]
    sup, sergeant = sup[sergeant != first[sup]], sergeant[sergeant != first[sup]]
    add(sup, sergeant, "supervising", opened[sup], np.full(len(sup), -1, dtype=np.int64))

    # Public protection reviews a share of the abuse, sexual-offence and missing cases later on.
    rev = np.flatnonzero(
        np.isin(kind, [k["domestic-abuse"], k["sexual-offence"], k["missing-person"]])
        & (rng.random(n) < 0.08)
    )
    rev_from = opened[rev] + rng.integers(3, 20, len(rev)) * DAY
    keep = rev_from < horizon
    rev, rev_from = rev[keep], rev_from[keep]
    reviewer = ppu[rng.integers(0, len(ppu), len(rev))]
    add(rev, reviewer, "reviewing", rev_from, rev_from + rng.integers(1, 5, len(rev)) * DAY)

    inc = np.concatenate([r[0] for r in rows]).astype(np.int32)
    user = np.concatenate([r[1] for r in rows]).astype(np.int32)
    role = np.concatenate([np.full(len(r[0]), r[2], dtype=np.int8) for r in rows])
    start = np.concatenate([r[3] for r in rows]).astype(np.int64)
    end = np.concatenate([r[4] for r in rows]).astype(np.int64)
    end = np.where((end >= 0) & (end >= horizon), -1, end)
    order = np.lexsort((role, inc))
    return inc[order], user[order], role[order], start[order], end[order]
