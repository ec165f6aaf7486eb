"""Row-level security on audit runs, their staff, alerts and evidence, as the application's role."""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from typer.testing import CliRunner

from custodes.cli import app
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.access import (
    ALERT_ROLES,
    audit_alerts_for_user,
    get_audit_alert_for_user,
    may_review_audit_alerts,
    read_evidence,
)
from custodes.web.alerts.actions import (
    AuditImportError,
    dismiss_audit_alert,
    escalate_audit_alert,
    import_audit_run,
    open_case_from_audit_alert,
)
from custodes.web.alerts.models import AuditAlert, AuditEvidence, AuditRun
from custodes.web.cases.access import decide, is_subject, subject_conflict
from custodes.web.cases.actions import CASE_ROLES, add_member, break_glass, grant_access
from custodes.web.cases.models import Case, CaseAccess
from custodes.web.needtoknow.charts import Charts
from custodes.web.needtoknow.models import ForceStaff
from custodes.web.needtoknow.rule import Conflict
from custodes.web.trail.chain import verify
from custodes.web.trail.kinds import Action
from custodes.web.trail.models import TrailEvent
from tests.web.audit_helpers import (
    AuditFolders,
    add_user,
    import_reorganised_run,
    import_run,
    listed,
    make_audit_folders,
    staff_around,
    visible_to,
)
from tests.web.conftest import Org, csrf_post
from tests.web.test_postgres_security import (
    APP_ROLE,
    as_app,
    connected_as_app,
    quoted,
    refused,
    seen,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

TABLES = ("alerts_auditrun", "alerts_forcestaff", "alerts_auditalert", "alerts_auditevidence")
REASON = "Look-ups match a safeguarding referral the officer was asked to check"
MIGRATION = "custodes.web.dbsecurity.migrations.0004_audit_alert_rls"
SUBJECT_MIGRATION = "custodes.web.dbsecurity.migrations.0006_audit_subject_rls"
CHARTS_MIGRATION = "custodes.web.dbsecurity.migrations.0007_case_charts_per_statement"
CONFLICTS_MIGRATION = "custodes.web.dbsecurity.migrations.0008_conflicts_and_trail"


@pytest.fixture
def folders(tmp_path_factory: pytest.TempPathFactory) -> AuditFolders:
    """Return the session's synthetic force and its audit run."""
    return make_audit_folders(tmp_path_factory)


@pytest.fixture
def run(db: None, folders: AuditFolders) -> AuditRun:
    """Import the session's real audit run as the tables' owner, as the command line must."""
    return import_run(folders)


def visible() -> dict[str, set[Any]]:
    """Return what the current role sees of each audit table, by the ids that matter."""
    return {
        "runs": set(AuditRun.objects.values_list("pk", flat=True)),
        "staff": set(ForceStaff.objects.values_list("pk", flat=True)),
        "alerts": set(AuditAlert.objects.values_list("pk", flat=True)),
        "evidence": set(AuditEvidence.objects.values_list("alert_id", flat=True)),
    }


@contextmanager
def acting(user: User) -> Iterator[Any]:
    """Run the block as the application's role on behalf of `user`, and keep what it did."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {quoted(APP_ROLE)}")
        cursor.execute("SELECT set_config('custodes.user_id', %s, true)", [str(user.pk)])
        yield cursor
        # On an error the savepoint's rollback ends both; here they are ended by hand.
        cursor.execute("RESET ROLE")
        cursor.execute("SELECT set_config('custodes.user_id', '', true)")


def python_allows(user: User, alert: AuditAlert, charts: Charts | None = None) -> bool:
    """Say whether the application's own rule lets `user` see `alert`.

    The condition `get_audit_alert_for_user` and `read_evidence` apply, without the trail
    event they record on each call.
    """
    if not may_review_audit_alerts(user):
        return False
    return (charts or Charts()).subject_conflict(user, alert.force_user_id) is None


def gets(user: User, alert: AuditAlert) -> bool:
    """Say whether `get_audit_alert_for_user` hands `user` the alert."""
    try:
        get_audit_alert_for_user(user, alert.pk)
    except Http404:
        return False
    return True


def free_id(run: AuditRun, taken: set[str], sees: AuditAlert) -> str:
    """Return a force user id no test account holds yet, placed to see `sees` in the chart."""
    staff = ForceStaff.objects.filter(run=run).order_by("user_id")
    for user_id in staff.values_list("user_id", flat=True):
        if user_id not in taken and sees.pk in visible_to(run, user_id):
            taken.add(user_id)
            return user_id
    raise AssertionError("no free force user id in the run")


@pytest.fixture
def top(run: AuditRun) -> AuditAlert:
    """Return the alert ranked first."""
    return AuditAlert.objects.get(run=run, rank=1)


@pytest.fixture
def analyst(org: Org, top: AuditAlert) -> User:
    """Return an analyst with no conflict with the top alert's subject."""
    return add_user(org, "analyst", Role.CC_ANALYST, "acu-north", staff_around(top).stranger)


def test_the_audit_tables_are_bound_and_the_app_role_only_reads_and_triages(
    org: Org, top: AuditAlert, analyst: User
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)]
        )
        assert dict(cursor.fetchall()) == dict.fromkeys(TABLES, True)
    with as_app(analyst) as cursor:
        assert visible()["alerts"]  # the analyst may read
        for statement in (
            "INSERT INTO alerts_auditrun (source, fingerprint, force, imported_at, staff_count,"
            " alert_count, evidence_count, look_ups, explained, explained_share)"
            " VALUES ('x', 'x', 'XF', now(), 0, 0, 0, 0, 0, 1)",
            "INSERT INTO alerts_forcestaff (run_id, force, user_id, unit, line_manager_id)"
            f" VALUES ({top.run_id}, 'XF', 'NEW', 'u', '')",
            f"UPDATE alerts_forcestaff SET line_manager_id = '' WHERE run_id = {top.run_id}",
            "DELETE FROM alerts_forcestaff",
            "UPDATE alerts_auditrun SET force = 'x'",
            "DELETE FROM alerts_auditrun",
            # Whom an alert is about, and what it scored, are the audit's, not the app's.
            f"UPDATE alerts_auditalert SET force_user_id = 'X' WHERE id = {top.pk}",
            f"UPDATE alerts_auditalert SET score = 0 WHERE id = {top.pk}",
            f"DELETE FROM alerts_auditalert WHERE id = {top.pk}",
            f"UPDATE alerts_auditevidence SET signal = 'x' WHERE alert_id = {top.pk}",
            "DELETE FROM alerts_auditevidence",
            "TRUNCATE alerts_auditevidence",
        ):
            assert "permission denied" in refused(cursor, statement), statement
        # Triage is recorded only in one's own name, and links only a case one may see.
        triage = (
            "UPDATE alerts_auditalert SET status = 'dismissed', triaged_by_id = %s,"
            " triage_reason = 'x', triaged_at = now() WHERE id = %s"
        )
        assert "row-level security" in refused(cursor, triage, [org.lead.pk, top.pk])
        assert "row-level security" in refused(
            cursor,
            "UPDATE alerts_auditalert SET case_id = %s, triaged_by_id = %s WHERE id = %s",
            [org.case.pk, analyst.pk, top.pk],
        )
        cursor.execute(triage, [analyst.pk, top.pk])
        assert cursor.rowcount == 1


