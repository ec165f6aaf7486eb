"""Sign-in (`/accounts/sign-in/`) and sign-out: two factors, throttling, lock-out, idle expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodes.web.accounts.models import User
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import PASSWORD, Org, code_for

SIGN_IN = "/accounts/sign-in/"
SIGN_OUT = "/accounts/sign-out/"
NOT_RIGHT = "Those details are not right."
LOCKED = "Too many failed sign-ins"


@contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    """Move Django's clock, and the one axes stamps attempts with, to `at`."""
    with (
        mock.patch("django.utils.timezone.now", return_value=at),
        mock.patch("axes.handlers.proxy.now", return_value=at),
    ):
        yield


def browser(ip: str = "10.0.0.1") -> Client:
    """Return a fresh CSRF-enforcing client coming from `ip`."""
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)


def attempt(client: Client, username: str, password: str, code: str | None) -> Any:
    """Submit the sign-in form the way a browser does, CSRF token included."""
    if "csrftoken" not in client.cookies:
        client.get(SIGN_IN)
    data = {
        "username": username,
        "password": password,
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
    }
    if code is not None:
        data["otp_token"] = code
    return client.post(SIGN_IN, data)


def wrong(code: str) -> str:
    """Return a six-digit code that is not `code`."""
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def next_code(user: User) -> str:
    """Return the code the user's authenticator will show in the next 30-second step."""
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + 1):06d}"


def failures(username: str) -> int:
    """Return the failed sign-ins axes has counted against `username`."""
    return sum(
        AccessAttempt.objects.filter(username=username).values_list(
            "failures_since_start", flat=True
        )
    )


def signed_in(client: Client) -> bool:
    """Return whether the client's session gets the home page."""
    return bool(client.get("/").status_code == 200)


def test_the_form_asks_for_username_password_and_code(db: None) -> None:
    """The sign-in page has the three fields and a CSRF token, and is never cached."""
    response = browser().get(SIGN_IN)
    assert response.status_code == 200
    text = response.content.decode()
    for name in ("username", "password", "otp_token", "csrfmiddlewaretoken"):
        assert f'name="{name}"' in text
    assert 'autocomplete="one-time-code"' in text
    assert "no-store" in response["Cache-Control"]


def test_password_and_code_sign_the_owner_in(org: Org) -> None:
    """The right password and current code sign in, and the sign-in is on the trail."""
    client = browser()
    response = attempt(client, "owner", PASSWORD, code_for(org.devices["owner"]))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in(client)
    assert (
        TrailEvent.objects.filter(
            action="sign-in", actor_id=org.owner.pk, subject_id=str(org.owner.pk)
        ).count()
        == 1
    )


def test_a_wrong_code_with_the_right_password_fails_and_is_counted(org: Org) -> None:
    """Password alone is not enough: a wrong code fails and counts towards the lock-out."""
    client = browser()
    response = attempt(client, "owner", PASSWORD, wrong(code_for(org.devices["owner"])))
    assert response.status_code == 200
    assert NOT_RIGHT in response.content.decode()
    assert not signed_in(client)
    assert failures("owner") == 1


def test_a_wrong_password_fails_with_the_same_words_and_is_counted(org: Org) -> None:
    """A wrong password gets the same message as a wrong code, so neither is confirmed."""
    client = browser()
    response = attempt(client, "owner", "not the password", code_for(org.devices["owner"]))
    assert response.status_code == 200
    assert NOT_RIGHT in response.content.decode()
    assert not signed_in(client)
    assert failures("owner") == 1


def test_a_password_without_a_code_is_refused_unchecked(org: Org) -> None:
    """Without a code the password is not even checked, so the reply reveals nothing about it."""
    right = attempt(browser(), "owner", PASSWORD, None)
    bad = attempt(browser(), "owner", "not the password", None)
    for response in (right, bad):
        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        assert NOT_RIGHT not in response.content.decode()
    assert failures("owner") == 0
    assert not TrailEvent.objects.filter(action="sign-in").exists()


def test_an_unknown_username_is_counted_and_told_the_same(db: None) -> None:
    """Guessing a username fails with the same message and counts against that name."""
    response = attempt(browser(), "nobody", PASSWORD, "123456")
    assert NOT_RIGHT in response.content.decode()
    assert failures("nobody") == 1


def test_an_inactive_account_cannot_sign_in(org: Org) -> None:
    """A deactivated account is refused even with the right password and code."""
    User.objects.filter(pk=org.owner.pk).update(is_active=False)
    client = browser()
    response = attempt(client, "owner", PASSWORD, code_for(org.devices["owner"]))
    assert NOT_RIGHT in response.content.decode()
    assert not signed_in(client)


def test_a_replayed_code_is_refused(org: Org) -> None:
    """A code already used to sign in cannot be used again, even with the right password."""
    code = code_for(org.devices["owner"])
    first = browser()
    assert attempt(first, "owner", PASSWORD, code).status_code == 302
    second = browser("10.0.0.2")
    response = attempt(second, "owner", PASSWORD, code)
    assert NOT_RIGHT in response.content.decode()
    assert not signed_in(second)
    assert failures("owner") == 1


