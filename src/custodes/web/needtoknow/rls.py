"""The database's side of need-to-know: whether row-level security binds the connection, and
the reads and writes it would refuse as Django makes them, narrowed.

Row-level security binds the application's own role on PostgreSQL (dbsecurity's migrations);
commands that must see every row (imports, exports, key rotation, the trail's checks) ask
`row_security_binds` first and refuse, rather than work on the part of the data they can see.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models.sql import InsertQuery

__all__ = [
    "force_staff_conflicts",
    "force_staff_managers",
    "insert_unread",
    "insert_unread_many",
    "row_security_binds",
]


def row_security_binds(table: str | type[models.Model], using: str | None = None) -> bool:
    """Say whether row-level security hides rows of `table` (a model or its table's name)."""
    if isinstance(table, str):
        name, alias = table, using or "default"
    else:
        name, alias = table._meta.db_table, using or router.db_for_read(table)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_security_active(%s)", [name])
        bound: Any = cursor.fetchone()
    return bool(bound[0])


def force_staff_conflicts(viewer_id: int) -> list[tuple[str, str]] | None:
    """Return the force staff too close to a viewer, where row-level security hides the charts.

    Need-to-know on a case opened from an audit alert is decided in the audited force's
    charts, which row-level security shows only to those who review audit alerts. Where it
    binds the connection, `custodes_audit_conflicts` answers for the viewer alone: pairs of
    force user id and "chain" or "unit", over every imported run that lists the viewer.
    None where it does not bind: the caller reads the charts itself.
    """
    # Here, not at the top: the portal's process installs the trail, which uses this module,
    # and not the staff apps these charts belong to.
    from custodes.web.needtoknow.models import ForceStaff

    if not row_security_binds(ForceStaff):
        return None
    connection = connections[router.db_for_read(ForceStaff)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT c_user, c_kind FROM custodes_audit_conflicts(%s)", [viewer_id])
        return [(str(user_id), str(kind)) for user_id, kind in cursor.fetchall()]


def force_staff_managers(force_user_id: str) -> list[str] | None:
    """Return everyone above a force's member of staff in any imported run, where row-level
    security hides the charts (`custodes_force_managers`); None where it does not bind."""
    # Here, not at the top: the portal's process installs the trail, which uses this module,
    # and not the staff apps these charts belong to.
    from custodes.web.needtoknow.models import ForceStaff

    if not row_security_binds(ForceStaff):
        return None
    connection = connections[router.db_for_read(ForceStaff)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT m FROM custodes_force_managers(%s) AS m", [force_user_id])
        return [str(manager) for (manager,) in cursor.fetchall()]


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


# Rows per INSERT: well under PostgreSQL's 65,535 parameters for any of custodes' tables.
_BATCH = 500


def insert_unread_many(objs: Sequence[models.Model]) -> None:
    """Insert new rows of one model without reading any back, as `insert_unread` does one.

    A roster screen finds matches about the runner's own unit, which row-level security keeps
    from them; the ids are taken from the sequence first, in one statement, and the rows
    inserted plainly, in batches. Save signals do not run.
    """
    if not objs:
        return
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("insert_unread_many inserts rows of one model at a time")
    using = router.db_for_write(model, instance=objs[0])
    connection = connections[using]
    if connection.vendor != "postgresql":
        model._default_manager.db_manager(using).bulk_create(objs)
        return
    meta = model._meta
    fresh = [obj for obj in objs if obj.pk is None]
    if fresh and meta.pk is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(meta.db_table), meta.pk.column, len(fresh)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        for obj, pk in zip(fresh, sorted(ids), strict=True):
            obj.pk = pk
    fields = [f for f in meta.local_concrete_fields if not f.generated]
    for start in range(0, len(objs), _BATCH):
        batch = list(objs[start : start + _BATCH])
        query = InsertQuery(model)
        query.insert_values(fields, batch)
        query.get_compiler(using=using).execute_sql(None)  # no RETURNING
        for obj in batch:
            obj._state.adding = False
            obj._state.db = using
