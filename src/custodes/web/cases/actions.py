"""Every write to cases: atomic, on the trail, side effects after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from custodes.web.accounts.models import Role, User
from custodes.web.cases.access import (
    CASE_ROLES,
    GRANTING_ROLES,
    TEAM_ROLES,
    case_conflict,
    case_for_break_glass,
    is_subject,
    require_writer,
    subject_conflict,
)
from custodes.web.cases.models import Case, CaseAccess, CaseSubject, Decision
from custodes.web.cases.signals import break_glass_used
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "CASE_ROLES",
    "GRANTING_ROLES",
    "add_member",
    "break_glass",
    "grant_access",
    "name_on_sealed_case",
    "open_case",
]


def _require(actor: User, roles: Collection[Role], doing: str) -> None:
    if not actor.is_active or actor.role not in roles:
        raise PermissionDenied(f"{actor.get_role_display()} may not {doing}")


@transaction.atomic
def open_case(
    actor: User,
    reference: str,
    title: str,
    subject: User | None,
    sealed: bool = False,
    *,
    subject_force: str = "",
    subject_force_user_id: str | None = None,
    roles: Collection[Role] = CASE_ROLES,
    timeline: bool = True,
    **matter: Any,
) -> Case:
    """Open a case, with the opener on its team (or named, if it is sealed).

    `subject_force` and `subject_force_user_id` name the subject as an audited force knows
    them (a case opened from an audit alert): need-to-know then uses the force's charts too.
    The subject, if any, is the case's first `CaseSubject`, named exactly so. `matter` sets
    the case's own fields (kind, source, source_record_type and _id, came_to_attention,
    arose_on, profile, indications, complainant_view, complainant_wants_recording); `roles`
    are who may open it (`matter.take_in` lets intake handlers, and writes the timeline's
    first row itself: `timeline=False`).
    """
    _require(actor, roles, "open cases")
    unknown = sorted(set(matter) - _MATTER_FIELDS)
    if unknown:
        raise TypeError(f"open_case() got unexpected keyword arguments {unknown}")
    subject_id = subject.pk if subject is not None else None
    if subject_conflict(actor, subject_id, subject_force_user_id) is not None:
        raise PermissionDenied("you cannot open a case about yourself, your chain or your unit")
    now = timezone.now()
    case = Case.objects.create(
        reference=reference,
        title=title,
        subject=subject,
        subject_force=subject_force,
        subject_force_user_id=subject_force_user_id,
        sealed=sealed,
        opened_by=actor,
        opened_at=now,
        **matter,
    )
    kind = CaseAccess.Kind.NAMED if sealed else CaseAccess.Kind.MEMBER
    _give(actor, case, actor, kind, reason="opened the case")
    if subject is not None or subject_force_user_id is not None:
        # As the case names them and no more, so need-to-know decides as it always has.
        CaseSubject.objects.create(
            case=case,
            user=subject,
            force=subject_force or (subject.force if subject is not None else ""),
            force_user_id=subject_force_user_id,
            unit=subject.unit if subject is not None else "",
            added_at=now,
            added_by=actor,
        )
    if timeline:
        words = f"Opened: {case.get_kind_display().lower()}, from {case.get_source_display()}"
        Decision.objects.create(
            case=case,
            step=Decision.Step.INTAKE,
            decided_by=actor,
            decided_at=now,
            summary=words[:300],
            details={"kind": case.kind, "source": case.source, "sealed": sealed},
        )
    record(actor.pk, Action.CREATE, Subject.CASE, case.pk, changes={"sealed": sealed})
    return case


# The case's own fields open_case sets from `matter`.
_MATTER_FIELDS = frozenset(
    {
        "kind",
        "source",
        "source_record_type",
        "source_record_id",
        "came_to_attention",
        "arose_on",
        "profile",
        "indications",
        "complainant_view",
        "complainant_wants_recording",
    }
)


def _give(
    actor: User,
    case: Case,
    user: User,
    kind: str,
    reason: str = "",
    expires_at: dt.datetime | None = None,
) -> CaseAccess:
    access = CaseAccess.objects.create(
        case=case,
        user=user,
        kind=kind,
        reason=reason,
        granted_by=actor,
        granted_at=timezone.now(),
        expires_at=expires_at,
    )
    record(
        actor.pk,
        Action.GRANT,
        Subject.CASE,
        case.pk,
        reason=reason,
        changes={"user_id": user.pk, "kind": kind},
    )
    return access


@transaction.atomic
def add_member(actor: User, case: Case, user: User) -> CaseAccess:
    """Put a colleague on the case team (conflicts still refuse them until granted).

    The granting roles may do so on any case; the others only on a case they may work on.
    """
    _require(actor, TEAM_ROLES, "add case team members")
    if actor.role not in GRANTING_ROLES:
        require_writer(actor, case)
    return _give(actor, case, user, CaseAccess.Kind.MEMBER)


@transaction.atomic
def grant_access(actor: User, case: Case, user: User, reason: str) -> CaseAccess:
    """Give `user` access despite a conflict of unit or chain, with a recorded reason."""
    _require(actor, GRANTING_ROLES, "grant access")
    if not reason.strip():
        raise ValidationError("a grant needs a reason")
    if is_subject(user, case):
        raise PermissionDenied("nobody may be granted a case about themselves")
    # As row-level security has it (custodes_may_give_access): nor may its subject grant it.
    if is_subject(actor, case):
        raise PermissionDenied("nobody may grant access to a case about themselves")
    return _give(actor, case, user, CaseAccess.Kind.GRANT, reason=reason)


@transaction.atomic
def name_on_sealed_case(actor: User, case: Case, user: User, reason: str) -> CaseAccess:
    """Name a person who may see a sealed case."""
    _require(actor, GRANTING_ROLES, "name people on sealed cases")
    if not case.sealed:
        raise ValidationError("the case is not sealed")
    if is_subject(user, case):
        raise PermissionDenied("nobody may be named on a case about themselves")
    if is_subject(actor, case):
        raise PermissionDenied("nobody may name people on a case about themselves")
    return _give(actor, case, user, CaseAccess.Kind.NAMED, reason=reason)


@transaction.atomic
def break_glass(actor: User, reference: str, reason: str) -> Case:
    """Open a case one cannot otherwise see, for a while, with a reason, raising an alert."""
    _require(actor, CASE_ROLES, "use break-glass access")
    if len(reason.strip()) < 10:
        raise ValidationError("break-glass needs a reason of at least 10 characters")
    # Row-level security hides the case until break-glass opens it: look it up the one way
    # that may, which finds only a case break-glass could open.
    case = case_for_break_glass(reference)
    # Sealed cases stay shut, and so do cases need-to-know keeps from the actor for a
    # conflict (about them, their chain or their unit): break-glass is for absent colleagues,
    # not for getting round a conflict. Say no more than "no such case".
    if (
        case is None
        or case.sealed
        or is_subject(actor, case)
        or case_conflict(actor, case) is not None
    ):
        raise PermissionDenied("no such case, or it cannot be opened by break-glass")
    expires = timezone.now() + dt.timedelta(minutes=settings.BREAK_GLASS_MINUTES)
    _give(actor, case, actor, CaseAccess.Kind.BREAK_GLASS, reason=reason, expires_at=expires)
    record(actor.pk, Action.BREAK_GLASS, Subject.CASE, case.pk, reason=reason)
    # Counter-corruption must be told, in this transaction: no access without its alert.
    if not break_glass_used.send(sender=break_glass, actor=actor, case=case):
        raise ImproperlyConfigured("nothing raises the alert break-glass use needs")
    return case
