"""Decide who may see a re-vetting task or a clearance.

Who: vetting officers (Role.VETTING_OFFICER), and only with their own force user id, since a
task's subject is often known only by theirs and need-to-know cannot place a viewer in a
force's chart without it. Need-to-know is `needtoknow`'s, as for a case about the same person
(`Charts.case_conflict` over the record's account and force user id): a vetting officer never
sees a task or clearance about themselves, anyone in their line-management chain either way,
or anyone in their unit, in custodes' own chart or any imported force's. The same holds for a
withdrawal assessment, an appeal and a transferee (a transferee known only by their former
force's id is kept from anyone close to that id too: it hides more, never less).

A declared change of circumstances is its declarer's own: they see their declarations (and
nobody else's) on the declaration page; a vetting officer sees one as they see a task about the
declarer. Anyone may declare who has a custodes account with an id in the force's systems.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from custodes.web.accounts.models import Role, User
from custodes.web.needtoknow.charts import Charts
from custodes.web.needtoknow.rule import conflicts
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused
from custodes.web.vetting.models import (
    Appeal,
    Clearance,
    Declaration,
    Posting,
    Transfer,
    VettingTask,
    Withdrawal,
)

__all__ = [
    "VETTING_ROLES",
    "Person",
    "clearances_for_user",
    "declarations_of",
    "get_appeal_for_user",
    "get_clearance_for_user",
    "get_declaration_for_user",
    "get_person_for_user",
    "get_task_for_user",
    "get_transfer_for_user",
    "get_withdrawal_for_user",
    "may_declare",
    "may_use_vetting",
    "person_conflict",
    "record_conflict",
    "tasks_for_user",
    "transfers_for_user",
    "withdrawals_for_user",
]

Record = Clearance | Posting | VettingTask | Withdrawal | Appeal | Transfer | Declaration

VETTING_ROLES = frozenset({Role.VETTING_OFFICER})


def may_use_vetting(user: User) -> bool:
    """Say whether `user` may use vetting at all."""
    return user.is_active and user.role in VETTING_ROLES and bool(user.force_user_id)


def may_declare(user: User) -> bool:
    """Say whether `user` may declare changes of circumstance (about themselves)."""
    return bool(user.is_active and user.is_authenticated and user.force_user_id)


def _ids(record_: Record) -> list[tuple[int | None, str | None]]:
    """Return the (account, force id) pairs a record is about: a transferee's former id too."""
    ids = [(record_.user_id, record_.force_user_id)]
    if isinstance(record_, Transfer) and record_.former_staff_id != record_.force_user_id:
        ids.append((None, record_.former_staff_id))
    return ids


def person_conflict(
    user: User, user_id: int | None, force_user_id: str | None, charts: Charts | None = None
) -> str | None:
    """Return why `user` may not see (or write) vetting records about a person, or None.

    The person is whom a record is about: their account and their force user id, either
    missing. Row-level security repeats this rule for every vetting table (dbsecurity.policy).
    """
    return _conflict(user, [(user_id, force_user_id)], charts)


def record_conflict(user: User, record_: Record, charts: Charts | None = None) -> str | None:
    """Return why `user` may not see a vetting record, or None if they may."""
    return _conflict(user, _ids(record_), charts)


def _conflict(
    user: User, ids: list[tuple[int | None, str | None]], charts: Charts | None
) -> str | None:
    if not may_use_vetting(user):
        return "does not use vetting"
    found = (charts or Charts()).subjects_conflict(user, ids)
    return None if found is None else found.value


def _read(user: User, subject: Subject, pk: object, purpose: Action) -> None:
    changes = {} if purpose == Action.READ else {"for": str(purpose)}
    record(user.pk, Action.READ, subject, pk, changes=changes)


def get_task_for_user(user: User, pk: int, purpose: Action = Action.READ) -> VettingTask:
    """Return task `pk` if `user` may see it, recording the access; else 404."""
    task = VettingTask.objects.filter(pk=pk).first()
    if task is None:
        raise Refused(Subject.VETTING_TASK, pk, "no such task", purpose)
    why = record_conflict(user, task)
    if why is not None:
        raise Refused(Subject.VETTING_TASK, pk, why, purpose)
    _read(user, Subject.VETTING_TASK, task.pk, purpose)
    return task


