"""One registry entry (`/registry/entries/<pk>/`): as its list gives it, and the matches on it."""

from __future__ import annotations

import pytest

from custodes.web.accounts.models import Role, User
from custodes.web.registry.actions import check_applicant, import_list
from custodes.web.registry.models import Entry
from custodes.web.trail.models import TrailEvent
from tests.lists_data import shared_file
from tests.web.audit_helpers import add_user
from tests.web.conftest import Org, csrf_post

WORKBOOK = ("virginia-decertification", "DCJS_Decertification_List_Apr25.xlsx")
FREEMAN = {
    "first_name": "Deangelo",
    "middle_name": "M",
    "last_name": "Freeman",
    "agency": "Hampton Police Division",
}


@pytest.fixture
def freeman(db: None) -> Entry:
    """Import the real Virginia workbook and return one officer decertified on it."""
    import_list(None, "virginia", [shared_file(*WORKBOOK)])
    return Entry.objects.get(first_name="Deangelo", last_name="Freeman")


@pytest.fixture
def vetter(org: Org) -> User:
    """Return a vetting officer."""
    return add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")


def url(entry: Entry) -> str:
    """Return the entry's page."""
    return f"/registry/entries/{entry.pk}/"


def test_the_entry_shows_its_reason_and_agency(org: Org, freeman: Entry, vetter: User) -> None:
    """Names, the published reason, its category, the agency and the source are all there."""
    response = org.client(vetter).get(url(freeman))
    assert response.status_code == 200
    assert response["X-Personal-Data"] == "1"
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert "<h1>Deangelo M Freeman</h1>" in text
    assert (
        "Felony: Conspiracy to possess with intent to distribute more than 500 Grams of Cocaine"
        in text
    )
    for shown in (
        "<dd>Drugs</dd>",
        "<dd>2021-01-04</dd>",
        "<dd>Active</dd>",
        "Decertification (US-VA)",
        "<td>Hampton Police Division</td><td>Hampton Police Department</td>",
        "DCJS_Decertification_List_Apr25.xlsx (Virginia Department of Criminal Justice Services)",
        "not given by the list",  # Virginia publishes no birth dates
    ):
        assert shown in text, shown


def test_a_vetting_officer_sees_the_matches_naming_it(
    org: Org, freeman: Entry, vetter: User
) -> None:
    """After a check finds the entry, its page links to the match for review."""
    client = org.client(vetter)
    assert (
        "No match for you to review names this entry." in client.get(url(freeman)).content.decode()
    )
    screening = check_applicant(vetter, {**FREEMAN, "record_id": "APP-7"})
    (candidate,) = screening.candidates.all()
    text = client.get(url(freeman)).content.decode()
    assert f'href="/registry/screenings/{screening.pk}/#candidate-{candidate.pk}"' in text
    assert "APP-7: Deangelo Freeman" in text and "To review" in text


def test_counter_corruption_sees_the_entry_but_not_matches(
    org: Org, freeman: Entry, vetter: User
) -> None:
    """The lead may read the lists; matches about people are for vetting officers."""
    check_applicant(vetter, FREEMAN)
    text = org.client(org.lead).get(url(freeman)).content.decode()
    assert "Hampton Police Division" in text
    assert "Matches naming this entry" not in text
    assert "/registry/screenings/" not in text


def test_the_outsider_gets_404(org: Org, freeman: Entry) -> None:
    """An investigator is told there is no such entry."""
    for user in (org.outsider, org.owner):
        assert org.client(user).get(url(freeman)).status_code == 404, user.username


def test_an_entry_that_does_not_exist_is_404(org: Org, freeman: Entry, vetter: User) -> None:
    """A missing entry looks the same as a forbidden one."""
    assert org.client(vetter).get("/registry/entries/999999/").status_code == 404


def test_the_page_takes_only_get(org: Org, freeman: Entry, vetter: User) -> None:
    """The entry page is read-only."""
    assert csrf_post(org.client(vetter), url(freeman), {}).status_code == 405


def test_reading_an_entry_is_on_the_trail_with_the_matches_shown(
    org: Org, freeman: Entry, vetter: User
) -> None:
    """Who read which listed officer, and which matches about staff the page showed them."""
    screening = check_applicant(vetter, {**FREEMAN, "record_id": "APP-7"})
    (candidate,) = screening.candidates.all()
    org.client(vetter).get(url(freeman))
    org.client(org.lead).get(url(freeman))
    events = TrailEvent.objects.filter(subject_type="registry-entry", subject_id=str(freeman.pk))
    assert [(e.actor_id, e.action, e.changes) for e in events.order_by("seq")] == [
        (vetter.pk, "read", {"candidates": [candidate.pk]}),
        (org.lead.pk, "read", {"candidates": []}),
    ]


def test_a_weaker_match_is_marked_on_the_entry(org: Org, freeman: Entry, vetter: User) -> None:
    """A check by name alone shows on the entry as a weaker match, not as a likely one."""
    check_applicant(vetter, {"first_name": "Deangelo", "last_name": "Freeman"})
    text = org.client(vetter).get(url(freeman)).content.decode()
    assert "(weaker: names agree)" in text
