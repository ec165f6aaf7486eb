"""Staff around a member of staff who is vetted: vetting officers near them and one who is not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice
from psycopg import sql

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.models import Role, User
from custodes.web.vetting.access import get_clearance_for_user, get_task_for_user
from tests.web.conftest import PASSWORD


@dataclass
class Staff:
    """A constable who is vetted, the vetting officers around them, and one far from them."""

    vetter: User  # a vetting officer in another unit, with no tie to the constable
    subject: User  # the constable, a vetting officer themselves (to be refused their own task)
    manager: User  # the constable's line manager, a vetting officer
    colleague: User  # a vetting officer in the constable's unit
    outsider: User  # a PSD investigator: does not use vetting
    devices: dict[str, TOTPDevice] = field(default_factory=dict)

    @property
    def refused(self) -> list[User]:
        """Return everyone who must not see a record about the constable."""
        return [self.subject, self.manager, self.colleague, self.outsider]


def make_staff() -> Staff:
    """Create the staff through the real action."""
    devices: dict[str, TOTPDevice] = {}

    def make(
        username: str, role: Role, unit: str, force_user_id: str, manager: User | None = None
    ) -> User:
        user, device = create_user(
            None,
            username,
            PASSWORD,
            role=role,
            force="XF",
            unit=unit,
            line_manager=manager,
            force_user_id=force_user_id,
        )
        devices[username] = device
        return user

    vetter = make("vet-officer", Role.VETTING_OFFICER, "vetting", "V900")
    manager = make("vet-manager", Role.VETTING_OFFICER, "response-command", "V101")
    subject = make("vet-subject", Role.VETTING_OFFICER, "response-1", "V100", manager)
    colleague = make("vet-colleague", Role.VETTING_OFFICER, "response-1", "V102")
    outsider = make("vet-outsider", Role.PSD_INVESTIGATOR, "psd-2", "V103")
    return Staff(vetter, subject, manager, colleague, outsider, devices)


@pytest.fixture(name="staff")
def staff_fixture(db: None) -> Staff:
    """Return the staff around the vetted constable."""
    return make_staff()


@staff_view
def _task_page(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_user(request_user(request), pk)
    return HttpResponse(task.summary)


@staff_view
def _clearance_page(request: HttpRequest, pk: int) -> HttpResponse:
    clearance = get_clearance_for_user(request_user(request), pk)
    return HttpResponse(clearance.level)


def open_as(user: User, what: str, pk: int) -> HttpResponse:
    """Open a task or clearance as a page would: through the access helper, under
    `staff_view`, which answers a refusal with a 404 and records it on the trail (vetting has
    no pages yet)."""
    request = RequestFactory().get(f"/vetting/{what}/{pk}/")
    user.is_verified = lambda: True  # type: ignore[attr-defined]  # signed in with a second factor
    request.user = user
    view = _task_page if what == "tasks" else _clearance_page
    return view(request, pk)


@contextmanager
def under_rls(user: User) -> Iterator[None]:
    """Run the block as the application's role on behalf of `user` where row-level security
    binds it (PostgreSQL), keeping what the block writes for the rest of the test (whose own
    transaction takes it back); on SQLite, just run it.

    Unlike `test_postgres_security.as_app`, which undoes the block, so a test can take an
    action's steps as the web app would and then read the trail as the owner.
    """
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    role = sql.Identifier(settings.DB_APP_ROLE).as_string(connection.connection)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute("SELECT set_config('custodes.user_id', %s, true)", [str(user.pk)])
        yield
        # Back to the owner for the rest of the test's transaction.
        cursor.execute("SET LOCAL ROLE NONE")
        cursor.execute("SELECT set_config('custodes.user_id', '', true)")
