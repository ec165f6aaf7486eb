"""Every write to accounts: atomic and on the trail."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodes.web.accounts.models import Role, User
from custodes.web.trail.chain import record

__all__ = ["create_user", "set_force_user_id"]


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
    user.full_clean()
    user.save()
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    record(
        actor.pk if actor else None,
        "create",
        "user",
        user.pk,
        changes={
            "role": user.role,
            "unit": unit,
            "line_manager_id": user.line_manager_id,
            "force_user_id": user.force_user_id,
        },
    )
    return user, device


@transaction.atomic
def set_force_user_id(actor: User | None, user: User, force_user_id: str | None) -> User:
    """Record (or clear) the user's id in the force's own systems."""
    old = user.force_user_id
    user.force_user_id = force_user_id or None
    user.full_clean()
    user.save(update_fields=["force_user_id"])
    record(
        actor.pk if actor else None,
        "update",
        "user",
        user.pk,
        changes={"force_user_id": [old, user.force_user_id]},
    )
    return user
