"""Row-level security on PostgreSQL: the need-to-know rules again, in the database.

The policies name the user through `custodes.user_id` (set per transaction by
`DatabaseUserMiddleware`). Reads mirror `cases.access.decide` and `alerts.access` exactly.

Writes are designed so the action functions work as the actor, and so no one can give
themselves access the application would not:

- A case is opened by its opener (`opened_by`) about someone they have no conflict with; it
  is changed or removed only by someone who may see it, and must stay visible to them.
- An access row is written with `granted_by` = the actor. Access for someone else comes from
  the granting roles (who need not see the case: access administration is not reading) or,
  as a team member, from anyone who may see the case. Access for oneself comes only from
  opening the case (its first access row) or from break-glass (expiring, never sealed); the
  granting roles may also name or grant themselves, as the application lets them, on the
  trail. Nobody is given access to a case about themselves, nor gives access to one. Only
  those who could give an access row change or remove it, and never their own.
- A party is written only by someone who may see its case.
- Anyone may raise an alert (it reveals nothing; refusing it could only hide one); only
  those who may see an alert change or remove it.

INSERT ... RETURNING (Django's way of learning a new id) must also pass the SELECT policy,
so a new access row counts towards the reader's own access while it is being checked, and
granting roles see the access rows they gave. Alerts, which their raiser often may not see,
are inserted without RETURNING (`dbsecurity.rls.insert_unread`), and break-glass finds its
case through `custodes_break_glass_case`, the one narrow way past the case policy.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from psycopg import sql

# The roles of cases/actions.py and alerts/access.py; a test keeps these in step with them.
CASE_ROLES = (
    "psd-investigator",
    "cc-analyst",
    "cc-lead",
    "appropriate-authority",
    "oversight-reviewer",
)
GRANTING_ROLES = ("cc-lead", "administrator")
ALERT_ROLES = ("cc-lead", "cc-analyst")

# {definer}: security-definer functions read the tables as their owner, whom RLS does not
# bind, so the policies that call them do not recurse; their search_path is fixed so no
# caller can substitute a table or function of their own.
DEFINER = "STABLE SECURITY DEFINER SET search_path = pg_catalog, {}, pg_temp"

FUNCTIONS: list[tuple[str, str]] = [
    (
        "custodes_current_user()",
        """
        CREATE FUNCTION custodes_current_user() RETURNS bigint LANGUAGE sql STABLE AS $$
            SELECT nullif(current_setting('custodes.user_id', true), '')::bigint
        $$
        """,
    ),
    (
        "custodes_has_role(bigint, text[])",
        """
        CREATE FUNCTION custodes_has_role(p_user bigint, p_roles text[]) RETURNS boolean
        LANGUAGE sql {definer} AS $$
            SELECT EXISTS (
                SELECT 1 FROM accounts_user
                WHERE id = p_user AND is_active AND role = ANY (p_roles)
            )
        $$
        """,
    ),
    (
        "custodes_managers(bigint)",
        """
        CREATE FUNCTION custodes_managers(p_user bigint) RETURNS SETOF bigint
        LANGUAGE sql {definer} AS $$
            -- UNION, not UNION ALL: a cycle of line managers ends the walk.
            WITH RECURSIVE chain(id) AS (
                SELECT line_manager_id FROM accounts_user
                WHERE id = p_user AND line_manager_id IS NOT NULL
                UNION
                SELECT u.line_manager_id FROM accounts_user AS u JOIN chain ON u.id = chain.id
                WHERE u.line_manager_id IS NOT NULL
            )
            SELECT id FROM chain
        $$
        """,
    ),
    (
        "custodes_conflict(bigint, bigint)",
        """
        CREATE FUNCTION custodes_conflict(p_viewer bigint, p_subject bigint) RETURNS boolean
        LANGUAGE sql {definer} AS $$
            -- need_to_know.conflict: self; the chain above or below the viewer; same unit.
            SELECT CASE
                WHEN p_subject IS NULL THEN false
                WHEN p_viewer IS NULL THEN true
                ELSE p_viewer = p_subject
                    OR p_subject IN (SELECT m FROM custodes_managers(p_viewer) AS m)
                    OR p_viewer IN (SELECT m FROM custodes_managers(p_subject) AS m)
                    OR EXISTS (
                        SELECT 1 FROM accounts_user AS v JOIN accounts_user AS s ON s.id = p_subject
                        WHERE v.id = p_viewer AND v.unit <> '' AND v.unit = s.unit
                    )
            END
        $$
        """,
    ),
    (
        "custodes_may_see(bigint, uuid, bigint, boolean, text)",
        """
        CREATE FUNCTION custodes_may_see(
            p_viewer bigint, p_case uuid, p_subject bigint, p_sealed boolean,
            p_extra_kind text DEFAULT NULL
        ) RETURNS boolean LANGUAGE plpgsql {definer} AS $$
        DECLARE
            kinds text[];
        BEGIN
            -- cases.access.decide, step by step. p_extra_kind counts an access row that is
            -- being inserted, which no query here can see yet.
            IF p_viewer IS NULL OR p_case IS NULL OR p_viewer IS NOT DISTINCT FROM p_subject
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
            IF custodes_conflict(p_viewer, p_subject) THEN
                RETURN kinds && ARRAY['grant', 'break-glass'];
            END IF;
            RETURN kinds && ARRAY['member', 'grant', 'break-glass'];
        END
        $$
        """,
    ),
    (
        "custodes_may_see_case(uuid, bigint, text)",
        """
        CREATE FUNCTION custodes_may_see_case(
            p_case uuid, p_viewer bigint, p_extra_kind text DEFAULT NULL
        ) RETURNS boolean LANGUAGE sql {definer} AS $$
            SELECT coalesce((
                SELECT custodes_may_see(p_viewer, c.id, c.subject_id, c.sealed, p_extra_kind)
                FROM cases_case AS c WHERE c.id = p_case
            ), false)
        $$
        """,
    ),
    (
        "custodes_may_see_access(uuid, bigint, text, timestamptz, bigint, bigint)",
        """
        CREATE FUNCTION custodes_may_see_access(
            p_case uuid, p_user bigint, p_kind text, p_expires timestamptz,
            p_granted_by bigint, p_viewer bigint
        ) RETURNS boolean LANGUAGE sql {definer} AS $$
            -- One's own active row counts even before it is stored (INSERT ... RETURNING);
            -- once stored it is counted anyway, so this is exactly "may see the case".
            SELECT custodes_may_see_case(
                    p_case,
                    p_viewer,
                    CASE WHEN p_user = p_viewer
                          AND (p_expires IS NULL OR p_expires > statement_timestamp())
                    THEN p_kind END
                )
                OR (p_granted_by = p_viewer AND custodes_has_role(p_viewer, {granting}::text[]))
        $$
        """,
    ),
    (
        "custodes_may_give_access(uuid, bigint, text, timestamptz, bigint)",
        """
        CREATE FUNCTION custodes_may_give_access(
            p_case uuid, p_user bigint, p_kind text, p_expires timestamptz, p_actor bigint
        ) RETURNS boolean LANGUAGE plpgsql {definer} AS $$
        DECLARE
            v_role text;
            v_subject bigint;
            v_sealed boolean;
            v_opener bigint;
        BEGIN
            SELECT role INTO v_role FROM accounts_user WHERE id = p_actor AND is_active;
            IF NOT FOUND THEN
                RETURN false;
            END IF;
            SELECT c.subject_id, c.sealed, c.opened_by_id INTO v_subject, v_sealed, v_opener
            FROM cases_case AS c WHERE c.id = p_case;
            IF NOT FOUND THEN
                RETURN false;
            END IF;
            IF v_subject IS NOT NULL AND v_subject IN (p_user, p_actor) THEN
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
        "custodes_may_open_case(bigint, bigint)",
        """
        CREATE FUNCTION custodes_may_open_case(p_actor bigint, p_subject bigint)
        RETURNS boolean LANGUAGE sql {definer} AS $$
            SELECT custodes_has_role(p_actor, {case_roles}::text[])
                AND NOT custodes_conflict(p_actor, p_subject)
        $$
        """,
    ),
    (
        "custodes_may_see_alert(bigint, bigint)",
        """
        CREATE FUNCTION custodes_may_see_alert(p_about bigint, p_viewer bigint)
        RETURNS boolean LANGUAGE sql {definer} AS $$
            SELECT custodes_has_role(p_viewer, {alert_roles}::text[])
                AND NOT custodes_conflict(p_viewer, p_about)
        $$
        """,
    ),
    (
        "custodes_break_glass_case(text)",
        """
        CREATE FUNCTION custodes_break_glass_case(p_reference text) RETURNS SETOF cases_case
        LANGUAGE sql {definer} AS $$
            -- Only what break_glass may open: not sealed, not about the asker.
            SELECT c.* FROM cases_case AS c
            WHERE c.reference = p_reference
              AND NOT c.sealed
              AND c.subject_id IS DISTINCT FROM custodes_current_user()
              AND custodes_has_role(custodes_current_user(), {case_roles}::text[])
        $$
        """,
    ),
]

