"""Every write to audit alerts: importing a run, and triage. Atomic and on the trail."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.utils import timezone

from custodes.audit import ALERT_COLUMNS, EVIDENCE_COLUMNS, OUTPUT_FILES
from custodes.crypto import pseudonym
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.access import (
    ALERT_ROLES,
    audit_conflict,
    may_review_audit_alerts,
    subject_account,
)
from custodes.web.alerts.models import AuditAlert, AuditEvidence, AuditRun
from custodes.web.alerts.run_files import AuditImportError, LoadedRun, read_run, run_force
from custodes.web.cases.actions import open_case
from custodes.web.cases.models import Case
from custodes.web.needtoknow.models import ForceStaff
from custodes.web.needtoknow.rls import row_security_binds
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "ALERT_COLUMNS",
    "EVIDENCE_COLUMNS",
    "OUTPUT_FILES",
    "PERSON_PURPOSE",
    "AuditImportError",
    "ImportResult",
    "case_reference",
    "dismiss_audit_alert",
    "escalate_audit_alert",
    "import_audit_run",
    "open_case_from_audit_alert",
]

PERSON_PURPOSE = "audit-person"
IMPORT_ROLES = ALERT_ROLES | {Role.ADMINISTRATOR}
_BATCH = 2000


@dataclass(frozen=True)
class ImportResult:
    """The run an import made, or the one already holding the same outputs."""

    run: AuditRun
    created: bool


def _utc(value: dt.datetime) -> dt.datetime:
    # The audit writes UTC with its zone; a file without one means UTC too, as extracts do.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _batches(rows: pa.Table) -> Iterator[dict[str, list[Any]]]:
    for batch in rows.to_batches(max_chunksize=_BATCH):
        yield batch.to_pydict()


def _refuse_row_security() -> None:
    # Under row-level security the import could not find a run imported before, nor read
    # back the alerts it wrote, and the application's role may not write these tables at
    # all: refuse before reading a file rather than fail half-way or import nothing.
    if row_security_binds(AuditAlert, router.db_for_write(AuditAlert)):
        raise AuditImportError(
            "row-level security binds this database role, which may neither see every audit "
            "alert nor write any; import with the tables' owner's DATABASE_URL (the role that "
            "runs migrations)"
        )


def import_audit_run(actor: User | None, run_dir: Path, extract_dir: Path) -> ImportResult:
    """Load an audit run's alerts and evidence and its extract's staff, all or nothing."""
    if actor is not None and actor.role not in IMPORT_ROLES:
        raise PermissionDenied(f"{actor.get_role_display()} may not import audit runs")
    _refuse_row_security()
    # Read and check everything first: no file problem can surface half-way through the writes.
    loaded = read_run(Path(run_dir), Path(extract_dir), settings.AUDIT_TRUSTED_KEYS)
    return _store(actor, loaded)


@transaction.atomic
def _store(actor: User | None, loaded: LoadedRun) -> ImportResult:
    existing = AuditRun.objects.filter(fingerprint=loaded.fingerprint).first()
    if existing is not None:
        return ImportResult(existing, created=False)
    run = AuditRun.objects.create(
        source=loaded.source,
        fingerprint=loaded.fingerprint,
        force=run_force(loaded.staff),
        imported_at=timezone.now(),
        imported_by=actor,
        staff_count=len(loaded.staff),
        alert_count=len(loaded.alerts),
        evidence_count=loaded.evidence.num_rows,
        look_ups=loaded.look_ups,
        explained=loaded.explained,
        explained_share=loaded.explained / loaded.look_ups if loaded.look_ups else 1.0,
        signed_by=loaded.signed.key_id,
        extract_fingerprint=loaded.signed.extract_fingerprint,
        rules_sha256=loaded.signed.rules.sha256,
        rules_packaged=loaded.signed.rules.packaged,
    )
    ForceStaff.objects.bulk_create(
        (
            ForceStaff(
                run=run,
                force=s.force,
                user_id=user_id,
                unit=s.unit,
                line_manager_id=s.line_manager_id,
            )
            for user_id, s in loaded.staff.items()
        ),
        batch_size=_BATCH,
    )
    AuditAlert.objects.bulk_create(
        (
            AuditAlert(
                run=run,
                rank=int(a["rank"]),
                force=loaded.staff[str(a["user_id"])].force,
                force_user_id=str(a["user_id"]),
                score=float(a["score"]),
                summary=str(a["summary"] or ""),
                reasons=str(a["reasons"] or ""),
                events=int(a["events"]),
                first_ts=_utc(a["first_ts"]),
                last_ts=_utc(a["last_ts"]),
            )
            for a in loaded.alerts
        ),
        batch_size=_BATCH,
    )
    # Asked back rather than taken from bulk_create, which fills in ids only where the
    # database returns them.
    alert_ids = dict(AuditAlert.objects.filter(run=run).values_list("force_user_id", "pk"))
    key = settings.PSEUDONYM_KEY
    for batch in _batches(loaded.evidence):
        AuditEvidence.objects.bulk_create(
            AuditEvidence(
                alert_id=alert_ids[user_id],
                event_id=str(event_id),
                # The person is kept only as a keyed pseudonym: custodes need not know who.
                person=pseudonym(key, str(person_id), purpose=PERSON_PURPOSE)
                if person_id is not None
                else "",
                signal=str(signal),
                explanation_found=str(found or ""),
                explanation_sought=str(sought or ""),
            )
            for user_id, event_id, person_id, signal, found, sought in zip(
                *(batch[c] for c in EVIDENCE_COLUMNS), strict=True
            )
        )
    record(
        actor.pk if actor else None,
        Action.IMPORT,
        Subject.AUDIT_RUN,
        run.pk,
        changes={
            "source": run.source,
            "fingerprint": run.fingerprint,
            "staff": run.staff_count,
            "alerts": run.alert_count,
            "evidence": run.evidence_count,
            "signed_by": run.signed_by,
            "extract": run.extract_fingerprint,
            "rules": run.rules_sha256,
            "made_at": loaded.signed.made_at,
        },
    )
    return ImportResult(run, created=True)


def _triage(
    actor: User,
    alert: AuditAlert,
    reason: str,
    action: Action,
    to: AuditAlert.Status,
    allowed_from: set[AuditAlert.Status],
    then: Callable[[AuditAlert], dict[str, Any]] | None = None,
) -> AuditAlert:
    """Move an alert the actor may see to status `to`, with a reason, on the trail."""
    if not may_review_audit_alerts(actor):
        raise PermissionDenied("only counter-corruption staff known in the force may triage")
    # Locked and read afresh: two analysts acting at once must not both move it.
    locked = AuditAlert.objects.select_for_update().get(pk=alert.pk)
    if audit_conflict(actor, locked) is not None:
        raise PermissionDenied("you may not act on an alert about yourself, your chain or unit")
    if not reason.strip():
        raise ValidationError("give a reason")
    if locked.status not in allowed_from:
        raise ValidationError(f"the alert is already {locked.get_status_display().lower()}")
    old = locked.status
    extra = then(locked) if then is not None else {}
    locked.status = to
    locked.triage_reason = reason.strip()
    locked.triaged_by = actor
    locked.triaged_at = timezone.now()
    locked.save(update_fields=["status", "triage_reason", "triaged_by", "triaged_at", "case"])
    record(
        actor.pk,
        action,
        Subject.AUDIT_ALERT,
        locked.pk,
        reason=locked.triage_reason,
        changes={"status": [old, str(to)], **extra},
    )
    return locked


@transaction.atomic
def dismiss_audit_alert(actor: User, alert: AuditAlert, reason: str) -> AuditAlert:
    """Dismiss an alert: its look-ups are explained or not worth pursuing, and why."""
    return _triage(
        actor,
        alert,
        reason,
        Action.DISMISS,
        AuditAlert.Status.DISMISSED,
        {AuditAlert.Status.NEW, AuditAlert.Status.ESCALATED},
    )


@transaction.atomic
def escalate_audit_alert(actor: User, alert: AuditAlert, reason: str) -> AuditAlert:
    """Escalate an alert for intelligence development, with the reason."""
    return _triage(
        actor,
        alert,
        reason,
        Action.ESCALATE,
        AuditAlert.Status.ESCALATED,
        {AuditAlert.Status.NEW},
    )


def case_reference(alert: AuditAlert) -> str:
    """Return a new reference for a case opened from `alert`: the run and a random part.

    Not the alert's rank: a rank names a place in the whole run, which need-to-know does not
    show everyone, and a reference travels further than the queue.
    """
    return f"AUDIT-{alert.run_id}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def open_case_from_audit_alert(actor: User, alert: AuditAlert, reason: str) -> Case:
    """Open a case about the alert's subject (their custodes account, if any) and link it."""
    opened: list[Case] = []

    def open_it(locked: AuditAlert) -> dict[str, Any]:
        summary = locked.summary if len(locked.summary) <= 150 else locked.summary[:149] + "…"
        # open_case refuses (PermissionDenied) what the actor may not open; that refusal ends
        # this action too, and the atomic block takes back everything done so far.
        case = open_case(
            actor,
            case_reference(locked),
            f"Access audit: {summary}",
            subject_account(locked),
            # The subject as the force knows them, so the case keeps the alert's need-to-know
            # (the force's charts) though most force staff have no custodes account.
            subject_force=locked.force,
            subject_force_user_id=locked.force_user_id,
            # Intelligence until assessed, from the alert it was opened on.
            kind=Case.Kind.INTELLIGENCE,
            source=Case.Source.AUDIT_ALERT,
            source_record_type="audit-alert",
            source_record_id=str(locked.pk),
            came_to_attention=timezone.localdate(),
            arose_on=min(timezone.localdate(locked.first_ts), timezone.localdate()),
        )
        locked.case = case
        opened.append(case)
        return {"case_id": str(case.pk)}

    _triage(
        actor,
        alert,
        reason,
        Action.OPEN_CASE,
        AuditAlert.Status.CASE_OPENED,
        {AuditAlert.Status.NEW, AuditAlert.Status.ESCALATED},
        then=open_it,
    )
    return opened[0]
