"""Row-level security on alerts by kind: break-glass to counter-corruption, matches to vetting.

Mirrors `alerts.access.ALERT_KINDS` (a test keeps them in step): a registry match is the
vetting unit's to see, a break-glass use counter-corruption's, and neither one about the
viewer, their line-management chain either way or their unit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from psycopg import sql

# alerts.access.ALERT_KINDS, as kind -> roles.
KIND_ROLES: dict[str, tuple[str, ...]] = {
    "break-glass": ("cc-lead", "cc-analyst"),
    "registry-match": ("vetting-officer",),
}
DEFINER = "STABLE SECURITY DEFINER SET search_path = pg_catalog, {}, pg_temp"
SIGNATURE = "custodes_may_see_alert_kind(text, bigint, bigint)"
FUNCTION = """
CREATE FUNCTION custodes_may_see_alert_kind(p_kind text, p_about bigint, p_viewer bigint)
RETURNS boolean LANGUAGE sql {definer} AS $$
    SELECT CASE p_kind {cases} ELSE false END
        AND NOT custodes_conflict(p_viewer, p_about)
$$
"""
_SEE = "custodes_may_see_alert_kind(kind, about_user_id, custodes_current_user())"
# (policy, command, whether rows written must pass too)
POLICIES = [
    ("custodes_select", "SELECT", False),
    ("custodes_update", "UPDATE", True),
    ("custodes_delete", "DELETE", False),
]
OLD = "custodes_may_see_alert(about_user_id, custodes_current_user())"


def _policies(see: str) -> list[str]:
    statements = []
    for name, command, check in POLICIES:
        statements.append(f"DROP POLICY IF EXISTS {name} ON alerts_alert")
        statement = f"CREATE POLICY {name} ON alerts_alert FOR {command} USING ({see})"
        if check:
            statement += f" WITH CHECK ({see})"
        statements.append(statement)
    return statements


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create the kind-aware check and put it in the alert policies."""
    if schema_editor.connection.vendor != "postgresql":
        return
    raw = schema_editor.connection.connection
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    cases = sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN custodes_has_role(p_viewer, {}::text[])").format(
            sql.Literal(kind), sql.Literal(list(roles))
        )
        for kind, roles in KIND_ROLES.items()
    )
    create = sql.SQL(FUNCTION).format(  # type: ignore[arg-type]
        definer=sql.SQL(DEFINER).format(sql.Identifier(schema)),  # type: ignore[arg-type]
        cases=cases,
    )
    grant = sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(
        sql.SQL(SIGNATURE),  # type: ignore[arg-type]
        sql.Identifier(settings.DB_APP_ROLE),
    )
    statements = [
        create.as_string(raw),
        f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC",
        grant.as_string(raw),
        *_policies(_SEE),
    ]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Put back the role-only alert policies of 0003."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in [*_policies(OLD), f"DROP FUNCTION IF EXISTS {SIGNATURE}"]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    """Decide who sees an alert by its kind as well as by need-to-know."""

    dependencies = [("dbsecurity", "0004_audit_alert_rls"), ("alerts", "0003_alter_alert_kind")]

    operations = [migrations.RunPython(forward, backward)]
