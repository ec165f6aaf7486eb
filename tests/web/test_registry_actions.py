"""Registry actions on the real published lists: imports, held rosters, checks and decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, Model
from django.http import Http404

from custodes.lists.records import LIMITS
from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.access import alerts_for_user
from custodes.web.alerts.models import Alert
from custodes.web.registry.access import candidates_for_user, get_candidate_for_user
from custodes.web.registry.actions import (
    RegistryCheckError,
    RegistryImportError,
    check_applicant,
    decide_candidate,
    import_list,
    load_roster,
    screen_roster,
)
from custodes.web.registry.models import (
    Candidate,
    Entry,
    ListImport,
    Roster,
    RosterPerson,
    Service,
)
from custodes.web.trail.models import TrailEvent
from tests.lists_data import shared_file
from tests.web.conftest import PASSWORD, Org

FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"
WORKBOOK = ("virginia-decertification", "DCJS_Decertification_List_Apr25.xlsx")


def _snapshot() -> list[tuple[object, ...]]:
    return sorted(
        (e.key, e.last_name, e.first_name, e.status, e.reason_category, e.content, e.last_change_id)
        for e in Entry.objects.all()
    )


@pytest.fixture
def vetting(org: Org) -> User:
    user, device = create_user(
        None, "vetter", PASSWORD, role=Role.VETTING_OFFICER, force="XF", unit="vetting"
    )
    user.force_user_id = "XF-vet"
    user.save()
    org.devices["vetter"] = device
    return user


def test_the_virginia_workbook_imports_with_its_rejected_rows_explained(vetting: User) -> None:
    outcome = import_list(vetting, "virginia", [shared_file(*WORKBOOK)])
    done = outcome.list_import
    assert (done.read, done.added, done.changed, done.unchanged) == (432, 432, 0, 0)
    assert Entry.objects.filter(status="reinstated").count() == 46
    assert [(r["line"], r["field"]) for r in done.rejected] == [
        (147, "Decert Date"),
        (44, "Decert Date"),
    ]
    assert "not a date" in done.rejected[0]["why"]
    # Agency names are normalised: one spelling per agency however the list wrote it.
    assert Service.objects.filter(agency="Hampton Police Division").exists()
    assert TrailEvent.objects.filter(action="registry-import", subject_id=str(done.pk)).exists()


def test_re_importing_a_list_changes_nothing(vetting: User) -> None:
    import_list(vetting, "virginia", [shared_file(*WORKBOOK)])
    before = _snapshot()
    again = import_list(vetting, "virginia", [shared_file(*WORKBOOK)]).list_import
    assert (again.added, again.changed, again.unchanged) == (0, 0, 432)
    assert _snapshot() == before


def test_the_ccrb_departures_import(vetting: User) -> None:
    letters = shared_file("nypd-ccrb", "departure-letters.json")
    penalties = shared_file("nypd-ccrb", "ccrb-penalties.csv")
    done = import_list(vetting, "ccrb", [letters, penalties]).list_import
    assert (done.added, len(done.rejected)) == (299, 0)
    assert set(Entry.objects.values_list("list_type", flat=True)) == {"left-under-investigation"}
    assert set(Entry.objects.values_list("jurisdiction", flat=True)) == {"US-NY"}


def test_a_new_list_raises_an_alert_for_a_married_officer_on_a_held_roster(
    org: Org, vetting: User
) -> None:
    subject = org.subject
    subject.force_user_id = "XF-101"
    subject.save()
    roster = load_roster(vetting, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    outcome = import_list(vetting, "generic", [FIXTURES / "new-list.csv"])
    assert outcome.alerts == 1
    (candidate,) = Candidate.objects.filter(screening__roster=roster)
    assert (candidate.person_ref, candidate.entry.key) == ("XF-101", "generic:GB-1")
    assert candidate.subject == subject
    assert candidate.match_probability > 0.9
    assert "last_name" in candidate.explanation
    (alert,) = alerts_for_user(vetting)
    assert alert.kind == Alert.Kind.REGISTRY_MATCH and "XF-101" in alert.summary
    # Counter-corruption sees break-glass alerts, not vetting's; the subject sees nothing.
    assert alerts_for_user(org.lead) == []
    # A badge number shared with the listed officer (XF-102) makes no match on its own.
    assert not Candidate.objects.filter(person_ref="XF-102").exists()


def test_a_reviewer_confirms_a_match_once_with_a_reason(org: Org, vetting: User) -> None:
    load_roster(vetting, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    import_list(vetting, "generic", [FIXTURES / "new-list.csv"])
    candidate = Candidate.objects.get(person_ref="XF-101")
    with pytest.raises(ValidationError):
        decide_candidate(vetting, candidate, same=True, reason="  ")
    decided = decide_candidate(vetting, candidate, same=True, reason="Same birth date and badge")
    assert decided.status == Candidate.Status.CONFIRMED and decided.decided_by == vetting
    assert Alert.objects.get(subject_id=str(candidate.pk)).status == Alert.Status.CLOSED
    assert TrailEvent.objects.filter(action="registry-confirm").count() == 1
    with pytest.raises(ValidationError, match="already confirmed"):
        decide_candidate(vetting, candidate, same=False, reason="second thoughts")


def test_nobody_reviews_a_match_about_themselves(org: Org, vetting: User) -> None:
    vetting.force_user_id = "XF-101"
    vetting.save()
    load_roster(None, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    import_list(None, "generic", [FIXTURES / "new-list.csv"])
    candidate = Candidate.objects.get(person_ref="XF-101")
    assert candidates_for_user(vetting) == []
    with pytest.raises(Http404):
        get_candidate_for_user(vetting, candidate.pk)
    with pytest.raises(Http404):
        decide_candidate(vetting, candidate, same=False, reason="not me")


def test_an_applicant_check_finds_a_listed_officer_by_a_nickname(vetting: User) -> None:
    # With the real Virginia list beside it, the registry's name frequencies are realistic: in
    # a registry of two, every surname is common and counts for little.
    import_list(vetting, "virginia", [shared_file(*WORKBOOK)])
    import_list(vetting, "generic", [FIXTURES / "new-list.csv"])
    screening = check_applicant(
        vetting,
        {"first_name": "Maggie", "last_name": "Holloway", "birth_date": "1984-03-12", "sex": "F"},
    )
    (candidate,) = screening.candidates.all()
    assert candidate.entry.key == "generic:GB-1"
    assert "first_name" in candidate.explanation
    none = check_applicant(
        vetting, {"first_name": "Priya", "last_name": "Raman", "birth_date": "1988-08-08"}
    )
    assert none.candidates.count() == 0


def test_a_screen_of_a_held_roster_keeps_its_candidates(vetting: User) -> None:
    import_list(vetting, "generic", [FIXTURES / "new-list.csv"])
    roster = load_roster(vetting, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    screening = screen_roster(vetting, roster)
    assert screening.people == 4
    assert [c.person_ref for c in screening.candidates.all()] == ["XF-101"]


def test_a_roster_with_a_bad_row_is_refused_whole(vetting: User, tmp_path: Path) -> None:
    bad = tmp_path / "roster.csv"
    bad.write_text(
        "person_ref,first_name,last_name,birth_date\nA1,Ann,Lee,1980-01-01\nA2,,Kaur,1981-13-01\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryImportError, match="line 3"):
        load_roster(vetting, "bad", "XF", bad)
    assert not Roster.objects.exists()


def test_a_list_that_cannot_be_read_stores_nothing(vetting: User, tmp_path: Path) -> None:
    bad = tmp_path / "list.csv"
    bad.write_text("person_ref,first_name\nA1,Ann\n", encoding="utf-8")
    with pytest.raises(Exception, match="last_name"):
        import_list(vetting, "generic", [bad])
    assert not ListImport.objects.exists() and not Entry.objects.exists()


def test_only_vetting_staff_run_checks_and_imports(org: Org) -> None:
    with pytest.raises(PermissionDenied):
        check_applicant(org.outsider, {"first_name": "A", "last_name": "B"})
    with pytest.raises(PermissionDenied):
        import_list(org.outsider, "generic", [FIXTURES / "new-list.csv"])
    assert not Entry.objects.exists()


def test_the_registry_keeps_the_lengths_the_list_readers_enforce() -> None:
    """One source of truth: a row a reader accepts always fits the database's columns."""

    def length(model: type[Model], name: str) -> int | None:
        field = model._meta.get_field(name)
        assert isinstance(field, CharField)
        return field.max_length

    for model, name, limit in [
        (Entry, "first_name", LIMITS.name),
        (Entry, "middle_name", LIMITS.name),
        (Entry, "last_name", LIMITS.name),
        (Entry, "source_ref", LIMITS.source_ref),
        (Entry, "jurisdiction", LIMITS.jurisdiction),
        (Entry, "source", LIMITS.source),
        (Service, "agency", LIMITS.agency),
        (Service, "agency_raw", LIMITS.agency),
        (Service, "badge", LIMITS.badge),
        (RosterPerson, "person_ref", LIMITS.person_ref),
        (RosterPerson, "first_name", LIMITS.name),
        (RosterPerson, "agency", LIMITS.agency),
        (Candidate, "person_ref", LIMITS.person_ref),
    ]:
        assert length(model, name) == limit, (model.__name__, name)


