"""Row-level security on cases walks the audited force's charts once per statement, not per row."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from custodes.web.accounts.models import Role, User
from custodes.web.alerts.actions import open_case_from_audit_alert
from custodes.web.alerts.models import AuditAlert, AuditRun
from custodes.web.cases.access import decide
from custodes.web.cases.actions import add_member
from custodes.web.cases.models import Case, CaseAccess, CaseParty
from custodes.web.cases.parties import add_party
from custodes.web.needtoknow.charts import Charts
from tests.web.audit_helpers import add_user, import_run, make_audit_folders, staff_around
from tests.web.conftest import Org
from tests.web.test_postgres_security import as_app

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

MIGRATION = "custodes.web.dbsecurity.migrations.0007_case_charts_per_statement"
REASON = "Look-ups of a domestic-abuse victim met on a job, continued for weeks"
CASES = 4


@pytest.fixture
def run(db: None, tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    """Import the session's real audit run."""
    return import_run(make_audit_folders(tmp_path_factory))


@pytest.fixture
def analyst(org: Org, run: AuditRun) -> User:
    """Return an analyst in the force's chart with cases opened from four alerts, and parties."""
    top = AuditAlert.objects.get(run=run, rank=1)
    analyst = add_user(org, "analyst", Role.CC_ANALYST, "acu-north", staff_around(top).stranger)
    charts = Charts()
    alerts = AuditAlert.objects.filter(run=run).order_by("rank")
    opened = [
        open_case_from_audit_alert(analyst, alert, REASON)
        for alert in [
            a for a in alerts if charts.subject_conflict(analyst, a.force_user_id) is None
        ][:CASES]
    ]
    assert len(opened) == CASES
    for name in ("Witness A", "Witness B", "Witness C"):
        add_party(analyst, opened[0], "witness", name)
    return analyst


def walks(cursor: Any) -> int:
    """Return how often this transaction has walked the force's charts so far."""
    cursor.execute(
        "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
        " WHERE funcname = 'custodes_audit_conflicts'"
    )
    return int(cursor.fetchone()[0])


def walks_to_list(user: User) -> dict[str, tuple[int, int]]:
    """List cases, access rows and one case's parties as `user`; return (rows, walks) each."""
    case = Case.objects.filter(parties__isnull=False).distinct().get()
    queries: dict[str, Callable[[], int]] = {
        "cases": lambda: Case.objects.count(),
        "access": lambda: CaseAccess.objects.count(),
        "parties": lambda: CaseParty.objects.filter(case=case).count(),
    }
    found: dict[str, tuple[int, int]] = {}
    with connection.cursor() as cursor:
        # Counting calls needs a superuser's setting, so it is made before the role changes.
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("counting function calls needs a superuser's TEST_DATABASE_URL")
        cursor.execute("SET LOCAL track_functions = 'all'")
    for label, query in queries.items():
        with as_app(user) as cursor:
            before = walks(cursor)
            rows = query()
            found[label] = (rows, walks(cursor) - before)
    return found


def test_listing_cases_walks_the_charts_once_however_many_rows(analyst: User) -> None:
    assert walks_to_list(analyst) == {"cases": (CASES, 1), "access": (CASES, 1), "parties": (3, 1)}


def test_taken_back_the_charts_are_walked_per_row_and_applied_again_once(analyst: User) -> None:
    migration = importlib.import_module(MIGRATION)
    with connection.schema_editor() as editor:
        migration.backward(None, editor)
    # 0006's policies: the same rows, each deciding its own case in the charts.
    per_row = walks_to_list(analyst)
    assert {label: rows for label, (rows, _) in per_row.items()} == {
        "cases": CASES,
        "access": CASES,
        "parties": 3,
    }
    assert per_row["cases"][1] >= CASES and per_row["parties"][1] >= 3
    with connection.schema_editor() as editor:
        migration.forward(None, editor)
    assert walks_to_list(analyst) == {"cases": (CASES, 1), "access": (CASES, 1), "parties": (3, 1)}


def test_each_case_is_decided_as_the_application_decides_it(org: Org, analyst: User) -> None:
    first = AuditAlert.objects.filter(case__isnull=False).order_by("rank")[0]
    manager = add_user(org, "boss", Role.PSD_INVESTIGATOR, "psd-3", staff_around(first).manager)
    for case in Case.objects.filter(subject_force_user_id__isnull=False):
        add_member(org.lead, case, manager)
    for user in (analyst, manager, org.outsider, org.lead):
        expected = {c.pk for c in Case.objects.all() if decide(user, c).allowed}
        with as_app(user):
            assert set(Case.objects.values_list("pk", flat=True)) == expected, user.username
    # On the team of every case, the subject's manager is still kept out of the first.
    with as_app(manager):
        assert first.case_id not in set(Case.objects.values_list("pk", flat=True))


def test_no_need_to_know_function_is_compiled_with_jit(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname FROM pg_proc AS p WHERE p.proname LIKE 'custodes%%' AND p.prosecdef"
            " AND NOT coalesce('jit=off' = ANY (p.proconfig), false) ORDER BY 1"
        )
        assert cursor.fetchall() == []
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname LIKE 'custodes%%' AND prosecdef")
        assert cursor.fetchone()[0] >= 20
