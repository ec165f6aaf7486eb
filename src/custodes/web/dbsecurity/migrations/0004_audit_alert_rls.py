"""Row-level security on the access audit's runs, staff charts, alerts and evidence.

Reads mirror `alerts.access` exactly: only an active cc-lead or cc-analyst with a force user
id reviews audit alerts at all (`may_review_audit_alerts`), and never one about themselves,
anyone in their line-management chain either way or their unit, in custodes' own chart (for
any account holding the subject's force user id) or in the audited force's chart of the
alert's run (`AuditCharts.conflict`). Evidence shows with its alert; a run and its staff
chart show to whoever reviews audit alerts, as the queue and the charts need them.

The application's role only reads these tables and triages alerts: it may UPDATE nothing but
an alert's triage columns, only of an alert it may see, only in its own name, and only to
link a case it may see itself. It may not insert or delete any of these rows. An import
writes a whole run, reads back alerts its importer may not see and must find a run imported
before, so it runs as the tables' owner (`custodes alerts import` with the owner's
DATABASE_URL, like `custodes web migrate`); as the application's role it is refused outright.
Letting the application's role insert when no user is set would not do: "no user" is every
anonymous request, forged staff rows would move the chart need-to-know is decided in, and
the import could still not see what it wrote or what was there before.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from psycopg import sql

# The roles of alerts/access.py; a test keeps them in step with it.
ALERT_ROLES = ("cc-lead", "cc-analyst")
TABLES = ("alerts_auditrun", "alerts_forcestaff", "alerts_auditalert", "alerts_auditevidence")
# What triage changes (alerts.actions._triage); nothing else of an alert is the app's to write.
TRIAGE_COLUMNS = ("status", "triage_reason", "triaged_by_id", "triaged_at", "case_id")

# As in 0003: security-definer functions read as their owner, whom RLS does not bind, with a
# search_path no caller can change.
DEFINER = "STABLE SECURITY DEFINER SET search_path = pg_catalog, {}, pg_temp"

# alerts.access.AuditCharts.conflict as sets worked out once per statement, not once per row:
# the force user ids hidden from the viewer in every run, and the staff hidden in each run.
# NOT IN over an uncorrelated subquery lets PostgreSQL hash each set once; neither set ever
# holds a NULL, which would make NOT IN hide every row. The scalar subquery makes the role
# check an InitPlan, also run once.
SEES = (
    "(SELECT custodes_may_review_audit_alerts({viewer}))"
    " AND {subject} NOT IN (SELECT h FROM custodes_audit_hidden_ids({viewer}) AS h)"
    " AND ({run}, {subject}) NOT IN"
    " (SELECT h.h_run, h.h_user FROM custodes_audit_hidden_staff({viewer}) AS h)"
)

FUNCTIONS: list[tuple[str, str]] = [
    (
        "custodes_may_review_audit_alerts(bigint)",
        """
        CREATE FUNCTION custodes_may_review_audit_alerts(p_viewer bigint) RETURNS boolean
        LANGUAGE sql {definer} AS $$
            -- alerts.access.may_review_audit_alerts: need-to-know in the force's chart
            -- needs the viewer's own force user id, so without one nothing shows.
            SELECT EXISTS (
                SELECT 1 FROM accounts_user
                WHERE id = p_viewer AND is_active AND role = ANY ({alert_roles}::text[])
                  AND force_user_id <> ''
            )
        $$
        """,
    ),
    (
        "custodes_conflicting(bigint)",
        """
        CREATE FUNCTION custodes_conflicting(p_viewer bigint) RETURNS SETOF bigint
        LANGUAGE sql {definer} AS $$
            -- Every account s with custodes_conflict(p_viewer, s), as one set: the viewer,
            -- the chain above them, everyone whose chain they are in, and their unit.
            WITH RECURSIVE below(id) AS (
                SELECT id FROM accounts_user WHERE line_manager_id = p_viewer
                UNION
                SELECT u.id FROM accounts_user AS u JOIN below ON u.line_manager_id = below.id
            )
            SELECT id FROM accounts_user WHERE id = p_viewer
            UNION
            SELECT m FROM custodes_managers(p_viewer) AS m
            UNION
            SELECT id FROM below
            UNION
            SELECT s.id FROM accounts_user AS v JOIN accounts_user AS s ON s.unit = v.unit
            WHERE v.id = p_viewer AND v.unit <> ''
        $$
        """,
    ),
    (
        "custodes_audit_hidden_ids(bigint)",
        """
        CREATE FUNCTION custodes_audit_hidden_ids(p_viewer bigint) RETURNS SETOF text
        LANGUAGE sql {definer} AS $$
            -- The force user id of every custodes account in conflict with the viewer in
            -- custodes' own chart, their own among them (Conflict.SELF): an account of
            -- another force with the same id only hides more, never less.
            SELECT a.force_user_id FROM accounts_user AS a
            WHERE a.force_user_id IS NOT NULL
              AND a.id IN (SELECT c FROM custodes_conflicting(p_viewer) AS c)
        $$
        """,
    ),
    (
        "custodes_audit_hidden_staff(bigint)",
        """
        CREATE FUNCTION custodes_audit_hidden_staff(p_viewer bigint)
        RETURNS TABLE (h_run bigint, h_user text) LANGUAGE sql {definer} AS $$
            -- In each run's own chart, the staff above and below the viewer and in their
            -- unit. A run whose staff lack the viewer hides nothing; a manager who is not on
            -- the run's staff ends a chain, as in AuditCharts; UNION ends a cycle.
            WITH RECURSIVE me AS (
                SELECT s.run_id, s.user_id, s.unit
                FROM accounts_user AS u
                JOIN alerts_forcestaff AS s ON s.user_id = u.force_user_id
                WHERE u.id = p_viewer AND u.force_user_id <> ''
            ),
            above(run_id, user_id) AS (
                SELECT m.run_id, m.user_id FROM me
                JOIN alerts_forcestaff AS s ON s.run_id = me.run_id AND s.user_id = me.user_id
                JOIN alerts_forcestaff AS m
                  ON m.run_id = s.run_id AND m.user_id = s.line_manager_id
                UNION
                SELECT m.run_id, m.user_id FROM above
                JOIN alerts_forcestaff AS s
                  ON s.run_id = above.run_id AND s.user_id = above.user_id
                JOIN alerts_forcestaff AS m
                  ON m.run_id = s.run_id AND m.user_id = s.line_manager_id
            ),
            below(run_id, user_id) AS (
                SELECT s.run_id, s.user_id FROM me
                JOIN alerts_forcestaff AS s
                  ON s.run_id = me.run_id AND s.line_manager_id = me.user_id
                UNION
                SELECT s.run_id, s.user_id FROM below
                JOIN alerts_forcestaff AS s
                  ON s.run_id = below.run_id AND s.line_manager_id = below.user_id
            )
            SELECT run_id, user_id FROM above
            UNION
            SELECT run_id, user_id FROM below
            UNION
            SELECT s.run_id, s.user_id FROM me
            JOIN alerts_forcestaff AS s ON s.run_id = me.run_id AND s.unit = me.unit
            WHERE me.unit <> ''
        $$
        """,
    ),
    (
        "custodes_may_see_audit_subject(bigint, text, bigint)",
        f"""
        CREATE FUNCTION custodes_may_see_audit_subject(
            p_run bigint, p_subject text, p_viewer bigint
        ) RETURNS boolean LANGUAGE sql {{definer}} AS $$
            SELECT coalesce({SEES.format(viewer="p_viewer", run="p_run", subject="p_subject")}, false)
        $$
        """,
    ),
    (
        "custodes_may_see_audit_alert(bigint, bigint)",
        """
        CREATE FUNCTION custodes_may_see_audit_alert(p_alert bigint, p_viewer bigint)
        RETURNS boolean LANGUAGE sql {definer} AS $$
            SELECT coalesce((
                SELECT custodes_may_see_audit_subject(a.run_id, a.force_user_id, p_viewer)
                FROM alerts_auditalert AS a WHERE a.id = p_alert
            ), false)
        $$
        """,
    ),
]

_ME = "custodes_current_user()"
_SEE_ALERT = SEES.format(viewer=_ME, run="run_id", subject="force_user_id")
_REVIEWS = f"(SELECT custodes_may_review_audit_alerts({_ME}))"
# Triage is recorded in the actor's own name, and links only a case the actor may see.
_TRIAGED = (
    f"{_SEE_ALERT} AND triaged_by_id = {_ME}"
    f" AND (case_id IS NULL OR custodes_may_see_case(case_id, {_ME}))"
)
_EVIDENCE = "alert_id IN (SELECT a.id FROM alerts_auditalert AS a)"

# (table, policy, command, USING, WITH CHECK); no INSERT or DELETE policy: those are refused.
POLICIES: list[tuple[str, str, str, str | None, str | None]] = [
    ("alerts_auditrun", "custodes_select", "SELECT", _REVIEWS, None),
    ("alerts_forcestaff", "custodes_select", "SELECT", _REVIEWS, None),
    ("alerts_auditalert", "custodes_select", "SELECT", _SEE_ALERT, None),
    ("alerts_auditalert", "custodes_update", "UPDATE", _SEE_ALERT, _TRIAGED),
    # Through the alerts' own policy, worked out once per statement rather than per row.
    ("alerts_auditevidence", "custodes_select", "SELECT", _EVIDENCE, None),
]

# Written into SQL only through sql.Identifier: the role name comes from the environment.
PRIVILEGES_FORWARD = [
    *(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {table} FROM {{role}}" for table in TABLES),
    f"GRANT UPDATE ({', '.join(TRIAGE_COLUMNS)}) ON alerts_auditalert TO {{role}}",
]
PRIVILEGES_BACKWARD = [
    f"REVOKE UPDATE ({', '.join(TRIAGE_COLUMNS)}) ON alerts_auditalert FROM {{role}}",
    # What 0002_app_role gave every table.
    *(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {{role}}" for table in TABLES),
]


def _render(raw_connection: Any, schema: str, template: str) -> str:
    # Identifiers and values go in through psycopg's quoting, never by hand.
    return (
        sql.SQL(template)  # type: ignore[arg-type]
        .format(
            definer=sql.SQL(DEFINER).format(sql.Identifier(schema)),  # type: ignore[arg-type]
            role=sql.Identifier(settings.DB_APP_ROLE),
            alert_roles=sql.Literal(list(ALERT_ROLES)),
        )
        .as_string(raw_connection)
    )


def _policy_sql(table: str, name: str, command: str, using: str | None, check: str | None) -> str:
    # Fixed text from this module only: table, policy and expressions are all constants here.
    statement = f"CREATE POLICY {name} ON {table} FOR {command}"
    if using is not None:
        statement += f" USING ({using})"
    if check is not None:
        statement += f" WITH CHECK ({check})"
    return statement


def _schema(schema_editor: BaseDatabaseSchemaEditor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    return str(schema)


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create the audit need-to-know functions and policies, and narrow the app's rights."""
    if schema_editor.connection.vendor != "postgresql":
        return
    raw = schema_editor.connection.connection
    schema = _schema(schema_editor)
    statements: list[str] = []
    for signature, create in FUNCTIONS:
        statements.append(_render(raw, schema, create))
        statements.append(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        grant = f"GRANT EXECUTE ON FUNCTION {signature} TO {{role}}"
        statements.append(_render(raw, schema, grant))
    statements += [_render(raw, schema, template) for template in PRIVILEGES_FORWARD]
    statements += [f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY" for table in TABLES]
    statements += [_policy_sql(*policy) for policy in POLICIES]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Drop the policies and functions, switch RLS off and give back 0002's rights."""
    if schema_editor.connection.vendor != "postgresql":
        return
    raw = schema_editor.connection.connection
    schema = _schema(schema_editor)
    statements = [f"DROP POLICY IF EXISTS {name} ON {table}" for table, name, *_ in POLICIES]
    statements += [f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY" for table in TABLES]
    statements += [_render(raw, schema, template) for template in PRIVILEGES_BACKWARD]
    statements += [f"DROP FUNCTION IF EXISTS {signature}" for signature, _ in reversed(FUNCTIONS)]
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    """Switch on row-level security for audit runs, their staff, alerts and evidence."""

    dependencies = [
        ("accounts", "0002_user_force_user_id"),
        ("alerts", "0002_audit_runs"),
        ("dbsecurity", "0003_row_level_security"),
    ]

    operations = [migrations.RunPython(forward, backward)]
