"""The vetting backlog, counted: what is overdue, expired or coming due, by unit and by level,
and how many tasks stood open (and overdue) at the end of each week. No view code.

Need-to-know applies to counts as to records. The pages count only the tasks and clearances
`access.tasks_for_user` and `access.clearances_for_user` give the viewer, so no figure counts
a record about the viewer, their line-management chain or their unit. A row for the viewer's
own unit can still appear, counting only records about people the charts do not place in it
(someone whose trigger recorded a unit they have since left).

A person's level is the level of their latest granted clearance that no later decision at the
same level has replaced (withdrawn, refused, expired or renewed); a task is counted under its
person's level. A clearance is expired when its renewal date has come (`actions.holds`: it is
not held on that day) and no later decision at its level was made. An integrity review is due a
period after the grant, or after the person's latest decided integrity-review task if that is
later, the period being the one the rules gave when the clearance was decided.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.lookups import Exact, IsNull
from django.utils import timezone

from custodes.caserules import load_vetting
from custodes.web.vetting.models import Clearance, VettingTask

__all__ = [
    "DUE_BANDS",
    "Backlog",
    "ClearanceFacts",
    "Row",
    "TaskFacts",
    "Week",
    "clearance_facts",
    "count_backlog",
    "due_band",
    "held_levels",
    "holding",
    "integrity_review_due",
    "latest_at_each_level",
    "task_facts",
    "weekly",
    "with_held_level",
]

# The bands of days ahead a renewal or a task falls due in, as the pages mark them.
DUE_BANDS = (30, 60, 90)
_GRANTED = Clearance.Status.GRANTED.value
_REVIEW = VettingTask.Trigger.INTEGRITY_REVIEW.value


@dataclass(frozen=True)
class TaskFacts:
    """What the backlog needs of a re-vetting task."""

    pk: int
    person: str
    unit: str
    trigger: str
    is_open: bool
    due_on: dt.date
    raised_on: dt.date
    decided_on: dt.date | None = None


@dataclass(frozen=True)
class ClearanceFacts:
    """What the backlog needs of a clearance decision."""

    pk: int
    person: str
    level: str
    status: str
    unit: str
    decided_at: dt.datetime
    granted_on: dt.date | None = None
    renewal_due: dt.date | None = None
    integrity_review_due: dt.date | None = None
    review_months: int | None = None  # as the rules said when it was decided


def latest_at_each_level(clearances: Iterable[ClearanceFacts]) -> list[ClearanceFacts]:
    """Return each person's latest decision at each level (later decisions replace earlier)."""
    latest: dict[tuple[str, str], ClearanceFacts] = {}
    for c in clearances:
        key = (c.person, c.level)
        seen = latest.get(key)
        if seen is None or (c.decided_at, c.pk) > (seen.decided_at, seen.pk):
            latest[key] = c
    return list(latest.values())


def held_levels(clearances: Iterable[ClearanceFacts]) -> dict[str, ClearanceFacts]:
    """Return each person's current clearance: their latest granted one not since replaced.

    It may have passed its renewal date (the pages say so); a person with none is left out.
    """
    held: dict[str, ClearanceFacts] = {}
    for c in latest_at_each_level(clearances):
        if c.status != _GRANTED:
            continue
        seen = held.get(c.person)
        if seen is None or (c.decided_at, c.pk) > (seen.decided_at, seen.pk):
            held[c.person] = c
    return held


def due_band(due_on: dt.date, on: dt.date) -> str:
    """Return when something due on `due_on` falls due, seen on `on`: "overdue" (the day has
    passed), the first of `DUE_BANDS` it falls within ("30", "60", "90"), or "later"."""
    if due_on < on:
        return "overdue"
    for days in DUE_BANDS:
        if due_on <= on + dt.timedelta(days=days):
            return str(days)
    return "later"


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def integrity_review_due(c: ClearanceFacts, reviewed_on: dt.date | None) -> dt.date | None:
    """Return the day the clearance's holder is next due an integrity review, or None."""
    due = c.integrity_review_due
    if reviewed_on is None or c.review_months is None or due is None:
        return due
    if c.granted_on is not None and reviewed_on < c.granted_on:
        return due
    return max(due, _add_months(reviewed_on, c.review_months))


