"""Check, before migrating, that the database role can do what the migrations will ask of it."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

__all__ = ["migration_problems"]


def migration_problems() -> list[str]:
    """Return why migrating as the connected role would fail half-way, or nothing if it will not.

    On PostgreSQL the migrations run as the tables' owner, create tables in the current schema
    and make the application's own role if it is missing (`0002_app_role`). A role without
    those rights used to fail at the end of a long traceback, half-migrated.
    """
    if connection.vendor != "postgresql":
        return []
    app_role = settings.DB_APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, current_schema(), rolsuper, rolcreaterole,"
            " has_schema_privilege(current_schema(), 'CREATE'),"
            " EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)"
            " FROM pg_roles WHERE rolname = current_user",
            [app_role],
        )
        owner, schema, superuser, createrole, may_create, role_exists = cursor.fetchone()
    problems = []
    if owner == app_role:
        problems.append(
            f"DATABASE_URL connects as {owner}, the application's own role "
            "(CUSTODES_DB_APP_ROLE), which row-level security binds and which may not change "
            "the tables: migrate with the tables' owner's DATABASE_URL"
        )
        return problems
    if schema is None or not (superuser or may_create):
        problems.append(
            f"{owner} may not create tables in schema {schema or '(none)'}: a database "
            f"administrator must run GRANT CREATE ON SCHEMA {schema or 'public'} TO {owner} "
            f"(or make {owner} the database's owner)"
        )
    if not role_exists and not (superuser or createrole):
        problems.append(
            f"the application's role {app_role} does not exist and {owner} may not create "
            f"roles: a database administrator must run CREATE ROLE {app_role} NOLOGIN (see "
            f"docs/deploy.md), or give {owner} CREATEROLE"
        )
    return problems
