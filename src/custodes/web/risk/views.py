"""Early intervention's pages: the ranked list, an entry, a plan, and the run's report."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from custodes.risk import describe_rule, load_rules
from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.models import User
from custodes.web.needtoknow.charts import Charts
from custodes.web.risk.access import (
    PLAN_ROLES,
    RISK_ROLES,
    due_for_review,
    entries_for_user,
    entry_conflict,
    get_entry_for_user,
    get_plan_for_user,
    get_report_for_user,
    latest_run,
    may_read_report,
)
from custodes.web.risk.actions import close_plan, create_plan, open_case_from_entry, review_plan
from custodes.web.risk.forms import SHARES, CaseForm, CloseForm, PlanForm, ReviewForm
from custodes.web.risk.models import InterventionPlan, RiskEntry
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "REPORT_CSP",
    "entry_detail",
    "entry_open_case",
    "plan_close",
    "plan_detail",
    "plan_new",
    "plan_review",
    "risk_list",
    "run_report",
]

LIST_PAGE = 50
TOP_REASONS = 3
# The report's own charts are inline scripts (Vega, as custodes.audit.report draws them): they
# may run, in a sandbox with no origin of its own (no cookies, no requests to this site), and
# may fetch nothing from anywhere.
REPORT_CSP = "; ".join(
    [
        "default-src 'none'",
        # Vega compiles its charts' expressions with Function(): without eval they do not draw.
        "script-src 'unsafe-inline' 'unsafe-eval'",
        "style-src 'unsafe-inline'",
        "img-src data: blob:",
        "font-src data:",
        "connect-src 'none'",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "sandbox allow-scripts",
    ]
)


def _require_role(user: User) -> None:
    if user.role not in RISK_ROLES:
        raise PermissionDenied(
            "early intervention is for the counter-corruption lead and the authority"
        )


@cache
def _rule_words() -> dict[str, tuple[str, str]]:
    """Return each threshold rule's title and what it flags, by id, as the catalogue says."""
    return {r.id: (r.title, describe_rule(r)) for r in load_rules()}


def rules_in_words(ids: list[str]) -> list[tuple[str, str, str]]:
    """Return (id, title, what it flags) for rule ids; a rule not in the catalogue by its id."""
    words = _rule_words()
    return [(i, *words.get(i, (i, ""))) for i in ids]


def _has_rule(rule: str) -> Q:
    """Return the condition that an entry's ";"-joined rules hold `rule`."""
    return (
        Q(rules=rule)
        | Q(rules__startswith=f"{rule};")
        | Q(rules__endswith=f";{rule}")
        | Q(rules__contains=f";{rule};")
    )


def _latest_plans(refs: list[str]) -> dict[str, InterventionPlan]:
    """Return the newest plan of each officer, whatever run it was started from."""
    found: dict[str, InterventionPlan] = {}
    plans = InterventionPlan.objects.filter(entry__officer_ref__in=refs).select_related("entry")
    for plan in plans.order_by("created_at", "pk"):
        found[plan.entry.officer_ref] = plan
    return found


