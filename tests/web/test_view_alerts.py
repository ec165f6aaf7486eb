"""The alert queue (`/alerts/`): counter-corruption staff only, never about self or chain."""

from __future__ import annotations

from django.test import Client

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import Alert
from custodes.web.cases.actions import break_glass
from tests.web.conftest import PASSWORD, Org

ALERTS = "/alerts/"
REASON = "Out-of-hours safeguarding check on the victim"


def add_user(org: Org, username: str, role: Role, unit: str, manager: User | None = None) -> User:
    """Create a user through the real action and keep their authenticator for signing in."""
    user, device = create_user(
        None, username, PASSWORD, role=role, force="XF", unit=unit, line_manager=manager
    )
    org.devices[username] = device
    return user


def alert_about(org: Org, user: User) -> str:
    """Have `user` break the glass on the case and return the alert's summary."""
    break_glass(user, org.case.reference, REASON)
    return str(Alert.objects.get(about_user=user).summary)


def queue(client: Client) -> str:
    """Return the alert queue's text, checking it was served."""
    response = client.get(ALERTS)
    assert response.status_code == 200
    return response.content.decode()


def test_the_lead_sees_an_alert_about_someone_outside_their_chain(org: Org) -> None:
    """The lead's queue lists a break-glass alert about an analyst they do not manage."""
    summary = alert_about(org, add_user(org, "stranger", Role.CC_ANALYST, "acu-north"))
    text = queue(org.client(org.lead))
    assert summary in text
    assert "Break-glass access" in text


def test_an_analyst_sees_the_alert_too(org: Org) -> None:
    """Counter-corruption analysts share the queue."""
    summary = alert_about(org, add_user(org, "stranger", Role.CC_ANALYST, "acu-north"))
    analyst = add_user(org, "analyst", Role.CC_ANALYST, "acu", org.lead)
    assert summary in queue(org.client(analyst))


def test_case_staff_and_the_subject_are_refused_with_403(org: Org) -> None:
    """Investigators, the case's subject and their manager may not open the queue."""
    alert_about(org, add_user(org, "stranger", Role.CC_ANALYST, "acu-north"))
    for user in (org.owner, org.colleague, org.outsider, org.subject, org.subject_manager):
        assert org.client(user).get(ALERTS).status_code == 403, user.username


def test_nobody_sees_an_alert_about_themselves(org: Org) -> None:
    """The analyst who broke the glass does not see the alert about it."""
    stranger = add_user(org, "stranger", Role.CC_ANALYST, "acu-north")
    summary = alert_about(org, stranger)
    text = queue(org.client(stranger))
    assert summary not in text
    assert "No open alerts." in text


def test_a_manager_does_not_see_alerts_about_their_reports(org: Org) -> None:
    """An alert about someone the lead manages is kept from the lead, not from other analysts."""
    summary = alert_about(org, org.outsider)  # the outsider reports to the lead
    stranger = add_user(org, "stranger", Role.CC_ANALYST, "acu-north")
    assert summary not in queue(org.client(org.lead))
    assert summary in queue(org.client(stranger))


def test_nobody_sees_alerts_about_their_own_managers(org: Org) -> None:
    """An alert about the lead is kept from an analyst who reports to the lead."""
    summary = alert_about(org, org.lead)
    analyst = add_user(org, "analyst", Role.CC_ANALYST, "acu-south", org.lead)
    stranger = add_user(org, "stranger", Role.CC_ANALYST, "acu-north")
    assert summary not in queue(org.client(analyst))
    assert summary in queue(org.client(stranger))


def test_nobody_sees_alerts_about_their_own_unit(org: Org) -> None:
    """An alert about a member of the lead's unit is kept from the lead."""
    peer = add_user(org, "peer", Role.CC_ANALYST, "acu")
    summary = alert_about(org, peer)
    assert summary not in queue(org.client(org.lead))


def test_closed_alerts_leave_the_queue(org: Org) -> None:
    """Only open alerts are listed."""
    summary = alert_about(org, add_user(org, "stranger", Role.CC_ANALYST, "acu-north"))
    Alert.objects.update(status=Alert.Status.CLOSED)
    assert summary not in queue(org.client(org.lead))


def test_not_signed_in_is_sent_to_sign_in(db: None) -> None:
    """An anonymous visitor is redirected to the sign-in page."""
    response = Client(enforce_csrf_checks=True).get(ALERTS)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/alerts/"


def test_a_post_without_the_csrf_token_is_refused(org: Org) -> None:
    """A POST without the CSRF token is refused."""
    assert org.client(org.lead).post(ALERTS).status_code == 403


def test_only_get_is_allowed(org: Org) -> None:
    """With the token, a POST is still not a method the queue takes."""
    client = org.client(org.lead)
    token = client.cookies["csrftoken"].value
    assert client.post(ALERTS, {"csrfmiddlewaretoken": token}).status_code == 405
