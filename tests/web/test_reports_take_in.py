"""Taking portal reports in runs only where it sees everything: the tables' owner, or SQLite.

On PostgreSQL the web app's role sees no pending report and only part of the staff list (the
imported charts only to those who review audit alerts), so a take-in run as that role would
find nothing or, worse, match a report against part of the list and show it to the very
people it names. `custodes reports take-in` runs it as the owner (a timer, every minute); the
pages take reports in only where row-level security does not bind. Expiry likewise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from psycopg import sql
from typer.testing import CliRunner, Result

from custodes.cli import app
from custodes.web.accounts.models import Role, User
from custodes.web.portal.models import Report
from custodes.web.reports import actions
from custodes.web.reports.access import decide, reports_for_user
from custodes.web.reports.models import Intake, NamedStaff
from tests.web.case_helpers import (
    Dept,
    dept_fixture,  # noqa: F401 - a fixture
)
from tests.web.report_helpers import report_about
from tests.web.test_case_subjects_need_to_know import force_chart

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


def command(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def quoted(name: str) -> str:
    connection.ensure_connection()
    return sql.Identifier(name).as_string(connection.connection)


@contextmanager
def acting_as(role: str, user: User | None = None) -> Iterator[Any]:
    """Run the block as `role` (the staff app's on behalf of `user`), keeping what it wrote."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {quoted(role)}")
        cursor.execute(
            "SELECT set_config('custodes.user_id', %s, false)",
            ["" if user is None else str(user.pk)],
        )
        try:
            yield cursor
        finally:
            cursor.execute("RESET ROLE")
            cursor.execute("SELECT set_config('custodes.user_id', '', false)")


def visible(cursor: Any) -> set[object]:
    """Return the ids of the reports the current role and user see."""
    cursor.execute("SELECT id FROM portal_report")
    return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def boss(dept: Dept) -> User:
    """An intake handler who manages, in the force's imported chart, officer XF-7001."""
    force_chart([("XF-7001", "cid-east", "XF-7000"), ("XF-7000", "cid-east", "")])
    return dept.make("di-cole", Role.INTAKE_HANDLER, "psd-7", force_user_id="XF-7000")


def test_the_command_takes_new_reports_in(dept: Dept) -> None:
    report = report_about("PC Daniel Reeve").report
    done = command("reports", "take-in")
    assert done.exit_code == 0, done.output
    assert f"Took in {report.reference}: it names 1 member of staff" in done.output
    assert "1 new report(s) taken in." in done.output
    assert set(NamedStaff.objects.filter(report=report).values_list("user_id", flat=True)) == {
        dept.pc.pk
    }
    again = command("reports", "take-in")
    assert again.exit_code == 0 and "0 new report(s) taken in." in again.output


def test_on_sqlite_the_pages_take_reports_in(dept: Dept) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("on PostgreSQL as the app's role the owner's timer takes reports in")
    report = report_about("PC Daniel Reeve").report
    assert dept.org.client(dept.intake).get("/reports/").status_code == 200
    assert Intake.objects.filter(pk=report.pk).exists()
    assert actions.sees_everything()


@on_postgres
@pytest.mark.django_db
def test_a_report_is_seen_by_nobody_until_the_owner_takes_it_in(dept: Dept, boss: User) -> None:
    app_role, portal_role = settings.DB_APP_ROLE, settings.DB_PORTAL_ROLE
    d = dept
    with acting_as(portal_role):
        about_pc = report_about("PC Daniel Reeve", what="He kept texting me after the call").report
        about_chart = report_about(number="XF 7001", what="The DC from CID turned up again").report
    everyone = (d.intake, d.pc, d.sergeant, d.pc_peer, boss)
    # Not yet taken in: nobody sees either report, the intake handler included.
    for who in everyone:
        with acting_as(app_role, who) as cursor:
            assert visible(cursor) == set(), who.username
            assert reports_for_user(who) == []
    # As the app's role the take-in refuses outright; the pages leave it to the owner's timer.
    with acting_as(app_role, d.intake) as cursor:
        assert not actions.sees_everything()
        with pytest.raises(actions.TakeInError, match="owner"):
            actions.take_in_new_reports()
        assert actions.take_in_where_seen() == []
        assert d.org.client(d.intake).get("/reports/").status_code == 200
        # Nor can a handler slip an intake in, unmatched, to show a report.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            cursor.execute(
                "INSERT INTO reports_intake (report_id, taken_in_on, matched)"
                " VALUES (%s, current_date, 0)",
                [about_pc.pk],
            )
        # The take-in's old door, a definer handing pending reports to handlers, is gone.
        with pytest.raises(DatabaseError, match="does not exist"), transaction.atomic():
            cursor.execute("SELECT * FROM custodes_pending_reports()")
    assert not Intake.objects.exists()
    # The owner (this test's own connection: row-level security does not bind it).
    assert actions.sees_everything()
    made = actions.take_in_new_reports()
    assert {i.pk for i in made} == {about_pc.pk, about_chart.pk}
    # Matched against the whole list: the account, and the imported chart's officer.
    assert NamedStaff.objects.get(report=about_pc).user_id == d.pc.pk
    assert NamedStaff.objects.get(report=about_chart).force_user_id == "XF-7001"
    with acting_as(app_role, d.intake) as cursor:
        assert visible(cursor) == {about_pc.pk, about_chart.pk}
        assert {r.pk for r in reports_for_user(d.intake)} == {about_pc.pk, about_chart.pk}
    # The named officer, their line manager and a colleague in their unit: not the report
    # about him. The chart's manager: not the report about his officer.
    for who, hidden in (
        (d.pc, about_pc),
        (d.sergeant, about_pc),
        (d.pc_peer, about_pc),
        (boss, about_chart),
    ):
        with acting_as(app_role, who) as cursor:
            assert hidden.pk not in visible(cursor), who.username
            assert not Report.objects.filter(pk=hidden.pk).exists(), who.username
            assert not decide(who, Report(pk=hidden.pk)).allowed, who.username
            page = d.org.client(who).get(f"/reports/{hidden.reference}/")
            assert page.status_code == 404, who.username


@on_postgres
@pytest.mark.django_db
def test_the_commands_refuse_as_the_app_role_and_run_as_the_owner(dept: Dept) -> None:
    with acting_as(settings.DB_PORTAL_ROLE):
        report = report_about("PC Daniel Reeve").report
    with acting_as(settings.DB_APP_ROLE, dept.intake):
        refused = command("reports", "take-in")
        expire = command("portal", "expire")
    assert refused.exit_code == 1
    assert "row-level security" in refused.output and "No report was taken in." in refused.output
    assert expire.exit_code == 1
    assert "nothing was expired" in expire.output and "owner" in expire.output
    assert not Intake.objects.filter(pk=report.pk).exists()
    done = command("reports", "take-in")
    assert done.exit_code == 0, done.output
    assert f"Took in {report.reference}" in done.output
    assert Intake.objects.filter(pk=report.pk).exists()
    expired = command("portal", "expire")
    assert expired.exit_code == 0, expired.output
    assert "0 report(s) expired" in expired.output
