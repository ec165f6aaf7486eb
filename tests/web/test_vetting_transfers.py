"""Officers transferring in: checked against the registry's lists at once, flagged when listed
and not when not, the TRANSFER task raised once, the former force's record asked for and
received, "not cleared before start" when the day comes without both, and the pages kept from
the transferee, their manager, their unit and other roles. On PostgreSQL the vetting officer's
steps and pages run as the application's role, which row-level security binds (`under_rls`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from custodes.web.accounts.models import User
from custodes.web.registry.access import get_candidate_for_user
from custodes.web.registry.actions import decide_candidate, import_list
from custodes.web.registry.models import Candidate, Entry
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from custodes.web.trail.refused import Refused
from custodes.web.vetting.access import transfers_for_user
from custodes.web.vetting.models import Transfer, VettingTask
from custodes.web.vetting.transfers import (
    receive_record,
    recheck_transfer,
    recheck_transfers,
    record_transfer,
    transfer_status,
)
from tests.web.conftest import csrf_post, sign_in
from tests.web.module_records import module_records
from tests.web.vetting_helpers import Staff, make_staff, under_rls

FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"
REASON = "Same name, birth date and force as the advisory list's entry; service record checked"


def today() -> dt.date:
    """Return today."""
    return timezone.localdate()


@dataclass
class World:
    """The vetting unit, the registry's test list, and three officers transferring in."""

    staff: Staff
    listed: Transfer  # on the barred list (GB-1), and already holding an account here
    clear: Transfer  # on no list, known only by their former force's id
    late: Transfer  # on no list; recorded after their start date, with no record received


