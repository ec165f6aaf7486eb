"""Every write to accounts: atomic and on the trail."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodes.web.accounts.models import Role, User
from custodes.web.trail.chain import record

__all__ = ["create_user"]


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
        changes={"role": user.role, "unit": unit, "line_manager_id": user.line_manager_id},
    )
    return user, device
