"""The home page (`/`): the cases a user may see and, for counter-corruption staff, alerts."""

from __future__ import annotations

from django.test import Client

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role
from custodes.web.cases.actions import add_member, break_glass
from custodes.web.views import Waiting
from tests.web.conftest import PASSWORD, Org

HOME = "/"


def page(client: Client) -> str:
    """Return the home page's text, checking it was served."""
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_the_owner_sees_the_case_on_the_home_page(org: Org) -> None:
    """The owner's home page lists the case with its title."""
    text = page(org.client(org.owner))
    assert org.case.reference in text
    assert org.case.title in text
    assert f'href="/cases/{org.case.reference}/"' in text


def test_a_colleague_on_the_team_sees_the_case(org: Org) -> None:
    """A colleague added to the case team sees it too."""
    assert org.case.reference in page(org.client(org.colleague))


def test_the_outsider_sees_a_home_page_without_the_case(org: Org) -> None:
    """Someone not on the case gets a home page that does not mention it."""
    text = page(org.client(org.outsider))
    assert org.case.reference not in text
    assert org.case.title not in text
    assert "No cases you can see." in text


def test_the_subject_and_their_manager_never_see_the_case(org: Org) -> None:
    """The case is hidden from the officer it is about and their line manager, even on the team."""
    add_member(org.owner, org.case, org.subject)
    add_member(org.owner, org.case, org.subject_manager)
    for user in (org.subject, org.subject_manager):
        text = page(org.client(user))
        assert org.case.reference not in text
        assert org.case.title not in text


def test_alerts_appear_only_for_counter_corruption_staff(org: Org) -> None:
    """The lead's home page counts the break-glass uses waiting and lists them; an
    investigator's has neither."""
    lead = org.client(org.lead)
    assert '<strong class="count">0</strong> break-glass uses to look at' in page(lead)
    assert "Open alerts" not in page(lead)
    analyst, _ = create_user(
        None, "stranger", PASSWORD, role=Role.CC_ANALYST, force="XF", unit="acu-north"
    )
    break_glass(analyst, org.case.reference, "Safeguarding check on a repeat caller tonight")
    text = page(lead)
    assert '<strong class="count">1</strong> break-glass use to look at' in text
    assert "Open alerts" in text
    assert f"stranger used break-glass on case {org.case.reference}" in text
    owner = page(org.client(org.owner))
    assert "Open alerts" not in owner
    assert "break-glass use" not in owner


def test_work_waiting_is_counted_with_thousands_separated(org: Org) -> None:
    """A count of thousands is written as a reader expects, 1,478 not 1478."""
    assert Waiting(1478, "new access-audit alerts", "/alerts/audit/").shown == "1,478"


def test_not_signed_in_is_sent_to_sign_in(db: None) -> None:
    """An anonymous visitor is redirected to the sign-in page."""
    response = Client(enforce_csrf_checks=True).get(HOME)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/"


def test_a_password_without_the_second_factor_is_not_enough(org: Org) -> None:
    """A session authenticated by password alone (no TOTP) is sent back to sign in."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.owner)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_a_post_without_the_csrf_token_is_refused(org: Org) -> None:
    """A POST without the CSRF token is refused before the view runs."""
    assert org.client(org.owner).post(HOME).status_code == 403


def test_only_get_is_allowed(org: Org) -> None:
    """With the token, a POST is still not a method the home page takes."""
    client = org.client(org.owner)
    token = client.cookies["csrftoken"].value
    assert client.post(HOME, {"csrfmiddlewaretoken": token}).status_code == 405
