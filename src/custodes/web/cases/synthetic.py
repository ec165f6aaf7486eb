"""The synthetic caseload (`custodes.synth.caseload`) in the web app: loaded through the real
actions, and checked against its truth.

`load_caseload` makes every matter with the path's own actions (`matter.take_in`, the steps of
`path`, `actions.add_member`), the demo's people as their actors, each step entered as of its
own day (`timeline.entered_as_of`: the timeline keeps that day, the trail the real time). It
is all or nothing, and loading again adds nothing.

`check_caseload` asks custodes what it reports (the referral flag and deadline on every
matter, the open requirements overdue, the departures, late referrals and list reports, the
timeliness accounts owed) and compares it with the truth: every matter that meets a mandatory
criterion flagged with the right deadline, every planted failure reported, nothing reported
that was not planted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from custodes.synth import Caseload, Matter, Step
from custodes.web.accounts.models import User
from custodes.web.cases import path
from custodes.web.cases.actions import add_member
from custodes.web.cases.matter import NewAllegation, NewSubject, take_in
from custodes.web.cases.models import Case, CaseSubject, Decision, ListReport
from custodes.web.cases.timeline import due_across, entered_as_of, unreferred_mandatory

__all__ = [
    "ACTORS",
    "CheckResult",
    "LoadResult",
    "check_caseload",
    "entered_on",
    "load_caseload",
    "reported_failures",
]

# Who takes the steps, by the demo's usernames: the intake handler takes matters in, the
# appropriate authority decides, two PSD investigators investigate, the counter-corruption
# lead sits on the team of every matter of abuse of position or found by an audit.
ACTORS = ("intake", "authority", "investigator", "colleague", "lead")

_REASONS = {
    "record": "Recorded on the complainant's account and the papers received",
    "refer": "Considered against the referral criteria on the facts known",
    "refer-no": "The authority judged the conduct not serious enough to refer",
    "appoint": "Investigator with capacity, no link to the subjects",
    "severity": "Assessed on the allegation as it stands",
    "report": "Investigation complete: statements, messages and call data reviewed",
    "case-to-answer": "Decided on the investigation report and the officer's response",
    "proceedings": "Arranged under the Conduct Regulations on the report",
    "outcome": "Decided by the panel on the evidence heard",
    "rprp": "Reflective practice agreed with the line manager",
    "rprp-review": "Reviewed with the line manager: the actions were completed",
    "leave": "Notice given to the force while the investigation was under way",
    "close": "Everything the law requires is done; the matter is closed",
}


@dataclass
class LoadResult:
    """What loading made: cases new and already there."""

    made: int = 0
    already: int = 0
    steps: int = 0


def _when(day: dt.date, n: int, total: int) -> dt.datetime:
    """Return the time the `n`th step of a matter is entered as of: that day, a minute after
    the one before, and never after now."""
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)) + dt.timedelta(minutes=n))
    now = timezone.now()
    if at > now:
        at = now - dt.timedelta(seconds=total - n + 1)
    return at


def _new_subjects(matter: Matter) -> list[NewSubject]:
    return [
        NewSubject(
            force=s.force,
            force_user_id=s.force_user_id,
            first_name=s.first_name,
            last_name=s.last_name,
            birth_date=s.birth_date,
            status=s.status,
            rank=s.rank,
            warrant_number=s.warrant_number,
            unit=s.unit,
            senior_officer=s.senior_officer,
        )
        for s in matter.subjects
    ]


def _take_in(matter: Matter, people: Mapping[str, User]) -> Case:
    case = take_in(
        people["intake"],
        matter.reference,
        matter.title,
        kind=matter.kind,
        source=matter.source,
        came_to_attention=matter.came_to_attention,
        subjects=_new_subjects(matter),
        allegations=[
            NewAllegation(a.subject, a.category, a.description, a.arose_on)
            for a in matter.allegations
        ],
        arose_on=matter.arose_on,
        source_record=matter.source_record,
        indications=matter.indications,
        complainant_view=matter.complainant_view,
        complainant_wants_recording=matter.complainant_wants_recording,
    )
    # The team a unit would put on it: the authority decides; the counter-corruption lead
    # follows matters of abuse of position and those an audit found.
    add_member(people["intake"], case, people["authority"])
    if matter.counter_corruption:
        add_member(people["intake"], case, people["lead"])
    return case


def _step(
    step: Step,
    case: Case,
    matter: Matter,
    subjects: dict[str, CaseSubject],
    people: Mapping[str, User],
    investigator: User,
) -> None:
    """Take one step of the matter's path through its action."""
    authority = people["authority"]
    a = step.args
    subject = None
    if step.subject is not None:
        subject = subjects[matter.subjects[step.subject].force_user_id]
        subject.refresh_from_db()
    case.refresh_from_db()
    if step.action == "record":
        path.decide_recording(
            authority, case, record_it=a["record_it"], reason=_REASONS["record"], kind=a.get("kind")
        )
    elif step.action == "refer":
        why = _REASONS["refer" if a["refer"] else "refer-no"]
        path.decide_referral(authority, case, refer=a["refer"], reason=why)
    elif step.action == "appoint":
        path.appoint_investigator(authority, case, investigator, _REASONS["appoint"])
    elif step.action == "severity" and subject is not None:
        path.assess_severity(authority, subject, level=a["level"], reason=_REASONS["severity"])
    elif step.action == "notice" and subject is not None:
        path.serve_notice(investigator, subject, step.on)
    elif step.action == "timeliness":
        path.give_timeliness_account(
            investigator,
            case,
            a["due_on"],
            progress="Witnesses interviewed; digital evidence under review",
            expected_end=step.on + dt.timedelta(days=120),
            delay_reasons="Awaiting the digital forensics report",
            next_steps="Interview the officer under caution; complete the report",
        )
    elif step.action == "report":
        path.submit_report(investigator, case, _REASONS["report"], step.on)
    elif step.action == "case-to-answer" and subject is not None:
        path.decide_case_to_answer(
            authority,
            subject,
            answer=a["answer"],
            reason=_REASONS["case-to-answer"],
            level=a["level"],
        )
    elif step.action == "proceedings" and subject is not None:
        accelerated = a["forum"] == "accelerated-hearing"
        path.arrange_proceedings(
            authority,
            subject,
            forum=a["forum"],
            held_on=a["held_on"],
            reason=_REASONS["proceedings"],
            sufficient_written_evidence=accelerated,
            public_interest_to_leave_at_once=accelerated,
        )
    elif step.action == "outcome" and subject is not None:
        path.record_outcome(
            authority,
            subject,
            finding=a["finding"],
            outcome=a["outcome"],
            reason=_REASONS["outcome"],
            decided_on=step.on,
            forum=a["forum"],
        )
    elif step.action == "rprp" and subject is not None:
        path.start_rprp(
            authority,
            subject,
            actions=[
                path.RprpAction("Reflect on the incident with the line manager", a["deadline"])
            ],
            review_on=a["review_on"],
            reason=_REASONS["rprp"],
        )
    elif step.action == "rprp-review" and subject is not None:
        path.review_rprp(authority, subject, completed=True, reason=_REASONS["rprp-review"])
    elif step.action == "leave" and subject is not None:
        path.record_leaving(
            authority, subject, left_on=step.on, how=a["how"], reason=_REASONS["leave"]
        )
    elif step.action == "send-report" and subject is not None:
        report = subject.list_reports.filter(status=ListReport.Status.DUE).order_by("produced_at")
        path.send_list_report(authority, report.get(), step.on)
    elif step.action == "close":
        path.close_case(authority, case, _REASONS["close"])
    else:
        raise ValueError(f"{matter.reference}: no action for the step {step.action!r}")


