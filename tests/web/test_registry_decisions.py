"""A decision on a pair (force, person, entry) stands at every later screen; pairs wait once."""

from __future__ import annotations

from pathlib import Path

import pytest

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import Alert
from custodes.web.registry.access import candidates_for_user
from custodes.web.registry.actions import (
    decide_candidate,
    import_list,
    load_roster,
    screen_roster,
)
from custodes.web.registry.models import Candidate, Roster, Screening
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import PASSWORD, Org

FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"
REASON = "Same birth date, maiden name and badge; service record checked"


@pytest.fixture
def vetting(org: Org) -> User:
    """Return a vetting officer of the test force."""
    user, device = create_user(
        None, "vetter", PASSWORD, role=Role.VETTING_OFFICER, force="XF", unit="vetting"
    )
    user.force_user_id = "XF-vet"
    user.save()
    org.devices["vetter"] = device
    return user


@pytest.fixture
def roster(vetting: User) -> Roster:
    """Hold the test force's roster, then import a list naming one of its officers."""
    held = load_roster(vetting, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    assert import_list(vetting, "generic", [FIXTURES / "new-list.csv"]).alerts == 1
    return held


def _holloway() -> Candidate:
    (found,) = Candidate.objects.filter(person_ref="XF-101").order_by("pk")[:1]
    return found


def _edited_list(tmp_path: Path, old: str, new: str) -> Path:
    """Return the fixture list with one value changed, under the same file name."""
    text = (FIXTURES / "new-list.csv").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "new-list.csv"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_rescreen_carries_a_confirmed_match_instead_of_raising_it_again(
    roster: Roster, vetting: User
) -> None:
    """The attack: rescreen until a confirmed match comes back as new, to be rejected anew."""
    first = _holloway()
    decide_candidate(vetting, first, same=True, reason=REASON)
    alerts = Alert.objects.count()
    screening = screen_roster(vetting, roster)
    (again,) = screening.candidates.all()
    assert (again.person_ref, again.entry_id) == ("XF-101", first.entry_id)
    assert again.status == Candidate.Status.CONFIRMED
    # Who decided, when and why are the original decision's, and it is named.
    assert (again.decided_by, again.decision_reason, again.decided_on) == (vetting, REASON, first)
    assert again.decided_at == Candidate.objects.get(pk=first.pk).decided_at
    assert again.carried
    assert Alert.objects.count() == alerts
    assert candidates_for_user(vetting, status=Candidate.Status.PENDING) == []
    event = TrailEvent.objects.get(action="registry-screen", subject_id=str(screening.pk))
    assert event.changes["carried"] == [[again.pk, first.pk]]


def test_a_rejection_is_carried_too_and_to_another_roster_of_the_same_force(
    roster: Roster, vetting: User
) -> None:
    """A roster loaded again (as `registry screen` does) is the same force's people."""
    first = _holloway()
    decide_candidate(vetting, first, same=False, reason="Different person: other service record")
    again_held = load_roster(vetting, "staff again", "XF", FIXTURES / "roster.csv")
    (again,) = screen_roster(vetting, again_held).candidates.all()
    assert (again.status, again.decided_on) == (Candidate.Status.REJECTED, first)
    # Another force's roster with the same reference is another person: nothing carried.
    other = load_roster(vetting, "their staff", "YF", FIXTURES / "roster.csv")
    (theirs,) = screen_roster(vetting, other).candidates.all()
    assert (theirs.status, theirs.decided_on) == (Candidate.Status.PENDING, None)


def test_a_new_list_edition_does_not_raise_a_decided_match_again(
    roster: Roster, vetting: User, tmp_path: Path
) -> None:
    """A republished list (the reason reworded) names the same person: no new alert."""
    first = _holloway()
    decide_candidate(vetting, first, same=True, reason=REASON)
    edition = _edited_list(tmp_path, "Gross misconduct", "Gross misconduct (dismissed)")
    outcome = import_list(vetting, "generic", [edition])
    assert outcome.list_import.changed == 1
    assert outcome.alerts == 0
    (screening,) = outcome.screenings
    (again,) = screening.candidates.all()
    assert (again.status, again.decided_on) == (Candidate.Status.CONFIRMED, first)
    assert not Alert.objects.filter(status=Alert.Status.OPEN).exists()


def test_a_match_whose_details_changed_waits_again_beside_the_earlier_decision(
    roster: Roster, vetting: User, tmp_path: Path
) -> None:
    """A decision stands on the details it was made on; new details are for a reviewer."""
    first = _holloway()
    decide_candidate(vetting, first, same=False, reason="Served elsewhere at the time")
    edition = _edited_list(tmp_path, "Northshire Police", "Southshire Police")
    outcome = import_list(vetting, "generic", [edition])
    assert outcome.alerts == 1
    (again,) = outcome.screenings[0].candidates.all()
    assert (again.status, again.decided_on, again.decided_by) == (
        Candidate.Status.PENDING,
        first,
        None,
    )
    assert candidates_for_user(vetting, status=Candidate.Status.PENDING) == [again]


def test_a_pair_found_twice_waits_once_and_one_decision_decides_both(
    roster: Roster, vetting: User
) -> None:
    """The queue lists a pending pair once, as its newest candidate; deciding it decides all."""
    older = _holloway()
    newer = screen_roster(vetting, roster).candidates.get()
    assert newer.status == Candidate.Status.PENDING
    assert candidates_for_user(vetting, status=Candidate.Status.PENDING) == [newer]
    decide_candidate(vetting, newer, same=True, reason=REASON)
    older.refresh_from_db()
    assert (older.status, older.decided_by, older.decision_reason, older.decided_on) == (
        Candidate.Status.CONFIRMED,
        vetting,
        REASON,
        newer,
    )
    # Each is on the trail, the older one as decided with the newer.
    events = TrailEvent.objects.filter(action="registry-confirm").order_by("seq")
    assert [(e.subject_id, e.changes.get("with")) for e in events] == [
        (str(newer.pk), None),
        (str(older.pk), newer.pk),
    ]
    assert not Alert.objects.filter(status=Alert.Status.OPEN).exists()


def test_a_new_list_does_not_alert_twice_for_a_pair_already_waiting(
    roster: Roster, vetting: User, tmp_path: Path
) -> None:
    edition = _edited_list(tmp_path, "Gross misconduct", "Gross misconduct (dismissed)")
    assert import_list(vetting, "generic", [edition]).alerts == 0
    assert Alert.objects.filter(status=Alert.Status.OPEN).count() == 1
    assert len(candidates_for_user(vetting, status=Candidate.Status.PENDING)) == 1


def test_a_weaker_candidate_from_a_new_list_reaches_vetting_marked_weaker(
    vetting: User, tmp_path: Path
) -> None:
    """A list giving names only (as Virginia's does) still alerts vetting, saying how weakly."""
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "person_ref,first_name,last_name,birth_date,sex\nXF-201,Tony,Shifflett,1980-02-02,M\n",
        encoding="utf-8",
    )
    load_roster(vetting, "staff", "XF", roster)
    listed = tmp_path / "list.csv"
    listed.write_text(
        "person_ref,first_name,middle_name,last_name,list_type,jurisdiction\n"
        "VA-1,Anthony,T,Shifflett,decertification,US-VA\n",
        encoding="utf-8",
    )
    outcome = import_list(vetting, "generic", [listed])
    assert outcome.alerts == 1
    (candidate,) = Screening.objects.get(kind="new-list").candidates.all()
    assert candidate.strength == Candidate.Strength.WEAKER
    assert "first_name: nickname of" in candidate.explanation
    (alert,) = Alert.objects.all()
    assert alert.summary.startswith("Weaker (names agree, little else known): XF XF-201 may be")
    assert alert.subject_id == str(candidate.pk)
