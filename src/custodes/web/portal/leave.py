"""Leave this site quickly: wipe what the portal left in the browser and go somewhere neutral."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.views.decorators.http import require_safe

__all__ = ["leave"]


@require_safe
def leave(request: HttpRequest) -> HttpResponseRedirect:
    """Clear the portal's cookies, storage and cache, then go to PORTAL_LEAVE_URL.

    A plain redirect in the reporter's own browser: the portal fetches nothing from that site.
    The cookies are deleted outright too, for browsers that ignore Clear-Site-Data.
    """
    request.session.flush()
    # A portal setting (portal_settings), unknown to the staff settings the type checker reads.
    response = HttpResponseRedirect(settings.PORTAL_LEAVE_URL)  # type: ignore[misc]
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    for name in (settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME):
        if name in request.COOKIES:
            response.delete_cookie(name, samesite="Strict")
    return response
