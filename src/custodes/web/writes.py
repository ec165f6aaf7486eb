"""Writes that row-level security would refuse as Django makes them."""

from __future__ import annotations

from typing import Any

from django.db import connections, models, router
from django.db.models.sql import InsertQuery

__all__ = ["insert_unread"]


def insert_unread(obj: models.Model) -> None:
    """Insert a new row without reading it back: its writer may be someone not let see it.

    Django learns a new id through INSERT ... RETURNING, which PostgreSQL allows only to those
    who may select the row; a break-glass alert is about its own writer, who may not. So the
    id is taken from the sequence first and the row inserted plainly. Save signals do not run.
    """
    model = type(obj)
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    if connection.vendor != "postgresql":
        obj.save(force_insert=True, using=using)
        return
    meta = obj._meta
    if obj.pk is None and meta.pk is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s))",
                [connection.ops.quote_name(meta.db_table), meta.pk.column],
            )
            row: Any = cursor.fetchone()
        obj.pk = row[0]
    fields = [f for f in meta.local_concrete_fields if not f.generated]
    query = InsertQuery(model)
    query.insert_values(fields, [obj])
    query.get_compiler(using=using).execute_sql(None)  # no RETURNING
    obj._state.adding = False
    obj._state.db = using
