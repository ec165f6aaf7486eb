"""What the case pages show, worked out from the models: rows of the case list, the timeline,
the steps a user may take now, and each user's work that is due.

Nothing here decides who may see what: `access` does (`decide`, `may_take_step`,
`cases_for_user`); these helpers only ask it, and shape what it allows into what a page shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from custodes.web.accounts.models import User
from custodes.web.cases import rules
from custodes.web.cases.access import (
    STEP_ROLES,
    ShownSubject,
    may_take_step,
    show_subject,
)
from custodes.web.cases.models import Case, CaseSubject, Decision, ListReport, Requirement
from custodes.web.cases.timeline import TIMELINESS, Due, open_steps, timeliness_due

__all__ = [
    "DUE_STEPS",
    "SUBJECT_STEPS",
    "WORK_ROLES",
    "CaseRow",
    "Entry",
    "StepLink",
    "WorkItem",
    "case_rows",
    "category_titles",
    "days_word",
    "entries",
    "label",
    "matter_criteria",
    "report_words",
    "staff",
    "step_links",
    "step_url",
    "subject_rows",
    "work_for",
    "working_days_between",
]

_S = Decision.Step
_K = Requirement.Kind

# The steps taken about one subject: their page is told which (`?subject=`).
SUBJECT_STEPS = frozenset(
    {
        _S.SEVERITY,
        _S.NOTICE,
        _S.CASE_TO_ANSWER,
        _S.PROCEEDINGS,
        _S.OUTCOME,
        _S.RPRP,
        _S.RPRP_REVIEW,
        _S.LEFT_SERVICE,
        _S.APPEAL,
        _S.APPEAL_DECIDED,
    }
)
# What is due (a requirement's kind, or the timeliness account) and the step that meets it.
DUE_STEPS: dict[str, str] = {
    _K.RECORDING: _S.RECORDING,
    _K.REFERRAL: _S.REFERRAL,
    _K.NOTICE: _S.NOTICE,
    _K.OUTCOME: _S.OUTCOME,
    _K.RPRP_REVIEW: _S.RPRP_REVIEW,
    _K.APPEAL: _S.APPEAL_DECIDED,
    _K.LIST_REPORT: _S.LIST_REPORT,
    TIMELINESS: _S.TIMELINESS,
}
# The roles that take a step something can be due for: they have a "My work" page.
WORK_ROLES = frozenset(role for step in DUE_STEPS.values() for role in STEP_ROLES[step])

# Each step as a link says it: what the user would do.
_STEP_WORDS: dict[str, str] = {
    _S.SUBJECT: "Name another subject",
    _S.ALLEGATION: "Add an allegation",
    _S.RECORDING: "Decide whether to record",
    _S.REFERRAL: "Decide whether to refer",
    _S.SEVERITY: "Assess severity",
    _S.APPOINTMENT: "Appoint an investigator",
    _S.NOTICE: "Serve the notice of investigation",
    _S.TIMELINESS: "Give the timeliness account",
    _S.REPORT: "Submit the investigation report",
    _S.CASE_TO_ANSWER: "Decide whether there is a case to answer",
    _S.PROCEEDINGS: "Arrange proceedings",
    _S.OUTCOME: "Record the outcome",
    _S.RPRP: "Begin reflective practice",
    _S.RPRP_REVIEW: "Review reflective practice",
    _S.LEFT_SERVICE: "Record leaving the service",
    _S.APPEAL: "Record an appeal",
    _S.APPEAL_DECIDED: "Record the appeal's result",
    _S.LIST_REPORT: "Send the list report",
    _S.CLOSURE: "Close the case",
}


def report_words(report: ListReport) -> str:
    """Return the step of sending a list report, as a link or a row says it."""
    return f"Send the {report.list_type} list report ({report.get_action_display().lower()})"


def staff(user: User | None) -> str:
    """Return a member of staff as pages show them: name, role and unit."""
    if user is None:
        return ""
    name = user.get_full_name() or user.username
    return f"{name} ({', '.join(p for p in (user.get_role_display(), user.unit) if p)})"


def label(case: Case, group: str, term: str) -> str:
    """Return the profile's words for a term, or the term itself if the profile lacks it."""
    try:
        return rules.profile(case.profile).label(group, term)
    except (ValidationError, LookupError, ValueError):
        return term


