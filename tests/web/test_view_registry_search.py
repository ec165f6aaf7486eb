"""The registry search (`/registry/`) and its list imports (`/registry/imports/<pk>/`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client

from custodes.web.accounts.models import Role, User
from custodes.web.registry.actions import import_list
from custodes.web.registry.models import Entry, ListImport
from custodes.web.registry.searches import searches_for
from custodes.web.trail.models import TrailEvent
from tests.lists_data import shared_file
from tests.web.audit_helpers import add_user
from tests.web.conftest import Org, csrf_post

SEARCH = "/registry/"
WORKBOOK = ("virginia-decertification", "DCJS_Decertification_List_Apr25.xlsx")


@pytest.fixture
def virginia(db: None) -> ListImport:
    """Import the real Virginia decertification workbook, as the command line does."""
    return import_list(None, "virginia", [shared_file(*WORKBOOK)]).list_import


@pytest.fixture
def vetter(org: Org) -> User:
    """Return a vetting officer."""
    return add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")


def entry_links(text: str) -> list[int]:
    """Return the entries a results page links to, in order."""
    return [int(pk) for pk in re.findall(r'href="/registry/entries/(\d+)/"', text)]


def search(client: Client, **params: str) -> str:
    """Search and return the page's text."""
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_search_finds_a_virginia_entry_by_name(
    org: Org, virginia: ListImport, vetter: User
) -> None:
    """Any case of the name finds the officer, with list, reason, status and agency."""
    client = org.client(vetter)
    response = client.get(SEARCH, {"q": "FREEMAN"})
    assert response["X-Personal-Data"] == "1"
    assert response["Cache-Control"] == "no-store"
    freeman = Entry.objects.get(last_name="Freeman", first_name="Deangelo")
    text = response.content.decode()
    assert freeman.pk in entry_links(text)
    row = text[text.index(f'href="/registry/entries/{freeman.pk}/"') :].split("</tr>")[0]
    for shown in ("Freeman, Deangelo M", "US-VA", "Decertification", "Drugs", "Active"):
        assert shown in row
    assert "2021-01-04" in row and "Hampton Police Division" in row
    # First and last name together narrow it to the one officer.
    both = search(client, q="deangelo freeman")
    assert entry_links(both) == [freeman.pk]
    assert "1 entry" in both


def test_the_filters_narrow_the_results(org: Org, virginia: ListImport, vetter: User) -> None:
    """Reason, status and jurisdiction filter; a filter value that is not offered is left out."""
    client = org.client(vetter)
    drugs = search(client, reason_category="drugs")
    assert "28 entries" in drugs
    reinstated = search(client, status="reinstated")
    assert "46 entries" in reinstated
    # One reinstated officer was decertified for drugs.
    both = search(client, status="reinstated", reason_category="drugs")
    assert "1 entry" in both and len(entry_links(both)) == 1
    assert "432 entries" in search(client, jurisdiction="US-VA")
    # A jurisdiction no list covers is not offered: it is left out, and the page says so.
    unknown = search(client, jurisdiction="US-NY", status="reinstated")
    assert "46 entries" in unknown and "Not applied." in unknown
    assert "No entry matches." in search(client, q="nobody-by-this-name")


def test_the_results_come_fifty_to_a_page(org: Org, virginia: ListImport, vetter: User) -> None:
    """Page links keep the search they page through."""
    client = org.client(vetter)
    first = search(client, status="active")
    assert "386 entries" in first
    assert len(entry_links(first)) == 50
    assert 'href="?status=active&amp;page=2">Next</a>' in first
    second = search(client, status="active", page="2")
    assert len(entry_links(second)) == 50
    assert not set(entry_links(first)) & set(entry_links(second))
    last = search(client, status="active", page="8")
    assert len(entry_links(last)) == 386 - 7 * 50


def test_an_earlier_name_finds_the_entry(org: Org, vetter: User, tmp_path: Path) -> None:
    """Other names on a list are searched too, in any case."""
    listed = tmp_path / "list.csv"
    listed.write_text(
        "person_ref,first_name,last_name,other_names,list_type,jurisdiction,reason,"
        "action_date,status,source\n"
        "GB-9,Margaret,Quinlan,Holloway;Peggy Holloway,barred,GB-EAW,Dishonesty,2025-06-30,"
        "active,test\n",
        encoding="utf-8",
    )
    import_list(None, "generic", [listed])
    entry = Entry.objects.get()
    text = search(org.client(vetter), q="holloway")
    assert entry_links(text) == [entry.pk]
    assert "(also Holloway, Peggy Holloway)" in text


