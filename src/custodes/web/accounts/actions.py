"""Every write to accounts: atomic and on the trail."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodes.web.accounts.models import Role, SignInThrottle, User
from custodes.web.accounts.throttle import (
    Lock,
    active_lock,
    count_failure,
    forget_stale_throttles,
    name_key,
    throttle_for_update,
)
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "block_sign_in",
    "create_user",
    "fail_sign_in",
    "set_force_user_id",
    "sign_in_succeeded",
    "sign_out",
    "unlock_address",
    "unlock_name",
]


@transaction.atomic
def create_user(
    actor: User | None,
    username: str,
    password: str,
    *,
    role: Role | str,
    force: str,
    unit: str,
    line_manager: User | None = None,
    first_name: str = "",
    last_name: str = "",
    force_user_id: str | None = None,
) -> tuple[User, TOTPDevice]:
    """Create a staff account with its TOTP device; both factors are needed to sign in."""
    user = User(
        username=username,
        role=Role(role),
        force=force,
        unit=unit,
        line_manager=line_manager,
        first_name=first_name,
        last_name=last_name,
        force_user_id=force_user_id or None,
    )
    user.set_password(password)
    _refuse_taken_force_user_id(user)
    user.full_clean()
    user.save()
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    record(
        actor.pk if actor else None,
        Action.CREATE,
        Subject.USER,
        user.pk,
        changes={
            "role": user.role,
            "unit": unit,
            "line_manager_id": user.line_manager_id,
            "force_user_id": user.force_user_id,
        },
    )
    return user, device


def _refuse_taken_force_user_id(user: User) -> None:
    """Refuse a force user id another account in the same force has, naming that account."""
    if user.force_user_id is None:
        return
    taken = (
        User.objects.filter(force=user.force, force_user_id=user.force_user_id)
        .exclude(pk=user.pk)
        .first()
    )
    if taken is not None:
        raise ValidationError(
            f"{taken.username} already has force user id {user.force_user_id} in force "
            f"{user.force}."
        )


@transaction.atomic
def set_force_user_id(actor: User | None, user: User, force_user_id: str | None) -> User:
    """Record (or clear) the user's id in the force's own systems."""
    old = user.force_user_id
    new = (force_user_id or "").strip() or None
    if new == old:
        return user
    user.force_user_id = new
    try:
        _refuse_taken_force_user_id(user)
        user.full_clean()
    except ValidationError:
        user.force_user_id = old
        raise
    user.save(update_fields=["force_user_id"])
    record(
        actor.pk if actor else None,
        Action.UPDATE,
        Subject.USER,
        user.pk,
        changes={"force_user_id": [old, user.force_user_id]},
    )
    return user


def _name_subject(name: str) -> tuple[Subject, str]:
    """Return how the trail names an account name: the account's id, else a pseudonym.

    The name as typed is never kept: it may be a password typed into the wrong box.
    """
    account_id = User.objects.filter(username=name).values_list("pk", flat=True).first()
    if account_id is not None:
        return Subject.USER, str(account_id)
    return Subject.SIGN_IN_NAME, name_key(name)


def _until(lock: Lock) -> str:
    return lock.until.isoformat(timespec="seconds")


@transaction.atomic
def fail_sign_in(
    account: SignInThrottle, name: str, address: str, factor: str, now: dt.datetime
) -> list[Lock]:
    """Count a failed sign-in against the name and the address; return any lock-outs it starts.

    `account` is the name's throttle, held for update; `factor` is what was wrong
    ("password" or "code"), for those who audit sign-ins: a right password with a wrong code
    means someone else knows the password.
    """
    subject = _name_subject(name)
    account.user_id = int(subject[1]) if subject[0] == Subject.USER else None
    name_lock = count_failure(account, settings.LOGIN_FAILURE_LIMIT, now)
    account.save()
    by_address = throttle_for_update(SignInThrottle.Kind.ADDRESS, address)
    address_lock = count_failure(by_address, settings.LOGIN_ADDRESS_FAILURE_LIMIT, now)
    by_address.save()
    forget_stale_throttles(now)
    record(None, Action.SIGN_IN_FAILED, *subject, changes={"address": address, "factor": factor})
    if name_lock is not None:
        changes = {"until": _until(name_lock), "lockouts": account.lockouts, "address": address}
        record(None, Action.LOCK_OUT, *subject, changes=changes)
    if address_lock is not None:
        changes = {"until": _until(address_lock), "lockouts": by_address.lockouts}
        record(None, Action.LOCK_OUT, Subject.ADDRESS, address, changes=changes)
    return [lock for lock in (name_lock, address_lock) if lock is not None]


@transaction.atomic
def block_sign_in(name: str, address: str, locks: list[Lock]) -> None:
    """Record a sign-in refused unchecked during a lock-out; it does not count as a failure."""
    record(
        None,
        Action.SIGN_IN_BLOCKED,
        *_name_subject(name),
        changes={"address": address, "locked": {lock.kind: _until(lock) for lock in locks}},
    )


@transaction.atomic
def sign_in_succeeded(user: User, account: SignInThrottle, address: str) -> None:
    """Forget the name's failures and back-off, and record the sign-in."""
    account.delete()
    record(user.pk, Action.SIGN_IN, Subject.USER, user.pk, changes={"address": address})


@transaction.atomic
def sign_out(user: User) -> None:
    """Record that the user signed out."""
    record(user.pk, Action.SIGN_OUT, Subject.USER, user.pk)


def _unlock(
    actor: User | None, throttle: SignInThrottle | None, subject: tuple[Subject, str]
) -> Lock | None:
    lock = active_lock(throttle, timezone.now())
    if throttle is None or lock is None:
        return None
    # Failures and back-off go too: the next lock-out starts again from the shortest.
    throttle.delete()
    record(
        actor.pk if actor else None,
        Action.UNLOCK,
        *subject,
        changes={"was_until": _until(lock), "lockouts": throttle.lockouts},
    )
    return lock


@transaction.atomic
def unlock_name(actor: User | None, name: str) -> Lock | None:
    """Lift the lock-out on an account name; return it, or None if it was not locked."""
    throttle = (
        SignInThrottle.objects.select_for_update()
        .filter(kind=SignInThrottle.Kind.ACCOUNT, key=name_key(name))
        .first()
    )
    return _unlock(actor, throttle, _name_subject(name))


@transaction.atomic
def unlock_address(actor: User | None, address: str) -> Lock | None:
    """Lift the lock-out on an address; return it, or None if it was not locked."""
    throttle = (
        SignInThrottle.objects.select_for_update()
        .filter(kind=SignInThrottle.Kind.ADDRESS, key=address)
        .first()
    )
    return _unlock(actor, throttle, (Subject.ADDRESS, address))
