"""The alert queue of counter-corruption staff."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from custodes.web.alerts.access import ALERT_ROLES, alerts_for_user
from custodes.web.decorators import request_user, staff_view

__all__ = ["alert_list"]


@staff_view
@require_http_methods(["GET"])
def alert_list(request: HttpRequest) -> HttpResponse:
    """List the open alerts the user may see."""
    user = request_user(request)
    if user.role not in ALERT_ROLES:
        raise PermissionDenied("alerts are for counter-corruption staff")
    return render(request, "alerts/list.html", {"alerts": alerts_for_user(user)})
