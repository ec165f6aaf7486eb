"""Every write of early intervention: importing a run, a case from an entry, and plans.

Each is atomic and leaves its event on the trail. How an entry is tied to a member of staff
(`tie_officer`), decided once at import:

- `account:ID` (custodes' own export of a subject with no force user id) is that account,
  unless the run names the officer and the account has another name: a run from another
  custodes would otherwise tie the entry to a stranger here, hiding it from the wrong people
  and showing it to the real officer's colleagues;
- `FORCE:ID` (custodes' export of a subject known in a force's systems) is force FORCE's id ID;
- any other ref (an imported history, e.g. the CCRB's) is the agency's id, the ref itself.

An id is tied to the account holding it (of that force first, as need-to-know finds accounts),
else to the force's staff if an imported force chart lists it; else the entry is untied:
nobody custodes knows, so need-to-know has no chart to apply, and only the lead sees it
(`access.UNTIED_ROLES`), still hidden by the run's own unit and name as every entry is.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.utils import timezone

from custodes.web.accounts.models import Role, User
from custodes.web.cases.actions import open_case
from custodes.web.cases.models import Case
from custodes.web.needtoknow.models import ForceStaff
from custodes.web.needtoknow.rls import row_security_binds
from custodes.web.risk.access import PLAN_ROLES, RISK_ROLES, entry_conflict
from custodes.web.risk.models import InterventionPlan, PlanReview, RiskEntry, RiskRun
from custodes.web.risk.run_files import (
    LoadedOfficer,
    LoadedRiskRun,
    RiskImportError,
    mentioned,
    name_key,
    read_risk_run,
)
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "IMPORT_ROLES",
    "ImportResult",
    "RiskImportError",
    "Tie",
    "close_plan",
    "create_plan",
    "import_risk_run",
    "open_case_from_entry",
    "review_plan",
    "tie_officer",
]

IMPORT_ROLES = frozenset({Role.CC_LEAD, Role.ADMINISTRATOR})
_BATCH = 2000


@dataclass(frozen=True)
class ImportResult:
    """The run an import made, or the one already holding the same files."""

    run: RiskRun
    created: bool


@dataclass(frozen=True)
class Tie:
    """Who an entry is about, as need-to-know will decide it."""

    subject_id: int | None
    force: str
    force_user_id: str
    tie: str


class _Known:
    """The accounts and force staff ids custodes holds, read once per import."""

    def __init__(self) -> None:
        rows = User.objects.values_list("pk", "force", "force_user_id", "first_name", "last_name")
        self.by_pk = {pk: (force, fid, first, last) for pk, force, fid, first, last in rows}
        self.by_fid: dict[str, list[tuple[int, str]]] = {}
        for pk, force, fid, _, _ in rows:
            if fid:
                self.by_fid.setdefault(str(fid), []).append((pk, str(force)))
        self.staff = set(ForceStaff.objects.values_list("user_id", flat=True).distinct())


def tie_officer(officer: LoadedOfficer, known: _Known | None = None) -> Tie:
    """Return who a ranked officer is in custodes (see the module's docstring)."""
    known = known or _Known()
    ref = officer.officer_ref
    if ref.startswith("account:"):
        held = known.by_pk.get(int(ref[8:])) if ref[8:].isdigit() else None
        run_name = name_key(officer.first_name, officer.last_name)
        if held is not None:
            force, fid, first, last = held
            own_name = name_key(first, last)
            if not (run_name and own_name and run_name != own_name):
                return Tie(int(ref[8:]), str(force), str(fid or ""), RiskEntry.Tie.ACCOUNT)
        return Tie(None, officer.agency, ref, RiskEntry.Tie.UNTIED)
    force, fid = ref.split(":", 1) if ":" in ref else (officer.agency, ref)
    accounts = known.by_fid.get(fid, [])
    if accounts:
        pk, _ = min(accounts, key=lambda a: (a[1] != force, a[0]))
        return Tie(pk, force, fid, RiskEntry.Tie.ACCOUNT)
    if fid in known.staff:
        return Tie(None, force, fid, RiskEntry.Tie.FORCE_ID)
    return Tie(None, force, fid, RiskEntry.Tie.UNTIED)


def _refuse_row_security() -> None:
    # As the audit import: under row-level security the application's role may not write
    # runs, nor see every account and chart an entry must be tied against.
    if row_security_binds(RiskEntry, router.db_for_write(RiskEntry)):
        raise RiskImportError(
            "row-level security binds this database role, which may not write risk runs; "
            "import with the tables' owner's DATABASE_URL (the role that runs migrations)"
        )


def import_risk_run(actor: User | None, folder: Path) -> ImportResult:
    """Load a risk run folder whole, all or nothing; the same files again add nothing."""
    if actor is not None and actor.role not in IMPORT_ROLES:
        raise PermissionDenied(f"{actor.get_role_display()} may not import risk runs")
    _refuse_row_security()
    # Every file read and checked before the first write.
    return _store(actor, read_risk_run(Path(folder)))


@transaction.atomic
def _store(actor: User | None, loaded: LoadedRiskRun) -> ImportResult:
    existing = RiskRun.objects.filter(fingerprint=loaded.fingerprint).first()
    if existing is not None:
        return ImportResult(existing, created=False)
    # The summary must name no officer: one page cannot be cut to what each viewer may see,
    # and a page some viewers are refused tells them someone close to them is on it. A summary
    # that names anyone (by ref or by name) is not kept, for anyone.
    named = mentioned(loaded.report, loaded.officers)
    report = "" if named else loaded.report
    run = RiskRun.objects.create(
        source=loaded.source[:255],
        fingerprint=loaded.fingerprint,
        files=loaded.files,
        as_of=loaded.as_of,
        label=loaded.label,
        horizon_days=loaded.horizon_days,
        officers_scored=len(loaded.officers),
        model=loaded.model,
        evaluation=loaded.evaluation,
        report=report,
        imported_at=timezone.now(),
        imported_by=actor,
    )
    known = _Known()
    ties: dict[str, int] = dict.fromkeys(RiskEntry.Tie.values, 0)
    entries: list[RiskEntry] = []
    for officer in loaded.officers:
        tie = tie_officer(officer, known)
        ties[tie.tie] += 1
        entries.append(
            RiskEntry(
                run=run,
                rank=officer.rank,
                officer_ref=officer.officer_ref,
                score=officer.score,
                reasons=officer.reasons,
                first_name=officer.first_name,
                last_name=officer.last_name,
                name_key=name_key(officer.first_name, officer.last_name),
                agency=officer.agency,
                grade=officer.grade,
                unit=officer.unit,
                rules=officer.rules,
                subject_id=tie.subject_id,
                force=tie.force[:100],
                force_user_id=tie.force_user_id,
                tie=tie.tie,
            )
        )
    RiskEntry.objects.bulk_create(entries, batch_size=_BATCH)
    record(
        actor.pk if actor else None,
        Action.RISK_IMPORT,
        Subject.RISK_RUN,
        run.pk,
        changes={
            "source": run.source,
            "fingerprint": run.fingerprint,
            "files": run.files,
            "as_of": run.as_of.isoformat(),
            "label": run.label,
            "officers": run.officers_scored,
            "ties": ties,
            "in_report": len(named),
            "summary": "kept" if report else ("not kept: it names officers" if named else "none"),
        },
    )
    return ImportResult(run, created=True)


def _require(actor: User, entry: RiskEntry, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"{actor.get_role_display()} may not {what}")
    if entry_conflict(actor, entry) is not None:
        raise PermissionDenied(f"you may not {what} about this officer")


def case_reference(entry: RiskEntry) -> str:
    """Return a new reference for a case opened from an entry: the run and a random part."""
    # Not the rank: a rank names a place in the whole run, which need-to-know does not show.
    return f"EI-{entry.run_id}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def open_case_from_entry(actor: User, entry: RiskEntry, reason: str) -> Case:
    """Open an intelligence case about the entry's officer and link it to the entry."""
    # Only the entry's row: the run's is the import's, which the application's role may not lock.
    locked = (
        RiskEntry.objects.select_for_update(of=("self",)).select_related("run").get(pk=entry.pk)
    )
    _require(actor, locked, RISK_ROLES, "open a case from the list")
    if not reason.strip():
        raise ValidationError("give a reason")
    if locked.case_id is not None:
        raise ValidationError("a case is already open from this entry")
    # The cases app has no early-intervention source; "another source", with the entry as
    # the source record, says where it came from without changing the cases app.
    case = open_case(
        actor,
        case_reference(locked),
        f"Early intervention: {locked.name}"[:200],
        locked.subject,
        subject_force=locked.force,
        subject_force_user_id=locked.force_user_id or None,
        kind=Case.Kind.INTELLIGENCE,
        source=Case.Source.OTHER,
        source_record_type="risk-entry",
        source_record_id=str(locked.pk),
        came_to_attention=timezone.localdate(),
    )
    locked.case = case
    locked.save(update_fields=["case"])
    record(
        actor.pk,
        Action.RISK_OPEN_CASE,
        Subject.RISK_ENTRY,
        locked.pk,
        reason=reason.strip(),
        changes={"case_id": str(case.pk), "run": locked.run_id},
    )
    return case


def _check_dates(deadline: dt.date, review_on: dt.date) -> None:
    today = timezone.localdate()
    if deadline < today:
        raise ValidationError({"deadline": "the deadline has passed"})
    if review_on < today:
        raise ValidationError({"review_on": "the review date has passed"})
    if review_on > deadline:
        raise ValidationError({"review_on": "review the plan by its deadline"})


@transaction.atomic
def create_plan(
    actor: User,
    entry: RiskEntry,
    actions: str,
    deadline: dt.date,
    review_on: dt.date,
    owner: User,
) -> InterventionPlan:
    """Start an intervention plan for the entry's officer, owned by someone who may see it."""
    locked = RiskEntry.objects.select_for_update().get(pk=entry.pk)
    _require(actor, locked, PLAN_ROLES, "start an intervention plan")
    if owner.role not in PLAN_ROLES or entry_conflict(owner, locked) is not None:
        raise ValidationError({"owner": "the owner must be someone who may see this officer"})
    if not actions.strip():
        raise ValidationError({"actions": "say what will be done"})
    _check_dates(deadline, review_on)
    if InterventionPlan.objects.filter(
        entry__officer_ref=locked.officer_ref, status=InterventionPlan.Status.OPEN
    ).exists():
        raise ValidationError("the officer already has an open plan")
    plan = InterventionPlan.objects.create(
        entry=locked,
        actions=actions.strip(),
        deadline=deadline,
        review_on=review_on,
        owner=owner,
        created_by=actor,
        created_at=timezone.now(),
    )
    record(
        actor.pk,
        Action.PLAN_CREATE,
        Subject.INTERVENTION_PLAN,
        plan.pk,
        changes={
            "entry": locked.pk,
            "deadline": deadline.isoformat(),
            "review_on": review_on.isoformat(),
            "owner": owner.pk,
        },
    )
    return plan


def _lock_open(actor: User, plan: InterventionPlan, what: str) -> InterventionPlan:
    locked = (
        InterventionPlan.objects.select_for_update(of=("self",))
        .select_related("entry")
        .get(pk=plan.pk)
    )
    _require(actor, locked.entry, PLAN_ROLES, what)
    if locked.status != InterventionPlan.Status.OPEN:
        raise ValidationError("the plan is closed")
    return locked


@transaction.atomic
def review_plan(
    actor: User,
    plan: InterventionPlan,
    notes: str,
    next_review_on: dt.date,
    deadline: dt.date | None = None,
) -> PlanReview:
    """Record a review of an open plan and when it is next reviewed (and a new deadline)."""
    locked = _lock_open(actor, plan, "review an intervention plan")
    if not notes.strip():
        raise ValidationError({"notes": "say what the review found"})
    new_deadline = deadline or locked.deadline
    _check_dates(new_deadline, next_review_on)
    review = PlanReview.objects.create(
        plan=locked,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
        notes=notes.strip(),
        next_review_on=next_review_on,
    )
    changes: dict[str, Any] = {
        "review": review.pk,
        "review_on": [locked.review_on.isoformat(), next_review_on.isoformat()],
    }
    if new_deadline != locked.deadline:
        changes["deadline"] = [locked.deadline.isoformat(), new_deadline.isoformat()]
    locked.review_on, locked.deadline = next_review_on, new_deadline
    locked.save(update_fields=["review_on", "deadline"])
    record(actor.pk, Action.PLAN_REVIEW, Subject.INTERVENTION_PLAN, locked.pk, changes=changes)
    return review


@transaction.atomic
def close_plan(actor: User, plan: InterventionPlan, outcome: str, note: str) -> InterventionPlan:
    """Close an open plan with its outcome."""
    locked = _lock_open(actor, plan, "close an intervention plan")
    if outcome not in InterventionPlan.Outcome.values:
        raise ValidationError({"outcome": "choose an outcome"})
    if not note.strip():
        raise ValidationError({"note": "say what came of the plan"})
    locked.status = InterventionPlan.Status.CLOSED
    locked.outcome = outcome
    locked.outcome_note = note.strip()
    locked.closed_by = actor
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "outcome", "outcome_note", "closed_by", "closed_at"])
    record(
        actor.pk,
        Action.PLAN_CLOSE,
        Subject.INTERVENTION_PLAN,
        locked.pk,
        reason=locked.outcome_note,
        changes={"status": ["open", "closed"], "outcome": outcome},
    )
    return locked
