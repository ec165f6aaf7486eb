"""The home page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from custodes.web.alerts.access import alerts_for_user
from custodes.web.cases.access import cases_for_user
from custodes.web.decorators import request_user, staff_view

__all__ = ["home"]


@staff_view
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """Show the user's cases and, for counter-corruption staff, open alerts."""
    user = request_user(request)
    context = {"cases": cases_for_user(user), "alerts": alerts_for_user(user)}
    return render(request, "home.html", context)
