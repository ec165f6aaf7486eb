"""People held on force systems: ages, sex, vulnerability markers and who keeps coming back."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from custodes.synth.write import NO_DATE

__all__ = ["MARKERS", "SEXES", "Population", "build_population"]

SEXES = ("F", "M", "X", "")
MARKERS = (
    "domestic-abuse-victim",
    "sexual-offence-victim",
    "missing-person",
    "mental-health",
    "substance-misuse",
    "sex-worker",
    "child-at-risk",
    "modern-slavery-victim",
)
F, M = 0, 1

# (marker, sex or -1 for any, lowest age, highest age, probability)
_MARKER_RATES = (
    ("domestic-abuse-victim", F, 18, 60, 0.07),
    ("domestic-abuse-victim", M, 18, 60, 0.015),
    ("sexual-offence-victim", F, 13, 40, 0.03),
    ("sexual-offence-victim", -1, 10, 70, 0.004),
    ("missing-person", -1, 12, 17, 0.08),
    ("missing-person", -1, 18, 90, 0.01),
    ("mental-health", -1, 16, 90, 0.05),
    ("substance-misuse", M, 18, 60, 0.05),
    ("substance-misuse", F, 18, 60, 0.03),
    ("sex-worker", F, 18, 40, 0.006),
    ("child-at-risk", -1, 0, 17, 0.12),
    ("modern-slavery-victim", -1, 18, 45, 0.003),
)


@dataclass
class Population:
    """Everyone on the systems as parallel arrays; staff come last, one person each."""

    age: np.ndarray  # float years at the start of the period
    birth_day: np.ndarray  # int32 days since the epoch; NO_DATE when not recorded
    sex: np.ndarray  # int8 index into SEXES
    staff_user: np.ndarray  # int32 staff number, -1 for the public
    public: int  # persons 0..public-1 are members of the public
    marker_person: np.ndarray
    marker_kind: np.ndarray  # int8 index into MARKERS
    marker_from: np.ndarray  # int32 days since the epoch, NO_DATE when not recorded
    marker_to: np.ndarray  # int32 days since the epoch, NO_DATE while current
    pools: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Return the number of persons."""
        return len(self.age)

    def draw(self, pool: str, k: int, rng: np.random.Generator) -> np.ndarray:
        """Draw `k` persons from a pool, the frequently involved more often."""
        members, cumulative = self.pools[pool]
        picks = np.searchsorted(cumulative, rng.random(k) * cumulative[-1], side="right")
        return members[np.minimum(picks, len(members) - 1)]

    def has_marker(self, kind: str) -> np.ndarray:
        """Return a mask of persons carrying `kind` at any time."""
        mask = np.zeros(self.size, dtype=bool)
        mask[self.marker_person[self.marker_kind == MARKERS.index(kind)]] = True
        return mask


def build_population(
    n_public: int, n_staff: int, start_day: int, rng: np.random.Generator
) -> Population:
    """Make `n_public` members of the public and one person record for each member of staff."""
    band = rng.choice(5, size=n_public, p=[0.18, 0.27, 0.27, 0.2, 0.08])
    low = np.array([0, 18, 31, 46, 66])[band]
    high = np.array([18, 31, 46, 66, 95])[band]
    age_public = low + rng.random(n_public) * (high - low)
    sex_public = rng.choice(4, size=n_public, p=[0.485, 0.495, 0.005, 0.015]).astype(np.int8)
    age_staff = 20 + rng.random(n_staff) * 40
    sex_staff = rng.choice(2, size=n_staff, p=[0.4, 0.6]).astype(np.int8)

    age = np.concatenate([age_public, age_staff])
    sex = np.concatenate([sex_public, sex_staff])
    birth_day = (start_day - age * 365.25).astype(np.int32)
    birth_day[:n_public][rng.random(n_public) < 0.02] = NO_DATE
    staff_user = np.concatenate(
        [np.full(n_public, -1, dtype=np.int32), np.arange(n_staff, dtype=np.int32)]
    )

    people, kinds = [], []
    for marker, who, lo, hi, p in _MARKER_RATES:
        eligible = (age_public >= lo) & (age_public < hi + 1)
        if who >= 0:
            eligible &= sex_public == who
        chosen = np.flatnonzero(eligible & (rng.random(n_public) < p))
        people.append(chosen)
        kinds.append(np.full(len(chosen), MARKERS.index(marker), dtype=np.int8))
    marker_person = np.concatenate(people).astype(np.int32)
    marker_kind = np.concatenate(kinds)
    order = np.lexsort((marker_kind, marker_person))
    marker_person, marker_kind = marker_person[order], marker_kind[order]
    # The same marker may be drawn twice for one person through two rates: keep one.
    keep = np.ones(len(marker_person), dtype=bool)
    keep[1:] = (marker_person[1:] != marker_person[:-1]) | (marker_kind[1:] != marker_kind[:-1])
    marker_person, marker_kind = marker_person[keep], marker_kind[keep]
    m = len(marker_person)
    marker_from = (start_day - rng.integers(30, 3 * 365, size=m)).astype(np.int32)
    marker_from[rng.random(m) < 0.05] = NO_DATE
    # About one marker in ten had lapsed before the period began.
    marker_to = np.where(
        rng.random(m) < 0.1, start_day - rng.integers(1, 25, size=m), NO_DATE
    ).astype(np.int32)

    population = Population(
        age=age,
        birth_day=birth_day,
        sex=sex,
        staff_user=staff_user,
        public=n_public,
        marker_person=marker_person,
        marker_kind=marker_kind,
        marker_from=marker_from,
        marker_to=marker_to,
    )
    _add_pools(population, rng)
    return population


def _add_pools(pop: Population, rng: np.random.Generator) -> None:
    """Group the public into the pools incidents draw their people from."""
    n = pop.public
    # A few people come to police attention again and again.
    weight = rng.lognormal(0.0, 1.0, size=n)
    age, sex = pop.age[:n], pop.sex[:n]
    adult = age >= 18
    offender = adult & (age < 56) & (rng.random(n) < np.where(sex == M, 0.14, 0.04))
    weight = np.where(offender, weight * 3, weight)

    def pool(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        members = np.flatnonzero(mask[:n])
        if len(members) == 0:  # a tiny force may lack a group: fall back to everyone
            members = np.arange(n)
        return members, np.cumsum(weight[members])

    pop.pools = {
        "anyone": pool(np.ones(n, dtype=bool)),
        "adult": pool(adult),
        "offender": pool(offender),
        "domestic-abuse-victim": pool(pop.has_marker("domestic-abuse-victim")),
        "sexual-offence-victim": pool(pop.has_marker("sexual-offence-victim")),
        "missing-person": pool(pop.has_marker("missing-person")),
        "mental-health": pool(pop.has_marker("mental-health")),
        "child-at-risk": pool(pop.has_marker("child-at-risk")),
        "young-woman": pool((sex == F) & (age >= 16) & (age < 36)),
        "vulnerable-young-woman": pool(
            (sex == F)
            & (age >= 16)
            & (age < 36)
            & (
                pop.has_marker("domestic-abuse-victim")
                | pop.has_marker("sexual-offence-victim")
                | pop.has_marker("sex-worker")
                | pop.has_marker("missing-person")
                | pop.has_marker("mental-health")
            )[:n]
        ),
    }
