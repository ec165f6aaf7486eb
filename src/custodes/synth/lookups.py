"""Look-ups that follow the work: people in one's incidents, team reviews and broad searches."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from custodes.synth.incidents import STAFF_ROLES, Incidents
from custodes.synth.organisation import Organisation
from custodes.synth.population import Population
from custodes.synth.rota import Rota

__all__ = ["ACTIONS", "SYSTEMS", "EventBuffer", "broad_lookups", "work_lookups"]

HOUR, DAY = 3600, 86_400
SYSTEMS = ("PNC", "PND", "RMS", "CAD", "INTEL")
ACTIONS = ("search", "view", "print", "export", "update")

# Per assignment role: look-ups of each person in the incident, and of the incident record.
_PERSON_RATE = {
    "attending": 3.0,
    "investigating": 5.0,
    "supervising": 1.2,
    "call-handling": 1.0,
    "reviewing": 1.5,
}
_INCIDENT_RATE = {
    "attending": 2.0,
    "investigating": 4.0,
    "supervising": 1.5,
    "call-handling": 1.5,
    "reviewing": 2.0,
}
# Per assignment role: the share of look-ups in each of SYSTEMS.
_SYSTEM_MIX = {
    "attending": (0.5, 0.15, 0.35, 0.0, 0.0),
    "investigating": (0.15, 0.25, 0.45, 0.0, 0.15),
    "supervising": (0.0, 0.2, 0.8, 0.0, 0.0),
    "call-handling": (0.4, 0.0, 0.0, 0.6, 0.0),
    "reviewing": (0.0, 0.2, 0.8, 0.0, 0.0),
}
_ACTION_MIX = (0.45, 0.44, 0.015, 0.005, 0.09)
# Per broad-access department: searches a shift, and where the people searched come from.
_BROAD = {
    "intelligence": (
        20.0,
        (("offender", 0.4), ("domestic-abuse-victim", 0.2), ("anyone", 0.4)),
        (0.2, 0.3, 0.0, 0.0, 0.5),
    ),
    "control-room": (6.0, (("anyone", 1.0),), (0.5, 0.0, 0.0, 0.5, 0.0)),
    "psd": (4.0, (("staff", 0.5), ("anyone", 0.5)), (0.0, 0.5, 0.5, 0.0, 0.0)),
    "data-quality": (15.0, (("anyone", 1.0),), (0.0, 0.4, 0.6, 0.0, 0.0)),
}
WRONG_PERSON = 0.01  # a look-up of someone with a similar name, corrected at once
COVER = 0.02  # a team colleague working an incident they were not assigned to


@dataclass
class EventBuffer:
    """Collect look-ups in parts and join them once at the end."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(
        self,
        ts: np.ndarray,
        user: np.ndarray,
        person: np.ndarray,
        incident: np.ndarray,
        system: np.ndarray,
        action: np.ndarray,
        reason: np.ndarray | None = None,
    ) -> None:
        """Add look-ups given as parallel arrays (-1 means none)."""
        n = len(ts)
        self.parts.append(
            {
                "ts": ts.astype(np.int64),
                "user": user.astype(np.int32),
                "person": person.astype(np.int32),
                "incident": incident.astype(np.int32),
                "system": system.astype(np.int8),
                "action": action.astype(np.int8),
                "reason": (np.full(n, -1) if reason is None else reason).astype(np.int32),
            }
        )

    def joined(self) -> dict[str, np.ndarray]:
        """Return every look-up in time order (then by user, then as added)."""
        out = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}
        order = np.lexsort((out["user"], out["ts"]))
        return {k: v[order] for k, v in out.items()}


