"""Decide who may see the early-intervention list, an entry, its plan and the run's summary.

Who: the counter-corruption lead (Role.CC_LEAD), who runs early intervention, and the
appropriate authority, who decides management action and misconduct on what it shows.
Analysts are not given the list: it ranks colleagues none of whom has been found to have
done anything, and a ranking read widely becomes gossip; they see an officer once a case is
opened from an entry and they are on its team. Like the audit queue, a viewer needs their own
force user id: need-to-know in a force's chart cannot place them without it.

Need-to-know is `needtoknow`'s, exactly as for a case opened about the entry's officer
(`Charts.case_conflict` over the entry's account and force user id), and on top of it the
run's own words: an entry whose unit, as the run gives it, is the viewer's unit (in custodes
or in an imported force chart), or whose name is the name of anyone too close to the viewer,
is hidden too, since a run from another source may name staff custodes knows by other ids.
An entry custodes cannot tie to anyone it knows (`RiskEntry.Tie.UNTIED`) is shown only to the
lead (`UNTIED_ROLES`), who works the list; the authority sees entries custodes can place.

Lists are filtered in the query; pages number and count only the entries a viewer may see,
so gaps in the run's ranks do not show where hidden entries are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from custodes.web.accounts.models import Role, User
from custodes.web.needtoknow.charts import Charts
from custodes.web.needtoknow.models import ForceStaff
from custodes.web.needtoknow.rls import force_staff_conflicts
from custodes.web.needtoknow.rule import conflicts
from custodes.web.risk.models import InterventionPlan, RiskEntry, RiskRun
from custodes.web.risk.run_files import name_key
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused

__all__ = [
    "PLAN_ROLES",
    "REVIEW_NOTICE_DAYS",
    "RISK_ROLES",
    "UNTIED_ROLES",
    "Hidden",
    "due_for_review",
    "entries_for_user",
    "entry_conflict",
    "get_entry_for_user",
    "get_plan_for_user",
    "get_report_for_user",
    "hidden_from",
    "latest_run",
    "may_read_report",
    "may_use_risk",
    "position",
]

RISK_ROLES = frozenset({Role.CC_LEAD, Role.APPROPRIATE_AUTHORITY})
# Who sees entries custodes cannot tie to anyone it knows: the lead who works the list.
UNTIED_ROLES = frozenset({Role.CC_LEAD})
# Who starts, reviews and closes intervention plans: whoever sees the list.
PLAN_ROLES = RISK_ROLES
# How far ahead an open plan's review counts as due.
REVIEW_NOTICE_DAYS = 7


def may_use_risk(user: User) -> bool:
    """Say whether `user` may use early intervention at all."""
    return user.is_active and user.role in RISK_ROLES and bool(user.force_user_id)


@dataclass(frozen=True)
class Hidden:
    """What keeps entries from one viewer: accounts, force user ids, names and units."""

    accounts: frozenset[int]
    force_ids: frozenset[str]
    names: frozenset[str]
    units: frozenset[str]
    untied: bool  # untied entries are hidden too

    def query(self) -> Q:
        """Return the condition an entry the viewer may see meets."""
        shown = ~Q(subject_id__in=self.accounts) & ~Q(force_user_id__in=self.force_ids)
        if self.names:
            shown &= ~Q(name_key__in=self.names)
        for unit in self.units:
            shown &= ~Q(unit__iexact=unit)
        if self.untied:
            shown &= ~Q(tie=RiskEntry.Tie.UNTIED)
        return shown


def _units(user: User) -> set[str]:
    units = {user.unit} if user.unit else set()
    if user.force_user_id:
        units.update(
            ForceStaff.objects.filter(user_id=user.force_user_id).values_list("unit", flat=True)
        )
    return {u for u in units if u}


def _could_be_near(user: User) -> set[str]:
    """Return the force user ids `Charts.subject_conflict` could find too close to `user`.

    Their own, those held by any account, and the staff of every imported force chart that
    lists them (or, where row-level security hides the charts, the ones it finds too close).
    """
    ids = {user.force_user_id} if user.force_user_id else set()
    ids.update(
        str(fid)
        for fid in User.objects.exclude(force_user_id__isnull=True).values_list(
            "force_user_id", flat=True
        )
    )
    shown = force_staff_conflicts(user.pk)
    if shown is not None:
        ids.update(staff for staff, _ in shown)
    elif user.force_user_id:
        runs = ForceStaff.objects.filter(user_id=user.force_user_id).values("run_id")
        ids.update(ForceStaff.objects.filter(run_id__in=runs).values_list("user_id", flat=True))
    return ids


def hidden_from(user: User, run: RiskRun, charts: Charts | None = None) -> Hidden:
    """Return what need-to-know keeps from `user` among the run's entries."""
    charts = charts or Charts()
    near = conflicts(user.pk, charts.users)
    names = {
        name_key(first, last)
        for first, last in User.objects.filter(pk__in=near).values_list("first_name", "last_name")
    }
    # Decided by the charts themselves (the one place the rule is), for each id of the run
    # that could be too close at all: a run ranks every officer of a force, most strangers.
    ids = set(RiskEntry.objects.filter(run=run).values_list("force_user_id", flat=True))
    ids &= _could_be_near(user)
    force_ids = {fid for fid in ids if charts.subject_conflict(user, fid) is not None}
    return Hidden(
        accounts=frozenset(near),
        force_ids=frozenset(force_ids),
        names=frozenset(n for n in names if n),
        units=frozenset(_units(user)),
        untied=user.role not in UNTIED_ROLES,
    )


