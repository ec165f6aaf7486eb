"""Fetch alerts a user may see: counter-corruption staff, never about themselves or their chain."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import Alert, AuditAlert, AuditEvidence, ForceStaff
from custodes.web.need_to_know import Conflict, OrgChart, conflict
from custodes.web.orgchart import org_chart
from custodes.web.trail.chain import record

__all__ = [
    "ALERT_KINDS",
    "ALERT_ROLES",
    "AuditCharts",
    "alerts_for_user",
    "audit_alerts_for_user",
    "audit_conflict",
    "get_audit_alert_for_user",
    "may_review_audit_alerts",
    "read_evidence",
    "subject_account",
]

ALERT_ROLES = {Role.CC_LEAD, Role.CC_ANALYST}
# Which alerts go to whom: break-glass use to counter-corruption, registry matches to vetting.
ALERT_KINDS: dict[str, set[str]] = {
    Role.CC_LEAD: {Alert.Kind.BREAK_GLASS},
    Role.CC_ANALYST: {Alert.Kind.BREAK_GLASS},
    Role.VETTING_OFFICER: {Alert.Kind.REGISTRY_MATCH},
}


def alerts_for_user(user: User) -> list[Alert]:
    """Return the open alerts `user` may see, newest first."""
    kinds = ALERT_KINDS.get(user.role, set())
    if not kinds:
        return []
    chart = org_chart()
    alerts: QuerySet[Alert] = Alert.objects.filter(status=Alert.Status.OPEN, kind__in=kinds)
    return [a for a in alerts if conflict(user.pk, a.about_user_id, chart) is None]


def may_review_audit_alerts(user: User) -> bool:
    """Say whether `user` may work the audit queue at all.

    Need-to-know on an audit alert is decided in the force's own org chart, which knows the
    viewer only by their force user id; without one it cannot be applied, so nothing is shown.
    """
    return user.is_active and user.role in ALERT_ROLES and bool(user.force_user_id)


class AuditCharts:
    """The org charts need-to-know on audit alerts is decided with, each loaded once."""

    def __init__(self) -> None:
        self.users = org_chart()
        self._accounts: dict[str, list[int]] = {}
        for pk, force_user_id in User.objects.filter(force_user_id__isnull=False).values_list(
            "pk", "force_user_id"
        ):
            self._accounts.setdefault(str(force_user_id), []).append(pk)
        self._runs: dict[int, tuple[OrgChart, dict[str, int]]] = {}

    def _force_chart(self, run_id: int) -> tuple[OrgChart, dict[str, int]]:
        if run_id not in self._runs:
            rows = list(
                ForceStaff.objects.filter(run_id=run_id).values_list(
                    "pk", "user_id", "line_manager_id", "unit"
                )
            )
            ids = {user_id: pk for pk, user_id, _, _ in rows}
            chart = OrgChart(
                manager={pk: ids.get(manager) for pk, _, manager, _ in rows},
                unit={pk: unit for pk, _, _, unit in rows},
            )
            self._runs[run_id] = (chart, ids)
        return self._runs[run_id]

    def conflict(self, viewer: User, alert: AuditAlert) -> Conflict | None:
        """Return why `viewer` is too close to the alert's subject, or None."""
        # In custodes' own chart, for any account holding the subject's force user id: an
        # account of another force with the same id only hides more, never less.
        for account in self._accounts.get(alert.force_user_id, ()):
            found = conflict(viewer.pk, account, self.users)
            if found is not None:
                return found
        own = viewer.force_user_id
        if not own:
            return None
        if own == alert.force_user_id:
            return Conflict.SELF
        # In the audited force's chart, where the subject may have no custodes account.
        chart, ids = self._force_chart(alert.run_id)
        me = ids.get(own)
        return None if me is None else conflict(me, ids.get(alert.force_user_id), chart)


def audit_conflict(
    viewer: User, alert: AuditAlert, charts: AuditCharts | None = None
) -> Conflict | None:
    """Return the conflict between `viewer` and the subject of an audit alert, or None."""
    return (charts or AuditCharts()).conflict(viewer, alert)


def audit_alerts_for_user(user: User, status: str | None = None) -> list[AuditAlert]:
    """Return the audit alerts `user` may see, newest run first and best first within it."""
    if not may_review_audit_alerts(user):
        return []
    alerts = AuditAlert.objects.select_related("run").order_by("-run_id", "rank")
    if status:
        alerts = alerts.filter(status=status)
    charts = AuditCharts()
    return [a for a in alerts if charts.conflict(user, a) is None]


def get_audit_alert_for_user(user: User, pk: int, purpose: str = "read") -> AuditAlert:
    """Return audit alert `pk` if `user` may see it, recording the access; else 404."""
    alert = AuditAlert.objects.select_related("run", "case", "triaged_by").filter(pk=pk).first()
    if (
        alert is None
        or not may_review_audit_alerts(user)
        or audit_conflict(user, alert) is not None
    ):
        raise Http404("No such alert")
    record(user.pk, purpose, "audit-alert", alert.pk)
    return alert


def read_evidence(user: User, alert: AuditAlert) -> list[AuditEvidence]:
    """Return the look-ups behind an alert `user` may see, recording the read; else 404."""
    if not may_review_audit_alerts(user) or audit_conflict(user, alert) is not None:
        raise Http404("No such alert")
    evidence = list(AuditEvidence.objects.filter(alert=alert).order_by("event_id", "signal"))
    record(user.pk, "read", "audit-evidence", alert.pk, changes={"rows": len(evidence)})
    return evidence


def subject_account(alert: AuditAlert) -> User | None:
    """Return the custodes account of the alert's subject, if they have one."""
    return User.objects.filter(force=alert.force, force_user_id=alert.force_user_id).first()