@staff_view
@require_http_methods(["GET"])
def risk_list(request: HttpRequest) -> HttpResponse:
    """List the latest run's officers the user may see, best first, with filters."""
    user = request_user(request)
    _require_role(user)
    run = latest_run()
    context: dict[str, Any] = {"run": run, "known": bool(user.force_user_id), "shares": SHARES}
    if run is None or not user.force_user_id:
        return render(request, "risk/list.html", context)
    charts = Charts()
    seen = entries_for_user(user, run, charts)
    ranks = list(seen.values_list("rank", flat=True))
    entries: QuerySet[RiskEntry] = seen
    share = request.GET.get("share", "")
    if share.isdigit() and int(share) in SHARES and ranks:
        # The top share of the officers this viewer may see: a share of the whole run would
        # count, in what is left out of it, the hidden officers among the highest scores.
        taken = max(1, math.ceil(len(ranks) * int(share) / 100))
        entries = entries.filter(rank__lte=ranks[taken - 1])
    else:
        share = ""
    units = sorted(u for u in seen.values_list("unit", flat=True).distinct() if u)
    rules = sorted(
        {r.strip() for rs in seen.values_list("rules", flat=True).distinct() for r in rs.split(";")}
        - {""}
    )
    plans = request.GET.get("plans", "")
    if plans == "due":
        entries = entries & due_for_review(user, run, charts)
    else:
        plans = ""
    unit, rule = request.GET.get("unit", ""), request.GET.get("rule", "")
    if unit in units:
        entries = entries.filter(unit=unit)
    else:
        unit = ""
    if rule in rules:
        entries = entries.filter(_has_rule(rule))
    else:
        rule = ""
    page = Paginator(entries, LIST_PAGE).get_page(request.GET.get("page"))
    shown: list[RiskEntry] = list(page.object_list)
    latest = _latest_plans([e.officer_ref for e in shown])
    rows = [
        (
            entry,
            bisect.bisect_right(ranks, entry.rank),
            latest.get(entry.officer_ref),
            [title for _, title, _ in rules_in_words(entry.rule_ids)],
        )
        for entry in shown
    ]
    record(
        user.pk,
        Action.LIST,
        Subject.RISK_LIST,
        run.pk,
        changes={
            "share": share,
            "unit": unit,
            "rule": rule,
            "plans": plans,
            "page": page.number,
            "entries": [e.pk for e in shown],
        },
    )
    chosen = (("share", share), ("unit", unit), ("rule", rule), ("plans", plans))
    query = urlencode([(k, v) for k, v in chosen if v])
    context.update(
        page=page,
        rows=rows,
        seen=len(ranks),
        tally=f"{page.paginator.count:,}",
        share=share,
        unit=unit,
        rule=rule,
        plans=plans,
        units=units,
        rules=rules_in_words(rules),
        query=query,
        top=TOP_REASONS,
    )
    response = render(request, "risk/list.html", context)
    response["X-Personal-Data"] = "1"
    return response


def _owners(entry: RiskEntry) -> QuerySet[User]:
    """Return who may own a plan for the entry: plan roles who may see the officer."""
    charts = Charts()
    candidates = User.objects.filter(is_active=True, role__in=PLAN_ROLES).exclude(
        force_user_id__isnull=True
    )
    allowed = [u.pk for u in candidates if entry_conflict(u, entry, charts) is None]
    return User.objects.filter(pk__in=allowed).order_by("username")


