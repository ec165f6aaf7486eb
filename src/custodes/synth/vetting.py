"""The synthetic force's vetting records, with planted missed triggers and the truth beside them.

For the force of `custodes.synth` (its staff, units, line managers and the misconduct its
access audit should find) as on a day: every member of staff's clearances (recruitment vetting
for most, management vetting for designated posts, non-police personnel vetting for contractors
and the staff who run the force's systems, a few national security clearances), granted on days
spread so that some have lapsed, some fall due within 30, 60 or 90 days and some were renewed;
old records known only by the year they were granted; a decision refused or withdrawn here and
there; the annual integrity reviews held (some overdue); the posts' required levels, the
vulnerable-access posts among them (public protection, domestic abuse, child protection) and
posts reclassified after staff had moved in; moves into posts, some without the level they
require; alerts the counter-corruption unit escalated; and the changes of circumstance staff
declared (the extract's declared associations among them).

The truth (`Vetting.expected`) is every re-vetting task custodes must raise as of the day:
when a move is recorded (a move that needs re-vetting raises its task at once), and when the
sweep runs (an outcome short of dismissal or reflective practice in the caseload, an escalated
alert, a lapsed clearance, a move into a post reclassified after it, and each holder's annual
integrity review come by the day given the reviews held, one per holder). Each is marked "missed"
when its task would already be overdue (the trigger is in the records and nobody raised a task
when it happened) or "due" when it is not. The truth is worked out here from the records, with
the rules file's periods and levels (`caserules.load_vetting`), apart from the code the web app
runs, so the two can be compared.

The vetting officer the demo signs in as is a member of a professional standards team with no
planted subject anywhere near them (`Vetting.officer`), so need-to-know hides nothing planted.

No Django here: the synth library stands below the web app.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from custodes.caserules import VettingRules, load_vetting
from custodes.synth.caseload import Caseload, _build_force, _Force, _uid
from custodes.synth.config import SynthConfig
from custodes.synth.misconduct import ASSOCIATION_KINDS
from custodes.synth.organisation import DEPARTMENTS

__all__ = [
    "DECLARATION_KINDS",
    "FILES",
    "Clearance",
    "Declaration",
    "Escalation",
    "Expected",
    "Post",
    "Posting",
    "Review",
    "Vetting",
    "generate_vetting",
]

# The files `Vetting.write` makes, by what they hold.
FILES = {
    "posts": "posts.csv",
    "clearances": "clearances.csv",
    "postings": "postings.csv",
    "escalations": "escalations.csv",
    "declarations": "declarations.csv",
    "reviews": "integrity-reviews.csv",
    "truth": "vetting-truth.csv",
    "truth_json": "vetting-truth.json",
}
# Spec §7's changes of circumstance, and the notifiable associations of the force extract's
# declared_associations (`association`, with the associate's person id and kind).
DECLARATION_KINDS = (
    "name",
    "address",
    "household",
    "partner",
    "financial",
    "criminal-proceedings",
    "civil-finding",
    "named-person",
    "association",
)
_DETAILS = {
    "name": "Changed surname on marriage",
    "address": "Moved house within the force area",
    "household": "A household member over 10 joined (a partner's child)",
    "partner": "Began living with a new partner",
    "financial": "A county court judgment for an unpaid debt, since settled",
    "criminal-proceedings": "Cautioned for a public order offence off duty",
    "civil-finding": "Named in a civil finding in a landlord dispute",
    "named-person": "A sibling named on the vetting forms was charged with an offence",
    "association": "Declared an association",
}
# How a vetting unit writes a decision's reasons, by status.
_REASONS = {
    "granted": "Checks complete: references, financial and intelligence checks returned clear",
    "refused": "Refused: undisclosed adverse financial history found in the checks",
    "withdrawn": "Withdrawn after a withdrawal assessment: the harm test was met",
}
# Outcomes that end a member of staff's service, and reflective practice (its own trigger): an
# outcome step with any other outcome is misconduct short of dismissal (cases.path).
_ENDED = {"dismissal-with-notice", "dismissal-without-notice", "would-have-been-dismissed", "rprp"}
_DESIGNATED = ("psd", "intelligence")
_VULNERABLE = ("public-protection", "domestic-abuse", "child-protection")
_YEAR = 365


@dataclass(frozen=True)
class Post:
    """A unit or post's required level, as set (or changed) on a day."""

    name: str
    required_level: str
    vulnerable: str  # "" or one of public-protection, domestic-abuse, child-protection
    reason: str
    set_on: dt.date


