"""The administrators' accounts page (`/accounts/manage/`): lock-outs lifted and force user ids
recorded, each on the trail; nobody else may use it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from custodes.web.accounts.access import FORCE_ID_ROLES
from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.access import ALERT_ROLES
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import PASSWORD, Org, code_for, csrf_post

MANAGE = "/accounts/manage/"
SIGN_IN = "/accounts/sign-in/"


@pytest.fixture
def admin(org: Org) -> User:
    """Return an administrator of the same force, signed in through the real form."""
    user, device = create_user(
        None, "admin", PASSWORD, role=Role.ADMINISTRATOR, force="XF", unit="it-services"
    )
    org.devices["admin"] = device
    return user


@pytest.fixture
def analyst(org: Org) -> User:
    """Return a counter-corruption analyst made without a force user id."""
    user, device = create_user(
        None, "analyst", PASSWORD, role=Role.CC_ANALYST, force="XF", unit="acu-intelligence"
    )
    org.devices["analyst"] = device
    return user


def try_sign_in(name: str, password: str, code: str, ip: str = "10.0.0.1") -> Any:
    """Submit the sign-in form from a fresh browser at `ip`."""
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)
    client.get(SIGN_IN)
    data = {"username": name, "password": password, "otp_token": code}
    return csrf_post(client, SIGN_IN, data)


def lock(name: str, ip: str = "10.0.0.1") -> None:
    """Fail five times with `name`, which locks it out."""
    for _ in range(5):
        response = try_sign_in(name, "guess", "000000", ip)
    assert response.status_code == 429


def page(client: Client) -> str:
    """Return the accounts page's text, checking it was served."""
    response = client.get(MANAGE)
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_administrator_unlocks_a_locked_account_and_it_is_recorded(
    org: Org, admin: User
) -> None:
    """The page lists the locked account with when it frees; unlocking lets its owner straight
    in, and the trail names who unlocked whom."""
    lock("owner")
    client = org.client(admin)
    text = page(client)
    assert "Account owner (PSD investigator, psd-1)" in text
    assert f'action="/accounts/manage/{org.owner.pk}/unlock/"' in text
    response = csrf_post(client, f"/accounts/manage/{org.owner.pk}/unlock/", {})
    assert response.status_code == 302
    assert "owner may sign in again" in page(client)
    assert try_sign_in("owner", PASSWORD, code_for(org.devices["owner"])).status_code == 302
    [event] = TrailEvent.objects.filter(action="unlock")
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        admin.pk,
        "user",
        str(org.owner.pk),
    )
    assert event.changes["lockouts"] == 1


@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=12)
def test_the_administrator_unlocks_an_address(org: Org, admin: User) -> None:
    """A sprayed address is listed apart from accounts, and can be let in again."""
    lock("ghost", "10.4.4.4")
    for n in range(7):
        try_sign_in(f"name{n}", "guess", "000000", "10.4.4.4")
    assert (
        try_sign_in("owner", PASSWORD, code_for(org.devices["owner"]), "10.4.4.4").status_code
        == 429
    )
    client = org.client(admin)
    text = page(client)
    assert "Network address 10.4.4.4" in text
    assert "Account ghost" not in text
    assert "Also locked: 1 name that is no account" in text
    response = csrf_post(client, "/accounts/manage/unlock-address/", {"address": "10.4.4.4"})
    assert response.status_code == 302
    assert (
        try_sign_in("owner", PASSWORD, code_for(org.devices["owner"]), "10.4.4.4").status_code
        == 302
    )
    [event] = TrailEvent.objects.filter(action="unlock")
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        admin.pk,
        "address",
        "10.4.4.4",
    )
    # An address that is not locked is answered as missing.
    again = csrf_post(client, "/accounts/manage/unlock-address/", {"address": "10.4.4.4"})
    assert again.status_code == 404


def test_the_administrator_records_a_force_user_id(org: Org, admin: User, analyst: User) -> None:
    """An analyst made without a force user id is flagged; the administrator records it, and
    the trail keeps the old and new values."""
    client = org.client(admin)
    text = page(client)
    assert "2 need one." in text  # the lead and the analyst
    response = csrf_post(
        client, f"/accounts/manage/{analyst.pk}/force-user-id/", {"force_user_id": "U001797"}
    )
    assert response.status_code == 302
    text = page(client)
    assert "analyst&#x27;s force user id is now U001797" in text
    assert 'value="U001797"' in text
    assert "1 needs one." in text
    assert User.objects.get(pk=analyst.pk).force_user_id == "U001797"
    [event] = TrailEvent.objects.filter(action="update", subject_type="user")
    assert event.actor_id == admin.pk
    assert event.changes == {"force_user_id": [None, "U001797"]}


