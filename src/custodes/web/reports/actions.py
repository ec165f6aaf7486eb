"""Every write of the staff side of the portal, each atomic and on the trail.

`take_in_new_reports` takes each new portal report into the queue, matching the officer it
names against the whole staff list at once; it runs only where it sees every row (SQLite, or
PostgreSQL as the tables' owner: `custodes reports take-in`, on a timer), and the pages call
`take_in_where_seen` instead. The rest are a handler's actions on one report, each checked
against need-to-know (`access.py`) and each recorded. The report's status and the messages the
reporter reads are written only through `portal.handling` (`set_status`, `handler_message`),
which record their own events with the handler's id: retention counts from the trail's record
of the status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from custodes.errors import CustodesError
from custodes.web.accounts.models import User
from custodes.web.cases.matter import NewAllegation, NewSubject, take_in
from custodes.web.cases.models import Case, CaseSubject
from custodes.web.cases.rules import vocabulary
from custodes.web.needtoknow.models import ForceStaff
from custodes.web.needtoknow.rls import row_security_binds
from custodes.web.portal import actions as portal
from custodes.web.portal import handling
from custodes.web.portal.models import Category, Report, ReportFile, Status
from custodes.web.reports.access import (
    HANDLING_ROLES,
    INTELLIGENCE_ROLES,
    ORIGINAL_ROLES,
    may_act,
    require_act,
)
from custodes.web.reports.matching import StaffList
from custodes.web.reports.models import Handling, Intake, NamedStaff
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "CASE_KINDS",
    "CATEGORY_MAP",
    "SOURCE_RECORD",
    "TakeInError",
    "acknowledge",
    "close",
    "default_category",
    "download",
    "open_case",
    "open_intelligence",
    "route",
    "safeguarding_referral",
    "sees_everything",
    "send_message",
    "take_in_new_reports",
    "take_in_where_seen",
]

# How a case opened from a report names the record it came from.
SOURCE_RECORD = "portal-report"
# The kinds of matter a report may become here (an intelligence record has its own action).
CASE_KINDS = (Case.Kind.COMPLAINT, Case.Kind.CONDUCT)
# The allegation category each of the reporting line's categories becomes, per profile; a
# category without one is chosen by the handler.
CATEGORY_MAP: dict[str, dict[str, str]] = {
    "england-wales": {
        Category.ABUSE_OF_POSITION_SEXUAL: "abuse-of-position-sexual",
        Category.CORRUPTION: "abuse-of-position-other",
        Category.PERSONAL_ADVANTAGE: "abuse-of-position-financial",
        Category.ABUSE_OF_PARTNER: "discreditable-conduct",
    },
    "us-ccrb": {
        Category.ABUSE_OF_POSITION_SEXUAL: "sexual-misconduct",
        Category.CORRUPTION: "abuse-of-authority",
        Category.PERSONAL_ADVANTAGE: "abuse-of-authority",
    },
}
_REASON_CHARS = 2000


def _today() -> dt.date:
    return timezone.localdate()


# Taking reports in.


class TakeInError(CustodesError):
    """The take-in cannot see every report or the whole staff list here: nothing was taken in."""


# What the take-in reads: reports not yet taken in, and the staff list's three sources
# (accounts are never hidden). Row-level security hides some rows of each from the
# application's role.
_TAKE_IN_READS = (Report, ForceStaff, CaseSubject, Intake, NamedStaff)


def sees_everything() -> bool:
    """Return whether this connection sees every row the take-in reads (SQLite, or the owner)."""
    return not any(row_security_binds(model) for model in _TAKE_IN_READS)


def take_in_new_reports() -> list[Intake]:
    """Take every portal report not yet taken in into the queue, each matched at once.

    Each report in its own transaction: its `Intake`, a `NamedStaff` row for everyone it may
    name, and the trail's "report received" (custodes' own event: no actor, nothing about the
    reporter). Until then no page shows the report to anyone.

    Only where it sees everything: the application's role on PostgreSQL sees no pending report
    and only part of the staff list, and a report matched against part of it could be shown
    to the very people it names. There it raises `TakeInError` and takes nothing in; run
    `custodes reports take-in` as the tables' owner (a timer does, every minute).
    """
    if not sees_everything():
        raise TakeInError(
            "row-level security hides reports or staff from this database role, so reports "
            "cannot be matched against the whole staff list; take them in as the tables' "
            "owner (`custodes reports take-in` with the owner's DATABASE_URL)"
        )
    pending = list(
        Report.objects.filter(intake__isnull=True)
        .exclude(status=Status.EXPIRED)
        .values_list("pk", flat=True)
    )
    if not pending:
        return []
    staff = StaffList()
    made: list[Intake] = []
    for report_id in pending:
        with transaction.atomic():
            # Locked, so two pages loading at once take it in once.
            report = Report.objects.select_for_update(of=("self",)).filter(pk=report_id).first()
            if report is None or Intake.objects.filter(pk=report_id).exists():
                continue
            content = portal.report_view(report)["content"]
            found = staff.match(
                str(content.get("officer_name", "")),
                str(content.get("officer_number", "")),
                str(content.get("officer_station", "")),
            )
            intake = Intake.objects.create(report=report, taken_in_on=_today(), matched=len(found))
            NamedStaff.objects.bulk_create(
                NamedStaff(
                    report=report,
                    user_id=f.person.user_id,
                    force=f.person.force,
                    force_user_id=f.person.force_user_id,
                    name=f.person.shown_name[:200],
                    how=f.how,
                    score=round(f.score, 1),
                    station_matched=f.station_matched,
                    ambiguous=f.ambiguous,
                )
                for f in found
            )
            # That a report came in, and the day: no actor, nothing about who sent it.
            handling.record_received(report)
            made.append(intake)
    return made


def take_in_where_seen() -> list[Intake]:
    """Take new reports in for a page, if this connection sees everything; else leave them.

    On SQLite (the demo) a page load takes them in at once. Where row-level security binds
    the connection (the web app on PostgreSQL), the owner's timer (`custodes reports take-in`)
    does, and until then no page shows them to anyone.
    """
    if not sees_everything():
        return []
    return take_in_new_reports()


# A handler's actions.


def _need_reason(reason: str, what: str) -> str:
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise ValidationError({"reason": f"give a reason for {what}"}, code="required")
    if len(reason) > _REASON_CHARS:
        raise ValidationError(
            {"reason": f"is too long: at most {_REASON_CHARS} characters"}, code="too-long"
        )
    return reason


def _lock(report: Report) -> Report:
    locked = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
    return locked


def _open(actor: User, report: Report, roles: Iterable[object] = HANDLING_ROLES) -> Report:
    """Lock the report and refuse anyone who may not act on it, or a closed report."""
    report = _lock(report)
    require_act(actor, report, roles)  # type: ignore[arg-type]
    if report.status == Status.CLOSED:
        raise ValidationError({"report": "the report is closed"}, code="closed")
    return report


def _handled(
    actor: User,
    report: Report,
    kind: str,
    *,
    reason: str = "",
    detail: str = "",
    case: Case | None = None,
) -> Handling:
    return Handling.objects.create(
        report=report, kind=kind, by=actor, on=_today(), reason=reason, detail=detail, case=case
    )


def _status(actor: User, report: Report, status: str, reason: str) -> None:
    if report.status != status:
        handling.set_status(report, status, handler_id=actor.pk, reason=reason)


@transaction.atomic
def acknowledge(actor: User, report: Report) -> Handling:
    """Acknowledge a new report (the reporter sees it acknowledged)."""
    report = _open(actor, report)
    if report.status != Status.NEW:
        raise ValidationError({"report": "the report is already acknowledged"}, code="done")
    _status(actor, report, Status.ACKNOWLEDGED, "Acknowledged the report")
    return _handled(actor, report, Handling.Kind.ACKNOWLEDGED)


@transaction.atomic
def send_message(actor: User, report: Report, text: str, *, question: bool = False) -> Handling:
    """Reply to the reporter, or ask them a question; they read it on the portal.

    Replying to a new report acknowledges it.
    """
    report = _open(actor, report)
    message = handling.handler_message(report, handler_id=actor.pk, text=text, question=question)
    if report.status == Status.NEW:
        _status(actor, report, Status.ACKNOWLEDGED, "Replied to the reporter")
    kind = Handling.Kind.ASKED if question else Handling.Kind.REPLIED
    return _handled(actor, report, kind, detail=f"message {message.number}")


@transaction.atomic
def route(actor: User, report: Report, force: str, reason: str) -> Handling:
    """Route the report to another force, with the reason."""
    report = _open(actor, report)
    force = (force or "").replace("\x00", "").strip()
    if not force:
        raise ValidationError({"force": "name the force it goes to"}, code="required")
    if len(force) > 200:
        raise ValidationError({"force": "is too long: at most 200 characters"}, code="too-long")
    reason = _need_reason(reason, "routing the report")
    _status(actor, report, Status.ROUTED, reason)
    handling = _handled(actor, report, Handling.Kind.ROUTED, reason=reason, detail=force)
    record(
        actor.pk,
        Action.UPDATE,
        Subject.REPORT,
        report.pk,
        reason=reason,
        changes={"routed_to": force},
    )
    return handling


@transaction.atomic
def safeguarding_referral(actor: User, report: Report, agency: str, reason: str) -> Handling:
    """Record a safeguarding referral made for the report's victim, to which agency and why."""
    report = _open(actor, report)
    agency = (agency or "").replace("\x00", "").strip()
    if not agency:
        raise ValidationError({"agency": "name the agency referred to"}, code="required")
    if len(agency) > 200:
        raise ValidationError({"agency": "is too long: at most 200 characters"}, code="too-long")
    reason = _need_reason(reason, "the safeguarding referral")
    # A referral beside a case or a routing keeps the report's status; otherwise it is the news.
    if report.status in (Status.NEW, Status.ACKNOWLEDGED):
        _status(actor, report, Status.SAFEGUARDING, reason)
    handling = _handled(actor, report, Handling.Kind.SAFEGUARDING, reason=reason, detail=agency)
    record(
        actor.pk,
        Action.UPDATE,
        Subject.REPORT,
        report.pk,
        reason=reason,
        changes={"safeguarding_referral": agency},
    )
    return handling


