"""Django's flush, which may empty the trail too, but only in test mode."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management.commands import flush
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TRAIL = "trail_trailevent"
_ENABLE = {"A": "ENABLE ALWAYS", "R": "ENABLE REPLICA", "O": "ENABLE", "D": "DISABLE"}


class Command(flush.Command):
    """Empty every table; in test mode, lift the trail's guard for the length of it.

    Transactional tests end by flushing the database, which the trail's triggers refuse.
    Anywhere else the triggers stay, so a flush fails rather than erase the trail.
    """

    def handle(self, **options: Any) -> None:
        """Flush, lifting the trail's guard if and only if the settings are in test mode."""
        if settings.MODE != "test":
            super().handle(**options)
            return
        connection = connections[options["database"]]
        with transaction.atomic(using=connection.alias), _guard_lifted(connection):
            super().handle(**options)


@contextmanager
def _guard_lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    # Put back exactly the triggers that were there, as they were, inside the transaction.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TRAIL],
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            yield
            for _, create in triggers:
                cursor.execute(create)
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger"
                " WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TRAIL],
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f"ALTER TABLE {TRAIL} DISABLE TRIGGER {_quote(connection, name)}")
            yield
            for name, state in triggers:
                enable = _ENABLE[state]
                cursor.execute(f"ALTER TABLE {TRAIL} {enable} TRIGGER {_quote(connection, name)}")
        else:
            yield


def _quote(connection: BaseDatabaseWrapper, name: str) -> str:
    from psycopg import sql

    return sql.Identifier(name).as_string(connection.connection)
