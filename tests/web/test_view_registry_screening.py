"""The review queue (`/registry/screenings/`), one screening, and deciding a match there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import Alert
from custodes.web.registry.actions import (
    check_applicant,
    decide_candidate,
    import_list,
    load_roster,
)
from custodes.web.registry.models import Candidate, Screening
from custodes.web.trail.models import TrailEvent
from tests.lists_data import shared_file
from tests.web.audit_helpers import add_user
from tests.web.conftest import Org, csrf_post

QUEUE = "/registry/screenings/"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"
WORKBOOK = ("virginia-decertification", "DCJS_Decertification_List_Apr25.xlsx")
FREEMAN = {
    "record_id": "APP-2025-0147",
    "first_name": "Deangelo",
    "middle_name": "M",
    "last_name": "Freeman",
    "agency": "Hampton Police Division",
}
REASON = "Same name and agency; the applicant's service record shows Hampton 2016-2020"


@pytest.fixture
def vetter(org: Org) -> User:
    """Return a vetting officer."""
    return add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")


@pytest.fixture
def candidate(db: None, vetter: User) -> Candidate:
    """Import the real Virginia workbook, check an applicant on it, return the candidate."""
    import_list(None, "virginia", [shared_file(*WORKBOOK)])
    return check_applicant(vetter, FREEMAN).candidates.get()


def page_url(screening: Screening | int) -> str:
    """Return a screening's page."""
    pk = screening if isinstance(screening, int) else screening.pk
    return f"/registry/screenings/{pk}/"


def decide(client: Client, candidate: Candidate, action: str, reason: str | None = REASON) -> Any:
    """Post one of the decision forms, with the CSRF token."""
    data = {} if reason is None else {"reason": reason}
    return csrf_post(client, f"/registry/candidates/{candidate.pk}/{action}/", data)


def fresh(candidate: Candidate) -> Candidate:
    """Read the candidate again."""
    return Candidate.objects.get(pk=candidate.pk)


def queued(client: Client) -> list[int]:
    """Return the candidates the review queue lists, in order."""
    response = client.get(QUEUE)
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r"#candidate-(\d+)\">Review", response.content.decode())]


def test_the_queue_lists_pending_matches_and_screenings(
    org: Org, candidate: Candidate, vetter: User
) -> None:
    """A pending match is listed with who was checked and who they may be."""
    client = org.client(vetter)
    response = client.get(QUEUE)
    assert response["X-Personal-Data"] == "1"
    text = response.content.decode()
    assert queued(client) == [candidate.pk]
    assert "APP-2025-0147: Deangelo Freeman" in text
    assert "US-VA decertification: drugs" in text
    screenings = text[text.index('id="screenings"') :]
    assert f'href="{page_url(candidate.screening_id)}"' in screenings
    assert "Applicant check" in screenings and "<td>vetter</td>" in screenings


def test_the_queue_lists_newest_screening_first(
    org: Org, candidate: Candidate, vetter: User
) -> None:
    """A later check's matches come before an earlier one's; decided matches leave the queue."""
    later = check_applicant(vetter, {**FREEMAN, "record_id": "APP-2025-0190"}).candidates.get()
    client = org.client(vetter)
    assert queued(client) == [later.pk, candidate.pk]
    decide_candidate(vetter, later, same=False, reason="Different birth year on the application")
    assert queued(client) == [candidate.pk]


def test_the_screening_shows_the_candidate_beside_the_applicant(
    org: Org, candidate: Candidate, vetter: User
) -> None:
    """Probability, weight, the explanation, both sides' details and the two forms."""
    response = org.client(vetter).get(page_url(candidate.screening_id))
    assert response.status_code == 200
    assert response["X-Personal-Data"] == "1"
    text = response.content.decode()
    assert f"Match probability <strong>{candidate.match_probability:.3f}</strong>" in text
    assert f"weight {candidate.match_weight:.2f}" in text
    assert f"Why: {candidate.explanation}." in text
    assert "last_name: exact" in candidate.explanation
    assert "<tr><th>Name</th><td>Deangelo M Freeman</td><td>Deangelo M Freeman</td></tr>" in text
    assert (
        "<tr><th>Agency</th><td>Hampton Police Division</td><td>Hampton Police Division</td>"
        in text
    )
    assert "Felony: Conspiracy to possess" in text
    for action in ("confirm", "reject"):
        assert f'action="/registry/candidates/{candidate.pk}/{action}/"' in text
    assert "Same person — confirm" in text and "Not the same person — reject" in text


