"""The alert queues of counter-corruption staff: break-glass alerts and the access audit's."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from custodes.audit import load_catalogue
from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.models import User
from custodes.web.alerts.access import (
    ALERT_KINDS,
    ALERT_ROLES,
    alerts_for_user,
    audit_alerts_for_user,
    get_audit_alert_for_user,
    positions,
    read_evidence,
    subject_account,
)
from custodes.web.alerts.actions import (
    dismiss_audit_alert,
    escalate_audit_alert,
    open_case_from_audit_alert,
)
from custodes.web.alerts.forms import TriageForm
from custodes.web.alerts.models import AuditAlert
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = ["alert_list", "audit_alert_detail", "audit_alert_triage", "audit_queue"]

QUEUE_PAGE = 50
ALL = "all"
# The triage actions, as they appear in URLs, with their buttons' words.
TRIAGE: dict[str, tuple[str, Callable[[User, AuditAlert, str], Any]]] = {
    "dismiss": ("Dismiss", dismiss_audit_alert),
    "escalate": ("Escalate for intelligence development", escalate_audit_alert),
    "open-case": ("Open a case", open_case_from_audit_alert),
}
DONE = {
    "dismiss": "Alert dismissed; your reason is recorded.",
    "escalate": "Alert escalated for intelligence development; your reason is recorded.",
}
OPEN = {AuditAlert.Status.NEW, AuditAlert.Status.ESCALATED}


def _require_alert_role(user: User) -> None:
    if user.role not in ALERT_ROLES:
        raise PermissionDenied("alerts are for counter-corruption staff")


@staff_view
@require_http_methods(["GET"])
def alert_list(request: HttpRequest) -> HttpResponse:
    """List the open alerts the user may see."""
    user = request_user(request)
    if user.role not in ALERT_KINDS:
        raise PermissionDenied("alerts are for counter-corruption and vetting staff")
    alerts = alerts_for_user(user)
    record(user.pk, Action.LIST, Subject.ALERTS, "", changes={"alerts": [a.pk for a in alerts]})
    return render(request, "alerts/list.html", {"alerts": alerts})


@staff_view
@require_http_methods(["GET"])
def audit_queue(request: HttpRequest) -> HttpResponse:
    """List the access audit's alerts the user may see, best first, by status."""
    user = request_user(request)
    _require_alert_role(user)
    status = request.GET.get("status", AuditAlert.Status.NEW)
    if status != ALL and status not in AuditAlert.Status.values:
        status = AuditAlert.Status.NEW
    seen = audit_alerts_for_user(user)
    numbers = positions(seen)
    alerts = [a for a in seen if status == ALL or a.status == status]
    page = Paginator(alerts, QUEUE_PAGE).get_page(request.GET.get("page"))
    rows = [(alert, numbers[alert.pk][0]) for alert in page.object_list]
    # What the queue showed: summaries of staff's look-ups are sensitive reading too.
    record(
        user.pk,
        Action.LIST,
        Subject.AUDIT_QUEUE,
        "",
        changes={"status": status, "page": page.number, "alerts": [a.pk for a, _ in rows]},
    )
    context = {
        "page": page,
        "rows": rows,
        "status": status,
        "status_label": dict(AuditAlert.Status.choices).get(status, "All"),
        "tally": f"{page.paginator.count:,}",
        "statuses": [*AuditAlert.Status.choices, (ALL, "All")],
        "known": bool(user.force_user_id),
    }
    return render(request, "alerts/audit_queue.html", context)


@cache
def _signal_titles() -> dict[str, str]:
    return {s.id: s.title for s in load_catalogue().signals}


def _detail_page(
    request: HttpRequest,
    user: User,
    alert: AuditAlert,
    failed: tuple[str, TriageForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms = {
        action: (label, TriageForm(auto_id=f"id_{action}_%s"))
        for action, (label, _) in TRIAGE.items()
    }
    problems: list[str] = []
    if failed is not None:
        action, form = failed
        forms[action] = (TRIAGE[action][0], form)
        # Shown above the forms too: a decided alert has no forms to show them in.
        problems = [str(e) for e in form.non_field_errors()]
    titles = _signal_titles()
    number, of = positions(
        [a for a in audit_alerts_for_user(user) if a.run_id == alert.run_id]
    ).get(alert.pk, (0, 0))
    context = {
        "alert": alert,
        "number": number,
        "of": of,
        "reasons": [(r, titles.get(r, r)) for r in alert.reason_ids],
        "evidence": read_evidence(user, alert),
        "account": subject_account(alert),
        "forms": [(action, label, form) for action, (label, form) in forms.items()],
        "open": alert.status in OPEN,
        "problems": problems,
    }
    response = render(request, "alerts/audit_detail.html", context, status=status)
    # Who was looked up (as pseudonyms) and by whom: no cache may keep it.
    response["X-Personal-Data"] = "1"
    return response


@staff_view
@require_http_methods(["GET"])
def audit_alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one audit alert with its evidence; 404 unless the user may see it."""
    user = request_user(request)
    return _detail_page(request, user, get_audit_alert_for_user(user, pk))


@staff_view
@require_http_methods(["POST"])
def audit_alert_triage(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Dismiss, escalate or open a case from an audit alert, with a reason; 404 otherwise."""
    if action not in TRIAGE:
        raise Http404("No such action")
    user = request_user(request)
    alert = get_audit_alert_for_user(user, pk, purpose=Action.TRIAGE)
    form = TriageForm(request.POST, auto_id=f"id_{action}_%s")
    status = 400
    if form.is_valid():
        try:
            done = TRIAGE[action][1](user, alert, form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "refused")
            status = 403
        else:
            if action == "open-case":
                messages.success(request, f"Case {done.reference} opened from the alert.")
                return redirect("cases:detail", reference=done.reference)
            messages.success(request, DONE[action])
            return redirect("alerts:audit-detail", pk=alert.pk)
    return _detail_page(request, user, alert, (action, form), status=status)