def test_the_sql_role_list_matches_the_application() -> None:
    migration = importlib.import_module(MIGRATION)
    assert set(migration.ALERT_ROLES) == {r.value for r in ALERT_ROLES}
    assert set(migration.TRIAGE_COLUMNS) >= {"status", "triaged_by_id", "case_id"}


def test_with_no_user_or_as_the_outsider_nothing_shows(org: Org, run: AuditRun) -> None:
    assert all(visible().values())
    for user in (None, org.outsider, org.subject):
        with as_app(user) as cursor:
            assert visible() == {"runs": set(), "staff": set(), "alerts": set(), "evidence": set()}
            for table in TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")
                assert cursor.fetchone() == (0,), (user, table)
    with as_app(None) as cursor:
        cursor.execute("SELECT set_config('custodes.user_id', NULL, true)")
        assert not any(visible().values())


def test_each_analyst_sees_exactly_what_the_application_allows(
    org: Org, run: AuditRun, top: AuditAlert, analyst: User
) -> None:
    around = staff_around(top)
    managed = AuditAlert.objects.filter(
        run=run, force_user_id__in=run.staff.values("line_manager_id")
    ).first()
    assert managed is not None, "no alert about a manager in this run"
    report = run.staff.filter(line_manager_id=managed.force_user_id).first()
    assert report is not None
    second = AuditAlert.objects.get(pk=visible_to(run, around.stranger)[1])
    taken = {around.stranger, around.subject, around.manager, around.unit_mate, report.user_id}
    taken.add(second.force_user_id)

    def make(name: str, role: Role, force_user_id: str | None, **extra: Any) -> User:
        # A unit each: accounts holding a subject's id would otherwise conflict in custodes.
        return add_user(org, name, role, f"unit-{name}", force_user_id, **extra)

    itself = make("itself", Role.CC_ANALYST, around.subject)
    manager = make("manager", Role.CC_LEAD, around.manager)
    reporting = make("reporting", Role.CC_ANALYST, report.user_id)
    unit_mate = make("unit-mate", Role.CC_ANALYST, around.unit_mate)
    wrong_role = make("wrong-role", Role.PSD_INVESTIGATOR, free_id(run, taken, top))
    inactive = make("inactive", Role.CC_ANALYST, free_id(run, taken, top))
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    # In custodes' own chart: the boss of the account that holds the second subject's id.
    boss = make("boss", Role.CC_LEAD, free_id(run, taken, second))
    make("second-subject", Role.INTAKE_HANDLER, second.force_user_id, manager=boss)
    no_id = org.lead  # a cc-lead with no force user id

    expected_sight = {
        analyst: {top: True, second: True},
        itself: {top: False},
        manager: {top: False},
        reporting: {managed: False},
        unit_mate: {top: False},
        wrong_role: {top: False},
        inactive: {top: False},
        boss: {second: False, top: True},
        no_id: {top: False},
        org.outsider: {top: False},
    }
    everyone = list(User.objects.all())
    for user in everyone:
        allowed = {a.pk for a in audit_alerts_for_user(user)}
        with_evidence = set(
            AuditEvidence.objects.filter(alert_id__in=allowed).values_list("alert_id", flat=True)
        )
        reviews = may_review_audit_alerts(user)
        for alert, sees in expected_sight.get(user, {}).items():
            assert (alert.pk in allowed) is sees, (user, alert.rank)
            assert gets(user, alert) is sees, (user, alert.rank)
        with as_app(user):
            seen = visible()
            assert seen["alerts"] == allowed, user
            assert seen["evidence"] == with_evidence, user
            assert bool(seen["runs"]) is reviews and bool(seen["staff"]) is reviews, user
            # The application's own checks give the same answer under RLS.
            assert {a.pk for a in audit_alerts_for_user(user)} == allowed, user
            for alert in expected_sight.get(user, {}):
                assert gets(user, alert) is (alert.pk in allowed), (user, alert.rank)
                if alert.pk in allowed:
                    evidence = read_evidence(user, AuditAlert.objects.get(pk=alert.pk))
                    assert len(evidence) == AuditEvidence.objects.filter(alert=alert).count()
    assert len(audit_alerts_for_user(analyst)) > 50


