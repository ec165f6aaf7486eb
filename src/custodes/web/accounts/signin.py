"""Sign a user in with a password and a TOTP code, throttled per account name and address."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import match_token

from custodes.web.accounts.actions import (
    block_sign_in,
    fail_sign_in,
    sign_in_succeeded,
    sign_out,
)
from custodes.web.accounts.models import SignInThrottle, User
from custodes.web.accounts.throttle import (
    Lock,
    active_lock,
    client_address,
    name_key,
    throttle_for_update,
)

__all__ = ["Attempt", "sign_in", "sign_out_request"]


@dataclass(frozen=True)
class Attempt:
    """How a sign-in went: the user signed in, or the lock-outs that stand in the way."""

    user: User | None
    address: str
    locks: tuple[Lock, ...] = ()


def sign_in(request: HttpRequest, username: str, password: str, token: str) -> Attempt:
    """Sign the user in, or count the failure; during a lock-out check and count nothing."""
    now = timezone.now()
    address = client_address(request)
    # Held until the request's transaction ends: attempts at one name are taken one at a time.
    account = throttle_for_update(SignInThrottle.Kind.ACCOUNT, name_key(username))
    by_address = SignInThrottle.objects.filter(
        kind=SignInThrottle.Kind.ADDRESS, key=address
    ).first()
    locks = [lock for lock in (active_lock(account, now), active_lock(by_address, now)) if lock]
    if locks:
        block_sign_in(username, address, locks)
        return Attempt(None, address, tuple(locks))
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        return Attempt(
            None, address, tuple(fail_sign_in(account, username, address, "password", now))
        )
    device = match_token(user, token)
    if device is None:
        # A right password with a wrong code is still a failed sign-in.
        return Attempt(None, address, tuple(fail_sign_in(account, username, address, "code", now)))
    login(request, user)
    otp_login(request, device)
    sign_in_succeeded(user, account, address)
    return Attempt(user, address)


def sign_out_request(request: HttpRequest) -> None:
    """Record the sign-out of whoever is signed in, and end the session."""
    if isinstance(request.user, User) and request.user.is_authenticated:
        sign_out(request.user)
    logout(request)