def category_titles(case: Case, categories: Iterable[str]) -> list[str]:
    """Return allegation categories by their titles in the case's profile, each once."""
    try:
        titles = rules.vocabulary(case, "categories")
    except ValidationError:
        titles = {}
    return [titles.get(c, c) for c in dict.fromkeys(categories)]


def working_days_between(case: Case, start: dt.date, end: dt.date) -> int:
    """Return the working days after `start` up to and including `end` (0 if end <= start),
    under the case's profile's calendar; calendar days if the profile cannot be read."""
    if end <= start:
        return 0
    try:
        calendar = rules.profile(case.profile).working_days
    except ValidationError:
        return (end - start).days
    days = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        days += calendar.is_working_day(day)
    return days


def days_word(case: Case, due_on: dt.date | None, today: dt.date) -> str:
    """Return how far a due day is, in working days: left, today, or overdue."""
    if due_on is None:
        return "no date set"
    if due_on == today:
        return "due today"
    if due_on > today:
        n = working_days_between(case, today, due_on)
        return f"{n} working day{'s' if n != 1 else ''} left"
    n = working_days_between(case, due_on, today)
    return f"overdue by {n} working day{'s' if n != 1 else ''}"


def step_url(case: Case, step: str, *, subject: Any = None, report: Any = None) -> str:
    """Return the address of a step's page for the case (about one subject or report)."""
    url = reverse("cases:step", args=[case.reference, step])
    if report is not None:
        return f"{url}?report={report}"
    if subject is not None:
        return f"{url}?subject={subject}"
    return url


# -- the case list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    """One row of the case list."""

    case: Case
    subjects: list[ShownSubject]
    categories: list[str]
    investigator: str
    next_due: dt.date | None
    next_what: str
    overdue: bool


def case_rows(
    cases: Iterable[Case], today: dt.date, open_found: dict[Any, list[Due]]
) -> list[CaseRow]:
    """Return the list's rows for `cases`, with what is open on each (`open_found`, by case
    id, filled in here where missing)."""
    found = []
    for case in cases:
        due = open_found.get(case.pk)
        if due is None:
            due = open_found[case.pk] = open_steps(case, today)
        dated = [d for d in due if d.due_on is not None]
        categories = [a.category for s in case.subjects.all() for a in s.allegations.all()]
        found.append(
            CaseRow(
                case=case,
                subjects=[show_subject(s) for s in case.subjects.all()],
                categories=category_titles(case, categories),
                investigator=staff(case.investigator),
                next_due=dated[0].due_on if dated else None,
                next_what=dated[0].what if dated else (due[0].what if due else ""),
                overdue=any(d.overdue(today) for d in due),
            )
        )
    return found


# -- the case page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectRow:
    """A subject as the case page shows them, with their allegations."""

    shown: ShownSubject
    severity: str
    proceedings: str
    finding: str
    outcome: str
    allegations: list[tuple[str, str, dt.date | None]]


def subject_rows(case: Case) -> list[SubjectRow]:
    """Return each subject of the case with where they stand and their allegations."""
    found = []
    for subject in case.subjects.select_related("user").prefetch_related("allegations"):
        allegations = [
            (category_titles(case, [a.category])[0], a.description, a.arose_on)
            for a in subject.allegations.all()
        ]
        found.append(
            SubjectRow(
                shown=show_subject(subject),
                severity=label(case, "levels", subject.severity) if subject.severity else "",
                proceedings=_stage_of(case, subject),
                finding=label(case, "findings", subject.finding) if subject.finding else "",
                outcome=label(case, "outcomes", subject.outcome) if subject.outcome else "",
                allegations=allegations,
            )
        )
    return found


def _stage_of(case: Case, subject: CaseSubject) -> str:
    """Return where proceedings stand for one subject, in words."""
    if subject.proceedings_ended_on is not None:
        return f"Ended {subject.proceedings_ended_on.isoformat()}"
    if subject.forum:
        return f"{label(case, 'forums', subject.forum)} arranged"
    if subject.case_to_answer is True:
        return "Case to answer"
    if subject.case_to_answer is False:
        return "No case to answer"
    if subject.likely_proceedings:
        likely = [label(case, "forums", f) for f in subject.likely_proceedings.split(",") if f]
        return "Likely: " + ", ".join(likely)
    return ""


