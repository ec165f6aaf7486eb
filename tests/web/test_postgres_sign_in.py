"""Sign-in throttling on PostgreSQL as the application's own role, which RLS binds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from psycopg import sql

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, SignInThrottle
from custodes.web.trail.chain import verify
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import PASSWORD, Org, code_for, csrf_post

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

SIGN_IN = "/accounts/sign-in/"


@contextmanager
def as_app_role() -> Iterator[None]:
    """Run the block's requests as the application's role; undo all of it after."""
    with transaction.atomic(), connection.cursor() as cursor:
        connection.ensure_connection()
        role = sql.Identifier(settings.DB_APP_ROLE).as_string(connection.connection)
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (settings.DB_APP_ROLE,)
        yield
        transaction.set_rollback(True)


def try_sign_in(name: str, password: str, code: str, ip: str = "10.0.0.1") -> int:
    """Submit the sign-in form from a fresh browser at `ip`; return the status."""
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)
    client.get(SIGN_IN)
    data = {"username": name, "password": password, "otp_token": code}
    return int(csrf_post(client, SIGN_IN, data).status_code)


def test_the_app_role_locks_out_unlocks_and_lets_the_owner_in(org: Org) -> None:
    """As the role the web app runs as: five failures lock the name, a blocked try is refused
    unchecked, the administrator unlocks it and the owner signs in; all on the trail."""
    admin, device = create_user(
        None, "admin", PASSWORD, role=Role.ADMINISTRATOR, force="XF", unit="it"
    )
    org.devices["admin"] = device
    start = TrailEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    with as_app_role():
        for _ in range(5):
            status = try_sign_in("owner", "guess", "000000")
        assert status == 429
        assert try_sign_in("owner", PASSWORD, code_for(org.devices["owner"])) == 429
        assert SignInThrottle.objects.filter(user=org.owner, lockouts=1).exists()
        client = org.client(admin)
        assert csrf_post(client, f"/accounts/manage/{org.owner.pk}/unlock/", {}).status_code == 302
        assert try_sign_in("owner", PASSWORD, code_for(org.devices["owner"])) == 302
        with connection.cursor() as cursor:
            # The trail is read as its owner: the application's role may only append to it.
            cursor.execute("RESET ROLE")
        actions = list(
            TrailEvent.objects.filter(
                seq__gt=start, subject_type="user", subject_id=str(org.owner.pk)
            )
            .order_by("seq")
            .values_list("action", flat=True)
        )
        assert actions == [
            *["sign-in-failed"] * 5,
            "lock-out",
            "sign-in-blocked",
            "unlock",
            "sign-in",
        ]
        assert verify() == []
