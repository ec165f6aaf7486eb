"""Withdrawal assessments under the 2025 Regulations, in order and out of it, and appeals (of a
withdrawal and of a refusal): each step on the trail, each step out of turn refused saying why,
the pages for a vetting officer, and the same records kept from the officer, their manager,
their unit and other roles. On PostgreSQL the vetting officer's steps and pages run as the
application's role, which row-level security binds (`under_rls`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from custodes.caserules import load_vetting
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from custodes.web.vetting.access import withdrawals_for_user
from custodes.web.vetting.actions import (
    Who,
    decide_task,
    holds,
    move_into_post,
    record_clearance,
    set_post_requirement,
    who,
)
from custodes.web.vetting.models import Appeal, Clearance, PostRequirement, VettingTask, Withdrawal
from custodes.web.vetting.withdrawal import (
    DISMISSAL,
    Step,
    begin_withdrawal,
    decide_appeal,
    decide_withdrawal,
    lodge_appeal,
    next_step,
    record_representations,
    serve_notice,
)
from tests.web.conftest import csrf_post, sign_in
from tests.web.module_records import module_records
from tests.web.vetting_helpers import Staff, make_staff, under_rls

REASON = "Intelligence of an undeclared association with a person convicted of supplying drugs"
GROUNDS = "An association with a person convicted of supply, not declared as the Code requires"
GRANTED_ON = dt.date(2020, 1, 6)
WITHDRAWN = Withdrawal.Outcome.WITHDRAWN
RETAINED = Withdrawal.Outcome.RETAINED


def today() -> dt.date:
    """Return today."""
    return timezone.localdate()


def days(n: int) -> dt.timedelta:
    """Return `n` days."""
    return dt.timedelta(days=n)


@dataclass
class World:
    """The vetting unit; the constable's clearance and a re-vetting task about them; and the
    clearances of three officers far from everyone (known only by their force ids)."""

    staff: Staff
    clearance: Clearance  # the constable's RV
    task: VettingTask  # about the constable: a move into a public-protection post
    far: dict[str, Clearance]  # V301, V302: granted RV; V303, V304: refused MV


def _far(vetter: Any, fid: str, status: Clearance.Status) -> Clearance:
    granted = status == Clearance.Status.GRANTED
    return record_clearance(
        vetter,
        Who(None, "XF", fid),
        "RV" if granted else "MV",
        status,
        reason="References, financial and intelligence checks" if granted else REASON,
        granted_on=GRANTED_ON if granted else None,
        unit="response-3",
    )


def _make() -> World:
    staff = make_staff()
    with under_rls(staff.vetter):
        return _records(staff)


def _records(staff: Staff) -> World:
    person = who(staff.subject)
    assert person is not None
    clearance = record_clearance(
        staff.vetter,
        person,
        "RV",
        Clearance.Status.GRANTED,
        reason="Recruitment vetting: references and checks returned clear",
        granted_on=GRANTED_ON,
        conditions="Annual financial declaration",
    )
    post = set_post_requirement(
        staff.vetter, "Public protection unit", "RV", PostRequirement.Vulnerable.PUBLIC_PROTECTION
    )
    _posting, task = move_into_post(staff.vetter, person, post, today())
    assert task is not None
    far = {fid: _far(staff.vetter, fid, Clearance.Status.GRANTED) for fid in ("V301", "V302")}
    far |= {fid: _far(staff.vetter, fid, Clearance.Status.REFUSED) for fid in ("V303", "V304")}
    return World(staff, clearance, task, far)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Make the staff, the clearances and the task once for the module."""
    with module_records(django_db_blocker, _make) as made:
        yield made


@pytest.fixture
def w(db: None, world: World) -> World:
    """Return the module's records inside the test's transaction."""
    return world


def client_for(w: World, username: str) -> Client:
    """Return a CSRF-enforcing client signed in as one of the staff."""
    staff = w.staff
    users = {u.username: u for u in (staff.vetter, *staff.refused)}
    client = Client(enforce_csrf_checks=True)
    sign_in(client, users[username], staff.devices[username])
    return client


