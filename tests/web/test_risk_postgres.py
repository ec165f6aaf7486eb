"""Row-level security on early intervention, for real, as the application's role: the database
shows each viewer exactly the entries, plans and reviews the app would, lets the app's own
writes through in the actor's name, and refuses the rest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from custodes.web.accounts.models import User
from custodes.web.risk.access import entries_for_user, get_report_for_user, may_use_risk
from custodes.web.risk.actions import (
    RiskImportError,
    close_plan,
    create_plan,
    import_risk_run,
    open_case_from_entry,
    review_plan,
)
from custodes.web.risk.models import InterventionPlan, PlanReview, RiskEntry, RiskRun
from custodes.web.trail.refused import Refused
from tests.web.risk_helpers import (
    Force,
    entry,
    force_fixture,  # noqa: F401 - a fixture
    officers_of,
    run_fixture,  # noqa: F401 - a fixture
    write_run,
)
from tests.web.test_postgres_case_path import acting_as
from tests.web.test_postgres_security import as_app, refused

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

TABLES = ("risk_riskrun", "risk_riskentry", "risk_interventionplan", "risk_planreview")


def day(n: int) -> dt.date:
    """Return the date `n` days from today."""
    return timezone.localdate() + dt.timedelta(days=n)


def ids(table: str) -> set[int]:
    """Return the ids of `table` the current role may see."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table}")
        return {int(row[0]) for row in cursor.fetchall()}


def viewers(force: Force) -> list[User]:
    """Return everyone around the run: those who may use the list and those who may not."""
    return [
        force.lead,
        force.authority,
        *force.too_close,
        force.outsider,
        force.analyst,
        force.constable,
    ]


def test_every_table_is_guarded(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)]
        )
        assert dict(cursor.fetchall()) == dict.fromkeys(TABLES, True)


def test_the_database_shows_each_viewer_the_entries_the_app_does(
    force: Force, run: RiskRun
) -> None:
    """Whoever is too close, whatever the tie, role or unit: the same rows, decided twice."""
    plan = create_plan(
        force.lead, entry(run, "XF:U100"), "Supervision", day(30), day(10), force.lead
    )
    review_plan(force.lead, plan, "Met twice", day(20))
    top = entry(run, "XF:U100").pk
    for user in viewers(force):
        wanted = {e.pk for e in entries_for_user(user, run)}
        sees_plan = top in wanted
        with as_app(user):
            assert ids("risk_riskentry") == wanted, user
            assert ids("risk_interventionplan") == ({plan.pk} if sees_plan else set()), user
            assert bool(ids("risk_planreview")) == sees_plan, user
            assert bool(ids("risk_riskrun")) == (
                user in (force.lead, force.authority, force.subject, force.manager, force.colleague)
            ), user
    # Not a test that cannot fail: the sets differ between viewers.
    assert {e.pk for e in entries_for_user(force.lead, run)} != {
        e.pk for e in entries_for_user(force.colleague, run)
    }


def test_the_apps_writes_go_through_in_the_actors_name(force: Force, run: RiskRun) -> None:
    """A case from an entry, a plan, its review and its close, all as the application's role."""
    constable = entry(run, "XF:U200")
    with acting_as(force.lead):
        case = open_case_from_entry(force.lead, constable, "Three complaints in six months")
        plan = create_plan(force.lead, constable, "Supervision", day(30), day(10), force.authority)
        review_plan(force.lead, plan, "Met twice", day(20))
        close_plan(force.lead, plan, "completed", "Done")
    assert RiskEntry.objects.get(pk=constable.pk).case_id == case.pk
    assert InterventionPlan.objects.get(pk=plan.pk).status == "closed"
    assert PlanReview.objects.filter(plan=plan).count() == 1


def test_the_database_refuses_writes_the_app_would_not_make(force: Force, run: RiskRun) -> None:
    """A plan about the subject by their colleague; a plan in another's name; entries changed."""
    top = entry(run, "XF:U100")
    now = timezone.now()
    with as_app(force.colleague) as cursor:
        message = refused(
            cursor,
            "INSERT INTO risk_interventionplan (entry_id, actions, deadline, review_on, owner_id,"
            " status, created_by_id, created_at, outcome, outcome_note)"
            " VALUES (%s, 'x', %s, %s, %s, 'open', %s, %s, '', '')",
            [top.pk, day(30), day(10), force.colleague.pk, force.colleague.pk, now],
        )
        assert "row-level security" in message
        cursor.execute("UPDATE risk_riskentry SET case_id = NULL WHERE id = %s", [top.pk])
        assert cursor.rowcount == 0  # hidden from them: nothing to change
    with as_app(force.lead) as cursor:
        message = refused(
            cursor,
            "INSERT INTO risk_interventionplan (entry_id, actions, deadline, review_on, owner_id,"
            " status, created_by_id, created_at, outcome, outcome_note)"
            " VALUES (%s, 'x', %s, %s, %s, 'open', %s, %s, '', '')",
            [top.pk, day(30), day(10), force.lead.pk, force.authority.pk, now],
        )
        assert "row-level security" in message
        assert "permission denied" in refused(
            cursor, "UPDATE risk_riskentry SET score = 0 WHERE id = %s", [top.pk]
        )
        assert "permission denied" in refused(
            cursor, "DELETE FROM risk_interventionplan WHERE id = 0"
        )


def test_an_import_under_row_level_security_is_refused_before_any_file_is_read(
    force: Force, tmp_path: Path
) -> None:
    """The app's role may not write runs nor see every account: the owner imports."""
    folder = write_run(tmp_path / "run", officers_of(force))
    with as_app(force.lead), pytest.raises(RiskImportError, match="row-level security binds"):
        import_risk_run(force.lead, folder)
    assert not RiskRun.objects.exists()


def test_the_summary_is_served_under_row_level_security_as_the_app_serves_it(
    force: Force, run: RiskRun
) -> None:
    """The summary names no officer: as the application's role, whoever uses the list reads it,
    those too close to the subject among them, and whoever does not is refused."""
    with as_app(force.authority):
        assert get_report_for_user(force.authority, run.pk).pk == run.pk
    for user in (*force.too_close, force.outsider):
        with as_app(user):
            if may_use_risk(user):
                assert get_report_for_user(user, run.pk).pk == run.pk
            else:
                with pytest.raises(Refused):
                    get_report_for_user(user, run.pk)