def test_an_applicant_reference_too_long_to_keep_is_refused(vetting: User) -> None:
    with pytest.raises(RegistryCheckError, match="reference is 65 characters long"):
        check_applicant(vetting, {"record_id": "R" * 65, "first_name": "A", "last_name": "B"})
    with pytest.raises(RegistryCheckError, match="last name is 101 characters long"):
        check_applicant(vetting, {"first_name": "A", "last_name": "B" * 101})
    assert not Candidate.objects.exists()


def test_a_roster_screen_finds_staff_listed_by_name_alone(vetting: User, tmp_path: Path) -> None:
    """The attack: staff on Virginia's list, rostered by a nickname or by name alone, pass a
    screen clean. Each is a weaker candidate, with why, kept apart from likely matches."""
    import_list(vetting, "virginia", [shared_file(*WORKBOOK)])
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "person_ref,first_name,last_name,sex\nXF-301,Tony,Shifflett,M\nXF-302,Codey,Brooks,\n",
        encoding="utf-8",
    )
    held = load_roster(vetting, "staff", "XF", roster)
    found = {c.person_ref: c for c in screen_roster(vetting, held).candidates.all()}
    assert set(found) == {"XF-301", "XF-302"}
    assert (found["XF-301"].entry.first_name, found["XF-301"].entry.last_name) == (
        "Anthony",
        "Shifflett",
    )
    assert (found["XF-302"].entry.first_name, found["XF-302"].entry.last_name) == (
        "Codey",
        "Brooks",
    )
    for candidate in found.values():
        assert candidate.strength == Candidate.Strength.WEAKER
        assert candidate.explanation.startswith("name only: ")
    assert "first_name: nickname of" in found["XF-301"].explanation
