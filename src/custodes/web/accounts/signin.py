"""Sign a user in with a password and a TOTP code; count every failure towards the lock-out."""

from __future__ import annotations

from django.contrib.auth import authenticate, login
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp import match_token

from custodes.web.accounts.models import User
from custodes.web.trail.chain import record

__all__ = ["sign_in"]


def sign_in(request: HttpRequest, username: str, password: str, token: str) -> User | None:
    """Return the signed-in user, or None after recording the failure."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        return None  # authenticate() has already signalled the failure to the throttle
    device = match_token(user, token)
    if device is None:
        # A right password with a wrong code is still a failed sign-in.
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        return None
    login(request, user)
    otp_login(request, device)
    record(user.pk, "sign-in", "user", user.pk)
    return user
