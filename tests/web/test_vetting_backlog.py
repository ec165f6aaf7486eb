"""The backlog counted on its own (`vetting.backlog`), against hand-made records whose answers
are worked out by hand; and its level in the query agreeing with its level in Python."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from custodes.web.vetting.actions import (
    move_into_post,
    record_clearance,
    set_post_requirement,
    who,
)
from custodes.web.vetting.backlog import (
    ClearanceFacts,
    TaskFacts,
    Week,
    clearance_facts,
    count_backlog,
    due_band,
    held_levels,
    holding,
    integrity_review_due,
    weekly,
    with_held_level,
)
from custodes.web.vetting.models import Clearance, VettingTask
from tests.web.vetting_helpers import Staff, staff_fixture  # noqa: F401 - a fixture

ON = dt.date(2026, 3, 1)
G, W = Clearance.Status.GRANTED.value, Clearance.Status.WITHDRAWN.value
LEVELS = ("RV", "MV", "NPPV1", "NPPV2", "NPPV3", "CTC", "SC", "DV")


def at(day: str) -> dt.datetime:
    """Return noon on `day` (UTC), when a decision was made."""
    return dt.datetime.fromisoformat(f"{day}T12:00:00+00:00")


def d(day: str) -> dt.date:
    """Return the date written `day`."""
    return dt.date.fromisoformat(day)


def granted(
    pk: int,
    person: str,
    level: str,
    unit: str,
    decided: str,
    renewal: str,
    review: str,
    status: str = G,
) -> ClearanceFacts:
    """Return a clearance decision as the backlog reads it."""
    return ClearanceFacts(
        pk=pk,
        person=person,
        level=level,
        status=status,
        unit=unit,
        decided_at=at(decided),
        granted_on=d(decided) if status == G else None,
        renewal_due=d(renewal) if status == G else None,
        integrity_review_due=d(review) if status == G else None,
        review_months=12,
    )


CLEARANCES = [
    # p1: RV whose renewal date has passed, nothing decided since: expired.
    granted(1, "p1", "RV", "response-1", "2016-01-01", "2026-01-01", "2017-01-01"),
    # p2: MV due renewal in 19 days (within 30), integrity review due a year ago: overdue.
    granted(2, "p2", "MV", "response-2", "2019-03-20", "2026-03-20", "2025-01-01"),
    # p3: an RV past renewal, but renewed since: only the renewal counts, and it is not due.
    granted(3, "p3", "RV", "traffic", "2016-02-01", "2026-02-01", "2017-02-01"),
    granted(4, "p3", "RV", "traffic", "2026-01-15", "2036-01-15", "2027-01-15"),
    # p4: NPPV2 due renewal in 50 days (within 60 and 90); its integrity review fell due in
    # June 2025 but was held in July (a decided integrity-review task): next due July 2026.
    granted(5, "p4", "NPPV2", "response-2", "2021-04-20", "2026-04-20", "2025-06-01"),
    # p5: MV due in 80 days, but withdrawn since: nothing to renew, and no level held.
    granted(6, "p5", "MV", "response-2", "2019-05-20", "2026-05-20", "2020-05-20"),
    granted(7, "p5", "MV", "response-2", "2025-12-01", "", "", status=W),
    # p6: SC whose renewal date is today: not held today (`actions.holds`), so expired.
    granted(8, "p6", "SC", "", "2016-03-01", "2026-03-01", "2027-03-01"),
]


def task(
    pk: int,
    person: str,
    unit: str,
    raised: str,
    due: str,
    decided: str | None = None,
    trigger: str = "external-check",
) -> TaskFacts:
    """Return a task as the backlog reads it."""
    return TaskFacts(
        pk=pk,
        person=person,
        unit=unit,
        trigger=trigger,
        is_open=decided is None,
        due_on=d(due),
        raised_on=d(raised),
        decided_on=d(decided) if decided else None,
    )


TASKS = [
    task(1, "p1", "response-1", "2026-01-01", "2026-02-20"),  # overdue, 59 days in the queue
    task(2, "p2", "response-2", "2026-02-19", "2026-03-10"),  # waiting, 10 days
    task(3, "p5", "response-2", "2026-02-27", "2026-03-01"),  # due today: waiting, 2 days
    task(4, "p4", "response-2", "2025-06-01", "2025-06-30", "2025-07-01", "integrity-review"),
    task(5, "p3", "traffic", "2026-01-10", "2026-02-01", "2026-02-10"),  # decided late
]


def counts(row: object) -> tuple[int, ...]:
    """Return a row's counts in the order the page shows them."""
    names = (
        "expired",
        "integrity_overdue",
        "renewal_30",
        "renewal_60",
        "renewal_90",
        "tasks_overdue",
        "tasks_waiting",
    )
    return tuple(getattr(row, n) for n in names)