def test_the_imports_are_listed_with_their_rejected_rows(
    org: Org, virginia: ListImport, vetter: User
) -> None:
    """The import shows what it added, and its rejected rows say where and why."""
    client = org.client(vetter)
    text = search(client)
    imports = text[text.index('id="imports"') :]
    assert "DCJS_Decertification_List_Apr25.xlsx" in imports
    assert "<td>432</td><td>0</td><td>0</td>" in imports
    assert f'<a href="/registry/imports/{virginia.pk}/">2</a>' in imports
    response = client.get(f"/registry/imports/{virginia.pk}/")
    assert response.status_code == 200
    assert response["X-Personal-Data"] == "1"
    page = response.content.decode()
    assert "2 rejected rows" in page
    for line, why in ((147, "'10/04/0222' is not a date"), (44, "'11/02/20217' is not a date")):
        assert f"<td>{line}</td><td>Decert Date</td>" in page
        assert why.replace("'", "&#x27;") in page


def test_counter_corruption_may_search_but_not_review(org: Org, virginia: ListImport) -> None:
    """The lead searches the lists; checking and reviewing are for vetting officers."""
    client = org.client(org.lead)
    home = client.get("/").content.decode()
    assert f'href="{SEARCH}"' in home
    text = search(client, q="freeman")
    assert entry_links(text)
    assert 'href="/registry/check/"' not in text
    assert 'href="/registry/screenings/"' not in text


def test_a_vetting_officer_finds_the_registry_from_the_nav(
    org: Org, virginia: ListImport, vetter: User
) -> None:
    """Every page links to the registry; its pages link to the checks and the review queue."""
    client = org.client(vetter)
    assert f'href="{SEARCH}"' in client.get("/").content.decode()
    text = search(client)
    for href in ("/registry/check/", "/registry/screenings/", "/registry/rosters/"):
        assert f'href="{href}"' in text


def test_the_outsider_is_refused(org: Org, virginia: ListImport) -> None:
    """Investigators get 403 on the search, 404 on an import, and no link to either."""
    for user in (org.outsider, org.owner, org.subject):
        client = org.client(user)
        assert client.get(SEARCH, {"q": "freeman"}).status_code == 403, user.username
        assert client.get(f"/registry/imports/{virginia.pk}/").status_code == 404
        assert f'href="{SEARCH}"' not in client.get("/").content.decode()


def test_an_import_that_does_not_exist_is_404(org: Org, vetter: User) -> None:
    """A missing import looks the same as a forbidden one."""
    assert org.client(vetter).get("/registry/imports/999999/").status_code == 404


def test_not_signed_in_is_sent_to_sign_in(db: None) -> None:
    """An anonymous visitor is redirected to the sign-in page."""
    response = Client(enforce_csrf_checks=True).get(SEARCH)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/registry/"


def test_only_get_is_allowed(org: Org, vetter: User) -> None:
    """Without the token a POST is refused; with it, POST is still not a method it takes."""
    client = org.client(vetter)
    assert client.post(SEARCH).status_code == 403
    assert csrf_post(client, SEARCH, {}).status_code == 405


def _last(action: str, actor: User) -> TrailEvent:
    return TrailEvent.objects.filter(action=action, actor_id=actor.pk).latest("seq")


def test_a_search_is_on_the_trail_without_the_name_typed(
    org: Org, virginia: ListImport, vetter: User
) -> None:
    """What was listed is recorded by id; the name searched for only as keyed pseudonyms."""
    client = org.client(vetter)
    text = search(client, q="Deangelo  FREEMAN", status="active", page="1")
    event = _last("search", vetter)
    assert (event.subject_type, event.subject_id) == ("registry", "")
    assert event.changes["entries"] == entry_links(text)
    assert event.changes["filters"] == {"status": "active"}
    assert event.changes["page"] == 1
    assert event.changes["imports"] == [virginia.pk]
    stored = json.dumps(event.changes).casefold() + event.reason.casefold()
    assert "freeman" not in stored and "deangelo" not in stored
    assert len(event.changes["terms"]) == 2
    # Whoever holds the key can ask whether anyone searched for a name, in any case or order.
    (found,) = searches_for("freeman")
    assert (found.seq, found.actor_id, found.entries) == (event.seq, vetter.pk, entry_links(text))
    assert [s.seq for s in searches_for("FREEMAN Deangelo")] == [event.seq]
    assert searches_for("Shifflett") == []
    assert searches_for("Freeman Shifflett") == []


def test_a_search_the_form_refuses_is_still_recorded(
    org: Org, virginia: ListImport, vetter: User
) -> None:
    """A too-long search runs on no name, but what was typed is kept (as pseudonyms)."""
    search(org.client(vetter), q="Freeman " + "x" * 300)
    event = _last("search", vetter)
    assert len(event.changes["terms"]) == 2
    assert [s.seq for s in searches_for("freeman")] == [event.seq]


def test_reading_an_import_is_on_the_trail(org: Org, virginia: ListImport, vetter: User) -> None:
    assert org.client(vetter).get(f"/registry/imports/{virginia.pk}/").status_code == 200
    event = _last("read", vetter)
    assert (event.subject_type, event.subject_id) == ("list-import", str(virginia.pk))
    assert event.changes == {"rejected": 2}
