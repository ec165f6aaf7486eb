"""The reporting portal's rows under PostgreSQL's own guard, as the attacks it stops.

The portal's role (the portal host's database login) reads no table: only the one report a
receipt's lookup opens, through security-definer functions; it adds reports, follow-ups and
files, and touches nothing of cases, accounts or the trail. The staff app's role reads a report
only for a user who handles reports, once it was taken in, and never for the officer it names,
their line manager or a colleague in their unit. A dump of the portal's tables shows nothing a
reporter wrote.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg import sql
from pytest_django import Settings

from custodes.crypto import new_key_line
from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.portal.actions import (
    Upload,
    add_followup,
    open_with_receipt,
    reporter_view,
    submit_report,
)
from custodes.web.portal.handling import handler_message
from custodes.web.portal.models import Report, ReportMessage
from custodes.web.portal.receipts import receipt_lookup
from custodes.web.reports.models import Intake, NamedStaff

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

PASSWORD = "a long enough password for tests"  # noqa: S105
WHAT = "Constable Ruddington-Vale asked me for sex after the burglary call"
FOLLOWUP = "He messaged me again from his personal phone"
REPLY = "Thank you. Are you safe now?"
FILE_TEXT = b"Screenshot notes: Ruddington-Vale, 11pm, personal number\n"


def quoted(name: str) -> str:
    connection.ensure_connection()
    return sql.Identifier(name).as_string(connection.connection)


@contextmanager
def as_role(role: str, user: User | None = None) -> Iterator[Any]:
    """Run the block as `role` (for the staff app's, on behalf of `user`); undo all of it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {quoted(role)}")
        cursor.execute(
            "SELECT set_config('custodes.user_id', %s, true)",
            ["" if user is None else str(user.pk)],
        )
        yield cursor
        transaction.set_rollback(True)


def refused(cursor: Any, statement: str, params: list[Any] | None = None) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        cursor.execute(statement, params)
    return str(caught.value)


@pytest.fixture
def keys(settings: Settings) -> Settings:
    settings.FIELD_KEYS = new_key_line(1)
    return settings


@pytest.fixture
def people(db: None) -> dict[str, User]:
    def make(name: str, role: Role, unit: str, manager: User | None = None) -> User:
        user, _ = create_user(
            None, name, PASSWORD, role=role, force="XF", unit=unit, line_manager=manager
        )
        return user

    manager = make("inspector", Role.INTAKE_HANDLER, "response-south")
    officer = make("officer", Role.INTAKE_HANDLER, "response-north", manager)
    colleague = make("colleague", Role.INTAKE_HANDLER, "response-north")
    handler = make("handler", Role.INTAKE_HANDLER, "intake")
    investigator = make("investigator", Role.PSD_INVESTIGATOR, "psd-1")
    return {
        "manager": manager,
        "officer": officer,
        "colleague": colleague,
        "handler": handler,
        "investigator": investigator,
    }


def take_in(report: Report, *named: User) -> None:
    """What the staff side's take-in leaves: the intake, and whom the report names."""
    Intake.objects.create(report=report, taken_in_on=timezone.localdate(), matched=len(named))
    for user in named:
        NamedStaff.objects.create(report=report, user=user, how="name", score=100.0)


def submit() -> Any:
    return submit_report(
        channel="public",
        mode="anonymous",
        category="abuse-of-position-sexual",
        content={"what_happened": WHAT, "officer_name": "Ruddington-Vale"},
        files=(Upload("notes.txt", FILE_TEXT),),
    )


@pytest.mark.django_db
def test_the_portal_role_reads_only_the_report_its_receipt_opens(
    keys: Settings, people: dict[str, User]
) -> None:
    made = submit()
    submit()  # another report: never shown by the first one's lookup
    take_in(made.report, people["officer"])
    portal = settings.DB_PORTAL_ROLE
    with as_role(portal) as cursor:
        # A listing of every report, message or file is refused outright, not just empty.
        for table in ("portal_report", "portal_reportmessage", "portal_reportfile"):
            assert "permission denied" in refused(cursor, f"SELECT id FROM {table}")
        # By a wrong lookup nothing; by the right one, that report and no other.
        cursor.execute("SELECT id FROM custodes_portal_report(%s)", ["0" * 64])
        assert cursor.fetchall() == []
        cursor.execute("SELECT id FROM custodes_portal_report(%s)", [receipt_lookup(made.receipt)])
        assert cursor.fetchall() == [(made.report.pk,)]
        # Nothing of the staff side: cases, accounts, the trail, whom reports name.
        for table in (
            "cases_case",
            "accounts_user",
            "trail_trailevent",
            "reports_namedstaff",
            "reports_intake",
            "portal_organisationaccount",
        ):
            assert "permission denied" in refused(cursor, f"SELECT * FROM {table}"), table
        assert "permission denied" in refused(cursor, "UPDATE portal_report SET status = 'closed'")
        assert "permission denied" in refused(cursor, "DELETE FROM portal_reportmessage")
        assert "permission denied" in refused(
            cursor,
            "INSERT INTO reports_intake (report_id, taken_in_on, matched)"
            " VALUES (%s, current_date, 0)",
            [made.report.pk],
        )
        # A reporter's message is the reporter's: the portal cannot pass one off as a handler's.
        assert "row-level security" in refused(
            cursor,
            "INSERT INTO portal_reportmessage (id, report_id, number, sender, question,"
            " body_sealed, sent_on) VALUES (gen_random_uuid(), %s, 9, 'handler', false, '',"
            " current_date)",
            [made.report.pk],
        )


@pytest.mark.django_db
def test_the_reporters_actions_work_as_the_portal_role(
    keys: Settings, people: dict[str, User]
) -> None:
    made = submit()
    take_in(made.report, people["officer"])
    handler_message(made.report, handler_id=people["handler"].pk, text=REPLY, question=True)
    with as_role(settings.DB_PORTAL_ROLE):
        assert open_with_receipt("1" * 16) is None
        report = open_with_receipt(made.receipt)
        assert report is not None and report.pk == made.report.pk
        add_followup(report, FOLLOWUP, (Upload("more.txt", b"More notes\n"),))
        view = reporter_view(report)
        assert view["content"]["what_happened"] == WHAT
        assert [(m["sender"], m["text"]) for m in view["messages"]] == [
            ("handler", REPLY),
            ("reporter", FOLLOWUP),
        ]
        assert [f["name"] for f in view["files"]] == ["notes.txt"]
        assert [f["name"] for f in view["messages"][1]["files"]] == ["more.txt"]
        again = submit()  # a new report, as the portal takes one in
        assert open_with_receipt(again.receipt) is not None
        # Kept: the rollback at the end of the block undoes it; the numbers are checked here.
        numbers = [m["number"] for m in reporter_view(report)["messages"]]
        assert numbers == [1, 2]


@pytest.mark.django_db
def test_the_named_officer_their_manager_and_unit_see_no_report(
    keys: Settings, people: dict[str, User]
) -> None:
    named = submit()
    pending = submit()  # not yet taken in: nobody sees it
    take_in(named.report, people["officer"])
    handler_message(named.report, handler_id=people["handler"].pk, text=REPLY, question=False)
    app = settings.DB_APP_ROLE
    for who in ("officer", "manager", "colleague", "investigator"):
        with as_role(app, people[who]) as cursor:
            for table in ("portal_report", "portal_reportmessage", "portal_reportfile"):
                cursor.execute(f"SELECT count(*) FROM {table}")
                assert cursor.fetchone() == (0,), (who, table)
            for table in ("reports_namedstaff", "reports_intake"):
                cursor.execute(f"SELECT count(*) FROM {table}")
                assert cursor.fetchone() == (0,), (who, table)
            assert not Report.objects.filter(pk=named.report.pk).exists()
            # Nor can they answer the reporter as if they were handling it.
            message = refused(
                cursor,
                "INSERT INTO portal_reportmessage (id, report_id, number, sender, question,"
                " body_sealed, sent_on) VALUES (gen_random_uuid(), %s, 9, 'handler', false,"
                " '', current_date)",
                [named.report.pk],
            )
            assert "row-level security" in message or "permission denied" in message
    with as_role(app, people["handler"]) as cursor:
        cursor.execute("SELECT id FROM portal_report")
        assert cursor.fetchall() == [(named.report.pk,)]
        assert ReportMessage.objects.filter(report=named.report).count() == 1
        cursor.execute("SELECT count(*) FROM reports_namedstaff")
        assert cursor.fetchone() == (1,)
        # What is not yet taken in stays hidden even from them: only the owner takes it in.
        assert not Report.objects.filter(pk=pending.report.pk).exists()
        # The staff app's role adds no report of its own: only the portal does.
        assert "permission denied" in refused(
            cursor,
            "INSERT INTO portal_report (id, reference, channel, mode, category, status,"
            " data_key_encrypted, content_sealed, received_on, acknowledge_by)"
            " VALUES (gen_random_uuid(), 'R-FORGED00', 'public', 'anonymous', 'other', 'new',"
            " '', '', current_date, current_date)",
        )


@pytest.mark.django_db(transaction=True)
def test_a_dump_of_the_portal_tables_holds_no_plaintext(keys: Settings) -> None:
    made = submit()
    add_followup(made.report, FOLLOWUP, (Upload("more.txt", b"More notes about him\n"),))
    params = connection.settings_dict
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    command = ["pg_dump", "--data-only", "--no-owner", "--table=portal_*"]
    command += ["-h", str(params["HOST"] or "127.0.0.1"), "-p", str(params["PORT"] or 5432)]
    command += ["-U", str(params["USER"]), str(params["NAME"])]
    env = {"PGPASSWORD": str(params.get("PASSWORD") or ""), "PATH": "/usr/bin:/bin"}
    dump = subprocess.run(command, check=True, capture_output=True, env=env).stdout
    assert made.report.reference.encode() in dump  # the dump is real and holds the report
    for secret in (WHAT, FOLLOWUP, "Ruddington-Vale", made.receipt, "notes.txt", "more.txt"):
        data = secret.encode()
        for form in (data, data.hex().encode()):
            assert form not in dump, secret
    assert FILE_TEXT[:25] not in dump and FILE_TEXT[:25].hex().encode() not in dump