@dataclass(frozen=True)
class Clearance:
    """One vetting decision about a member of staff at one level."""

    ref: str
    force: str
    force_user_id: str
    level: str
    status: str  # granted, refused, withdrawn
    granted_on: dt.date | None  # 1 January of the year where only the year is known
    year_only: bool
    decided_on: dt.date
    unit: str
    conditions: str
    reason: str

    @property
    def person(self) -> str:
        """Return the person's key, as custodes writes it."""
        return f"force:{self.force}:{self.force_user_id}"


@dataclass(frozen=True)
class Posting:
    """A member of staff moving into a post on a day."""

    ref: str
    force: str
    force_user_id: str
    post: str
    starts_on: dt.date

    @property
    def person(self) -> str:
        """Return the person's key, as custodes writes it."""
        return f"force:{self.force}:{self.force_user_id}"


@dataclass(frozen=True)
class Escalation:
    """An access-audit alert about a member of staff the counter-corruption unit escalated."""

    ref: str
    force: str
    force_user_id: str
    reason: str


@dataclass(frozen=True)
class Declaration:
    """A change of circumstances or an association a member of staff declared."""

    force: str
    force_user_id: str
    kind: str
    details: str
    associate_person_id: str
    associate_kind: str
    declared_on: dt.date


@dataclass(frozen=True)
class Review:
    """The last annual integrity review held on a clearance."""

    clearance: str
    held_on: dt.date


@dataclass(frozen=True)
class Expected:
    """A re-vetting task custodes must raise: by which trigger, from which record, about whom;
    when (at the move, or by the sweep), and whether it was missed (overdue on the day)."""

    trigger: str
    source: str
    person: str
    happened_on: dt.date
    due_on: dt.date
    raised: str  # "move" (when the move is recorded) or "sweep"
    why: str  # "missed" (overdue on the day), "due" (not yet), "at-move"

    @property
    def key(self) -> tuple[str, str, str]:
        """Return what identifies it, as the check compares it."""
        return (self.trigger, self.source, self.person)