def _make() -> World:
    staff = make_staff()
    import_list(staff.vetter, "generic", [FIXTURES / "new-list.csv"])
    with under_rls(staff.vetter):
        listed = record_transfer(
            staff.vetter,
            first_name="Margaret",
            middle_name="Anne",
            last_name="Holloway",
            birth_date=dt.date(1984, 3, 12),
            sex="F",
            former_force="Northshire Police",
            former_staff_id="NP-4471",
            starts_on=today() + dt.timedelta(days=30),
            unit="response-1",
            user=staff.subject,
        )
        clear = record_transfer(
            staff.vetter,
            first_name="Priya",
            last_name="Raman",
            birth_year=1988,
            former_force="Eastmoor Police",
            former_staff_id="EM-0417",
            starts_on=today() + dt.timedelta(days=20),
            unit="response-2",
        )
        late = record_transfer(
            staff.vetter,
            first_name="Tomas",
            last_name="Reyes",
            birth_date=dt.date(1990, 6, 14),
            former_force="Southby Constabulary",
            former_staff_id="SC-9902",
            starts_on=today() - dt.timedelta(days=3),
            requested_on=today() - dt.timedelta(days=10),
        )
        return World(staff, listed, clear, late)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Make the staff, import the list and record the three transfers once for the module."""
    with module_records(django_db_blocker, _make) as made:
        yield made


@pytest.fixture
def w(db: None, world: World) -> World:
    """Return the module's records, fresh from the database, inside the test's transaction."""
    for transfer in (world.listed, world.clear, world.late):
        transfer.refresh_from_db()
    return world


def client_for(w: World, username: str) -> Client:
    """Return a CSRF-enforcing client signed in as one of the staff."""
    staff = w.staff
    users = {u.username: u for u in (staff.vetter, *staff.refused)}
    client = Client(enforce_csrf_checks=True)
    sign_in(client, users[username], staff.devices[username])
    return client


def test_a_listed_transferee_is_flagged_one_on_no_list_is_not(w: World) -> None:
    with under_rls(w.staff.vetter):
        listed = w.listed
        assert listed.screening is not None and listed.checks == 1
        (candidate,) = Candidate.objects.filter(screening=listed.screening)
        holloway = Entry.objects.get(source_ref="GB-1")
        assert (candidate.entry, candidate.person_ref) == (holloway, f"transfer-{listed.pk}")
        assert holloway.list_type == "barred" and candidate.likely
        # The candidate carries the transferee's account: the registry keeps it from their unit too.
        assert candidate.subject == w.staff.subject
        with pytest.raises(Refused):
            get_candidate_for_user(w.staff.colleague, candidate.pk)
        waiting = transfer_status(listed)
        assert (waiting.check, waiting.flagged, waiting.state) == (
            "candidates to review",
            False,
            "waiting",
        )
        decide_candidate(w.staff.vetter, candidate, same=True, reason=REASON)
        flagged = transfer_status(listed)
        assert (flagged.check, flagged.flagged) == ("on a list", True)
        receive_record(w.staff.vetter, listed, "RV granted 2015; dismissed for gross misconduct")
        listed.refresh_from_db()
        # On a list, the record in hand does not clear them: on the start date they are not cleared.
        assert transfer_status(listed).state == "waiting"
        on_start = transfer_status(listed, listed.starts_on)
        assert on_start.state == "not cleared before start" and on_start.cleared_on is None

        clear = w.clear
        assert clear.screening is not None and not clear.screening.candidates.exists()
        assert transfer_status(clear).check == "no match"
        assert transfer_status(clear).state == "waiting"
        assert transfer_status(clear, clear.starts_on).state == "not cleared before start"
        receive_record(
            w.staff.vetter,
            clear,
            "RV granted 2012, renewed 2022; nothing adverse",
            received_on=today(),
        )
        clear.refresh_from_db()
        cleared = transfer_status(clear, clear.starts_on)
        assert (cleared.state, cleared.cleared_on) == ("cleared before start", today())
        assert clear.person == f"transfer:{clear.pk}" and clear.user_id is None
        assert listed.person == "force:XF:V100" and listed.user == w.staff.subject

        late = transfer_status(w.late)
        assert (late.check, late.state) == ("no match", "not cleared before start")

    events = TrailEvent.objects.filter(subject_type=Subject.TRANSFER, subject_id=str(listed.pk))
    assert [(e.action, e.changes.get("for")) for e in events.order_by("seq")] == [
        (Action.VETTING_TRANSFER, None),
        (Action.VETTING_TRANSFER_CHECK, None),
        # The officer's access to the record for the write, then the write.
        (Action.READ, Action.VETTING_TRANSFER_RECORD),
        (Action.VETTING_TRANSFER_RECORD, None),
    ]
    check = TrailEvent.objects.get(action=Action.VETTING_TRANSFER_CHECK, subject_id=str(listed.pk))
    assert check.changes["screening"] == listed.screening.pk
    assert check.changes["candidates"] == [candidate.pk]
    assert TrailEvent.objects.filter(
        action=Action.REGISTRY_CHECK, subject_id=str(listed.screening.pk)
    ).exists()


def test_the_transfer_task_is_raised_once_and_a_recheck_finds_a_newly_listed_transferee(
    w: World, tmp_path: Path
) -> None:
    tasks = VettingTask.objects.filter(trigger=VettingTask.Trigger.TRANSFER)
    assert sorted(tasks.values_list("source_id", flat=True)) == sorted(
        str(t.pk) for t in (w.listed, w.clear, w.late)
    )
    task = w.listed.task
    assert task is not None and task.source_type == "transfer" and task.person == w.listed.person
    assert task.due_on == today() < w.listed.starts_on  # due before the start date
    assert task.unit == "response-1" and "Northshire Police" in task.summary
    assert TrailEvent.objects.filter(action=Action.VETTING_TASK, subject_id=str(task.pk)).exists()

    # A new edition of the list names the transferee who was on none.
    text = (FIXTURES / "new-list.csv").read_text(encoding="utf-8")
    added = (
        "GB-3,Priya,,Raman,,,1988,F,Eastmoor Police,,barred,GB-EAW,"
        "Gross misconduct: abuse of position for a sexual purpose,2026-01-12,active,"
        "test fixture (invented people)\n"
    )
    edition = tmp_path / "new-list.csv"
    edition.write_text(text + added, encoding="utf-8")
    import_list(w.staff.vetter, "generic", [edition])
    with under_rls(w.staff.vetter):
        rechecked = recheck_transfer(w.staff.vetter, w.clear)
        assert rechecked.checks == 2
        assert rechecked.screening is not None
        (found,) = rechecked.screening.candidates.all()
        # Names and birth year agree, little else is known: shown (as weaker, if so), not lost.
        assert found.entry.source_ref == "GB-3"
        assert transfer_status(rechecked).check == "candidates to review"
    # Every transfer not yet started, at once (the late one has started: it is left).
    again = recheck_transfers(None)
    assert {t.pk for t in again} == {w.listed.pk, w.clear.pk}
    assert tasks.count() == 3  # re-checks raise no task

    with under_rls(w.staff.vetter):
        with pytest.raises(ValidationError, match="recorded"):
            record_transfer(
                w.staff.vetter,
                first_name="Priya",
                last_name="Raman",
                former_force="Eastmoor Police",
                former_staff_id="EM-0417",
                starts_on=w.clear.starts_on,
            )
        with pytest.raises(ValidationError, match="birth year is not the birth date's year"):
            record_transfer(
                w.staff.vetter,
                first_name="Ann",
                last_name="Lee",
                birth_date=dt.date(1980, 1, 1),
                birth_year=1981,
                former_force="Eastmoor Police",
                former_staff_id="EM-1",
                starts_on=today(),
            )
        with pytest.raises(ValidationError, match="only a vetting officer"):
            record_transfer(
                w.staff.outsider,
                first_name="Ann",
                last_name="Lee",
                former_force="Eastmoor Police",
                former_staff_id="EM-1",
                starts_on=today(),
            )
        late = w.late
        with pytest.raises(ValidationError, match="before the day it was asked for"):
            receive_record(w.staff.vetter, late, "RV", received_on=today() - dt.timedelta(days=11))
        with pytest.raises(ValidationError, match="after today"):
            receive_record(w.staff.vetter, late, "RV", received_on=today() + dt.timedelta(days=1))
        with pytest.raises(ValidationError, match="say what the record shows"):
            receive_record(w.staff.vetter, late, "  ")
        receive_record(w.staff.vetter, late, "RV granted 2014", received_on=today())
        with pytest.raises(ValidationError, match="received already"):
            receive_record(w.staff.vetter, late, "RV granted 2014")
        late.refresh_from_db()
        # Both in hand, but only after the start date: still not cleared before start.
        status = transfer_status(late)
        assert (status.state, status.cleared_on) == ("not cleared before start", today())


def test_a_vetting_officer_records_and_follows_a_transfer_on_its_pages(w: World) -> None:
    with under_rls(w.staff.vetter):
        client = client_for(w, "vet-officer")
        listing = client.get("/vetting/transfers/")
        assert listing.status_code == 200 and listing["Cache-Control"] == "no-store"
        text = listing.content.decode()
        assert "Holloway, Margaret" in text and "Raman, Priya" in text and "Reyes, Tomas" in text
        assert "1 transfer not cleared before start." in text
        assert text.count("Not cleared before start") == 1
        assert "Candidates to review" in text and "No match" in text

        page = client.get(f"/vetting/transfers/{w.listed.pk}/").content.decode()
        candidate = Candidate.objects.get(screening=w.listed.screening)
        assert f'href="/registry/candidates/{candidate.pk}/"' in page
        assert "GB-EAW barred list" in page and "to review" in page
        assert f'href="/registry/screenings/{w.listed.screening_id}/"' in page
        late = client.get(f"/vetting/transfers/{w.late.pk}/").content.decode()
        assert "Not cleared before start." in late
        assert "without the former force's vetting record." in late

        new = csrf_post(
            client,
            "/vetting/transfers/new/",
            {
                "first_name": "Ayesha",
                "last_name": "Khan",
                "birth_date": "1991-02-03",
                "former_force": "Eastmoor Police",
                "former_staff_id": "EM-5521",
                "starts_on": (today() + dt.timedelta(days=40)).isoformat(),
            },
        )
        assert new.status_code == 302, new.content.decode()[:2000]
        made = Transfer.objects.get(former_staff_id="EM-5521")
        assert new["Location"] == f"/vetting/transfers/{made.pk}/"
        shown = client.get(new["Location"]).content.decode()
        assert "No match</strong> on any list the registry holds." in shown
        assert made.task is not None and made.recorded_by == w.staff.vetter

        refused = csrf_post(client, f"/vetting/transfers/{made.pk}/record/", {"note": "RV"})
        assert refused.status_code == 400  # no day given
        received = csrf_post(
            client,
            f"/vetting/transfers/{made.pk}/record/",
            {"received_on": today().isoformat(), "note": "RV granted 2016; nothing adverse"},
        )
        assert received.status_code == 302
        assert "Cleared before start" in client.get(received["Location"]).content.decode()
        recheck = csrf_post(client, f"/vetting/transfers/{made.pk}/recheck/", {})
        assert recheck.status_code == 302
        made.refresh_from_db()
        assert made.checks == 2


def test_the_transferee_their_manager_their_unit_and_an_outsider_get_a_404(w: World) -> None:
    listed = w.listed
    paths = [
        ("get", f"/vetting/transfers/{listed.pk}/"),
        ("post", f"/vetting/transfers/{listed.pk}/recheck/"),
        ("post", f"/vetting/transfers/{listed.pk}/record/"),
    ]
    whys = {
        "vet-subject": "the record is about you",
        "vet-manager": "the subject is in your line-management chain",
        "vet-colleague": "the subject is in your unit",
        "vet-outsider": "does not use vetting",
    }
    for user in w.staff.refused:
        client = client_for(w, user.username)
        for method, path in paths:
            response = (
                client.get(path)
                if method == "get"
                else csrf_post(client, path, {"note": "x", "received_on": today().isoformat()})
            )
            assert response.status_code == 404, (user.username, path)
            refusal = TrailEvent.objects.filter(action=Action.REFUSED, actor_id=user.pk).latest(
                "seq"
            )
            assert (refusal.subject_type, refusal.subject_id) == (
                Subject.TRANSFER,
                str(listed.pk),
            )
            assert refusal.reason == whys[user.username]
        seen = set(transfers_for_user(user).values_list("pk", flat=True))
        if user == w.staff.outsider:
            assert client.get("/vetting/transfers/").status_code == 403
            assert seen == set()
        else:
            # The others transferring in are no one close to them.
            assert seen == {w.clear.pk, w.late.pk}
            listing = client.get("/vetting/transfers/").content.decode()
            assert "Holloway" not in listing and "Raman, Priya" in listing
    listed.refresh_from_db()
    assert listed.checks == 1 and listed.record_received_on is None  # nothing was done
    assert client_for(w, "vet-officer").get("/vetting/transfers/999999/").status_code == 404


def test_no_one_records_a_transfer_about_someone_too_close_to_them(w: World) -> None:
    """By the transferee's account, their id here or their former force's id: refused before
    anything is written, in the action and on the form; anyone else records it, and the former
    id then keeps it from those close to it."""
    s = w.staff
    joining: dict[str, Any] = {
        "first_name": "Dana",
        "last_name": "Whitlock",
        "former_force": "Northshire Police",
        "starts_on": today() + dt.timedelta(days=50),
    }
    attempts: list[tuple[User, dict[str, Any]]] = [
        (s.colleague, {"former_staff_id": "NP-1", "user": s.subject}),
        (s.subject, {"former_staff_id": "NP-2", "force": "XF", "force_user_id": "V100"}),
        # Their former force's id is the constable's id here: kept from the constable's chain.
        (s.manager, {"former_staff_id": "V100"}),
    ]
    before = Transfer.objects.count()
    for user, ids in attempts:
        with under_rls(user), pytest.raises(PermissionDenied, match="your unit"):
            record_transfer(user, **joining, **ids)
    form = {
        "first_name": "Dana",
        "last_name": "Whitlock",
        "former_force": "Northshire Police",
        "former_staff_id": "V100",
        "starts_on": joining["starts_on"].isoformat(),
    }
    with under_rls(s.colleague):
        refused = csrf_post(client_for(w, "vet-colleague"), "/vetting/transfers/new/", form)
    assert refused.status_code == 400
    assert "you may not record vetting about yourself" in refused.content.decode()
    assert Transfer.objects.count() == before

    with under_rls(s.vetter):
        made = record_transfer(s.vetter, **joining, former_staff_id="V100")
    assert made.person == f"transfer:{made.pk}" and made.user_id is None
    for user in (s.subject, s.manager, s.colleague):
        assert made not in transfers_for_user(user), user
    assert made in transfers_for_user(s.vetter)
