"""Fetch alerts a user may see: counter-corruption staff, never about themselves or their chain."""

from __future__ import annotations

from django.db.models import QuerySet

from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import Alert
from custodes.web.need_to_know import conflict
from custodes.web.orgchart import org_chart

__all__ = ["ALERT_ROLES", "alerts_for_user"]

ALERT_ROLES = {Role.CC_LEAD, Role.CC_ANALYST}


def alerts_for_user(user: User) -> list[Alert]:
    """Return the open alerts `user` may see, newest first."""
    if user.role not in ALERT_ROLES:
        return []
    chart = org_chart()
    alerts: QuerySet[Alert] = Alert.objects.filter(status=Alert.Status.OPEN)
    return [a for a in alerts if conflict(user.pk, a.about_user_id, chart) is None]
