"""`custodes web migrate` says, before migrating, what the owner's role lacks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from psycopg import sql

from custodes.web.dbsecurity.preflight import migration_problems

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

OWNER = "custodes_test_owner"


@contextmanager
def as_role(name: str, *options: str) -> Iterator[None]:
    """Become a fresh role with `options` for the block; everything is taken back after."""
    with transaction.atomic(), connection.cursor() as cursor:
        role = sql.Identifier(name).as_string(connection.connection)
        cursor.execute(f"CREATE ROLE {role} NOLOGIN {' '.join(options)}")
        cursor.execute(f"SET LOCAL ROLE {role}")
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_an_owner_without_createrole_is_told_what_to_ask_for() -> None:
    """A missing application role that the owner may not create is named, with the fix."""
    with override_settings(DB_APP_ROLE="custodes_not_made_yet"), as_role(OWNER):
        problems = migration_problems()
    assert any(
        "custodes_not_made_yet does not exist" in p
        and "CREATE ROLE custodes_not_made_yet NOLOGIN" in p
        and "CREATEROLE" in p
        for p in problems
    ), problems
    # The schema's CREATE right is missing too (PostgreSQL 15 takes it from PUBLIC).
    assert any(f"GRANT CREATE ON SCHEMA public TO {OWNER}" in p for p in problems), problems


@pytest.mark.django_db
def test_an_owner_with_the_rights_it_needs_passes() -> None:
    """An owner that may create roles and tables has nothing to fix."""
    with override_settings(DB_APP_ROLE="custodes_not_made_yet"), as_role(OWNER, "CREATEROLE"):
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute(f"GRANT CREATE ON SCHEMA public TO {OWNER}")
            cursor.execute(f"SET LOCAL ROLE {OWNER}")
        assert migration_problems() == []


@pytest.mark.django_db
def test_the_application_role_is_told_to_migrate_as_the_owner() -> None:
    """Migrating as the role row-level security binds is refused up front, with why."""
    with transaction.atomic(), connection.cursor() as cursor:
        role = sql.Identifier(settings.DB_APP_ROLE).as_string(connection.connection)
        cursor.execute(f"SET LOCAL ROLE {role}")
        problems = migration_problems()
        transaction.set_rollback(True)
    assert len(problems) == 1 and "the tables' owner's DATABASE_URL" in problems[0]
