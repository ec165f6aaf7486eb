"""Need-to-know on vetting: a vetting officer never sees a task or clearance about themselves,
their chain either way or their unit; other roles see none; each refusal is on the trail."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from custodes.web.trail.refused import Refused
from custodes.web.vetting.access import get_task_for_user, tasks_for_user
from custodes.web.vetting.actions import (
    decide_task,
    import_external_check,
    move_into_post,
    record_clearance,
    set_post_requirement,
    who,
)
from custodes.web.vetting.models import Clearance, VettingTask
from tests.web.vetting_helpers import Staff, open_as, staff_fixture  # noqa: F401 - a fixture

REASON = "Vetting interview held; references and financial checks returned clear"


@pytest.fixture
def task(staff: Staff) -> VettingTask:
    """Return a task about the constable: a move into a post whose level they do not hold."""
    person = who(staff.subject)
    assert person is not None
    post = set_post_requirement(staff.vetter, "Professional standards", "MV")
    _posting, raised = move_into_post(staff.vetter, person, post, timezone.localdate())
    assert raised is not None
    return raised


def test_the_subject_their_manager_their_unit_and_an_outsider_get_a_404(
    staff: Staff, task: VettingTask
) -> None:
    for user in staff.refused:
        with pytest.raises(Refused):
            get_task_for_user(user, task.pk)
        response = open_as(user, "tasks", task.pk)
        assert response.status_code == 404, user
        refusal = TrailEvent.objects.filter(action=Action.REFUSED, actor_id=user.pk).latest("seq")
        assert (refusal.subject_type, refusal.subject_id) == (Subject.VETTING_TASK, str(task.pk))
        assert tasks_for_user(user).count() == 0, user
    whys = {
        user.username: TrailEvent.objects.filter(action=Action.REFUSED, actor_id=user.pk)
        .latest("seq")
        .reason
        for user in staff.refused
    }
    assert whys == {
        "vet-subject": "the record is about you",
        "vet-manager": "the subject is in your line-management chain",
        "vet-colleague": "the subject is in your unit",
        "vet-outsider": "does not use vetting",
    }


def test_a_vetting_officer_far_from_them_sees_and_decides_it(
    staff: Staff, task: VettingTask
) -> None:
    response = open_as(staff.vetter, "tasks", task.pk)
    assert response.status_code == 200
    assert TrailEvent.objects.filter(
        actor_id=staff.vetter.pk, action=Action.READ, subject_type=Subject.VETTING_TASK
    ).exists()
    assert list(tasks_for_user(staff.vetter)) == [task]
    missing = open_as(staff.vetter, "tasks", task.pk + 1000)
    assert missing.status_code == 404
    with pytest.raises(Refused):
        decide_task(staff.colleague, task, VettingTask.Decision.STANDS, REASON)
    with pytest.raises(ValidationError, match="give a reason"):
        decide_task(staff.vetter, task, VettingTask.Decision.STANDS, " ")
    decided = decide_task(staff.vetter, task, VettingTask.Decision.CONDITIONS, REASON)
    assert (decided.status, decided.decided_by) == (VettingTask.Status.DECIDED, staff.vetter)
    assert list(tasks_for_user(staff.vetter)) == []
    with pytest.raises(ValidationError, match="decided already"):
        decide_task(staff.vetter, task, VettingTask.Decision.STANDS, REASON)


def test_a_clearance_is_kept_from_the_same_people(staff: Staff) -> None:
    person = who(staff.subject)
    assert person is not None
    clearance = record_clearance(
        staff.vetter,
        person,
        "RV",
        Clearance.Status.GRANTED,
        reason=REASON,
        granted_on=timezone.localdate(),
    )
    for user in staff.refused:
        assert open_as(user, "clearances", clearance.pk).status_code == 404, user
    assert open_as(staff.vetter, "clearances", clearance.pk).status_code == 200
    with pytest.raises(ValidationError, match="only a vetting officer"):
        record_clearance(staff.outsider, person, "RV", Clearance.Status.REFUSED, reason=REASON)


def test_a_task_known_only_by_force_id_is_kept_from_the_constables_unit(
    staff: Staff, tmp_path: Path
) -> None:
    """An external check names the constable by force id alone; need-to-know still finds them."""
    target = tmp_path / "pnd.csv"
    target.write_text(
        "check,hit_ref,force,force_user_id,hit_on,summary\nPND,H-7,XF,V100,2025-05-01,x\n",
        encoding="utf-8",
    )
    (task,) = import_external_check(staff.vetter, target).created
    for user in staff.refused:
        assert open_as(user, "tasks", task.pk).status_code == 404, user
    assert open_as(staff.vetter, "tasks", task.pk).status_code == 200


def test_nobody_records_vetting_about_themselves_their_chain_or_their_unit(staff: Staff) -> None:
    """The action refuses, before anything is written, what the records' need-to-know would
    keep from the actor (and what row-level security would refuse on PostgreSQL)."""
    person = who(staff.subject)
    assert person is not None
    post = set_post_requirement(staff.vetter, "Public protection unit", "RV")
    for user in (staff.subject, staff.manager, staff.colleague):
        with pytest.raises(PermissionDenied, match="your line-management chain or your unit"):
            record_clearance(
                user, person, "RV", Clearance.Status.REFUSED, reason=REASON, granted_on=None
            )
        with pytest.raises(PermissionDenied):
            move_into_post(user, person, post, timezone.localdate())
    with pytest.raises(ValidationError, match="only a vetting officer"):
        move_into_post(staff.outsider, person, post, timezone.localdate())
    assert not Clearance.objects.exists() and not VettingTask.objects.exists()
    record_clearance(staff.vetter, person, "RV", Clearance.Status.REFUSED, reason=REASON)
    assert Clearance.objects.get().decided_by == staff.vetter
