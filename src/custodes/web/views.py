"""The home page, and the page a refused form gets."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import REASON_BAD_ORIGIN, REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from custodes.web.accounts.access import (
    ACCOUNT_ADMIN_ROLES,
    locked_accounts,
    locked_addresses,
    without_force_user_id,
)
from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.models import User
from custodes.web.alerts.access import (
    ALERT_KINDS,
    ALERT_ROLES,
    alerts_for_user,
    audit_alerts_for_user,
)
from custodes.web.alerts.models import Alert, AuditAlert
from custodes.web.cases.access import cases_for_user
from custodes.web.cases.pages import WORK_ROLES, work_for
from custodes.web.registry.access import candidates_for_user, may_review
from custodes.web.registry.models import Candidate
from custodes.web.reports.access import REPORT_ROLES
from custodes.web.reports.views import waiting as reports_waiting
from custodes.web.risk.access import RISK_ROLES, due_for_review, latest_run
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = ["Waiting", "csrf_failure", "home", "waiting_for"]


@dataclass(frozen=True)
class Waiting:
    """One kind of work waiting for a user: how much, and where to do it."""

    count: int
    what: str
    url: str

    @property
    def shown(self) -> str:
        """Return the count as the page writes it, with thousands separated."""
        return f"{self.count:,}"


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def waiting_for(user: User, alerts: list[Alert]) -> list[Waiting]:
    """Return the work waiting for `user`'s role, counted from what they may see."""
    found: list[Waiting] = []
    if user.role in ALERT_ROLES:
        queue = reverse("alerts:audit-queue")
        for status, one, many in (
            (AuditAlert.Status.NEW, "new access-audit alert", "new access-audit alerts"),
            (AuditAlert.Status.ESCALATED, "escalated audit alert", "escalated audit alerts"),
        ):
            n = len(audit_alerts_for_user(user, status))
            found.append(Waiting(n, _plural(n, one, many), f"{queue}?status={status}"))
    for kind, one, many in (
        (Alert.Kind.BREAK_GLASS, "break-glass use to look at", "break-glass uses to look at"),
        (Alert.Kind.REGISTRY_MATCH, "registry-match alert", "registry-match alerts"),
    ):
        if kind in ALERT_KINDS.get(user.role, set()):
            n = sum(1 for a in alerts if a.kind == kind)
            found.append(Waiting(n, _plural(n, one, many), reverse("alerts:list")))
    if user.role in REPORT_ROLES:
        queue = reverse("reports:queue")
        new, overdue, ending = reports_waiting(user)
        found.append(Waiting(new, _plural(new, "new report", "new reports"), f"{queue}?status=new"))
        what = _plural(
            overdue, "report overdue for acknowledgement", "reports overdue for acknowledgement"
        )
        found.append(Waiting(overdue, what, f"{queue}?overdue=yes"))
        what = _plural(
            ending, "report whose retention ends soon", "reports whose retention ends soon"
        )
        found.append(Waiting(ending, what, f"{queue}#ending"))
    run = latest_run() if user.role in RISK_ROLES else None
    if run is not None:
        n = due_for_review(user, run).count()
        what = _plural(n, "intervention plan due for review", "intervention plans due for review")
        found.append(Waiting(n, what, reverse("risk:list") + "?plans=due"))
    if may_review(user):
        n = len(candidates_for_user(user, status=Candidate.Status.PENDING))
        what = _plural(n, "match to review", "matches to review")
        found.append(Waiting(n, what, reverse("registry:screenings")))
    if user.role in WORK_ROLES:
        n = sum(1 for item in work_for(user, cases_for_user(user)) if item.soon)
        what = _plural(
            n, "case step overdue or due this week", "case steps overdue or due this week"
        )
        found.append(Waiting(n, what, reverse("cases:my-work")))
    if user.role in ACCOUNT_ADMIN_ROLES:
        accounts = reverse("accounts:manage")
        for n, one, many, anchor in (
            (len(locked_accounts()), "locked account", "locked accounts", "locked"),
            (len(locked_addresses()), "locked address", "locked addresses", "locked"),
            (
                without_force_user_id().count(),
                "counter-corruption account without a force user id",
                "counter-corruption accounts without a force user id",
                "accounts",
            ),
        ):
            found.append(Waiting(n, _plural(n, one, many), f"{accounts}#{anchor}"))
    return found


@staff_view
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """Show what is waiting for the user's role, with counts and links, and their cases."""
    user = request_user(request)
    cases = cases_for_user(user)
    alerts = alerts_for_user(user)
    context = {
        "cases": cases,
        "alerts": alerts,
        "waiting": waiting_for(user, alerts),
    }
    # What the page showed, by id: case titles and alert summaries are sensitive reading.
    record(
        user.pk,
        Action.LIST,
        Subject.HOME,
        "",
        changes={"cases": [str(c.pk) for c in cases], "alerts": [a.pk for a in alerts]},
    )
    return render(request, "home.html", context)


# Django's reasons, as a user can act on them; anything else gets the general words.
_WHY = {
    REASON_NO_CSRF_COOKIE: (
        "Your browser did not send this site's security cookie. Allow cookies for this site, "
        "then try again."
    ),
}
_ORIGIN = (
    "The form came from an address this server does not recognise as its own. If you opened "
    "the page at this address, tell an administrator: the server's proxy must pass on the "
    "Host header and set X-Forwarded-Proto (docs/deploy.md)."
)
_GENERAL = (
    "The form's security token was missing or out of date, which happens when a page was "
    "open for a long time or you signed in again in another tab."
)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Explain a refused form in the site's own page (Django's CSRF_FAILURE_VIEW)."""
    if reason.startswith(REASON_BAD_ORIGIN.split("%s")[0]):
        explanation = _ORIGIN
    else:
        explanation = _WHY.get(reason, _GENERAL)
    context = {"explanation": explanation, "retry": request.path}
    return render(request, "csrf_failure.html", context, status=403)
