"""Turn a validated table of people into the normalised columns the model compares."""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa

from custodes.linkage.names import name_key, name_parts
from custodes.linkage.nicknames import canonical_first_name, first_name_forms
from custodes.linkage.schema import PEOPLE_SCHEMA

__all__ = ["PREPARED_SCHEMA", "prepare_people"]

_TEXT_LIST = pa.list_(pa.string())
PREPARED_SCHEMA = pa.schema(
    [
        pa.field("unique_id", pa.string(), nullable=False),
        pa.field("first_name", pa.string()),
        pa.field("first_forms", _TEXT_LIST),
        pa.field("first_canon", pa.string()),
        pa.field("first_initial", pa.string()),
        pa.field("middle_name", pa.string()),
        pa.field("last_name", pa.string()),
        pa.field("last_parts", _TEXT_LIST),
        pa.field("other_names", _TEXT_LIST),
        pa.field("birth_date", pa.string()),
        pa.field("birth_date_swapped", pa.string()),
        pa.field("birth_year", pa.int32()),
        pa.field("sex", pa.string()),
        pa.field("agency", pa.string()),
        pa.field("badges", _TEXT_LIST),
    ]
)


def _or_null(items: list[str]) -> list[str] | None:
    # Empty lists become null so that "unknown" is one test in every SQL dialect.
    return sorted(set(items)) or None


def _other_names(values: list[str] | None) -> list[str] | None:
    out: list[str] = []
    for value in values or []:
        key = name_key(value)
        if key:
            out.append(key)
            out.extend(name_parts(value))
    return _or_null(out)


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _badge(value: str) -> str:
    text = _NOT_ALNUM.sub("", value.casefold())
    # Badge 0042 and 42 are the same number written two ways.
    return text.lstrip("0") or text


def _swapped(day: dt.date | None) -> str | None:
    # Day and month typed the wrong way round (a US form filled in the UK, or the reverse).
    if day is None or day.day > 12 or day.day == day.month:
        return None
    return f"{day.year:04d}-{day.day:02d}-{day.month:02d}"


def prepare_people(people: pa.Table) -> pa.Table:
    """Return the model's input columns for a table checked by `validate_people`."""
    columns: dict[str, list[object]] = {name: [] for name in PREPARED_SCHEMA.names}
    # Only the people columns: a list's extra fields need not survive the copy to Python.
    rows = people.select(PEOPLE_SCHEMA.names).to_pylist()
    for row in rows:
        first = name_key(row["first_name"])
        last = name_key(row["last_name"])
        born: dt.date | None = row["birth_date"]
        columns["unique_id"].append(row["record_id"])
        columns["first_name"].append(first)
        columns["first_forms"].append(_or_null(list(first_name_forms(first))) if first else None)
        columns["first_canon"].append(canonical_first_name(first) if first else None)
        columns["first_initial"].append(first[0] if first else None)
        columns["middle_name"].append(name_key(row["middle_name"]))
        columns["last_name"].append(last)
        columns["last_parts"].append(_or_null(name_parts(row["last_name"])))
        columns["other_names"].append(_other_names(row["other_names"]))
        columns["birth_date"].append(born.isoformat() if born else None)
        columns["birth_date_swapped"].append(_swapped(born))
        columns["birth_year"].append(row["birth_year"])
        columns["sex"].append(row["sex"])
        columns["agency"].append(name_key(row["agency"]))
        columns["badges"].append(_or_null([_badge(b) for b in row["badges"] or [] if b.strip()]))
    return pa.Table.from_pydict(columns, schema=PREPARED_SCHEMA)