def get_clearance_for_user(user: User, pk: int, purpose: Action = Action.READ) -> Clearance:
    """Return clearance `pk` if `user` may see it, recording the access; else 404."""
    clearance = Clearance.objects.filter(pk=pk).first()
    if clearance is None:
        raise Refused(Subject.CLEARANCE, pk, "no such clearance", purpose)
    why = record_conflict(user, clearance)
    if why is not None:
        raise Refused(Subject.CLEARANCE, pk, why, purpose)
    _read(user, Subject.CLEARANCE, clearance.pk, purpose)
    return clearance


def tasks_for_user(
    user: User, charts: Charts | None = None, *, open_only: bool = True
) -> QuerySet[VettingTask]:
    """Return the tasks `user` may see, soonest due first, filtered in the query.

    Accounts too close come from custodes' own chart; force ids are decided by the charts
    themselves, for each id a task holds (the one place the rule is).
    """
    if not may_use_vetting(user):
        return VettingTask.objects.none()
    charts = charts or Charts()
    tasks = VettingTask.objects.all()
    if open_only:
        tasks = tasks.filter(status=VettingTask.Status.OPEN)
    near = set(conflicts(user.pk, charts.users))
    ids = set(tasks.exclude(force_user_id=None).values_list("force_user_id", flat=True))
    hidden = {fid for fid in ids if fid and charts.subject_conflict(user, fid) is not None}
    shown = ~Q(user_id__in=near) & ~Q(force_user_id__in=hidden)
    return tasks.filter(shown).order_by("due_on", "pk")


def _get(
    user: User,
    model: type[Withdrawal | Appeal | Transfer],
    subject: Subject,
    pk: int,
    missing: str,
    purpose: Action,
) -> Withdrawal | Appeal | Transfer:
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise Refused(subject, pk, missing, purpose)
    why = record_conflict(user, found)
    if why is not None:
        raise Refused(subject, pk, why, purpose)
    _read(user, subject, found.pk, purpose)
    return found


def get_withdrawal_for_user(user: User, pk: int, purpose: Action = Action.READ) -> Withdrawal:
    """Return withdrawal assessment `pk` if `user` may see it, recording the access; else 404."""
    found = _get(user, Withdrawal, Subject.WITHDRAWAL, pk, "no such assessment", purpose)
    assert isinstance(found, Withdrawal)  # noqa: S101 - narrowed for the type checker
    return found


def get_appeal_for_user(user: User, pk: int, purpose: Action = Action.READ) -> Appeal:
    """Return appeal `pk` if `user` may see it, recording the access; else 404."""
    found = _get(user, Appeal, Subject.VETTING_APPEAL, pk, "no such appeal", purpose)
    assert isinstance(found, Appeal)  # noqa: S101 - narrowed for the type checker
    return found


def get_transfer_for_user(user: User, pk: int, purpose: Action = Action.READ) -> Transfer:
    """Return transfer `pk` if `user` may see it, recording the access; else 404."""
    found = _get(user, Transfer, Subject.TRANSFER, pk, "no such transfer", purpose)
    assert isinstance(found, Transfer)  # noqa: S101 - narrowed for the type checker
    return found


def _shown(user: User, charts: Charts, ids: set[str | None]) -> tuple[Q, set[str]]:
    """Return the condition that keeps out records about accounts or force ids too close,
    and the force ids it keeps out."""
    near = set(conflicts(user.pk, charts.users))
    hidden = {fid for fid in ids if fid and charts.subject_conflict(user, fid) is not None}
    return ~Q(user_id__in=near) & ~Q(force_user_id__in=hidden), hidden


def withdrawals_for_user(user: User, charts: Charts | None = None) -> QuerySet[Withdrawal]:
    """Return the withdrawal assessments `user` may see, newest first, filtered in the query."""
    if not may_use_vetting(user):
        return Withdrawal.objects.none()
    charts = charts or Charts()
    found = Withdrawal.objects.all()
    ids = set(found.exclude(force_user_id=None).values_list("force_user_id", flat=True))
    shown, _hidden = _shown(user, charts, ids)
    return found.filter(shown).order_by("-begun_at", "-pk")