def test_confirming_needs_a_reason_and_is_on_the_trail(
    org: Org, candidate: Candidate, vetter: User
) -> None:
    """Confirm: the decision, who and why are kept, put on the trail and shown."""
    client = org.client(vetter)
    response = decide(client, candidate, "confirm")
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(candidate.screening_id)}#candidate-{candidate.pk}"
    done = fresh(candidate)
    assert (done.status, done.decided_by, done.decision_reason) == ("confirmed", vetter, REASON)
    event = TrailEvent.objects.get(action="registry-confirm", subject_id=str(candidate.pk))
    assert (event.actor_id, event.reason) == (vetter.pk, REASON)
    assert event.changes == {"status": ["pending", "confirmed"]}
    text = client.get(page_url(candidate.screening_id)).content.decode()
    assert "Confirmed as the same person; your reason is recorded." in text
    assert "<dd>Confirmed: same person</dd>" in text
    assert f"<dd>vetter, {done.decided_at:%Y-%m-%d %H:%M} UTC</dd>" in text
    assert "/confirm/" not in text and "/reject/" not in text


def test_rejecting_is_on_the_trail(org: Org, candidate: Candidate, vetter: User) -> None:
    """Reject: not the same person, with the reason."""
    response = decide(
        org.client(vetter), candidate, "reject", "Born 1998; the officer served in 2015"
    )
    assert response.status_code == 302
    assert fresh(candidate).status == Candidate.Status.REJECTED
    event = TrailEvent.objects.get(action="registry-reject", subject_id=str(candidate.pk))
    assert event.reason == "Born 1998; the officer served in 2015"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_empty_reason_is_refused_with_400(
    org: Org, candidate: Candidate, vetter: User, reason: str | None
) -> None:
    """The page comes back with the problem at the form; the match stays to review."""
    response = decide(org.client(vetter), candidate, "confirm", reason)
    assert response.status_code == 400
    assert response["X-Personal-Data"] == "1"
    text = response.content.decode()
    assert "This field is required." in text
    assert f'id="candidate-{candidate.pk}"' in text
    assert fresh(candidate).status == Candidate.Status.PENDING
    assert not TrailEvent.objects.filter(
        action__in=["registry-confirm", "registry-reject"]
    ).exists()


def test_a_decided_match_cannot_be_decided_again(
    org: Org, candidate: Candidate, vetter: User
) -> None:
    """A second decision, say from a page left open, is refused with the reason why."""
    client = org.client(vetter)
    assert decide(client, candidate, "confirm").status_code == 302
    response = decide(client, candidate, "reject", "Second thoughts")
    assert response.status_code == 400
    assert "the match is already confirmed: same person" in response.content.decode()
    assert fresh(candidate).status == Candidate.Status.CONFIRMED
    assert TrailEvent.objects.filter(action="registry-reject").count() == 0


def test_an_unknown_action_is_404(org: Org, candidate: Candidate, vetter: User) -> None:
    """Only confirm and reject exist."""
    assert decide(org.client(vetter), candidate, "delete").status_code == 404
    assert fresh(candidate).status == Candidate.Status.PENDING


def test_a_post_without_the_csrf_token_is_refused(
    org: Org, candidate: Candidate, vetter: User
) -> None:
    """A forged decision changes nothing."""
    client = org.client(vetter)
    url = f"/registry/candidates/{candidate.pk}/confirm/"
    assert client.post(url, {"reason": REASON}).status_code == 403
    assert fresh(candidate).status == Candidate.Status.PENDING


