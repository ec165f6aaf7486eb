"""A case's timeline and what the law still requires of it: the rows every step writes, and
the questions asked of them (what is open on a case, what is due across cases, departures).

The actions (`matter`, `path`, `lists`) call these inside their own transactions; nothing here
checks who is asking, which is the actions' part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from custodes.web.accounts.models import User
from custodes.web.cases import rules
from custodes.web.cases.models import Case, CaseSubject, Decision, ListReport, Requirement

__all__ = [
    "REASON_MIN",
    "Due",
    "add_decision",
    "departures",
    "due_across",
    "entered_as_of",
    "lock",
    "meet",
    "need_reason",
    "open_requirement",
    "open_steps",
    "step_day",
    "step_time",
    "timeliness_due",
    "unreferred_mandatory",
]

# A reason is words, not a character: the law asks for the reason for a decision.
REASON_MIN = 10

# When the steps being entered were taken, where that is not now: a caseload kept before
# custodes (a legacy system's, or the synthetic force's) entered through the real actions.
_AS_OF: ContextVar[dt.datetime | None] = ContextVar("custodes_cases_as_of", default=None)


@contextmanager
def entered_as_of(when: dt.datetime) -> Iterator[None]:
    """Enter the steps taken inside as taken at `when`, for loading an existing caseload.

    The timeline keeps `when` as the decision's time (and `entered_at`, the real time, in its
    details), the steps judge dates as on that day (a referral after its deadline is late, a
    deadline before that day is in the past); the trail records every event at the real time.
    Refused for a time in the future. Only loaders use it: the pages never do.
    """
    if timezone.is_naive(when):
        raise ValidationError("a historical step's time needs its time zone")
    if when > timezone.now():
        raise ValidationError("a step cannot be entered as taken in the future")
    token = _AS_OF.set(when)
    try:
        yield
    finally:
        _AS_OF.reset(token)


def step_time() -> dt.datetime:
    """Return when the step being taken was taken: now, or the time it is entered as of."""
    return _AS_OF.get() or timezone.now()


def step_day() -> dt.date:
    """Return the day the step being taken was taken (today, unless entered as of a day)."""
    return timezone.localdate(step_time())


def need_reason(reason: str, what: str = "this decision") -> str:
    """Return the reason, stripped; refuse one too short to say anything."""
    reason = reason.strip()
    if len(reason) < REASON_MIN:
        raise ValidationError(f"{what} needs a reason of at least {REASON_MIN} characters")
    return reason


def lock(case: Case) -> Case:
    """Return the case again, locked for this transaction: two steps on it do not interleave."""
    return Case.objects.select_for_update().get(pk=case.pk)


def add_decision(
    actor: User,
    case: Case,
    step: str,
    summary: str,
    *,
    subject: CaseSubject | None = None,
    details: dict[str, Any] | None = None,
    reason: str = "",
    said: rules.Said | None = None,
    departs: bool = False,
) -> Decision:
    """Add one row to the case's timeline (as of when the step was taken, `step_time`)."""
    details = dict(details or {})
    if _AS_OF.get() is not None:
        details["entered_at"] = timezone.now().isoformat()
    return Decision.objects.create(
        case=case,
        subject=subject,
        step=step,
        decided_by=actor,
        decided_at=step_time(),
        summary=summary[:300],
        details=details,
        reason=reason,
        rules=said.as_json() if said is not None else {},
        departs=departs,
    )


def open_requirement(
    case: Case,
    kind: str,
    *,
    subject: CaseSubject | None = None,
    list_report: ListReport | None = None,
    due_on: dt.date | None = None,
    said: rules.Said | None = None,
    details: dict[str, Any] | None = None,
) -> Requirement:
    """Open what the law requires of the case, unless the same is open already."""
    found = Requirement.objects.filter(
        case=case,
        kind=kind,
        subject=subject,
        list_report=list_report,
        status=Requirement.Status.OPEN,
    ).first()
    if found is not None:
        return found
    return Requirement.objects.create(
        case=case,
        subject=subject,
        list_report=list_report,
        kind=kind,
        due_on=due_on,
        rules={**(said.as_json() if said is not None else {}), **(details or {})},
        opened_at=step_time(),
    )


def meet(
    case: Case,
    kind: str,
    decision: Decision | None,
    *,
    subject: CaseSubject | None = None,
    list_report: ListReport | None = None,
    lapsed: bool = False,
) -> int:
    """Close what was open of `kind` (for the subject or report given): met, or no longer
    required."""
    found = Requirement.objects.filter(case=case, kind=kind, status=Requirement.Status.OPEN)
    if subject is not None:
        found = found.filter(subject=subject)
    if list_report is not None:
        found = found.filter(list_report=list_report)
    status = Requirement.Status.LAPSED if lapsed else Requirement.Status.MET
    return found.update(status=status, closed_at=step_time(), met_by=decision)


@dataclass(frozen=True)
class Due:
    """Something the law requires of a case that is not done yet, and by when."""

    case: Case
    kind: str
    what: str
    due_on: dt.date | None
    subject: CaseSubject | None = None
    requirement: Requirement | None = None

    def overdue(self, on: dt.date) -> bool:
        """Say whether it is past its day on `on`."""
        return self.due_on is not None and self.due_on < on


TIMELINESS = "timeliness"


def timeliness_due(case: Case, on: dt.date) -> list[dt.date]:
    """Return the days on which timeliness accounts fell due on the open investigation and
    have not been given."""
    if case.investigator_id is None:
        return []
    until = min(on, case.investigation_ended_on) if case.investigation_ended_on else on
    owed = [a.due for a in rules.timeliness_accounts(case, until)]
    given = set(
        case.decisions.filter(step=Decision.Step.TIMELINESS).values_list(
            "details__due_on", flat=True
        )
    )
    return [day for day in owed if day.isoformat() not in given]


def open_steps(case: Case, on: dt.date | None = None) -> list[Due]:
    """Return everything the law requires of the case that is still open on `on`."""
    on = on or timezone.localdate()
    found = [
        Due(
            case,
            r.kind,
            r.get_kind_display(),
            r.due_on,
            subject=r.subject,
            requirement=r,
        )
        for r in case.requirements.filter(status=Requirement.Status.OPEN).select_related(
            "subject", "list_report"
        )
    ]
    found += [
        Due(case, TIMELINESS, "Give the timeliness account", day)
        for day in timeliness_due(case, on)
    ]
    return sorted(found, key=lambda d: (d.due_on or dt.date.max, d.kind))


def due_across(cases: Iterable[Case], on: dt.date | None = None) -> list[Due]:
    """Return what is open on each of `cases` (those a user may see), soonest first."""
    found = [due for case in cases for due in open_steps(case, on)]
    return sorted(found, key=lambda d: (d.due_on or dt.date.max, d.case.reference, d.kind))


def departures(step: str | None = None) -> QuerySet[Decision]:
    """Return the decisions that went against what the rules required, each with its reason."""
    found = Decision.objects.filter(departs=True)
    return found.filter(step=step) if step is not None else found


def unreferred_mandatory() -> QuerySet[Decision]:
    """Return every decision not to refer a matter the rules said must be referred."""
    return departures(Decision.Step.REFERRAL).select_related("case", "decided_by")
