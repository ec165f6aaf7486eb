"""SQL that finds the rows of an extract's files that break the spec."""

# Every builder here joins SQL from the spec's names, quote_identifier and quote_literal;
# the values a check compares with are bound as parameters, so S608 does not apply.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from custodes.audit.dialect import DuckDBDialect
from custodes.audit.extract import (
    ROW,
    SourceFile,
    blank_sql,
    column_sql,
    read_sql,
    row_number_sql,
)
from custodes.audit.schema import Column
from custodes.audit.sql import quote_identifier

__all__ = [
    "TALLY_WIDTH",
    "VALIDATOR_KEYS",
    "CheckKind",
    "Flag",
    "Reference",
    "RowCheck",
    "checked_rows_sql",
    "duplicate_count_sql",
    "first_duplicate_sql",
    "first_flagged_sql",
    "first_rows_sql",
    "key_select_sql",
    "malformed_rows_sql",
    "referenced_rows_sql",
    "references",
    "row_checks",
    "tally_sql",
    "typed_column",
]

CheckKind = Literal["empty", "unparseable", "not_allowed"]

#: A condition marking a row that breaks a rule, and the value to show for that row. The
#: condition depends on that value alone, or the value is NULL.
Flag = tuple[str, str]

#: The dialect whose first coding of ids `tally_sql` counts (see `ValidationReport.coded_apart`).
VALIDATOR_KEYS = DuckDBDialect()

#: How many aggregates `tally_sql` gives for each flag.
TALLY_WIDTH = 3

_ROW = quote_identifier(ROW)


@dataclass(frozen=True)
class RowCheck:
    """One rule each row of a column must meet, as a SQL condition that flags a break."""

    column: Column
    kind: CheckKind
    condition: str
    value: str

    @property
    def flag(self) -> Flag:
        """Return the check's condition and the value it shows."""
        return (self.condition, self.value)


@dataclass(frozen=True)
class Reference:
    """A column of one file whose values must be ids in another file's key column."""

    column: Column
    parent: SourceFile
    key: Column


def _row_sql(source: SourceFile, row_numbers: bool) -> str:
    return row_number_sql(source) if row_numbers else "CAST(NULL AS BIGINT)"


def _raw(i: int) -> str:
    return quote_identifier(f"r{i}")


def _typed(i: int) -> str:
    return quote_identifier(f"t{i}")


def row_checks(source: SourceFile) -> tuple[list[RowCheck], dict[str, list[str]]]:
    """List the per-row checks of `source`'s usable columns and the values they bind."""
    # The conditions read the columns `checked_rows_sql` gives.
    checks: list[RowCheck] = []
    params: dict[str, list[str]] = {}
    for i, column in enumerate(source.table.columns):
        found = source.usable(column)
        if found is None:
            continue
        raw, typed = _raw(i), _typed(i)
        blank = blank_sql(replace(found, ref=raw))
        if not column.nullable:
            checks.append(RowCheck(column, "empty", blank, "NULL"))
        if found.type == "VARCHAR" and column.type != "string":
            checks.append(
                RowCheck(column, "unparseable", f"(NOT {blank} AND {typed} IS NULL)", raw)
            )
        if column.values is not None:
            name = f"allowed_{i}"
            params[name] = sorted(column.values)
            condition = f"({typed} IS NOT NULL AND NOT list_contains(${name}, {typed}))"
            checks.append(RowCheck(column, "not_allowed", condition, typed))
    return checks, params


def checked_rows_sql(
    source: SourceFile, *, row_numbers: bool, rejects: tuple[str, str] | None = None
) -> str:
    """Build the rows `row_checks` reads: row number, then raw and typed value per column."""
    # Without `row_numbers` the numbers are NULL, but a CSV scan runs in parallel.
    items = [f"{_row_sql(source, row_numbers)} AS {_ROW}"]
    for i, column in enumerate(source.table.columns):
        found = source.usable(column)
        if found is not None:
            items.append(f"{found.ref} AS {_raw(i)}")
            items.append(f"{column_sql(column, found)} AS {_typed(i)}")
    scan = read_sql(source, row_numbers=row_numbers, rejects=rejects)
    return f"SELECT {', '.join(items)} FROM {scan}"


def _marked_sql(rows: str, flags: Sequence[Flag], key: str | None = None) -> str:
    # Each condition is worked out once per row here, not once per aggregate that reads it.
    items = [_ROW] if key is None else [_ROW, f"{key} AS k"]
    for i, (condition, value) in enumerate(flags):
        items += [f"coalesce({condition}, false) AS f{i}", f"{value} AS v{i}"]
    return f"SELECT {', '.join(items)} FROM ({rows}) AS src"


def tally_sql(rows: str, flags: Sequence[Flag], key: str | None = None) -> str:
    """Build one pass over `rows`: the row count, then `TALLY_WIDTH` aggregates per flag."""
    # Per flag: rows flagged, and the least and greatest value flagged. With a `key` column,
    # a last aggregate counts the rows whose key's numeric code an earlier row has: zero
    # exactly when no key repeats and no two keys share a code, and cheap to count in the same
    # pass. The code is the audit's own (DuckDB, first coding), so a zero also spares the
    # audit counting its codes again.
    aggregates = ["count(*)"]
    for i in range(len(flags)):
        where = f"FILTER (WHERE f{i})"
        aggregates += [f"count(*) {where}", f"min(v{i}) {where}", f"max(v{i}) {where}"]
    if key is not None:
        aggregates.append(f"count(k) - count(DISTINCT {VALIDATOR_KEYS.key('k')})")
    return f"SELECT {', '.join(aggregates)} FROM ({_marked_sql(rows, flags, key)}) AS marked"