def _refused(match: str) -> Any:
    return pytest.raises(ValidationError, match=match)


def test_a_task_decided_for_withdrawal_leads_in_order_to_withdrawal_and_an_upheld_appeal(
    w: World,
) -> None:
    vetter, person = w.staff.vetter, w.clearance.person
    with under_rls(vetter):
        decide_task(vetter, w.task, VettingTask.Decision.WITHDRAWAL, REASON)
        withdrawal = Withdrawal.objects.get(task=w.task)
        assert (withdrawal.clearance, withdrawal.stage, withdrawal.begun_on) == (
            w.clearance,
            Withdrawal.Stage.BEGUN,
            today(),
        )
        assert (withdrawal.person, withdrawal.level, withdrawal.reason) == (person, "RV", REASON)
        assert withdrawal.unit == "Public protection unit"  # the task's unit, for the backlog
        assert next_step(withdrawal) == Step.NOTICE

        withdrawal = serve_notice(
            vetter,
            withdrawal,
            grounds=GROUNDS,
            police_friend_told=True,
            harm_test_applied=True,
            harm_test_grounds="Disclosing the source would identify a covert human source",
        )
        due = load_vetting().period_ends("representations", today())
        assert (withdrawal.notice_served_on, withdrawal.representations_due) == (today(), due)
        assert withdrawal.notice_rules["days"] == 10 and withdrawal.notice_rules["check"] is True
        withdrawal = record_representations(
            vetter, withdrawal, made=True, summary="Denies knowing of the conviction; accompanied"
        )
        assert next_step(withdrawal) == Step.DECISION
        assert holds(person, "RV", today())
        withdrawal = decide_withdrawal(vetter, withdrawal, WITHDRAWN, "The association is current")
        withdrawn = withdrawal.withdrawn_clearance
        assert withdrawn is not None and withdrawn.status == Clearance.Status.WITHDRAWN
        assert (withdrawn.person, withdrawn.level, withdrawn.decided_by) == (person, "RV", vetter)
        assert withdrawal.consequence == DISMISSAL and "to be dismissed" in DISMISSAL
        assert withdrawal.appeal_due == load_vetting().period_ends("withdrawal-appeal", today())
        assert not holds(person, "RV", today())  # the duty to hold clearance is no longer met
        assert next_step(withdrawal) == Step.APPEAL

        appeal = lodge_appeal(vetter, withdrawn, "The association ended before the notice")
        assert (appeal.kind, appeal.withdrawal, appeal.due_on) == (
            Appeal.Kind.WITHDRAWAL,
            withdrawal,
            withdrawal.appeal_due,
        )
        assert next_step(withdrawal) == Step.APPEAL_DECISION
        appeal = decide_appeal(vetter, appeal, upheld=True, reason="The association had ended")
        restored = appeal.restored
        assert restored is not None and restored.status == Clearance.Status.GRANTED
        # Restored as it was granted: the same dates and conditions.
        assert (restored.granted_on, restored.renewal_due, restored.conditions) == (
            GRANTED_ON,
            w.clearance.renewal_due,
            "Annual financial declaration",
        )
        assert holds(person, "RV", today())
        assert "not to be dismissed" in appeal.consequence
        withdrawal.refresh_from_db()
        assert next_step(withdrawal) is None

    kinds = {
        Action.VETTING_DECIDE,
        Action.VETTING_WITHDRAWAL,
        Action.VETTING_NOTICE,
        Action.VETTING_REPRESENTATIONS,
        Action.VETTING_CLEARANCE,
        Action.VETTING_WITHDRAWAL_DECIDE,
        Action.VETTING_APPEAL,
        Action.VETTING_APPEAL_DECIDED,
    }
    events = TrailEvent.objects.filter(actor_id=vetter.pk, action__in=kinds).order_by("seq")
    since = events.get(action=Action.VETTING_DECIDE, subject_id=str(w.task.pk)).seq
    assert [(e.action, e.subject_type, e.subject_id) for e in events.filter(seq__gte=since)] == [
        (Action.VETTING_DECIDE, Subject.VETTING_TASK, str(w.task.pk)),
        (Action.VETTING_WITHDRAWAL, Subject.WITHDRAWAL, str(withdrawal.pk)),
        (Action.VETTING_NOTICE, Subject.WITHDRAWAL, str(withdrawal.pk)),
        (Action.VETTING_REPRESENTATIONS, Subject.WITHDRAWAL, str(withdrawal.pk)),
        (Action.VETTING_CLEARANCE, Subject.CLEARANCE, str(withdrawn.pk)),
        (Action.VETTING_WITHDRAWAL_DECIDE, Subject.WITHDRAWAL, str(withdrawal.pk)),
        (Action.VETTING_APPEAL, Subject.VETTING_APPEAL, str(appeal.pk)),
        (Action.VETTING_CLEARANCE, Subject.CLEARANCE, str(restored.pk)),
        (Action.VETTING_APPEAL_DECIDED, Subject.VETTING_APPEAL, str(appeal.pk)),
    ]
    notice = events.get(action=Action.VETTING_NOTICE)
    assert notice.changes["representations_due"] == due.isoformat()
    assert notice.changes["harm_test_applied"] is True
    decided = events.get(action=Action.VETTING_WITHDRAWAL_DECIDE)
    assert (
        decided.changes["outcome"] == "withdrawn" and decided.reason == "The association is current"
    )


