"""Officers joining from another force: the registry's check, the former force's vetting record,
and a re-vetting task, each before the start date.

Recording a transfer (`record_transfer`) checks the person against every list the registry
holds at once (barred and advisory lists included: the registry's one-person check,
`registry.actions.check_applicant`), keeps that check, records that the former force's vetting
record was asked for, and raises the TRANSFER task. The check may be run again (`recheck_transfer`,
after the registry imports a new list, say) and the record marked received (`receive_record`).
A transfer is cleared before its start when its latest check found no one, or every candidate
was rejected as not the same person, and the record came, both before the start date;
`transfer_status` says where each stands, and "not cleared before start" once the day is
reached without both. Every write is atomic and on the trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from custodes.lists import LIMITS, too_long
from custodes.web.accounts.models import User
from custodes.web.registry.actions import check_applicant
from custodes.web.registry.models import Candidate
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.vetting.access import get_transfer_for_user, record_conflict
from custodes.web.vetting.actions import Who, _raise, _vetting_officer, who
from custodes.web.vetting.models import Transfer, VettingTask

__all__ = [
    "TransferStatus",
    "receive_record",
    "recheck_transfer",
    "recheck_transfers",
    "record_transfer",
    "transfer_status",
]

_SEXES = ("", "F", "M", "X")
_RECORDED = "this transfer (former force, staff id and start date) is recorded"


@dataclass(frozen=True)
class _Transferee(Who):
    """A transferee with neither an account nor an id in this force yet: known by the transfer."""

    transfer_id: int = 0

    @property
    def key(self) -> str:
        """Return the key that names them until they have an account or an id here."""
        return f"transfer:{self.transfer_id}"


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor is not None else None


def _text(value: str, what: str, limit: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationError(f"give the {what}")
    why = too_long(value, limit)
    if why is not None:
        raise ValidationError(f"the {what} {why}")
    return value


def _applicant(transfer: Transfer) -> dict[str, Any]:
    """Return the transferee in the registry check's fields: the former force is their agency."""
    return {
        "record_id": f"transfer-{transfer.pk}",
        "first_name": transfer.first_name,
        "middle_name": transfer.middle_name or None,
        "last_name": transfer.last_name,
        "birth_date": transfer.birth_date,
        "birth_year": transfer.birth_year,
        "sex": transfer.sex or None,
        "agency": transfer.former_force,
    }


def _check(actor: User | None, transfer: Transfer) -> Transfer:
    """Check the transferee against the whole registry and keep the check on the transfer."""
    screening = check_applicant(actor, _applicant(transfer))
    if transfer.user_id is not None:
        # The registry keeps a candidate from its subject, their chain and their unit by the
        # subject's account: the transferee's, where they have one here.
        Candidate.objects.filter(screening=screening).update(subject_id=transfer.user_id)
    found = list(screening.candidates.values_list("pk", flat=True))
    transfer.screening, transfer.checks = screening, transfer.checks + 1
    transfer.save(update_fields=["screening", "checks"])
    record(
        _actor_id(actor),
        Action.VETTING_TRANSFER_CHECK,
        Subject.TRANSFER,
        transfer.pk,
        changes={"screening": screening.pk, "entries": screening.entries, "candidates": found},
    )
    return transfer


@transaction.atomic
def record_transfer(
    actor: User | None,
    *,
    first_name: str,
    last_name: str,
    former_force: str,
    former_staff_id: str,
    starts_on: dt.date,
    middle_name: str = "",
    birth_date: dt.date | None = None,
    birth_year: int | None = None,
    sex: str = "",
    unit: str = "",
    user: User | None = None,
    force: str = "",
    force_user_id: str | None = None,
    requested_on: dt.date | None = None,
) -> Transfer:
    """Record an officer transferring in: check them against the registry at once, record the
    request for their former force's vetting record, and raise the TRANSFER task.

    `user`, or `force` and `force_user_id`, name them here if they already have an account or
    an id in this force; without either they are known by the transfer until they do. Refused
    (PermissionDenied) to an officer too close to them by any of their ids, the former force's
    included: the record would be kept from that officer.
    """
    _vetting_officer(actor)
    today = timezone.localdate()
    if birth_date is not None and birth_year is not None and birth_date.year != birth_year:
        raise ValidationError("the birth year is not the birth date's year")
    if birth_date is not None and birth_date > today:
        raise ValidationError("the birth date cannot be after today")
    if sex not in _SEXES:
        raise ValidationError(f"sex must be one of {', '.join(s or 'blank' for s in _SEXES)}")
    requested = requested_on or today
    if requested > today:
        raise ValidationError("the record cannot have been asked for after today")
    names = {
        "first_name": _text(first_name, "first name", LIMITS.name),
        "middle_name": _text(middle_name, "middle name", LIMITS.name, required=False),
        "last_name": _text(last_name, "last name", LIMITS.name),
    }
    former = _text(former_force, "former force", 120)
    former_id = _text(former_staff_id, "former force's staff id", 64)
    if Transfer.objects.filter(
        former_force=former, former_staff_id=former_id, starts_on=starts_on
    ).exists():
        raise ValidationError(_RECORDED)
    if actor is not None and not force:
        force = actor.force
    found = who(user, force, force_user_id or None)
    transfer = Transfer(
        **names,
        birth_date=birth_date,
        birth_year=birth_year,
        sex=sex,
        former_force=former,
        former_staff_id=former_id,
        unit=_text(unit, "unit they join", 100, required=False),
        starts_on=starts_on,
        recorded_by=actor,
        recorded_at=timezone.now(),
        record_requested_on=requested,
        user_id=found.user_id if found is not None else None,
        force=force[:32],
        force_user_id=found.force_user_id if found is not None else None,
        # Known by the transfer itself until they have an account or an id here: set once it
        # has its pk, below.
        person=found.key if found is not None else "",
    )
    if actor is not None and record_conflict(actor, transfer) is not None:
        # As for any vetting record about them (and row-level security would refuse the row).
        raise PermissionDenied(
            "you may not record vetting about yourself, your line-management chain or your unit"
        )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError as exc:
        # The same transfer, recorded while this one was (or kept from this officer).
        raise ValidationError(_RECORDED) from exc
    person = found or _Transferee(None, force, None, transfer_id=transfer.pk)
    if found is None:
        transfer.person = person.key
        transfer.save(update_fields=["person"])
    record(
        _actor_id(actor),
        Action.VETTING_TRANSFER,
        Subject.TRANSFER,
        transfer.pk,
        changes={
            "former_force": former,
            "starts_on": starts_on.isoformat(),
            "record_requested_on": requested.isoformat(),
        },
    )
    _check(actor, transfer)
    task = _raise(
        actor,
        VettingTask.Trigger.TRANSFER,
        "transfer",
        str(transfer.pk),
        person,
        today,
        f"Joining from {former} on {starts_on.isoformat()}: the registry's check and the former "
        "force's vetting record are needed before the start date",
        transfer.unit,
    )
    transfer.task = task
    transfer.save(update_fields=["task"])
    return transfer


