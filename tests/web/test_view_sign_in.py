"""Sign-in (`/accounts/sign-in/`) and sign-out: two factors, throttling, lock-out, idle expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodes.web.accounts.models import SignInThrottle, User
from custodes.web.accounts.throttle import name_key
from custodes.web.trail.chain import verify
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import PASSWORD, Org, code_for

SIGN_IN = "/accounts/sign-in/"
SIGN_OUT = "/accounts/sign-out/"
NOT_RIGHT = "Those details are not right."
LOCKED = "Too many failed sign-ins"
FIRST_LOCK = dt.timedelta(minutes=5)


@contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    """Move Django's clock to `at`."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def browser(ip: str = "10.0.0.1", forwarded_for: str | None = None) -> Client:
    """Return a fresh CSRF-enforcing client coming from `ip`, maybe through a proxy."""
    if forwarded_for is None:
        return Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=ip, HTTP_X_FORWARDED_FOR=forwarded_for)


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


def events(action: str, **where: Any) -> list[TrailEvent]:
    """Return the trail's events of one kind, oldest first."""
    return list(TrailEvent.objects.filter(action=action, **where).order_by("seq"))


def failures(user: User) -> int:
    """Return the failed sign-ins the trail holds against the account."""
    return len(events("sign-in-failed", subject_type="user", subject_id=str(user.pk)))


def signed_in(client: Client) -> bool:
    """Return whether the client's session gets the home page."""
    return bool(client.get("/").status_code == 200)


def text(response: Any) -> str:
    """Return a response's page as text."""
    return str(response.content.decode())


def test_the_form_asks_for_username_password_and_code(db: None) -> None:
    """The sign-in page has the three fields and a CSRF token, and is never cached."""
    response = browser().get(SIGN_IN)
    assert response.status_code == 200
    page = text(response)
    for name in ("username", "password", "otp_token", "csrfmiddlewaretoken"):
        assert f'name="{name}"' in page
    assert 'autocomplete="one-time-code"' in page
    assert "no-store" in response["Cache-Control"]


def test_password_and_code_sign_the_owner_in(org: Org) -> None:
    """The right password and current code sign in, and the sign-in is on the trail."""
    client = browser()
    response = attempt(client, "owner", PASSWORD, code_for(org.devices["owner"]))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in(client)
    [event] = events("sign-in", actor_id=org.owner.pk, subject_id=str(org.owner.pk))
    assert event.changes == {"address": "10.0.0.1"}


def test_a_wrong_code_with_the_right_password_fails_and_is_recorded(org: Org) -> None:
    """Password alone is not enough: a wrong code fails, and the trail says the code was wrong."""
    client = browser()
    response = attempt(client, "owner", PASSWORD, wrong(code_for(org.devices["owner"])))
    assert response.status_code == 200
    assert NOT_RIGHT in text(response)
    assert not signed_in(client)
    [event] = events("sign-in-failed")
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        None,
        "user",
        str(org.owner.pk),
    )
    assert event.changes == {"address": "10.0.0.1", "factor": "code"}


def test_a_wrong_password_fails_with_the_same_words_and_is_recorded(org: Org) -> None:
    """A wrong password gets the same message as a wrong code, so neither is confirmed."""
    client = browser()
    response = attempt(client, "owner", "not the password", code_for(org.devices["owner"]))
    assert response.status_code == 200
    assert NOT_RIGHT in text(response)
    assert not signed_in(client)
    assert [e.changes["factor"] for e in events("sign-in-failed")] == ["password"]


def test_a_password_without_a_code_is_refused_unchecked(org: Org) -> None:
    """Without a code the password is not even checked, so the reply reveals nothing about it."""
    right = attempt(browser(), "owner", PASSWORD, None)
    bad = attempt(browser(), "owner", "not the password", None)
    for response in (right, bad):
        assert response.status_code == 200
        assert "This field is required." in text(response)
        assert NOT_RIGHT not in text(response)
    assert failures(org.owner) == 0
    assert not events("sign-in")


