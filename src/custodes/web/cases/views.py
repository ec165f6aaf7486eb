"""Case pages: the cases one may see, one case, and break-glass."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.models import User
from custodes.web.cases.access import cases_for_user, get_case_for_user
from custodes.web.cases.actions import CASE_ROLES, break_glass
from custodes.web.cases.forms import BreakGlassForm, PartyForm
from custodes.web.cases.models import Case
from custodes.web.cases.parties import add_party, reveal_parties
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = ["add_party_view", "break_glass_view", "case_detail", "case_list"]


@staff_view
@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    """List the cases the user may see."""
    user = request_user(request)
    cases = cases_for_user(user)
    record(user.pk, Action.LIST, Subject.CASES, "", changes={"cases": [str(c.pk) for c in cases]})
    return render(request, "cases/list.html", {"cases": cases})


@staff_view
@require_http_methods(["GET"])
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Show one case the user may see; 404 otherwise."""
    user = request_user(request)
    return _detail_page(request, user, get_case_for_user(user, reference), PartyForm())


def _detail_page(
    request: HttpRequest, user: User, case: Case, party_form: PartyForm, status: int = 200
) -> HttpResponse:
    team = case.access.select_related("user").order_by("granted_at")
    context = {
        "case": case,
        "team": team,
        "parties": reveal_parties(user, case),
        "party_form": party_form,
    }
    response = render(request, "cases/detail.html", context, status=status)
    # Victims' and reporters' names are on this page: no cache may keep it.
    response["X-Personal-Data"] = "1"
    return response


@staff_view
@require_http_methods(["POST"])
def add_party_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Add a victim, reporter or witness to a case the user may see; 404 otherwise."""
    user = request_user(request)
    case = get_case_for_user(user, reference)
    form = PartyForm(request.POST)
    if form.is_valid():
        try:
            add_party(user, case, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Party added; their details are stored encrypted.")
            return redirect("cases:detail", reference=case.reference)
    return _detail_page(request, user, case, form, status=400)


@staff_view
@require_http_methods(["GET", "POST"])
def break_glass_view(request: HttpRequest) -> HttpResponse:
    """Open a case one may not otherwise see, with a reason; the lead is alerted."""
    user = request_user(request)
    if user.role not in CASE_ROLES:
        raise PermissionDenied("your role has no break-glass access")
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        try:
            case = break_glass(user, reference, form.cleaned_data["reason"])
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            # A refused break-glass (a case about oneself, one's chain or unit, a sealed or
            # missing case) is recorded, under the reference asked for, as any refused read.
            record(
                user.pk,
                Action.REFUSED,
                Subject.CASE_REFERENCE,
                reference[:64],
                reason=f"break-glass: {exc}",
                changes={"purpose": Action.BREAK_GLASS},
            )
        except ValidationError as exc:
            form.add_error(None, str(exc.args[0] if exc.args else exc))
        else:
            messages.warning(
                request, "Break-glass access recorded; the counter-corruption lead has been told."
            )
            return redirect("cases:detail", reference=case.reference)
    context = {"form": form, "minutes": settings.BREAK_GLASS_MINUTES}
    return render(request, "cases/break_glass.html", context)