_ME = "custodes_current_user()"
_SEE_CASE = f"custodes_may_see({_ME}, id, subject_id, sealed)"
_SEE_ACCESS = f"custodes_may_see_access(case_id, user_id, kind, expires_at, granted_by_id, {_ME})"
_GIVE = f"custodes_may_give_access(case_id, user_id, kind, expires_at, {_ME})"
_SEE_PARTY = f"custodes_may_see_case(case_id, {_ME})"
_SEE_ALERT = f"custodes_may_see_alert(about_user_id, {_ME})"

# (table, policy, command, USING, WITH CHECK)
POLICIES: list[tuple[str, str, str, str | None, str | None]] = [
    ("cases_case", "custodes_select", "SELECT", _SEE_CASE, None),
    (
        "cases_case",
        "custodes_insert",
        "INSERT",
        None,
        f"opened_by_id = {_ME} AND custodes_may_open_case({_ME}, subject_id)",
    ),
    ("cases_case", "custodes_update", "UPDATE", _SEE_CASE, _SEE_CASE),
    ("cases_case", "custodes_delete", "DELETE", _SEE_CASE, None),
    ("cases_caseaccess", "custodes_select", "SELECT", _SEE_ACCESS, None),
    ("cases_caseaccess", "custodes_insert", "INSERT", None, f"granted_by_id = {_ME} AND {_GIVE}"),
    (
        "cases_caseaccess",
        "custodes_update",
        "UPDATE",
        f"user_id <> {_ME} AND {_GIVE}",
        f"granted_by_id = {_ME} AND user_id <> {_ME} AND {_GIVE}",
    ),
    ("cases_caseaccess", "custodes_delete", "DELETE", f"user_id <> {_ME} AND {_GIVE}", None),
    ("cases_caseparty", "custodes_all", "ALL", _SEE_PARTY, _SEE_PARTY),
    ("alerts_alert", "custodes_select", "SELECT", _SEE_ALERT, None),
    ("alerts_alert", "custodes_insert", "INSERT", None, "true"),
    ("alerts_alert", "custodes_update", "UPDATE", _SEE_ALERT, _SEE_ALERT),
    ("alerts_alert", "custodes_delete", "DELETE", _SEE_ALERT, None),
]
TABLES = ("cases_case", "cases_caseaccess", "cases_caseparty", "alerts_alert")


