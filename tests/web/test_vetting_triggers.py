"""Each trigger raises its re-vetting task once, due when the rules file says; a second sweep
and a re-import raise none; a bad external-check file names file, field and row and changes
nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from custodes.caserules import load_vetting
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.actions import escalate_audit_alert
from custodes.web.alerts.models import AuditAlert, AuditRun
from custodes.web.cases import path
from custodes.web.registry.actions import decide_candidate, import_list, load_roster, screen_roster
from custodes.web.registry.models import Candidate
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from custodes.web.vetting.actions import (
    ExternalCheckError,
    Swept,
    import_external_check,
    move_into_post,
    record_clearance,
    set_post_requirement,
    sweep,
    who,
)
from custodes.web.vetting.models import Clearance, PostRequirement, VettingTask
from tests.web.audit_helpers import AuditFolders, add_user, import_run, make_audit_folders
from tests.web.case_helpers import REASON, Dept, days_ago, dept_fixture  # noqa: F401 - a fixture
from tests.web.conftest import Org
from tests.web.test_case_path import At, along
from tests.web.vetting_helpers import Staff, staff_fixture  # noqa: F401 - a fixture

FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"
HEADER = "check,hit_ref,force,force_user_id,hit_on,summary\n"


def today() -> dt.date:
    """Return today."""
    return timezone.localdate()


def due(kind: str, on: dt.date) -> dt.date:
    """Return the day the rules file makes a task of `kind` raised on `on` due."""
    return on + dt.timedelta(days=load_vetting().trigger(kind).due_days)


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


def tasks(kind: str) -> list[VettingTask]:
    """Return the tasks raised by triggers of `kind`."""
    return list(VettingTask.objects.filter(trigger=kind))


def raised(swept: Swept, kind: str) -> list[VettingTask]:
    """Return the tasks a sweep raised for triggers of `kind` (a clearance held also brings
    its integrity reviews and the month's random sample)."""
    return [task for task in swept.created if task.trigger == kind]


def test_an_outcome_short_of_dismissal_raises_one_task_a_dismissal_none(d: Dept) -> None:
    _case, subject = along(d, At.ANSWERED)
    path.arrange_proceedings(
        d.authority, subject, forum="meeting", held_on=days_ago(0), reason=REASON
    )
    decision = path.record_outcome(
        d.authority, subject, finding="misconduct", outcome="final-written-warning", reason=REASON
    )
    along(d, At.DECIDED, reference="PSD-2026-0200")  # dismissed: no re-vetting, they have gone
    first = sweep(today())
    (task,) = tasks("outcome")
    assert first.created == [task]
    assert (task.source_type, task.source_id) == ("case-decision", str(decision.pk))
    assert task.user_id == d.pc.pk and task.person == f"account:{d.pc.pk}"
    assert task.due_on == due("outcome", today()) == today() + dt.timedelta(days=28)
    assert task.rules["source"] == load_vetting().trigger("outcome").source
    assert "final-written-warning" in task.summary
    assert sweep(today()).created == [] and len(tasks("outcome")) == 1
    raised = TrailEvent.objects.filter(action=Action.VETTING_TASK, subject_id=str(task.pk)).get()
    assert raised.subject_type == Subject.VETTING_TASK and raised.changes["trigger"] == "outcome"


def test_reflective_practice_raises_one_task_when_it_begins(d: Dept) -> None:
    _case, subject = along(d, At.REPORTED)
    path.decide_case_to_answer(
        d.authority, subject, answer=False, level="practice-requiring-improvement", reason=REASON
    )
    path.record_outcome(
        d.authority,
        subject,
        forum="none",
        finding="practice-requiring-improvement",
        outcome="rprp",
        reason=REASON,
    )
    assert sweep(today()).created == []  # the outcome rprp is the rprp trigger's, not yet begun
    path.start_rprp(
        d.authority,
        subject,
        actions=[path.RprpAction("Read the guidance", days_ago(-14))],
        review_on=days_ago(-30),
        reason=REASON,
    )
    (task,) = sweep(today()).created
    assert task.trigger == "rprp" and task.due_on == due("rprp", today())
    assert sweep(today()).created == []


@pytest.fixture
def vetter(org: Org) -> User:
    """Return a vetting officer with a force id, far from the roster's officers."""
    return add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")


def test_a_confirmed_list_match_raises_one_task_however_often_it_is_rescreened(
    vetter: User,
) -> None:
    roster = load_roster(vetter, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    import_list(vetter, "generic", [FIXTURES / "new-list.csv"])
    first = Candidate.objects.filter(person_ref="XF-101").order_by("pk").first()
    assert first is not None
    assert sweep(today()).created == []  # pending: nothing confirmed yet
    decide_candidate(vetter, first, same=True, reason=REASON)
    (task,) = sweep(today()).created
    assert (task.trigger, task.source_type, task.source_id) == (
        "registry-match",
        "registry-entry",
        str(first.entry_id),
    )
    assert task.person == "force:XF:XF-101" and task.due_on == due("registry-match", today())
    screen_roster(vetter, roster)  # the same pair again, its decision carried
    assert Candidate.objects.filter(person_ref="XF-101", status="confirmed").count() == 2
    assert sweep(today()).created == []


def test_an_escalated_audit_alert_raises_one_task(
    org: Org, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folders: AuditFolders = make_audit_folders(tmp_path_factory)
    run: AuditRun = import_run(folders)
    alert = AuditAlert.objects.get(run=run, rank=1)
    lead = org.lead
    lead.force_user_id = "XF-LEAD-ELSEWHERE"
    lead.save(update_fields=["force_user_id"])
    assert sweep(today()).created == []
    escalate_audit_alert(lead, alert, REASON)
    (task,) = sweep(today()).created
    assert (task.trigger, task.source_id) == ("audit-alert", str(alert.pk))
    assert task.force_user_id == alert.force_user_id
    assert sweep(today()).created == []


def test_expiry_raises_one_task_on_the_renewal_date_and_a_renewal_ends_it(staff: Staff) -> None:
    person = who(staff.subject)
    assert person is not None
    granted_on = today().replace(year=today().year - 10)
    old = record_clearance(
        staff.vetter, person, "RV", Clearance.Status.GRANTED, reason=REASON, granted_on=granted_on
    )
    assert old.renewal_due == load_vetting().level("RV").renewal_due(granted_on)
    assert old.integrity_review_due is not None
    before = old.renewal_due - dt.timedelta(days=1)
    assert raised(sweep(before), "expiry") == []
    (task,) = raised(sweep(old.renewal_due), "expiry")
    assert task.trigger == "expiry" and task.due_on == due("expiry", old.renewal_due)
    assert sweep(old.renewal_due).created == []
    # A second clearance at another level, renewed before it lapsed: no task.
    mv = record_clearance(
        staff.vetter, person, "MV", Clearance.Status.GRANTED, reason=REASON, granted_on=granted_on
    )
    record_clearance(
        staff.vetter, person, "MV", Clearance.Status.GRANTED, reason=REASON, granted_on=today()
    )
    assert mv.renewal_due is not None
    assert [t.source_id for t in raised(sweep(today()), "expiry")] == []


def test_a_move_into_a_post_raises_a_task_at_once_only_when_it_needs_one(staff: Staff) -> None:
    person = who(staff.subject)
    assert person is not None
    record_clearance(
        staff.vetter, person, "RV", Clearance.Status.GRANTED, reason=REASON, granted_on=days_ago(30)
    )
    response = set_post_requirement(staff.vetter, "Response team 1", "RV")
    moved, none = move_into_post(staff.vetter, person, response, today())
    assert none is None
    designated = set_post_requirement(staff.vetter, "Professional standards", "MV")
    _posting, task = move_into_post(staff.vetter, person, designated, today())
    assert task is not None and task.due_on == due("post-move", today())
    assert "requires MV" in task.summary
    vulnerable = set_post_requirement(
        staff.vetter, "Child abuse investigation", "RV", PostRequirement.Vulnerable.CHILD_PROTECTION
    )
    _posting, task = move_into_post(staff.vetter, person, vulnerable, today())
    assert task is not None and "vulnerable" in task.summary
    assert raised(sweep(today()), "post-move") == [] and len(tasks("post-move")) == 2
    assert moved.person == person.key


def _write(tmp_path: Path, rows: str, name: str = "pnd-2026.csv") -> Path:
    target = tmp_path / name
    target.write_text(HEADER + rows, encoding="utf-8")
    return target


def test_an_external_check_raises_one_task_a_hit_and_a_reimport_none(
    staff: Staff, tmp_path: Path
) -> None:
    rows = (
        f"PND 2026,H-1,XF,V100,{days_ago(3).isoformat()},Named in an intelligence report\n"
        f"PND 2026,H-2,XF,X-55,{days_ago(3).isoformat()},Caution for a public order offence\n"
    )
    done = import_external_check(staff.vetter, _write(tmp_path, rows))
    assert (done.rows, len(done.created), done.existing) == (2, 2, 0)
    mine = VettingTask.objects.get(source_id="PND 2026:H-1")
    assert mine.user_id == staff.subject.pk  # the force id is the constable's account's
    assert mine.due_on == due("external-check", days_ago(3))
    again = import_external_check(staff.vetter, _write(tmp_path, rows))
    assert (len(again.created), again.existing) == (0, 2)
    assert VettingTask.objects.count() == 2
    event = TrailEvent.objects.filter(action=Action.VETTING_CHECK).latest("seq")
    assert event.changes == {"file": "pnd-2026.csv", "rows": 2, "created": 0}


@pytest.mark.parametrize(
    ("rows", "where"),
    [
        ("PND,H-1,XF,V100,2026-13-01,x\n", "row 3, field 'hit_on'"),
        ("PND,,XF,V100,2025-01-01,x\n", "row 3, field 'hit_ref'"),
        ("PND,H-1,XF,,2025-01-01,x\n", "row 3, field 'force_user_id'"),
        ("PND,H-0,XF,V100,2025-01-01,x\n", "row 3, field 'hit_ref': the same hit as row 2"),
        ("PND,H-9,XF,V100,2999-01-01,x\n", "row 3, field 'hit_on': after today"),
        ("PND,H-9,XF,V100,2025-01-01,x,extra\n", "row 3: more values"),
    ],
)
def test_a_bad_external_check_names_file_field_and_row_and_raises_nothing(
    staff: Staff, tmp_path: Path, rows: str, where: str
) -> None:
    good = "PND,H-0,XF,V100,2025-01-01,x\n"
    with pytest.raises(ExternalCheckError) as raised:
        import_external_check(staff.vetter, _write(tmp_path, good + rows, "bad.csv"))
    assert str(raised.value).startswith(f"bad.csv: {where}")
    assert not VettingTask.objects.exists()
    assert not TrailEvent.objects.filter(action=Action.VETTING_CHECK).exists()


def test_a_missing_column_is_named(staff: Staff, tmp_path: Path) -> None:
    target = tmp_path / "short.csv"
    target.write_text("check,hit_ref,force,hit_on,summary\nPND,1,XF,2025-01-01,x\n", "utf-8")
    with pytest.raises(ExternalCheckError, match=r"^short.csv: row 1, field 'force_user_id'"):
        import_external_check(staff.vetter, target)
    assert not VettingTask.objects.exists()