@transaction.atomic
def recheck_transfer(actor: User | None, transfer: Transfer) -> Transfer:
    """Check the transferee against the registry again (after a new list, say); keep the new
    check as the transfer's."""
    if actor is not None:
        _vetting_officer(actor)
        get_transfer_for_user(actor, transfer.pk, purpose=Action.VETTING_TRANSFER_CHECK)
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    return _check(actor, locked)


@transaction.atomic
def recheck_transfers(actor: User | None, on: dt.date | None = None) -> list[Transfer]:
    """Check again every transferee not yet started on `on` (today if not given).

    For the command line after a list import: it runs as the database's owner (`actor` None),
    or as a vetting officer, who re-checks only those they may see.
    """
    if actor is not None:
        _vetting_officer(actor)
    on = on or timezone.localdate()
    waiting = Transfer.objects.filter(starts_on__gt=on).order_by("starts_on", "pk")
    done: list[Transfer] = []
    for transfer in waiting:
        # A sweep passes over whom the officer may not see, without a refusal for each.
        if actor is not None and record_conflict(actor, transfer) is not None:
            continue
        done.append(_check(actor, Transfer.objects.select_for_update().get(pk=transfer.pk)))
    return done


@transaction.atomic
def receive_record(
    actor: User | None, transfer: Transfer, note: str, *, received_on: dt.date | None = None
) -> Transfer:
    """Record the former force's vetting record received, with what it says, on a day."""
    if actor is not None:
        _vetting_officer(actor)
        get_transfer_for_user(actor, transfer.pk, purpose=Action.VETTING_TRANSFER_RECORD)
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.record_received_on is not None:
        raise ValidationError("the former force's record is recorded as received already")
    today = timezone.localdate()
    day = received_on or today
    if day > today:
        raise ValidationError(f"the day received cannot be after today ({today.isoformat()})")
    if day < locked.record_requested_on:
        raise ValidationError(
            f"the day received ({day.isoformat()}) cannot be before the day it was asked for "
            f"({locked.record_requested_on.isoformat()})"
        )
    if not note.strip():
        raise ValidationError("say what the record shows")
    locked.record_received_on, locked.record_note = day, note.strip()
    locked.record_received_by = actor
    locked.save(update_fields=["record_received_on", "record_note", "record_received_by"])
    record(
        _actor_id(actor),
        Action.VETTING_TRANSFER_RECORD,
        Subject.TRANSFER,
        locked.pk,
        changes={"received_on": day.isoformat()},
    )
    return locked


# --- Where a transfer stands -----------------------------------------------------------------


@dataclass(frozen=True)
class TransferStatus:
    """Where a transfer stands: the registry's check, the former force's record, and both
    against the start date."""

    check: str  # "no match", "candidates to review", "on a list", "cleared" or "not run"
    check_cleared_on: dt.date | None
    record_received_on: dt.date | None
    cleared_on: dt.date | None  # both in hand: the later of the two days
    state: str  # "cleared before start", "waiting" or "not cleared before start"

    @property
    def flagged(self) -> bool:
        """Say whether the check confirmed the transferee on a list."""
        return self.check == "on a list"


def _check_state(transfer: Transfer) -> tuple[str, dt.date | None]:
    screening = transfer.screening
    if screening is None:
        return "not run", None
    statuses = list(screening.candidates.values_list("status", "decided_at"))
    if not statuses:
        return "no match", timezone.localdate(screening.run_at)
    found = {status for status, _ in statuses}
    if Candidate.Status.CONFIRMED in found:
        return "on a list", None
    if Candidate.Status.PENDING in found:
        return "candidates to review", None
    days = [timezone.localdate(at) for _, at in statuses if at is not None]
    return "cleared", max(days, default=timezone.localdate(screening.run_at))


def transfer_status(transfer: Transfer, today: dt.date | None = None) -> TransferStatus:
    """Say where a transfer stands on `today`: cleared before its start, waiting, or not
    cleared before start (the start date reached, or passed, without both the check cleared
    and the record received before it)."""
    today = today or timezone.localdate()
    check, check_day = _check_state(transfer)
    received = transfer.record_received_on
    cleared = max(check_day, received) if check_day is not None and received is not None else None
    if cleared is not None and cleared < transfer.starts_on:
        state = "cleared before start"
    elif today < transfer.starts_on:
        state = "waiting"
    else:
        state = "not cleared before start"
    return TransferStatus(check, check_day, received, cleared, state)
