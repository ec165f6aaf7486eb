"""Decide who may see a portal report; fetch reports only for those who may.

The rule is need-to-know's (`custodes.web.needtoknow`), as for cases: a report is kept from
every member of staff it names (its `NamedStaff` rows), from their line-management chain
either way and from their unit, in custodes' own chart and in every imported force's chart.
Nothing opens a report to someone too close to anyone it names: no grant, no break-glass,
and no case opened from it (a colleague's report, above all, must never reach the named
officer's chain). A report not yet taken in (matched against the staff list) is shown to
nobody. Row-level security on PostgreSQL mirrors this module: keep the rule here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from custodes.web.accounts.models import Role, User
from custodes.web.needtoknow.charts import Charts
from custodes.web.needtoknow.models import ForceStaff
from custodes.web.portal.models import Report, Status
from custodes.web.reports.models import NamedStaff
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused

__all__ = [
    "HANDLING_ROLES",
    "INTELLIGENCE_ROLES",
    "ORIGINAL_ROLES",
    "REPORT_ROLES",
    "ShownStaff",
    "Sight",
    "decide",
    "get_report_for_user",
    "may_act",
    "reports_for_user",
    "require_act",
    "show_named",
    "subjects_of",
]

# Who reads reports: intake handlers, counter-corruption, and the appropriate authority.
REPORT_ROLES = frozenset(
    {Role.INTAKE_HANDLER, Role.CC_LEAD, Role.CC_ANALYST, Role.APPROPRIATE_AUTHORITY}
)
# Who handles them: acknowledges, replies, routes, opens cases, refers, closes.
HANDLING_ROLES = frozenset({Role.INTAKE_HANDLER, Role.CC_LEAD, Role.APPROPRIATE_AUTHORITY})
# Who keeps a report as intelligence: the handlers, and the counter-corruption analysts.
INTELLIGENCE_ROLES = HANDLING_ROLES | {Role.CC_ANALYST}
# Who may download a file as the reporter gave it (metadata and all): the lead alone.
ORIGINAL_ROLES = frozenset({Role.CC_LEAD})


@dataclass(frozen=True)
class Sight:
    """Whether a user may see a report, and why (kept on the trail when refused)."""

    allowed: bool
    why: str


def subjects_of(report: Report) -> list[tuple[int | None, str | None]]:
    """Return everyone the report names, as (account id, force user id)."""
    rows = NamedStaff.objects.filter(report=report).values_list("user_id", "force_user_id")
    return list(dict.fromkeys(rows))


def _taken_in(report: Report) -> bool:
    from custodes.web.reports.models import Intake

    return Intake.objects.filter(pk=report.pk).exists()


def decide(user: User, report: Report, charts: Charts | None = None) -> Sight:
    """Apply the need-to-know rule to one user and one report."""
    if not user.is_active:
        return Sight(False, "inactive account")
    if user.role not in REPORT_ROLES:
        return Sight(False, "the role does not handle reports")
    if not _taken_in(report):
        return Sight(False, "not yet taken in and matched against the staff list")
    found = (charts or Charts()).subjects_conflict(user, subjects_of(report))
    if found is not None:
        return Sight(False, found.value)
    return Sight(True, "handles reports")


def get_report_for_user(user: User, reference: str, purpose: Action = Action.READ) -> Report:
    """Return the report with `reference` if `user` may see it, recording the read; else 404."""
    report = Report.objects.filter(reference=reference).first()
    if report is None:
        raise Refused(Subject.REPORT, reference[:64], "no such report", purpose)
    sight = decide(user, report)
    if not sight.allowed:
        raise Refused(Subject.REPORT, report.pk, sight.why, purpose)
    record(user.pk, purpose, Subject.REPORT, report.pk)
    return report


def reports_for_user(user: User, among: QuerySet[Report] | None = None) -> list[Report]:
    """Return the reports (of `among`, if a page narrowed them first) `user` may see."""
    if not user.is_active or user.role not in REPORT_ROLES:
        return []
    candidates = (among if among is not None else Report.objects.all()).filter(intake__isnull=False)
    charts = Charts()
    named: dict[object, list[tuple[int | None, str | None]]] = {}
    for report_id, user_id, force_user_id in NamedStaff.objects.filter(
        report__in=candidates
    ).values_list("report_id", "user_id", "force_user_id"):
        named.setdefault(report_id, []).append((user_id, force_user_id))
    return [
        report
        for report in candidates
        if charts.subjects_conflict(user, named.get(report.pk, [])) is None
    ]


def may_act(user: User, report: Report, roles: Iterable[Role] = HANDLING_ROLES) -> str | None:
    """Return why `user` may not act on the report, or None if they may."""
    if user.role not in set(roles):
        return "your role does not handle reports this way"
    sight = decide(user, report)
    if not sight.allowed:
        return "you may not see this report"
    if report.status == Status.EXPIRED:
        return "the report has expired: its content was deleted"
    return None


def require_act(user: User, report: Report, roles: Iterable[Role] = HANDLING_ROLES) -> None:
    """Refuse (PermissionDenied, with why) anyone who may not act on the report."""
    why = may_act(user, report, roles)
    if why is not None:
        raise PermissionDenied(why)


@dataclass(frozen=True)
class ShownStaff:
    """A member of staff a report names, as pages show them: name, role and unit."""

    named: NamedStaff
    name: str
    role: str
    unit: str

    @property
    def known_as(self) -> str:
        """Return how the force's systems know them: force and force user id, if held."""
        return " ".join(p for p in (self.named.force, self.named.force_user_id or "") if p)

    @property
    def how(self) -> str:
        """Return how the match was made, in words."""
        words = self.named.get_how_display().lower()
        if self.named.how in (NamedStaff.How.NAME, NamedStaff.How.SURNAME):
            words += f" ({self.named.score:.0f}% alike)"
        if self.named.station_matched:
            words += "; the station given matches their unit"
        if self.named.ambiguous:
            words += "; ambiguous: the report may mean someone else listed here"
        return words


def show_named(named: NamedStaff) -> ShownStaff:
    """Return a named member of staff by name, role and unit: from their account, then the
    name custodes holds for them, then the newest imported chart that lists them."""
    account = named.user
    name, role, unit = named.name, "", ""
    if account is not None:
        name = account.get_full_name() or name or account.username
        role = account.get_role_display()
        unit = account.unit
    if not unit and named.force_user_id:
        unit = (
            ForceStaff.objects.filter(user_id=named.force_user_id)
            .order_by("-run_id")
            .values_list("unit", flat=True)
            .first()
        ) or ""
    return ShownStaff(named, name or named.force_user_id or "unnamed", role or "force staff", unit)
