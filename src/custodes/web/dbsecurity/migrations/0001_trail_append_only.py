"""Make the database refuse any change to a trail row, whoever asks."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

REFUSED = "trail_trailevent is append-only"

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER custodes_trail_no_{op.lower()} BEFORE {op} ON trail_trailevent
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: {op} refused'); END
    """
    for op in ("UPDATE", "DELETE")
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS custodes_trail_no_update",
    "DROP TRIGGER IF EXISTS custodes_trail_no_delete",
]

POSTGRES_FORWARD = [
    f"""
    CREATE FUNCTION custodes_trail_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSED}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER custodes_trail_no_update BEFORE UPDATE ON trail_trailevent
    FOR EACH ROW EXECUTE FUNCTION custodes_trail_refuse()
    """,
    """
    CREATE TRIGGER custodes_trail_no_delete BEFORE DELETE ON trail_trailevent
    FOR EACH ROW EXECUTE FUNCTION custodes_trail_refuse()
    """,
    # TRUNCATE fires no row triggers, so it needs a statement trigger of its own.
    """
    CREATE TRIGGER custodes_trail_no_truncate BEFORE TRUNCATE ON trail_trailevent
    FOR EACH STATEMENT EXECUTE FUNCTION custodes_trail_refuse()
    """,
    # ALWAYS: plain triggers stop firing under session_replication_role = replica.
    "ALTER TABLE trail_trailevent ENABLE ALWAYS TRIGGER custodes_trail_no_update",
    "ALTER TABLE trail_trailevent ENABLE ALWAYS TRIGGER custodes_trail_no_delete",
    "ALTER TABLE trail_trailevent ENABLE ALWAYS TRIGGER custodes_trail_no_truncate",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS custodes_trail_no_truncate ON trail_trailevent",
    "DROP TRIGGER IF EXISTS custodes_trail_no_delete ON trail_trailevent",
    "DROP TRIGGER IF EXISTS custodes_trail_no_update ON trail_trailevent",
    "DROP FUNCTION IF EXISTS custodes_trail_refuse()",
]


def _run(statements: dict[str, list[str]], schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        # No parameters: the statements hold '%' that must reach the database as it is.
        schema_editor.execute(statement, params=None)


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Install the triggers that refuse changes to the trail."""
    _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}, schema_editor)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Remove the triggers."""
    _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}, schema_editor)


class Migration(migrations.Migration):
    """Make the trail append-only in the database itself."""

    dependencies = [
        ("accounts", "0001_initial"),
        ("alerts", "0001_initial"),
        ("cases", "0001_initial"),
        ("trail", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