def test_steps_out_of_order_are_refused_saying_why(w: World) -> None:
    vetter, start = w.staff.vetter, today() - days(60)
    clearance = w.far["V301"]
    with under_rls(vetter):
        withdrawal = begin_withdrawal(vetter, clearance, REASON, begun_on=start)
        with _refused("this clearance is being assessed for withdrawal already"):
            begin_withdrawal(vetter, clearance, REASON)
        with _refused("cannot record representations: the notice has not been served"):
            record_representations(vetter, withdrawal, made=True, summary="Too soon")
        with _refused("cannot decide: the notice has not been served"):
            decide_withdrawal(vetter, withdrawal, WITHDRAWN, "Too soon")
        notice: dict[str, Any] = {"grounds": GROUNDS, "served_on": start + days(1)}
        with _refused("the notice must tell the officer of their right to a police friend"):
            serve_notice(vetter, withdrawal, police_friend_told=False, **notice)
        with _refused("give the harm test's grounds"):
            serve_notice(
                vetter, withdrawal, police_friend_told=True, harm_test_applied=True, **notice
            )
        with _refused("cannot be before the day the assessment began"):
            serve_notice(
                vetter,
                withdrawal,
                grounds=GROUNDS,
                police_friend_told=True,
                served_on=start - days(1),
            )
        with _refused("cannot be after today"):
            serve_notice(
                vetter,
                withdrawal,
                grounds=GROUNDS,
                police_friend_told=True,
                served_on=today() + days(1),
            )
        withdrawal = serve_notice(vetter, withdrawal, police_friend_told=True, **notice)
        due = withdrawal.representations_due
        assert due == load_vetting().period_ends("representations", start + days(1)) < today()
        served = start + days(1)
        weekdays = sum((served + days(n)).weekday() < 5 for n in range(1, (due - served).days + 1))
        assert weekdays >= 10  # ten working days, whatever the day of the week it was served
        with _refused(
            f"cannot decide: the officer's representations are due by {due.isoformat()}; record "
            "them when they come, or record that none came once that day has passed"
        ):
            decide_withdrawal(vetter, withdrawal, WITHDRAWN, "No answer yet", decided_on=due)
        with _refused(
            f"representations are due by {due.isoformat()}: that none came can be recorded only "
            "after that day"
        ):
            record_representations(vetter, withdrawal, made=False, on=due)
        with _refused("cannot serve the notice: the assessment is past that step"):
            serve_notice(vetter, withdrawal, police_friend_told=True, **notice)
        withdrawal = record_representations(vetter, withdrawal, made=False, on=due + days(1))
        assert (withdrawal.representations_made, withdrawal.stage) == (False, "representations")
        with _refused("cannot be before the representations' day"):
            decide_withdrawal(vetter, withdrawal, WITHDRAWN, "Decided", decided_on=due)
        with _refused("give the reasons for the decision"):
            decide_withdrawal(vetter, withdrawal, WITHDRAWN, " ", decided_on=due + days(2))
        withdrawal = decide_withdrawal(
            vetter, withdrawal, WITHDRAWN, "No answer to the grounds", decided_on=due + days(2)
        )
        appeal_due = withdrawal.appeal_due
        assert appeal_due is not None and appeal_due < today()
        assert next_step(withdrawal) is None  # the appeal period is over
        # An appeal lodged in time may still be recorded late; one lodged after the period may not.
        assert next_step(withdrawal, recordable=True) == Step.APPEAL
        assert withdrawal.withdrawn_clearance is not None
        with _refused(f"the appeal period ended on {appeal_due.isoformat()}"):
            lodge_appeal(
                vetter, withdrawal.withdrawn_clearance, "Late", lodged_on=appeal_due + days(1)
            )
        page = client_for(w, "vet-officer").get(f"/vetting/withdrawals/{withdrawal.pk}/")
        assert (
            f"The appeal period ended on {appeal_due.day} {appeal_due:%B %Y}"
            in page.content.decode()
        )
        with _refused("cannot decide: the assessment is past that step"):
            decide_withdrawal(vetter, withdrawal, RETAINED, "Again")
        with _refused("only a granted clearance can be withdrawn"):
            begin_withdrawal(vetter, withdrawal.withdrawn_clearance, REASON)
        with _refused("a later decision at the same level has replaced this clearance"):
            begin_withdrawal(vetter, clearance, REASON)

        # Retained: the clearance stands, nothing is recorded on it, and there is nothing to appeal.
        kept = w.far["V302"]
        retained = begin_withdrawal(vetter, kept, REASON, begun_on=start)
        serve_notice(vetter, retained, grounds=GROUNDS, police_friend_told=True, served_on=start)
        record_representations(
            vetter, retained, made=True, summary="Declared it", on=start + days(2)
        )
        retained = decide_withdrawal(
            vetter, retained, RETAINED, "Declared late but fully", decided_on=start + days(3)
        )
        assert (retained.withdrawn_clearance, retained.consequence, retained.appeal_due) == (
            None,
            "",
            None,
        )
        assert next_step(retained) is None
        assert Clearance.objects.filter(person=kept.person).count() == 1
        with _refused("only a refused or withdrawn clearance can be appealed"):
            lodge_appeal(vetter, kept, "Nothing to appeal")

        # A task for withdrawal about someone custodes holds no clearance for is refused, and stays.
        nobody = who(w.staff.colleague)
        assert nobody is not None
        post = PostRequirement.objects.get(name="Public protection unit")
        _posting, task = move_into_post(vetter, Who(None, "XF", "V399"), post, today())
        assert task is not None
        with _refused("they hold no granted clearance custodes has recorded"):
            decide_task(vetter, task, VettingTask.Decision.WITHDRAWAL, REASON)
        task.refresh_from_db()
        assert task.status == VettingTask.Status.OPEN and not Withdrawal.objects.filter(task=task)


