"""The navigation each role sees: only the pages it may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from custodes.web.accounts.access import ACCOUNT_ADMIN_ROLES
from custodes.web.accounts.models import User
from custodes.web.alerts.access import ALERT_KINDS, ALERT_ROLES
from custodes.web.cases.actions import CASE_ROLES
from custodes.web.cases.pages import WORK_ROLES
from custodes.web.registry.access import REGISTRY_ROLES
from custodes.web.reports.access import REPORT_ROLES
from custodes.web.risk.access import RISK_ROLES
from custodes.web.vetting.access import VETTING_ROLES, may_declare

__all__ = ["Link", "links_for", "navigation"]


@dataclass(frozen=True)
class Link:
    """One entry of the navigation."""

    label: str
    url: str


def links_for(user: User) -> list[Link]:
    """Return the pages `user`'s role may use, in the navigation's order."""
    role = user.role
    # (label, URL name, who may use it): the same role sets the views check.
    pages: list[tuple[str, str, bool]] = [
        ("Cases", "cases:list", True),
        ("My work", "cases:my-work", role in WORK_ROLES),
        ("Reports", "reports:queue", role in REPORT_ROLES),
        ("Alerts", "alerts:list", role in ALERT_KINDS),
        ("Audit alerts", "alerts:audit-queue", role in ALERT_ROLES),
        ("Registry", "registry:search", role in REGISTRY_ROLES),
        ("Vetting", "vetting:queue", role in VETTING_ROLES),
        ("Early intervention", "risk:list", role in RISK_ROLES),
        ("Break-glass", "cases:break-glass", role in CASE_ROLES),
        ("Accounts", "accounts:manage", role in ACCOUNT_ADMIN_ROLES),
        # Anyone with a force id declares changes of their own circumstances.
        ("Declare a change", "vetting-declare:page", may_declare(user)),
        # Public: the published statistics, as anyone outside sees them.
        ("Statistics", "stats:page", True),
    ]
    return [Link(label, reverse(name)) for label, name, allowed in pages if allowed]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Give every template the signed-in user's navigation (none before sign-in)."""
    user = getattr(request, "user", None)
    verified = getattr(user, "is_verified", lambda: False)()
    if not isinstance(user, User) or not user.is_authenticated or not verified:
        return {"nav_links": []}
    return {"nav_links": links_for(user)}