def typed_column(source: SourceFile, column: Column) -> str:
    """Return the name `checked_rows_sql` gives the typed value of `column`."""
    return _typed(source.table.columns.index(column))


def first_rows_sql(rows: str, flags: Sequence[Flag]) -> str:
    """Build one pass over numbered `rows` giving per flag its first row and that row's value."""
    aggregates = []
    for i in range(len(flags)):
        where = f"FILTER (WHERE f{i})"
        aggregates += [f"min({_ROW}) {where}", f"arg_min(v{i}, {_ROW}) {where}"]
    return f"SELECT {', '.join(aggregates)} FROM ({_marked_sql(rows, flags)}) AS marked"


def first_flagged_sql(rows: str, flags: Sequence[Flag]) -> str:
    """Build the first row of `rows` any flag marks: its number, then per flag: marked, value."""
    # LIMIT without ORDER BY lets the scan stop at that row. It is the first in file order
    # because `rows` must come from a numbered scan, which DuckDB runs in file order.
    anywhere = " OR ".join(f"f{i}" for i in range(len(flags)))
    return f"SELECT * FROM ({_marked_sql(rows, flags)}) AS marked WHERE {anywhere} LIMIT 1"


def malformed_rows_sql(rejects_table: str) -> str:
    """Build a summary of the rows a CSV scan rejected: per error, rows, first line, its text."""
    table = quote_identifier(rejects_table)
    # A bad quote also throws the field count out; the quote is the cause worth naming.
    one_per_line = (
        f"SELECT * FROM {table} QUALIFY row_number() OVER ("
        "PARTITION BY line ORDER BY error_type = 'UNQUOTED VALUE' DESC, column_idx) = 1"
    )
    return (
        "SELECT CAST(error_type AS VARCHAR) AS kind, count(*) AS n, min(line) AS first_line, "
        "arg_min(csv_line, line) AS text, arg_min(error_message, line) AS message "
        f"FROM ({one_per_line}) AS rejected GROUP BY ALL ORDER BY first_line"
    )


def key_select_sql(source: SourceFile, column: Column, *, row_numbers: bool) -> str:
    """Build a SELECT of one typed column as `k`, with the file row number when asked."""
    found = source.usable(column)
    if found is None:
        raise ValueError(f"{source.path.name} has no usable column {column.name}")
    return (
        f"SELECT {_row_sql(source, row_numbers)} AS {_ROW}, {column_sql(column, found)} AS k "
        f"FROM {read_sql(source, row_numbers=row_numbers)}"
    )


def duplicate_count_sql(source: SourceFile, column: Column) -> str:
    """Build a count of the rows whose id in `column` an earlier row already has."""
    keys = key_select_sql(source, column, row_numbers=False)
    return f"SELECT count(k) - count(DISTINCT k) FROM ({keys}) AS src"


def first_duplicate_sql(source: SourceFile, column: Column) -> str:
    """Build the earliest repeat of an id: id, first row, repeating row, ids repeated."""
    keys = key_select_sql(source, column, row_numbers=False)
    numbered = key_select_sql(source, column, row_numbers=True)
    return (
        f"SELECT k, min({_ROW}) AS first_row, min({_ROW}, 2)[2] AS repeat_row, "
        f"count(*) OVER () AS ids FROM ({numbered}) AS src WHERE k IN ("
        f"SELECT k FROM ({keys}) AS ids WHERE k IS NOT NULL GROUP BY k HAVING count(*) > 1) "
        "GROUP BY k ORDER BY repeat_row LIMIT 1"
    )


def references(source: SourceFile, readable: dict[str, SourceFile]) -> list[Reference]:
    """List `source`'s reference columns that can be checked against a readable file."""
    found: list[Reference] = []
    for column in source.table.columns:
        if column.references is None or source.usable(column) is None:
            continue
        parent_name, key_name = column.references
        parent = readable.get(parent_name)
        if parent is None:
            continue
        key = parent.table.column(key_name)
        if parent.usable(key) is not None:
            found.append(Reference(column, parent, key))
    return found


def referenced_rows_sql(
    source: SourceFile, refs: Sequence[Reference], *, row_numbers: bool
) -> tuple[str, list[Flag]]:
    """Build the rows of `source` with each reference's id, and a flag for ids not found."""
    keys, flags = [], []
    for i, ref in enumerate(refs):
        k = quote_identifier(f"k{i}")
        parent_keys = key_select_sql(ref.parent, ref.key, row_numbers=False)
        keys.append(f"{column_sql(ref.column, source.usable(ref.column))} AS {k}")
        # Nulls are left out of the ids so NOT IN stays true or false, never unknown. The
        # look-up sits in the flag, so a scan that does not need the flag skips the join.
        missing = (
            f"({k} IS NOT NULL AND {k} NOT IN "
            f"(SELECT k FROM ({parent_keys}) AS p WHERE k IS NOT NULL))"
        )
        flags.append((missing, k))
    rows = (
        f"SELECT {_row_sql(source, row_numbers)} AS {_ROW}, {', '.join(keys)} "
        f"FROM {read_sql(source, row_numbers=row_numbers)}"
    )
    return rows, flags