def test_the_outsider_is_refused(org: Org, candidate: Candidate) -> None:
    """403 on the queue; 404 on the screening and on deciding; counter-corruption too."""
    for user in (org.outsider, org.lead):
        client = org.client(user)
        assert client.get(QUEUE).status_code == 403, user.username
        assert client.get(page_url(candidate.screening_id)).status_code == 404, user.username
        assert decide(client, candidate, "reject").status_code == 404, user.username
    assert fresh(candidate).status == Candidate.Status.PENDING


def test_a_screening_that_does_not_exist_is_404(org: Org, vetter: User) -> None:
    """A missing screening or candidate looks the same as a forbidden one."""
    client = org.client(vetter)
    assert client.get(page_url(999999)).status_code == 404
    assert (
        csrf_post(client, "/registry/candidates/999999/confirm/", {"reason": REASON}).status_code
        == 404
    )


def test_the_pages_take_only_the_methods_they_serve(
    org: Org, candidate: Candidate, vetter: User
) -> None:
    """The queue and a screening are read-only; a decision is only ever posted."""
    client = org.client(vetter)
    assert csrf_post(client, QUEUE, {}).status_code == 405
    assert csrf_post(client, page_url(candidate.screening_id), {}).status_code == 405
    assert client.get(f"/registry/candidates/{candidate.pk}/confirm/").status_code == 405


