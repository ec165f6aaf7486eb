"""The barred and advisory list reports a case's steps make, and their removal.

Called inside the steps' own transactions (`path`): the rules say which reports an event
requires (`rules.list_reports`), each becomes a `ListReport` with the fields the list asks for
and its due date, what the law requires opens until it is sent, and custodes' own registry is
told (`signals.list_report_made`, `list_report_withdrawn`) so a hiring check at any force finds
what stands. Nothing is reported about a subject without a name: the steps refuse first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

from custodes.lists import categorise
from custodes.web.accounts.models import User
from custodes.web.cases import rules
from custodes.web.cases.access import show_subject
from custodes.web.cases.models import Case, CaseSubject, Decision, ListReport, Requirement
from custodes.web.cases.signals import list_report_made, list_report_withdrawn
from custodes.web.cases.timeline import meet, open_requirement
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = ["full_name", "report_event", "standing_reports", "withdraw"]


def full_name(subject: CaseSubject) -> tuple[str, str]:
    """Return the subject's first and last names, as the matter or their account gives them."""
    first, last = subject.first_name, subject.last_name
    if subject.user is not None:
        first = first or subject.user.first_name
        last = last or subject.user.last_name
    return first.strip(), last.strip()


def require_name(subject: CaseSubject, event: str) -> None:
    """Refuse a step that would report a subject to a list without their full name."""
    first, last = full_name(subject)
    if not first or not last:
        raise ValidationError(
            f"{event}: the list report needs the subject's full name; "
            "give their first and last names first"
        )


def standing_reports(subject: CaseSubject, list_type: str | None = None) -> list[ListReport]:
    """Return the subject's additions to a list that still stand."""
    found = subject.list_reports.filter(
        action=ListReport.Action.ADD,
        status__in=[ListReport.Status.DUE, ListReport.Status.SENT],
    )
    if list_type is not None:
        found = found.filter(list_type=list_type)
    return list(found.order_by("produced_at"))


def _fields(
    case: Case,
    subject: CaseSubject,
    event: str,
    on: dt.date,
    reason: str,
    asked: tuple[str, ...],
    earlier: ListReport | None,
) -> dict[str, Any]:
    """Return what the report tells the list's keeper (spec §6), and what it still lacks."""
    first, last = full_name(subject)
    categories = rules.vocabulary(case, "categories")
    titles = sorted(
        {categories.get(c, c) for c in subject.allegations.values_list("category", flat=True)}
    )
    shown = show_subject(subject)
    fields = {
        "full_name": " ".join(p for p in (first, last) if p),
        "first_name": first,
        "last_name": last,
        "force": subject.force,
        "birth_date": subject.birth_date.isoformat() if subject.birth_date else None,
        "status": subject.get_status_display() + (" (former)" if subject.former else ""),
        "rank": subject.rank or shown.role,
        "warrant_number": subject.warrant_number,
        "reasons": reason,
        "allegations": titles,
        "event": rules.profile(case.profile).label("events", event),
        "date": on.isoformat(),
        "proceedings": subject.forum,
        "earlier_advisory_report": (
            {"id": str(earlier.pk), "produced_on": earlier.produced_at.date().isoformat()}
            if earlier is not None
            else None
        ),
        # What the law asks the report to hold, in its own words.
        "asked_for": list(asked),
    }
    fields["missing"] = [
        name for name in ("birth_date", "warrant_number", "rank") if not fields[name]
    ]
    fields["reason_category"] = categorise("; ".join([*titles, reason]))
    return fields


def _told(signal: Any, sender: Any, **kwargs: Any) -> None:
    # The registry must hold what stands: a report it never heard of is one no check finds.
    if not signal.send(sender=sender, **kwargs):
        raise ImproperlyConfigured("nothing puts custodes' list reports on the registry")