def test_a_name_that_is_no_account_is_told_the_same_and_kept_only_as_a_pseudonym(
    db: None,
) -> None:
    """A password typed into the name box is never stored: the trail keeps a keyed pseudonym."""
    typed = "Tr0ub4dor&3-typed-in-the-wrong-box"
    response = attempt(browser(), typed, PASSWORD, "123456")
    assert NOT_RIGHT in text(response)
    [event] = events("sign-in-failed")
    assert event.subject_type == "sign-in-name"
    assert len(event.subject_id) == 32
    assert typed not in event.subject_id
    again = attempt(browser("10.0.0.2"), typed, PASSWORD, "123456")
    assert NOT_RIGHT in text(again)
    assert events("sign-in-failed")[1].subject_id == event.subject_id  # stable, so countable
    everything = " ".join(
        f"{e.subject_id} {e.reason} {e.changes}" for e in TrailEvent.objects.all()
    )
    assert typed not in everything
    assert verify() == []


def test_an_inactive_account_cannot_sign_in(org: Org) -> None:
    """A deactivated account is refused even with the right password and code."""
    User.objects.filter(pk=org.owner.pk).update(is_active=False)
    client = browser()
    response = attempt(client, "owner", PASSWORD, code_for(org.devices["owner"]))
    assert NOT_RIGHT in text(response)
    assert not signed_in(client)


def test_a_replayed_code_is_refused(org: Org) -> None:
    """A code already used to sign in cannot be used again, even with the right password."""
    code = code_for(org.devices["owner"])
    first = browser()
    assert attempt(first, "owner", PASSWORD, code).status_code == 302
    second = browser("10.0.0.2")
    response = attempt(second, "owner", PASSWORD, code)
    assert NOT_RIGHT in text(response)
    assert not signed_in(second)
    assert failures(org.owner) == 1


def test_the_next_code_signs_in_a_second_session(org: Org) -> None:
    """The code of the next 30-second step is accepted after the current one was used."""
    assert attempt(browser(), "owner", PASSWORD, code_for(org.devices["owner"])).status_code == 302
    assert attempt(browser(), "owner", PASSWORD, next_code(org.owner)).status_code == 302


def lock_out(client: Client, org: Org, name: str = "owner") -> Any:
    """Fail five times with `name`, alternating a wrong password and a wrong code."""
    user = User.objects.get(username=name)
    before = failures(user)
    code = code_for(org.devices[name])
    for n in range(1, 6):
        if n % 2:
            response = attempt(client, name, "not the password", code)
        else:
            response = attempt(client, name, PASSWORD, wrong(code))
        if n < 5:
            assert NOT_RIGHT in text(response), n
    assert response.status_code == 429
    assert LOCKED in text(response)
    assert failures(user) - before == 5
    return response


def test_five_failures_lock_the_account_even_against_the_right_details(org: Org) -> None:
    """After five failures the right password and code get the locked-out page, unchecked."""
    assert settings.LOGIN_FAILURE_LIMIT == 5
    client = browser()
    lock_out(client, org)
    [locked] = events("lock-out")
    assert (locked.subject_type, locked.subject_id) == ("user", str(org.owner.pk))
    response = attempt(client, "owner", PASSWORD, code_for(org.devices["owner"]))
    assert response.status_code == 429
    assert LOCKED in text(response)
    assert not signed_in(client)
    [blocked] = events("sign-in-blocked")
    assert (blocked.subject_type, blocked.subject_id) == ("user", str(org.owner.pk))
    assert list(blocked.changes["locked"]) == ["account"]
    assert failures(org.owner) == 5  # the blocked try was not counted