def test_the_backlog_by_unit_by_level_and_in_all_has_the_answers_worked_by_hand() -> None:
    backlog = count_backlog(TASKS, CLEARANCES, ON, LEVELS)
    #                          expired, review, 30, 60, 90, overdue, waiting
    assert counts(backlog.total) == (2, 1, 1, 2, 2, 1, 2)
    assert sorted(backlog.total.days) == [2, 10, 59]
    assert (backlog.total.median_days, backlog.total.longest_days) == (10.0, 59)

    by_unit = {row.name: row for row in backlog.by_unit}
    # Traffic's clearance is current and its one task decided: a row of nothing, left out.
    assert [row.name for row in backlog.by_unit] == ["response-1", "response-2", ""]
    assert counts(by_unit["response-1"]) == (1, 0, 0, 0, 0, 1, 0)
    assert counts(by_unit["response-2"]) == (0, 1, 1, 2, 2, 0, 2)
    assert (by_unit["response-2"].median_days, by_unit["response-2"].longest_days) == (6.0, 10)
    assert counts(by_unit[""]) == (1, 0, 0, 0, 0, 0, 0)

    # Tasks count under the level their person holds: p1's expired RV is still their latest
    # grant; p5's MV was withdrawn, so p5 holds none.
    by_level = {row.name: row for row in backlog.by_level}
    assert [row.name for row in backlog.by_level] == ["RV", "MV", "NPPV2", "SC", ""]
    assert counts(by_level["RV"]) == (1, 0, 0, 0, 0, 1, 0)
    assert counts(by_level["MV"]) == (0, 1, 1, 1, 1, 0, 1)
    assert counts(by_level["NPPV2"]) == (0, 0, 0, 1, 1, 0, 0)
    assert counts(by_level["SC"]) == (1, 0, 0, 0, 0, 0, 0)
    assert counts(by_level[""]) == (0, 0, 0, 0, 0, 0, 1)
    assert by_level[""].days == [2]

    # What is left out counts nowhere: with nothing given, nothing is counted.
    empty = count_backlog([], [], ON, LEVELS)
    assert (empty.by_unit, empty.by_level, counts(empty.total)) == ([], [], (0,) * 7)
    assert empty.total.median_days is None and empty.total.longest_days is None


def test_held_levels_integrity_reviews_and_due_bands() -> None:
    held = held_levels(CLEARANCES)
    assert {p: c.pk for p, c in held.items()} == {"p1": 1, "p2": 2, "p3": 4, "p4": 5, "p6": 8}
    p4 = CLEARANCES[4]
    assert integrity_review_due(p4, None) == d("2025-06-01")
    assert integrity_review_due(p4, d("2025-07-01")) == d("2026-07-01")
    # A review before the grant is of an earlier clearance.
    assert integrity_review_due(p4, d("2020-01-01")) == d("2025-06-01")
    bands = {n: due_band(ON + dt.timedelta(days=n), ON) for n in (-1, 0, 30, 31, 60, 90, 91)}
    assert bands == {
        -1: "overdue",
        0: "30",
        30: "30",
        31: "60",
        60: "60",
        90: "90",
        91: "later",
    }


def test_open_and_overdue_tasks_at_the_end_of_each_week() -> None:
    weeks = weekly(TASKS, ON, weeks=4)
    assert weeks == [
        # 8 February: task 5 (due 1 February, decided on the 10th) overdue; task 1 waiting.
        Week(d("2026-02-08"), 2, 1),
        Week(d("2026-02-15"), 1, 0),
        # 22 February: task 1 is two days overdue; task 2 was raised on the 19th.
        Week(d("2026-02-22"), 2, 1),
        # Today: task 3 is due today, so not yet overdue.
        Week(d("2026-03-01"), 3, 1),
    ]
    assert len(weekly(TASKS, ON)) == 26
    assert weekly([], ON, weeks=2) == [Week(d("2026-02-22"), 0, 0), Week(ON, 0, 0)]


@pytest.mark.django_db
def test_the_level_in_the_query_is_the_level_held(staff: Staff) -> None:
    """`with_held_level` (SQL, for the queue's filter) agrees with `held_levels` (Python)."""
    today = timezone.localdate()
    people = {fid: who(None, "XF", fid) for fid in ("L1", "L2", "L3", "L4")}
    reason = "References and financial checks returned clear"

    def decide(fid: str, level: str, status: Clearance.Status) -> None:
        person = people[fid]
        assert person is not None
        on = today - dt.timedelta(days=400) if status == Clearance.Status.GRANTED else None
        record_clearance(staff.vetter, person, level, status, reason=reason, granted_on=on)

    decide("L1", "RV", Clearance.Status.GRANTED)
    decide("L1", "MV", Clearance.Status.GRANTED)
    decide("L1", "MV", Clearance.Status.WITHDRAWN)  # L1 holds RV again
    decide("L2", "RV", Clearance.Status.REFUSED)  # L2 holds none
    decide("L3", "NPPV2", Clearance.Status.GRANTED)
    decide("L3", "MV", Clearance.Status.GRANTED)  # L3's latest grant: MV
    post = set_post_requirement(staff.vetter, "Firearms", "DV")
    for person in people.values():
        assert person is not None
        move_into_post(staff.vetter, person, post, today)
    tasks = VettingTask.objects.all()
    annotated = {t.person: getattr(t, "held_level") for t in with_held_level(tasks)}  # noqa: B009
    held = held_levels(clearance_facts(Clearance.objects.all()))
    in_python = {p: c.level for p, c in held.items()}
    assert annotated == {
        "force:XF:L1": "RV",
        "force:XF:L2": None,
        "force:XF:L3": "MV",
        "force:XF:L4": None,
    }
    assert {p: v for p, v in annotated.items() if v} == in_python
    # The queue's filter by level asks the same question.
    assert [t.person for t in holding(tasks, "RV")] == ["force:XF:L1"]
    assert sorted(t.person for t in holding(tasks, None)) == ["force:XF:L2", "force:XF:L4"]