def test_nobody_reviews_a_match_about_themselves(org: Org) -> None:
    """A vetting officer on a held roster never sees a match about them; a colleague does."""
    subject = add_user(org, "vetter-north", Role.VETTING_OFFICER, "vetting-north", "XF-101")
    reviewer = add_user(org, "vetter-south", Role.VETTING_OFFICER, "vetting-south", "XF-vet")
    load_roster(None, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    outcome = import_list(None, "generic", [FIXTURES / "new-list.csv"])
    (screening,) = outcome.screenings
    match = Candidate.objects.get(screening=screening, person_ref="XF-101")
    assert match.subject == subject
    client = org.client(subject)
    assert match.pk not in queued(client)
    page = client.get(page_url(screening))
    assert page.status_code == 200  # the roster's screening, but without the match about them
    assert f'id="candidate-{match.pk}"' not in page.content.decode()
    assert "No candidate for you to review in this screening." in page.content.decode()
    assert decide(client, match, "reject", "Not me").status_code == 404
    assert fresh(match).status == Candidate.Status.PENDING
    # The screening list shows no count that would give the hidden match away.
    listing = client.get(QUEUE).content.decode()
    assert "<td>4</td><td>2</td><td>0</td>" in listing  # people, entries, to review
    # Someone in another vetting team, outside the chain, reviews it.
    other = org.client(reviewer)
    assert queued(other) == [match.pk]
    assert (
        decide(other, match, "confirm", "Maiden name, birth date and sex agree").status_code == 302
    )
    assert fresh(match).status == Candidate.Status.CONFIRMED
    assert Alert.objects.get(subject_id=str(match.pk)).status == Alert.Status.CLOSED


def test_the_subjects_line_manager_does_not_see_it_either(org: Org) -> None:
    """Need-to-know keeps the match from the chain above the member of staff it is about."""
    manager = add_user(org, "vetting-head", Role.VETTING_OFFICER, "vetting-command", "XF-900")
    add_user(org, "peggy", Role.INTAKE_HANDLER, "response-south", "XF-101", manager)
    load_roster(None, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    import_list(None, "generic", [FIXTURES / "new-list.csv"])
    match = Candidate.objects.get(person_ref="XF-101")
    client = org.client(manager)
    assert queued(client) == []
    assert decide(client, match, "confirm").status_code == 404


def test_a_match_alert_leads_the_vetting_officer_to_the_match(org: Org, vetter: User) -> None:
    """The alert raised by a new list is in vetting's Alerts page and links to its screening."""
    load_roster(None, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    (screening,) = import_list(None, "generic", [FIXTURES / "new-list.csv"]).screenings
    match = Candidate.objects.get(screening=screening, person_ref="XF-101")
    client = org.client(vetter)
    home = client.get(QUEUE).content.decode()
    assert '<a href="/alerts/">Alerts</a>' in home
    assert "/alerts/audit/" not in home  # the access audit is counter-corruption's
    listing = client.get("/alerts/").content.decode()
    link = f'<a href="/registry/candidates/{match.pk}/">XF XF-101 may be'
    assert link in listing
    assert "Access audit" not in listing
    followed = client.get(f"/registry/candidates/{match.pk}/")
    assert followed.status_code == 302
    assert followed["Location"] == f"{page_url(screening)}#candidate-{match.pk}"
    assert f'id="candidate-{match.pk}"' in client.get(page_url(screening)).content.decode()
    # Someone who may not review the match gets nothing from the link.
    assert org.client(org.outsider).get(f"/registry/candidates/{match.pk}/").status_code == 404


def test_a_pair_found_by_two_screens_is_listed_once_and_decided_once(
    org: Org, vetter: User
) -> None:
    """The attack on attention: the same match listed twice, to be decided two ways."""
    roster = load_roster(None, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    import_list(None, "generic", [FIXTURES / "new-list.csv"])
    older = Candidate.objects.get(person_ref="XF-101")
    client = org.client(vetter)
    assert csrf_post(client, f"/registry/rosters/{roster.pk}/screen/", {}).status_code == 302
    newer = Candidate.objects.filter(person_ref="XF-101").latest("pk")
    assert queued(client) == [newer.pk]
    assert decide(client, newer, "confirm").status_code == 302
    assert queued(client) == []
    assert fresh(older).status == Candidate.Status.CONFIRMED
    # The older screening's page says the decision was made with the newer candidate.
    text = client.get(page_url(older.screening_id)).content.decode()
    assert f'#candidate-{newer.pk}">candidate {newer.pk}</a> of the same person and entry' in text
    # A later screen keeps the decision and says so.
    response = csrf_post(client, f"/registry/rosters/{roster.pk}/screen/", {})
    text = client.get(response["Location"]).content.decode()
    assert "0 likely candidates and 0 weaker candidates for you to review" in text
    assert "1 pair already decided kept the decision." in text
    assert "<dd>Confirmed: same person</dd>" in text and escape(REASON) in text


def test_the_queue_keeps_weaker_candidates_apart(org: Org, vetter: User) -> None:
    """Likely and weaker matches are in two lists, each with its own heading."""
    import_list(None, "virginia", [shared_file(*WORKBOOK)])
    likely = check_applicant(vetter, FREEMAN).candidates.get()
    weaker = check_applicant(
        vetter, {"record_id": "APP-2", "first_name": "Deangelo", "last_name": "Freeman"}
    ).candidates.get()
    text = org.client(vetter).get(QUEUE).content.decode()
    likely_part = text[text.index('id="pending"') : text.index('id="weaker"')]
    weaker_part = text[text.index('id="weaker"') : text.index('id="screenings"')]
    assert f"#candidate-{likely.pk}" in likely_part and f"#candidate-{weaker.pk}" not in likely_part
    assert f"#candidate-{weaker.pk}" in weaker_part and f"#candidate-{likely.pk}" not in weaker_part
    assert "Weaker candidates: the names agree" in weaker_part


def test_the_queue_and_a_screening_are_on_the_trail_with_what_they_showed(
    org: Org, candidate: Candidate, vetter: User
) -> None:
    """Which matches about staff a reviewer was shown is kept, by id, page by page."""
    client = org.client(vetter)
    client.get(QUEUE)
    queue = TrailEvent.objects.filter(actor_id=vetter.pk, action="list").latest("seq")
    assert (queue.subject_type, queue.changes["candidates"]) == ("registry-queue", [candidate.pk])
    assert (queue.changes["page"], queue.changes["weaker"]) == (1, [])
    assert queue.changes["screenings"] == [candidate.screening_id]
    client.get(page_url(candidate.screening_id))
    read = TrailEvent.objects.filter(actor_id=vetter.pk, action="read").latest("seq")
    assert (read.subject_type, read.subject_id) == ("screening", str(candidate.screening_id))
    assert read.changes == {"candidates": [candidate.pk]}
