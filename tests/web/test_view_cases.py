"""The case list (`/cases/`): only the cases a user may see, under the need-to-know rules."""

from __future__ import annotations

from django.test import Client

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role
from custodes.web.cases.actions import add_member, grant_access, open_case
from tests.web.conftest import PASSWORD, Org

CASES = "/cases/"


def listed(client: Client) -> str:
    """Return the case list's text, checking it was served."""
    response = client.get(CASES)
    assert response.status_code == 200
    return response.content.decode()


def test_the_owner_sees_the_case_in_the_list(org: Org) -> None:
    """The owner's list links to the case and shows its title and subject."""
    text = listed(org.client(org.owner))
    assert f'href="/cases/{org.case.reference}/"' in text
    assert org.case.title in text
    assert org.subject.username in text


def test_a_colleague_on_the_team_sees_the_case(org: Org) -> None:
    """A colleague added to the team sees the case."""
    assert org.case.reference in listed(org.client(org.colleague))


def test_the_outsider_sees_an_empty_list(org: Org) -> None:
    """Someone not on the case sees none of it."""
    text = listed(org.client(org.outsider))
    assert org.case.reference not in text
    assert org.case.title not in text
    assert "No cases you can see." in text


def test_the_lead_not_on_the_case_does_not_see_it(org: Org) -> None:
    """Seniority alone gives no access."""
    assert org.case.reference not in listed(org.client(org.lead))


def test_the_subject_and_their_manager_never_see_it_even_on_the_team(org: Org) -> None:
    """Putting the subject or their line manager on the team does not show them the case."""
    add_member(org.owner, org.case, org.subject)
    add_member(org.owner, org.case, org.subject_manager)
    for user in (org.subject, org.subject_manager):
        text = listed(org.client(user))
        assert org.case.reference not in text
        assert org.case.title not in text


def test_a_member_in_the_subjects_unit_needs_an_explicit_grant(org: Org) -> None:
    """A team member in the subject's unit is hidden the case until the lead grants it."""
    peer, device = create_user(
        None, "peer", PASSWORD, role=Role.PSD_INVESTIGATOR, force="XF", unit="response-north-1"
    )
    org.devices["peer"] = device
    add_member(org.owner, org.case, peer)
    client = org.client(peer)
    assert org.case.reference not in listed(client)
    grant_access(org.lead, org.case, peer, reason="only officer trained in this system")
    assert org.case.reference in listed(client)


def test_a_sealed_case_is_listed_only_for_those_named(org: Org) -> None:
    """A team member who is not named on a sealed case does not see it."""
    sealed = open_case(org.owner, "PSD-2025-0099", "Sealed matter", org.outsider, sealed=True)
    add_member(org.owner, sealed, org.colleague)
    assert sealed.reference in listed(org.client(org.owner))
    assert sealed.reference not in listed(org.client(org.colleague))


def test_not_signed_in_is_sent_to_sign_in(db: None) -> None:
    """An anonymous visitor is redirected to the sign-in page."""
    response = Client(enforce_csrf_checks=True).get(CASES)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/cases/"


def test_a_post_without_the_csrf_token_is_refused(org: Org) -> None:
    """A POST without the CSRF token is refused."""
    assert org.client(org.owner).post(CASES).status_code == 403


def test_only_get_is_allowed(org: Org) -> None:
    """With the token, a POST is still not a method the list takes."""
    client = org.client(org.owner)
    token = client.cookies["csrftoken"].value
    assert client.post(CASES, {"csrfmiddlewaretoken": token}).status_code == 405
