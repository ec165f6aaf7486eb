"""The web test base: an owner, a colleague and an outsider, signed in for real."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.cases.actions import add_member, open_case
from custodes.web.cases.models import Case


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, leave out the tests marked `own_sqlite`: their server runs on its own
    SQLite file whatever the suite's database, so the SQLite pass ran exactly them already."""
    if connection.vendor != "postgresql":
        return
    left = [item for item in items if item.get_closest_marker("own_sqlite")]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = [item for item in items if not item.get_closest_marker("own_sqlite")]


PASSWORD = "correct horse battery staple"  # noqa: S105 - a test account's password


def code_for(device: TOTPDevice) -> str:
    """Return the TOTP code the user's authenticator shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def sign_in(client: Client, user: User, device: TOTPDevice) -> None:
    """Sign in through the real form, password and TOTP code, with CSRF enforced."""
    client.get("/accounts/sign-in/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/sign-in/",
        {
            "username": user.username,
            "password": PASSWORD,
            "otp_token": code_for(device),
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]


def unmasked(page: bytes) -> bytes:
    """Return a page with its CSRF tokens blanked: Django masks them afresh on every render."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b'name="csrfmiddlewaretoken"', page)


def csrf_post(client: Client, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    """POST with the CSRF token a browser would send."""
    if "csrftoken" not in client.cookies:
        client.get("/accounts/sign-in/")
    data = {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    return client.post(url, data)


@dataclass
class Org:
    """A small force: a lead, a case team, an outsider and the officer the case is about."""

    lead: User
    owner: User
    colleague: User
    outsider: User
    subject: User
    subject_manager: User
    devices: dict[str, TOTPDevice]
    case: Case

    def client(self, user: User) -> Client:
        """Return a CSRF-enforcing client signed in as `user`."""
        client = Client(enforce_csrf_checks=True)
        sign_in(client, user, self.devices[user.username])
        return client


@pytest.fixture
def org(db: None) -> Org:
    devices: dict[str, TOTPDevice] = {}

    def make(username: str, role: Role, unit: str, manager: User | None = None) -> User:
        user, device = create_user(
            None, username, PASSWORD, role=role, force="XF", unit=unit, line_manager=manager
        )
        devices[username] = device
        return user

    lead = make("lead", Role.CC_LEAD, "acu")
    owner = make("owner", Role.PSD_INVESTIGATOR, "psd-1", lead)
    colleague = make("colleague", Role.PSD_INVESTIGATOR, "psd-1", lead)
    outsider = make("outsider", Role.PSD_INVESTIGATOR, "psd-2", lead)
    sergeant = make("sergeant", Role.INTAKE_HANDLER, "response-north-1")
    subject = make("subject", Role.INTAKE_HANDLER, "response-north-1", sergeant)
    case = open_case(owner, "PSD-2025-0001", "Unexplained look-ups", subject)
    add_member(owner, case, colleague)
    return Org(lead, owner, colleague, outsider, subject, sergeant, devices, case)
