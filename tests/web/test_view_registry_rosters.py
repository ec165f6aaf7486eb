"""Held rosters (`/registry/rosters/`) and screening one now."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from custodes.web.accounts.models import Role, User
from custodes.web.registry.actions import import_list, load_roster
from custodes.web.registry.models import Candidate, Roster, Screening
from custodes.web.trail.models import TrailEvent
from tests.web.audit_helpers import add_user
from tests.web.conftest import Org, csrf_post

ROSTERS = "/registry/rosters/"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"


@pytest.fixture
def roster(db: None) -> Roster:
    """Hold the test force's roster and import a list with one of its officers on it."""
    held = load_roster(None, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    import_list(None, "generic", [FIXTURES / "new-list.csv"])
    return held


def screen_url(roster: Roster) -> str:
    """Return the address that screens a roster."""
    return f"/registry/rosters/{roster.pk}/screen/"


def test_a_vetting_officer_sees_the_held_rosters(org: Org, roster: Roster) -> None:
    """Name, force, how many people, when loaded and last screened, and the button."""
    vetter = add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")
    response = org.client(vetter).get(ROSTERS)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<td>Exampleshire staff</td><td>XF</td><td>4</td>" in text
    last = Screening.objects.get(roster=roster).run_at  # the new list's screen
    assert f"<td>{last:%Y-%m-%d %H:%M}</td>" in text
    assert f'action="{screen_url(roster)}"' in text
    assert "Screen Exampleshire staff now" in text


def test_screening_a_roster_now(org: Org, roster: Roster) -> None:
    """The screen is stored and on the trail; its page shows the match to review."""
    vetter = add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")
    client = org.client(vetter)
    response = csrf_post(client, screen_url(roster), {})
    assert response.status_code == 302
    found = re.fullmatch(r"/registry/screenings/(\d+)/", response["Location"])
    assert found
    screening = Screening.objects.get(pk=int(found.group(1)))
    assert (screening.kind, screening.roster, screening.run_by) == ("screen", roster, vetter)
    assert TrailEvent.objects.filter(
        action="registry-screen", subject_id=str(screening.pk), actor_id=vetter.pk
    ).exists()
    (match,) = Candidate.objects.filter(screening=screening)
    text = client.get(response["Location"]).content.decode()
    assert (
        "Screened 4 people against 2 entries: 1 likely candidate and 0 weaker candidates for "
        "you to review." in text
    )
    assert f'id="candidate-{match.pk}"' in text
    assert "XF-101 may be" in text and "Margaret Anne Holloway" in text
    # The roster's side: maiden name and badge as the roster holds them.
    assert "<tr><th>Other names</th><td>Holloway</td><td>—</td></tr>" in text


def test_the_message_does_not_count_a_match_kept_from_the_reviewer(
    org: Org, roster: Roster
) -> None:
    """A vetting officer who is on the roster screens it and is told of no match about them."""
    subject = add_user(org, "peggy", Role.VETTING_OFFICER, "vetting", "XF-101")
    client = org.client(subject)
    response = csrf_post(client, screen_url(roster), {})
    assert response.status_code == 302
    text = client.get(response["Location"]).content.decode()
    assert "0 likely candidates and 0 weaker candidates for you to review." in text
    assert "XF-101 may be" not in text


def test_others_are_refused(org: Org, roster: Roster) -> None:
    """403 on the rosters page, 404 on screening one, for investigators and counter-corruption."""
    for user in (org.outsider, org.lead):
        client = org.client(user)
        assert client.get(ROSTERS).status_code == 403, user.username
        assert csrf_post(client, screen_url(roster), {}).status_code == 404, user.username
    assert not Screening.objects.filter(kind="screen").exists()


def test_a_post_without_the_csrf_token_is_refused(org: Org, roster: Roster) -> None:
    """A forged screen is not run."""
    vetter: User = add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")
    assert org.client(vetter).post(screen_url(roster)).status_code == 403
    assert not Screening.objects.filter(kind="screen").exists()


def test_a_roster_that_does_not_exist_is_404(org: Org, roster: Roster) -> None:
    """Screening a missing roster looks the same as a forbidden one; GET is not served."""
    vetter = add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")
    client = org.client(vetter)
    assert csrf_post(client, "/registry/rosters/999999/screen/", {}).status_code == 404
    assert client.get(screen_url(roster)).status_code == 405


def test_the_rosters_page_is_on_the_trail(org: Org, roster: Roster) -> None:
    """Which rosters were listed is recorded by id."""
    vetter = add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")
    assert org.client(vetter).get(ROSTERS).status_code == 200
    event = TrailEvent.objects.filter(actor_id=vetter.pk).latest("seq")
    assert (event.action, event.subject_type, event.changes) == (
        "list",
        "rosters",
        {"rosters": [roster.pk]},
    )