def test_a_refused_clearance_is_appealed_within_its_period(w: World) -> None:
    vetter = w.staff.vetter
    refused = w.far["V303"]
    with under_rls(vetter):
        appeal = lodge_appeal(vetter, refused, "The debt was settled before the decision")
        assert (appeal.kind, appeal.lodged_on, appeal.withdrawal) == (
            Appeal.Kind.REFUSAL,
            today(),
            None,
        )
        assert appeal.due_on == load_vetting().period_ends("refusal-appeal", today())
        assert appeal.due_on == today() + days(14) and appeal.rules["counted"] == "calendar"
        with _refused("an appeal against this decision is recorded already"):
            lodge_appeal(vetter, refused, "Again")
        with _refused("cannot be before the day it was lodged"):
            decide_appeal(vetter, appeal, upheld=False, reason="x", heard_on=today() - days(1))
        appeal = decide_appeal(vetter, appeal, upheld=False, reason="The debt remains unexplained")
        assert (appeal.result, appeal.restored, appeal.consequence) == (
            "dismissed",
            None,
            "The refusal stands.",
        )
        with _refused("the appeal's result is recorded already"):
            decide_appeal(vetter, appeal, upheld=True, reason="Again")

        other = lodge_appeal(vetter, w.far["V304"], "The conviction was spent")
        other = decide_appeal(vetter, other, upheld=True, reason="Spent and disclosed")
        assert other.restored is not None
        assert (other.restored.status, other.restored.level, other.restored.granted_on) == (
            Clearance.Status.GRANTED,
            "MV",
            today(),
        )
        assert holds(w.far["V304"].person, "MV", today())
    events = TrailEvent.objects.filter(subject_type=Subject.VETTING_APPEAL, actor_id=vetter.pk)
    assert set(events.values_list("action", flat=True)) >= {
        Action.VETTING_APPEAL,
        Action.VETTING_APPEAL_DECIDED,
    }