def entry_conflict(user: User, entry: RiskEntry, charts: Charts | None = None) -> str | None:
    """Return why `user` may not see `entry`, or None if they may."""
    if not may_use_risk(user):
        return "does not use early intervention"
    if entry.tie == RiskEntry.Tie.UNTIED and user.role not in UNTIED_ROLES:
        return "the entry is tied to nobody custodes knows"
    charts = charts or Charts()
    found = charts.case_conflict(user, entry.subject_id, entry.force_user_id)
    if found is not None:
        return found.value
    if entry.unit and entry.unit.casefold() in {u.casefold() for u in _units(user)}:
        return "the run places the officer in your unit"
    if entry.name_key:
        near = conflicts(user.pk, charts.users)
        for first, last in User.objects.filter(pk__in=near).values_list("first_name", "last_name"):
            if name_key(first, last) == entry.name_key:
                return "the officer has the name of someone too close to you"
    return None


def latest_run() -> RiskRun | None:
    """Return the newest imported run, or None."""
    return RiskRun.objects.order_by("-imported_at", "-pk").first()


def entries_for_user(user: User, run: RiskRun, charts: Charts | None = None) -> QuerySet[RiskEntry]:
    """Return the run's entries `user` may see, best first, filtered in the query."""
    if not may_use_risk(user):
        return RiskEntry.objects.none()
    shown = hidden_from(user, run, charts).query()
    return RiskEntry.objects.filter(run=run).filter(shown).order_by("rank")


def due_for_review(user: User, run: RiskRun, charts: Charts | None = None) -> QuerySet[RiskEntry]:
    """Return the run's entries `user` may see whose officer's open plan is due for review."""
    soon = timezone.localdate() + dt.timedelta(days=REVIEW_NOTICE_DAYS)
    due = InterventionPlan.objects.filter(
        status=InterventionPlan.Status.OPEN, review_on__lte=soon
    ).values_list("entry__officer_ref", flat=True)
    return entries_for_user(user, run, charts).filter(officer_ref__in=due)


def position(user: User, entry: RiskEntry, charts: Charts | None = None) -> tuple[int, int]:
    """Return the entry's place among those `user` may see in its run, and how many they are."""
    seen = entries_for_user(user, entry.run, charts)
    return seen.filter(rank__lte=entry.rank).count(), seen.count()


def _record_read(user: User, subject: Subject, pk: int, purpose: Action) -> None:
    # A read, with what it was for: the write that follows records its own event.
    changes = {} if purpose == Action.READ else {"for": str(purpose)}
    record(user.pk, Action.READ, subject, pk, changes=changes)


def get_entry_for_user(user: User, pk: int, purpose: Action = Action.READ) -> RiskEntry:
    """Return entry `pk` if `user` may see it, recording the access; else 404."""
    entry = RiskEntry.objects.select_related("run", "case", "subject").filter(pk=pk).first()
    if entry is None:
        raise Refused(Subject.RISK_ENTRY, pk, "no such entry", purpose)
    why = entry_conflict(user, entry)
    if why is not None:
        raise Refused(Subject.RISK_ENTRY, pk, why, purpose)
    _record_read(user, Subject.RISK_ENTRY, entry.pk, purpose)
    return entry


def get_plan_for_user(user: User, pk: int, purpose: Action = Action.READ) -> InterventionPlan:
    """Return plan `pk` if `user` may see its entry, recording the access; else 404."""
    plan = (
        InterventionPlan.objects.select_related("entry", "entry__run", "owner", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        raise Refused(Subject.INTERVENTION_PLAN, pk, "no such plan", purpose)
    why = entry_conflict(user, plan.entry)
    if why is not None:
        raise Refused(Subject.INTERVENTION_PLAN, pk, why, purpose)
    _record_read(user, Subject.INTERVENTION_PLAN, plan.pk, purpose)
    return plan


def get_report_for_user(user: User, pk: int) -> RiskRun:
    """Return run `pk` for its summary report if `user` uses early intervention; else 404.

    The summary names no officer (the import keeps none that does), so it is the same page
    for every viewer, and nobody learns from being refused it who is on the list.
    """
    run = RiskRun.objects.filter(pk=pk).first()
    if run is None or not run.report:
        raise Refused(Subject.RISK_REPORT, pk, "no such report")
    if not may_use_risk(user):
        raise Refused(Subject.RISK_REPORT, pk, "does not use early intervention")
    record(user.pk, Action.READ, Subject.RISK_REPORT, run.pk)
    return run


def may_read_report(user: User, run: RiskRun) -> bool:
    """Say whether `user` may read the run's summary (the entry page links it only then)."""
    return bool(run.report) and may_use_risk(user)
