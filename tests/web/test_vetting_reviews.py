"""Integrity reviews and randomised re-vetting: a clearance's annual review raises one task per
due day, the next a period after the last is held (as the backlog counts them); each month's
random sample is drawn once, from the holders of a clearance on its first day, by a keyed hash
nobody without the key can foresee."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from pytest_django import Settings

from custodes.caserules import load_vetting
from custodes.web.trail.kinds import Action
from custodes.web.trail.models import TrailEvent
from custodes.web.vetting.actions import (
    Swept,
    Who,
    choose_sample,
    decide_task,
    holders_on,
    record_clearance,
    sweep,
    who,
)
from custodes.web.vetting.backlog import clearance_facts, integrity_review_due
from custodes.web.vetting.models import Clearance, RandomSample, VettingTask
from tests.web.vetting_helpers import Staff, staff_fixture  # noqa: F401 - a fixture

REASON = "Vetting interview held; references and financial checks returned clear"
KEY, OTHER_KEY = "a test sample key, 32 bytes long!", "another test key, also 32 bytes!"


def today() -> dt.date:
    """Return today."""
    return timezone.localdate()


def raised(swept: Swept, kind: str) -> list[VettingTask]:
    """Return the tasks a sweep raised for triggers of `kind`."""
    return [task for task in swept.created if task.trigger == kind]


def _month(day: dt.date, back: int = 0) -> dt.date:
    """Return the first day of the month `back` months before `day`'s."""
    months = day.year * 12 + day.month - 1 - back
    return dt.date(months // 12, months % 12 + 1, 1)


def test_an_integrity_review_is_raised_once_and_the_next_a_period_after_it_is_held(
    staff: Staff,
) -> None:
    person = who(staff.subject)
    assert person is not None
    granted = today() - dt.timedelta(days=400)
    clearance = record_clearance(
        staff.vetter, person, "RV", Clearance.Status.GRANTED, reason=REASON, granted_on=granted
    )
    first = clearance.integrity_review_due
    assert first is not None and first <= today()
    assert raised(sweep(first - dt.timedelta(days=1)), "integrity-review") == []
    (task,) = raised(sweep(first), "integrity-review")
    assert (task.source_type, task.source_id) == ("clearance", f"{clearance.pk}:{first}")
    assert (task.person, task.happened_on, task.unit) == (person.key, first, "response-1")
    assert task.due_on == first + dt.timedelta(days=30)
    assert task.summary == f"RV clearance's integrity review due on {first.isoformat()}"
    assert raised(sweep(today()), "integrity-review") == []
    # A second level held: still one review open for the person, not one per clearance.
    record_clearance(
        staff.vetter, person, "MV", Clearance.Status.GRANTED, reason=REASON, granted_on=granted
    )
    # A year on, the first still open: it stays one overdue review, not one a year.
    assert raised(sweep(first + dt.timedelta(days=366)), "integrity-review") == []
    # Held today: the next falls due a period after it, as the backlog counts it.
    decide_task(staff.vetter, task, VettingTask.Decision.STANDS, REASON)
    (facts,) = clearance_facts(Clearance.objects.filter(pk=clearance.pk))
    next_due = integrity_review_due(facts, today())
    assert next_due is not None and (next_due - today()).days in (365, 366)
    assert raised(sweep(next_due - dt.timedelta(days=1)), "integrity-review") == []
    (again,) = raised(sweep(next_due), "integrity-review")
    assert again.happened_on == next_due and again.person == person.key
    decide_task(staff.vetter, again, VettingTask.Decision.STANDS, REASON)
    # A renewal is a later decision at the level: the old grant's reviews end with it.
    for level in ("RV", "MV"):
        record_clearance(
            staff.vetter, person, level, Clearance.Status.GRANTED, reason=REASON, granted_on=today()
        )
    later = raised(sweep(next_due + dt.timedelta(days=400)), "integrity-review")
    assert [t.source_id.startswith(f"{clearance.pk}:") for t in later] == [False]


def test_the_sample_is_the_same_for_the_same_key_another_for_another_and_its_size() -> None:
    people = [f"force:XF:{n:05d}" for n in range(1000)]
    chosen = choose_sample(KEY, "2026-05", people, 10)
    assert len(set(chosen)) == 10 and set(chosen) <= set(people)
    assert choose_sample(KEY, "2026-05", reversed(people), 10) == chosen
    assert choose_sample(KEY, "2026-05", people, 11)[:10] == chosen
    other = choose_sample(OTHER_KEY, "2026-05", people, 10)
    assert len(set(other) & set(chosen)) <= 1
    assert len(set(choose_sample(KEY, "2026-06", people, 10)) & set(chosen)) <= 1
    # Keyed, not in any order staff could read off: not the first ids, not the last.
    assert chosen != sorted(chosen) or max(chosen) > people[20]
    assert choose_sample(KEY, "2026-05", people, 0) == []


def test_each_month_is_drawn_once_from_its_holders_by_the_key(
    staff: Staff, settings: Settings
) -> None:
    settings.PSEUDONYM_KEY = KEY
    level = load_vetting().level("RV")
    long_ago = today() - dt.timedelta(days=2 * 365)
    for n in range(30):
        record_clearance(
            None,
            Who(None, "XF", f"X{n:03d}"),
            "RV",
            Clearance.Status.GRANTED,
            reason=REASON,
            granted_on=long_ago,
            unit=f"team-{n % 3}",
        )
    # Not holders: refused; granted then withdrawn; lapsed (past its renewal date).
    record_clearance(None, Who(None, "XF", "N1"), "RV", Clearance.Status.REFUSED, reason=REASON)
    withdrawn = Who(None, "XF", "N2")
    record_clearance(
        None, withdrawn, "RV", Clearance.Status.GRANTED, reason=REASON, granted_on=long_ago
    )
    record_clearance(None, withdrawn, "RV", Clearance.Status.WITHDRAWN, reason=REASON)
    lapsed = record_clearance(
        None,
        Who(None, "XF", "N3"),
        "RV",
        Clearance.Status.GRANTED,
        reason=REASON,
        granted_on=long_ago - dt.timedelta(days=3660 + 365 * level.renewal_years),
    )
    assert lapsed.renewal_due is not None and lapsed.renewal_due < _month(today(), 3)
    # custodes has held clearances for four months: as if the first had been recorded then.
    months = [_month(today(), back) for back in (3, 2, 1, 0)]
    recorded = dt.datetime.combine(months[0] + dt.timedelta(days=2), dt.time(12), dt.UTC)
    Clearance.objects.filter(pk=lapsed.pk).update(decided_at=recorded)
    holders = holders_on(months[0])
    assert sorted(holders) == [f"force:XF:X{n:03d}" for n in range(30)]

    swept = sweep(today() + dt.timedelta(days=400))  # a later day draws no month ahead
    labels = [f"{m.year:04d}-{m.month:02d}" for m in months]
    assert [(s.month, s.holders, s.chosen) for s in swept.samples] == [(m, 30, 1) for m in labels]
    random = raised(swept, "random")
    expected = [choose_sample(KEY, label, holders, 1)[0] for label in labels]
    assert [(t.source_type, t.source_id, t.person) for t in random] == [
        ("random-sample", label, person) for label, person in zip(labels, expected, strict=True)
    ]
    assert [(t.happened_on, t.due_on) for t in random] == [
        (m, m + dt.timedelta(days=load_vetting().trigger("random").due_days)) for m in months
    ]
    assert all(t.unit.startswith("team-") for t in random)
    # The lapsed clearance is the expiry's task; its last review before renewal raises none.
    assert [t.trigger for t in swept.created if t.person == "force:XF:N3"] == ["expiry"]
    assert [choose_sample(OTHER_KEY, label, holders, 1)[0] for label in labels] != expected
    draws = TrailEvent.objects.filter(action=Action.VETTING_SAMPLE).order_by("seq")
    assert [e.changes for e in draws] == [
        {"month": label, "holders": 30, "chosen": 1} for label in labels
    ]
    # Drawn once: a second sweep, even under another key, draws nothing again.
    settings.PSEUDONYM_KEY = OTHER_KEY
    again = sweep(today())
    assert again.samples == [] and raised(again, "random") == []
    assert RandomSample.objects.count() == 4
    assert VettingTask.objects.filter(trigger="random").count() == 4
