"""custodes' own barred and advisory list reports, put on the registry as a published list is.

Cases stands below the registry and tells it by signal (`cases.signals`): each report a case
makes becomes an `Entry` under a `ListImport` of source "custodes", and held rosters are
screened against it as against an imported list, in the same transaction; a report withdrawn
takes its entry off, so no later check finds it.

Only where the connection sees every entry and every held roster (SQLite, or the tables'
owner). The application's role on PostgreSQL sees neither for whoever makes a list report (the
appropriate authority uses no registry), and a roster screened against part of the registry, or
seen in part, would raise some matches and miss others without a word. There the receivers
leave it, and `custodes registry take-in`, run as the owner on the owner's timer, puts every
standing report on the registry and takes every withdrawn one off (`take_in_list_reports`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import router, transaction
from django.utils import timezone

from custodes.errors import CustodesError
from custodes.lists import LIMITS, categorise
from custodes.web.accounts.models import User
from custodes.web.cases.models import ListReport
from custodes.web.needtoknow.rls import row_security_binds
from custodes.web.registry.actions import _screen_held_rosters
from custodes.web.registry.matching import forget_matcher
from custodes.web.registry.models import Candidate, Entry, ListImport, Roster, RosterPerson, Service
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "RegistryTakeInError",
    "TakenIn",
    "delist_report",
    "list_report",
    "report_key",
    "sees_everything",
    "take_in_list_reports",
]


class RegistryTakeInError(CustodesError):
    """The registry and its rosters are not all visible here: nothing was taken in."""


@dataclass(frozen=True)
class TakenIn:
    """What `take_in_list_reports` changed: the entries put on, and those taken off."""

    listed: list[Entry]
    delisted: list[Entry]


# What putting a report on the registry reads: every entry (to match against) and every held
# roster with its people and earlier matches (to screen).
_REGISTRY_READS = (Entry, Roster, RosterPerson, Candidate, ListReport)


def sees_everything() -> bool:
    """Return whether this connection sees every row the registry's side of a report reads."""
    return not any(
        row_security_binds(model, router.db_for_write(model)) for model in _REGISTRY_READS
    )


def report_key(report: ListReport) -> str:
    """Return the registry key of a case's list report."""
    return f"{ListImport.Source.CUSTODES}:{report.pk}"


def _import(
    actor: User | None, report: ListReport, what: str, changes: dict[str, Any]
) -> ListImport:
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


def _actor_id(actor: User | None) -> int | None:
    return None if actor is None else actor.pk


def _cut(text: str, limit: int) -> str:
    return text.strip()[:limit]


def list_report(
    sender: Any, *, actor: User | None, report: ListReport, **kwargs: Any
) -> Entry | None:
    """Put a case's list report on the registry, and screen held rosters against it.

    None, changing nothing, where row-level security hides part of the registry: the owner's
    `custodes registry take-in` does it there.
    """
    if not sees_everything():
        return None
    return _list(actor, report)


def _list(actor: User | None, report: ListReport) -> Entry:
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
        _actor_id(actor),
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
    sender: Any, *, actor: User | None, report: ListReport, reason: str, **kwargs: Any
) -> Entry | None:
    """Take a withdrawn list report's entry off the registry.

    None, changing nothing, where row-level security hides part of the registry: the owner's
    `custodes registry take-in` does it there.
    """
    if not sees_everything():
        return None
    return _delist(actor, report, reason)


def _delist(actor: User | None, report: ListReport, reason: str) -> Entry | None:
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
        _actor_id(actor),
        Action.REGISTRY_DELISTED,
        Subject.REGISTRY_ENTRY,
        entry.pk,
        reason=reason,
        changes={"list_report": str(report.pk), "import": imported.pk},
    )
    return entry


def take_in_list_reports() -> TakenIn:
    """Put every standing list report not yet on the registry on it, screening held rosters
    against each, and take every withdrawn report's entry off; each report in its own
    transaction, on the trail as custodes' own doing (no actor).

    Only where the connection sees everything (the owner): the receivers leave this to it
    under row-level security. A report made and withdrawn before it runs is never listed.
    """
    if not sees_everything():
        raise RegistryTakeInError(
            "row-level security hides part of the registry, its rosters or the cases' list "
            "reports from this database role; take list reports in as the tables' owner "
            "(`custodes registry take-in` with the owner's DATABASE_URL)"
        )
    on = dict(
        Entry.objects.filter(key__startswith=f"{ListImport.Source.CUSTODES}:").values_list(
            "key", "withdrawn_at"
        )
    )
    waiting = []
    additions = ListReport.objects.filter(action=ListReport.Action.ADD)
    for pk, status in additions.order_by("produced_at", "pk").values_list("pk", "status"):
        key = f"{ListImport.Source.CUSTODES}:{pk}"
        standing = status != ListReport.Status.WITHDRAWN
        if (standing and key not in on) or (not standing and key in on and on[key] is None):
            waiting.append(pk)
    listed, delisted = [], []
    for pk in waiting:
        with transaction.atomic():
            # Locked, and looked at again: two runs at once take each report in once.
            report = ListReport.objects.select_for_update().get(pk=pk)
            entry = Entry.objects.filter(key=report_key(report)).first()
            if report.standing and entry is None:
                listed.append(_list(None, report))
            elif not report.standing and entry is not None and entry.withdrawn_at is None:
                gone = _delist(None, report, report.withdrawal_reason)
                if gone is not None:
                    delisted.append(gone)
    return TakenIn(listed, delisted)