def test_the_lock_holds_for_the_name_from_another_address(org: Org) -> None:
    """A locked account name stays locked when the next try comes from elsewhere."""
    lock_out(browser("10.0.0.1"), org)
    elsewhere = browser("10.0.0.2")
    response = attempt(elsewhere, "owner", PASSWORD, code_for(org.devices["owner"]))
    assert response.status_code == 429
    assert not signed_in(elsewhere)


def test_an_insider_behind_the_office_proxy_cannot_lock_out_colleagues(org: Org) -> None:
    """Attack: from the address the whole unit shares, an insider fails again and again on
    several colleagues' names and locks one of them; everyone else still signs in from it."""
    proxy = "10.20.0.1"
    insider = browser(proxy)
    for name in ("colleague", "lead", "outsider"):
        for _ in range(4):
            assert NOT_RIGHT in text(attempt(insider, name, "guess", "000000"))
    lock_out(insider, org, "subject")  # and locks one colleague's name outright
    assert len(events("sign-in-failed")) == 17
    for name in ("owner", "colleague", "lead", "outsider"):
        colleague = browser(proxy)
        response = attempt(colleague, name, PASSWORD, code_for(org.devices[name]))
        assert response.status_code == 302, (name, text(response)[:400])
        assert signed_in(colleague)
    # The one locked is told it is their account name, not the address.
    locked = attempt(browser(proxy), "subject", PASSWORD, code_for(org.devices["subject"]))
    assert locked.status_code == 429
    assert "account name" in text(locked) and "network address" not in text(locked)


@override_settings(LOGIN_LOCKOUT=dt.timedelta(minutes=15))
def test_hammering_a_locked_account_does_not_extend_the_lock(org: Org) -> None:
    """Attack: tries during a lock-out are refused unchecked and uncounted, so they cannot hold
    it; the owner signs in with the right details the moment the cool-off ends."""
    code = code_for(org.devices["owner"])
    start = timezone.now()
    attacker = browser("10.6.6.6")
    with clock(start):
        lock_out(attacker, org)
    cool_off = dt.timedelta(minutes=15)
    for seconds in range(60, int(cool_off.total_seconds()), 60):
        with clock(start + dt.timedelta(seconds=seconds)):
            response = attempt(attacker, "owner", "guess", code)
            assert response.status_code == 429, seconds
    with clock(start + cool_off - dt.timedelta(seconds=1)):
        # Even the right details are not checked during the lock-out.
        assert attempt(browser(), "owner", PASSWORD, code).status_code == 429
    owner = browser("10.0.0.5")
    with clock(start + cool_off + dt.timedelta(seconds=1)):
        response = attempt(owner, "owner", PASSWORD, code)
        assert response.status_code == 302
        assert signed_in(owner)
    assert len(events("sign-in-blocked")) == 15
    assert failures(org.owner) == 5
    assert len(events("lock-out")) == 1


def test_repeated_lock_outs_last_longer_up_to_the_cap(org: Org) -> None:
    """Each lock-out in a row lasts twice as long as the last, never longer than the cap; a
    successful sign-in starts the back-off again."""
    assert settings.LOGIN_LOCKOUT == FIRST_LOCK
    assert dt.timedelta(minutes=60) == settings.LOGIN_LOCKOUT_MAX
    at = timezone.now()
    lengths = []
    for _ in range(6):
        with clock(at):
            lock_out(browser(), org)
        until = dt.datetime.fromisoformat(events("lock-out")[-1].changes["until"])
        lengths.append(round((until - at).total_seconds() / 60))
        with clock(until - dt.timedelta(seconds=1)):
            assert attempt(browser(), "owner", PASSWORD, "000000").status_code == 429
        at = until + dt.timedelta(seconds=1)
    assert lengths == [5, 10, 20, 40, 60, 60]
    with clock(at):
        assert (
            attempt(browser(), "owner", PASSWORD, code_for(org.devices["owner"])).status_code == 302
        )
    with clock(at + dt.timedelta(minutes=1)):
        lock_out(browser(), org)
    until = dt.datetime.fromisoformat(events("lock-out")[-1].changes["until"])
    assert until - (at + dt.timedelta(minutes=1)) == FIRST_LOCK