def test_a_force_user_id_already_taken_is_refused_with_who_has_it(
    org: Org, admin: User, analyst: User
) -> None:
    """Two accounts in one force cannot share an id: the form says which account has it."""
    client = org.client(admin)
    csrf_post(client, f"/accounts/manage/{org.lead.pk}/force-user-id/", {"force_user_id": "U7"})
    response = csrf_post(
        client, f"/accounts/manage/{analyst.pk}/force-user-id/", {"force_user_id": "U7"}
    )
    assert response.status_code == 400
    assert "lead already has force user id U7 in force XF." in response.content.decode()
    assert User.objects.get(pk=analyst.pk).force_user_id is None


def test_the_administrators_home_shows_what_waits(org: Org, admin: User, analyst: User) -> None:
    """Home counts the locked accounts and the counter-corruption accounts without an id."""
    lock("owner")
    lock("colleague", "10.0.0.2")
    text = org.client(admin).get("/").content.decode()
    assert '<strong class="count">2</strong> locked accounts' in text
    assert '<strong class="count">0</strong> locked addresses' in text
    # The lead and the analyst: both review audit alerts, neither has a force user id.
    assert '<strong class="count">2</strong> counter-corruption accounts without' in text
    assert 'href="/accounts/manage/#locked"' in text


def test_only_administrators_see_the_accounts_link(org: Org, admin: User) -> None:
    """The navigation shows Accounts to administrators and to nobody else."""
    assert f'href="{MANAGE}"' in page(org.client(admin))
    for user in (org.outsider, org.lead, org.owner):
        assert f'href="{MANAGE}"' not in org.client(user).get("/").content.decode()


def test_the_outsider_and_other_roles_are_refused_and_recorded(org: Org, admin: User) -> None:
    """Attack: no one but an administrator may read the page, unlock or change an id; every try
    is refused (403), changes nothing and is on the trail."""
    lock("owner")
    for user in (org.outsider, org.lead, org.colleague, org.subject):
        client = org.client(user)
        assert client.get(MANAGE).status_code == 403, user.username
        unlock = csrf_post(client, f"/accounts/manage/{org.owner.pk}/unlock/", {})
        assert unlock.status_code == 403, user.username
        address = csrf_post(client, "/accounts/manage/unlock-address/", {"address": "10.0.0.1"})
        assert address.status_code == 403
        forced = csrf_post(
            client, f"/accounts/manage/{user.pk}/force-user-id/", {"force_user_id": "U1"}
        )
        assert forced.status_code == 403
        refused = TrailEvent.objects.filter(action="refused", actor_id=user.pk)
        assert refused.count() == 4, user.username
    assert not TrailEvent.objects.filter(action__in=["unlock", "update"]).exists()
    assert User.objects.filter(force_user_id="U1").count() == 0
    owner = try_sign_in("owner", PASSWORD, code_for(org.devices["owner"]), "10.0.0.3")
    assert owner.status_code == 429  # still locked


def test_a_missing_account_is_404_for_the_administrator(org: Org, admin: User) -> None:
    """An account id that does not exist is answered as missing, and the try is recorded."""
    client = org.client(admin)
    assert csrf_post(client, "/accounts/manage/999999/unlock/", {}).status_code == 404
    missing = csrf_post(client, "/accounts/manage/999999/force-user-id/", {"force_user_id": "U"})
    assert missing.status_code == 404
    assert (
        TrailEvent.objects.filter(action="refused", actor_id=admin.pk, subject_id="999999").count()
        == 2
    )


def test_the_page_needs_csrf_and_sign_in(org: Org, admin: User) -> None:
    """An unlock without the CSRF token is refused; an anonymous visitor is sent to sign in."""
    lock("owner")
    client = org.client(admin)
    assert client.post(f"/accounts/manage/{org.owner.pk}/unlock/").status_code == 403
    assert not TrailEvent.objects.filter(action="unlock").exists()
    anonymous = Client(enforce_csrf_checks=True).get(MANAGE)
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"{SIGN_IN}?next={MANAGE}"


def test_an_expired_lock_is_not_listed(org: Org, admin: User) -> None:
    """Once the cool-off has passed the account is no longer shown as locked."""
    lock("owner")
    later = timezone.now() + dt.timedelta(minutes=6)
    client = org.client(admin)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert "No account or address is locked out." in page(client)


def test_the_roles_that_need_a_force_user_id_are_the_audit_queues() -> None:
    """The accounts page asks for a force user id exactly where the audit queue needs one."""
    assert set(FORCE_ID_ROLES) == set(ALERT_ROLES)