@transaction.atomic
def load_caseload(caseload: Caseload, people: Mapping[str, User]) -> LoadResult:
    """Make the caseload's matters through the real actions, as of their own days; all or
    nothing, and a matter already loaded (by its reference) is left as it is."""
    missing = [name for name in ACTORS if name not in people]
    if missing:
        raise ValueError(f"the caseload needs these people: {', '.join(missing)}")
    there = set(
        Case.objects.filter(reference__in=[m.reference for m in caseload.matters]).values_list(
            "reference", flat=True
        )
    )
    result = LoadResult(already=len(there))
    for number, matter in enumerate(caseload.matters):
        if matter.reference in there:
            continue
        # Two investigators share the work, as in a unit.
        investigator = people["investigator" if number % 3 else "colleague"]
        total = len(matter.steps)
        with entered_as_of(_when(matter.steps[0].on, 0, total)):
            case = _take_in(matter, people)
        subjects = {s.force_user_id: s for s in case.subjects.all() if s.force_user_id}
        for n, step in enumerate(matter.steps[1:], start=1):
            with entered_as_of(_when(step.on, n, total)):
                _step(step, case, matter, subjects, people, investigator)
        result.made += 1
        result.steps += total
    return result


def entered_on(prefix: str = "SYN-") -> dt.date | None:
    """Return the day the synthetic caseload was entered (what it was made for), or None."""
    first = (
        Decision.objects.filter(case__reference__startswith=prefix, step=Decision.Step.INTAKE)
        .order_by("decided_at")
        .values_list("details", flat=True)
        .first()
    )
    if not first or "entered_at" not in first:
        return None
    return timezone.localdate(dt.datetime.fromisoformat(first["entered_at"]))


