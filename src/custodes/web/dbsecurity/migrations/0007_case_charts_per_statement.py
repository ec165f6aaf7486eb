"""Row-level security on cases: the force's charts worked out once per statement, and no JIT.

What a viewer may see is unchanged (`cases.access.decide`, as 0006 mirrors it); what changes
is how often the audited force's charts are walked. Under 0006 each case, access and party
row asked `custodes_audit_subject_conflict`, which walks the line-management chain of every
imported run that lists the viewer. With 24 runs of 20,000 staff that took about 25 ms a row,
and a list of 200 cases 5 seconds (`bench/case_rls.py`). Two causes, two mends:

- PostgreSQL compiled that walk with JIT at every call: its row estimates put it past
  `jit_above_cost`, and compiling cost 30 ms where running it cost 3. Every need-to-know
  function now runs with `jit = off`.
- The policies on cases, their access rows and their parties now ask once per statement for
  the cases whose subject is too close to the viewer in the force's charts
  (`custodes_force_conflicted_cases`), as the audit alerts' policy already did, and hand each
  row's answer to the same decision (`custodes_may_see_given`). The functions that decide a
  single case for a write (`custodes_may_see`, `custodes_may_see_case`) now call it too, so
  the rule is written once.
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
_SUBJECT = importlib.import_module("custodes.web.dbsecurity.migrations.0006_audit_subject_rls")

# As in 0003-0006, and no JIT: these functions answer for a handful of rows, where compiling
# costs far more than it saves.
DEFINER = "STABLE SECURITY DEFINER SET search_path = pg_catalog, {}, pg_temp SET jit = off"

# The earlier need-to-know functions this migration leaves in place, given jit = off too.
EARLIER = (
    "custodes_has_role(bigint, text[])",
    "custodes_managers(bigint)",
    "custodes_conflict(bigint, bigint)",
    "custodes_may_see_case(uuid, bigint, text)",
    "custodes_may_give_access(uuid, bigint, text, timestamptz, bigint)",
    "custodes_may_see_alert(bigint, bigint)",
    "custodes_break_glass_case(text)",
    "custodes_may_review_audit_alerts(bigint)",
    "custodes_conflicting(bigint)",
    "custodes_audit_hidden_ids(bigint)",
    "custodes_may_see_audit_alert(bigint, bigint)",
    "custodes_may_see_alert_kind(text, bigint, bigint)",
    "custodes_holds_staff_id(bigint, text)",
    "custodes_audit_conflicts(bigint)",
    "custodes_audit_subject_conflict(bigint, text)",
    "custodes_may_open_case(bigint, bigint, text)",
)

FUNCTIONS: list[tuple[str, str]] = [
    (
        "custodes_force_conflicted_cases(bigint)",
        """
        CREATE FUNCTION custodes_force_conflicted_cases(p_viewer bigint) RETURNS SETOF uuid
        LANGUAGE sql {definer} AS $$
            -- The cases opened from audit alerts whose subject is too close to the viewer:
            -- custodes_audit_subject_conflict for every case at once, each set worked out
            -- once.
            SELECT c.id FROM cases_case AS c
            JOIN (SELECT h AS staff FROM custodes_audit_hidden_ids(p_viewer) AS h
                  UNION
                  SELECT x.c_user FROM custodes_audit_conflicts(p_viewer) AS x) AS near
              ON near.staff = c.subject_force_user_id
        $$
        """,
    ),
    (
        "custodes_may_see_given(bigint, uuid, bigint, text, boolean, boolean, text)",
        """
        CREATE FUNCTION custodes_may_see_given(
            p_viewer bigint, p_case uuid, p_subject bigint, p_subject_staff text,
            p_sealed boolean, p_force_conflict boolean, p_extra_kind text DEFAULT NULL
        ) RETURNS boolean LANGUAGE plpgsql {definer} AS $$
        DECLARE
            kinds text[];
        BEGIN
            -- cases.access.decide, step by step, as 0006's custodes_may_see, with the
            -- subject's conflict in the force's charts worked out by the caller
            -- (p_force_conflict). p_extra_kind counts an access row being inserted.
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
            IF custodes_conflict(p_viewer, p_subject) OR coalesce(p_force_conflict, false) THEN
                RETURN kinds && ARRAY['grant', 'break-glass'];
            END IF;
            RETURN kinds && ARRAY['member', 'grant', 'break-glass'];
        END
        $$
        """,
    ),
    (
        "custodes_may_see_case_given(uuid, bigint, boolean, text)",
        """
        CREATE FUNCTION custodes_may_see_case_given(
            p_case uuid, p_viewer bigint, p_force_conflict boolean, p_extra_kind text DEFAULT NULL
        ) RETURNS boolean LANGUAGE sql {definer} AS $$
            SELECT coalesce((
                SELECT custodes_may_see_given(
                    p_viewer, c.id, c.subject_id, c.subject_force_user_id, c.sealed,
                    p_force_conflict, p_extra_kind
                )
                FROM cases_case AS c WHERE c.id = p_case
            ), false)
        $$
        """,
    ),
    (
        "custodes_may_see_access_given(uuid, bigint, text, timestamptz, bigint, bigint, boolean)",
        """
        CREATE FUNCTION custodes_may_see_access_given(
            p_case uuid, p_user bigint, p_kind text, p_expires timestamptz,
            p_granted_by bigint, p_viewer bigint, p_force_conflict boolean
        ) RETURNS boolean LANGUAGE sql {definer} AS $$
            -- 0003's custodes_may_see_access: one's own active row counts even before it is
            -- stored (INSERT ... RETURNING); the granter who may grant sees what they gave.
            SELECT custodes_may_see_case_given(
                    p_case,
                    p_viewer,
                    p_force_conflict,
                    CASE WHEN p_user = p_viewer
                          AND (p_expires IS NULL OR p_expires > statement_timestamp())
                    THEN p_kind END
                )
                OR (p_granted_by = p_viewer AND custodes_has_role(p_viewer, {granting}::text[]))
        $$
        """,
    ),
]

# 0006's single-case decision, now asking the force's charts for its one case and handing on.
REPLACED: list[tuple[str, str]] = [
    (
        "custodes_may_see(bigint, uuid, bigint, text, boolean, text)",
        """
        CREATE OR REPLACE FUNCTION custodes_may_see(
            p_viewer bigint, p_case uuid, p_subject bigint, p_subject_staff text,
            p_sealed boolean, p_extra_kind text DEFAULT NULL
        ) RETURNS boolean LANGUAGE sql {definer} AS $$
            SELECT custodes_may_see_given(
                p_viewer, p_case, p_subject, p_subject_staff, p_sealed,
                custodes_audit_subject_conflict(p_viewer, p_subject_staff), p_extra_kind
            )
        $$
        """,
    ),
]

# Functions the policies no longer call; nothing else does.
RETIRED = ("custodes_may_see_access(uuid, bigint, text, timestamptz, bigint, bigint)",)

_ME = "custodes_current_user()"
# An uncorrelated subquery: PostgreSQL hashes its rows once per statement.
_CONFLICTED = "({case} IN (SELECT f FROM custodes_force_conflicted_cases({me}) AS f))"
_SEE_CASE = (
    f"custodes_may_see_given({_ME}, id, subject_id, subject_force_user_id, sealed, "
    f"{_CONFLICTED.format(case='id', me=_ME)})"
)
_SEE_ACCESS = (
    f"custodes_may_see_access_given(case_id, user_id, kind, expires_at, granted_by_id, {_ME}, "
    f"{_CONFLICTED.format(case='case_id', me=_ME)})"
)
_SEE_PARTY = (
    f"custodes_may_see_case_given(case_id, {_ME}, {_CONFLICTED.format(case='case_id', me=_ME)})"
)

# (table, policy, command, USING, WITH CHECK): each replaces the policy of that name.
POLICIES: list[tuple[str, str, str, str | None, str | None]] = [
    ("cases_case", "custodes_select", "SELECT", _SEE_CASE, None),
    ("cases_case", "custodes_update", "UPDATE", _SEE_CASE, _SEE_CASE),
    ("cases_case", "custodes_delete", "DELETE", _SEE_CASE, None),
    ("cases_caseaccess", "custodes_select", "SELECT", _SEE_ACCESS, None),
    ("cases_caseparty", "custodes_all", "ALL", _SEE_PARTY, _SEE_PARTY),
]


def _render(raw_connection: Any, schema: str, template: str, definer: str = DEFINER) -> str:
    # Identifiers and values go in through psycopg's quoting, never by hand.
    return (
        sql.SQL(template)  # type: ignore[arg-type]
        .format(
            definer=sql.SQL(definer).format(sql.Identifier(schema)),  # type: ignore[arg-type]
            role=sql.Identifier(settings.DB_APP_ROLE),
            case_roles=sql.Literal(list(_ROW_LEVEL.CASE_ROLES)),
            granting=sql.Literal(list(_ROW_LEVEL.GRANTING_ROLES)),
        )
        .as_string(raw_connection)
    )


def _create(raw: Any, schema: str, functions: list[tuple[str, str]], definer: str) -> list[str]:
    statements = []
    for signature, create in functions:
        statements.append(_render(raw, schema, create, definer))
        statements.append(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        grant = f"GRANT EXECUTE ON FUNCTION {signature} TO {{role}}"
        statements.append(_render(raw, schema, grant))
    return statements


def _earlier_policies() -> list[tuple[str, str, str, str | None, str | None]]:
    """Return the policies this migration replaces, as 0006 (or, before it, 0003) left them."""
    found = {(p[0], p[1]): p for p in _ROW_LEVEL.POLICIES}
    found |= {(p[0], p[1]): p for p in _SUBJECT.POLICIES}
    return [found[(table, name)] for table, name, *_ in POLICIES]


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Decide case rows with the force's charts worked out once per statement, without JIT."""
    if schema_editor.connection.vendor != "postgresql":
        return
    raw = schema_editor.connection.connection
    schema = _SUBJECT._schema(schema_editor)
    statements = _create(raw, schema, FUNCTIONS, DEFINER)
    statements += [_render(raw, schema, create) for _, create in REPLACED]
    statements += _SUBJECT._replace_policies(POLICIES)
    statements += [f"DROP FUNCTION {signature}" for signature in RETIRED]
    statements += [f"ALTER FUNCTION {signature} SET jit = off" for signature in EARLIER]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Put back 0006's functions and policies."""
    if schema_editor.connection.vendor != "postgresql":
        return
    raw = schema_editor.connection.connection
    schema = _SUBJECT._schema(schema_editor)
    earlier = dict(_ROW_LEVEL.FUNCTIONS)
    statements = [f"ALTER FUNCTION {signature} RESET jit" for signature in EARLIER]
    statements += _create(raw, schema, [(s, earlier[s]) for s in RETIRED], _ROW_LEVEL.DEFINER)
    statements += _SUBJECT._replace_policies(_earlier_policies())
    # 0006 made custodes_may_see in plpgsql; CREATE OR REPLACE may change the language back.
    old = dict(_SUBJECT.FUNCTIONS)
    statements += [
        _render(
            raw,
            schema,
            old[s].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"),
            _SUBJECT.DEFINER,
        )
        for s, _ in REPLACED
    ]
    statements += [f"DROP FUNCTION IF EXISTS {s}" for s, _ in reversed(FUNCTIONS)]
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    """Work the force's charts out once per statement on cases, and never JIT-compile them."""

    dependencies = [("dbsecurity", "0006_audit_subject_rls")]

    operations = [migrations.RunPython(forward, backward)]
