"""The records statistics count, from custodes' own cases (`custodes.stats` counts them).

One row per allegation, per case (a matter) and per list report required, with the columns
`custodes.stats.records` defines: dimensions as strings, stages as booleans. An allegation's
finding, outcome and end of handling are read as the officer-history export reads them
(`cases.export.subject_standing`, over the profile's mapping in `custodes.caserules`), so a
publication from the cases and one from their export count alike. custodes holds no subject's
sex or ethnicity: both are "not recorded", and a publication leaves their tables out, saying so.

As of a date, only what custodes knew by then counts: cases that came to attention by then,
and each step only once its decision (on the case's timeline, dated as the step was taken) or
its own date (referred, closed, an outcome given, a report sent) was on or before that day; an
appeal decided later leaves the outcome it overturned. Without a date, everything held.

This is an operator's statistic over every case, not limited by need-to-know (as `cases
export` is): it reads with the database's owner, and refuses a role row-level security binds.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from typing import Any

import pandas as pd
from django.utils import timezone

from custodes.caserules import history_mapping
from custodes.errors import CustodesError
from custodes.stats import (
    ALLEGATION_DIMENSIONS,
    LIST_REPORT_STAGES,
    MATTER_STAGES,
    NOT_RECORDED,
    STAGES,
    Records,
    age_band,
    days_band,
    year_label,
)
from custodes.web.cases.export import OPEN, every_case, subject_standing
from custodes.web.cases.models import (
    Allegation,
    Case,
    CaseSubject,
    Decision,
    ListReport,
    Requirement,
)

__all__ = ["StatsError", "case_records"]

_S = Decision.Step
_FINDINGS_ON_MERITS = ("substantiated", "not-substantiated", "unfounded", "exonerated")
_NO_ACTION = ("none", "resigned-under-investigation")


class StatsError(CustodesError):
    """Statistics cannot be built or published from the cases as asked; nothing was written."""


def _day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def _by(day: dt.date | None, as_of: dt.date | None) -> bool:
    """Say whether something dated `day` was known by `as_of` (always, without a date)."""
    return day is not None and (as_of is None or day <= as_of)


class _Timeline:
    """A case's decisions, to ask which steps were taken by a date."""

    def __init__(self, decisions: list[Decision], as_of: dt.date | None) -> None:
        self.as_of = as_of
        self.steps: dict[tuple[str, object], list[Decision]] = defaultdict(list)
        for decision in decisions:
            self.steps[(decision.step, None)].append(decision)
            if decision.subject_id is not None:
                self.steps[(decision.step, decision.subject_id)].append(decision)

    def taken(self, step: str, subject: object = None) -> bool:
        """Say whether a decision of `step` (about `subject`, if given) was made by the date."""
        return any(_by(_day(d.decided_at), self.as_of) for d in self.steps[(step, subject)])

    def later(self, step: str, subject: object) -> list[Decision]:
        """Return the decisions of `step` about `subject` made after the date, oldest first."""
        if self.as_of is None:
            return []
        return [d for d in self.steps[(step, subject)] if _day(d.decided_at) > self.as_of]  # type: ignore[operator]


def _case_then(case: Case, timeline: _Timeline) -> Case:
    """Return the case as it stood at the timeline's date (itself, without one)."""
    as_of = timeline.as_of
    if as_of is None:
        return case
    then = copy.copy(case)
    if not _by(_day(case.closed_at), as_of):
        then.closed_at = None
    if not _by(_day(case.referred_at), as_of):
        then.referred_at = None
    if not timeline.taken(_S.RECORDING):
        then.recorded = None
    if not timeline.taken(_S.APPOINTMENT):
        then.investigator_id = None
    return then


def _subject_then(subject: CaseSubject, timeline: _Timeline) -> CaseSubject:
    """Return the subject as they stood at the timeline's date (themselves, without one)."""
    as_of = timeline.as_of
    if as_of is None:
        return subject
    then = copy.copy(subject)
    if not _by(subject.outcome_on, as_of):
        then.finding, then.outcome, then.outcome_on = "", "", None
    else:
        overturned = timeline.later(_S.APPEAL_DECIDED, subject.pk)
        allowed = [d for d in overturned if d.details.get("allowed")]
        if allowed:
            then.outcome = str(allowed[0].details.get("before") or "")
    if not _by(subject.proceedings_ended_on, as_of):
        then.proceedings_ended_on = None
    if not _by(subject.left_on, as_of):
        then.left_on, then.left_how = None, ""
    if not timeline.taken(_S.CASE_TO_ANSWER, subject.pk):
        then.case_to_answer = None
    if not (timeline.taken(_S.PROCEEDINGS, subject.pk) or _by(subject.outcome_on, as_of)):
        then.forum = ""
    return then