@transaction.atomic
def close(actor: User, report: Report, reason: str) -> Handling:
    """Close the report, with the reason."""
    report = _open(actor, report)
    reason = _need_reason(reason, "closing the report")
    _status(actor, report, Status.CLOSED, reason)
    return _handled(actor, report, Handling.Kind.CLOSED, reason=reason)


def _subjects(report: Report, chosen: Sequence[int] | None) -> list[NamedStaff]:
    named = list(NamedStaff.objects.filter(report=report).select_related("user"))
    if chosen is not None:
        wanted = set(chosen)
        named = [n for n in named if n.pk in wanted]
    if not named:
        raise ValidationError(
            {
                "subjects": "choose at least one member of staff the report names; a report "
                "that names nobody on the staff list cannot become a case"
            },
            code="required",
        )
    return named


def _new_subject(named: NamedStaff) -> NewSubject:
    first, _, last = named.name.partition(" ")
    return NewSubject(
        user=named.user,
        force=named.force,
        force_user_id=named.force_user_id,
        first_name=first if named.user is None else "",
        last_name=last if named.user is None else "",
    )


def default_category(report: Report, profile: str = "england-wales") -> str:
    """Return the allegation category the report's category becomes, or "" if none does."""
    return CATEGORY_MAP.get(profile, {}).get(report.category, "")