def test_the_triage_actions_work_as_the_app_role_for_those_allowed(
    org: Org, run: AuditRun, top: AuditAlert, analyst: User
) -> None:
    open_to_analyst = visible_to(run, staff_around(top).stranger)
    assert open_to_analyst[0] == top.pk
    second, third, fourth = (AuditAlert.objects.get(pk=pk) for pk in open_to_analyst[1:4])
    for alert in (second, third, fourth):
        assert python_allows(analyst, alert), alert.rank
    # The fourth alert's subject has a custodes account: the case is opened about it.
    account = add_user(org, "fourth-subject", Role.INTAKE_HANDLER, "response", fourth.force_user_id)
    manager = add_user(org, "manager", Role.CC_LEAD, "acu", staff_around(top).manager)
    with acting(analyst):
        dismissed = dismiss_audit_alert(analyst, get_audit_alert_for_user(analyst, top.pk), REASON)
        escalated = escalate_audit_alert(
            analyst, get_audit_alert_for_user(analyst, second.pk), REASON
        )
        case = open_case_from_audit_alert(
            analyst, get_audit_alert_for_user(analyst, third.pk, Action.TRIAGE), REASON
        )
        about = open_case_from_audit_alert(
            analyst, get_audit_alert_for_user(analyst, fourth.pk, Action.TRIAGE), REASON
        )
        assert AuditAlert.objects.get(pk=third.pk).case_id == case.pk
        assert Case.objects.filter(pk__in=[case.pk, about.pk]).count() == 2
    assert dismissed.status == AuditAlert.Status.DISMISSED
    assert escalated.status == AuditAlert.Status.ESCALATED
    stored = {a.pk: a for a in AuditAlert.objects.filter(pk__in=[top.pk, second.pk, third.pk])}
    assert stored[top.pk].status == AuditAlert.Status.DISMISSED
    assert stored[top.pk].triaged_by_id == analyst.pk
    assert stored[second.pk].status == AuditAlert.Status.ESCALATED
    assert stored[third.pk].status == AuditAlert.Status.CASE_OPENED
    assert case.reference.startswith(f"AUDIT-{third.run_id}-") and case.subject_id is None
    assert about.subject_id == account.pk
    with as_app(manager) as cursor:
        # The subject's manager cannot reach the alert, by the action or by SQL.
        with pytest.raises(AuditAlert.DoesNotExist):
            escalate_audit_alert(manager, AuditAlert(pk=top.pk), REASON)
        cursor.execute(
            "UPDATE alerts_auditalert SET status = 'new', triaged_by_id = %s WHERE id = %s",
            [manager.pk, top.pk],
        )
        assert cursor.rowcount == 0
    with as_app(org.outsider), pytest.raises(PermissionDenied):
        dismiss_audit_alert(org.outsider, top, REASON)
    assert AuditAlert.objects.get(pk=top.pk).status == AuditAlert.Status.DISMISSED
    assert verify() == []