def _entry_page(
    request: HttpRequest,
    user: User,
    entry: RiskEntry,
    case_form: CaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    charts = Charts()
    seen = entries_for_user(user, entry.run, charts)
    plans = list(
        InterventionPlan.objects.filter(entry__officer_ref=entry.officer_ref)
        .select_related("entry__run", "owner")
        .order_by("-created_at", "-pk")
    )
    context = {
        "entry": entry,
        "run": entry.run,
        "number": seen.filter(rank__lte=entry.rank).count(),
        "of": seen.count(),
        "report": may_read_report(user, entry.run),
        "rules": rules_in_words(entry.rule_ids),
        "plans": plans,
        "open_plan": next((p for p in plans if p.status == InterventionPlan.Status.OPEN), None),
        "case_form": case_form or CaseForm(),
    }
    response = render(request, "risk/entry.html", context, status=status)
    response["X-Personal-Data"] = "1"
    return response


@staff_view
@require_http_methods(["GET"])
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one officer's entry: reasons, rules, the report, a case and plans; 404 otherwise."""
    user = request_user(request)
    return _entry_page(request, user, get_entry_for_user(user, pk))


@staff_view
@require_http_methods(["POST"])
def entry_open_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a case about the entry's officer, with a reason; 404 unless the user may see it."""
    user = request_user(request)
    entry = get_entry_for_user(user, pk, purpose=Action.RISK_OPEN_CASE)
    form = CaseForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            case = open_case_from_entry(user, entry, form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "refused")
            status = 403
        else:
            messages.success(request, f"Case {case.reference} opened about the officer.")
            return redirect("cases:detail", reference=case.reference)
    return _entry_page(request, user, entry, case_form=form, status=status)


@staff_view
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Start an intervention plan for the entry's officer; 404 unless the user may see it."""
    user = request_user(request)
    purpose = Action.PLAN_CREATE if request.method == "POST" else Action.READ
    entry = get_entry_for_user(user, pk, purpose=purpose)
    owners = _owners(entry)
    status = 200
    if request.method == "POST":
        form = PlanForm(request.POST, owners=owners)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = create_plan(
                    user, entry, data["actions"], data["deadline"], data["review_on"], data["owner"]
                )
            except ValidationError as exc:
                _add(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or "refused")
                status = 403
            else:
                messages.success(request, "Intervention plan started. It is on the trail.")
                return redirect("risk:plan", pk=plan.pk)
    else:
        form = PlanForm(owners=owners, initial={"owner": user.pk})
    response = render(request, "risk/plan_new.html", {"entry": entry, "form": form}, status=status)
    response["X-Personal-Data"] = "1"
    return response


def _add(form: Any, exc: ValidationError) -> None:
    """Put a validation error's messages on the fields it names, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _plan_page(
    request: HttpRequest,
    plan: InterventionPlan,
    review_form: ReviewForm | None = None,
    close_form: CloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "plan": plan,
        "entry": plan.entry,
        "reviews": list(plan.reviews.select_related("reviewed_by")),
        "open": plan.status == InterventionPlan.Status.OPEN,
        "review_form": review_form or ReviewForm(),
        "close_form": close_form or CloseForm(),
    }
    response = render(request, "risk/plan.html", context, status=status)
    response["X-Personal-Data"] = "1"
    return response


@staff_view
@require_http_methods(["GET"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an intervention plan, its reviews, and the forms to review or close it."""
    user = request_user(request)
    return _plan_page(request, get_plan_for_user(user, pk))


def _plan_form(
    request: HttpRequest,
    plan: InterventionPlan,
    form: ReviewForm | CloseForm,
    act: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Run a plan's form through its action: back to the plan, saying `done`, once it is
    recorded; else the plan's page with the form's errors (400, or 403 when refused)."""
    status = 400
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as exc:
            _add(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "refused")
            status = 403
        else:
            messages.success(request, done)
            return redirect("risk:plan", pk=plan.pk)
    if isinstance(form, ReviewForm):
        return _plan_page(request, plan, review_form=form, status=status)
    return _plan_page(request, plan, close_form=form, status=status)


@staff_view
@require_http_methods(["POST"])
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a review of the plan; 404 unless the user may see its officer."""
    user = request_user(request)
    plan = get_plan_for_user(user, pk, purpose=Action.PLAN_REVIEW)
    return _plan_form(
        request,
        plan,
        ReviewForm(request.POST),
        lambda data: review_plan(
            user, plan, data["notes"], data["next_review_on"], data["deadline"]
        ),
        "Review recorded. It is on the trail.",
    )


@staff_view
@require_http_methods(["POST"])
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the plan with its outcome; 404 unless the user may see its officer."""
    user = request_user(request)
    plan = get_plan_for_user(user, pk, purpose=Action.PLAN_CLOSE)
    return _plan_form(
        request,
        plan,
        CloseForm(request.POST),
        lambda data: close_plan(user, plan, data["outcome"], data["note"]),
        "Plan closed with its outcome. It is on the trail.",
    )


@staff_view
@require_http_methods(["GET"])
def run_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve the run's summary (it names no officer) to whoever uses the list; else 404."""
    user = request_user(request)
    run = get_report_for_user(user, pk)
    response = HttpResponse(run.report, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = REPORT_CSP
    response["Content-Disposition"] = f'inline; filename="risk-report-{run.pk}.html"'
    response["X-Personal-Data"] = "1"
    return response