def _case_title(report: Report, what: str) -> str:
    # Nothing the reporter wrote: those who see the case need not be those who see the report.
    return f"{what} from portal report {report.reference}: {report.get_category_display()}"


def _take_in(
    actor: User,
    report: Report,
    *,
    kind: str,
    category: str,
    subjects: list[NamedStaff],
) -> Case:
    checker = Case(profile="england-wales")
    categories = vocabulary(checker, "categories")
    if category not in categories:
        raise ValidationError(
            {"category": "choose the allegation category for the case"}, code="invalid"
        )
    what = "Intelligence" if kind == Case.Kind.INTELLIGENCE else "Matter"
    return take_in(
        actor,
        None,
        _case_title(report, what),
        kind=kind,
        source=Case.Source.PORTAL,
        came_to_attention=min(report.received_on, _today()),
        subjects=[_new_subject(n) for n in subjects],
        allegations=[
            NewAllegation(i, category, f"See portal report {report.reference}")
            for i in range(len(subjects))
        ],
        source_record=(SOURCE_RECORD, str(report.pk)),
    )


def _link(actor: User, report: Report, case: Case, status: str, kind: str, reason: str) -> None:
    Intake.objects.filter(pk=report.pk).update(case=case)
    _status(actor, report, status, reason)
    _handled(actor, report, kind, reason=reason, detail=case.reference, case=case)
    record(
        actor.pk,
        Action.UPDATE,
        Subject.REPORT,
        report.pk,
        reason=reason,
        changes={"case": str(case.pk), "kind": case.kind},
    )