# -- the check ------------------------------------------------------------------------------


@dataclass
class CheckResult:
    """What custodes reported of the caseload, against its truth."""

    mandatory: int = 0
    flagged_right: int = 0
    wrong_flags: list[str] = field(default_factory=list)  # flagged, or not, or a wrong day
    planted: int = 0
    reported_planted: int = 0
    missed: list[tuple[str, str, str]] = field(default_factory=list)
    extra: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Say whether custodes reported exactly what was planted and flagged rightly."""
        return (
            self.flagged_right == self.mandatory
            and not self.wrong_flags
            and not self.missed
            and not self.extra
        )

    def lines(self) -> list[str]:
        """Return the counts, in words."""
        return [
            f"mandatory referral flagged {self.flagged_right}/{self.mandatory} with the right "
            f"deadline; flags on matters that meet no criterion or wrong: {len(self.wrong_flags)}",
            f"planted failures reported {self.reported_planted}/{self.planted}; "
            f"reported but not planted {len(self.extra)}",
        ]


def reported_failures(cases: list[Case], on: dt.date) -> set[tuple[str, str, str]]:
    """Return what custodes itself reports of `cases` as on `on`, as (kind, reference,
    subject's force user id or ""): the open requirements overdue, the referrals not made
    though the rules said they must be, and the referrals and list reports sent late."""
    found: set[tuple[str, str, str]] = set()
    for due in due_across(cases, on):
        if due.overdue(on):
            who = due.subject.force_user_id or "" if due.subject is not None else ""
            found.add((f"{due.kind}-overdue", due.case.reference, who))
    ids = [c.pk for c in cases]
    for decision in unreferred_mandatory().filter(case_id__in=ids):
        found.add(("referral-departure", decision.case.reference, ""))
    late = Decision.objects.filter(case_id__in=ids, details__late=True).select_related(
        "case", "subject"
    )
    for decision in late:
        if decision.step == Decision.Step.REFERRAL:
            found.add(("referral-late", decision.case.reference, ""))
        elif decision.step == Decision.Step.LIST_REPORT:
            who = decision.subject.force_user_id or "" if decision.subject is not None else ""
            found.add(("list-report-late", decision.case.reference, who))
    return found


def check_caseload(caseload: Caseload) -> CheckResult:
    """Compare what custodes reports of the loaded caseload with its truth, as on the day it
    was made for."""
    result = CheckResult()
    cases = {
        c.reference: c
        for c in Case.objects.filter(reference__in=[m.reference for m in caseload.matters])
    }
    for matter in caseload.matters:
        case = cases.get(matter.reference)
        if case is None:
            result.wrong_flags.append(f"{matter.reference}: not loaded")
            continue
        if matter.mandatory:
            result.mandatory += 1
            if case.referral_mandatory and case.referral_due == matter.referral_due:
                result.flagged_right += 1
            else:
                result.wrong_flags.append(
                    f"{matter.reference}: flagged {case.referral_mandatory} due "
                    f"{case.referral_due}, truth due {matter.referral_due}"
                )
        elif case.referral_mandatory or case.referral_due is not None:
            result.wrong_flags.append(f"{matter.reference}: flagged, meets no criterion")
    planted = {f.key for f in caseload.failures()}
    reported = reported_failures(list(cases.values()), caseload.today)
    result.planted = len(planted)
    result.reported_planted = len(planted & reported)
    result.missed = sorted(planted - reported)
    result.extra = sorted(reported - planted)
    return result