@dataclass
class Row:
    """The backlog of one unit, one level, or everything the viewer may see."""

    name: str
    expired: int = 0
    integrity_overdue: int = 0
    renewal_30: int = 0  # cumulative: within 60 counts those within 30 too
    renewal_60: int = 0
    renewal_90: int = 0
    tasks_overdue: int = 0
    tasks_waiting: int = 0
    days: list[int] = field(default_factory=list)  # each open task's days in the queue

    @property
    def tasks_open(self) -> int:
        """Return the open tasks, overdue or waiting."""
        return self.tasks_overdue + self.tasks_waiting

    @property
    def median_days(self) -> float | None:
        """Return the median days open tasks have been in the queue, or None."""
        return float(statistics.median(self.days)) if self.days else None

    @property
    def longest_days(self) -> int | None:
        """Return the longest any open task has been in the queue, or None."""
        return max(self.days) if self.days else None

    @property
    def empty(self) -> bool:
        """Say whether the row counts nothing at all."""
        counts = (self.expired, self.integrity_overdue, self.renewal_90, self.tasks_open)
        return not any(counts)


@dataclass(frozen=True)
class Backlog:
    """The backlog on a day: by unit, by level, and in all."""

    on: dt.date
    by_unit: list[Row]
    by_level: list[Row]
    total: Row


def count_backlog(
    tasks: Iterable[TaskFacts],
    clearances: Iterable[ClearanceFacts],
    on: dt.date,
    levels: Sequence[str] | None = None,
) -> Backlog:
    """Count the backlog on `on` from the tasks and clearances given (those a viewer may see).

    Levels are listed in `levels`' order (the rules file's by default), any other after them,
    and "" (no clearance held) last; units alphabetically, "" (not recorded) last. Rows that
    count nothing are left out.
    """
    tasks, clearances = list(tasks), list(clearances)
    order = list(load_vetting().levels) if levels is None else list(levels)
    total = Row("")
    units: dict[str, Row] = {}
    by_level: dict[str, Row] = {}

    def rows(unit: str, level: str) -> tuple[Row, Row, Row]:
        return (
            total,
            units.setdefault(unit, Row(unit)),
            by_level.setdefault(level, Row(level)),
        )

    reviewed: dict[str, dt.date] = {}
    for t in tasks:
        if t.trigger == _REVIEW and not t.is_open and t.decided_on is not None:
            reviewed[t.person] = max(reviewed.get(t.person, t.decided_on), t.decided_on)
    for c in latest_at_each_level(clearances):
        if c.status != _GRANTED or c.renewal_due is None:
            continue
        counted = rows(c.unit, c.level)
        if c.renewal_due <= on:
            for row in counted:
                row.expired += 1
            continue
        review = integrity_review_due(c, reviewed.get(c.person))
        band = due_band(c.renewal_due, on)
        for row in counted:
            if review is not None and review < on:
                row.integrity_overdue += 1
            if band in ("30",):
                row.renewal_30 += 1
            if band in ("30", "60"):
                row.renewal_60 += 1
            if band in ("30", "60", "90"):
                row.renewal_90 += 1
    held = held_levels(clearances)
    for t in tasks:
        if not t.is_open:
            continue
        found = held.get(t.person)
        days = max(0, (on - t.raised_on).days)
        for row in rows(t.unit, found.level if found is not None else ""):
            if t.due_on < on:
                row.tasks_overdue += 1
            else:
                row.tasks_waiting += 1
            row.days.append(days)

    def level_place(level: str) -> tuple[int, int, str]:
        if not level:
            return (2, 0, "")
        return (0, order.index(level), "") if level in order else (1, 0, level)

    return Backlog(
        on=on,
        by_unit=[
            units[u]
            for u in sorted(units, key=lambda u: (not u, u.casefold()))
            if not units[u].empty
        ],
        by_level=[by_level[v] for v in sorted(by_level, key=level_place) if not by_level[v].empty],
        total=total,
    )


@dataclass(frozen=True)
class Week:
    """The open tasks, and those of them overdue, at the end of one day (a week's last)."""

    ends_on: dt.date
    open: int
    overdue: int


