"""Write many registry rows at once: few statements, every value bound, no model objects.

Importing a national list writes 100,000 entries and their services. Django's `bulk_create`
and `bulk_update` prepare every value through its field and compile each batch's SQL afresh,
which took most of such an import's writing time. These write the same columns:

- on SQLite, one statement prepared once and run for every row by the driver (executemany,
  in-process), dates and JSON handed over by the backend's own adapters as Django stores them;
- on PostgreSQL, one statement per 5,000 rows, the rows bound as one JSON parameter that the
  server unpacks into typed columns (`json_to_recordset`): a round trip or a parameter per
  value cost far more, and psycopg quotes arrays element by element in Python. COPY would be
  faster still, but PostgreSQL refuses it on a table under row-level security.

Callers check the values first (lengths, allowed values, no NUL): these write what they are
given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

__all__ = ["insert", "update"]

# Rows one PostgreSQL statement writes.
_ROWS = 5000
# The rows of one PostgreSQL statement as JSON: dates as YYYY-MM-DD, which the server reads
# back as dates; text escaped, so no value is ever part of the statement.
_JSON = json.JSONEncoder(default=str)


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _column(field: models.Field[Any, Any]) -> str:
    """Return the field's column name, quoted."""
    return str(connection.ops.quote_name(str(field.column)))


def _cast(field: models.Field[Any, Any]) -> str:
    """Return the PostgreSQL type a value of the field is read as.

    Text is read as text, not as the column's varchar(n): a cast to varchar(n) would cut a
    long value short, where storing it refuses it.
    """
    if isinstance(field, models.CharField | models.TextField):
        return "text"
    return str(field.cast_db_type(connection))


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """Return how SQLite's driver is handed a value of the field; None: as it is."""
    ops = connection.ops
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: None if value is None else ops.adapt_json_value(value, encoder)
    if isinstance(field, models.DateTimeField):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    return None  # text, numbers and ids


def _adapted(fields: list[models.Field[Any, Any]], rows: Sequence[Sequence[Any]]) -> list[Any]:
    """Return the rows with each value as SQLite's driver takes it."""
    adapters = [(i, adapt) for i, f in enumerate(fields) if (adapt := _adapter(f)) is not None]
    out = []
    for row in rows:
        values = list(row)
        for i, adapt in adapters:
            values[i] = adapt(values[i])
        out.append(values)
    return out


def _records(fields: list[models.Field[Any, Any]]) -> str:
    """Return the SQL that unpacks one JSON parameter into rows of the fields, typed."""
    typed = ", ".join(f"c{i} {_cast(f)}" for i, f in enumerate(fields))
    return f"json_to_recordset(%s::json) AS r ({typed})"


def _run(sql: str, fields: list[models.Field[Any, Any]], rows: Sequence[Sequence[Any]]) -> None:
    """Run the statement for every row: on SQLite once a row, on PostgreSQL once a batch."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.executemany(sql, _adapted(fields, rows))
            return
        keys = [f"c{i}" for i in range(len(fields))]
        for start in range(0, len(rows), _ROWS):
            batch = [dict(zip(keys, row, strict=True)) for row in rows[start : start + _ROWS]]
            cursor.execute(sql, [_JSON.encode(batch)])


def insert(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert the rows: each is its values in the order of `names` (field names).

    New ids are not returned: a caller finds them by a unique field.
    """
    if not rows:
        return
    fields = [_field(model, name) for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    listed = ", ".join(_column(f) for f in fields)
    # Names from the model, quoted; every value a bound parameter.
    if connection.vendor == "sqlite":
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({listed}) VALUES ({marks})"  # noqa: S608
    else:
        picked = ", ".join(f"r.c{i}" for i in range(len(fields)))
        sql = f"INSERT INTO {table} ({listed}) SELECT {picked} FROM {_records(fields)}"  # noqa: S608
    _run(sql, fields, rows)


def update(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Set the named fields of existing rows: each row is its values in `names`' order, then
    its id."""
    if not rows:
        return
    fields = [_field(model, name) for name in [*names, "pk"]]
    table = connection.ops.quote_name(model._meta.db_table)
    pk, last = _column(fields[-1]), len(fields) - 1
    if connection.vendor == "sqlite":
        assignments = ", ".join(f"{_column(f)} = %s" for f in fields[:-1])
        sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    else:
        assignments = ", ".join(f"{_column(f)} = r.c{i}" for i, f in enumerate(fields[:-1]))
        sql = (
            f"UPDATE {table} SET {assignments} FROM {_records(fields)} "  # noqa: S608
            f"WHERE {table}.{pk} = r.c{last}"
        )
    _run(sql, fields, rows)