def test_the_next_code_signs_in_a_second_session(org: Org) -> None:
    """The code of the next 30-second step is accepted after the current one was used."""
    assert attempt(browser(), "owner", PASSWORD, code_for(org.devices["owner"])).status_code == 302
    assert attempt(browser(), "owner", PASSWORD, next_code(org.owner)).status_code == 302


def lock_out(client: Client, org: Org) -> None:
    """Fail five times as the owner, alternating a wrong password and a wrong code."""
    code = code_for(org.devices["owner"])
    for n in range(1, 6):
        if n % 2:
            response = attempt(client, "owner", "not the password", code)
        else:
            response = attempt(client, "owner", PASSWORD, wrong(code))
        if n < 5:
            assert NOT_RIGHT in response.content.decode(), n
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_five_failures_lock_the_account_even_against_the_right_details(org: Org) -> None:
    """After five failures the right password and code get the locked-out page."""
    assert settings.AXES_FAILURE_LIMIT == 5
    client = browser()
    lock_out(client, org)
    response = attempt(client, "owner", PASSWORD, code_for(org.devices["owner"]))
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not signed_in(client)


def test_the_lock_holds_for_the_username_from_another_address(org: Org) -> None:
    """A locked username stays locked when the next try comes from elsewhere."""
    lock_out(browser("10.0.0.1"), org)
    elsewhere = browser("10.0.0.2")
    response = attempt(elsewhere, "owner", PASSWORD, code_for(org.devices["owner"]))
    assert response.status_code == 429
    assert not signed_in(elsewhere)


def test_an_address_trying_many_names_is_locked(org: Org) -> None:
    """Five failures under five names from one address lock that address out."""
    client = browser("10.0.0.9")
    for name in ("a1", "a2", "a3", "a4", "a5"):
        last = attempt(client, name, "guess", "000000")
    assert last.status_code == 429
    response = attempt(client, "owner", PASSWORD, code_for(org.devices["owner"]))
    assert response.status_code == 429
    other = browser("10.0.0.10")
    assert attempt(other, "owner", PASSWORD, code_for(org.devices["owner"])).status_code == 302


def test_the_lock_out_expires(org: Org) -> None:
    """The lock lasts the cool-off time from the last try, then the right details work again."""
    cool_off = settings.AXES_COOLOFF_TIME
    assert isinstance(cool_off, dt.timedelta)
    assert cool_off == dt.timedelta(minutes=15)
    code = code_for(org.devices["owner"])
    start = timezone.now()
    client = browser()
    with clock(start):
        lock_out(client, org)
    just_before = start + cool_off - dt.timedelta(minutes=1)
    with clock(just_before):
        # A try during the lock-out is refused and starts the cool-off again.
        assert attempt(client, "owner", PASSWORD, code).status_code == 429
    with clock(just_before + cool_off + dt.timedelta(seconds=1)):
        response = attempt(client, "owner", PASSWORD, code)
        assert response.status_code == 302
        assert signed_in(client)
    assert failures("owner") == 0  # AXES_RESET_ON_SUCCESS


def test_an_idle_session_is_signed_out(org: Org) -> None:
    """Each request pushes the expiry on; a session left idle longer than that is ended."""
    idle = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert settings.SESSION_SAVE_EVERY_REQUEST
    client = org.client(org.owner)
    start = timezone.now()
    with clock(start + idle - dt.timedelta(seconds=30)):
        assert signed_in(client)
    with clock(start + 2 * idle - dt.timedelta(seconds=60)):
        assert signed_in(client)  # still in use, so still alive
    with clock(start + 3 * idle):
        response = client.get(f"/cases/{org.case.reference}/")
        assert response.status_code == 302
        assert response["Location"].startswith(SIGN_IN)


def test_sign_in_without_the_csrf_token_is_refused(org: Org) -> None:
    """A sign-in POST without the CSRF token is refused before any password is checked."""
    client = browser()
    client.get(SIGN_IN)
    response = client.post(
        SIGN_IN,
        {"username": "owner", "password": PASSWORD, "otp_token": code_for(org.devices["owner"])},
    )
    assert response.status_code == 403
    assert not signed_in(client)
    assert failures("owner") == 0


def test_sign_out_needs_the_csrf_token(org: Org) -> None:
    """A sign-out POST without the token is refused and the session survives."""
    client = org.client(org.owner)
    assert client.post(SIGN_OUT).status_code == 403
    assert signed_in(client)


@pytest.mark.parametrize("method", ["get", "head"])
def test_sign_out_is_post_only(org: Org, method: str) -> None:
    """A link or prefetch cannot sign anyone out."""
    client = org.client(org.owner)
    assert getattr(client, method)(SIGN_OUT).status_code == 405
    assert signed_in(client)


def test_sign_out_ends_the_session(org: Org) -> None:
    """Signing out returns to the sign-in page and the case is no longer served."""
    client = org.client(org.owner)
    token = client.cookies["csrftoken"].value
    response = client.post(SIGN_OUT, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert client.get(f"/cases/{org.case.reference}/").status_code == 302