def test_the_import_refuses_a_role_that_rls_binds(org: Org, folders: AuditFolders) -> None:
    admin = add_user(org, "admin", Role.ADMINISTRATOR, "it-services")
    for user in (None, admin, org.lead):
        with as_app(user), pytest.raises(AuditImportError, match="owner's DATABASE_URL"):
            import_audit_run(user, folders.run, folders.extract)
    with as_app(None):
        done = CliRunner().invoke(
            app, ["alerts", "import", str(folders.run), "--extract", str(folders.extract)]
        )
    assert done.exit_code == 1, done.output
    assert "row-level security" in done.output and "Nothing was imported." in done.output
    assert not AuditRun.objects.exists()
    assert not TrailEvent.objects.filter(action="import").exists()
    # As the owner the same import goes through.
    assert import_audit_run(None, folders.run, folders.extract).created


def _bare_run(source: str, fingerprint: str, now: dt.datetime) -> AuditRun:
    """Make a run with no alerts, for tests that build its force chart by hand."""
    return AuditRun.objects.create(
        source=source,
        fingerprint=fingerprint,
        force="XF",
        imported_at=now,
        staff_count=0,
        alert_count=0,
        evidence_count=0,
        look_ups=0,
        explained=0,
        explained_share=1.0,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_database_decides_exactly_as_the_application(db: None, seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    # "" too: an id like any other to the force's chart, though never a viewer's own.
    staff_ids = ["", *(f"F{i:02d}" for i in range(23))]
    units = ["", "u1", "u2", "u3"]
    runs = []
    for n in range(2):
        run = _bare_run(f"run-{n}", f"{seed}-{n}", now)
        runs.append(run)
        # Each run a chart of its own: managers anywhere, themselves, off the staff or none,
        # so there are cycles and broken chains.
        on_staff = rng.sample(staff_ids, 20)
        ForceStaff.objects.bulk_create(
            ForceStaff(
                run=run,
                force="XF",
                user_id=user_id,
                unit=rng.choice(units),
                line_manager_id=rng.choice(["", "GONE", *on_staff]),
            )
            for user_id in on_staff
        )
        subjects = rng.sample([*on_staff, "NOT-ON-STAFF"], 12)
        for rank, subject in enumerate(subjects, start=1):
            alert = AuditAlert.objects.create(
                run=run,
                rank=rank,
                force="XF",
                force_user_id=subject,
                score=1.0,
                summary="s",
                reasons="r",
                events=1,
                first_ts=now,
                last_ts=now,
            )
            for k in range(rng.randrange(3)):
                AuditEvidence.objects.create(
                    alert=alert,
                    event_id=f"E{k}",
                    signal="s",
                    explanation_found="none",
                    explanation_sought="x",
                )
    held: set[tuple[str, str]] = set()
    made = []
    for i in range(16):
        force = rng.choice(["XF", "XF", "YF"])
        force_user_id = rng.choice([None, "", "NOT-ON-STAFF", *staff_ids])
        if force_user_id is not None and (force, force_user_id) in held:
            force_user_id = None
        if force_user_id is not None:
            held.add((force, force_user_id))
        made.append(
            User.objects.create(
                username=f"u{i}",
                role=rng.choice([Role.CC_ANALYST, Role.CC_LEAD, rng.choice(list(Role))]),
                unit=rng.choice(units),
                force=force,
                force_user_id=force_user_id,
                is_active=rng.random() > 0.1,
            )
        )
    users = list(User.objects.filter(pk__in=[u.pk for u in made]).order_by("pk"))
    for user in users:
        if rng.random() < 0.6:
            user.line_manager = rng.choice(users)
            user.save(update_fields=["line_manager"])
    alerts = list(AuditAlert.objects.order_by("pk"))
    charts = Charts()
    allowed_pairs = 0
    conflicts: set[Conflict] = set()
    for user in users:
        expected = {a.pk for a in alerts if python_allows(user, a, charts)}
        allowed_pairs += len(expected)
        if may_review_audit_alerts(user):
            conflicts |= {
                c
                for a in alerts
                if (c := charts.subject_conflict(user, a.force_user_id)) is not None
            }
        with connection.cursor() as cursor:
            for alert in alerts:
                cursor.execute("SELECT custodes_may_see_audit_alert(%s, %s)", [alert.pk, user.pk])
                assert cursor.fetchone() == (alert.pk in expected,), (user, alert.pk)
        with_evidence = set(
            AuditEvidence.objects.filter(alert_id__in=expected).values_list("alert_id", flat=True)
        )
        reviews = may_review_audit_alerts(user)
        with as_app(user):
            seen = visible()
            assert seen["alerts"] == expected, user
            assert seen["evidence"] == with_evidence, user
            assert seen["runs"] == ({r.pk for r in runs} if reviews else set()), user
            assert len(seen["staff"]) == (40 if reviews else 0), user
    assert allowed_pairs > 0 and conflicts == set(Conflict)


@pytest.mark.django_db(transaction=True)
def test_the_audit_queue_works_connected_as_the_app_role(org: Org, folders: AuditFolders) -> None:
    run = import_run(folders)
    top = AuditAlert.objects.get(run=run, rank=1)
    around = staff_around(top)
    analyst = add_user(org, "analyst", Role.CC_ANALYST, "acu-north", around.stranger)
    manager = add_user(org, "manager", Role.CC_ANALYST, "acu-south", around.manager)
    detail = f"/alerts/audit/{top.pk}/"
    expected = visible_to(run, around.stranger)
    with connected_as_app():
        client = org.client(analyst)
        assert listed(client) == expected
        page = client.get(detail)
        assert page.status_code == 200 and top.summary in page.content.decode()
        done = csrf_post(client, f"{detail}dismiss/", {"reason": REASON})
        assert done.status_code == 302, done.content.decode()[:500]
        close = org.client(manager)
        assert top.pk not in listed(close, "all")
        assert close.get(detail).status_code == 404
        assert csrf_post(close, f"{detail}escalate/", {"reason": REASON}).status_code == 404
        # Between requests the pooled connection is nobody, and nobody sees no alert.
        assert not AuditAlert.objects.exists()
    stored = AuditAlert.objects.get(pk=top.pk)
    assert stored.status == AuditAlert.Status.DISMISSED and stored.triaged_by_id == analyst.pk
    assert verify() == []


def test_a_chart_without_the_viewer_decides_only_in_custodes_chart(
    org: Org, run: AuditRun, top: AuditAlert
) -> None:
    # An id the run's staff table lacks: the force chart cannot hide anything from them.
    stranger = add_user(org, "from-elsewhere", Role.CC_ANALYST, "acu-north", "NOT-IN-THE-FORCE")
    expected = {a.pk for a in audit_alerts_for_user(stranger)}
    assert top.pk in expected
    with as_app(stranger):
        assert (
            visible()["alerts"]
            == expected
            == set(AuditAlert.objects.filter(run=run).values_list("pk", flat=True))
        )


def test_the_migration_can_be_taken_back_and_applied_again(db: None) -> None:
    migration = importlib.import_module(MIGRATION)
    with connection.schema_editor() as editor:
        migration.backward(None, editor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname = ANY(%s) AND relrowsecurity",
            [list(TABLES)],
        )
        assert cursor.fetchone() == (0,)
        cursor.execute("SELECT to_regproc('custodes_audit_hidden_staff')")
        assert cursor.fetchone() == (None,)
    with connection.schema_editor() as editor:
        migration.forward(None, editor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname = ANY(%s) AND relrowsecurity",
            [list(TABLES)],
        )
        assert cursor.fetchone() == (len(TABLES),)


def test_a_later_run_hides_the_older_alert_in_the_database_too(
    org: Org, folders: AuditFolders, run: AuditRun, top: AuditAlert, tmp_path: Path
) -> None:
    viewer_id = staff_around(top).stranger
    viewer = add_user(org, "analyst", Role.CC_ANALYST, "acu-north", viewer_id)
    with as_app(viewer):
        assert top.pk in visible()["alerts"]
    # The force reorganises: the analyst now line-manages the subject of the older alert.
    later = import_reorganised_run(folders, tmp_path, top.force_user_id, viewer_id)
    new = AuditAlert.objects.get(run=later, force_user_id=top.force_user_id)
    allowed = {a.pk for a in audit_alerts_for_user(viewer)}
    assert top.pk not in allowed and new.pk not in allowed
    with as_app(viewer) as cursor:
        assert visible()["alerts"] == allowed
        assert {a.pk for a in audit_alerts_for_user(viewer)} == allowed
        cursor.execute(
            "UPDATE alerts_auditalert SET status = 'dismissed', triaged_by_id = %s,"
            " triage_reason = 'x', triaged_at = now() WHERE id = %s",
            [viewer.pk, top.pk],
        )
        assert cursor.rowcount == 0
    assert AuditAlert.objects.get(pk=top.pk).status == AuditAlert.Status.NEW


def test_a_case_from_an_alert_keeps_the_force_charts_need_to_know_in_the_database(
    org: Org, top: AuditAlert, analyst: User
) -> None:
    around = staff_around(top)
    manager = add_user(org, "boss", Role.PSD_INVESTIGATOR, "psd-3", around.manager)
    mate = add_user(org, "mate", Role.PSD_INVESTIGATOR, "psd-4", around.unit_mate)
    holder = add_user(
        org, "pc-jones", Role.PSD_INVESTIGATOR, "psd-9", top.force_user_id, force="XF-2"
    )
    with acting(analyst):
        case = open_case_from_audit_alert(
            analyst, get_audit_alert_for_user(analyst, top.pk, Action.TRIAGE), REASON
        )
    assert case.subject_id == holder.pk
    for user in (manager, mate, holder):
        add_member(org.lead, case, user)
    with as_app(analyst):
        assert seen("cases_case", "id", case.pk) == 1
    for user in (manager, mate, holder):
        with as_app(user):
            assert seen("cases_case", "id", case.pk) == 0, user
            assert not decide(user, case).allowed, user
    grant_access(org.lead, case, mate, "The only investigator cleared for the matter")
    with as_app(mate):
        assert seen("cases_case", "id", case.pk) == 1
    insert = (
        "INSERT INTO cases_caseaccess"
        " (case_id, user_id, kind, reason, granted_by_id, granted_at, expires_at)"
        " VALUES (%s, %s, %s, 'x', %s, now(), %s)"
    )
    later = timezone.now() + dt.timedelta(hours=1)
    with as_app(holder) as cursor:
        # The subject under another spelling of the force: break-glass finds no case.
        cursor.execute("SELECT count(*) FROM custodes_break_glass_case(%s)", [case.reference])
        assert cursor.fetchone() == (0,)
        with pytest.raises(PermissionDenied):
            break_glass(holder, case.reference, "Checking something on this case")
        assert "row-level security" in refused(
            cursor, insert, [case.pk, holder.pk, "break-glass", holder.pk, later]
        )
    with as_app(org.lead) as cursor:
        assert "row-level security" in refused(
            cursor, insert, [case.pk, holder.pk, "grant", org.lead.pk, None]
        )
    with as_app(manager) as cursor:
        # Nor may the subject's force manager open a case about them in SQL.
        assert "row-level security" in refused(
            cursor,
            "INSERT INTO cases_case (id, reference, title, subject_force, subject_force_user_id,"
            " sealed, opened_by_id, opened_at)"
            " VALUES (gen_random_uuid(), 'X-1', 'x', 'XF', %s, false, %s, now())",
            [top.force_user_id, manager.pk],
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_database_decides_cases_from_alerts_exactly_as_decide(db: None, seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    staff_ids = [f"F{i:02d}" for i in range(16)]
    for n in range(2):
        run = _bare_run(f"run-{n}", f"cases-{seed}-{n}", now)
        # Two charts that disagree, with cycles and broken chains, as a reorganisation and
        # bad data would leave them.
        on_staff = rng.sample(staff_ids, 13)
        ForceStaff.objects.bulk_create(
            ForceStaff(
                run=run,
                force="XF",
                user_id=user_id,
                unit=rng.choice(["", "u1", "u2"]),
                line_manager_id=rng.choice(["", "GONE", *on_staff]),
            )
            for user_id in on_staff
        )
    held: set[tuple[str, str]] = set()
    made = []
    for i in range(14):
        force = rng.choice(["XF", "XF", "XF-2"])
        force_user_id = rng.choice([None, *staff_ids])
        if force_user_id is not None and (force, force_user_id) in held:
            force_user_id = None
        if force_user_id is not None:
            held.add((force, force_user_id))
        made.append(
            User.objects.create(
                username=f"u{i}",
                role=rng.choice([*CASE_ROLES, rng.choice(list(Role))]),
                unit=rng.choice(["", "psd-1", "psd-2"]),
                force=force,
                force_user_id=force_user_id,
                is_active=rng.random() > 0.1,
            )
        )
    users = list(User.objects.filter(pk__in=[u.pk for u in made]).order_by("pk"))
    for user in users:
        if rng.random() < 0.5:
            user.line_manager = rng.choice(users)
            user.save(update_fields=["line_manager"])
    cases = []
    for i in range(12):
        case = Case.objects.create(
            reference=f"AUDIT-{i}",
            title="t",
            subject=rng.choice([None, None, *users]),
            subject_force_user_id=rng.choice([None, "NOT-ON-STAFF", *staff_ids]),
            sealed=rng.random() < 0.2,
            opened_by=rng.choice(users),
            opened_at=now,
        )
        cases.append(case)
        for _ in range(rng.randrange(1, 10)):
            CaseAccess.objects.create(
                case=case,
                user=rng.choice(users),
                kind=rng.choice(list(CaseAccess.Kind)),
                granted_by=rng.choice(users),
                granted_at=now,
                expires_at=rng.choice([None, now + dt.timedelta(days=1)]),
            )
    charts = Charts()
    allowed_pairs = 0
    kept_out_by_the_force = 0
    for user in users:
        expected = {c.pk for c in cases if decide(user, c, charts=charts).allowed}
        allowed_pairs += len(expected)
        kept_out_by_the_force += sum(
            subject_conflict(user, c.subject_id, None, charts) is None
            and subject_conflict(user, c.subject_id, c.subject_force_user_id, charts) is not None
            for c in cases
        )
        with connection.cursor() as cursor:
            for case in cases:
                cursor.execute("SELECT custodes_may_see_case(%s, %s)", [case.pk, user.pk])
                assert cursor.fetchone() == (case.pk in expected,), (user, case)
        # Break-glass is for absent colleagues: never past a conflict with the subject.
        glass = {
            c.pk
            for c in cases
            if not c.sealed
            and not is_subject(user, c)
            and subject_conflict(user, c.subject_id, c.subject_force_user_id, charts) is None
            and user.is_active
            and user.role in CASE_ROLES
        }
        with as_app(user) as cursor:
            assert set(Case.objects.values_list("pk", flat=True)) == expected, user
            # The application's own decision is the same where RLS hides the force's charts.
            assert {c.pk for c in cases if decide(user, c).allowed} == expected, user
            found = set()
            for case in cases:
                cursor.execute("SELECT id FROM custodes_break_glass_case(%s)", [case.reference])
                found |= {row[0] for row in cursor.fetchall()}
            assert found == glass, user
    assert allowed_pairs > 0 and kept_out_by_the_force > 0


def test_the_subject_migration_can_be_taken_back_and_applied_again(
    org: Org, top: AuditAlert, analyst: User
) -> None:
    migration = importlib.import_module(SUBJECT_MIGRATION)
    later = importlib.import_module(CHARTS_MIGRATION)
    latest = importlib.import_module(CONFLICTS_MIGRATION)
    manager = add_user(org, "boss", Role.PSD_INVESTIGATOR, "psd-3", staff_around(top).manager)
    case = open_case_from_audit_alert(analyst, top, REASON)
    add_member(org.lead, case, manager)

    def functions() -> tuple[Any, ...]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT to_regproc('custodes_audit_hidden_staff'),"
                " to_regproc('custodes_audit_conflicts')"
            )
            return tuple(None if f is None else str(f) for f in cursor.fetchone())

    def manager_sees() -> int:
        with as_app(manager):
            return seen("cases_case", "id", case.pk)

    assert functions() == (None, "custodes_audit_conflicts") and manager_sees() == 0
    # Migrations are taken back latest first: 0008 and 0007 build on 0006's functions.
    with connection.schema_editor() as editor:
        latest.backward(None, editor)
        later.backward(None, editor)
        migration.backward(None, editor)
    # 0003's and 0004's rules again: the manager on the team sees the case.
    assert functions() == ("custodes_audit_hidden_staff", None) and manager_sees() == 1
    with as_app(analyst):
        assert top.pk in visible()["alerts"]
    with connection.schema_editor() as editor:
        migration.forward(None, editor)
        later.forward(None, editor)
        latest.forward(None, editor)
    assert functions() == (None, "custodes_audit_conflicts") and manager_sees() == 0
