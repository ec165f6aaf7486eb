"""A synthetic caseload: the synthetic force's matters at every stage, with planted failures
and the truth beside them.

The matters are about the force's own staff (ids, units, line managers, a senior officer or
two) and start from its own complaints and from the misconduct the access audit is meant to
find; each has one to three subjects with allegations in the england-wales profile's
categories, dates over the last three years (some long after the conduct arose), a target
stage and the steps that take it there, each with its day. A loader makes them through the
web app's real actions (`custodes.web.cases.synthetic`).

Some matters carry planted failures, each in the truth: a matter that meets a mandatory
referral criterion not referred (decided "no" with a reason, a departure; or never decided
and now overdue), a referral made late, a barred or advisory list report not sent by its due
day (still unsent, or sent late), a timeliness account owed and not given, a reflective
practice review overdue. The truth also says, for every matter, whether it meets a mandatory
criterion, which, and the day its referral is due: worked out here from the profile's
criteria and, for the deadline, straight from the working-day calendar and the deadline's
parameter, then checked against the profile's own answer.

No Django here: the synth library stands below the web app.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from custodes.caserules import MatterFacts, Profile, WorkingDays, load_profile
from custodes.synth.config import MISCONDUCT_PATTERNS, SynthConfig
from custodes.synth.incidents import build_incidents
from custodes.synth.lookups import EventBuffer
from custodes.synth.misconduct import plant
from custodes.synth.organisation import Organisation, build_organisation
from custodes.synth.population import build_population
from custodes.synth.rota import build_rota
from custodes.synth.write import NO_DATE

__all__ = [
    "FAILURE_KINDS",
    "STAGES",
    "Allegation",
    "Caseload",
    "Failure",
    "Matter",
    "Step",
    "Subject",
    "generate_caseload",
]

DAY = 86_400
PROFILE = "england-wales"
APSP = "abuse-of-position-sexual"

# What can be planted, as custodes reports it: a referral the rules required decided "no"
# (a departure), or never decided and past its deadline; a referral made after it; a list
# report past its due day unsent, or sent after it; a timeliness account owed and not given;
# a reflective practice review past its day.
FAILURE_KINDS = (
    "referral-departure",
    "referral-overdue",
    "referral-late",
    "list-report-overdue",
    "list-report-late",
    "timeliness-overdue",
    "rprp-review-overdue",
)
# Where a matter is left: taken in and not yet decided; decided not to refer; referred;
# under investigation; report in, case to answer to decide; proceedings arranged; outcome
# given; reflective practice under way; a subject left under investigation; closed.
STAGES = (
    "assessment",
    "intelligence",
    "not-referred",
    "referred",
    "investigation",
    "case-to-answer",
    "proceedings",
    "outcome",
    "rprp",
    "left",
    "closed",
)
# (stage, planted failure, weight): the mix of a caseload, scaled to its size.
_MIX: tuple[tuple[str, str | None, int], ...] = (
    ("assessment", None, 9),
    ("assessment", "referral-overdue", 5),
    ("intelligence", None, 5),
    ("not-referred", None, 7),
    ("not-referred", "referral-departure", 5),
    ("referred", None, 7),
    ("referred", "referral-late", 5),
    ("investigation", None, 14),
    ("investigation", "timeliness-overdue", 5),
    ("case-to-answer", None, 6),
    ("proceedings", None, 9),
    ("outcome", None, 14),
    ("outcome", "list-report-overdue", 3),
    ("outcome", "list-report-late", 2),
    ("rprp", None, 5),
    ("rprp", "rprp-review-overdue", 4),
    ("left", None, 4),
    ("left", "list-report-overdue", 2),
    ("closed", None, 9),
)
# Referral criteria planted, as (rule id, categories, indications, weight): abuse of position
# for a sexual purpose is most of them, as in the inspectorate's sample.
_CRITERIA: tuple[tuple[str, tuple[str, ...], tuple[str, ...], int], ...] = (
    ("referral-serious-corruption", (APSP,), ("disciplinary",), 11),
    ("referral-serious-corruption", ("abuse-of-position-emotional",), ("disciplinary",), 2),
    ("referral-serious-assault", ("use-of-force",), ("serious-assault", "criminal-offence"), 3),
    (
        "referral-serious-sexual-offence",
        ("sexual-harassment",),
        ("serious-sexual-offence", "criminal-offence"),
        1,
    ),
    (
        "referral-discrimination-aggravated",
        ("discrimination-race",),
        ("discrimination-aggravated", "disciplinary"),
        2,
    ),
)
# Matters that meet no criterion: (categories, indications, weight).
_ORDINARY: tuple[tuple[tuple[str, ...], tuple[str, ...], int], ...] = (
    (("unprofessional-attitude",), (), 5),
    (("discreditable-conduct",), ("disciplinary",), 4),
    (("use-of-force",), ("disciplinary",), 3),
    (("arrest-and-detention",), (), 2),
    (("stop-and-search",), (), 2),
    (("abuse-of-position-financial",), ("disciplinary",), 2),
    (("evidential-procedures",), (), 2),
    (("sexual-harassment",), ("disciplinary",), 2),
    (("abuse-of-position-other",), ("disciplinary",), 1),
)
_DESCRIPTIONS = {
    APSP: "Sexual messages to a vulnerable victim met on duty",
    "abuse-of-position-emotional": "Pursued a relationship with a witness in a live case",
    "use-of-force": "Force used in an arrest",
    "sexual-harassment": "Unwanted sexual comments to a colleague",
    "discrimination-race": "Racially abusive language during an arrest",
    "unprofessional-attitude": "Rude and dismissive to a member of the public",
    "discreditable-conduct": "Drunk and abusive off duty",
    "arrest-and-detention": "Detained without grounds",
    "stop-and-search": "Searched without recording grounds",
    "abuse-of-position-financial": "Accepted gifts from a business owner",
    "evidential-procedures": "Lost exhibits",
    "abuse-of-position-other": "Looked up a neighbour's record for a dispute",
    "death-or-serious-injury": "Serious injury after restraint in custody",
    "discreditable-conduct-chief": "Conduct of a chief officer",
}
_FIRST = (
    "James", "Sarah", "Mohammed", "Emma", "Daniel", "Aisha", "Thomas", "Chloe", "Ryan",
    "Hannah", "Liam", "Priya", "Gareth", "Rebecca", "Kwame", "Laura", "Owen", "Megan",
    "Adam", "Sophie", "Callum", "Zara", "Lewis", "Jade",
)  # fmt: skip
_LAST = (
    "Hughes", "Patel", "Walsh", "Okafor", "Turner", "Khan", "Evans", "Morgan", "Price",
    "Shaw", "Begum", "Rees", "Lloyd", "Ahmed", "Fletcher", "Doyle", "Singh", "Baker",
    "Hart", "Nolan", "Powell", "Iqbal", "Webb", "Carter",
)  # fmt: skip


@dataclass(frozen=True)
class Subject:
    """A member of the force's staff a matter is about, as the force's systems know them."""

    force: str
    force_user_id: str
    unit: str
    line_manager_id: str
    first_name: str
    last_name: str
    birth_date: dt.date | None
    status: str  # officer, special, staff, contractor (the web app's CaseSubject.Status)
    rank: str
    warrant_number: str
    senior_officer: bool = False


@dataclass(frozen=True)
class Allegation:
    """One allegation against one subject (by their place in the matter's list)."""

    subject: int
    category: str
    description: str
    arose_on: dt.date | None


@dataclass(frozen=True)
class Step:
    """One step on a matter's path, on its day: an action of the web app's path, by name,
    the subject it is about (by place) where it is about one, and what it was given."""

    action: str
    on: dt.date
    subject: int | None = None
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    """A planted failure, as custodes should report it: what, on which matter and subject
    (force user id, "" for the matter as a whole), and the day it was due."""

    kind: str
    reference: str
    subject: str
    due: dt.date | None

    @property
    def key(self) -> tuple[str, str, str]:
        """Return what identifies it, as the check compares it."""
        return (self.kind, self.reference, self.subject)


@dataclass(frozen=True)
class Matter:
    """One matter of the caseload, the steps that take it to its stage, and its truth."""

    reference: str
    title: str
    kind: str
    source: str
    source_record: tuple[str, str] | None
    came_to_attention: dt.date
    arose_on: dt.date | None
    indications: tuple[str, ...]
    complainant_view: str
    complainant_wants_recording: bool | None
    subjects: tuple[Subject, ...]
    allegations: tuple[Allegation, ...]
    stage: str
    steps: tuple[Step, ...]
    counter_corruption: bool
    # The truth: whether a mandatory referral criterion is met, which, from when it became
    # clear, and by when the referral is due; what failures were planted.
    mandatory: bool
    criteria: tuple[str, ...]
    became_clear: dt.date | None
    referral_due: dt.date | None
    failures: tuple[Failure, ...]
    late_finding: bool = False


@dataclass(frozen=True)
class Caseload:
    """The matters made for one synthetic force, as on `today`."""

    config: SynthConfig
    today: dt.date
    seed: int
    matters: tuple[Matter, ...]

    def failures(self) -> list[Failure]:
        """Return every planted failure."""
        return [f for m in self.matters for f in m.failures]

    def counts(self) -> dict[str, Any]:
        """Return the caseload's make-up: matters by stage, kind, source and failure."""
        return {
            "matters": len(self.matters),
            "mandatory": sum(m.mandatory for m in self.matters),
            "stages": dict(Counter(m.stage for m in self.matters)),
            "kinds": dict(Counter(m.kind for m in self.matters)),
            "sources": dict(Counter(m.source for m in self.matters)),
            "failures": dict(Counter(f.kind for f in self.failures())),
        }

    def write_truth(self, folder: Path) -> tuple[Path, Path]:
        """Write the truth as caseload-truth.csv (one row a matter) and caseload-truth.json
        (every matter with its steps and failures); return both paths."""
        folder.mkdir(parents=True, exist_ok=True)
        csv_path, json_path = folder / "caseload-truth.csv", folder / "caseload-truth.json"
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(
                [
                    "reference",
                    "kind",
                    "source",
                    "stage",
                    "came_to_attention",
                    "arose_on",
                    "subjects",
                    "categories",
                    "mandatory",
                    "criteria",
                    "referral_due",
                    "failures",
                ]
            )
            for m in self.matters:
                writer.writerow(
                    [
                        m.reference,
                        m.kind,
                        m.source,
                        m.stage,
                        m.came_to_attention.isoformat(),
                        m.arose_on.isoformat() if m.arose_on else "",
                        ";".join(s.force_user_id for s in m.subjects),
                        ";".join(sorted({a.category for a in m.allegations})),
                        "yes" if m.mandatory else "no",
                        ";".join(m.criteria),
                        m.referral_due.isoformat() if m.referral_due else "",
                        ";".join(
                            f.kind + (f"@{f.subject}" if f.subject else "") for f in m.failures
                        ),
                    ]
                )
        body = {
            "force": asdict(self.config),
            "today": self.today,
            "seed": self.seed,
            "counts": self.counts(),
            "matters": [asdict(m) for m in self.matters],
        }
        json_path.write_text(
            json.dumps(body, default=_json_default, indent=1, sort_keys=False) + "\n",
            encoding="utf-8",
        )
        return csv_path, json_path


def _json_default(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# -- the force ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Force:
    config: SynthConfig
    org: Organisation
    birth: dict[int, dt.date]
    complaints: list[tuple[int, dt.date, str]]  # (staff, received, complaint id)
    audited: list[int]  # staff with misconduct the access audit should find
    # The extract's declared associations: (staff, person index, kind index, declared on).
    associations: list[tuple[int, int, int, dt.date]] = field(default_factory=list)


# The caseload and the vetting data of one force are made from the same force: built once.
@lru_cache(maxsize=2)
def _build_force(config: SynthConfig) -> _Force:
    """Build the force exactly as `custodes.synth.generate` does (the same seeds in the same
    order), without its look-ups, which a caseload does not need. The caller must not change
    what it returns (it is shared)."""
    seeds = np.random.SeedSequence(config.seed).spawn(7)
    rng = [np.random.default_rng(s) for s in seeds]
    org = build_organisation(config.staff, rng[0])
    rota = build_rota(org, config.days, rng[1])
    pop = build_population(max(3000, config.staff * 40), org.size, config.start_ts // DAY, rng[2])
    inc = build_incidents(org, rota, pop, config.days, config.incidents_per_staff_day, rng[3])
    planted = plant(config, org, rota, pop, inc, rng[6], EventBuffer())
    epoch = dt.date(1970, 1, 1)
    birth = {
        int(pop.staff_user[p]): epoch + dt.timedelta(days=int(pop.birth_day[p]))
        for p in np.flatnonzero(pop.staff_user >= 0)
        if int(pop.birth_day[p]) != NO_DATE
    }
    received = np.array(planted.complaint_received, dtype=np.int64)
    # Seconds from the period's start; numbered as the extract numbers them.
    order = np.argsort(received, kind="stable")
    complaints = [
        (
            int(planted.complaint_subject[i]),
            config.start + dt.timedelta(days=int(received[i] // DAY)),
            f"C{n + 1:06d}",
        )
        for n, i in enumerate(order)
    ]
    audited = [u for u, pattern in planted.truth if pattern in MISCONDUCT_PATTERNS]
    associations = [
        (int(user), int(person), int(kind), epoch + dt.timedelta(days=int(day)))
        for user, person, kind, day in zip(
            planted.association_user,
            planted.association_person,
            planted.association_kind,
            planted.association_declared,
            strict=True,
        )
    ]
    return _Force(config, org, birth, complaints, audited, associations)


def _uid(staff: int) -> str:
    return f"U{staff + 1:06d}"


# -- the generator --------------------------------------------------------------------------


class _Maker:
    """Makes one matter after another from one random stream."""

    def __init__(self, force: _Force, today: dt.date, seed: int) -> None:
        self.force = force
        self.org = force.org
        self.today = today
        self.rng = np.random.default_rng(np.random.SeedSequence([force.config.seed, seed, 16]))
        self.profile: Profile = load_profile(PROFILE)
        deadline = self.profile.rule("referral-deadline")
        self.deadline_days = int(deadline.params["working_days"])
        # The calendar itself, not the profile's path to it: the truth's deadline is worked
        # out apart from the code the web app runs, then checked against it.
        self.calendar = WorkingDays("GB", "ENG")
        self.complaints = list(force.complaints)
        self.audited = list(force.audited)
        self.used: Counter[int] = Counter()
        self.seniors = 0
        frontline = self.org.in_departments("response", "neighbourhood", "cid", "public-protection")
        self.frontline = [int(u) for u in frontline]

    # randomness, in one place
    def pick(self, items: list[Any] | tuple[Any, ...]) -> Any:
        return items[int(self.rng.integers(0, len(items)))]

    def weighted(self, items: tuple[Any, ...], weights: list[int]) -> Any:
        p = np.array(weights, dtype=float)
        return items[int(self.rng.choice(len(items), p=p / p.sum()))]

    def days(self, low: int, high: int) -> int:
        return int(self.rng.integers(low, high + 1))

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    # staff
    def subject(self, staff: int, senior: bool = False) -> Subject:
        org = self.org
        role = str(org.role[staff])
        manages = np.flatnonzero(org.line_manager == staff)
        manages_supervisors = bool(len(manages)) and bool(org.supervisor[manages].any())
        status, rank = {
            "officer": ("officer", "Police Constable"),
            "special": ("special", "Special Constable"),
            "pcso": ("staff", "Police Community Support Officer"),
            "staff": ("staff", ""),
            "contractor": ("contractor", ""),
        }[role]
        if role == "officer" and org.supervisor[staff]:
            rank = "Sergeant"
        if role == "officer" and manages_supervisors:
            rank = "Inspector"
        if senior:
            rank = "Chief Constable" if org.line_manager[staff] < 0 else "Assistant Chief Constable"
        manager = int(org.line_manager[staff])
        return Subject(
            force=self.force.config.force,
            force_user_id=_uid(staff),
            unit=org.units[int(org.unit[staff])],
            line_manager_id=_uid(manager) if manager >= 0 else "",
            first_name=self.pick(_FIRST),
            last_name=self.pick(_LAST),
            birth_date=self.force.birth.get(staff),
            status=status,
            rank=rank,
            warrant_number=f"{40000 + staff}" if status in ("officer", "special") else "",
            senior_officer=senior,
        )

    def colleagues(self, staff: int, n: int) -> list[int]:
        same = np.flatnonzero(self.org.unit == self.org.unit[staff])
        others = [int(u) for u in same if int(u) != staff]
        self.rng.shuffle(others)
        return others[:n]

    # truth
    def referral_truth(
        self, kind: str, categories: tuple[str, ...], indications: tuple[str, ...], clear: dt.date
    ) -> tuple[tuple[str, ...], dt.date | None]:
        """Return the criteria the profile says are met and the due day, the latter worked
        out from the calendar and checked against the profile's own."""
        facts = MatterFacts(kind, clear, categories=categories, indications=indications)
        found = self.profile.referral(facts, became_clear=clear)
        criteria = tuple(sorted({r.id for r in found.criteria}))
        if not found.mandatory:
            return criteria, None
        due = self.calendar.add(clear, self.deadline_days)
        if due != found.due:
            raise AssertionError(
                f"deadline from {clear}: the calendar says {due}, the rules {found.due}"
            )
        return criteria, due


def _allocate(n: int) -> list[tuple[str, str | None]]:
    """Return `n` (stage, failure) slots in the mix's proportions, every kind at least once."""
    total = sum(w for _, _, w in _MIX)
    exact = [n * w / total for _, _, w in _MIX]
    counts = [max(1, int(x)) for x in exact]
    by_remainder = sorted(range(len(_MIX)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    i = 0
    while sum(counts) < n:
        counts[by_remainder[i % len(_MIX)]] += 1
        i += 1
    while sum(counts) > n:
        biggest = max(range(len(_MIX)), key=lambda k: counts[k])
        counts[biggest] -= 1
    return [(s, f) for (s, f, _), c in zip(_MIX, counts, strict=True) for _ in range(c)]


def generate_caseload(
    config: SynthConfig | None = None,
    *,
    today: dt.date,
    matters: int = 120,
    seed: int = 1,
) -> Caseload:
    """Return a caseload of `matters` matters for the synthetic force `config`, as on `today`.

    The same arguments give the same caseload. Dates run back about three years from `today`;
    every step of every matter falls on or before it.
    """
    if matters < len(_MIX):
        raise ValueError(f"a caseload has at least {len(_MIX)} matters, one of each sort")
    config = config or SynthConfig(staff=2000, days=90, seed=1)
    force = _build_force(config)
    maker = _Maker(force, today, seed)
    slots = _allocate(matters)
    order = maker.rng.permutation(len(slots))
    made: list[Matter] = []
    for number, index in enumerate(order, start=1):
        stage, failure = slots[int(index)]
        made.append(_matter(maker, number, stage, failure))
    made.sort(key=lambda m: (m.came_to_attention, m.reference))
    return Caseload(config, today, seed, tuple(made))


# -- one matter -----------------------------------------------------------------------------

# Stages a matter is investigated in (an investigator appointed).
_INVESTIGATED = {
    "investigation",
    "case-to-answer",
    "proceedings",
    "outcome",
    "rprp",
    "left",
    "closed",
}


def _matter(mk: _Maker, number: int, stage: str, failure: str | None) -> Matter:
    today = mk.today
    reference = f"SYN-{number:04d}"
    # Whether it meets a mandatory criterion: every referral failure and referred matter
    # does; intelligence never (yet); the rest about a third.
    if (
        failure in ("referral-departure", "referral-overdue", "referral-late")
        or stage == "referred"
    ):
        mandatory = True
    elif stage in ("intelligence", "not-referred"):
        mandatory = False
    else:
        mandatory = mk.chance(0.35)
    dsi = (
        mandatory and stage in ("referred", "investigation") and failure is None and mk.chance(0.12)
    )
    # A senior officer or two: referred, and investigated by another force.
    senior = stage == "referred" and failure is None and mk.seniors < 2
    mk.seniors += senior
    # What it is about.
    if dsi:
        categories: tuple[str, ...] = ("use-of-force",)
        indications: tuple[str, ...] = ("death-or-serious-injury",)
        expected = "referral-dsi-matter"
    elif senior:
        categories, indications = ("discreditable-conduct",), ("chief-officer", "disciplinary")
        expected = "referral-chief-officer"
    elif mandatory:
        expected, categories, indications, _ = mk.weighted(_CRITERIA, [w for *_, w in _CRITERIA])
    else:
        categories, indications, _ = mk.weighted(_ORDINARY, [w for *_, w in _ORDINARY])
        expected = ""
    # Its kind and source, and who it is about.
    source_record: tuple[str, str] | None = None
    via_intelligence = False
    if dsi:
        kind, source = "dsi", "other"
    elif stage == "intelligence":
        kind = "intelligence"
        source = mk.pick(("audit-alert", "registry-match", "colleague"))
    elif senior:
        kind, source = "conduct", "colleague"
    else:
        kind = mk.weighted(("complaint", "conduct", "recordable-conduct"), [5, 3, 2])
        if kind == "complaint":
            source = mk.weighted(("public", "portal", "support-organisation"), [6, 3, 2])
        else:
            source = mk.weighted(
                ("colleague", "audit-alert", "portal", "registry-match"), [4, 3, 2, 1]
            )
        if (
            mandatory
            and APSP in categories
            and source == "audit-alert"
            and stage
            not in (
                "assessment",
                "not-referred",
            )
        ):
            # Found by the access audit: intelligence first, recorded as a conduct matter
            # when the look-ups were understood; the referral runs from that day.
            via_intelligence = True
            kind = "intelligence"
    # The first subject: the complaint's subject, the audited member of staff, a senior
    # officer, or frontline staff.
    staff: int
    received: dt.date | None = None
    if senior:
        heads = [int(u) for u in np.flatnonzero(mk.org.line_manager == 0)]
        staff = mk.pick([0, *heads[:3]])
    elif source == "public" and mk.complaints and mk.chance(0.6):
        staff, received, complaint_id = mk.complaints.pop(
            int(mk.rng.integers(0, len(mk.complaints)))
        )
        source_record = ("complaint", complaint_id)
    elif source == "audit-alert" and mk.audited:
        staff = mk.audited.pop(0)
        source_record = ("audit-alert", _uid(staff))
    else:
        staff = mk.pick(mk.frontline)
    mk.used[staff] += 1
    subjects = [mk.subject(staff, senior=senior)]
    extra = 0 if senior else int(mk.weighted((0, 1, 2), [14, 4, 1]))
    subjects += [mk.subject(u) for u in mk.colleagues(staff, extra)]
    # Dates: the steps' durations first, then the day it came to attention so that they all
    # fall before today.
    plan = _Plan(mk, reference, stage, failure, mandatory, kind, via_intelligence, len(subjects))
    complaint = kind == "complaint"
    wants = True if complaint else None
    if stage == "closed" and plan.closing == "not-recorded":
        # Not recorded: only where the complainant does not ask and the rules allow it.
        facts = MatterFacts(kind, today, categories=categories, indications=indications)
        if complaint and not mk.profile.recording(facts).must_record:
            wants = False
        else:
            plan.closing = "no-case"
    span = plan.span()
    if received is not None and received <= today - dt.timedelta(days=span):
        cta = received
    else:
        if received is not None and source_record is not None:
            # Too recent for the stage: another complaint about the same officer, and the
            # extract's complaint goes back for another matter.
            mk.complaints.append((staff, received, source_record[1]))
            source_record = None
        latest = today - dt.timedelta(days=span)
        earliest = today - dt.timedelta(days=3 * 365)
        room = max(0, (latest - earliest).days)
        if stage in ("proceedings", "case-to-answer", "assessment", "referred"):
            room = min(room, 60)  # what waits on a next step has not waited for years
        cta = latest - dt.timedelta(days=int(mk.rng.integers(0, room + 1))) if room else latest
    if stage == "assessment" and mandatory and failure is None:
        cta = today - dt.timedelta(days=mk.days(0, 1))  # new: its deadline not yet passed
        while mk.calendar.add(cta, mk.deadline_days) < today:
            cta += dt.timedelta(days=1)
    late_finding = mk.chance(0.2)
    arose = cta - dt.timedelta(days=mk.days(400, 2900) if late_finding else mk.days(0, 60))
    allegations = []
    for i in range(len(subjects)):
        for category in categories if i == 0 else (categories[0],):
            allegations.append(
                Allegation(i, category, _DESCRIPTIONS.get(category, category), arose)
            )
    if dsi:
        categories_for_title = "death or serious injury after restraint"
    else:
        categories_for_title = mk.profile.label("categories", categories[0]).lower()
    first = subjects[0]
    title = f"{categories_for_title.capitalize()}: {first.rank or 'staff'} {first.last_name}"
    steps, failures, clear = plan.steps(cta, subjects)
    criteria: tuple[str, ...] = ()
    due = None
    if mandatory:
        judged_kind = "recordable-conduct" if via_intelligence else kind
        criteria, due = mk.referral_truth(judged_kind, categories, indications, clear or cta)
        if expected not in criteria:
            raise AssertionError(f"{reference}: planted {expected}, the rules say {criteria}")
    else:
        found, _ = mk.referral_truth(
            kind if kind != "intelligence" else "conduct", categories, indications, cta
        )
        if found and kind != "intelligence":
            raise AssertionError(f"{reference}: meant to meet no criterion, the rules say {found}")
    planted = tuple(
        Failure(kind_, reference, who, due if kind_.startswith("referral") else on)
        for kind_, who, on in failures
    )
    return Matter(
        reference=reference,
        title=title,
        kind=kind,
        source=source,
        source_record=source_record,
        came_to_attention=cta,
        arose_on=arose,
        indications=indications,
        complainant_view=(
            "Wants it investigated and the officer held to account" if complaint else ""
        ),
        complainant_wants_recording=wants,
        subjects=tuple(subjects),
        allegations=tuple(allegations),
        stage=stage,
        steps=tuple(steps),
        counter_corruption=(
            source in ("audit-alert", "registry-match") or APSP in categories or senior
        ),
        mandatory=mandatory,
        criteria=criteria if mandatory else (),
        became_clear=(clear or cta) if mandatory else None,
        referral_due=due,
        failures=planted,
        late_finding=late_finding,
    )


class _Plan:
    """The steps that take one matter to its stage, and the failures planted on the way."""

    def __init__(
        self,
        mk: _Maker,
        reference: str,
        stage: str,
        failure: str | None,
        mandatory: bool,
        kind: str,
        via_intelligence: bool,
        subjects: int,
    ) -> None:
        self.mk = mk
        self.reference = reference
        self.stage = stage
        self.failure = failure
        self.mandatory = mandatory
        self.kind = kind
        self.via_intelligence = via_intelligence
        self.n = subjects
        r = mk
        # Durations in days, drawn once so `span` and `steps` agree.
        self.record_after = r.days(1, 6)
        self.intel_after = r.days(20, 120) if via_intelligence else 0
        self.refer_late_by = r.days(4, 70)
        self.appoint_after = r.days(3, 20)
        self.notice_after = r.days(2, 10)
        long_open = failure == "timeliness-overdue" or (stage == "investigation" and r.chance(0.4))
        self.investigate = r.days(400, 700) if long_open else r.days(60, 330)
        self.decide_after = r.days(5, 30)
        self.arrange_after = r.days(5, 25)
        self.hearing_after = r.days(15, 50)
        self.report_sent_after = r.days(0, 3)
        self.report_late_by = r.days(4, 40)
        self.rprp_after = r.days(3, 10)
        self.rprp_actions = r.days(20, 50)
        self.rprp_review_after = r.days(10, 30)
        self.close_after = r.days(5, 30)
        self.leave_after = r.days(20, 150)
        self.outcome = r.weighted(
            ("dismissal", "final-written-warning", "written-warning", "reduction-in-rank"),
            [4, 3, 3, 1],
        )
        if failure in ("list-report-overdue", "list-report-late") and stage == "outcome":
            self.outcome = "dismissal"
        self.accelerated = self.outcome == "dismissal" and r.chance(0.4)
        self.closing = r.weighted(
            ("no-case", "written-warning", "dismissal", "not-recorded"), [3, 3, 2, 1]
        )
        if kind in ("intelligence", "dsi") or mandatory:
            self.closing = "no-case" if self.closing == "not-recorded" else self.closing

    def span(self) -> int:
        """Return about how many days before today the matter must have come to attention."""
        s, f = self.stage, self.failure
        base = self.record_after + self.intel_after
        if s in ("assessment", "intelligence"):
            return 10 + (self.mk.days(20, 200) if f else self.mk.days(0, 40))
        if s in ("not-referred", "referred"):
            return base + (self.refer_late_by if f == "referral-late" else 2) + self.mk.days(0, 30)
        inv = base + 2 + self.appoint_after + self.notice_after
        if s == "investigation":
            return inv + self.investigate
        if s == "left":
            return inv + self.leave_after + 10 + (40 if f else 0)
        inv += self.investigate
        if s == "case-to-answer":
            return inv + 2
        if s == "proceedings":
            return inv + self.decide_after + self.arrange_after
        after_outcome = self.decide_after + self.arrange_after + self.hearing_after
        if s == "outcome":
            tail = 10 + (self.report_late_by + 10 if f else 0)
            return inv + after_outcome + tail
        if s == "rprp":
            tail = self.rprp_after + self.rprp_actions + self.rprp_review_after
            return inv + self.decide_after + tail + (10 if f else -60)
        return inv + after_outcome + self.close_after + 10  # closed

    def steps(
        self, cta: dt.date, subjects: list[Subject]
    ) -> tuple[list[Step], list[tuple[str, str, dt.date | None]], dt.date | None]:
        """Return the steps from `cta` in the order they were taken, the failures planted
        (kind, subject, due) and the day a mandatory referral became clear."""
        steps, failures, clear = self._steps(cta, subjects)
        order = sorted(range(len(steps)), key=lambda i: (steps[i].on, i))
        return [steps[i] for i in order], failures, clear

    def _steps(
        self, cta: dt.date, subjects: list[Subject]
    ) -> tuple[list[Step], list[tuple[str, str, dt.date | None]], dt.date | None]:
        mk, s, f = self.mk, self.stage, self.failure
        today = mk.today
        steps: list[Step] = []
        failures: list[tuple[str, str, dt.date | None]] = []
        day = cta
        clear: dt.date | None = cta

        def add(action: str, on: dt.date, subject: int | None = None, **args: Any) -> None:
            steps.append(Step(action, min(on, today), subject, args))

        def later(d: dt.date, n: int) -> dt.date:
            return d + dt.timedelta(days=n)

        add("take-in", day)
        if s == "intelligence":
            return steps, failures, None
        # Recording: complaints, conduct matters found recordable, DSI matters.
        if self.via_intelligence:
            day = later(day, self.intel_after)
            add("record", day, record_it=True, kind="recordable-conduct")
            clear = day
        elif self.kind in ("complaint", "dsi") or self.mandatory:
            record_it = not (s == "closed" and self.closing == "not-recorded")
            day = later(day, self.record_after)
            add("record", day, record_it=record_it)
            if not record_it:
                add("close", later(day, self.close_after))
                return steps, failures, None
        # Referral: due the working day after it became clear.
        due = mk.calendar.add(clear, mk.deadline_days) if self.mandatory and clear else None
        if f == "referral-overdue":
            return steps, [("referral-overdue", "", due)], clear
        if s == "assessment":
            return steps, failures, clear
        if s == "not-referred":
            add("refer", later(day, 1), refer=False)
            if f == "referral-departure":
                failures.append(("referral-departure", "", due))
            return steps, failures, clear
        if self.mandatory and due is not None and clear is not None:
            if f == "referral-late":
                add("refer", later(due, self.refer_late_by), refer=True)
                return steps, [("referral-late", "", due)], clear
            referred = later(clear, mk.days(0, (due - clear).days))
            add("refer", referred, refer=True)
            day = max(day, referred)
        if s == "referred":
            return steps, failures, clear
        # Investigation.
        day = later(day, self.appoint_after)
        add("appoint", day)
        for i in range(self.n):
            add("severity", day, i, level=self._level(i))
        day = later(day, self.notice_after)
        for i in range(self.n):
            add("notice", day, i)
        if s == "left":
            left_on = later(day, self.leave_after)
            add("leave", left_on, 0, how=mk.pick(("resigned", "retired")))
            report_due = mk.calendar.within(5, left_on)
            if f == "list-report-overdue":
                failures.append(("list-report-overdue", subjects[0].force_user_id, report_due))
            else:
                add("send-report", min(later(left_on, self.report_sent_after), report_due), 0)
            self._accounts(add, cta, today, give=True)
            return steps, failures, clear
        if s == "investigation":
            give = f != "timeliness-overdue"
            owed = self._accounts(add, cta, today, give=give)
            if not give:
                failures.append(("timeliness-overdue", "", owed[0] if owed else None))
            return steps, failures, clear
        ended = later(day, self.investigate)
        self._accounts(add, cta, ended, give=True)
        add("report", ended)
        day = ended
        if s == "case-to-answer":
            return steps, failures, clear
        day = later(day, self.decide_after)
        if s == "rprp":
            return self._rprp(add, steps, failures, day, subjects, clear)
        level = self._level(0)
        accelerated = self.accelerated and s == "outcome" and level == "gross-misconduct"
        no_case = s == "closed" and self.closing == "no-case"
        if not accelerated:
            add("case-to-answer", day, 0, answer=not no_case, level=None if no_case else level)
        for i in range(1, self.n):
            add("case-to-answer", day, i, answer=False, level=None)
        if no_case:
            add("close", later(day, self.close_after))
            return steps, failures, clear
        day = later(day, self.arrange_after)
        forum = "hearing" if level == "gross-misconduct" else "meeting"
        if accelerated:
            forum = "accelerated-hearing"
        if s == "proceedings":
            add("proceedings", day, 0, forum=forum, held_on=later(today, mk.days(7, 60)))
            return steps, failures, clear
        held = later(day, self.hearing_after)
        add("proceedings", day, 0, forum=forum, held_on=held)
        outcome = self._outcome(level)
        if s == "closed" and self.closing == "dismissal" and level == "gross-misconduct":
            outcome = "dismissal-without-notice"
        add("outcome", held, 0, forum=forum, finding=level, outcome=outcome)
        if outcome == "dismissal-without-notice":
            self._barred(add, failures, held, subjects)
        if s == "closed":
            add("close", later(held, 8 + self.close_after))
        return steps, failures, clear

    def _rprp(
        self,
        add: Any,
        steps: list[Step],
        failures: list[tuple[str, str, dt.date | None]],
        day: dt.date,
        subjects: list[Subject],
        clear: dt.date | None,
    ) -> tuple[list[Step], list[tuple[str, str, dt.date | None]], dt.date | None]:
        """Practice requiring improvement: reflective practice, its review on its day, or
        still to come, or (planted) overdue."""
        mk, today = self.mk, self.mk.today
        add("case-to-answer", day, 0, answer=False, level="practice-requiring-improvement")
        for i in range(1, self.n):
            add("case-to-answer", day, i, answer=False, level=None)
        add(
            "outcome",
            day,
            0,
            forum="none",
            finding="practice-requiring-improvement",
            outcome="rprp",
        )
        start_on = day + dt.timedelta(days=self.rprp_after)
        deadline = start_on + dt.timedelta(days=self.rprp_actions)
        review_on = deadline + dt.timedelta(days=self.rprp_review_after)
        if self.failure != "rprp-review-overdue" and review_on < today and mk.chance(0.5):
            # Its review still to come: it began later.
            shift = (today - review_on).days + mk.days(5, 40)
            start_on = min(start_on + dt.timedelta(days=shift), today)
            deadline += dt.timedelta(days=shift)
            review_on += dt.timedelta(days=shift)
        add("rprp", start_on, 0, deadline=deadline, review_on=review_on)
        if self.failure == "rprp-review-overdue":
            failures.append(("rprp-review-overdue", subjects[0].force_user_id, review_on))
        elif review_on < today:
            add("rprp-review", review_on, 0)
        return steps, failures, clear

    def _level(self, i: int) -> str:
        if i > 0:
            return "misconduct"
        if self.outcome in ("dismissal", "reduction-in-rank") or self.mandatory:
            return "gross-misconduct"
        return "misconduct"

    def _outcome(self, level: str) -> str:
        if level == "gross-misconduct":
            return {
                "dismissal": "dismissal-without-notice",
                "reduction-in-rank": "reduction-in-rank",
            }.get(self.outcome, "final-written-warning")
        return (
            "final-written-warning"
            if self.outcome == "final-written-warning"
            else "written-warning"
        )

    def _barred(
        self,
        add: Any,
        failures: list[tuple[str, str, dt.date | None]],
        on: dt.date,
        subjects: list[Subject],
    ) -> None:
        due = self.mk.calendar.within(5, on)
        who = subjects[0].force_user_id
        if self.failure == "list-report-overdue" and self.stage == "outcome":
            failures.append(("list-report-overdue", who, due))
        elif self.failure == "list-report-late" and self.stage == "outcome":
            add("send-report", due + dt.timedelta(days=self.report_late_by), 0)
            failures.append(("list-report-late", who, due))
        else:
            add("send-report", min(on + dt.timedelta(days=self.report_sent_after), due), 0)

    def _accounts(self, add: Any, start: dt.date, until: dt.date, *, give: bool) -> list[dt.date]:
        """Plan the timeliness accounts owed on an investigation of a matter that came to
        attention on `start`, up to `until`: each given a few days after it falls due
        (none, unless `give`). Return the days they fell due."""
        owed = [
            a.due for a in self.mk.profile.timeliness_accounts(start, min(until, self.mk.today))
        ]
        if give:
            for due in owed:
                on = min(due + dt.timedelta(days=self.mk.days(0, 4)), until)
                add("timeliness", on, due_on=due)
        return owed
