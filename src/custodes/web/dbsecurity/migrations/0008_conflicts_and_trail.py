"""Row-level security: conflicts shut break-glass and hide alerts about a case; the trail is read
only by those who audit custodes' own users.

Mirrors the application as it now stands:

- Break-glass is for absent colleagues, not conflicts (`cases.actions.break_glass`): whoever
  need-to-know keeps from a case for a conflict (its subject, their line-management chain
  either way, their unit, in custodes' chart or in an audited force's) can neither find it
  through `custodes_break_glass_case` nor insert a break-glass access row to it.
- An alert about a case (break-glass names the case, `alerts_alert.case_id`) is hidden from
  whoever is too close to the case's subject, as well as from those too close to the alert's
  own subject (`alerts.access.alerts_for_user`).
- The trail (`trail_trailevent`) had no row-level security: the application's role read who
  signed in and who read which alert. Now only an active account whose role audits
  custodes' own users (`accounts.access.TRAIL_ROLES`) sees its rows through the application's
  role; appending still works for everyone, and the chain's head, which each append needs,
  comes from `custodes_trail_head()` without showing any row.

Going back puts back the functions of 0006 (with 0007's `jit = off`) and the policies of 0005,
and switches the trail's row-level security off.
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
_KINDS = importlib.import_module("custodes.web.dbsecurity.migrations.0005_alert_kinds")
_SUBJECT = importlib.import_module("custodes.web.dbsecurity.migrations.0006_audit_subject_rls")
_PER_STATEMENT = importlib.import_module(
    "custodes.web.dbsecurity.migrations.0007_case_charts_per_statement"
)

# accounts.access.TRAIL_ROLES; a test keeps them in step.
TRAIL_ROLES = ("oversight-reviewer",)
# As 0007: security definer, a search_path no caller can change, and no JIT.
DEFINER = _PER_STATEMENT.DEFINER

FUNCTIONS: list[tuple[str, str]] = [
    (
        "custodes_case_subject_conflict(bigint, uuid)",
        """
        CREATE FUNCTION custodes_case_subject_conflict(p_viewer bigint, p_case uuid)
        RETURNS boolean LANGUAGE sql {definer} AS $$
            -- cases.access.subject_conflict for one case: the viewer is its subject, in its
            -- subject's chain either way or unit, in custodes' chart or (for a case opened
            -- from an audit alert) in an audited force's. False for no such case.
            SELECT coalesce((
                SELECT custodes_conflict(p_viewer, c.subject_id)
                    OR custodes_holds_staff_id(p_viewer, c.subject_force_user_id)
                    OR custodes_audit_subject_conflict(p_viewer, c.subject_force_user_id)
                FROM cases_case AS c WHERE c.id = p_case
            ), false)
        $$
        """,
    ),
    (
        "custodes_trail_head()",
        """
        CREATE FUNCTION custodes_trail_head() RETURNS TABLE (h_seq bigint, h_hash text)
        LANGUAGE sql {definer} AS $$
            -- The last event's place and hash, which the next append chains to: the one
            -- thing of the trail everyone who appends must read.
            SELECT seq, hash FROM trail_trailevent ORDER BY seq DESC LIMIT 1
        $$
        """,
    ),
    (
        "custodes_may_read_trail(bigint)",
        """
        CREATE FUNCTION custodes_may_read_trail(p_viewer bigint) RETURNS boolean
        LANGUAGE sql {definer} AS $$
            SELECT custodes_has_role(p_viewer, {trail_roles}::text[])
        $$
        """,
    ),
]

# 0006's functions given the conflict check; signature and rights unchanged.
REPLACED: list[tuple[str, str]] = [
    (
        "custodes_break_glass_case(text)",
        """
        CREATE OR REPLACE FUNCTION custodes_break_glass_case(p_reference text)
        RETURNS SETOF cases_case LANGUAGE sql {definer} AS $$
            -- Only what break_glass may open: not sealed, and not a case need-to-know keeps
            -- from the asker for a conflict (about them, their chain or their unit).
            SELECT c.* FROM cases_case AS c
            WHERE c.reference = p_reference
              AND NOT c.sealed
              AND c.subject_id IS DISTINCT FROM custodes_current_user()
              AND NOT custodes_holds_staff_id(custodes_current_user(), c.subject_force_user_id)
              AND NOT custodes_case_subject_conflict(custodes_current_user(), c.id)
              AND custodes_has_role(custodes_current_user(), {case_roles}::text[])
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
                    -- Break-glass is for absent colleagues: never past a conflict.
                    RETURN v_role = ANY ({case_roles}::text[])
                        AND NOT v_sealed AND p_expires IS NOT NULL
                        AND NOT custodes_case_subject_conflict(p_actor, p_case);
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
]

