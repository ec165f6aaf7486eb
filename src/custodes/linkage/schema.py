"""The shape of a table of people: the registry and the people checked against it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from custodes.linkage.errors import PeopleTableError

__all__ = ["PEOPLE_SCHEMA", "REQUIRED_FIELDS", "SEXES", "people_table", "validate_people"]

PEOPLE_SCHEMA = pa.schema(
    [
        pa.field("record_id", pa.string(), nullable=False),
        pa.field("first_name", pa.string()),
        pa.field("middle_name", pa.string()),
        pa.field("last_name", pa.string()),
        pa.field("other_names", pa.list_(pa.string())),
        pa.field("birth_date", pa.date32()),
        pa.field("birth_year", pa.int32()),
        pa.field("sex", pa.string()),
        pa.field("agency", pa.string()),
        pa.field("badges", pa.list_(pa.string())),
    ]
)
REQUIRED_FIELDS = ("record_id", "first_name", "last_name")
SEXES = frozenset({"F", "M", "X"})
_LIST_FIELDS = frozenset({"other_names", "badges"})
# Years outside this range are typing errors rather than the birth of a serving officer.
_EARLIEST_YEAR, _LATEST_YEAR = 1900, 2100


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, str | int):
        return str(value).strip()
    raise TypeError(f"expected text, got {type(value).__name__}")


def _text_list(value: object) -> list[str]:
    if _blank(value):
        return []
    # The CSV formats separate several names or badges with ';'.
    items = value.split(";") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise TypeError(f"expected a list of text, got {type(value).__name__}")
    out = []
    for item in items:
        text = _text(item)
        if text is not None:
            out.append(text)
    return out


def _date(value: object) -> dt.date | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        raise TypeError("expected a date, got a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise TypeError(f"expected a date or YYYY-MM-DD, got {type(value).__name__}")


def _year(value: object) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise TypeError("expected a year, got a boolean")
    if isinstance(value, int | str):
        return int(value)
    raise TypeError(f"expected a year, got {type(value).__name__}")


_COERCE = {
    "record_id": _text,
    "first_name": _text,
    "middle_name": _text,
    "last_name": _text,
    "other_names": _text_list,
    "birth_date": _date,
    "birth_year": _year,
    "sex": _text,
    "agency": _text,
    "badges": _text_list,
}


def people_table(records: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Build and validate a table of people from plain dicts, one per person."""
    columns: dict[str, list[Any]] = {name: [] for name in PEOPLE_SCHEMA.names}
    extras: dict[str, list[Any]] = {}
    for index, record in enumerate(records):
        label = repr(record.get("record_id", f"#{index + 1}"))
        for key in record:
            if key not in columns and key not in extras:
                # Extra fields (e.g. a list's own record reference) are kept as given.
                extras[key] = [None] * index
        for name, coerce in _COERCE.items():
            try:
                columns[name].append(coerce(record.get(name)))
            except (TypeError, ValueError) as exc:
                raise PeopleTableError(f"record {label}: field {name!r}: {exc}") from None
        for name, values in extras.items():
            values.append(record.get(name))
    arrays = [pa.array(columns[f.name], type=f.type) for f in PEOPLE_SCHEMA]
    table = pa.Table.from_arrays(arrays, schema=PEOPLE_SCHEMA)
    for name, values in extras.items():
        try:
            table = table.append_column(name, pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise PeopleTableError(f"field {name!r}: mixed or unsupported values: {exc}") from None
    return validate_people(table)


def _record_ids(table: pa.Table) -> list[str]:
    return [str(v) for v in table.column("record_id").to_pylist()]


def _cast(table: pa.Table, field: pa.Field) -> pa.ChunkedArray:
    column = table.column(field.name)
    if column.type == field.type:
        return column
    if field.name in _LIST_FIELDS and pa.types.is_string(column.type):
        # A ';'-separated text column, as the CSV formats carry it.
        return pa.chunked_array(
            [pa.array([_text_list(v) for v in column.to_pylist()], type=field.type)]
        )
    try:
        return column.cast(field.type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        where = _first_uncastable(table, column, field.type)
        raise PeopleTableError(
            f"{where}field {field.name!r}: cannot read {column.type} as {field.type}: {exc}"
        ) from None


def _first_uncastable(table: pa.Table, column: pa.ChunkedArray, to: pa.DataType) -> str:
    """Name the first record whose value will not cast, as a message prefix ('' if none)."""
    # Only on the error path: Arrow's cast error says what failed but not where.
    for index, value in enumerate(column.to_pylist()):
        try:
            pa.array([value], type=column.type).cast(to)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return f"record {str(table.column('record_id')[index].as_py())!r}: "
    return ""


def _first_bad(table: pa.Table, mask: pa.ChunkedArray) -> str | None:
    hits = pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()
    return None if not hits else str(table.column("record_id")[hits[0]].as_py())


def validate_people(table: pa.Table) -> pa.Table:
    """Check a table of people and return it with the expected column types and order."""
    if not isinstance(table, pa.Table):
        raise PeopleTableError(f"expected a pyarrow Table of people, got {type(table).__name__}")
    for name in REQUIRED_FIELDS:
        if name not in table.column_names:
            raise PeopleTableError(f"field {name!r} is missing: it is required")
    columns = []
    for field in PEOPLE_SCHEMA:
        if field.name in table.column_names:
            columns.append(_cast(table, field))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    extras = [n for n in table.column_names if n not in PEOPLE_SCHEMA.names]
    out = pa.Table.from_arrays(
        [*columns, *(table.column(n) for n in extras)],
        names=[*PEOPLE_SCHEMA.names, *extras],
    )

    ids = out.column("record_id")
    if ids.null_count or pc.any(pc.equal(pc.utf8_trim_whitespace(ids), "")).as_py():
        raise PeopleTableError("field 'record_id' is empty for some records: it is required")
    counts = pc.value_counts(ids)
    duplicated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    if len(duplicated):
        raise PeopleTableError(
            f"record {duplicated[0].as_py()!r}: field 'record_id' is duplicated: "
            "each record needs its own id"
        )
    for name in ("first_name", "last_name"):
        text = pc.utf8_trim_whitespace(out.column(name))
        bad = _first_bad(out, pc.or_kleene(pc.is_null(text), pc.equal(text, "")))
        if bad is not None:
            raise PeopleTableError(f"record {bad!r}: field {name!r} is empty: it is required")

    sex = pc.utf8_upper(pc.utf8_trim_whitespace(out.column("sex")))
    sex = pc.if_else(pc.equal(sex, ""), None, sex)
    bad = _first_bad(
        out, pc.and_(pc.is_valid(sex), pc.invert(pc.is_in(sex, pa.array(sorted(SEXES)))))
    )
    if bad is not None:
        raise PeopleTableError(f"record {bad!r}: field 'sex' must be F, M or X (or empty)")
    out = out.set_column(out.schema.get_field_index("sex"), "sex", sex)

    born = pc.year(out.column("birth_date")).cast(pa.int32())
    given = out.column("birth_year")
    bad = _first_bad(out, pc.not_equal(born, given))
    if bad is not None:
        raise PeopleTableError(f"record {bad!r}: field 'birth_year' disagrees with 'birth_date'")
    year = pc.coalesce(born, given)
    bad = _first_bad(
        out, pc.or_kleene(pc.less(year, _EARLIEST_YEAR), pc.greater(year, _LATEST_YEAR))
    )
    if bad is not None:
        raise PeopleTableError(
            f"record {bad!r}: field 'birth_year' is outside {_EARLIEST_YEAR}–{_LATEST_YEAR}"
        )
    return out.set_column(out.schema.get_field_index("birth_year"), "birth_year", year)
