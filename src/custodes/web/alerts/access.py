"""Fetch alerts a user may see: counter-corruption staff, never about themselves or their chain."""

from __future__ import annotations

from django.db.models import QuerySet

from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import Alert, AuditAlert, AuditEvidence
from custodes.web.needtoknow.charts import Charts
from custodes.web.needtoknow.rule import Conflict, conflict
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused

__all__ = [
    "ALERT_KINDS",
    "ALERT_ROLES",
    "alerts_for_user",
    "audit_alerts_for_user",
    "audit_conflict",
    "get_audit_alert_for_user",
    "may_review_audit_alerts",
    "positions",
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
    """Return the open alerts `user` may see, newest first.

    An alert obeys need-to-know like the records it is about: one about a member of staff is
    kept from them, their chain and their unit, and one about a case (break-glass) is also
    kept from whoever is too close to the case's subject, since it names the case.
    """
    kinds = ALERT_KINDS.get(user.role, set())
    if not user.is_active or not kinds:
        return []
    charts = Charts()
    alerts: QuerySet[Alert] = Alert.objects.filter(
        status=Alert.Status.OPEN, kind__in=kinds
    ).select_related("case")
    return [
        a
        for a in alerts
        if conflict(user.pk, a.about_user_id, charts.users) is None
        and (
            a.case is None
            or charts.case_conflict(user, a.case.subject_id, a.case.subject_force_user_id) is None
        )
    ]


def may_review_audit_alerts(user: User) -> bool:
    """Say whether `user` may work the audit queue at all.

    Need-to-know on an audit alert is decided in the force's own org chart, which knows the
    viewer only by their force user id; without one it cannot be applied, so nothing is shown.
    """
    return user.is_active and user.role in ALERT_ROLES and bool(user.force_user_id)


def audit_conflict(
    viewer: User, alert: AuditAlert, charts: Charts | None = None
) -> Conflict | None:
    """Return the conflict between `viewer` and the subject of an audit alert, or None."""
    return (charts or Charts()).subject_conflict(viewer, alert.force_user_id)


def audit_alerts_for_user(user: User, status: str | None = None) -> list[AuditAlert]:
    """Return the audit alerts `user` may see, newest run first and best first within it."""
    if not may_review_audit_alerts(user):
        return []
    alerts = AuditAlert.objects.select_related("run").order_by("-run_id", "rank")
    if status:
        alerts = alerts.filter(status=status)
    charts = Charts()
    return [a for a in alerts if audit_conflict(user, a, charts) is None]


def positions(alerts: list[AuditAlert]) -> dict[int, tuple[int, int]]:
    """Number the alerts a viewer may see within each run, best first: pk -> (n, of how many).

    The run's own ranks have gaps exactly where alerts about the viewer, their chain and
    their unit are hidden, so the viewer is shown only this count of what they may see.
    """
    by_run: dict[int, list[AuditAlert]] = {}
    for alert in alerts:
        by_run.setdefault(alert.run_id, []).append(alert)
    found: dict[int, tuple[int, int]] = {}
    for run_alerts in by_run.values():
        run_alerts.sort(key=lambda a: a.rank)
        for n, alert in enumerate(run_alerts, 1):
            found[alert.pk] = (n, len(run_alerts))
    return found


def get_audit_alert_for_user(user: User, pk: int, purpose: Action = Action.READ) -> AuditAlert:
    """Return audit alert `pk` if `user` may see it, recording the access; else 404."""
    alert = AuditAlert.objects.select_related("run", "case", "triaged_by").filter(pk=pk).first()
    if alert is None:
        raise Refused(Subject.AUDIT_ALERT, pk, "no such alert", purpose)
    if not may_review_audit_alerts(user):
        raise Refused(Subject.AUDIT_ALERT, pk, "does not review audit alerts", purpose)
    found = audit_conflict(user, alert)
    if found is not None:
        raise Refused(Subject.AUDIT_ALERT, pk, found.value, purpose)
    record(user.pk, purpose, Subject.AUDIT_ALERT, alert.pk)
    return alert


def read_evidence(user: User, alert: AuditAlert) -> list[AuditEvidence]:
    """Return the look-ups behind an alert `user` may see, recording the read; else 404."""
    if not may_review_audit_alerts(user) or audit_conflict(user, alert) is not None:
        raise Refused(Subject.AUDIT_EVIDENCE, alert.pk, "may not see the alert")
    evidence = list(AuditEvidence.objects.filter(alert=alert).order_by("event_id", "signal"))
    record(user.pk, Action.READ, Subject.AUDIT_EVIDENCE, alert.pk, changes={"rows": len(evidence)})
    return evidence


def subject_account(alert: AuditAlert) -> User | None:
    """Return the custodes account of the alert's subject, if they have one."""
    # As need-to-know finds them (needtoknow.charts): by force user id whatever the force's
    # spelling, the account of the alert's own force first if several hold the id.
    accounts = User.objects.filter(force_user_id=alert.force_user_id).order_by("pk")
    return min(accounts, key=lambda account: account.force != alert.force, default=None)