_ME = "custodes_current_user()"
_SEE_ALERT = (
    f"custodes_may_see_alert_kind(kind, about_user_id, {_ME})"
    f" AND (case_id IS NULL OR NOT custodes_case_subject_conflict({_ME}, case_id))"
)
# A scalar subquery: the role is looked up once per statement, not once per event.
_READS_TRAIL = f"(SELECT custodes_may_read_trail({_ME}))"

# (table, policy, command, USING, WITH CHECK): each replaces (or adds) the policy of that name.
POLICIES: list[tuple[str, str, str, str | None, str | None]] = [
    ("alerts_alert", "custodes_select", "SELECT", _SEE_ALERT, None),
    ("alerts_alert", "custodes_update", "UPDATE", _SEE_ALERT, _SEE_ALERT),
    ("alerts_alert", "custodes_delete", "DELETE", _SEE_ALERT, None),
    ("trail_trailevent", "custodes_select", "SELECT", _READS_TRAIL, None),
    # Anyone may append (refusing could only hide an event); the chain and the triggers keep
    # what is appended from being changed.
    ("trail_trailevent", "custodes_insert", "INSERT", None, "true"),
]
TRAIL = "trail_trailevent"


def _render(raw_connection: Any, schema: str, template: str, definer: str = DEFINER) -> str:
    # Identifiers and values go in through psycopg's quoting, never by hand.
    return (
        sql.SQL(template)  # type: ignore[arg-type]
        .format(
            definer=sql.SQL(definer).format(sql.Identifier(schema)),  # type: ignore[arg-type]
            role=sql.Identifier(settings.DB_APP_ROLE),
            case_roles=sql.Literal(list(_ROW_LEVEL.CASE_ROLES)),
            granting=sql.Literal(list(_ROW_LEVEL.GRANTING_ROLES)),
            trail_roles=sql.Literal(list(TRAIL_ROLES)),
        )
        .as_string(raw_connection)
    )


def _create(raw: Any, schema: str) -> list[str]:
    statements = []
    for signature, create in FUNCTIONS:
        statements.append(_render(raw, schema, create))
        statements.append(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        grant = f"GRANT EXECUTE ON FUNCTION {signature} TO {{role}}"
        statements.append(_render(raw, schema, grant))
    return statements


def _earlier_alert_policies() -> list[tuple[str, str, str, str | None, str | None]]:
    """Return 0005's alert policies, in this migration's shape."""
    see = _KINDS._SEE
    return [
        ("alerts_alert", name, command, see, see if check else None)
        for name, command, check in _KINDS.POLICIES
    ]


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Shut break-glass to conflicts, hide alerts about a case, and guard the trail's rows."""
    if schema_editor.connection.vendor != "postgresql":
        return
    raw = schema_editor.connection.connection
    schema = _SUBJECT._schema(schema_editor)
    statements = _create(raw, schema)
    statements += [_render(raw, schema, create) for _, create in REPLACED]
    statements.append(f"ALTER TABLE {TRAIL} ENABLE ROW LEVEL SECURITY")
    statements += _SUBJECT._replace_policies(POLICIES)
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Put back 0006's functions, 0005's alert policies and an unguarded trail."""
    if schema_editor.connection.vendor != "postgresql":
        return
    raw = schema_editor.connection.connection
    schema = _SUBJECT._schema(schema_editor)
    old = dict(_SUBJECT.FUNCTIONS) | dict(_SUBJECT.REPLACED)
    statements = [
        f"DROP POLICY IF EXISTS {name} ON {TRAIL}" for table, name, *_ in POLICIES if table == TRAIL
    ]
    statements.append(f"ALTER TABLE {TRAIL} DISABLE ROW LEVEL SECURITY")
    statements += _SUBJECT._replace_policies(_earlier_alert_policies())
    statements += [
        _render(raw, schema, old[s].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
        for s, _ in REPLACED
    ]
    statements += [f"DROP FUNCTION IF EXISTS {s}" for s, _ in reversed(FUNCTIONS)]
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    """Shut break-glass to conflicts, hide alerts about a case, and guard the trail."""

    dependencies = [
        ("alerts", "0006_alert_case"),
        ("trail", "0001_initial"),
        ("dbsecurity", "0007_case_charts_per_statement"),
    ]

    operations = [migrations.RunPython(forward, backward)]
