"""Who may manage accounts, and what waits for them: lock-outs and missing force user ids."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from custodes.web.accounts.models import Role, SignInThrottle, User
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused

__all__ = [
    "ACCOUNT_ADMIN_ROLES",
    "FORCE_ID_ROLES",
    "TRAIL_ROLES",
    "LockedOut",
    "get_account_for_admin",
    "locked_accounts",
    "locked_addresses",
    "locked_other_names",
    "may_read_trail",
    "require_account_admin",
    "without_force_user_id",
]

ACCOUNT_ADMIN_ROLES = {Role.ADMINISTRATOR}
# Roles whose work needs the user's id in the force's systems: need-to-know on audit alerts
# is decided by it, so without it their queue stays empty. The audit queue's roles
# (alerts.access.ALERT_ROLES), named here so accounts need not import the alerts app; a test
# keeps the two in step.
FORCE_ID_ROLES = frozenset({Role.CC_LEAD, Role.CC_ANALYST})


# The oversight body audits what custodes' own users read and did; on PostgreSQL row-level
# security shows the trail's rows to no one else through the application's role.
TRAIL_ROLES = frozenset({Role.OVERSIGHT_REVIEWER})


def may_read_trail(user: User) -> bool:
    """Say whether `user` may read the trail's events."""
    return user.is_active and user.role in TRAIL_ROLES


@dataclass(frozen=True)
class LockedOut:
    """A lock-out in force, as the administrators' page shows it."""

    throttle: SignInThrottle
    user: User | None


def require_account_admin(user: User) -> None:
    """Refuse anyone whose role does not manage accounts."""
    if not user.is_active or user.role not in ACCOUNT_ADMIN_ROLES:
        raise PermissionDenied("managing accounts is for administrators")


def get_account_for_admin(admin: User, pk: int, purpose: Action = Action.READ) -> User:
    """Return the account `pk` for an administrator; 404 as for a missing one otherwise."""
    require_account_admin(admin)
    account = User.objects.filter(pk=pk).first()
    if account is None:
        raise Refused(Subject.USER, pk, "no such account", purpose)
    return account


def _locked(kind: str) -> QuerySet[SignInThrottle]:
    return SignInThrottle.objects.filter(kind=kind, locked_until__gt=timezone.now())


def locked_accounts() -> list[LockedOut]:
    """Return the accounts locked out now, soonest free first."""
    found = _locked(SignInThrottle.Kind.ACCOUNT).filter(user__isnull=False).select_related("user")
    return [LockedOut(t, t.user) for t in found.order_by("locked_until", "pk")]


def locked_other_names() -> int:
    """Return how many names that are no account are locked out now (guesses, typing slips)."""
    return _locked(SignInThrottle.Kind.ACCOUNT).filter(user__isnull=True).count()


def locked_addresses() -> list[LockedOut]:
    """Return the addresses locked out now, soonest free first."""
    found = _locked(SignInThrottle.Kind.ADDRESS).order_by("locked_until", "pk")
    return [LockedOut(t, None) for t in found]


def without_force_user_id() -> QuerySet[User]:
    """Return the active accounts whose role needs a force user id and that lack one."""
    return User.objects.filter(
        is_active=True, role__in=FORCE_ID_ROLES, force_user_id__isnull=True
    ).order_by("username")
