"""Guards for staff views: signed in with both factors, and every refused read on the trail."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.defaults import page_not_found, permission_denied

from custodes.web.accounts.models import User
from custodes.web.trail.chain import EventCount, record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused

__all__ = ["request_user", "staff_view"]

View = Callable[..., HttpResponse]


def staff_view(view: View) -> View:
    """Let only users signed in with a password and a verified second factor through.

    Every page it serves leaves at least one event on the trail. A read the view refuses
    (`Refused`, a 404) or a page its role may not use (`PermissionDenied`, a 403) takes back
    whatever the view wrote, is recorded in the trail, and is answered with the styled page.
    """

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        # django-otp's middleware adds is_verified() to the request's user.
        if not (user.is_authenticated and getattr(user, "is_verified", lambda: False)()):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        try:
            # A savepoint: a refusal takes back the view's own writes, not the trail event.
            with transaction.atomic(), EventCount() as counted:
                response = view(request, *args, **kwargs)
            if not counted.count:
                # The footer promises every page opened is on the trail: a page that records
                # no read of its own (a form, a list of nothing) is recorded as a page.
                record(
                    user.pk,
                    Action.PAGE,
                    Subject.PAGE,
                    request.path[:64],
                    changes={"method": request.method, "status": response.status_code},
                )
            return response
        except Refused as refused:
            record(
                user.pk,
                Action.REFUSED,
                refused.subject_type,
                refused.subject_id,
                reason=refused.why,
                changes={"purpose": refused.purpose, "path": request.path},
            )
            # Returned, not raised, so the request's transaction keeps the event.
            return page_not_found(request, refused)
        except PermissionDenied as denied:
            record(
                user.pk,
                Action.REFUSED,
                Subject.PAGE,
                request.path[:64],
                reason=str(denied),
                changes={"method": request.method},
            )
            return permission_denied(request, denied)

    return guarded


def request_user(request: HttpRequest) -> User:
    """Return the signed-in staff user of a request guarded by `staff_view`."""
    if not isinstance(request.user, User):
        raise PermissionDenied("not signed in")
    return request.user