@dataclass(frozen=True)
class Vetting:
    """The vetting records of one synthetic force as on `today`, and their truth."""

    config: SynthConfig
    today: dt.date
    seed: int
    officer: str  # the force user id of the demo's vetting officer
    posts: tuple[Post, ...]
    clearances: tuple[Clearance, ...]
    postings: tuple[Posting, ...]
    escalations: tuple[Escalation, ...]
    declarations: tuple[Declaration, ...]
    reviews: tuple[Review, ...]
    expected: tuple[Expected, ...]

    def counts(self) -> dict[str, Any]:
        """Return the records' make-up and the truth's, for a summary."""
        return {
            "clearances": len(self.clearances),
            "levels": dict(Counter(c.level for c in self.clearances)),
            "statuses": dict(Counter(c.status for c in self.clearances)),
            "year_only": sum(c.year_only for c in self.clearances),
            "posts": len({p.name for p in self.posts}),
            "vulnerable_posts": len({p.name for p in self.posts if p.vulnerable}),
            "reclassified": len(self.posts) - len({p.name for p in self.posts}),
            "postings": len(self.postings),
            "escalations": len(self.escalations),
            "declarations": dict(Counter(d.kind for d in self.declarations)),
            "reviews": len(self.reviews),
            "expected": dict(Counter(f"{e.trigger}:{e.why}" for e in self.expected)),
        }

    def write(self, folder: Path) -> dict[str, Path]:
        """Write the records and the truth as CSV files (and the truth as JSON); return them."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = {name: folder / file for name, file in FILES.items()}

        def day(value: dt.date | None) -> str:
            return value.isoformat() if value is not None else ""

        _csv(
            paths["posts"],
            ("name", "required_level", "vulnerable", "reason", "set_on"),
            [(p.name, p.required_level, p.vulnerable, p.reason, day(p.set_on)) for p in self.posts],
        )
        _csv(
            paths["clearances"],
            (
                "ref",
                "force",
                "force_user_id",
                "level",
                "status",
                "granted_on",
                "decided_on",
                "unit",
                "conditions",
                "reason",
            ),
            [
                (
                    c.ref,
                    c.force,
                    c.force_user_id,
                    c.level,
                    c.status,
                    str(c.granted_on.year) if c.year_only and c.granted_on else day(c.granted_on),
                    day(c.decided_on),
                    c.unit,
                    c.conditions,
                    c.reason,
                )
                for c in self.clearances
            ],
        )
        _csv(
            paths["postings"],
            ("ref", "force", "force_user_id", "post", "starts_on"),
            [(p.ref, p.force, p.force_user_id, p.post, day(p.starts_on)) for p in self.postings],
        )
        _csv(
            paths["escalations"],
            ("ref", "force", "force_user_id", "reason"),
            [(e.ref, e.force, e.force_user_id, e.reason) for e in self.escalations],
        )
        _csv(
            paths["declarations"],
            (
                "person",
                "force",
                "force_user_id",
                "kind",
                "details",
                "associate_person_id",
                "associate_kind",
                "declared_on",
            ),
            [
                (
                    f"force:{d.force}:{d.force_user_id}",
                    d.force,
                    d.force_user_id,
                    d.kind,
                    d.details,
                    d.associate_person_id,
                    d.associate_kind,
                    day(d.declared_on),
                )
                for d in self.declarations
            ],
        )
        _csv(
            paths["reviews"],
            ("clearance", "held_on"),
            [(r.clearance, day(r.held_on)) for r in self.reviews],
        )
        _csv(
            paths["truth"],
            ("trigger", "source", "person", "happened_on", "due_on", "raised", "why"),
            [
                (e.trigger, e.source, e.person, day(e.happened_on), day(e.due_on), e.raised, e.why)
                for e in self.expected
            ],
        )
        body = {
            "force": asdict(self.config),
            "today": self.today,
            "seed": self.seed,
            "officer": self.officer,
            "counts": self.counts(),
            "expected": [asdict(e) for e in self.expected],
        }
        paths["truth_json"].write_text(
            json.dumps(body, default=_json_default, indent=1) + "\n", encoding="utf-8"
        )
        return paths


def _csv(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _json_default(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# -- the force, as vetting sees it ----------------------------------------------------------


class _Staff:
    """The force's staff by number: their id, unit as vetting records it, department, role."""

    def __init__(self, force: _Force) -> None:
        org = force.org
        self.org = org
        self.force = force.config.force
        self.size = org.size
        self.department = [
            "command" if int(d) < 0 else DEPARTMENTS[int(d)].name for d in org.department
        ]
        # The control room is one unit in the force's records (hundreds of staff on shifts);
        # elsewhere a team is a unit, from the chief officer's one-person command up.
        self.unit = [
            "control-room" if dept == "control-room" else org.units[int(u)]
            for dept, u in zip(self.department, org.unit, strict=True)
        ]
        self.role = [str(r) for r in org.role]
        self.manager = [int(m) for m in org.line_manager]
        self.below: dict[int, list[int]] = {}
        for s, m in enumerate(self.manager):
            if m >= 0:
                self.below.setdefault(m, []).append(s)

    def above(self, staff: int) -> set[int]:
        """Return everyone above `staff` in the line-management chain."""
        seen: set[int] = set()
        current = self.manager[staff]
        while current >= 0 and current not in seen:
            seen.add(current)
            current = self.manager[current]
        return seen

    def under(self, staff: int) -> set[int]:
        """Return everyone `staff` manages, directly or not."""
        seen: set[int] = set()
        waiting = list(self.below.get(staff, ()))
        while waiting:
            s = waiting.pop()
            if s not in seen:
                seen.add(s)
                waiting.extend(self.below.get(s, ()))
        return seen

    def too_close(self, staff: int) -> set[int]:
        """Return everyone need-to-know keeps from `staff`: self, chain either way, unit."""
        team = int(self.org.unit[staff])
        unit = {int(s) for s in np.flatnonzero(self.org.unit == team)}
        return {staff} | self.above(staff) | self.under(staff) | unit