@dataclass(frozen=True)
class RuleSaid:
    """One rule custodes cited: id, what it says, its source."""

    id: str
    title: str
    source: str


def _rules_in(said: dict[str, Any], key: str = "rules") -> list[RuleSaid]:
    found = said.get(key) or []
    return [
        RuleSaid(str(r.get("id", "")), str(r.get("title", "")), str(r.get("source", "")))
        for r in found
        if isinstance(r, dict)
    ]


@dataclass(frozen=True)
class Entry:
    """One decision on the timeline, with what the rules said beside it."""

    decision: Decision
    by: str
    subject: str
    required: bool | None
    due_on: str
    criteria: list[RuleSaid]
    cited: list[RuleSaid]
    profile: str
    extra: list[tuple[str, str]] = field(default_factory=list)


def entries(case: Case) -> list[Entry]:
    """Return every decision on the case, in order, with who made it and what was said."""
    found = []
    decisions = case.decisions.select_related("decided_by", "subject", "subject__user")
    for decision in decisions.order_by("decided_at", "id"):
        said = decision.rules or {}
        extra = []
        if said.get("proceedings"):
            forums = [label(case, "forums", f) for f in said["proceedings"]]
            extra.append(("Likely proceedings", ", ".join(forums)))
        if said.get("open"):
            extra.append(
                ("Outcomes open", ", ".join(label(case, "outcomes", o) for o in said["open"]))
            )
        if said.get("missing"):
            extra.append(("Conditions not met", ", ".join(str(m) for m in said["missing"])))
        found.append(
            Entry(
                decision=decision,
                by=staff(decision.decided_by),
                subject=show_subject(decision.subject).name if decision.subject else "",
                required=said.get("required") if said else None,
                due_on=str(said.get("due_on") or ""),
                criteria=_rules_in(said, "criteria") + _rules_in(said, "local_triggers"),
                cited=_rules_in(said),
                profile=(
                    f"{said.get('profile', '')} rules, version {said.get('version', '')}"
                    if said.get("profile")
                    else ""
                ),
                extra=extra,
            )
        )
    return found


def matter_criteria(case: Case) -> list[RuleSaid]:
    """Return the referral criteria met, as the latest referral requirement or decision said."""
    for said in [
        *case.decisions.filter(step=_S.REFERRAL)
        .order_by("-decided_at")
        .values_list("rules", flat=True),
        *case.requirements.filter(kind=_K.REFERRAL)
        .order_by("-opened_at")
        .values_list("rules", flat=True),
    ]:
        if isinstance(said, dict) and said:
            return _rules_in(said, "criteria") + _rules_in(said, "local_triggers")
    return []


@dataclass(frozen=True)
class StepLink:
    """A step a user may take now on a case: what, about whom, and where."""

    step: str
    words: str
    url: str
    about: str = ""


def _open_for(case: Case, kind: str) -> set[Any]:
    return set(
        case.requirements.filter(kind=kind, status=Requirement.Status.OPEN).values_list(
            "subject_id", flat=True
        )
    )