def report_event(
    actor: User,
    case: Case,
    subject: CaseSubject,
    event: str,
    on: dt.date,
    *,
    decision: Decision,
    reason: str,
    no_proceedings_decided: bool = False,
) -> list[ListReport]:
    """Make the list reports (or removals) the rules say an event on `on` requires."""
    found, profile = rules.list_reports(
        case, event, on, no_proceedings_decided=no_proceedings_decided
    )
    made: list[ListReport] = []
    for wanted in found:
        if wanted.action == ListReport.Action.REMOVE:
            made += _remove(actor, case, subject, wanted, decision, reason)
            continue
        earlier = next(iter(standing_reports(subject, "advisory")), None)
        said = rules.Said(profile, "list-report", True, (wanted.rule,), due_on=wanted.due)
        report = ListReport.objects.create(
            case=case,
            subject=subject,
            list_type=wanted.list,
            action=ListReport.Action.ADD,
            event=event,
            event_on=on,
            fields=_fields(case, subject, event, on, reason, wanted.fields, earlier),
            rules=said.as_json(),
            produced_at=timezone.now(),
            produced_by=actor,
            due_on=wanted.due,
            earlier=earlier if wanted.list != "advisory" else None,
        )
        _opened(actor, case, subject, report, said)
        _told(list_report_made, report_event, actor=actor, report=report)
        made.append(report)
    return made


def _opened(
    actor: User, case: Case, subject: CaseSubject, report: ListReport, said: rules.Said
) -> None:
    open_requirement(
        case,
        Requirement.Kind.LIST_REPORT,
        subject=subject,
        list_report=report,
        due_on=report.due_on,
        said=said,
    )
    record(
        actor.pk,
        Action.LIST_REPORT,
        Subject.LIST_REPORT,
        report.pk,
        changes={
            "case_id": str(case.pk),
            "list": report.list_type,
            "action": report.action,
            "event": report.event,
            "due_on": report.due_on.isoformat() if report.due_on else None,
        },
    )


def _remove(
    actor: User,
    case: Case,
    subject: CaseSubject,
    wanted: Any,
    decision: Decision,
    reason: str,
) -> list[ListReport]:
    """Make the further report that removes each standing entry the rule names, and take the
    entry off the registry."""
    removals = []
    profile = rules.profile(case.profile)
    for standing in standing_reports(subject, wanted.list):
        said = rules.Said(profile, "list-report", True, (wanted.rule,), due_on=wanted.due)
        first, last = full_name(subject)
        removal = ListReport.objects.create(
            case=case,
            subject=subject,
            list_type=wanted.list,
            action=ListReport.Action.REMOVE,
            event=wanted.event,
            event_on=wanted.on,
            fields={
                "full_name": " ".join(p for p in (first, last) if p),
                "force": subject.force,
                "birth_date": subject.birth_date.isoformat() if subject.birth_date else None,
                "earlier_report": {
                    "id": str(standing.pk),
                    "produced_on": standing.produced_at.date().isoformat(),
                },
                "why": profile.label("events", wanted.event),
                "reasons": reason,
                "date": wanted.on.isoformat(),
                "asked_for": list(wanted.fields),
            },
            rules=said.as_json(),
            produced_at=timezone.now(),
            produced_by=actor,
            due_on=wanted.due,
            earlier=standing,
        )
        _opened(actor, case, subject, removal, said)
        withdraw(actor, standing, f"removed: {profile.label('events', wanted.event)}", decision)
        removals.append(removal)
    return removals


def withdraw(actor: User, report: ListReport, reason: str, decision: Decision | None) -> None:
    """Take back an addition that no longer stands (removed, or its dismissal overturned)."""
    report.status = ListReport.Status.WITHDRAWN
    report.withdrawn_at = timezone.now()
    report.withdrawal_reason = reason
    report.save(update_fields=["status", "withdrawn_at", "withdrawal_reason"])
    # An unsent report that no longer stands need not be sent.
    meet(report.case, Requirement.Kind.LIST_REPORT, decision, list_report=report, lapsed=True)
    record(
        actor.pk,
        Action.LIST_REPORT_WITHDRAWN,
        Subject.LIST_REPORT,
        report.pk,
        reason=reason,
        changes={"case_id": str(report.case_id), "list": report.list_type},
    )
    _told(list_report_withdrawn, withdraw, actor=actor, report=report, reason=reason)