def _officer(staff: _Staff, avoid: set[int]) -> int:
    """Return the demo's vetting officer: a member (not the leader) of the first professional
    standards team with nobody near them among the staff a trigger is planted about."""
    org = staff.org
    for team, name in enumerate(org.units):
        if not name.startswith("psd-"):
            continue
        members = sorted(int(s) for s in np.flatnonzero(org.unit == team))
        for s in members:
            if not org.supervisor[s] and not staff.too_close(s) & avoid:
                return s
    raise ValueError("no professional standards team is clear of the planted subjects")


# -- the generator --------------------------------------------------------------------------


def generate_vetting(
    config: SynthConfig | None = None,
    *,
    today: dt.date,
    caseload: Caseload | None = None,
    seed: int = 1,
) -> Vetting:
    """Return the vetting records of the synthetic force `config` as on `today`, and the truth.

    The caseload (`generate_caseload` for the same force and day) gives the outcomes and the
    reflective practice the truth expects tasks for; without one the truth has none. The same
    arguments give the same records.
    """
    config = config or SynthConfig(staff=2000, days=90, seed=1)
    if caseload is not None and (caseload.config != config or caseload.today != today):
        raise ValueError("the caseload is of another force or day")
    force = _build_force(config)
    staff = _Staff(force)
    rules = load_vetting()
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, seed, 20]))
    subjects = set(force.audited) | {s for s, _, _ in force.complaints}
    officer = _officer(staff, subjects)
    maker = _Maker(staff, rules, rng, today, staff.too_close(officer))
    maker.posts()
    maker.clearances()
    maker.postings()
    escalations = maker.escalations(force.audited)
    declarations = maker.declarations(force)
    reviews = maker.reviews()
    clearances = tuple(sorted(maker.made, key=lambda c: (c.decided_on, c.ref)))
    posts = tuple(maker.post_rows)
    postings = tuple(sorted(maker.moves, key=lambda p: (p.starts_on, p.ref)))
    expected = _truth(rules, today, posts, clearances, postings, escalations, caseload, reviews)
    return Vetting(
        config=config,
        today=today,
        seed=seed,
        officer=_uid(officer),
        posts=posts,
        clearances=clearances,
        postings=postings,
        escalations=escalations,
        declarations=declarations,
        reviews=reviews,
        expected=expected,
    )


