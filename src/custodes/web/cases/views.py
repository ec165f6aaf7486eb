"""Case pages: the cases one may see, one case with its timeline, each user's work, and
break-glass."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.models import User
from custodes.web.cases.access import (
    MATTER_ROLES,
    cases_for_user,
    cases_for_user_among,
    decide,
    get_case_for_user,
    show_subject,
)
from custodes.web.cases.actions import CASE_ROLES, break_glass
from custodes.web.cases.filters import PAGE_SIZE, CaseFilterForm
from custodes.web.cases.forms import BreakGlassForm, PartyForm
from custodes.web.cases.models import Case
from custodes.web.cases.pages import (
    WORK_ROLES,
    case_rows,
    category_titles,
    days_word,
    entries,
    label,
    matter_criteria,
    staff,
    step_links,
    subject_rows,
    work_for,
)
from custodes.web.cases.parties import add_party, reveal_parties
from custodes.web.cases.timeline import Due, open_steps
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = ["add_party_view", "break_glass_view", "case_detail", "case_list", "my_work"]


@staff_view
@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    """List the cases the user may see, narrowed by the filters, a page at a time."""
    user = request_user(request)
    form = CaseFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "may_open": user.role in MATTER_ROLES}
    if not form.is_valid():
        record(
            user.pk,
            Action.LIST,
            Subject.CASES,
            "",
            changes={"cases": [], "refused_filters": sorted(form.errors)},
        )
        return render(request, "cases/list.html", {**context, "rows": []}, status=400)
    today = timezone.localdate()
    among = form.narrow(
        Case.objects.select_related("subject", "investigator").prefetch_related(
            "subjects__user", "subjects__allegations"
        )
    )
    cases = cases_for_user_among(user, among)
    found: dict[Any, list[Due]] = {}
    overdue = form.cleaned_data.get("overdue")
    if overdue:
        want = overdue == "yes"
        for case in cases:
            found[case.pk] = open_steps(case, today)
        cases = [c for c in cases if any(d.overdue(today) for d in found[c.pk]) is want]
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = case_rows(page.object_list, today, found)
    used = form.used()
    record(
        user.pk,
        Action.LIST,
        Subject.CASES,
        "",
        changes={
            "cases": [str(row.case.pk) for row in rows],
            "filters": used,
            "page": page.number,
        },
    )
    context |= {
        "rows": rows,
        "page": page,
        "query": urlencode(used),
        "filtered": bool(used),
        "today": today,
    }
    return render(request, "cases/list.html", context)


@staff_view
@require_http_methods(["GET"])
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Show one case the user may see, with its timeline; 404 otherwise."""
    user = request_user(request)
    return _detail_page(request, user, get_case_for_user(user, reference), PartyForm())


def _detail_page(
    request: HttpRequest, user: User, case: Case, party_form: PartyForm, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    sight = decide(user, case)
    team = case.access.select_related("user").order_by("granted_at")
    due = [
        {
            "due": d,
            "about": show_subject(d.subject).name if d.subject is not None else "",
            "overdue": d.overdue(today),
            "days": days_word(case, d.due_on, today),
        }
        for d in open_steps(case, today)
    ]
    context = {
        "case": case,
        "read_only": sight.read_only,
        "kind": label(case, "kinds", case.kind),
        "indications": [label(case, "indications", i) for i in case.indications],
        "criteria": matter_criteria(case),
        "subjects": subject_rows(case),
        "due": due,
        "reports": [
            (r, show_subject(r.subject).name)
            for r in case.list_reports.select_related("subject", "subject__user")
        ],
        "timeline": entries(case),
        "steps": [] if sight.read_only else step_links(user, case, today),
        "investigator": staff(case.investigator),
        "team": [(access, staff(access.user)) for access in team],
        "parties": reveal_parties(user, case),
        "party_form": party_form,
        "categories": category_titles(case, case.allegations.values_list("category", flat=True)),
        "today": today,
    }
    response = render(request, "cases/detail.html", context, status=status)
    # Victims' and reporters' names are on this page: no cache may keep it.
    response["X-Personal-Data"] = "1"
    return response


@staff_view
@require_http_methods(["GET"])
def my_work(request: HttpRequest) -> HttpResponse:
    """Show what is due and overdue from the user across the cases they may work on."""
    user = request_user(request)
    if user.role not in WORK_ROLES:
        raise PermissionDenied("your role takes no steps with deadlines")
    today = timezone.localdate()
    items = work_for(user, cases_for_user(user), today)
    record(
        user.pk,
        Action.LIST,
        Subject.CASES,
        "",
        changes={"page": "my-work", "cases": sorted({str(i.case.pk) for i in items})},
    )
    context = {
        "items": items,
        "overdue": sum(1 for i in items if i.overdue),
        "today": today,
    }
    return render(request, "cases/my_work.html", context)


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
