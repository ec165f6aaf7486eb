"""PostgreSQL's own defences, for real, as the application's role: RLS and the trail's guard."""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg import sql
from typer.testing import CliRunner

from custodes.cli import app
from custodes.web.accounts.access import TRAIL_ROLES, may_read_trail
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.access import ALERT_KINDS, ALERT_ROLES, alerts_for_user
from custodes.web.alerts.models import Alert
from custodes.web.cases.access import decide
from custodes.web.cases.actions import (
    CASE_ROLES,
    GRANTING_ROLES,
    add_member,
    break_glass,
    grant_access,
    name_on_sealed_case,
    open_case,
)
from custodes.web.cases.models import Case, CaseAccess, CaseParty
from custodes.web.cases.parties import add_party
from custodes.web.needtoknow.charts import org_chart
from custodes.web.trail.chain import TrailHiddenError, record, verify
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from custodes.web.trail_export import ExportError, export_trail
from tests.web.conftest import Org

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

APP_ROLE: str = settings.DB_APP_ROLE
TABLES = ("cases_case", "cases_caseaccess", "cases_caseparty", "alerts_alert", "trail_trailevent")
REASON = "Urgent safeguarding check on a repeat caller"


def quoted(name: str) -> str:
    """Return `name` quoted as a PostgreSQL identifier."""
    connection.ensure_connection()
    return sql.Identifier(name).as_string(connection.connection)


@contextmanager
def as_app(user: User | None) -> Iterator[Any]:
    """Run the block as the application's role on behalf of `user`; undo all of it after."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {quoted(APP_ROLE)}")
        user_id = "" if user is None else str(user.pk)
        cursor.execute("SELECT set_config('custodes.user_id', %s, true)", [user_id])
        yield cursor
        # Rolling back to the savepoint also ends the role and the user setting.
        transaction.set_rollback(True)


def refused(cursor: Any, statement: str, params: list[Any] | None = None) -> str:
    """Run one statement the database must refuse; return the error message."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        cursor.execute(statement, params)
    return str(caught.value)


def seen(table: str, column: str, value: Any) -> int:
    """Count the rows of `table` with `column` = `value` that the current role may see."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {column} = %s", [value])
        (count,) = cursor.fetchone()
    return int(count)


def sight(case: Case) -> tuple[int, int, int]:
    """Count the case's own row, access rows and parties as the current role sees them."""
    return (
        seen("cases_case", "id", case.pk),
        seen("cases_caseaccess", "case_id", case.pk),
        seen("cases_caseparty", "case_id", case.pk),
    )


def make_user(username: str, role: Role, unit: str) -> User:
    """Create a user directly; these tests never sign them in."""
    return User.objects.create(username=username, role=role, unit=unit, force="XF")