def _listed(reports: list[ListReport], as_of: dt.date | None) -> bool:
    """Say whether an addition to a list stood for the subject at the date."""
    for report in reports:
        if report.action != ListReport.Action.ADD or not _by(_day(report.produced_at), as_of):
            continue
        if as_of is None:
            if report.standing:
                return True
        elif report.withdrawn_at is None or _day(report.withdrawn_at) > as_of:  # type: ignore[operator]
            return True
    return False


def _agency(subject: CaseSubject) -> str:
    account = subject.user
    return subject.force or (account.force if account is not None else "") or NOT_RECORDED


def _allegation_row(
    allegation: Allegation,
    case: Case,
    subject: CaseSubject,
    where: dict[str, Any],
    group: str,
    listed: bool,
) -> dict[str, Any]:
    finding = str(where["finding"])
    outcome = where["outcome_group"]
    closed_date = where["closed_date"] if finding != OPEN else None
    birth = subject.birth_date
    age = None
    if birth is not None:
        came = case.came_to_attention
        age = came.year - birth.year - ((came.month, came.day) < (birth.month, birth.day))
    days = (closed_date - case.came_to_attention).days if closed_date is not None else None
    return {
        "record_id": str(allegation.pk),
        "agency": _agency(subject),
        "year": year_label(case.came_to_attention),
        "category_group": group or NOT_RECORDED,
        "sexual": "sexual" if group == "sexual" else "other",
        "finding": finding,
        "outcome_group": outcome or NOT_RECORDED,
        # custodes keeps no subject's sex or ethnicity.
        "sex": NOT_RECORDED,
        "age_band": age_band(age),
        "ethnicity": NOT_RECORDED,
        "days_band": days_band(days),
        "received": True,
        "recorded": case.recorded is True,
        "referred": case.referred_at is not None,
        "investigated": case.investigator_id is not None,
        "case_to_answer": subject.case_to_answer is True,
        "proceedings": subject.forum not in ("", "none"),
        "closed": finding != OPEN,
        "finding_made": finding in _FINDINGS_ON_MERITS,
        "substantiated": finding == "substantiated",
        "action_taken": outcome is not None and outcome not in _NO_ACTION,
        "dismissed": outcome == "dismissed",
        "left_under_investigation": outcome == "resigned-under-investigation",
        "list_entry": listed,
    }


def _matter_row(
    case: Case, then: Case, timeline: _Timeline, sexual: bool, required_known: bool
) -> dict[str, Any]:
    required = case.referral_mandatory is True and required_known
    referred = required and then.referred_at is not None
    on_time = (
        referred and case.referral_due is not None and _day(then.referred_at) <= case.referral_due  # type: ignore[operator]
    )
    departed = any(
        d.departs and _by(_day(d.decided_at), timeline.as_of)
        for d in timeline.steps[(_S.REFERRAL, None)]
    )
    return {
        "record_id": str(case.pk),
        "agency": _case_agency(case),
        "year": year_label(case.came_to_attention),
        "sexual": "sexual" if sexual else "other",
        "matters": True,
        "referral_required": required,
        "referred_when_required": referred,
        "referred_on_time": bool(on_time),
        "referral_departed": departed,
    }


def _case_agency(case: Case) -> str:
    for subject in case.subjects.all():
        return _agency(subject)
    return case.subject_force or NOT_RECORDED