def _render(raw_connection: Any, schema: str, template: str) -> str:
    # Identifiers and values go in through psycopg's quoting, never by hand.
    return (
        sql.SQL(template)  # type: ignore[arg-type]
        .format(
            definer=sql.SQL(DEFINER).format(sql.Identifier(schema)),  # type: ignore[arg-type]
            role=sql.Identifier(settings.DB_APP_ROLE),
            case_roles=sql.Literal(list(CASE_ROLES)),
            granting=sql.Literal(list(GRANTING_ROLES)),
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


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create the need-to-know functions and the policies that use them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    raw = schema_editor.connection.connection
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    statements: list[str] = []
    for signature, create in FUNCTIONS:
        statements.append(_render(raw, schema, create))
        statements.append(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        grant = f"GRANT EXECUTE ON FUNCTION {signature} TO {{role}}"
        statements.append(_render(raw, schema, grant))
    for table in TABLES:
        statements.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    statements.extend(_policy_sql(*policy) for policy in POLICIES)
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Drop the policies and functions, and switch row-level security off again."""
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = [f"DROP POLICY IF EXISTS {name} ON {table}" for table, name, *_ in POLICIES]
    statements += [f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY" for table in TABLES]
    statements += [f"DROP FUNCTION IF EXISTS {signature}" for signature, _ in reversed(FUNCTIONS)]
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    """Switch on row-level security for cases, their access rows and parties, and alerts."""

    dependencies = [("dbsecurity", "0002_app_role")]

    operations = [migrations.RunPython(forward, backward)]