def rows(table: str) -> int:
    """Count every row of `table` the current role may see."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        (count,) = cursor.fetchone()
    return int(count)


@pytest.fixture
def party(org: Org) -> CaseParty:
    return add_party(org.owner, org.case, CaseParty.Role.VICTIM, "A. Victim", "07700 900000")


def test_the_app_role_owns_nothing_and_bypasses_nothing(org: Org) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = %s",
            [APP_ROLE],
        )
        assert cursor.fetchone() == (False, False, False)
        cursor.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = current_schema()"
        )
        assert APP_ROLE not in {owner for (owner,) in cursor.fetchall()}
        cursor.execute(
            "SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)]
        )
        assert dict(cursor.fetchall()) == dict.fromkeys(TABLES, True)
    with as_app(org.owner) as cursor:
        cursor.execute("SELECT current_user, current_setting('custodes.user_id')")
        assert cursor.fetchone() == (APP_ROLE, str(org.owner.pk))
        for table in TABLES:
            assert "must be owner" in refused(
                cursor, f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"
            )
        assert "must be owner" in refused(cursor, "DROP POLICY custodes_select ON cases_case")
        assert "must be owner" in refused(
            cursor, "ALTER TABLE trail_trailevent DISABLE TRIGGER custodes_trail_no_update"
        )
        # Switching RLS off for itself only turns hidden rows into errors.
        cursor.execute("SET LOCAL row_security = off")
        assert "row-level security" in refused(cursor, "SELECT count(*) FROM cases_case")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() != (APP_ROLE,)


def test_with_no_user_the_app_role_sees_nothing(org: Org, party: CaseParty) -> None:
    break_glass(org.outsider, org.case.reference, REASON)
    assert all(rows(t) > 0 for t in TABLES)
    with as_app(None) as cursor:
        # An empty setting, as a request without a signed-in user leaves it, is no one.
        assert [rows(t) for t in TABLES] == [0, 0, 0, 0, 0]
        assert not Case.objects.exists() and not Alert.objects.exists()
        cursor.execute("SELECT set_config('custodes.user_id', NULL, true)")
        assert [rows(t) for t in TABLES] == [0, 0, 0, 0, 0]


def test_the_outsider_the_subject_and_their_manager_see_nothing_of_the_case(
    org: Org, party: CaseParty
) -> None:
    assert sight(org.case) == (1, 2, 1)
    for user in (org.outsider, org.subject, org.subject_manager):
        with as_app(user):
            assert sight(org.case) == (0, 0, 0), user
            assert not Case.objects.filter(reference=org.case.reference).exists()
            assert not CaseParty.objects.exists()


def test_the_team_sees_the_case_its_access_rows_and_parties(org: Org, party: CaseParty) -> None:
    for user in (org.owner, org.colleague):
        with as_app(user):
            assert sight(org.case) == (1, 2, 1)
            assert CaseParty.objects.get().pk == party.pk


def test_a_sealed_case_shows_only_to_those_named(org: Org) -> None:
    sealed = open_case(org.lead, "ACU-2025-0001", "Sealed", org.subject, sealed=True)
    name_on_sealed_case(org.lead, sealed, org.colleague, "analyst on the operation")
    add_member(org.lead, sealed, org.owner)
    for user, expected in ((org.lead, 1), (org.colleague, 1), (org.owner, 0), (org.outsider, 0)):
        with as_app(user):
            assert seen("cases_case", "id", sealed.pk) == expected, user
    with as_app(org.outsider), pytest.raises(PermissionDenied):
        break_glass(org.outsider, sealed.reference, REASON)


def test_a_conflict_needs_a_grant_and_the_grant_works(org: Org) -> None:
    unit_mate = make_user("unit-mate", Role.PSD_INVESTIGATOR, "response-north-1")
    add_member(org.owner, org.case, unit_mate)
    with as_app(unit_mate):
        assert seen("cases_case", "id", org.case.pk) == 0
    grant_access(org.lead, org.case, unit_mate, "only investigator cleared for it")
    with as_app(unit_mate):
        assert sight(org.case) == (1, 4, 0)


def test_expired_break_glass_no_longer_shows(org: Org) -> None:
    break_glass(org.outsider, org.case.reference, REASON)
    with as_app(org.outsider):
        assert seen("cases_case", "id", org.case.pk) == 1
    glass = CaseAccess.objects.get(kind=CaseAccess.Kind.BREAK_GLASS)
    glass.expires_at = timezone.now() - dt.timedelta(seconds=1)
    glass.save()
    with as_app(org.outsider):
        assert sight(org.case) == (0, 0, 0)


def test_the_actions_run_as_their_actor_under_rls(org: Org) -> None:
    unit_mate = make_user("unit-mate", Role.PSD_INVESTIGATOR, "response-north-1")
    with as_app(org.owner):
        case = open_case(org.owner, "PSD-2025-0009", "Opened under RLS", org.subject_manager)
        add_member(org.owner, case, org.colleague)
        add_party(org.owner, case, CaseParty.Role.WITNESS, "A. Witness")
        assert sight(case) == (1, 2, 1)
    with as_app(org.lead):
        grant_access(org.lead, org.case, unit_mate, "only investigator cleared for it")
        sealed = open_case(org.lead, "ACU-2025-0002", "Sealed under RLS", org.subject, sealed=True)
        name_on_sealed_case(org.lead, sealed, org.colleague, "analyst on the operation")
        # The lead may see the grants they gave, though not the case they gave them on.
        assert seen("cases_caseaccess", "user_id", unit_mate.pk) == 1
        assert seen("cases_case", "id", org.case.pk) == 0
    with as_app(org.outsider):
        case = break_glass(org.outsider, org.case.reference, REASON)
        assert case.pk == org.case.pk
        assert sight(org.case) == (1, 3, 0)
        # The alert is raised, and its subject may not read it.
        assert not Alert.objects.exists()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            assert Alert.objects.get().about_user_id == org.outsider.pk
            transaction.set_rollback(True)
    assert verify() == []


def test_the_database_refuses_access_the_application_would_not_give(org: Org) -> None:
    now = timezone.now()

    def access(user: User, kind: str, by: User, expires: dt.datetime | None = None) -> list[Any]:
        return [org.case.pk, user.pk, kind, "", by.pk, now, expires]

    insert = (
        "INSERT INTO cases_caseaccess"
        " (case_id, user_id, kind, reason, granted_by_id, granted_at, expires_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    later = now + dt.timedelta(hours=1)
    with as_app(org.outsider) as cursor:
        for row in (
            access(org.outsider, "member", org.outsider),  # taking access oneself
            access(org.outsider, "grant", org.outsider),
            access(org.outsider, "member", org.owner),  # in someone else's name
            access(org.outsider, "break-glass", org.outsider),  # break-glass with no expiry
            access(org.colleague, "member", org.outsider),  # for others, without sight
        ):
            assert "row-level security" in refused(cursor, insert, row)
        assert "row-level security" in refused(
            cursor,
            "INSERT INTO cases_case (id, reference, title, sealed, opened_by_id, opened_at)"
            " VALUES (gen_random_uuid(), 'X-1', 'x', false, %s, now())",
            [org.owner.pk],
        )
    with as_app(org.lead) as cursor:
        # Nobody, not even a granting role, is given a case about themselves.
        assert "row-level security" in refused(
            cursor, insert, access(org.subject, "grant", org.lead)
        )
        cursor.execute(insert, access(org.outsider, "grant", org.lead, later))
    with as_app(org.subject) as cursor:
        assert "row-level security" in refused(
            cursor, insert, access(org.subject, "break-glass", org.subject, later)
        )
    with as_app(org.owner) as cursor:
        # Changes the owner may not make touch no rows, or are refused outright.
        cursor.execute(
            "UPDATE cases_caseaccess SET expires_at = NULL WHERE user_id = %s", [org.owner.pk]
        )
        assert cursor.rowcount == 0
        assert "row-level security" in refused(
            cursor, "UPDATE cases_case SET subject_id = %s", [org.owner.pk]
        )
    with as_app(org.outsider) as cursor:
        cursor.execute("UPDATE cases_case SET title = 'x'")
        assert cursor.rowcount == 0
        cursor.execute("DELETE FROM cases_caseaccess")
        assert cursor.rowcount == 0
        cursor.execute("SELECT count(*) FROM custodes_break_glass_case(%s)", ["no-such-case"])
        assert cursor.fetchone() == (0,)
    with as_app(org.subject) as cursor:
        # Break-glass cannot find a case about the one asking.
        cursor.execute("SELECT count(*) FROM custodes_break_glass_case(%s)", [org.case.reference])
        assert cursor.fetchone() == (0,)
    assert CaseAccess.objects.filter(case=org.case).count() == 2


def test_alerts_show_only_to_the_staff_of_their_kind_without_a_conflict(org: Org) -> None:
    analyst = make_user("analyst", Role.CC_ANALYST, "acu-north")
    vetting = make_user("vetter", Role.VETTING_OFFICER, "vetting")
    for kind in (Alert.Kind.BREAK_GLASS, Alert.Kind.REGISTRY_MATCH):
        for about in (org.subject, org.owner, org.lead, analyst, vetting, None):
            Alert.objects.create(
                kind=kind,
                about_user=about,
                subject_type="case",
                subject_id=str(org.case.pk),
                summary="about someone",
                raised_at=timezone.now(),
            )
    assert {a.kind for a in alerts_for_user(vetting)} == {Alert.Kind.REGISTRY_MATCH}
    for user in User.objects.all():
        expected = {a.pk for a in alerts_for_user(user)}
        with as_app(user):
            assert set(Alert.objects.values_list("pk", flat=True)) == expected, user
    with as_app(org.lead) as cursor:
        # The lead manages the owner: an alert about the owner is not the lead's to see.
        cursor.execute(
            "UPDATE alerts_alert SET status = 'closed' WHERE about_user_id = %s", [org.owner.pk]
        )
        assert cursor.rowcount == 0
        cursor.execute(
            "UPDATE alerts_alert SET status = 'closed' WHERE about_user_id = %s", [org.subject.pk]
        )
        assert cursor.rowcount == 1  # the break-glass alert only: the match is vetting's


def test_the_alert_kinds_of_the_database_are_those_of_the_app() -> None:
    migration = importlib.import_module("custodes.web.dbsecurity.migrations.0005_alert_kinds")
    roles: dict[str, set[str]] = {}
    for role, kinds in ALERT_KINDS.items():
        for kind in kinds:
            roles.setdefault(str(kind), set()).add(str(role))
    assert {k: set(v) for k, v in migration.KIND_ROLES.items()} == roles


def test_the_trail_is_refused_to_the_app_role_even_in_replica_mode(org: Org) -> None:
    with as_app(org.owner) as cursor:
        record(org.owner.pk, Action.READ, Subject.CASE, org.case.pk)  # appending is allowed
        # Row-level security hides the rows: a check of none is refused, not passed.
        with pytest.raises(TrailHiddenError, match="row-level security hides"):
            verify()
        for statement in (
            "UPDATE trail_trailevent SET action = 'x'",
            "DELETE FROM trail_trailevent",
            "TRUNCATE trail_trailevent",
        ):
            assert "permission denied for table trail_trailevent" in refused(cursor, statement)
        # The replication switch that turns ordinary triggers off is not the app role's.
        assert "permission denied to set parameter" in refused(
            cursor, "SET session_replication_role = replica"
        )
    with transaction.atomic(), connection.cursor() as cursor:
        # A superuser may set it; the ENABLE ALWAYS triggers still refuse.
        cursor.execute("SET LOCAL session_replication_role = replica")
        for statement in (
            "UPDATE trail_trailevent SET action = 'x'",
            "DELETE FROM trail_trailevent",
            "TRUNCATE trail_trailevent",
        ):
            assert "append-only" in refused(cursor, statement)
        transaction.set_rollback(True)
    assert verify() == []


def test_the_export_refuses_a_role_that_rls_binds(org: Org, tmp_path: Any) -> None:
    with as_app(org.lead), pytest.raises(ExportError, match="row-level security"):
        export_trail(tmp_path / "extract")
    assert not (tmp_path / "extract").exists()


def test_the_sql_role_lists_match_the_application() -> None:
    migration = importlib.import_module(
        "custodes.web.dbsecurity.migrations.0003_row_level_security"
    )
    assert set(migration.CASE_ROLES) == {r.value for r in CASE_ROLES}
    assert set(migration.GRANTING_ROLES) == {r.value for r in GRANTING_ROLES}
    assert set(migration.ALERT_ROLES) == {r.value for r in ALERT_ROLES}


def test_the_migration_makes_a_missing_role_and_refuses_one_rls_would_not_bind(db: None) -> None:
    migration = importlib.import_module("custodes.web.dbsecurity.migrations.0002_app_role")
    editor = SimpleNamespace(connection=connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
        # Roles belong to the server, but CREATE ROLE still ends with the test's transaction.
        migration.ensure_role(editor, "custodes_test_new_role", owner)
        cursor.execute(
            "SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s",
            ["custodes_test_new_role"],
        )
        assert cursor.fetchone() == (False, False, False)
    with pytest.raises(migration.AppRoleError, match="CUSTODES_DB_APP_ROLE='postgres'"):
        migration.ensure_role(editor, "postgres", owner)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_database_decides_exactly_as_decide(db: None, seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    made = [
        User.objects.create(
            username=f"u{i}",
            role=rng.choice(list(Role)),
            unit=rng.choice(["", "psd-1", "psd-2", "response-north-1"]),
            force="XF",
            is_active=rng.random() > 0.1,
        )
        for i in range(18)
    ]
    users = list(User.objects.filter(pk__in=[u.pk for u in made]).order_by("pk"))
    for user in users:
        if rng.random() < 0.75:
            # Anyone at all, themselves included, so the chart has cycles too.
            user.line_manager = rng.choice(users)
            user.save(update_fields=["line_manager"])
    cases = []
    for i in range(10):
        case = Case.objects.create(
            reference=f"R-{i}",
            title="t",
            subject=rng.choice([None, *users]),
            sealed=rng.random() < 0.25,
            opened_by=rng.choice(users),
            opened_at=now,
        )
        cases.append(case)
        for _ in range(rng.randrange(8)):
            CaseAccess.objects.create(
                case=case,
                user=rng.choice(users),
                kind=rng.choice(list(CaseAccess.Kind)),
                granted_by=rng.choice(users),
                granted_at=now,
                expires_at=rng.choice(
                    [None, now - dt.timedelta(days=1), now + dt.timedelta(days=1)]
                ),
            )
    for _ in range(12):
        # Some about a case, which need-to-know on the case's subject then hides too.
        about_case = rng.choice([None, *cases])
        Alert.objects.create(
            kind=Alert.Kind.BREAK_GLASS,
            about_user=rng.choice([None, *users]),
            subject_type="case",
            subject_id="x" if about_case is None else str(about_case.pk),
            case=about_case,
            summary="s",
            raised_at=now,
        )
    chart = org_chart()
    granting = {r.value for r in GRANTING_ROLES}
    allowed_pairs = 0
    for user in users:
        expected = {c.pk for c in cases if decide(user, c, chart).allowed}
        allowed_pairs += len(expected)
        with connection.cursor() as cursor:
            for case in cases:
                cursor.execute("SELECT custodes_may_see_case(%s, %s)", [case.pk, user.pk])
                assert cursor.fetchone() == (case.pk in expected,), (user, case)
        rows = CaseAccess.objects.all()
        expected_rows = {
            a.pk
            for a in rows
            if a.case_id in expected
            or (a.granted_by_id == user.pk and user.is_active and user.role in granting)
        }
        # Inactive accounts never sign in; the database shows them no alerts either.
        expected_alerts = {a.pk for a in alerts_for_user(user)} if user.is_active else set()
        with as_app(user):
            assert set(Case.objects.values_list("pk", flat=True)) == expected
            assert set(CaseAccess.objects.values_list("pk", flat=True)) == expected_rows
            assert set(Alert.objects.values_list("pk", flat=True)) == expected_alerts
    assert allowed_pairs > 0


@contextmanager
def connected_as_app() -> Iterator[None]:
    """Make the whole connection the application's role, as production connects."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {quoted(APP_ROLE)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def current_user_setting() -> str | None:
    """Return custodes.user_id as the connection holds it outside any transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('custodes.user_id', true)")
        (value,) = cursor.fetchone()
    return value if value is None else str(value)


@pytest.mark.django_db(transaction=True)
def test_the_web_app_works_connected_as_the_app_role(org: Org) -> None:
    reference = org.case.reference
    with connected_as_app():
        owner = org.client(org.owner)
        outsider = org.client(org.outsider)
        assert owner.get(f"/cases/{reference}/").status_code == 200
        assert reference in owner.get("/").content.decode()
        assert outsider.get(f"/cases/{reference}/").status_code == 404
        assert reference not in outsider.get("/cases/").content.decode()
        # Each request's user lasted only for its transaction: this pooled connection
        # carries nobody into the next, and as nobody it sees no case.
        assert current_user_setting() in ("", None)
        assert Case.objects.count() == 0
        token = outsider.cookies["csrftoken"].value
        done = outsider.post(
            "/cases/break-glass/",
            {"reference": reference, "reason": REASON, "csrfmiddlewaretoken": token},
        )
        assert done.status_code == 302, done.content.decode()[:500]
        assert outsider.get(f"/cases/{reference}/").status_code == 200
        assert current_user_setting() in ("", None)
    assert Alert.objects.get().about_user_id == org.outsider.pk
    assert verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_local_user_setting_ends_with_its_transaction(org: Org) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('custodes.user_id', %s, true)", [str(org.owner.pk)])
        cursor.execute("SELECT current_setting('custodes.user_id')")
        assert cursor.fetchone() == (str(org.owner.pk),)
    assert current_user_setting() in ("", None)
    with connected_as_app():
        assert Case.objects.count() == 0


def test_the_subjects_manager_cannot_break_the_glass_even_in_sql(org: Org) -> None:
    """The subject's line manager, asking the database directly, finds no case to break into
    and may not write a break-glass access row to it; someone with no conflict may."""
    boss = make_user("boss", Role.PSD_INVESTIGATOR, "psd-9")
    org.subject.line_manager = boss
    org.subject.save(update_fields=["line_manager"])
    later = timezone.now() + dt.timedelta(hours=1)
    insert = (
        "INSERT INTO cases_caseaccess"
        " (case_id, user_id, kind, reason, granted_by_id, granted_at, expires_at)"
        " VALUES (%s, %s, 'break-glass', 'x', %s, now(), %s)"
    )
    for user in (boss, org.subject):
        with as_app(user) as cursor:
            cursor.execute(
                "SELECT count(*) FROM custodes_break_glass_case(%s)", [org.case.reference]
            )
            assert cursor.fetchone() == (0,), user
            assert "row-level security" in refused(
                cursor, insert, [org.case.pk, user.pk, user.pk, later]
            )
        with as_app(user), pytest.raises(PermissionDenied):
            break_glass(user, org.case.reference, REASON)
    with as_app(org.outsider) as cursor:
        cursor.execute("SELECT count(*) FROM custodes_break_glass_case(%s)", [org.case.reference])
        assert cursor.fetchone() == (1,)
        cursor.execute(insert, [org.case.pk, org.outsider.pk, org.outsider.pk, later])


def test_a_break_glass_alert_is_hidden_from_those_too_close_to_the_cases_subject(
    org: Org,
) -> None:
    """The alert names the case: the database hides it from the subject's colleagues as the
    application does, though none of them is the alert's own subject."""
    analyst = make_user("analyst", Role.CC_ANALYST, "response-north-1")  # the subject's unit
    elsewhere = make_user("elsewhere", Role.CC_ANALYST, "acu-north")
    break_glass(org.outsider, org.case.reference, REASON)
    alert = Alert.objects.get()
    assert alert.case_id == org.case.pk
    with as_app(analyst):
        assert not Alert.objects.exists()
    assert alerts_for_user(analyst) == []
    with as_app(elsewhere):
        assert list(Alert.objects.values_list("pk", flat=True)) == [alert.pk]
    assert [a.pk for a in alerts_for_user(elsewhere)] == [alert.pk]


