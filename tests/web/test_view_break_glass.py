"""Break-glass (`/cases/break-glass/`): a reason, an expiry, an alert and the trail."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import Alert
from custodes.web.cases.actions import open_case
from custodes.web.cases.models import Case, CaseAccess
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import PASSWORD, Org, csrf_post

BREAK_GLASS = "/cases/break-glass/"
REASON = "Urgent safeguarding check: the victim called the control room tonight"
REFUSED = "no such case, or it cannot be opened by break-glass"


def add_user(org: Org, username: str, role: Role, unit: str, manager: User | None = None) -> User:
    """Create a user through the real action and keep their authenticator for signing in."""
    user, device = create_user(
        None, username, PASSWORD, role=role, force="XF", unit=unit, line_manager=manager
    )
    org.devices[username] = device
    return user


def stranger(org: Org) -> User:
    """Return an analyst outside the lead's chain and unit, and outside the subject's."""
    return add_user(org, "stranger", Role.CC_ANALYST, "acu-north")


def glass(client: Client, reference: str, reason: str | None = REASON) -> Any:
    """Ask for break-glass access through the form."""
    data = {"reference": reference}
    if reason is not None:
        data["reason"] = reason
    return csrf_post(client, BREAK_GLASS, data)


def nothing_broken(case: Case) -> bool:
    """Return whether no break-glass access, alert or trail event exists for `case`."""
    return not (
        CaseAccess.objects.filter(case=case, kind=CaseAccess.Kind.BREAK_GLASS).exists()
        or Alert.objects.filter(subject_id=str(case.pk)).exists()
        or TrailEvent.objects.filter(action="break-glass").exists()
    )


def test_an_investigator_gets_the_form(org: Org) -> None:
    """The form asks for the case reference and the reason."""
    response = org.client(org.outsider).get(BREAK_GLASS)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'name="reference"' in text
    assert 'name="reason"' in text


def test_a_role_without_case_work_is_refused_with_403(org: Org) -> None:
    """Staff whose role has no case work get 403, for the form and for a POST."""
    client = org.client(org.subject_manager)
    assert client.get(BREAK_GLASS).status_code == 403
    assert glass(client, org.case.reference).status_code == 403
    assert nothing_broken(org.case)


def test_not_signed_in_is_sent_to_sign_in(db: None) -> None:
    """An anonymous visitor is redirected to the sign-in page."""
    response = Client(enforce_csrf_checks=True).get(BREAK_GLASS)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/cases/break-glass/"


def test_a_post_without_the_csrf_token_is_refused(org: Org) -> None:
    """A POST without the CSRF token is refused and opens nothing."""
    client = org.client(org.outsider)
    response = client.post(BREAK_GLASS, {"reference": org.case.reference, "reason": REASON})
    assert response.status_code == 403
    assert nothing_broken(org.case)


def test_a_reason_is_required(org: Org) -> None:
    """No reason, or a token one, opens nothing."""
    client = org.client(org.outsider)
    missing = glass(client, org.case.reference, reason=None)
    assert missing.status_code == 200
    assert "This field is required." in missing.content.decode()
    short = glass(client, org.case.reference, reason="because")
    assert short.status_code == 200
    assert "at least 10 characters" in short.content.decode()
    assert nothing_broken(org.case)
    assert client.get(f"/cases/{org.case.reference}/").status_code == 404


def test_a_sealed_case_stays_shut_and_looks_like_no_case(org: Org) -> None:
    """Break-glass never opens a sealed case, and says no more than for a missing one."""
    sealed = open_case(org.owner, "PSD-2025-0099", "Sealed matter", org.subject, sealed=True)
    client = org.client(org.outsider)
    response = glass(client, sealed.reference)
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert REFUSED in glass(client, "PSD-1999-0000").content.decode()
    assert nothing_broken(sealed)
    assert client.get(f"/cases/{sealed.reference}/").status_code == 404


def test_a_case_about_oneself_stays_shut(org: Org) -> None:
    """Nobody can break the glass into a case about themselves."""
    about_outsider = open_case(org.owner, "PSD-2025-0002", "Look-ups", org.outsider)
    client = org.client(org.outsider)
    response = glass(client, about_outsider.reference)
    assert REFUSED in response.content.decode()
    assert nothing_broken(about_outsider)
    assert client.get(f"/cases/{about_outsider.reference}/").status_code == 404


def test_breaking_the_glass_opens_the_case_for_a_limited_time(org: Org) -> None:
    """Success redirects to the case, with access that ends after BREAK_GLASS_MINUTES."""
    analyst = stranger(org)
    client = org.client(analyst)
    response = glass(client, org.case.reference)
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{org.case.reference}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "the counter-corruption lead has been told" in page.content.decode()
    access = CaseAccess.objects.get(case=org.case, user=analyst)
    assert access.kind == CaseAccess.Kind.BREAK_GLASS
    assert access.reason == REASON
    assert access.expires_at is not None
    lasts = access.expires_at - access.granted_at
    assert abs(lasts - dt.timedelta(minutes=settings.BREAK_GLASS_MINUTES)).total_seconds() < 1


def test_breaking_the_glass_is_on_the_trail(org: Org) -> None:
    """The grant, the break-glass with its reason, and the alert are all trail events."""
    analyst = stranger(org)
    glass(org.client(analyst), org.case.reference)
    alert = Alert.objects.get(subject_id=str(org.case.pk))
    events = TrailEvent.objects.filter(actor_id=analyst.pk).exclude(action__in=["sign-in", "read"])
    found = {(e.action, e.subject_type, e.subject_id, e.reason) for e in events}
    assert found == {
        ("grant", "case", str(org.case.pk), REASON),
        ("break-glass", "case", str(org.case.pk), REASON),
        ("create", "alert", str(alert.pk), ""),
    }


def test_the_alert_reaches_the_lead_and_not_the_person_who_broke_the_glass(org: Org) -> None:
    """The lead's queue shows the break-glass alert; the analyst who broke the glass does not."""
    analyst = stranger(org)
    client = org.client(analyst)
    glass(client, org.case.reference)
    alert = Alert.objects.get(subject_id=str(org.case.pk))
    assert alert.kind == Alert.Kind.BREAK_GLASS
    assert alert.about_user_id == analyst.pk
    assert alert.status == Alert.Status.OPEN
    summary = f"stranger used break-glass on case {org.case.reference}"
    assert alert.summary == summary
    assert summary in org.client(org.lead).get("/alerts/").content.decode()
    own_queue = client.get("/alerts/")
    assert own_queue.status_code == 200
    assert summary not in own_queue.content.decode()


