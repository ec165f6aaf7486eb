"""A synthetic police department's officer histories with known risk, deterministic by seed.

Early intervention is judged on it where the truth is known: each officer carries a latent
risk (a small share turn high-risk, some only mid-career), and allegations arrive as a
process whose rate is that risk times the exposure of the officer's unit and rank. Busy units
draw complaints from everyone, so a plain count is fooled by exposure; sex and race never
drive risk, but they shape who is posted to the busy units, so fairness reports have
something to measure. Written in the officer-history format (spec/officer-history.md) by
`custodes.caserules.write_history`.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custodes.caserules import CATEGORY_GROUPS, write_history

__all__ = ["HistoryTruth", "generate_history"]

AGENCY = "synthetic-pd"
RACES = ("white", "hispanic", "black", "asian", "other")
# A big US city department's mix, roughly (NYPD's uniformed staff in the 2010s).
_RACE_SHARES = (0.46, 0.28, 0.15, 0.09, 0.02)
SEXES = ("M", "F", "X", "")
_SEX_SHARES = (0.805, 0.17, 0.005, 0.02)
RANKS = ("police-officer", "detective", "sergeant", "lieutenant", "captain")
# Complaints each rank draws, against a police officer's: supervisors meet the public less.
_RANK_EXPOSURE = np.array([1.0, 0.7, 0.6, 0.35, 0.2])
# Rank by years of service at the last day served: (below years, shares of RANKS).
_RANK_BY_TENURE = (
    (3, (0.97, 0.03, 0.0, 0.0, 0.0)),
    (8, (0.78, 0.12, 0.09, 0.01, 0.0)),
    (15, (0.55, 0.2, 0.18, 0.06, 0.01)),
    (99, (0.4, 0.22, 0.22, 0.12, 0.04)),
)
# Unit kinds: (name, share of units, exposure's median, exposure's spread (log), size weight).
_UNIT_KINDS = (
    ("precinct", 0.45, 1.6, 0.45, 3.0),
    ("transit-district", 0.08, 1.4, 0.3, 1.5),
    ("housing-psa", 0.08, 1.8, 0.3, 1.5),
    ("detective-squad", 0.15, 0.6, 0.3, 0.5),
    ("specialist-unit", 0.16, 0.35, 0.4, 0.25),
    ("headquarters", 0.08, 0.12, 0.3, 0.8),
)
# The officer-history format's category groups (caserules' CATEGORY_GROUPS) in the order the
# shares below follow: draws are indices into it, so a seed gives the same history only while
# this order stays.
_GROUPS = (
    "force",
    "abuse-of-authority",
    "discourtesy",
    "discrimination",
    "dishonesty",
    "domestic-abuse",
    "sexual",
    "other",
)
if sorted(_GROUPS) != sorted(CATEGORY_GROUPS):
    raise AssertionError(
        f"custodes.synth.histories draws {sorted(_GROUPS)}, the officer-history format "
        f"has {sorted(CATEGORY_GROUPS)}"
    )
# Shares of allegation groups: every officer's, and a high-risk officer's once risk began.
_GROUP_SHARES = np.array([0.29, 0.36, 0.2, 0.03, 0.04, 0.01, 0.003, 0.067])
_GROUP_SHARES_HIGH = np.array([0.3, 0.3, 0.14, 0.03, 0.09, 0.03, 0.07, 0.04])
_CATEGORIES = {
    "force": ("Physical force", "Chokehold", "Gun pointed", "Nightstick as club"),
    "abuse-of-authority": ("Stop", "Frisk", "Search (of person)", "Refusal to provide name"),
    "discourtesy": ("Word", "Action", "Gesture"),
    "discrimination": ("Race", "Gender", "Sexual orientation"),
    "dishonesty": ("Untruthful statement", "False official report"),
    "domestic-abuse": ("Domestic violence",),
    "sexual": (
        "Sexual misconduct (sexual harassment, verbal)",
        "Sexual/romantic proposition",
        "Sexual misconduct (sexual humiliation)",
    ),
    "other": ("Other misconduct", "Failure to provide RTKA card"),
}
FINDINGS = ("not-substantiated", "unfounded", "exonerated", "unidentified", "other")
_FINDING_SHARES = np.array([0.4, 0.17, 0.27, 0.1, 0.06])
# Outcomes of a substantiated allegation: (outcome_group, the source's own words, share).
_OUTCOMES = (
    ("none", "No penalty", 0.08),
    ("advice-or-training", "Instructions", 0.32),
    ("reprimand-or-warning", "Command discipline", 0.3),
    ("suspension", "Forfeit vacation days", 0.2),
    ("demotion", "Demoted", 0.03),
    ("dismissed", "Terminated", 0.07),
)
SOURCES = ("public", "colleague", "internal", "audit")
_SOURCE_SHARES = (0.86, 0.05, 0.07, 0.02)
# Yearly rates of custodes' own events, for everyone and for a high-risk officer once risk
# began; custodes' signals exist only in the last `_SIGNAL_YEARS` of the history.
_EVENT_RATES = {
    "access-audit-alert": (0.01, 0.3),
    "registry-match": (0.001, 0.03),
    "vetting-change": (0.03, 0.15),
    "monitored": (0.008, 0.1),
    "commendation": (0.06, 0.04),
}
_SIGNALS = ("access-audit-alert", "registry-match", "vetting-change")
_SIGNAL_YEARS = 6
_SMALLEST_UNIT = 5
_YEAR = 365.25
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class HistoryTruth:
    """What the synthetic department knows and its records do not say: each officer's latent
    risk, when it began, and their unit's exposure.

    `officers` has one row per officer: officer_ref, unit, exposure (the unit's complaints
    multiplier), rank, sex, race, appointed, left (dates; NaT while serving), high_risk,
    onset (the day a high-risk officer's risk began; NaT for the rest), risk_before and
    risk_after (the latent multiplier of the officer's complaint rate before and from onset).
    """

    officers: pd.DataFrame
    start: dt.date
    end: dt.date
    seed: int

    def risk_at(self, as_of: dt.date) -> pd.Series:
        """Return each officer's latent risk multiplier on `as_of`, by officer_ref."""
        began = self.officers["high_risk"] & (self.officers["onset"] <= pd.Timestamp(as_of))
        risk = self.officers["risk_before"].where(~began, self.officers["risk_after"])
        return pd.Series(risk.to_numpy(), index=self.officers["officer_ref"], name="risk")

    def serving_at(self, as_of: dt.date) -> set[str]:
        """Return the officers appointed by `as_of` and not yet left."""
        t = pd.Timestamp(as_of)
        o = self.officers
        serving = (o["appointed"] <= t) & (o["left"].isna() | (o["left"] > t))
        return set(o.loc[serving, "officer_ref"])

    def high_risk_at(self, as_of: dt.date) -> set[str]:
        """Return the officers serving on `as_of` whose high risk had begun by then: those a
        good ranking at `as_of` should put near the top."""
        o = self.officers
        began = o["high_risk"] & (o["onset"] <= pd.Timestamp(as_of))
        return set(o.loc[began, "officer_ref"]) & self.serving_at(as_of)


@cache
def _names(name: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Return a census name list (custodes.linkage's data) and its cumulative shares."""
    path = files("custodes").joinpath("linkage", "data", name)
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    shares = np.array([float(r["percent"]) for r in rows])
    return tuple(r["name"].title() for r in rows), np.cumsum(shares) / shares.sum()


def _draw_names(name: str, k: int, rng: np.random.Generator) -> np.ndarray:
    names, cumulative = _names(name)
    picks = np.minimum(np.searchsorted(cumulative, rng.random(k)), len(names) - 1)
    return np.array(names, dtype=object)[picks]


def _days(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _dates(days: np.ndarray, missing: np.ndarray | None = None) -> list[Any]:
    """Return days since the epoch as `date`s (None where `missing`)."""
    values = (_EPOCH + days.astype("int64")).astype(object)
    if missing is not None:
        values[missing] = None
    return list(values)


def _units(n_officers: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return the units' names, exposures and size weights: many small units, a few huge."""
    count = max(8, round(n_officers / 70))
    kinds = rng.choice(len(_UNIT_KINDS), size=count, p=[k[1] for k in _UNIT_KINDS])
    kinds[: len(_UNIT_KINDS)] = np.arange(len(_UNIT_KINDS))  # every kind at least once
    medians = np.array([k[2] for k in _UNIT_KINDS])[kinds]
    spreads = np.array([k[3] for k in _UNIT_KINDS])[kinds]
    exposure = medians * np.exp(rng.normal(0.0, spreads))
    # Heavy-tailed sizes: some units of a handful, some of thousands in a big department.
    weight = np.array([k[4] for k in _UNIT_KINDS])[kinds] * rng.lognormal(0.0, 1.5, count)
    numbers: dict[int, int] = {}
    names = []
    for kind in kinds:
        numbers[kind] = numbers.get(kind, 0) + 1
        names.append(f"{_UNIT_KINDS[kind][0]}-{numbers[kind]:03d}")
    return names, exposure, weight


def generate_history(
    out: Path,
    *,
    officers: int = 5000,
    years: int = 20,
    seed: int = 18,
    end: dt.date = dt.date(2021, 12, 31),
    fmt: str = "csv",
    high_risk_share: float = 0.06,
    complaints_per_year: float = 0.24,
) -> HistoryTruth:
    """Write a synthetic department's officer histories into folder `out` (CSV or Parquet);
    return the truth behind them.

    `officers` officers served at some time in the `years` up to `end` (about half were
    already serving when the history begins); `high_risk_share` of them turn high-risk;
    `complaints_per_year` is the rate of a police officer of ordinary risk in a unit of
    ordinary exposure. The same arguments write the same files.
    """
    if officers < 10 or years < 1:
        raise ValueError("a department needs at least 10 officers and one year")
    if not 0 <= high_risk_share <= 1 or complaints_per_year <= 0:
        raise ValueError("high_risk_share is a share (0 to 1); complaints_per_year is above 0")
    rng = np.random.default_rng(seed)
    end_day = _days(end)
    start_day = end_day - round(years * _YEAR)
    n = officers

    # -- officers --------------------------------------------------------------------------
    race = rng.choice(len(RACES), size=n, p=_RACE_SHARES)
    sex = rng.choice(len(SEXES), size=n, p=_SEX_SHARES)
    unit_names, exposure, weight = _units(n, rng)
    # Posting: the busy units take more of the officers of colour and of the men (as in
    # many US cities: newer, more diverse officers go to the busiest precincts), so sex and
    # race correlate with exposure but never with latent risk.
    lean = np.log(exposure) - np.log(exposure).mean()
    race_lean = np.array([-0.35, 0.25, 0.45, 0.0, 0.0])
    sex_lean = np.array([0.1, -0.4, 0.0, 0.0])
    unit = np.empty(n, dtype=np.int64)
    for r in range(len(RACES)):
        for s in range(len(SEXES)):
            members = np.flatnonzero((race == r) & (sex == s))
            if not len(members):
                continue
            p = weight * np.exp((race_lean[r] + sex_lean[s]) * lean)
            unit[members] = rng.choice(len(unit_names), size=len(members), p=p / p.sum())
    # The smallest units still have a handful of officers: made up from the largest.
    sizes = np.bincount(unit, minlength=len(unit_names))
    for small in np.flatnonzero(sizes < _SMALLEST_UNIT):
        largest = np.flatnonzero(unit == np.argmax(np.bincount(unit)))
        moved = rng.choice(largest, size=_SMALLEST_UNIT - sizes[small], replace=False)
        unit[moved] = small

    before = rng.random(n) < 0.5
    appointed = np.where(
        before,
        start_day - rng.integers(0, round(20 * _YEAR), n),
        start_day + rng.integers(0, end_day - start_day - 30, n),
    )
    career = rng.weibull(1.3, n) * 17 * _YEAR
    # Those serving when the history begins serve on from its start.
    left = np.where(before, start_day + rng.exponential(11 * _YEAR, n), appointed + career)
    left = np.maximum(left, appointed + 60).astype(np.int64)
    birth_year = (
        1970 + (appointed - rng.integers(21, 36, n) * _YEAR + rng.integers(0, 365, n)) / _YEAR
    ).astype(np.int64)

    # -- latent risk -----------------------------------------------------------------------
    risk_before = rng.lognormal(-0.1, 0.45, n)
    high_risk = rng.random(n) < high_risk_share
    risk_after = np.where(high_risk, risk_before * rng.lognormal(np.log(5.0), 0.35, n), risk_before)
    # Risk begins at appointment for some, mid-career for most of the rest.
    first = np.maximum(appointed, start_day - round(3 * _YEAR))
    last = np.minimum(left, end_day)
    span = np.maximum(last - first, 1)
    onset = first + np.where(rng.random(n) < 0.35, 0, rng.random(n) * span * 0.8).astype(np.int64)
    onset = np.where(high_risk, onset, np.iinfo(np.int64).max)

    # -- allegations: a Poisson process per officer, before and from onset -------------------
    tenure_years = (np.minimum(left, end_day) - appointed) / _YEAR
    rank = np.empty(n, dtype=np.int64)
    low = -1.0
    for below, shares in _RANK_BY_TENURE:
        band = np.flatnonzero((tenure_years >= low) & (tenure_years < below))
        rank[band] = rng.choice(len(RANKS), size=len(band), p=shares)
        low = below
    base = complaints_per_year * exposure[unit] * _RANK_EXPOSURE[rank]  # complaints a year
    seg_from = np.concatenate([np.maximum(appointed, start_day), np.maximum(onset, start_day)])
    seg_to = np.concatenate(
        [np.minimum(np.minimum(left, onset), end_day), np.minimum(left, end_day)]
    )
    seg_rate = np.concatenate([base * risk_before, base * risk_after])
    seg_officer = np.concatenate([np.arange(n), np.arange(n)])
    seg_high = np.concatenate([np.zeros(n, dtype=bool), np.ones(n, dtype=bool)])
    length = np.maximum(seg_to - seg_from, 0)
    counts = rng.poisson(seg_rate * length / _YEAR)
    c_officer = np.repeat(seg_officer, counts)
    c_day = np.repeat(seg_from, counts) + (
        rng.random(counts.sum()) * np.repeat(length, counts)
    ).astype(np.int64)
    c_high = np.repeat(seg_high, counts)
    order = np.lexsort((c_officer, c_day))
    c_officer, c_day, c_high = c_officer[order], c_day[order], c_high[order]
    # Each complaint holds one or more allegations against the officer.
    per = rng.geometric(0.62, len(c_day))
    a_complaint = np.repeat(np.arange(len(c_day)), per)
    a_officer, a_received, a_high = c_officer[a_complaint], c_day[a_complaint], c_high[a_complaint]
    m = len(a_officer)
    group = np.where(
        a_high,
        _choose(_GROUP_SHARES_HIGH, m, rng),
        _choose(_GROUP_SHARES, m, rng),
    )
    # Findings come late: closed 3 to 24 months after receipt; still open past the end.
    closed = a_received + rng.integers(90, 730, m)
    open_ = closed > end_day
    substantiation = np.where(a_high, 0.26, 0.07) * np.where(
        np.isin(group, [_GROUPS.index(g) for g in ("force", "discourtesy")]), 0.8, 1.2
    )
    substantiated = ~open_ & (rng.random(m) < substantiation)
    finding = np.array(FINDINGS, dtype=object)[_choose(_FINDING_SHARES, m, rng)]
    finding[substantiated] = "substantiated"
    finding[open_] = "open"
    outcome_pick = _choose(np.array([o[2] for o in _OUTCOMES]), m, rng)
    has_outcome = substantiated

    # Dismissal ends a career: the officer leaves the day the finding is known, and nothing
    # is received against them after it.
    dismissed = has_outcome & (outcome_pick == len(_OUTCOMES) - 1)
    left_reason = np.where(
        tenure_years >= 20, "retired", np.where(rng.random(n) < 0.01, "died", "resigned")
    ).astype(object)
    if dismissed.any():
        first_dismissal = pd.Series(closed[dismissed]).groupby(a_officer[dismissed]).min()
        who = first_dismissal.index.to_numpy()
        sooner = first_dismissal.to_numpy() < left[who]
        left[who[sooner]] = first_dismissal.to_numpy()[sooner]
        left_reason[who[sooner]] = "dismissed"
    # Some high-risk officers resign while a sexual or dishonesty allegation is open.
    serious = a_high & np.isin(group, [_GROUPS.index("sexual"), _GROUPS.index("dishonesty")])
    quits = serious & (finding != "substantiated") & (rng.random(m) < 0.2)
    resigned = a_received + rng.integers(30, 200, m)
    quits &= resigned < np.minimum(left[a_officer], np.minimum(closed, end_day))
    if quits.any():
        first_quit = pd.Series(resigned[quits]).groupby(a_officer[quits]).min()
        who = first_quit.index.to_numpy()
        left[who] = first_quit.to_numpy()
        left_reason[who] = "resigned"
    keep = a_received < left[a_officer]
    leaving = quits & (resigned == left[a_officer])
    finding[leaving] = "other"
    closed[leaving] = resigned[leaving]
    open_[leaving] = False
    # An investigation the officer's leaving overtook closes with no finding on its merits.
    unresolved = ~open_ & (closed > left[a_officer]) & ~leaving & ~substantiated
    finding[unresolved] = "other"

    a_officer, a_received, a_complaint = a_officer[keep], a_received[keep], a_complaint[keep]
    group, closed, open_, finding = group[keep], closed[keep], open_[keep], finding[keep]
    has_outcome, outcome_pick, leaving = has_outcome[keep], outcome_pick[keep], leaving[keep]
    m = len(a_officer)

    # -- events --------------------------------------------------------------------------
    e_officer, e_day, e_kind = _events(appointed, left, onset, high_risk, start_day, end_day, rng)

    # -- names, the years that are only years, and the rows ---------------------------------
    female = sex == SEXES.index("F")
    first_name = np.where(
        female,
        _draw_names("first_names_female.csv", n, rng),
        _draw_names("first_names_male.csv", n, rng),
    )
    last_name = _draw_names("surnames.csv", n, rng)
    # Namesakes: a few officers share both names with another (a father and son, or chance).
    twins = np.flatnonzero(rng.random(n) < 0.01)
    if len(twins):
        other = rng.integers(0, n, len(twins))
        first_name[twins], last_name[twins] = first_name[other], last_name[other]
    # Older records know only the year of appointment: kept as 1 January of the year.
    year_only = (appointed < start_day) & (rng.random(n) < 0.3)
    appointed_kept = appointed.copy()
    years_of = (_EPOCH + appointed[year_only]).astype("datetime64[Y]").astype("datetime64[D]")
    appointed_kept[year_only] = (years_of - _EPOCH).astype(np.int64)
    no_appointment = rng.random(n) < 0.03

    refs = np.array([f"OF{i:06d}" for i in range(1, n + 1)], dtype=object)
    has_left = left <= end_day
    race_text = np.array([r.title() for r in RACES], dtype=object)[race]
    race_text[rng.random(n) < 0.03] = None
    sex_text = np.array(SEXES, dtype=object)[sex]
    sex_text[sex_text == ""] = None
    birth = birth_year.astype(object)
    birth[rng.random(n) < 0.04] = None
    officer_rows = _rows(
        officer_ref=refs,
        agency=[AGENCY] * n,
        first_name=first_name,
        last_name=last_name,
        birth_year=birth,
        sex=sex_text,
        race=race_text,
        rank=np.array(RANKS, dtype=object)[rank],
        unit=np.array(unit_names, dtype=object)[unit],
        appointed_date=_dates(appointed_kept, no_appointment),
        left_date=_dates(left, ~has_left),
        left_reason=[r if gone else None for r, gone in zip(left_reason, has_left, strict=True)],
    )

    received_years = (_EPOCH + a_received).astype("datetime64[Y]").astype(np.int64) + 1970
    complaint_refs = [f"{y}{c:07d}" for y, c in zip(received_years, a_complaint, strict=True)]
    categories = _category_words(group, rng)
    outcome_group = np.array([o[0] for o in _OUTCOMES], dtype=object)[outcome_pick]
    outcome_words = np.array([o[1] for o in _OUTCOMES], dtype=object)[outcome_pick]
    outcome_group[~has_outcome] = None
    outcome_words[~has_outcome] = None
    outcome_group[leaving] = "resigned-under-investigation"
    outcome_words[leaving] = "Resigned before the investigation ended"
    allegation_rows = _rows(
        allegation_ref=[f"A{i:08d}" for i in range(1, m + 1)],
        complaint_ref=complaint_refs,
        officer_ref=refs[a_officer],
        received_date=_dates(a_received),
        incident_date=_dates(a_received - rng.exponential(12, m).astype(np.int64)),
        closed_date=_dates(closed, open_),
        source=np.array(SOURCES, dtype=object)[_choose(np.array(_SOURCE_SHARES), m, rng)],
        category=categories,
        category_group=np.array(_GROUPS, dtype=object)[group],
        finding=finding,
        outcome=outcome_words,
        outcome_group=outcome_group,
    )
    event_rows = _rows(
        officer_ref=refs[e_officer],
        date=_dates(e_day),
        kind=e_kind,
        detail=[None] * len(e_day),
    )
    write_history(out, officer_rows, allegation_rows, event_rows, fmt=fmt)

    def when(days: np.ndarray, missing: np.ndarray) -> pd.Series:
        values = pd.Series(_EPOCH + np.where(missing, 0, days).astype("int64"))
        return values.where(~missing, pd.NaT)

    truth = pd.DataFrame(
        {
            "officer_ref": refs.astype(str),
            "unit": np.array(unit_names)[unit],
            "exposure": exposure[unit],
            "rank": np.array(RANKS)[rank],
            "sex": np.array(SEXES)[sex],
            "race": np.array(RACES)[race],
            "appointed": when(appointed, np.zeros(n, dtype=bool)),
            "left": when(left, ~has_left),
            "high_risk": high_risk,
            "onset": when(np.where(high_risk, onset, 0), ~high_risk),
            "risk_before": risk_before,
            "risk_after": risk_after,
        }
    )
    return HistoryTruth(
        officers=truth, start=dt.date(1970, 1, 1) + dt.timedelta(days=start_day), end=end, seed=seed
    )


def _choose(shares: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Draw `k` indices with the given shares (vectorised inverse of the cumulative shares)."""
    cumulative = np.cumsum(shares) / shares.sum()
    return np.minimum(np.searchsorted(cumulative, rng.random(k)), len(shares) - 1)


def _category_words(group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return each allegation's category in the source's own words, one of its group's."""
    words = np.empty(len(group), dtype=object)
    pick = rng.random(len(group))
    for g, name in enumerate(_GROUPS):
        options = np.array(_CATEGORIES[name], dtype=object)
        members = group == g
        words[members] = options[(pick[members] * len(options)).astype(np.int64)]
    return words


def _events(
    appointed: np.ndarray,
    left: np.ndarray,
    onset: np.ndarray,
    high_risk: np.ndarray,
    start_day: int,
    end_day: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return events (officer, day, kind): custodes' signals, monitoring and its end, and
    commendations, each a Poisson process at a rate that rises once high risk begins."""
    n = len(appointed)
    officers, days, kinds = [], [], []
    for kind, (ordinary, high) in _EVENT_RATES.items():
        first = start_day
        if kind in _SIGNALS:
            first = max(start_day, end_day - round(_SIGNAL_YEARS * _YEAR))
        lo = np.maximum(appointed, first)
        hi = np.minimum(left, end_day)
        split = np.clip(onset, lo, hi)
        for seg_lo, seg_hi, rate in ((lo, split, ordinary), (split, hi, high)):
            rates = np.where(high_risk, rate, ordinary)
            length = np.maximum(seg_hi - seg_lo, 0)
            count = rng.poisson(rates * length / _YEAR)
            who = np.repeat(np.arange(n), count)
            when = np.repeat(seg_lo, count) + (
                rng.random(count.sum()) * np.repeat(length, count)
            ).astype(np.int64)
            officers.append(who)
            days.append(when)
            kinds.append(np.full(len(who), kind, dtype=object))
            if kind == "monitored":
                # Monitoring ends 6 to 18 months on, unless the officer left or time ran out.
                ends = when + rng.integers(180, 540, len(when))
                done = ends < np.minimum(left[who], end_day)
                officers.append(who[done])
                days.append(ends[done])
                kinds.append(np.full(int(done.sum()), "monitoring-ended", dtype=object))
    officer = np.concatenate(officers)
    day = np.concatenate(days)
    kind_of = np.concatenate(kinds)
    order = np.lexsort((officer, day))
    return officer[order], day[order], kind_of[order]


def _rows(**columns: Any) -> list[dict[str, Any]]:
    """Return columns of equal length as rows (mappings of column name to value)."""
    names = list(columns)
    values = [list(c) for c in columns.values()]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
