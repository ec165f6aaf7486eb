"""custodes' own barred and advisory list reports, put on the registry as a published list is.

Cases stands below the registry and tells it by signal (`cases.signals`): each report a case
makes becomes an `Entry` under a `ListImport` of source "custodes", and held rosters are
screened against it as against an imported list, in the same transaction; a report withdrawn
takes its entry off, so no later check finds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.utils import timezone

from custodes.lists import LIMITS, categorise
from custodes.web.accounts.models import User
from custodes.web.cases.models import ListReport
from custodes.web.registry.actions import _screen_held_rosters
from custodes.web.registry.matching import forget_matcher
from custodes.web.registry.models import Entry, ListImport, Service
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = ["delist_report", "list_report", "report_key"]


def report_key(report: ListReport) -> str:
    """Return the registry key of a case's list report."""
    return f"{ListImport.Source.CUSTODES}:{report.pk}"


def _import(actor: User, report: ListReport, what: str, changes: dict[str, Any]) -> ListImport:
    """Return a new import that the registry's change is recorded under."""
    content = json.dumps([str(report.pk), what, changes], sort_keys=True, default=str)
    return ListImport.objects.create(
        source=ListImport.Source.CUSTODES,
        file_name=f"{report.list_type} list report {report.pk}"[:255],
        fingerprint=hashlib.sha256(content.encode()).hexdigest(),
        imported_at=timezone.now(),
        imported_by=actor,
        read=1,
        **changes,
    )


def _cut(text: str, limit: int) -> str:
    return text.strip()[:limit]


def list_report(sender: Any, *, actor: User, report: ListReport, **kwargs: Any) -> Entry:
    """Put a case's list report on the registry, and screen held rosters against it."""
    fields = report.fields
    birth = dt.date.fromisoformat(fields["birth_date"]) if fields.get("birth_date") else None
    reason = "; ".join(
        p for p in (fields.get("event", ""), fields.get("reasons", ""), *fields["allegations"]) if p
    )
    forget_matcher()
    imported = _import(actor, report, "add", {"added": 1, "changed": 0, "unchanged": 0})
    entry = Entry.objects.create(
        key=report_key(report),
        source_ref=str(report.pk),
        list_type=report.list_type,
        jurisdiction=_cut(report.case.profile, LIMITS.jurisdiction),
        first_name=_cut(fields["first_name"], LIMITS.name),
        last_name=_cut(fields["last_name"], LIMITS.name),
        birth_date=birth,
        birth_year=birth.year if birth is not None else None,
        reason=reason,
        reason_category=fields.get("reason_category") or categorise(reason),
        action_date=report.event_on,
        status="active",
        source=_cut(f"custodes: {report.subject.force} {report.list_type} list report", 255),
        extra={
            "force": report.subject.force,
            "rank": fields.get("rank", ""),
            "warrant_number": fields.get("warrant_number", ""),
            "report": str(report.pk),
        },
        content=hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest(),
        first_import=imported,
        last_change=imported,
    )
    Service.objects.create(
        entry=entry,
        agency=_cut(report.subject.force, LIMITS.agency),
        agency_raw=_cut(report.subject.force, LIMITS.agency),
        badge=_cut(fields.get("warrant_number", ""), LIMITS.badge),
        end=report.event_on,
    )
    record(
        actor.pk,
        Action.REGISTRY_LISTED,
        Subject.REGISTRY_ENTRY,
        entry.pk,
        changes={"list_report": str(report.pk), "list": report.list_type, "import": imported.pk},
    )
    # As an imported list: every held roster is screened against the new entry, and a match
    # is raised to vetting.
    _screen_held_rosters(actor, imported, [entry.pk])
    forget_matcher()
    return entry


def delist_report(
    sender: Any, *, actor: User, report: ListReport, reason: str, **kwargs: Any
) -> Entry | None:
    """Take a withdrawn list report's entry off the registry."""
    entry = Entry.objects.filter(key=report_key(report), withdrawn_at__isnull=True).first()
    if entry is None:
        return None
    forget_matcher()
    imported = _import(actor, report, "withdraw", {"added": 0, "changed": 1, "unchanged": 0})
    entry.withdrawn_at = timezone.now()
    entry.status = "expired"
    entry.last_change = imported
    entry.save(update_fields=["withdrawn_at", "status", "last_change"])
    record(
        actor.pk,
        Action.REGISTRY_DELISTED,
        Subject.REGISTRY_ENTRY,
        entry.pk,
        reason=reason,
        changes={"list_report": str(report.pk), "import": imported.pk},
    )
    return entry
