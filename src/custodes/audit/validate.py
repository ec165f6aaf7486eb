"""Check a force extract against the spec and report every problem with file, column and row."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from custodes.audit.checks import (
    TALLY_WIDTH,
    Flag,
    RowCheck,
    checked_rows_sql,
    duplicate_count_sql,
    first_duplicate_sql,
    first_flagged_sql,
    first_rows_sql,
    malformed_rows_sql,
    referenced_rows_sql,
    references,
    row_checks,
    tally_sql,
    typed_column,
)
from custodes.audit.extract import (
    FileLayout,
    SourceFile,
    UnreadableFileError,
    accepts,
    connect,
    engine_message,
    inspect_file,
    locate_files,
)
from custodes.audit.problems import Problem, ValidationReport
from custodes.audit.schema import TABLES, Column, ColumnType, Table, table
from custodes.audit.sql import quote_identifier
from custodes.errors import EngineError, ExtractError

__all__ = [
    "OPTIONAL_COLUMN_NOTES",
    "OPTIONAL_TABLE_NOTES",
    "Problem",
    "ValidationReport",
    "validate_added",
    "validate_extract",
]

#: What the audit does without each optional table.
OPTIONAL_TABLE_NOTES: dict[str, str] = {
    "person_markers": "the vulnerability signals are switched off",
    "shifts": "the off-duty signal is switched off",
    "complaints": "the own-complainant signal is switched off",
    "declared_associations": "declared associations will not explain look-ups",
}

#: What the audit does without each optional column.
OPTIONAL_COLUMN_NOTES: dict[tuple[str, str], str] = {
    ("staff", "broad_access"): "every member of staff is weighed as having ordinary access",
    ("access_events", "reason_incident_id"): (
        "reasons given at look-up time will not explain look-ups"
    ),
}

_EXPECTED: dict[ColumnType, str] = {
    "string": "text, or whole numbers read as their decimal text",
    "bool": "BOOLEAN, or text true/false",
    "date": "DATE, or text YYYY-MM-DD",
    "timestamp": "TIMESTAMP, or ISO 8601 text",
}
_PARSED_AS: dict[ColumnType, str] = {
    "string": "text",
    "bool": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "timestamp": "a timestamp",
}
_MALFORMED: dict[str, str] = {
    "MISSING COLUMNS": "wrong number of fields",
    "TOO MANY COLUMNS": "wrong number of fields",
    "UNQUOTED VALUE": "badly quoted value: a quote is not closed, or text follows a closing quote",
    "INVALID ENCODING": "not valid UTF-8 text",
    "LINE SIZE OVER MAXIMUM": "line too long",
}
_FIELD_COUNTS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_SHOWN = 60


def validate_extract(path: Path) -> ValidationReport:
    """Check the extract in folder `path` against the spec; never stop at the first problem."""
    try:
        layout = locate_files(path)
    except ExtractError as exc:
        return ValidationReport(problems=[Problem(str(path), None, None, _reason(exc, path))])
    con = connect()
    try:
        return _Validator(con, layout).run()
    finally:
        con.close()


def validate_added(extract: Path, name: str, files: Sequence[Path]) -> ValidationReport:
    """Check files given beside an extract to add rows to its table `name`, each as the
    extract's own file of that table is checked, its ids against the extract's tables.

    Run after `validate_extract` has passed: the tables referred to are read as they stand.
    Each problem names the added file by the path it was given as.
    """
    try:
        layout = locate_files(extract)
    except ExtractError as exc:
        return ValidationReport(problems=[Problem(str(extract), None, None, _reason(exc, extract))])
    spec = table(name)
    report = ValidationReport()
    con = connect()
    try:
        for path in files:
            validator = _Validator(con, FileLayout(path.parent, {name: path}, {}))
            parents = {c.references[0] for c in spec.columns if c.references is not None}
            for parent in sorted(parents - {name}):
                if parent in layout.files:
                    validator.readable[parent] = inspect_file(
                        con, table(parent), layout.files[parent]
                    )
            if path.is_file():
                validator.check_table(spec)
            else:
                validator.problem(name, path.name, None, None, "no such file")
            if name in validator.readable:
                validator.check_references(validator.readable[name])
            report.problems += [
                dataclasses.replace(p, file=str(path)) for p in validator.found[name]
            ]
            report.rows[str(path)] = validator.rows.get(name, 0)
    finally:
        con.close()
    return report


def _reason(exc: ExtractError, path: Path) -> str:
    return str(exc).removeprefix(f"{path}: ")


class _Validator:
    """One validation run over one extract folder on one DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, layout: FileLayout) -> None:
        self.con = con
        self.layout = layout
        self.found: dict[str, list[Problem]] = {t.name: [] for t in TABLES}
        self.notes: list[str] = []
        self.rows: dict[str, int] = {}
        self.readable: dict[str, SourceFile] = {}
        self.coded_apart: set[str] = set()

    def run(self) -> ValidationReport:
        """Check each table, then the references between the readable ones."""
        for spec in TABLES:
            self.check_table(spec)
        for source in self.readable.values():
            self.check_references(source)
        problems = [p for t in TABLES for p in self.found[t.name]]
        return ValidationReport(problems, self.notes, self.rows, self.coded_apart)

    def problem(
        self, table: str, file: str, column: str | None, row: int | None, message: str
    ) -> None:
        """Record a problem under its table."""
        self.found[table].append(Problem(file, column, row, message))

    def check_table(self, spec: Table) -> None:
        """Check one table's file: presence, readability, columns, rows and unique ids."""
        name = spec.name
        if name in self.layout.doubled:
            both = " and ".join(p.name for p in self.layout.doubled[name])
            self.problem(name, name, None, None, f"both {both} are present; keep only one")
            return
        path = self.layout.files.get(name)
        if path is None:
            if spec.required:
                message = f"required table is missing: expected {name}.parquet or {name}.csv"
                self.problem(name, name, None, None, message)
            else:
                self.notes.append(f"no {name} table: {OPTIONAL_TABLE_NOTES[name]}")
            return
        try:
            source = inspect_file(self.con, spec, path)
        except UnreadableFileError as exc:
            self.problem(name, path.name, None, None, exc.reason)
            return
        self.check_columns(source)
        rows = self.check_rows(source)
        if rows is None:
            return
        self.rows[name] = rows
        self.readable[name] = source
        if name == "access_events" and rows == 0:
            self.notes.append("access_events has no rows: there are no look-ups to audit")

    def check_columns(self, source: SourceFile) -> None:
        """Report missing required columns, repeated names and types that cannot fit."""
        name, file = source.table.name, source.path.name
        for column in source.table.columns:
            matches = [c for c in source.columns if c.name == column.name]
            if len(matches) > 1:
                message = f"the header names this column {len(matches)} times"
                self.problem(name, file, column.name, None, message)
            if not matches:
                note = OPTIONAL_COLUMN_NOTES.get((name, column.name))
                if column.required:
                    message = "required column is missing" + _near_miss(source, column)
                    self.problem(name, file, column.name, None, message)
                elif note is not None:
                    self.notes.append(f"{file} has no {column.name} column: {note}")
            elif not accepts(column.type, matches[0].type):
                message = (
                    f"wrong type: the file holds {matches[0].type}; "
                    f"the spec needs {_EXPECTED[column.type]}"
                )
                self.problem(name, file, column.name, None, message)

    def check_rows(self, source: SourceFile) -> int | None:
        """Scan the file for per-row problems; return its rows, or None if it is unreadable."""
        name, file = source.table.name, source.path.name
        checks, params = row_checks(source)
        flags = [c.flag for c in checks]
        rejects = None
        if source.format == "csv":
            rejects = (f"custodes_rejects_{name}", f"custodes_reject_scans_{name}")
            for table in rejects:
                self.con.execute(f"DROP TABLE IF EXISTS {quote_identifier(table)}")
        key = source.table.key
        if key is not None and source.usable(key) is None:
            key = None
        sql = tally_sql(
            checked_rows_sql(source, row_numbers=False, rejects=rejects),
            flags,
            None if key is None else typed_column(source, key),
        )
        try:
            tally = self.con.execute(sql, self.used(params, sql)).fetchall()[0]
        except (duckdb.InvalidInputException, duckdb.IOException) as exc:
            what = "Parquet" if source.format == "parquet" else "CSV"
            message = f"cannot read as {what}: {engine_message(exc, source.path)}"
            self.problem(name, file, None, None, message)
            return None
        except duckdb.Error as exc:
            raise EngineError(engine_message(exc, source.path), sql) from exc
        if rejects is not None and self.check_malformed(source, rejects[0]):
            # Rejected rows leave gaps in the row numbers, so value problems would point wrong.
            return None
        found = self.locate(
            source,
            lambda numbered: checked_rows_sql(source, row_numbers=numbered),
            flags,
            tally,
            params,
        )
        for check, (count, first_row, value) in zip(checks, found, strict=True):
            if count:
                message = _row_message(check, value) + _more(count - 1)
                self.problem(name, file, check.column.name, first_row, message)
        if key is not None and tally[-1]:
            # Some key's code repeats: find out, exactly, whether an id does.
            self.check_duplicates(source, key)
        elif key is not None:
            self.coded_apart.add(name)
        return int(tally[0])

    def locate(
        self,
        source: SourceFile,
        rows: Callable[[bool], str],
        flags: list[Flag],
        tally: tuple[Any, ...],
        params: dict[str, Any] | None = None,
    ) -> list[tuple[int, int | None, Any]]:
        """Return per flag its count, first row and value; `rows(numbered)` builds the rows."""
        found: list[tuple[int, int | None, Any]] = []
        values = dict(params or {})
        narrowed: list[Flag] = []
        for i, (condition, value) in enumerate(flags):
            count, least, greatest = tally[1 + TALLY_WIDTH * i : 1 + TALLY_WIDTH * (i + 1)]
            found.append((int(count), None, None))
            if least is not None and least == greatest:
                # Every flagged row holds this one value, so a plain comparison finds them
                # without the parsing or look-up that flagged them.
                values[f"only_{i}"] = least
                condition = f"{value} = $only_{i}"
            narrowed.append((condition, value))
        failing = [i for i, (count, _, _) in enumerate(found) if count]
        if failing and _free_row_numbers(source):
            sql = first_rows_sql(rows(True), [narrowed[i] for i in failing])
            firsts = self.fetch(sql, values)[0]
            for j, i in enumerate(failing):
                found[i] = (found[i][0], firsts[2 * j], firsts[2 * j + 1])
            return found
        # Each numbered scan stops at the first row it flags and settles every flag that row
        # marks, so a file is scanned at most once per distinct first row, and only in part.
        waiting = failing
        while waiting:
            sql = first_flagged_sql(rows(True), [narrowed[i] for i in waiting])
            row = self.fetch(sql, values)
            if not row:
                raise EngineError("a flagged row was not found again", sql)
            number, marks = row[0][0], row[0][1:]
            for j, i in enumerate(waiting):
                if marks[2 * j]:
                    found[i] = (found[i][0], number, marks[2 * j + 1])
            waiting = [i for i in waiting if found[i][1] is None]
        return found

    def check_malformed(self, source: SourceFile, rejects_table: str) -> bool:
        """Report the rows a CSV scan could not parse; say whether there were any."""
        # Both wrong field counts are one kind of problem, so they merge under one label.
        merged: dict[str, tuple[int, int, str]] = {}
        for kind, count, first_line, text, message in self.fetch(malformed_rows_sql(rejects_table)):
            label = _MALFORMED.get(str(kind), str(message))
            shown = label
            counts = _FIELD_COUNTS.search(str(message))
            if counts is not None:
                shown += f" (expected {counts[1]}, found {counts[2]})"
            shown += f" in {_show(str(text).rstrip())}"
            # The summary comes earliest line first, so the first row kept for a label is its first.
            total, line, earlier = merged.get(label, (0, int(first_line), shown))
            merged[label] = (total + int(count), line, earlier)
        for total, line, shown in sorted(merged.values(), key=lambda m: m[1]):
            # DuckDB counts the header as line 1.
            row = line - 1
            self.problem(source.table.name, source.path.name, None, row, shown + _more(total - 1))
        return bool(merged)

    def check_duplicates(self, source: SourceFile, key: Column) -> None:
        """Report the first row that repeats an id of the table's unique column."""
        repeats = self.fetch(duplicate_count_sql(source, key))[0][0]
        if not repeats:
            return
        value, first_row, repeat_row, ids = self.fetch(first_duplicate_sql(source, key))[0]
        message = f"duplicate {key.name} {_show(value)}, first at row {first_row}"
        if ids > 1:
            message += f"; {ids} different ids repeat"
        self.problem(
            source.table.name,
            source.path.name,
            key.name,
            repeat_row,
            message + _more(int(repeats) - 1),
        )

    def check_references(self, source: SourceFile) -> None:
        """Report rows naming an id that their referenced table does not hold."""
        refs = references(source, self.readable)
        if not refs:
            return
        rows, flags = referenced_rows_sql(source, refs, row_numbers=False)
        found = self.locate(
            source,
            lambda numbered: referenced_rows_sql(source, refs, row_numbers=numbered)[0],
            flags,
            self.fetch(tally_sql(rows, flags))[0],
        )
        for ref, (count, first_row, value) in zip(refs, found, strict=True):
            if count:
                message = f"{ref.parent.table.name} has no {ref.key.name} {_show(value)}"
                self.problem(
                    source.table.name,
                    source.path.name,
                    ref.column.name,
                    first_row,
                    message + _more(count - 1),
                )

    @staticmethod
    def used(params: dict[str, Any] | None, sql: str) -> dict[str, Any] | None:
        """Return the values `sql` names, since DuckDB refuses values a statement leaves unused."""
        used = {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", sql)}
        return used or None

    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a check query, re-raising a DuckDB failure as `EngineError` with its SQL."""
        try:
            return self.con.execute(sql, self.used(params, sql)).fetchall()
        except duckdb.Error as exc:
            raise EngineError(engine_message(exc), sql) from exc


def _free_row_numbers(source: SourceFile) -> bool:
    # Parquet row numbers cost nothing; CSV ones make the scan serial, so CSV first scans
    # without them and scans again, numbered, only when it found a problem.
    return source.format == "parquet"


def _row_message(check: RowCheck, value: object) -> str:
    if check.kind == "empty":
        return "empty value in a column that may not be empty"
    if check.kind == "unparseable":
        return f"cannot parse {_show(value)} as {_PARSED_AS[check.column.type]}"
    allowed: Sequence[str] = sorted(check.column.values or ())
    also = ", or empty" if check.column.nullable else ""
    return f"{_show(value)} is not an allowed value ({', '.join(allowed)}{also})"


def _near_miss(source: SourceFile, column: Column) -> str:
    near = [c.name for c in source.columns if c.name.strip().lower() == column.name]
    if not near:
        return ""
    return f" (the file has {_show(near[0])}; names are lower case with no spaces)"


def _more(count: int) -> str:
    if count <= 0:
        return ""
    return f" (and {count} more row{'s' if count != 1 else ''})"


def _show(value: object) -> str:
    text = str(value).replace("\r", "\\r").replace("\n", "\\n")
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 3] + "..."
    return f"'{text}'"
