"""Guards for staff views: signed in with both factors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from custodes.web.accounts.models import User

__all__ = ["request_user", "staff_view"]

View = Callable[..., HttpResponse]


def staff_view(view: View) -> View:
    """Let only users signed in with a password and a verified second factor through."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        # django-otp's middleware adds is_verified() to the request's user.
        if not (user.is_authenticated and getattr(user, "is_verified", lambda: False)()):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    return guarded


def request_user(request: HttpRequest) -> User:
    """Return the signed-in staff user of a request guarded by `staff_view`."""
    if not isinstance(request.user, User):
        raise PermissionDenied("not signed in")
    return request.user