def test_failures_far_apart_do_not_add_up(org: Org) -> None:
    """Four slips an hour apart, day after day, never lock the account."""
    at = timezone.now()
    for n in range(12):
        with clock(at + n * dt.timedelta(minutes=61)):
            response = attempt(browser(), "owner", "typo", "000000")
            assert NOT_RIGHT in text(response), n
    assert not events("lock-out")


def test_who_failed_from_where_is_kept_no_longer_than_the_throttle_needs(org: Org) -> None:
    """Failures and lock-outs long past are deleted from the throttle's table (the trail keeps
    its own record), while a lock-out still in force is kept."""
    at = timezone.now()
    with clock(at):
        lock_out(browser("10.1.1.1"), org)
        attempt(browser("10.1.1.2"), "colleague", "typo", "000000")
    assert SignInThrottle.objects.count() == 4  # two names, two addresses
    with clock(at + dt.timedelta(days=1, minutes=6)):
        attempt(browser("10.1.1.3"), "lead", "typo", "000000")
    assert sorted(SignInThrottle.objects.values_list("kind", "key")) == [
        ("account", name_key("lead")),
        ("address", "10.1.1.3"),
    ]


@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=30)
def test_the_address_ceiling_stops_a_spray_of_many_names(org: Org) -> None:
    """Attack: one address trying a few guesses each at many names is stopped at the ceiling;
    the page says it is the address, and other addresses are not affected."""
    sprayer = browser("10.9.9.9")
    names = [f"user{n:02d}" for n in range(15)]
    for n in range(29):
        response = attempt(sprayer, names[n % 15], "Spring2026!", "000000")
        assert NOT_RIGHT in text(response), n
    response = attempt(sprayer, names[0], "Spring2026!", "000000")
    assert response.status_code == 429
    page = text(response)
    assert "network address (10.9.9.9)" in page
    assert "This does not mean your account is locked" in page
    assert "The account name" not in page
    [locked] = events("lock-out")
    assert (locked.subject_type, locked.subject_id) == ("address", "10.9.9.9")
    # Nothing more from there is checked, even the right details for a real account.
    assert attempt(sprayer, "owner", PASSWORD, code_for(org.devices["owner"])).status_code == 429
    elsewhere = browser("10.9.9.10")
    assert attempt(elsewhere, "owner", PASSWORD, code_for(org.devices["owner"])).status_code == 302


def test_the_locked_page_says_which_name_and_until_when(org: Org) -> None:
    """The page names the locked account name and the time it frees, and reads the same for a
    name that is no account, so it tells nobody which names exist."""
    at = timezone.now().replace(microsecond=0)
    pages = {}
    for name in ("owner", "no-such-person"):
        client = browser()
        with clock(at):
            for _ in range(5):
                response = attempt(client, name, "guess", "000000")
        assert response.status_code == 429
        pages[name] = text(response)
    until = (at + FIRST_LOCK).strftime("%Y-%m-%d %H:%M")
    for name, page in pages.items():
        assert f"The account name <strong>{name}</strong> is locked until" in page
        assert f"<strong>{until} UTC</strong> (about 5 minutes)" in page
        assert "network address" not in page
    assert pages["owner"].replace("owner", "NAME") == pages["no-such-person"].replace(
        "no-such-person", "NAME"
    )


def test_a_forged_forwarded_header_is_ignored_by_default(org: Org) -> None:
    """Attack: with no trusted proxy, X-Forwarded-For is the client's own words: a new made-up
    address on every try does not escape the address ceiling, nor frame someone else."""
    assert settings.TRUSTED_PROXY_HOPS == 0
    with override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=8):
        for n in range(8):
            client = browser("10.7.7.7", forwarded_for=f"192.0.2.{n}")
            response = attempt(client, f"name{n}", "guess", "000000")
        assert response.status_code == 429
        assert "network address (10.7.7.7)" in text(response)
    assert {e.changes["address"] for e in events("sign-in-failed")} == {"10.7.7.7"}


