"""An integrity review held, recorded: the next review falls due a period after it (for the
sweep and the clearance page alike), once a day; refused before the grant, in the future, for a
clearance not granted, while a review task is open, and for anyone who is not a vetting officer
or is too close to the holder; on SQLite and on PostgreSQL, there as the application's role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from custodes.caserules import load_vetting
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from custodes.web.vetting.actions import (
    HELD,
    record_clearance,
    record_integrity_review,
    sweep,
    who,
)
from custodes.web.vetting.models import Clearance, VettingTask
from tests.web.conftest import csrf_post, sign_in
from tests.web.test_postgres_security import as_app, refused
from tests.web.vetting_helpers import Staff, staff_fixture  # noqa: F401 - a fixture

REASON = "Annual integrity review held: interview, financial check, no concerns"


def _grant(
    staff: Staff, days_ago: int, status: Clearance.Status = Clearance.Status.GRANTED
) -> Clearance:
    person = who(staff.subject)
    assert person is not None
    granted = timezone.localdate() - dt.timedelta(days=days_ago)
    return record_clearance(
        None,
        person,
        "RV",
        status,
        reason=REASON,
        granted_on=granted if status == Clearance.Status.GRANTED else None,
    )


def _reviews_raised(on: dt.date) -> list[VettingTask]:
    return [t for t in sweep(on).created if t.trigger == VettingTask.Trigger.INTEGRITY_REVIEW]


def test_a_review_held_moves_the_next_and_is_recorded_once(staff: Staff) -> None:
    today = timezone.localdate()
    clearance = _grant(staff, 400)
    assert clearance.granted_on is not None and clearance.integrity_review_due is not None
    assert clearance.integrity_review_due <= today  # without a review held, one is due now
    held_on = today - dt.timedelta(days=20)
    task = record_integrity_review(staff.vetter, clearance, held_on, REASON)
    assert task is not None
    assert (task.trigger, task.source_type, task.source_id) == (
        "integrity-review",
        HELD,
        f"{clearance.pk}:{held_on.isoformat()}",
    )
    assert (task.status, task.decision, task.decided_by) == ("decided", "stands", staff.vetter)
    assert timezone.localdate(task.decided_at) == held_on and task.person == "force:XF:V100"
    event = TrailEvent.objects.get(
        action=Action.VETTING_DECIDE, subject_type=Subject.VETTING_TASK, subject_id=str(task.pk)
    )
    assert event.actor_id == staff.vetter.pk and event.reason == REASON
    # The next review falls due a period after the one held: not before, then once.
    next_due = load_vetting().level("RV").integrity_review_due(held_on)
    assert _reviews_raised(today) == []
    assert _reviews_raised(next_due - dt.timedelta(days=1)) == []
    (raised,) = _reviews_raised(next_due)
    assert raised.source_id == f"{clearance.pk}:{next_due.isoformat()}"
    # A repeat adds nothing: no task, no trail event.
    tasks, events = VettingTask.objects.count(), TrailEvent.objects.count()
    assert record_integrity_review(staff.vetter, clearance, held_on, REASON) is None
    assert (VettingTask.objects.count(), TrailEvent.objects.count()) == (tasks, events)
    # A review task open: deciding it is recording the review, so a record is refused.
    with pytest.raises(ValidationError, match="decide it"):
        record_integrity_review(staff.vetter, clearance, today, REASON)
    assert VettingTask.objects.count() == tasks


def test_a_review_is_refused_out_of_its_days_or_by_the_wrong_people(staff: Staff) -> None:
    today = timezone.localdate()
    clearance = _grant(staff, 400)
    assert clearance.granted_on is not None
    refusals = [
        (staff.vetter, clearance, clearance.granted_on - dt.timedelta(days=1), "before the grant"),
        (staff.vetter, clearance, today + dt.timedelta(days=1), "before it is held"),
        (staff.vetter, _grant(staff, 0, Clearance.Status.REFUSED), today, "only a granted"),
        (staff.outsider, clearance, today, "only a vetting officer"),
    ]
    for actor, target, day, words in refusals:
        with pytest.raises(ValidationError, match=words):
            record_integrity_review(actor, target, day, REASON)
    with pytest.raises(ValidationError, match="give a reason"):
        record_integrity_review(staff.vetter, clearance, today, " ")
    # The holder, their line manager and a colleague in their unit may not record it.
    for actor in (staff.subject, staff.manager, staff.colleague):
        with pytest.raises(PermissionDenied):
            record_integrity_review(actor, clearance, today, REASON)
    assert not VettingTask.objects.exists()


def test_the_clearance_page_records_a_review_and_404s_a_colleague(staff: Staff) -> None:
    today = timezone.localdate()
    clearance = _grant(staff, 400)
    url = f"/vetting/clearance/{clearance.pk}/"
    vetter = Client(enforce_csrf_checks=True)
    sign_in(vetter, staff.vetter, staff.devices[staff.vetter.username])
    page = vetter.get(url).content.decode()
    assert "Record an integrity review held" in page and "(overdue)" in page
    late = csrf_post(vetter, url + "review/", {"held_on": "2999-01-01", "reason": REASON})
    assert late.status_code == 400 and "before it is held" in late.content.decode()
    held_on = today - dt.timedelta(days=3)
    done = csrf_post(vetter, url + "review/", {"held_on": held_on.isoformat(), "reason": REASON})
    assert done.status_code == 302
    page = vetter.get(url).content.decode()
    next_due = load_vetting().level("RV").integrity_review_due(held_on)
    assert f"{next_due.day} {next_due:%B %Y}" in page and "(overdue)" not in page
    colleague = Client(enforce_csrf_checks=True)
    sign_in(colleague, staff.colleague, staff.devices[staff.colleague.username])
    posted = csrf_post(colleague, url + "review/", {"held_on": today.isoformat(), "reason": REASON})
    assert posted.status_code == 404
    assert VettingTask.objects.filter(source_type=HELD).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_as_the_applications_role_a_review_is_recorded_in_the_actors_name_only(
    staff: Staff,
) -> None:
    today = timezone.localdate()
    clearance = _grant(staff, 400)
    with as_app(staff.vetter) as cursor:
        task = record_integrity_review(staff.vetter, clearance, today, REASON)
        assert task is not None and VettingTask.objects.filter(pk=task.pk).exists()
        # The database itself refuses a decided task in another's name.
        columns = (
            "trigger, source_type, source_id, summary, unit, happened_on, due_on, rules, "
            "raised_at, status, decision, decision_reason, decided_by_id, decided_at, user_id, "
            "force, force_user_id, person"
        )
        row = (
            "'integrity-review', %s, 'x:1', 's', 'response-1', %s, %s, '{}', now(), 'decided', "
            "'stands', 'r', %s, now(), %s, 'XF', 'V100', 'force:XF:V100'"
        )
        message = refused(
            cursor,
            f"INSERT INTO vetting_vettingtask ({columns}) VALUES ({row})",
            [HELD, today, today, staff.manager.pk, staff.subject.pk],
        )
        assert "row-level security" in message
    # Too close to the holder: the database refuses the write as well as the action.
    with as_app(staff.colleague) as cursor:
        message = refused(
            cursor,
            f"INSERT INTO vetting_vettingtask ({columns}) VALUES ({row})",
            [HELD, today, today, staff.colleague.pk, staff.subject.pk],
        )
        assert "row-level security" in message