def _list_report_row(report: ListReport, as_of: dt.date | None) -> dict[str, Any] | None:
    """Return a required list report's row, or None for one that was not required then (not
    yet produced, a removal, or withdrawn by then)."""
    if report.action != ListReport.Action.ADD or not _by(_day(report.produced_at), as_of):
        return None
    withdrawn = _day(report.withdrawn_at)
    if report.status == ListReport.Status.WITHDRAWN and (as_of is None or _by(withdrawn, as_of)):
        return None
    sent = _day(report.sent_at) if _by(_day(report.sent_at), as_of) else None
    counted = report.due_on or timezone.localdate(report.produced_at)
    return {
        "record_id": str(report.pk),
        "year": year_label(counted),
        "list_type": report.list_type,
        "list_reports_due": True,
        "list_reports_sent": sent is not None,
        "list_reports_on_time": sent is not None
        and report.due_on is not None
        and sent <= report.due_on,
    }


def case_records(as_of: dt.date | None = None) -> Records:
    """Return the records of every case as they stood at `as_of` (everything held, without a
    date): allegations, matters and required list reports (see the module). Raises StatsError
    when row-level security binds the database role, which would hide cases."""
    allegation_rows: list[dict[str, Any]] = []
    matter_rows: list[dict[str, Any]] = []
    report_rows: list[dict[str, Any]] = []
    with every_case(StatsError, "publish"):
        cases = Case.objects.order_by("came_to_attention", "opened_at", "pk").prefetch_related(
            "subjects__user"
        )
        if as_of is not None:
            cases = cases.filter(came_to_attention__lte=as_of)
        decisions: dict[object, list[Decision]] = defaultdict(list)
        for decision in Decision.objects.order_by("decided_at", "pk"):
            decisions[decision.case_id].append(decision)
        allegations: dict[object, list[Allegation]] = defaultdict(list)
        for allegation in Allegation.objects.order_by("added_at", "pk"):
            allegations[allegation.subject_id].append(allegation)
        reports: dict[object, list[ListReport]] = defaultdict(list)
        for report in ListReport.objects.order_by("produced_at", "pk"):
            reports[report.subject_id].append(report)
        referral_opened: dict[object, dt.date] = {}
        for requirement in Requirement.objects.filter(kind=Requirement.Kind.REFERRAL):
            day = timezone.localdate(requirement.opened_at)
            referral_opened[requirement.case_id] = min(
                day, referral_opened.get(requirement.case_id, day)
            )
        for case in cases:
            timeline = _Timeline(decisions[case.pk], as_of)
            then = _case_then(case, timeline)
            mapping = history_mapping(case.profile)
            sexual = False
            for subject in case.subjects.all():
                subject_then = _subject_then(subject, timeline)
                where = subject_standing(then, subject_then, mapping)
                listed = _listed(reports[subject.pk], as_of)
                for allegation in allegations[subject.pk]:
                    if as_of is not None and _day(allegation.added_at) > as_of:  # type: ignore[operator]
                        continue
                    group = mapping.group_of(allegation.category)
                    sexual = sexual or group == "sexual"
                    allegation_rows.append(
                        _allegation_row(allegation, then, subject_then, where, group, listed)
                    )
                for report in reports[subject.pk]:
                    row = _list_report_row(report, as_of)
                    if row is not None:
                        report_rows.append(row)
            required_known = (
                as_of is None
                or _by(referral_opened.get(case.pk), as_of)
                or timeline.taken(_S.REFERRAL)
            )
            matter_rows.append(_matter_row(case, then, timeline, sexual, required_known))
    return Records(
        allegations=_frame(allegation_rows, _ALLEGATION_COLUMNS),
        matters=_frame(matter_rows, _MATTER_COLUMNS),
        list_reports=_frame(report_rows, _LIST_REPORT_COLUMNS),
    )


_ALLEGATION_COLUMNS = ("record_id", *ALLEGATION_DIMENSIONS, *(s.column for s in STAGES))
_MATTER_COLUMNS = ("record_id", "agency", "year", "sexual", *(s.column for s in MATTER_STAGES))
_LIST_REPORT_COLUMNS = ("record_id", "year", "list_type", *(s.column for s in LIST_REPORT_STAGES))
_STAGE_COLUMNS = {s.column for s in (*STAGES, *MATTER_STAGES, *LIST_REPORT_STAGES)}


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """Return rows as a frame with exactly `columns`: stages boolean, the rest strings."""
    frame = pd.DataFrame(rows, columns=list(columns))
    for column in columns:
        frame[column] = frame[column].astype(bool if column in _STAGE_COLUMNS else object)
    return frame