@override_settings(TRUSTED_PROXY_HOPS=1, LOGIN_ADDRESS_FAILURE_LIMIT=8)
def test_behind_one_trusted_proxy_the_address_is_the_one_it_saw(org: Org) -> None:
    """Behind one trusted proxy the client is the address the proxy appended; whatever the
    client put before it is ignored, so a spray from one machine is still one address."""
    proxy = "10.0.0.254"
    for n in range(8):
        forged = f"198.51.100.{n}, 172.16.5.5"
        response = attempt(browser(proxy, forwarded_for=forged), f"n{n}", "x", "000000")
    assert response.status_code == 429
    assert "network address (172.16.5.5)" in text(response)
    # A colleague behind the same proxy, at another machine, is not held by it.
    colleague = browser(proxy, forwarded_for="172.16.5.6")
    assert attempt(colleague, "owner", PASSWORD, code_for(org.devices["owner"])).status_code == 302
    assert events("sign-in")[-1].changes == {"address": "172.16.5.6"}


def test_an_ipv6_client_is_one_address_across_its_network(org: Org) -> None:
    """An IPv6 host can take any address in its /64, so the /64 is what is counted."""
    with override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=6):
        for n in range(6):
            response = attempt(browser(f"2001:db8:1:2::{n + 1:x}"), f"n{n}", "x", "000000")
    assert response.status_code == 429
    assert "network address (2001:db8:1:2::/64)" in text(response)


def test_the_deep_link_is_followed_after_sign_in(org: Org) -> None:
    """A link from an alert that needed signing in lands on that page afterwards."""
    client = browser()
    first = client.get(f"/cases/{org.case.reference}/?tab=parties")
    assert first.status_code == 302
    assert first["Location"].startswith(SIGN_IN + "?next=")
    client.get(first["Location"])
    response = client.post(
        first["Location"],
        {
            "username": "owner",
            "password": PASSWORD,
            "otp_token": code_for(org.devices["owner"]),
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{org.case.reference}/?tab=parties"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/steal",
        "//evil.example/steal",
        "/\\evil.example/steal",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
    ],
)
def test_a_next_to_another_site_goes_home_instead(org: Org, target: str) -> None:
    """Attack: a crafted sign-in link cannot send the user on to another site."""
    client = browser()
    client.get(SIGN_IN)
    response = client.post(
        SIGN_IN + "?" + f"next={target}",
        {
            "username": "owner",
            "password": PASSWORD,
            "otp_token": code_for(org.devices["owner"]),
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


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
    assert failures(org.owner) == 0


def test_sign_out_needs_the_csrf_token(org: Org) -> None:
    """A sign-out POST without the token is refused and the session survives."""
    client = org.client(org.owner)
    assert client.post(SIGN_OUT).status_code == 403
    assert signed_in(client)
    assert not events("sign-out")


@pytest.mark.parametrize("method", ["get", "head"])
def test_sign_out_is_post_only(org: Org, method: str) -> None:
    """A link or prefetch cannot sign anyone out."""
    client = org.client(org.owner)
    assert getattr(client, method)(SIGN_OUT).status_code == 405
    assert signed_in(client)


def test_sign_out_ends_the_session_and_is_recorded(org: Org) -> None:
    """Signing out returns to the sign-in page, the case is no longer served, and the trail
    records who signed out."""
    client = org.client(org.owner)
    token = client.cookies["csrftoken"].value
    response = client.post(SIGN_OUT, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert client.get(f"/cases/{org.case.reference}/").status_code == 302
    [event] = events("sign-out")
    assert (event.actor_id, event.subject_id) == (org.owner.pk, str(org.owner.pk))
