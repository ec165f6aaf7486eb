"""Write many registry rows at once: few statements, every value bound, no model objects.

Importing a national list writes 100,000 entries and their services. Django's `bulk_create`
and `bulk_update` prepare every value through its field and compile each batch's SQL afresh,
which took most of such an import's writing time. These write the same columns, dates and
JSON handed over by the backend's own adapters as Django would store them: on SQLite one
statement prepared once and run for every row (the driver's executemany, in-process); on
PostgreSQL one statement per 5,000 rows with each column bound as one array (unnest), not a
round trip or thousands of parameters a row. COPY would be faster still, but PostgreSQL
refuses it on a table under row-level security. Callers check the values first: these write
what they are given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.db import connection, models

__all__ = ["insert", "update"]

# Rows one PostgreSQL statement writes.
_ROWS = 5000


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """Return how a value of the field is handed to the database driver; None: as it is."""
    ops = connection.ops
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        # Most entries have no other names and no columns of the list's own: those empty
        # values are adapted once.
        blanks: tuple[list[Any], dict[str, Any]] = ([], {})
        empty = {type(v): ops.adapt_json_value(v, encoder) for v in blanks}
        return lambda value: (
            None
            if value is None
            else empty[type(value)]
            if not value and type(value) in empty
            else ops.adapt_json_value(value, encoder)
        )
    if isinstance(field, models.DateTimeField):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, models.DateField):
        probe = date(2000, 1, 1)
        # PostgreSQL's driver takes dates as they are; SQLite's are written as text.
        return None if ops.adapt_datefield_value(probe) is probe else ops.adapt_datefield_value
    return None  # text, numbers and ids


def _prepared(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[list[models.Field[Any, Any]], list[list[Any]]]:
    """Return the columns' fields and every row's values as the driver takes them."""
    fields: list[models.Field[Any, Any]] = [
        model._meta.get_field(name)  # type: ignore[misc]
        for name in columns
    ]
    adapters = [(i, adapt) for i, f in enumerate(fields) if (adapt := _adapter(f)) is not None]
    values = []
    for row in rows:
        value = list(row)
        for i, adapt in adapters:
            value[i] = adapt(value[i])
        values.append(value)
    return fields, values


def _column(field: models.Field[Any, Any]) -> str:
    """Return the field's column name, quoted."""
    return str(connection.ops.quote_name(str(field.column)))


def _pk(model: type[models.Model]) -> models.Field[Any, Any]:
    pk = model._meta.pk
    if pk is None:
        raise TypeError(f"{model.__name__} has no primary key")
    return pk


def _cast(field: models.Field[Any, Any]) -> str:
    """Return the type a PostgreSQL value of the field is cast to.

    Text is cast to text, not to the column's varchar(n), which would cut a long value short
    rather than refuse it.
    """
    if isinstance(field, models.CharField | models.TextField):
        return "text"
    return str(field.cast_db_type(connection))


def _in_batches(values: list[list[Any]]) -> list[list[list[Any]]]:
    return [values[i : i + _ROWS] for i in range(0, len(values), _ROWS)]


def _arrays(fields: list[models.Field[Any, Any]]) -> str:
    """Return PostgreSQL's unnest of one array parameter per field, each cast to its type."""
    return "unnest(" + ", ".join(f"%s::{_cast(f)}[]" for f in fields) + ")"


def _columns(batch: list[list[Any]]) -> list[list[Any]]:
    """Return a batch of rows as one list per column: the arrays unnest takes."""
    return [list(column) for column in zip(*batch, strict=True)]


def insert(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert the rows: each is its values in the order of `columns` (field names).

    On SQLite one statement, prepared once and run for every row in the driver; on
    PostgreSQL one statement for 5,000 rows, each column bound as one array. New ids are not
    returned: a caller finds them by a unique field.
    """
    if not rows:
        return
    fields, values = _prepared(model, columns, rows)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(_column(f) for f in fields)
    # Names from the model, quoted; every value a bound parameter.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, values)
            return
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM {_arrays(fields)}"  # noqa: S608
        for batch in _in_batches(values):
            cursor.execute(sql, _columns(batch))


def update(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set the columns of existing rows: each row is its values in `columns`' order, then its id.

    On SQLite one statement run for every row; on PostgreSQL one statement for 5,000 rows,
    joining their new values (each column bound as one array) to the rows they change.
    """
    if not rows:
        return
    fields, values = _prepared(model, columns, [row[:-1] for row in rows])
    for value, row in zip(values, rows, strict=True):
        value.append(row[-1])
    table = connection.ops.quote_name(model._meta.db_table)
    pk = _pk(model)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assignments = ", ".join(f"{_column(f)} = %s" for f in fields)
            sql = f"UPDATE {table} SET {assignments} WHERE {_column(pk)} = %s"  # noqa: S608
            cursor.executemany(sql, values)
            return
        names = [f"v{i}" for i in range(len(fields))]
        assignments = ", ".join(f"{_column(f)} = v.{n}" for f, n in zip(fields, names, strict=True))
        sql = (
            f"UPDATE {table} SET {assignments} FROM {_arrays([*fields, pk])} "  # noqa: S608
            f"AS v ({', '.join(names)}, v_pk) WHERE {table}.{_column(pk)} = v.v_pk"
        )
        for batch in _in_batches(values):
            cursor.execute(sql, _columns(batch))