def weekly(tasks: Iterable[TaskFacts], on: dt.date, weeks: int = 26) -> list[Week]:
    """Return the open and overdue tasks at the end of each of the `weeks` weeks up to `on`,
    oldest first, from when each task was raised and decided (the last week ends on `on`).

    A task is open at the end of a day if raised by then and not yet decided; overdue if open
    and its due day has passed.
    """
    facts = list(tasks)
    never = dt.date.max.toordinal()
    raised = np.array([t.raised_on.toordinal() for t in facts], dtype=np.int64)
    decided = np.array(
        [t.decided_on.toordinal() if t.decided_on else never for t in facts], dtype=np.int64
    )
    due = np.array([t.due_on.toordinal() for t in facts], dtype=np.int64)
    found: list[Week] = []
    for back in range(weeks - 1, -1, -1):
        end = on - dt.timedelta(days=7 * back)
        day = end.toordinal()
        is_open = (raised <= day) & (decided > day)
        found.append(Week(end, int(is_open.sum()), int((is_open & (due < day)).sum())))
    return found


def task_facts(tasks: QuerySet[VettingTask]) -> list[TaskFacts]:
    """Return what the backlog needs of each task, read in one query."""
    rows = tasks.order_by().values_list(
        "pk", "person", "unit", "trigger", "status", "due_on", "raised_at", "decided_at"
    )
    opened = VettingTask.Status.OPEN.value
    return [
        TaskFacts(
            pk=pk,
            person=person,
            unit=unit,
            trigger=trigger,
            is_open=status == opened,
            due_on=due_on,
            raised_on=timezone.localdate(raised_at),
            decided_on=timezone.localdate(decided_at) if decided_at is not None else None,
        )
        for pk, person, unit, trigger, status, due_on, raised_at, decided_at in rows
    ]


def clearance_facts(clearances: QuerySet[Clearance]) -> list[ClearanceFacts]:
    """Return what the backlog needs of each clearance decision, read in one query."""
    rows = clearances.order_by().values_list(
        "pk",
        "person",
        "level",
        "status",
        "unit",
        "decided_at",
        "granted_on",
        "renewal_due",
        "integrity_review_due",
        # The one value of the rules it needs, not the whole document for every row.
        KT("rules__integrity_review_months"),
    )
    found: list[ClearanceFacts] = []
    for pk, person, level, status, unit, decided_at, granted, renewal, review, months in rows:
        found.append(
            ClearanceFacts(
                pk=pk,
                person=person,
                level=level,
                status=status,
                unit=unit,
                decided_at=decided_at,
                granted_on=granted,
                renewal_due=renewal,
                integrity_review_due=review,
                review_months=int(months) if months and str(months).isdigit() else None,
            )
        )
    return found


def _held() -> QuerySet[Clearance]:
    """Return, for the person of the task outside, their current clearance first (as
    `held_levels` chooses it), for a subquery."""
    later = Clearance.objects.filter(person=OuterRef("person"), level=OuterRef("level")).filter(
        Q(decided_at__gt=OuterRef("decided_at"))
        | Q(decided_at=OuterRef("decided_at"), pk__gt=OuterRef("pk"))
    )
    return (
        Clearance.objects.filter(person=OuterRef("person"), status=Clearance.Status.GRANTED)
        .annotate(replaced=Exists(later))
        .filter(replaced=False)
        .order_by("-decided_at", "-pk")
    )


def with_held_level(tasks: QuerySet[VettingTask]) -> QuerySet[VettingTask]:
    """Return the tasks with their person's current level (`held_levels`, in the query) as
    `held_level` and its renewal date as `held_renewal_due` (None when none is held)."""
    held = _held()
    return tasks.annotate(
        held_level=Subquery(held.values("level")[:1]),
        held_renewal_due=Subquery(held.values("renewal_due")[:1]),
    )


def holding(tasks: QuerySet[VettingTask], level: str | None) -> QuerySet[VettingTask]:
    """Return the tasks whose person's current level is `level` (None: who hold none)."""
    found = Subquery(_held().values("level")[:1])
    return tasks.filter(IsNull(found, True) if level is None else Exact(found, level))