def transfers_for_user(user: User, charts: Charts | None = None) -> QuerySet[Transfer]:
    """Return the transfers `user` may see, soonest start first, filtered in the query.

    A transferee's former force's id hides the record as their id here does.
    """
    if not may_use_vetting(user):
        return Transfer.objects.none()
    charts = charts or Charts()
    found = Transfer.objects.all()
    ids = set(found.exclude(force_user_id=None).values_list("force_user_id", flat=True))
    ids |= set(found.values_list("former_staff_id", flat=True))
    shown, hidden = _shown(user, charts, ids)
    return found.filter(shown & ~Q(former_staff_id__in=hidden)).order_by("starts_on", "pk")


def clearances_for_user(user: User, charts: Charts | None = None) -> QuerySet[Clearance]:
    """Return the clearances `user` may see, by person and newest first, filtered in the query."""
    if not may_use_vetting(user):
        return Clearance.objects.none()
    charts = charts or Charts()
    found = Clearance.objects.all()
    ids = set(found.exclude(force_user_id=None).values_list("force_user_id", flat=True))
    shown, _hidden = _shown(user, charts, ids)
    return found.filter(shown)


@dataclass(frozen=True)
class Person:
    """A member of staff vetting holds records about, as a vetting officer may see them."""

    key: str
    user_id: int | None
    force: str
    force_user_id: str | None
    unit: str  # as their newest task or clearance gives it


def get_person_for_user(user: User, key: str, purpose: Action = Action.READ) -> Person:
    """Return the person vetting knows by `key` if `user` may see them; else 404.

    A person is decided over every account and force id vetting's clearances, tasks and moves
    hold for the key: one too close in any way keeps all their records from the viewer.
    Refusals are recorded against the person page's path, there being no record id to name.
    """
    page = f"/vetting/person/{key}/"[:64]
    held: set[tuple[int | None, str, str | None]] = set()
    for model in (Clearance, VettingTask, Posting):
        ways = model.objects.filter(person=key).values_list("user_id", "force", "force_user_id")
        held.update(ways.distinct())
    if not held:
        raise Refused(Subject.PAGE, page, "no such person", purpose)
    known = sorted(held, key=str)
    why = _conflict(user, [(u, fid) for u, _, fid in known], None)
    if why is not None:
        raise Refused(Subject.PAGE, page, why, purpose)
    # Known by account where any record knows the account.
    user_id, force, force_user_id = next((w for w in known if w[0] is not None), known[0])
    task = VettingTask.objects.filter(person=key).order_by("-raised_at", "-pk").first()
    clearance = Clearance.objects.filter(person=key).order_by("-decided_at", "-pk").first()
    if task is not None and (clearance is None or task.raised_at >= clearance.decided_at):
        unit = task.unit
    else:
        unit = clearance.unit if clearance is not None else ""
    return Person(key, user_id, force, force_user_id, unit)


def declarations_of(user: User) -> QuerySet[Declaration]:
    """Return the declarations `user` made, newest first: theirs, and never anyone else's."""
    if not may_declare(user):
        return Declaration.objects.none()
    return Declaration.objects.filter(user_id=user.pk).order_by("-recorded_at")


def get_declaration_for_user(user: User, pk: object, purpose: Action = Action.READ) -> Declaration:
    """Return declaration `pk` to its declarer, or to a vetting officer not too close to them,
    recording the access; else 404."""
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        raise Refused(Subject.DECLARATION, pk, "no such declaration", purpose) from None
    declaration = Declaration.objects.filter(pk=key).first()
    if declaration is None:
        raise Refused(Subject.DECLARATION, pk, "no such declaration", purpose)
    if declaration.user_id != user.pk or not may_declare(user):
        why = record_conflict(user, declaration)
        if why is not None:
            raise Refused(Subject.DECLARATION, pk, why, purpose)
    _read(user, Subject.DECLARATION, declaration.pk, purpose)
    return declaration