def _mix(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one index per row from each row's own probabilities."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(len(probabilities))[:, None] * cumulative[:, -1:]
    return (u >= cumulative).sum(axis=1).astype(np.int8)


def actions(n: int, rng: np.random.Generator, mix: tuple[float, ...] = _ACTION_MIX) -> np.ndarray:
    """Draw `n` actions from a mix of search, view, print, export and update."""
    p = np.array(mix)
    return rng.choice(len(ACTIONS), size=n, p=p / p.sum()).astype(np.int8)


def work_lookups(
    inc: Incidents,
    org: Organisation,
    rota: Rota,
    pop: Population,
    horizon: int,
    rng: np.random.Generator,
    buf: EventBuffer,
) -> None:
    """Add the look-ups staff make of the people and records of incidents they work on."""
    role_names = np.array(STAFF_ROLES)
    person_rate = np.array([_PERSON_RATE[r] for r in STAFF_ROLES])
    record_rate = np.array([_INCIDENT_RATE[r] for r in STAFF_ROLES])

    # Every (assignment, person in that incident) pair, then a Poisson count of look-ups each.
    first = np.searchsorted(inc.person_incident, inc.staff_incident, side="left")
    count = np.searchsorted(inc.person_incident, inc.staff_incident, side="right") - first
    assignment = np.repeat(np.arange(len(inc.staff_incident)), count)
    within = np.arange(len(assignment)) - np.repeat(np.cumsum(count) - count, count)
    person_row = np.repeat(first, count) + within
    k = rng.poisson(person_rate[inc.staff_role[assignment]])
    a_person = np.repeat(assignment, k)
    person = inc.person[np.repeat(person_row, k)]

    k_rec = rng.poisson(record_rate[inc.staff_role])
    a_record = np.repeat(np.arange(len(inc.staff_incident)), k_rec)
    a = np.concatenate([a_person, a_record])
    person = np.concatenate([person, np.full(len(a_record), -1, dtype=np.int32)])

    ts, keep = _work_times(inc, rota, a, horizon, rng)
    a, person, ts = a[keep], person[keep], ts[keep]
    role = inc.staff_role[a]
    user = inc.staff_user[a].copy()
    incident = inc.staff_incident[a]

    # Noise: a similar-named stranger opened by mistake; a colleague covering the job.
    wrong = (person >= 0) & (rng.random(len(a)) < WRONG_PERSON)
    person[wrong] = pop.draw("anyone", int(wrong.sum()), rng)
    cover = (role == STAFF_ROLES.index("attending")) & (rng.random(len(a)) < COVER)
    mate = org.teammate(user[cover], rng)
    user[cover] = np.where(mate >= 0, mate, user[cover])

    mix = np.array([_SYSTEM_MIX[r] for r in role_names.tolist()])
    system = _mix(mix[role], rng)
    action = actions(len(a), rng)
    # The PNC asks for a reason; most users give the incident they are working on.
    reason = np.where((system == 0) & (rng.random(len(a)) < 0.6), incident, -1)
    incident = np.where(person >= 0, -1, incident)
    buf.add(ts, user, person, incident, system, action, reason)


def _work_times(
    inc: Incidents, rota: Rota, a: np.ndarray, horizon: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Time each look-up within its assignment, on the user's shifts where the work allows."""
    days = rota.on.shape[1]
    role = inc.staff_role[a]
    start = inc.assigned_from[a]
    end = inc.assignment_end(horizon)[a]
    user = inc.staff_user[a]
    u = rng.random(len(a))

    # At the scene and on the call: during the job, or just after for the paperwork.
    quick_end = np.where(inc.assigned_to[a] >= 0, inc.assigned_to[a], start + 8 * HOUR)
    scene = start - 600 + (u * (quick_end + HOUR - start + 600)).astype(np.int64)
    call = start + (u * (quick_end - start)).astype(np.int64)

    # Investigating, supervising and reviewing: days into the job, always on a shift.
    scale = np.where(role == STAFF_ROLES.index("investigating"), 4.0, 1.0)
    span = (end - start) // DAY + 2
    offset = np.minimum(rng.exponential(scale).astype(np.int64), span)
    day = np.minimum(start // DAY + offset, days - 1)
    on_day = rota.next_on[user, day]
    found = on_day >= 0
    desk = rota.shift_time(user, np.where(found, on_day, 0), rng.random(len(a)))
    desk = np.where(desk < start, start + (u * 2 * HOUR).astype(np.int64), desk)
    desk_ok = found & (desk <= end + 3 * DAY)

    attending = role == STAFF_ROLES.index("attending")
    calling = role == STAFF_ROLES.index("call-handling")
    ts = np.where(attending, scene, np.where(calling, call, desk))
    keep = np.where(attending | calling, True, desk_ok) & (ts >= 0) & (ts < horizon)
    return ts, keep


def broad_lookups(
    org: Organisation, rota: Rota, pop: Population, rng: np.random.Generator, buf: EventBuffer
) -> None:
    """Add the wide searching of analysts, the control room, PSD and data quality."""
    staff_people = np.arange(pop.public, pop.size, dtype=np.int32)
    for name, (rate, sources, system_mix) in _BROAD.items():
        group = org.in_departments(name)
        member, day = np.nonzero(rota.on[group])
        k = rng.poisson(rate, size=len(member))
        user = group[np.repeat(member, k)]
        day = np.repeat(day, k)
        ts = rota.shift_time(user, day, rng.random(len(user)))
        source = rng.choice(len(sources), size=len(user), p=[p for _, p in sources])
        person = np.empty(len(user), dtype=np.int32)
        for i, (pool, _) in enumerate(sources):
            at = source == i
            if pool == "staff":
                person[at] = staff_people[rng.integers(0, len(staff_people), int(at.sum()))]
            else:
                person[at] = pop.draw(pool, int(at.sum()), rng)
        p = np.array(system_mix)
        system = rng.choice(len(SYSTEMS), size=len(user), p=p / p.sum()).astype(np.int8)
        none = np.full(len(user), -1, dtype=np.int32)
        buf.add(ts, user, person, none, system, actions(len(user), rng))
