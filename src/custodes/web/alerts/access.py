"""Fetch alerts a user may see: counter-corruption staff, never about themselves or their chain."""

from __future__ import annotations

from functools import cached_property

from django.db.models import QuerySet

from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import Alert, AuditAlert, AuditEvidence, ForceStaff
from custodes.web.dbsecurity.rls import force_staff_conflicts
from custodes.web.need_to_know import Conflict, OrgChart, conflict, conflicts
from custodes.web.orgchart import org_chart
from custodes.web.trail.chain import record
from custodes.web.trail.refused import Refused

__all__ = [
    "ALERT_KINDS",
    "ALERT_ROLES",
    "AuditCharts",
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
    charts = AuditCharts()
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


# How custodes_audit_conflicts names a tie, and which tie counts when runs disagree.
_KINDS = {"chain": Conflict.CHAIN, "unit": Conflict.UNIT}
_RANK = {None: 0, Conflict.UNIT: 1, Conflict.CHAIN: 2, Conflict.SELF: 3}


class AuditCharts:
    """The org charts need-to-know on audit alerts and their cases is decided with, loaded once."""

    def __init__(self, users: OrgChart | None = None) -> None:
        self._users = users
        self._staff: dict[int, dict[str, Conflict]] = {}

    @cached_property
    def users(self) -> OrgChart:
        """Return custodes' own chart."""
        return self._users if self._users is not None else org_chart()

    @cached_property
    def _accounts(self) -> dict[str, list[int]]:
        accounts: dict[str, list[int]] = {}
        for pk, force_user_id in User.objects.filter(force_user_id__isnull=False).values_list(
            "pk", "force_user_id"
        ):
            accounts.setdefault(str(force_user_id), []).append(pk)
        return accounts

    def _force_staff(self, viewer: User, own: str) -> dict[str, Conflict]:
        """Return the force staff too close to `viewer` in any run that lists the viewer."""
        if viewer.pk not in self._staff:
            found: dict[str, Conflict] = {}
            shown = force_staff_conflicts(viewer.pk)
            if shown is not None:
                pairs = [(user_id, _KINDS[kind]) for user_id, kind in shown]
            else:
                pairs = []
                runs = ForceStaff.objects.filter(user_id=own).values_list("run_id", flat=True)
                for run_id in runs.distinct():
                    pairs += _run_conflicts(run_id, own)
            # The same person in several runs: the closest tie any run shows counts.
            for user_id, why in pairs:
                if _RANK[why] > _RANK.get(found.get(user_id), 0):
                    found[user_id] = why
            self._staff[viewer.pk] = found
        return self._staff[viewer.pk]

    def subject_conflict(self, viewer: User, force_user_id: str) -> Conflict | None:
        """Return why `viewer` is too close to the force's member of staff, or None."""
        own = viewer.force_user_id
        if own and own == force_user_id:
            return Conflict.SELF
        # In custodes' own chart, for any account holding the subject's force user id: an
        # account of another force with the same id only hides more, never less.
        for account in self._accounts.get(force_user_id, ()):
            found = conflict(viewer.pk, account, self.users)
            if found is not None:
                return found
        if not own:
            return None
        # In the audited force's charts, where the subject may have no custodes account: in
        # every imported run that lists them both, so a later reorganisation hides the alerts
        # of earlier runs too.
        return self._force_staff(viewer, own).get(force_user_id)

    def conflict(self, viewer: User, alert: AuditAlert) -> Conflict | None:
        """Return why `viewer` is too close to the alert's subject, or None."""
        return self.subject_conflict(viewer, alert.force_user_id)

    def case_conflict(
        self, viewer: User, subject_id: int | None, subject_force_user_id: str | None
    ) -> Conflict | None:
        """Return why `viewer` is too close to a case's subject, or None.

        A case opened from an audit alert knows its subject by their force user id, and often
        by no account at all: it is decided in the audited force's charts too, as the alert
        was.
        """
        found = conflict(viewer.pk, subject_id, self.users)
        if subject_force_user_id is None or found is Conflict.SELF:
            return found
        in_force = self.subject_conflict(viewer, subject_force_user_id)
        return in_force if found is None or in_force is Conflict.SELF else found


def _run_conflicts(run_id: int, own: str) -> list[tuple[str, Conflict]]:
    """Return the staff of one run too close to the member with force user id `own`."""
    rows = list(
        ForceStaff.objects.filter(run_id=run_id).values_list(
            "pk", "user_id", "line_manager_id", "unit"
        )
    )
    ids = {user_id: pk for pk, user_id, _, _ in rows}
    names = {pk: user_id for user_id, pk in ids.items()}
    # A manager who is not on the run's staff ends a chain.
    chart = OrgChart(
        manager={pk: ids.get(manager) for pk, _, manager, _ in rows},
        unit={pk: unit for pk, _, _, unit in rows},
    )
    return [(names[pk], why) for pk, why in conflicts(ids[own], chart).items()]


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


def get_audit_alert_for_user(user: User, pk: int, purpose: str = "read") -> AuditAlert:
    """Return audit alert `pk` if `user` may see it, recording the access; else 404."""
    alert = AuditAlert.objects.select_related("run", "case", "triaged_by").filter(pk=pk).first()
    if alert is None:
        raise Refused("audit-alert", pk, "no such alert", purpose)
    if not may_review_audit_alerts(user):
        raise Refused("audit-alert", pk, "does not review audit alerts", purpose)
    found = audit_conflict(user, alert)
    if found is not None:
        raise Refused("audit-alert", pk, found.value, purpose)
    record(user.pk, purpose, "audit-alert", alert.pk)
    return alert


def read_evidence(user: User, alert: AuditAlert) -> list[AuditEvidence]:
    """Return the look-ups behind an alert `user` may see, recording the read; else 404."""
    if not may_review_audit_alerts(user) or audit_conflict(user, alert) is not None:
        raise Refused("audit-evidence", alert.pk, "may not see the alert")
    evidence = list(AuditEvidence.objects.filter(alert=alert).order_by("event_id", "signal"))
    record(user.pk, "read", "audit-evidence", alert.pk, changes={"rows": len(evidence)})
    return evidence


def subject_account(alert: AuditAlert) -> User | None:
    """Return the custodes account of the alert's subject, if they have one."""
    # As need-to-know finds them (AuditCharts): by force user id whatever the force's
    # spelling, the account of the alert's own force first if several hold the id.
    accounts = User.objects.filter(force_user_id=alert.force_user_id).order_by("pk")
    return min(accounts, key=lambda account: account.force != alert.force, default=None)