def test_a_vetting_officer_takes_each_step_on_the_assessments_page(w: World) -> None:
    with under_rls(w.staff.vetter):
        client = client_for(w, "vet-officer")
        clearance = w.far["V301"]
        begin = f"/vetting/clearances/{clearance.pk}/withdrawal/"
        assert "Begin the assessment" in client.get(begin).content.decode()
        made = csrf_post(client, begin, {"begun_on": today().isoformat(), "reason": REASON})
        assert made.status_code == 302
        withdrawal = Withdrawal.objects.get(clearance=clearance)
        url = f"/vetting/withdrawals/{withdrawal.pk}/"
        assert made["Location"] == url
        page = client.get(url)
        assert page.status_code == 200 and page["Cache-Control"] == "no-store"
        assert "Next: Serve the notice" in page.content.decode()

        notice = {"step": "notice", "served_on": today().isoformat(), "grounds": GROUNDS}
        refused = csrf_post(client, url, notice)
        assert refused.status_code == 400
        assert "the notice must tell the officer of their right to a police friend" in (
            refused.content.decode()
        )
        assert csrf_post(client, url, {**notice, "police_friend_told": "on"}).status_code == 302
        text = client.get(url).content.decode()
        due = load_vetting().period_ends("representations", today())
        assert f"Representations due by <strong>{due:%A} {due.day} {due:%B %Y}</strong>" in text
        assert "10 working days" in text and "to be checked" in text
        assert "Next: Record the officer&#x27;s representations" in text

        stale = csrf_post(client, url, {"step": "decision", "outcome": "withdrawn", "reason": "x"})
        assert stale.status_code == 409
        assert "not the assessment&#x27;s next one" in stale.content.decode()
        none_yet = csrf_post(
            client, url, {"step": "representations", "made": "no", "on": today().isoformat()}
        )
        assert none_yet.status_code == 400
        assert "that none came can be recorded only after that day" in none_yet.content.decode()
        answered = {
            "step": "representations",
            "made": "yes",
            "on": today().isoformat(),
            "summary": "Accepts knowing him; denies knowing of the conviction",
        }
        assert csrf_post(client, url, answered).status_code == 302
        decision = {
            "step": "decision",
            "outcome": "withdrawn",
            "decided_on": today().isoformat(),
            "reason": "The association continues",
        }
        assert csrf_post(client, url, decision).status_code == 302
        text = client.get(url).content.decode()
        assert DISMISSAL in text and "An appeal may be lodged until" in text
        assert "Next: Record an appeal lodged" in text
        listing = client.get("/vetting/withdrawals/").content.decode()
        assert f'href="{url}"' in listing and "Record an appeal lodged" in listing

        refused_mv = w.far["V303"]
        new = f"/vetting/clearances/{refused_mv.pk}/appeal/"
        form = client.get(new).content.decode()
        assert "An appeal may be lodged until" in form and "14 calendar days" in form
        lodged = csrf_post(
            client, new, {"lodged_on": today().isoformat(), "grounds": "Debt settled in full"}
        )
        assert lodged.status_code == 302
        appeal = Appeal.objects.get(decision=refused_mv)
        assert lodged["Location"] == f"/vetting/appeals/{appeal.pk}/"
        heard = csrf_post(
            client,
            lodged["Location"],
            {"result": "dismissed", "heard_on": today().isoformat(), "reason": "Debt unexplained"},
        )
        assert heard.status_code == 302
        assert "The refusal stands." in client.get(lodged["Location"]).content.decode()