class _Maker:
    """Makes the records from one random stream, in a fixed order."""

    def __init__(
        self,
        staff: _Staff,
        rules: VettingRules,
        rng: np.random.Generator,
        today: dt.date,
        near_officer: set[int],
    ) -> None:
        self.staff = staff
        self.rules = rules
        self.rng = rng
        self.today = today
        # Nothing is planted near the demo's vetting officer: need-to-know would hide it.
        self.quiet = near_officer
        self.made: list[Clearance] = []
        self.post_rows: list[Post] = []
        self.moves: list[Posting] = []
        self.reclassified: list[Post] = []
        self.movers: list[int] = []

    # randomness
    def days(self, low: int, high: int) -> int:
        return int(self.rng.integers(low, high + 1))

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def ago(self, n: int) -> dt.date:
        return self.today - dt.timedelta(days=n)

    # records
    def clearance(
        self,
        staff: int,
        level: str,
        status: str = "granted",
        granted_on: dt.date | None = None,
        *,
        decided_on: dt.date | None = None,
        year_only: bool = False,
        conditions: str = "",
    ) -> Clearance:
        s = self.staff
        reason = _REASONS[status]
        if year_only and granted_on is not None:
            granted_on = dt.date(granted_on.year, 1, 1)
            reason += f" (granted in {granted_on.year}; the day is not recorded)"
        made = Clearance(
            ref=f"CL-{len(self.made) + 1:06d}",
            force=s.force,
            force_user_id=_uid(staff),
            level=level,
            status=status,
            granted_on=granted_on,
            year_only=year_only,
            decided_on=decided_on or granted_on or self.today,
            unit=s.unit[staff],
            conditions=conditions,
            reason=reason,
        )
        self.made.append(made)
        return made

    def granted_for(self, level: str, state: str) -> dt.date:
        """Return a grant day that puts a clearance at `level` in `state` on today."""
        years = self.rules.level(level).renewal_years
        due = {
            "due-30": self.today + dt.timedelta(days=self.days(1, 30)),
            "due-60": self.today + dt.timedelta(days=self.days(31, 60)),
            "due-90": self.today + dt.timedelta(days=self.days(61, 90)),
            "lapsed-lately": self.ago(self.days(0, 29)),
            "lapsed-long": self.ago(self.days(30, 3 * _YEAR)),
        }.get(state)
        if due is not None:
            return _years_before(due, years)
        return self.ago(self.days(1, years * _YEAR - 91))  # valid, not due within 90 days

    def state(self, weights: dict[str, float], staff: int) -> str:
        if staff in self.quiet:
            return "valid"
        names = list(weights)
        p = np.array([weights[n] for n in names])
        return names[int(self.rng.choice(len(names), p=p / p.sum()))]

    def held(self, staff: int, level: str, weights: dict[str, float]) -> None:
        """Record a member of staff's clearance at `level` in a state drawn from `weights`:
        valid, due within 30/60/90 days, lapsed lately or long ago, or renewed once."""
        state = self.state(weights, staff)
        if state == "renewed":
            years = self.rules.level(level).renewal_years
            old = _years_before(self.ago(self.days(60, 3 * _YEAR)), years)
            self.clearance(staff, level, granted_on=old, year_only=self.chance(0.2))
            lapse = self.rules.level(level).renewal_due(old)
            renewed = min(lapse + dt.timedelta(days=self.days(-60, 120)), self.ago(20))
            self.clearance(staff, level, granted_on=renewed)
            return
        granted = self.granted_for(level, state)
        old_enough = (self.today - granted).days > 8 * _YEAR
        self.clearance(staff, level, granted_on=granted, year_only=old_enough and self.chance(0.25))

    def posts(self) -> None:
        """Every unit's required level; public protection's teams give access to vulnerable
        people; two CID teams and a neighbourhood team were made vulnerable-access posts, and
        a data-quality team a designated post, after staff had moved in."""
        s = self.staff
        initial = self.ago(10 * _YEAR)
        dept_of = dict(zip(s.unit, s.department, strict=True))
        units = list(dept_of)
        for unit in units:
            dept = dept_of[unit]
            vulnerable, reason = "", "The force's standard for the post"
            if dept in ("command", *_DESIGNATED):
                level, reason = "MV", "Designated post: access to sensitive intelligence"
            elif dept == "public-protection":
                number = int(unit.rsplit("-", 1)[1]) if unit[-1].isdigit() else 0
                level, vulnerable = "RV", _VULNERABLE[number % 3]
                reason = "Works with vulnerable victims and children"
            elif dept == "it-services":
                level = "NPPV2"
            elif dept == "data-quality":
                level, reason = "NPPV3", "Unsupervised access to police systems"
            else:
                level = "RV"
            self.post_rows.append(Post(unit, level, vulnerable, reason, initial))
        cid = [u for u in units if dept_of[u] == "cid"]
        hood = [u for u in units if u.startswith("neighbourhood-")]
        quality = [u for u in units if u.startswith("data-quality-")]
        plan = [
            (cid[:2], "RV", "child-protection", "Now works child sexual exploitation cases"),
            (hood[:1], "RV", "domestic-abuse", "Now the area's domestic abuse team"),
            (quality[:1], "MV", "", "Designated: now handles intelligence requests"),
        ]
        for names, level, vulnerable, reason in plan:
            for unit in names:
                if self._quiet_unit(unit):
                    continue
                changed = Post(unit, level, vulnerable, reason, self.ago(self.days(40, 300)))
                self.reclassified.append(changed)
                self.post_rows.append(changed)

    def _quiet_unit(self, unit: str) -> bool:
        return any(self.staff.unit[q] == unit for q in self.quiet)

    def clearances(self) -> None:
        """Each member of staff's clearances, by their role and post."""
        s = self.staff
        usual = {
            "valid": 0.81,
            "due-30": 0.012,
            "due-60": 0.012,
            "due-90": 0.012,
            "lapsed-lately": 0.01,
            "lapsed-long": 0.03,
            "renewed": 0.11,
        }
        # Who moved into their post in the last two years: chosen first, since a move into a
        # designated post brings its management vetting with it (`postings`).
        self.movers = [i for i in range(1, s.size) if i not in self.quiet and self.chance(0.08)]
        for unit in (p.name for p in self.reclassified):
            team = [i for i in range(1, s.size) if s.unit[i] == unit and i not in self.quiet]
            self.movers += team[: max(2, len(team) // 2)]
        self.movers = list(dict.fromkeys(self.movers))
        moving = set(self.movers)
        heads = {0} | {i for i, m in enumerate(s.manager) if m == 0}
        for i in range(s.size):
            dept, role = s.department[i], s.role[i]
            if role == "contractor":
                self.held(i, "NPPV2" if self.chance(0.8) else "NPPV1", usual)
            elif dept in ("it-services", "data-quality"):
                self.held(i, "NPPV3", usual)
            else:
                self.held(i, "RV", usual)
            designated = dept in ("command", *_DESIGNATED) or i in heads
            if designated and not (i in moving and dept in _DESIGNATED):
                self.held(i, "MV", usual)
            if dept == "intelligence" and self.chance(0.3):
                self.held(i, "CTC", {"valid": 0.85, "due-90": 0.05, "lapsed-long": 0.1})
            if (dept == "intelligence" and s.org.supervisor[i]) or dept == "command":
                self.held(i, "SC", {"valid": 0.9, "lapsed-long": 0.1})
            if dept == "control-room" and self.chance(0.03):
                self.held(i, "CTC", {"valid": 1.0})
            # An application refused, or a clearance withdrawn: decisions that raise nothing
            # and end what they decide on.
            if i not in self.quiet and not designated and self.chance(0.006):
                # Applied for a designated post and was refused: holds no MV.
                self.clearance(i, "MV", "refused", decided_on=self.ago(self.days(30, 900)))
            if i not in self.quiet and self.chance(0.003):
                base = next(c for c in reversed(self.made) if c.force_user_id == _uid(i))
                if base.status == "granted" and base.granted_on is not None:
                    after = max(base.granted_on + dt.timedelta(days=30), self.ago(600))
                    if after < self.ago(10):
                        day = after + dt.timedelta(days=self.days(0, (self.ago(10) - after).days))
                        self.clearance(i, base.level, "withdrawn", decided_on=day)

    def postings(self) -> None:
        """Moves into posts over the last two years: some into designated posts before the
        management vetting came through, every one into a vulnerable-access post, some into a
        post reclassified after the move (planted: nobody re-vetted them), a few still to come."""
        s = self.staff
        for i in self.movers:
            unit = s.unit[i]
            starts = self.ago(self.days(1, 2 * _YEAR))
            change = next((p for p in self.reclassified if p.name == unit), None)
            if change is not None and self.chance(0.75):
                # Before the post was reclassified: no task then; the sweep must find it now.
                starts = change.set_on - dt.timedelta(days=self.days(5, 300))
            if s.department[i] in _DESIGNATED and change is None:
                # Management vetting: usually granted weeks before the move; planted, after it
                # (or not yet), so the move itself raises its task.
                if self.chance(0.8):
                    self.clearance(i, "MV", granted_on=starts - dt.timedelta(days=self.days(7, 60)))
                else:
                    after = starts + dt.timedelta(days=self.days(20, 90))
                    if after <= self.ago(1):
                        self.clearance(i, "MV", granted_on=after)
            self.move(i, unit, starts)
        vulnerable = [p.name for p in self.post_rows if p.vulnerable and p not in self.reclassified]
        busy = self.quiet | set(self.movers)
        coming = [
            i
            for i in range(1, s.size)
            if s.unit[i] in vulnerable[:2] and i not in busy and not s.org.supervisor[i]
        ]
        for i in coming[:3]:
            self.move(i, s.unit[i], self.today + dt.timedelta(days=self.days(5, 40)))

    def move(self, staff: int, post: str, starts: dt.date) -> None:
        self.moves.append(
            Posting(f"PO-{len(self.moves) + 1:05d}", self.staff.force, _uid(staff), post, starts)
        )

    def escalations(self, audited: list[int]) -> tuple[Escalation, ...]:
        """Half the staff whose misconduct the audit should find (the first of every two): the
        counter-corruption unit escalated their alerts for intelligence development."""
        chosen = [u for u in audited if u not in self.quiet][::2]
        return tuple(
            Escalation(
                f"ES-{n:03d}",
                self.staff.force,
                _uid(u),
                "Unexplained look-ups of a vulnerable person: for intelligence development",
            )
            for n, u in enumerate(chosen, start=1)
        )

    def declarations(self, force: _Force) -> tuple[Declaration, ...]:
        """The extract's declared associations, and other changes of circumstance."""
        s = self.staff
        out: list[Declaration] = []
        for user, person, association, declared in force.associations:
            if declared <= self.today:
                out.append(
                    Declaration(
                        s.force,
                        _uid(user),
                        "association",
                        _DETAILS["association"],
                        f"P{person + 1:07d}",
                        ASSOCIATION_KINDS[association],
                        declared,
                    )
                )
        others = [k for k in DECLARATION_KINDS if k != "association"]
        for i in range(s.size):
            if not self.chance(0.03):
                continue
            kind = others[int(self.rng.integers(0, len(others)))]
            associate = ""
            if kind == "partner":
                associate = f"P{int(self.rng.integers(1, 3000)):07d}"
            out.append(
                Declaration(
                    s.force,
                    _uid(i),
                    kind,
                    _DETAILS[kind],
                    associate,
                    "partner" if associate else "",
                    self.ago(self.days(1, 2 * _YEAR)),
                )
            )
        out.sort(key=lambda d: (d.declared_on, d.force_user_id, d.kind))
        return tuple(out)

    def reviews(self) -> tuple[Review, ...]:
        """The last integrity review held on each clearance in force more than a year old:
        within the last year for most; more than a year ago, or never, for some (overdue)."""
        out: list[Review] = []
        latest: dict[tuple[str, str], Clearance] = {}
        for c in sorted(self.made, key=lambda c: (c.decided_on, c.ref)):
            latest[(c.force_user_id, c.level)] = c
        for c in latest.values():
            if c.status != "granted" or c.granted_on is None:
                continue
            level = self.rules.level(c.level)
            if level.renewal_due(c.granted_on) <= self.today:
                continue  # lapsed: renewal, not review, is what is due
            if level.integrity_review_due(c.granted_on) > self.today:
                continue  # its first review is not due yet
            staff = int(c.force_user_id[1:]) - 1
            if staff in self.quiet or self.chance(0.92):
                held = self.ago(self.days(1, 330))
            elif self.chance(0.5):
                held = self.ago(self.days(400, 900))
            else:
                continue  # never reviewed since the grant
            out.append(Review(c.ref, max(held, c.granted_on)))
        out.sort(key=lambda r: r.clearance)
        return tuple(out)


def _years_before(day: dt.date, years: int) -> dt.date:
    """Return the day `years` years before `day` (28 February for a 29 February gone)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# -- the truth ------------------------------------------------------------------------------


def _holds(rules: VettingRules, mine: list[Clearance], required: str, on: dt.date) -> bool:
    """Say whether a person held, on `on`, a clearance meeting `required`: granted by then,
    not yet due renewal, and not ended by any later decision at its level (in the order the
    decisions are recorded, whatever their days). `mine` is the person's decisions, in order."""
    for n, c in enumerate(mine):
        if c.status != "granted" or c.granted_on is None or c.granted_on > on:
            continue
        if rules.level(c.level).renewal_due(c.granted_on) <= on:
            continue
        ended = any(d.level == c.level and d.status != "granted" for d in mine[n + 1 :])
        if not ended and required in rules.level(c.level).meets:
            return True
    return False


def _reviews_due(
    rules: VettingRules,
    today: dt.date,
    decided: tuple[Clearance, ...],
    by_person: dict[str, list[Clearance]],
    reviews: tuple[Review, ...],
    expect: Callable[[str, str, str, dt.date, str], None],
) -> None:
    """Expect the integrity reviews due by `today`, given the reviews held.

    The rule (spec §7, as the backlog counts it): a holder's review falls due a period after
    the grant, or a period after the latest review held on any of their clearances if that is
    later (a review held before the grant counts for nothing). A granted clearance with no
    later decision at its level and not yet due renewal whose first review has come is looked
    at in the order of its first review's day (then as recorded), and each holder gets one
    review task, from the first such clearance due: source `<ref>:<review day>`.
    """
    ref_of = {c.ref: c for c in decided}
    held: dict[str, dt.date] = {}
    for r in reviews:
        person = ref_of[r.clearance].person
        held[person] = max(held.get(person, r.held_on), r.held_on)
    order = {c.ref: n for n, c in enumerate(decided)}
    candidates: list[tuple[dt.date, int, Clearance]] = []
    for c in decided:
        if c.status != "granted" or c.granted_on is None:
            continue
        level = rules.level(c.level)
        first = level.integrity_review_due(c.granted_on)
        if first > today or level.renewal_due(c.granted_on) <= today:
            continue
        candidates.append((first, order[c.ref], c))
    raised: set[str] = set()
    for first, _n, c in sorted(candidates, key=lambda x: x[:2]):
        if c.person in raised:
            continue
        mine = by_person[c.person]
        if any(d.level == c.level for d in mine[mine.index(c) + 1 :]):
            continue
        last = held.get(c.person)
        review = first
        if last is not None and c.granted_on is not None and last >= c.granted_on:
            review = max(first, rules.level(c.level).integrity_review_due(last))
        if review > today:
            continue
        raised.add(c.person)
        expect("integrity-review", f"{c.ref}:{review.isoformat()}", c.person, review, "sweep")


def _truth(
    rules: VettingRules,
    today: dt.date,
    posts: tuple[Post, ...],
    decided: tuple[Clearance, ...],
    postings: tuple[Posting, ...],
    escalations: tuple[Escalation, ...],
    caseload: Caseload | None,
    reviews: tuple[Review, ...] = (),
) -> tuple[Expected, ...]:
    """Return every task custodes must raise: at a move, and by a sweep on `today`."""
    out: list[Expected] = []
    by_person: dict[str, list[Clearance]] = {}
    for c in decided:  # in the order they are recorded
        by_person.setdefault(c.person, []).append(c)

    def expect(trigger: str, source: str, person: str, happened: dt.date, raised: str) -> None:
        due = rules.trigger(trigger).due_on(happened)
        why = "at-move" if raised == "move" else ("missed" if due < today else "due")
        out.append(Expected(trigger, source, person, happened, due, raised, why))

    # Moves, in the order the loader takes posts and moves: by day, a post's change first.
    events: list[tuple[dt.date, int, int, Post | Posting]] = [
        (p.set_on, 0, n, p) for n, p in enumerate(posts)
    ] + [(m.starts_on, 1, n, m) for n, m in enumerate(postings)]
    events.sort(key=lambda e: e[:3])
    now: dict[str, Post] = {}
    flagged: set[str] = set()
    for _day, _order, _n, item in events:
        if isinstance(item, Post):
            now[item.name] = item
            continue
        post = now[item.post]
        mine = by_person.get(item.person, [])
        if post.vulnerable or not _holds(rules, mine, post.required_level, item.starts_on):
            flagged.add(item.ref)
            expect("post-move", item.ref, item.person, item.starts_on, "move")
    final = {p.name: p for p in posts}  # the last row of each post is how it stands
    for item in postings:
        if item.ref in flagged or item.starts_on > today:
            continue
        post = final[item.post]
        needs = post.vulnerable or not _holds(
            rules, by_person.get(item.person, []), post.required_level, item.starts_on
        )
        if needs:
            expect("post-move", item.ref, item.person, item.starts_on, "sweep")
    # Lapsed clearances: granted, due renewal by today, no later decision at the level.
    for c in decided:
        if c.status != "granted" or c.granted_on is None:
            continue
        due = rules.level(c.level).renewal_due(c.granted_on)
        mine = by_person[c.person]
        later = any(d.level == c.level for d in mine[mine.index(c) + 1 :])
        if due <= today and not later:
            expect("expiry", c.ref, c.person, due, "sweep")
    _reviews_due(rules, today, decided, by_person, reviews, expect)
    for e in escalations:
        expect("audit-alert", e.ref, f"force:{e.force}:{e.force_user_id}", today, "sweep")
    if caseload is not None:
        for matter in caseload.matters:
            left = {s.subject for s in matter.steps if s.action == "leave"}
            for step in matter.steps:
                if step.subject is None or step.subject in left or step.on > today:
                    continue
                who = matter.subjects[step.subject]
                person = f"force:{who.force}:{who.force_user_id}"
                source = f"{matter.reference}/{who.force_user_id}/{step.action}"
                if step.action == "outcome" and step.args.get("outcome") not in _ENDED:
                    expect("outcome", source, person, step.on, "sweep")
                elif step.action == "rprp":
                    expect("rprp", source, person, step.on, "sweep")
    out.sort(key=lambda e: (e.raised, e.trigger, e.happened_on, e.source))
    return tuple(out)
