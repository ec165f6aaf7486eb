"""Row-level security: the audited force's charts on cases opened from alerts, and in every run.

Mirrors `cases.access` (`is_subject`, `subject_conflict`, `decide`) and
`alerts.access.AuditCharts` as they now stand:

- A case opened from an audit alert names its subject as the force knows them
  (`subject_force_user_id`), often with no custodes account. Whoever holds that force user id,
  whatever their force's spelling, is the subject: they never see the case, are never given
  access to it, never give access to it and cannot break the glass into it. Everyone else is
  decided as on the alert: in custodes' own chart for every account holding the id, and in
  the force's chart of every imported run that lists both the viewer and the subject. A
  conflict there needs a grant, as one in custodes' chart does.
- An audit alert is hidden from a viewer too close to its subject in any imported run that
  lists them both, not only in its own run's chart: when a later run shows the viewer now
  manages the subject, the older alerts about that person are hidden too.

Cases with no `subject_force_user_id` (not opened from an alert) are decided as before.
The functions and policies this replaces are those of 0003 and 0004; going back puts them back.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.conf import settings
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from psycopg import sql

_ROW_LEVEL = importlib.import_module("custodes.web.dbsecurity.migrations.0003_row_level_security")
_AUDIT = importlib.import_module("custodes.web.dbsecurity.migrations.0004_audit_alert_rls")

# As in 0003 and 0004: security-definer functions read as their owner, whom RLS does not bind,
# with a search_path no caller can change.
DEFINER = "STABLE SECURITY DEFINER SET search_path = pg_catalog, {}, pg_temp"

# alerts.access.AuditCharts.conflict as sets worked out once per statement, not once per row:
# the force user ids of accounts too close to the viewer in custodes' chart, and the force
# staff too close to them in any run. Neither set ever holds a NULL, which would make NOT IN
# hide every row.
SEES = (
    "(SELECT custodes_may_review_audit_alerts({viewer}))"
    " AND {subject} NOT IN (SELECT h FROM custodes_audit_hidden_ids({viewer}) AS h)"
    " AND {subject} NOT IN (SELECT c.c_user FROM custodes_audit_conflicts({viewer}) AS c)"
)

# New functions, in the order they must be made (a SQL function's body is checked when it is).
FUNCTIONS: list[tuple[str, str]] = [
    (
        "custodes_holds_staff_id(bigint, text)",
        """
        CREATE FUNCTION custodes_holds_staff_id(p_user bigint, p_staff text) RETURNS boolean
        LANGUAGE sql {definer} AS $$
            -- cases.access.is_subject by force user id: any account holding it is the
            -- subject, whatever its force. A case not opened from an alert has NULL here.
            SELECT EXISTS (
                SELECT 1 FROM accounts_user WHERE id = p_user AND force_user_id = p_staff
            )
        $$
        """,
    ),
    (
        "custodes_audit_conflicts(bigint)",
        """
        CREATE FUNCTION custodes_audit_conflicts(p_viewer bigint)
        RETURNS TABLE (c_user text, c_kind text) LANGUAGE sql {definer} AS $$
            -- AuditCharts: in every run whose staff list the viewer, the staff above and
            -- below them ('chain') and in their unit ('unit'), whatever the run, so one run's
            -- chart hides the subject in every other. A manager who is not on the run's
            -- staff ends a chain; UNION ends a cycle.
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
            SELECT user_id, 'chain' FROM above
            UNION
            SELECT user_id, 'chain' FROM below
            UNION
            SELECT s.user_id, 'unit' FROM me
            JOIN alerts_forcestaff AS s ON s.run_id = me.run_id AND s.unit = me.unit
            WHERE me.unit <> ''
        $$
        """,
    ),
    (
        "custodes_audit_subject_conflict(bigint, text)",
        """
        CREATE FUNCTION custodes_audit_subject_conflict(p_viewer bigint, p_subject text)
        RETURNS boolean LANGUAGE sql {definer} AS $$
            -- AuditCharts.subject_conflict: the viewer's own force user id or an account
            -- too close to them in custodes' chart holds the subject's, or the subject is too
            -- close to them in a run that lists them both. NULL: no subject in the force.
            SELECT p_subject IS NOT NULL AND (
                p_viewer IS NULL
                OR p_subject IN (SELECT h FROM custodes_audit_hidden_ids(p_viewer) AS h)
                OR p_subject IN (SELECT c.c_user FROM custodes_audit_conflicts(p_viewer) AS c)
            )
        $$
        """,
    ),
    (
        "custodes_may_see(bigint, uuid, bigint, text, boolean, text)",
        """
        CREATE FUNCTION custodes_may_see(
            p_viewer bigint, p_case uuid, p_subject bigint, p_subject_staff text,
            p_sealed boolean, p_extra_kind text DEFAULT NULL
        ) RETURNS boolean LANGUAGE plpgsql {definer} AS $$
        DECLARE
            kinds text[];
        BEGIN
            -- cases.access.decide, step by step; p_subject_staff is the subject's force user
            -- id on a case opened from an audit alert. p_extra_kind counts an access row
            -- that is being inserted, which no query here can see yet.
            IF p_viewer IS NULL OR p_case IS NULL OR p_viewer IS NOT DISTINCT FROM p_subject
               OR custodes_holds_staff_id(p_viewer, p_subject_staff)
               OR NOT EXISTS (SELECT 1 FROM accounts_user WHERE id = p_viewer AND is_active)
            THEN
                RETURN false;
            END IF;
            SELECT coalesce(array_agg(kind), ARRAY[]::text[]) INTO kinds
            FROM cases_caseaccess
            WHERE case_id = p_case AND user_id = p_viewer
              AND (expires_at IS NULL OR expires_at > statement_timestamp());
            IF p_extra_kind IS NOT NULL THEN
                kinds := kinds || p_extra_kind;
            END IF;
            IF p_sealed THEN
                RETURN 'named' = ANY (kinds);
            END IF;
            IF custodes_conflict(p_viewer, p_subject)
               OR custodes_audit_subject_conflict(p_viewer, p_subject_staff)
            THEN
                RETURN kinds && ARRAY['grant', 'break-glass'];
            END IF;
            RETURN kinds && ARRAY['member', 'grant', 'break-glass'];
        END
        $$
        """,
    ),
    (
        "custodes_may_open_case(bigint, bigint, text)",
        """
        CREATE FUNCTION custodes_may_open_case(
            p_actor bigint, p_subject bigint, p_subject_staff text
        ) RETURNS boolean LANGUAGE sql {definer} AS $$
            SELECT custodes_has_role(p_actor, {case_roles}::text[])
                AND NOT custodes_conflict(p_actor, p_subject)
                AND NOT custodes_audit_subject_conflict(p_actor, p_subject_staff)
        $$
        """,
    ),
]

# Functions of 0003 and 0004 given a new body, signature and rights unchanged.
REPLACED: list[tuple[str, str]] = [
    (
        "custodes_may_see_case(uuid, bigint, text)",
        """
        CREATE OR REPLACE FUNCTION custodes_may_see_case(
            p_case uuid, p_viewer bigint, p_extra_kind text DEFAULT NULL
        ) RETURNS boolean LANGUAGE sql {definer} AS $$
            SELECT coalesce((
                SELECT custodes_may_see(
                    p_viewer, c.id, c.subject_id, c.subject_force_user_id, c.sealed, p_extra_kind
                )
                FROM cases_case AS c WHERE c.id = p_case
            ), false)
        $$
        """,
    ),
    (
        "custodes_may_give_access(uuid, bigint, text, timestamptz, bigint)",
        """
        CREATE OR REPLACE FUNCTION custodes_may_give_access(
            p_case uuid, p_user bigint, p_kind text, p_expires timestamptz, p_actor bigint
        ) RETURNS boolean LANGUAGE plpgsql {definer} AS $$
        DECLARE
            v_role text;
            v_subject bigint;
            v_staff text;
            v_sealed boolean;
            v_opener bigint;
        BEGIN
            SELECT role INTO v_role FROM accounts_user WHERE id = p_actor AND is_active;
            IF NOT FOUND THEN
                RETURN false;
            END IF;
            SELECT c.subject_id, c.subject_force_user_id, c.sealed, c.opened_by_id
            INTO v_subject, v_staff, v_sealed, v_opener
            FROM cases_case AS c WHERE c.id = p_case;
            IF NOT FOUND THEN
                RETURN false;
            END IF;
            -- Nobody is given, or gives, access to a case about themselves: by account, or
            -- by the force user id of a case opened from an audit alert.
            IF (v_subject IS NOT NULL AND v_subject IN (p_user, p_actor))
               OR custodes_holds_staff_id(p_user, v_staff)
               OR custodes_holds_staff_id(p_actor, v_staff)
            THEN
                RETURN false;
            END IF;
            IF v_role = ANY ({granting}::text[]) AND p_kind <> 'break-glass' THEN
                RETURN true;
            END IF;
            IF p_user = p_actor THEN
                IF p_kind = 'break-glass' THEN
                    RETURN v_role = ANY ({case_roles}::text[])
                        AND NOT v_sealed AND p_expires IS NOT NULL;
                END IF;
                RETURN v_opener = p_actor
                    AND p_kind = CASE WHEN v_sealed THEN 'named' ELSE 'member' END
                    AND NOT EXISTS (SELECT 1 FROM cases_caseaccess WHERE case_id = p_case);
            END IF;
            RETURN p_kind = 'member' AND custodes_may_see_case(p_case, p_actor);
        END
        $$
        """,
    ),
    (
        "custodes_break_glass_case(text)",
        """
        CREATE OR REPLACE FUNCTION custodes_break_glass_case(p_reference text)
        RETURNS SETOF cases_case LANGUAGE sql {definer} AS $$
            -- Only what break_glass may open: not sealed, not about the asker, by account
            -- or by force user id.
            SELECT c.* FROM cases_case AS c
            WHERE c.reference = p_reference
              AND NOT c.sealed
              AND c.subject_id IS DISTINCT FROM custodes_current_user()
              AND NOT custodes_holds_staff_id(custodes_current_user(), c.subject_force_user_id)
              AND custodes_has_role(custodes_current_user(), {case_roles}::text[])
        $$
        """,
    ),
    (
        "custodes_may_see_audit_alert(bigint, bigint)",
        f"""
        CREATE OR REPLACE FUNCTION custodes_may_see_audit_alert(p_alert bigint, p_viewer bigint)
        RETURNS boolean LANGUAGE sql {{definer}} AS $$
            SELECT coalesce((
                SELECT {SEES.format(viewer="p_viewer", subject="a.force_user_id")}
                FROM alerts_auditalert AS a WHERE a.id = p_alert
            ), false)
        $$
        """,  # noqa: S608 - this module's own constants, no outside value
    ),
]

# Functions of 0003 and 0004 that nothing calls any more once the policies are replaced.
RETIRED = (
    "custodes_may_see(bigint, uuid, bigint, boolean, text)",
    "custodes_may_open_case(bigint, bigint)",
    "custodes_may_see_audit_subject(bigint, text, bigint)",
    "custodes_audit_hidden_staff(bigint)",
)

_ME = "custodes_current_user()"
_SEE_CASE = f"custodes_may_see({_ME}, id, subject_id, subject_force_user_id, sealed)"
_SEE_ALERT = SEES.format(viewer=_ME, subject="force_user_id")
# Triage is recorded in the actor's own name, and links only a case the actor may see.
_TRIAGED = (
    f"{_SEE_ALERT} AND triaged_by_id = {_ME}"
    f" AND (case_id IS NULL OR custodes_may_see_case(case_id, {_ME}))"
)

# (table, policy, command, USING, WITH CHECK): each replaces the policy of that name.
POLICIES: list[tuple[str, str, str, str | None, str | None]] = [
    ("cases_case", "custodes_select", "SELECT", _SEE_CASE, None),
    (
        "cases_case",
        "custodes_insert",
        "INSERT",
        None,
        f"opened_by_id = {_ME}"
        f" AND custodes_may_open_case({_ME}, subject_id, subject_force_user_id)",
    ),
    ("cases_case", "custodes_update", "UPDATE", _SEE_CASE, _SEE_CASE),
    ("cases_case", "custodes_delete", "DELETE", _SEE_CASE, None),
    ("alerts_auditalert", "custodes_select", "SELECT", _SEE_ALERT, None),
    ("alerts_auditalert", "custodes_update", "UPDATE", _SEE_ALERT, _TRIAGED),
]


def _render(raw_connection: Any, schema: str, template: str) -> str:
    # Identifiers and values go in through psycopg's quoting, never by hand.
    return (
        sql.SQL(template)  # type: ignore[arg-type]
        .format(
            definer=sql.SQL(DEFINER).format(sql.Identifier(schema)),  # type: ignore[arg-type]
            role=sql.Identifier(settings.DB_APP_ROLE),
            case_roles=sql.Literal(list(_ROW_LEVEL.CASE_ROLES)),
            granting=sql.Literal(list(_ROW_LEVEL.GRANTING_ROLES)),
            alert_roles=sql.Literal(list(_AUDIT.ALERT_ROLES)),
        )
        .as_string(raw_connection)
    )


def _policy_sql(table: str, name: str, command: str, using: str | None, check: str | None) -> str:
    # Fixed text from this module and 0003/0004 only: nothing here comes from outside.
    statement = f"CREATE POLICY {name} ON {table} FOR {command}"
    if using is not None:
        statement += f" USING ({using})"
    if check is not None:
        statement += f" WITH CHECK ({check})"
    return statement


def _replace_policies(policies: list[tuple[str, str, str, str | None, str | None]]) -> list[str]:
    statements = []
    for table, name, command, using, check in policies:
        statements.append(f"DROP POLICY IF EXISTS {name} ON {table}")
        statements.append(_policy_sql(table, name, command, using, check))
    return statements


def _create(raw: Any, schema: str, functions: list[tuple[str, str]]) -> list[str]:
    statements = []
    for signature, create in functions:
        statements.append(_render(raw, schema, create))
        statements.append(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        grant = f"GRANT EXECUTE ON FUNCTION {signature} TO {{role}}"
        statements.append(_render(raw, schema, grant))
    return statements


def _earlier(signature: str) -> str:
    """Return the CREATE FUNCTION of 0003 or 0004 for `signature`."""
    return {**dict(_ROW_LEVEL.FUNCTIONS), **dict(_AUDIT.FUNCTIONS)}[signature]


def _earlier_policies() -> list[tuple[str, str, str, str | None, str | None]]:
    """Return the policies of 0003 and 0004 that this migration replaces."""
    replaced = {(table, name) for table, name, *_ in POLICIES}
    return [p for p in (*_ROW_LEVEL.POLICIES, *_AUDIT.POLICIES) if (p[0], p[1]) in replaced]


def _schema(schema_editor: BaseDatabaseSchemaEditor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    return str(schema)


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Decide cases from alerts and audit alerts in the force's charts of every run."""
    if schema_editor.connection.vendor != "postgresql":
        return
    raw = schema_editor.connection.connection
    schema = _schema(schema_editor)
    statements = _create(raw, schema, FUNCTIONS)
    statements += [_render(raw, schema, create) for _, create in REPLACED]
    statements += _replace_policies(POLICIES)
    statements += [f"DROP FUNCTION {signature}" for signature in RETIRED]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Put back the functions and policies of 0003 and 0004."""
    if schema_editor.connection.vendor != "postgresql":
        return
    raw = schema_editor.connection.connection
    schema = _schema(schema_editor)
    # hidden_staff first: may_see_audit_subject's body calls it.
    statements = _create(raw, schema, [(s, _earlier(s)) for s in reversed(RETIRED)])
    statements += [
        _render(raw, schema, _earlier(s).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
        for s, _ in REPLACED
    ]
    statements += _replace_policies(_earlier_policies())
    statements += [f"DROP FUNCTION IF EXISTS {s}" for s, _ in reversed(FUNCTIONS)]
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    """Apply the audited force's charts to cases opened from alerts, and across runs."""

    dependencies = [
        ("cases", "0002_case_subject_in_force"),
        ("dbsecurity", "0005_alert_kinds"),
    ]

    operations = [migrations.RunPython(forward, backward)]