def test_the_officer_their_manager_their_unit_and_an_outsider_get_a_404(w: World) -> None:
    vetter = w.staff.vetter
    with under_rls(vetter):
        withdrawal = begin_withdrawal(vetter, w.clearance, REASON)
        person = who(w.staff.subject)
        assert person is not None
        refusal = record_clearance(vetter, person, "MV", Clearance.Status.REFUSED, reason=REASON)
        appeal = lodge_appeal(vetter, refusal, "The grounds are mistaken")
    pages = [
        ("get", f"/vetting/withdrawals/{withdrawal.pk}/", Subject.WITHDRAWAL, withdrawal.pk),
        ("post", f"/vetting/withdrawals/{withdrawal.pk}/", Subject.WITHDRAWAL, withdrawal.pk),
        ("get", f"/vetting/clearances/{w.clearance.pk}/withdrawal/", Subject.CLEARANCE, None),
        ("get", f"/vetting/clearances/{refusal.pk}/appeal/", Subject.CLEARANCE, refusal.pk),
        ("get", f"/vetting/appeals/{appeal.pk}/", Subject.VETTING_APPEAL, appeal.pk),
        ("post", f"/vetting/appeals/{appeal.pk}/", Subject.VETTING_APPEAL, appeal.pk),
    ]
    whys = {
        "vet-subject": "the record is about you",
        "vet-manager": "the subject is in your line-management chain",
        "vet-colleague": "the subject is in your unit",
        "vet-outsider": "does not use vetting",
    }
    step = {
        "step": "notice",
        "served_on": today().isoformat(),
        "grounds": "x",
        "police_friend_told": "on",
        "result": "upheld",
        "heard_on": today().isoformat(),
        "reason": "x",
    }
    for user in w.staff.refused:
        client = client_for(w, user.username)
        for method, path, subject, pk in pages:
            response = client.get(path) if method == "get" else csrf_post(client, path, step)
            assert response.status_code == 404, (user.username, path)
            event = TrailEvent.objects.filter(action=Action.REFUSED, actor_id=user.pk).latest("seq")
            expected = w.clearance.pk if pk is None else pk
            assert (event.subject_type, event.subject_id) == (subject, str(expected)), path
            assert event.reason == whys[user.username]
        listing = client.get("/vetting/withdrawals/")
        if user == w.staff.outsider:
            assert listing.status_code == 403
        else:
            assert listing.status_code == 200
            assert f"/vetting/withdrawals/{withdrawal.pk}/" not in listing.content.decode()
        assert withdrawal not in withdrawals_for_user(user)
    withdrawal.refresh_from_db()
    appeal.refresh_from_db()
    assert withdrawal.stage == Withdrawal.Stage.BEGUN and not appeal.result  # nothing was done
    vetter_client = client_for(w, "vet-officer")
    assert vetter_client.get(f"/vetting/withdrawals/{withdrawal.pk}/").status_code == 200
    assert vetter_client.get("/vetting/withdrawals/999999/").status_code == 404
    assert withdrawal in withdrawals_for_user(vetter)