def _no_case_yet(report: Report) -> None:
    if Intake.objects.filter(pk=report.pk, case__isnull=False).exists():
        raise ValidationError({"report": "a case was already opened from it"}, code="done")


@transaction.atomic
def open_case(
    actor: User,
    report: Report,
    *,
    kind: str,
    category: str,
    reason: str,
    subjects: Sequence[int] | None = None,
) -> Case:
    """Open a case (a complaint or a conduct matter) from the report, about the staff it
    names (`subjects`: NamedStaff ids; all of them if None); link it; the report's status
    becomes "case opened"."""
    report = _open(actor, report)
    _no_case_yet(report)
    if kind not in CASE_KINDS:
        raise ValidationError({"kind": "a report becomes a complaint or a conduct matter"})
    reason = _need_reason(reason, "opening a case")
    named = _subjects(report, subjects)
    try:
        case = _take_in(actor, report, kind=kind, category=category, subjects=named)
    except PermissionDenied as denied:
        raise ValidationError(str(denied)) from None
    _link(actor, report, case, Status.CASE_OPENED, Handling.Kind.CASE, reason)
    return case


@transaction.atomic
def open_intelligence(
    actor: User,
    report: Report,
    *,
    reason: str,
    category: str = "",
    subjects: Sequence[int] | None = None,
) -> Case:
    """Keep the report as an intelligence record (a case of kind intelligence)."""
    report = _open(actor, report, INTELLIGENCE_ROLES)
    _no_case_yet(report)
    reason = _need_reason(reason, "opening an intelligence record")
    named = _subjects(report, subjects)
    category = category or default_category(report) or "discreditable-conduct"
    case = _take_in(actor, report, kind=Case.Kind.INTELLIGENCE, category=category, subjects=named)
    _link(actor, report, case, Status.INTELLIGENCE, Handling.Kind.INTELLIGENCE, reason)
    return case


@transaction.atomic
def download(actor: User, report_file: ReportFile, *, original: bool = False) -> bytes:
    """Return a file's cleaned copy (or, for the counter-corruption lead, the original kept
    as evidence), recording the download."""
    report = report_file.report
    roles = ORIGINAL_ROLES if original else INTELLIGENCE_ROLES
    why = may_act(actor, report, roles)
    if why is not None:
        if original and actor.role not in ORIGINAL_ROLES:
            why = "only the counter-corruption lead downloads the original"
        raise PermissionDenied(why)
    data = portal.file_bytes(report_file, cleaned=not original)
    record(
        actor.pk,
        Action.READ,
        Subject.REPORT,
        report.pk,
        changes={
            "file": str(report_file.pk),
            "copy": "original" if original else "cleaned",
            "bytes": len(data),
        },
    )
    return data
