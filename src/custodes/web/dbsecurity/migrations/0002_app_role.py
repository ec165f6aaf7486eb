"""Give the application's own PostgreSQL role the rights it needs on the tables, and no more."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError, migrations, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from psycopg import sql

from custodes.errors import CustodesError

# Written into SQL only through sql.Identifier: the role name comes from the environment.
GRANTS = [
    "GRANT USAGE ON SCHEMA {schema} TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
    "GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
    # Tables that later migrations create, run by the same owner, get the same rights.
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}"
    " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE ON SEQUENCES TO {role}",
    # The trail is appended to and read, never changed: the triggers refuse it too.
    "REVOKE UPDATE, DELETE, TRUNCATE ON trail_trailevent FROM {role}",
    "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {role}",
]
ROLE_QUERY = (
    "SELECT rolsuper, rolbypassrls, pg_has_role(rolname, %s, 'USAGE') FROM pg_roles"
    " WHERE rolname = %s"
)
REVOKES = [
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {role}",
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}",
    "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
    "REVOKE USAGE ON SCHEMA {schema} FROM {role}",
]


class AppRoleError(CustodesError):
    """The application's database role would not be bound by row-level security."""


def render(raw_connection: Any, template: str, **identifiers: str) -> str:
    """Return `template` with each named identifier quoted for PostgreSQL."""
    names = {key: sql.Identifier(value) for key, value in identifiers.items()}
    return sql.SQL(template).format(**names).as_string(raw_connection)  # type: ignore[arg-type]


def names(schema_editor: BaseDatabaseSchemaEditor) -> tuple[str, str, str]:
    """Return the application's role, the migrating (owning) role and the current schema."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        owner, schema = cursor.fetchone()
    return settings.DB_APP_ROLE, owner, schema


def ensure_role(schema_editor: BaseDatabaseSchemaEditor, role: str, owner: str) -> None:
    """Create the application's role if it is missing; refuse one that RLS would not bind."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(ROLE_QUERY, [owner, role])
        found = cursor.fetchone()
        if found is None:
            # NOLOGIN: nobody signs in as it until an administrator gives it a password.
            create = render(connection.connection, "CREATE ROLE {role} NOLOGIN", role=role)
            try:
                with transaction.atomic(using=connection.alias):
                    cursor.execute(create)
            except DatabaseError:
                # Another database on the same server may have created it meanwhile.
                cursor.execute(ROLE_QUERY, [owner, role])
                if cursor.fetchone() is None:
                    raise
            return
    superuser, bypass, owns = found
    if role == owner or superuser or bypass or owns:
        raise AppRoleError(
            f"CUSTODES_DB_APP_ROLE={role!r} is the tables' owner, a superuser, may bypass "
            "row-level security or has the owner's privileges; the application must connect "
            "as a role of its own that is none of these"
        )


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Make sure the application's role exists and grant it row access to the tables."""
    if schema_editor.connection.vendor != "postgresql":
        return
    role, owner, schema = names(schema_editor)
    ensure_role(schema_editor, role, owner)
    raw = schema_editor.connection.connection
    for template in GRANTS:
        schema_editor.execute(render(raw, template, role=role, schema=schema), params=None)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Take the grants back; the role stays, as other databases on the server may use it."""
    if schema_editor.connection.vendor != "postgresql":
        return
    role, _, schema = names(schema_editor)
    raw = schema_editor.connection.connection
    for template in REVOKES:
        schema_editor.execute(render(raw, template, role=role, schema=schema), params=None)


class Migration(migrations.Migration):
    """Give the application's PostgreSQL role row access, and nothing that escapes RLS."""

    dependencies = [("dbsecurity", "0001_trail_append_only")]

    operations = [migrations.RunPython(forward, backward)]