def test_the_trail_shows_its_rows_only_to_those_who_audit_custodes_users(org: Org) -> None:
    """As the application's role, an investigator or a lead reads no one's trail events (who
    signed in, who read which case); they still append; an oversight reviewer reads them."""
    reviewer = make_user("reviewer", Role.OVERSIGHT_REVIEWER, "oversight")
    assert may_read_trail(reviewer) and not may_read_trail(org.lead)
    total = TrailEvent.objects.count()
    assert total > 0
    for user in (org.owner, org.lead, org.outsider, None):
        with as_app(user):
            assert TrailEvent.objects.count() == 0, user
            if user is not None:
                record(user.pk, Action.READ, Subject.CASE, org.case.pk)
    with as_app(reviewer):
        assert TrailEvent.objects.count() == total
        record(reviewer.pk, Action.READ, Subject.CASE, org.case.pk)
    assert TrailEvent.objects.count() == total  # each as_app block was taken back
    assert verify() == []
    with as_app(org.owner):
        for n in range(3):
            record(org.owner.pk, Action.READ, Subject.CASE, org.case.pk, changes={"n": n})
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            assert verify() == []
            transaction.set_rollback(True)


def test_the_trail_roles_of_the_database_are_those_of_the_app() -> None:
    migration = importlib.import_module(
        "custodes.web.dbsecurity.migrations.0008_conflicts_and_trail"
    )
    assert set(migration.TRAIL_ROLES) == {r.value for r in TRAIL_ROLES}


def test_trail_verify_as_the_app_role_is_refused_not_passed(org: Org) -> None:
    """An operator who runs `custodes trail verify` with the web app's DATABASE_URL is told to
    use the owner's, instead of "ok: 0 events checked"."""
    with as_app(org.lead):
        done = CliRunner().invoke(app, ["trail", "verify"])
    assert done.exit_code == 1
    assert "row-level security hides the trail's rows" in done.output
    assert "events checked" not in done.output