@override_settings(BREAK_GLASS_MINUTES=5)
def test_break_glass_access_expires(org: Org) -> None:
    """When the break-glass time is up the case is refused and gone from the list."""
    analyst = stranger(org)
    client = org.client(analyst)
    assert glass(client, org.case.reference).status_code == 302
    granted = CaseAccess.objects.get(case=org.case, user=analyst).granted_at
    case_url = f"/cases/{org.case.reference}/"
    with mock.patch("django.utils.timezone.now", return_value=granted + dt.timedelta(minutes=4)):
        assert client.get(case_url).status_code == 200
    after = granted + dt.timedelta(minutes=5, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=after):
        assert timezone.now() == after
        assert client.get(case_url).status_code == 404
        assert org.case.reference not in client.get("/cases/").content.decode()


def refused_tries(user: User) -> list[TrailEvent]:
    """Return the refused break-glass tries the trail holds for `user`."""
    return list(
        TrailEvent.objects.filter(actor_id=user.pk, action="refused", subject_type="case-reference")
    )


def test_no_one_too_close_to_the_subject_can_break_the_glass(org: Org) -> None:
    """The subject's line manager, a colleague in their unit and the subject themselves are
    refused (GET 404, and break-glass refused too), as if there were no such case; only
    someone absent from the case with no conflict may break in. Each refusal is recorded."""
    # A case about the colleague (psd-1, managed by the lead), opened by the outsider.
    case = open_case(org.outsider, "PSD-2025-0042", "Look-ups of a neighbour", org.colleague)
    for user in (org.lead, org.owner, org.colleague):
        client = org.client(user)
        assert client.get(f"/cases/{case.reference}/").status_code == 404, user.username
        response = glass(client, case.reference)
        assert response.status_code == 200, user.username
        assert REFUSED in response.content.decode(), user.username
        assert client.get(f"/cases/{case.reference}/").status_code == 404, user.username
        assert [e.subject_id for e in refused_tries(user)] == [case.reference], user.username
    assert nothing_broken(case)
    # Someone with no conflict, not on the case, may still break in.
    analyst = stranger(org)
    assert glass(org.client(analyst), case.reference).status_code == 302
    assert CaseAccess.objects.filter(case=case, kind=CaseAccess.Kind.BREAK_GLASS).count() == 1


def test_the_subject_never_learns_of_break_glass_on_their_case(org: Org) -> None:
    """A counter-corruption analyst who is the subject of a case, their unit mate and their
    manager are not shown the break-glass alert that names it; the lead with no conflict is."""
    head = add_user(org, "acu-head", Role.CC_ANALYST, "acu-intelligence")
    subject = add_user(org, "acu-subject", Role.CC_ANALYST, "acu-intelligence-2", head)
    mate = add_user(org, "acu-mate", Role.CC_ANALYST, "acu-intelligence-2")
    case = open_case(org.owner, "PSD-2025-0080", "Look-ups of an ex-partner", subject)
    analyst = stranger(org)
    assert glass(org.client(analyst), case.reference).status_code == 302
    alert = Alert.objects.get(kind=Alert.Kind.BREAK_GLASS)
    for user in (subject, mate, head):
        client = org.client(user)
        for page in ("/", "/alerts/"):
            text = client.get(page).content.decode()
            assert case.reference not in text, (user.username, page)
            assert alert.summary not in text, (user.username, page)
    assert alert.case == case
    lead = org.client(org.lead)
    assert alert.summary in lead.get("/alerts/").content.decode()
    assert '<strong class="count">1</strong> break-glass use' in lead.get("/").content.decode()