def step_links(user: User, case: Case, today: dt.date | None = None) -> list[StepLink]:
    """Return the steps `user` may take now on the case (`access.may_take_step`), each where
    it makes sense on the case as it stands, with its page's address."""
    today = today or timezone.localdate()
    allowed = {s for s in _STEP_WORDS if may_take_step(user, case, s) is None}
    if not allowed:
        return []
    links: list[StepLink] = []

    def add(step: str, when: bool = True, subject: CaseSubject | None = None) -> None:
        if step in allowed and when:
            about = show_subject(subject).name if subject is not None else ""
            url = step_url(case, step, subject=subject.pk if subject is not None else None)
            links.append(StepLink(step, _STEP_WORDS[step], url, about))

    add(_S.RECORDING, case.recorded is None)
    add(_S.REFERRAL, case.referred_at is None and case.kind != Case.Kind.INTELLIGENCE)
    add(_S.APPOINTMENT, case.investigation_ended_on is None)
    add(_S.TIMELINESS, bool(timeliness_due(case, today)))
    add(_S.REPORT, case.investigator_id is not None and case.investigation_ended_on is None)
    reviews, appeals = _open_for(case, _K.RPRP_REVIEW), _open_for(case, _K.APPEAL)
    rprp_begun = set(case.decisions.filter(step=_S.RPRP).values_list("subject_id", flat=True))
    for subject in case.subjects.select_related("user"):
        ended = subject.proceedings_ended_on is not None
        add(_S.SEVERITY, not ended and subject.case_to_answer is None, subject)
        add(
            _S.NOTICE,
            case.investigator_id is not None and subject.notice_served_on is None,
            subject,
        )
        add(
            _S.CASE_TO_ANSWER,
            case.investigation_ended_on is not None and subject.case_to_answer is None,
            subject,
        )
        add(_S.PROCEEDINGS, subject.case_to_answer is True and not subject.forum, subject)
        add(_S.OUTCOME, bool(subject.forum) and not subject.outcome, subject)
        add(_S.RPRP, subject.outcome == "rprp" and subject.pk not in rprp_begun, subject)
        add(_S.RPRP_REVIEW, subject.pk in reviews, subject)
        add(_S.APPEAL, bool(subject.outcome) and subject.pk not in appeals, subject)
        add(_S.APPEAL_DECIDED, subject.pk in appeals, subject)
        add(_S.LEFT_SERVICE, subject.left_on is None, subject)
    if _S.LIST_REPORT in allowed:
        for report in case.list_reports.filter(status=ListReport.Status.DUE).select_related(
            "subject", "subject__user"
        ):
            words = report_words(report)
            url = step_url(case, _S.LIST_REPORT, report=report.pk)
            links.append(StepLink(_S.LIST_REPORT, words, url, show_subject(report.subject).name))
    add(_S.SUBJECT)
    add(_S.ALLEGATION)
    add(_S.CLOSURE)
    return links


# -- my work ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkItem:
    """Something due from one user on one case."""

    case: Case
    what: str
    subject: str
    due_on: dt.date | None
    overdue: bool
    days: str
    url: str

    @property
    def soon(self) -> bool:
        """Say whether it is overdue or due within the week."""
        today = timezone.localdate()
        return self.overdue or (
            self.due_on is not None and self.due_on <= today + dt.timedelta(days=7)
        )


def _due_link(case: Case, due: Due, step: str) -> str:
    requirement = due.requirement
    if step == _S.LIST_REPORT and requirement is not None and requirement.list_report_id:
        return step_url(case, step, report=requirement.list_report_id)
    if step in SUBJECT_STEPS and due.subject is not None:
        return step_url(case, step, subject=due.subject.pk)
    return step_url(case, step)


def work_for(user: User, cases: Iterable[Case], today: dt.date | None = None) -> list[WorkItem]:
    """Return what is due from `user` across `cases` (those they may see): only what their
    role takes, on cases they may work on; overdue first, then soonest."""
    today = today or timezone.localdate()
    if user.role not in WORK_ROLES:
        return []
    found = []
    for case in cases:
        may: dict[str, bool] = {}
        for due in open_steps(case, today):
            step = DUE_STEPS.get(due.kind)
            if step is None:
                continue
            if step not in may:
                may[step] = may_take_step(user, case, step) is None
            if not may[step]:
                continue
            subject = due.subject
            if subject is None and due.requirement is not None and due.requirement.list_report:
                subject = due.requirement.list_report.subject
            what = due.what
            if due.requirement is not None and due.requirement.list_report is not None:
                report = due.requirement.list_report
                what = report_words(report)
            found.append(
                WorkItem(
                    case=case,
                    what=what,
                    subject=show_subject(subject).name if subject is not None else "",
                    due_on=due.due_on,
                    overdue=due.overdue(today),
                    days=days_word(case, due.due_on, today),
                    url=_due_link(case, due, step),
                )
            )
    return sorted(
        found,
        key=lambda w: (not w.overdue, w.due_on or dt.date.max, w.case.reference, w.what),
    )
