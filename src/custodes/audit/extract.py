"""Find the files of a force extract and read each table with the spec's types in DuckDB."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb

from custodes.audit.schema import TABLES, Column, ColumnType, Table
from custodes.audit.sql import quote_identifier, quote_literal
from custodes.errors import ExtractError

__all__ = [
    "ROW",
    "SQL_TYPES",
    "SUFFIXES",
    "Extract",
    "FileColumn",
    "FileLayout",
    "Format",
    "SourceFile",
    "UnreadableFileError",
    "accepts",
    "blank_sql",
    "column_sql",
    "connect",
    "engine_message",
    "inspect_added",
    "inspect_file",
    "locate_files",
    "open_extract",
    "read_extract_columns",
    "read_sql",
    "row_number_sql",
    "typed_select_sql",
]

Format = Literal["parquet", "csv"]

SUFFIXES: dict[str, Format] = {".parquet": "parquet", ".csv": "csv"}

#: The name checks give the 1-based row number of a table's file.
ROW = "__row"

SQL_TYPES: dict[ColumnType, str] = {
    "string": "VARCHAR",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",
}

_TEXT = "VARCHAR"
# DuckDB's name for a Parquet column that holds only nulls.
_NULL = '"NULL"'
_INTEGERS = frozenset(
    {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
    }
)
_NAIVE_TIMESTAMPS = frozenset({"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"})
_ZONED_TIMESTAMPS = frozenset({"TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ", "TIMESTAMPTZ_NS"})

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_DATE = r"\d{4}-\d{2}-\d{2}"
_OFFSET = r"(Z|[+-]\d{2}(:?\d{2})?)"
_DATE_RE = rf"\s*{_DATE}\s*"
_TIMESTAMP_RE = rf"\s*{_DATE}[T ]\d{{2}}:\d{{2}}(:\d{{2}}(\.\d{{1,9}})?)?{_OFFSET}?\s*"
_OFFSET_RE = rf"{_OFFSET}\s*$"
_HEADER_LIMIT = 1 << 20
_ERROR_PREFIX = re.compile(r"^[A-Z][A-Za-z ]* Error: ")


class UnreadableFileError(ExtractError):
    """A file of the extract cannot be opened or parsed at all."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class FileLayout:
    """Where each table of an extract folder lives, and the tables given in both formats."""

    folder: Path
    files: dict[str, Path]
    doubled: dict[str, tuple[Path, ...]]


@dataclass(frozen=True)
class FileColumn:
    """One column as a file holds it: its name, its DuckDB type and the SQL that reads it."""

    name: str
    type: str
    ref: str
    # Text that the file's own statistics show is never empty nor only spaces, so it is read
    # as it stands instead of being trimmed row by row.
    never_blank: bool = False


@dataclass(frozen=True)
class SourceFile:
    """One table's file and the columns it holds, in file order."""

    table: Table
    path: Path
    format: Format
    columns: tuple[FileColumn, ...]

    def get(self, name: str) -> FileColumn | None:
        """Return the file's column called exactly `name`, if it has one."""
        return next((c for c in self.columns if c.name == name), None)

    def usable(self, column: Column) -> FileColumn | None:
        """Return the file's column for `column` when it is present with a type that fits."""
        found = self.get(column.name)
        return found if found is not None and accepts(column.type, found.type) else None


def locate_files(folder: Path) -> FileLayout:
    """Find each table's `NAME.parquet` or `NAME.csv` in `folder`."""
    if not folder.exists():
        raise ExtractError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ExtractError(f"{folder}: not a folder")
    files: dict[str, Path] = {}
    doubled: dict[str, tuple[Path, ...]] = {}
    for spec in TABLES:
        found = tuple(
            folder / f"{spec.name}{suffix}"
            for suffix in SUFFIXES
            if (folder / f"{spec.name}{suffix}").is_file()
        )
        if len(found) > 1:
            doubled[spec.name] = found
        elif found:
            files[spec.name] = found[0]
    return FileLayout(folder, files, doubled)


def connect() -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB connection whose session time zone is UTC."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB draws its own progress bar on long scans; the CLI owns the terminal.
    con.execute("SET enable_progress_bar = false")
    return con


def inspect_file(con: duckdb.DuckDBPyConnection, table: Table, path: Path) -> SourceFile:
    """Read the column names and types of `table`'s file at `path`."""
    fmt = SUFFIXES.get(path.suffix)
    if fmt is None:
        raise UnreadableFileError(path, f"not a .parquet or .csv file: {path.suffix!r}")
    if fmt == "csv":
        names = _csv_header(path)
        # Positional names keep odd or repeated header names out of the SQL.
        cols = tuple(
            FileColumn(name, _TEXT, quote_identifier(f"c{i}")) for i, name in enumerate(names)
        )
        return SourceFile(table, path, fmt, cols)
    try:
        described = con.execute(
            "DESCRIBE SELECT * FROM read_parquet(?)", [str(path.resolve())]
        ).fetchall()
    except duckdb.Error as exc:
        raise UnreadableFileError(
            path, f"cannot read as Parquet: {engine_message(exc, path)}"
        ) from exc
    never_blank = _never_blank(con, path)
    cols = tuple(
        FileColumn(str(r[0]), str(r[1]), quote_identifier(str(r[0])), str(r[0]) in never_blank)
        for r in described
    )
    return SourceFile(table, path, fmt, cols)


def _never_blank(con: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    """Return the Parquet file's columns whose statistics prove no value is blank."""
    # A blank value is '' or only spaces, and sorts before any text whose first character is
    # above the space. So a row group whose least value starts with such a character holds no
    # blank (a truncated least value is still a lower bound), and nor does one of only nulls.
    # Trimming every value cost about 0.2 s per column per 10 million rows, on every read.
    # A row group without statistics proves nothing: hence the coalesce, as bool_and skips
    # NULLs.
    try:
        rows = con.execute(
            "SELECT path_in_schema, bool_and(coalesce(stats_null_count = num_values "
            "OR (stats_min_value > ' ' AND NOT starts_with(stats_min_value, ' ')), false)) "
            "FROM parquet_metadata(?) GROUP BY path_in_schema",
            [str(path.resolve())],
        ).fetchall()
    except duckdb.Error:
        # Statistics only speed the reading up; without them every value is trimmed.
        return set()
    return {str(name) for name, proven in rows if proven}


def _csv_header(path: Path) -> list[str]:
    # Only the header's own bytes are decoded, so a bad byte further down is left for the
    # scan to report with its row.
    raw = b""
    try:
        with path.open("rb") as fh:
            while len(raw) < _HEADER_LIMIT:
                line = fh.readline(_HEADER_LIMIT)
                raw += line
                # An odd count of quotes means a quoted name runs on to the next line.
                if not line or raw.count(b'"') % 2 == 0:
                    break
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot open: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(path, f"the header row is not UTF-8 text ({exc.reason})") from exc
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), strict=True), None)
    except csv.Error as exc:
        raise UnreadableFileError(path, f"cannot read the CSV header row: {exc}") from exc
    if not header:
        raise UnreadableFileError(path, "empty file: a CSV file needs a header row")
    return header


def engine_message(exc: BaseException, path: Path | None = None) -> str:
    """Return the first line of a DuckDB error without its class prefix or `path`'s folder."""
    lines = str(exc).strip().splitlines()
    first = _ERROR_PREFIX.sub("", lines[0]) if lines else type(exc).__name__
    return first.replace(str(path.resolve()), path.name) if path is not None else first


def accepts(column_type: ColumnType, file_type: str) -> bool:
    """Say whether a file column of DuckDB type `file_type` can hold a spec column's values."""
    if file_type in (_TEXT, _NULL):
        return True
    if column_type == "string":
        return file_type in _INTEGERS or _is_whole_decimal(file_type)
    if column_type == "bool":
        return file_type == "BOOLEAN"
    if column_type == "date":
        return file_type == "DATE"
    return file_type in _NAIVE_TIMESTAMPS or file_type in _ZONED_TIMESTAMPS


def _is_whole_decimal(file_type: str) -> bool:
    return file_type.startswith("DECIMAL(") and file_type.replace(" ", "").endswith(",0)")


def read_sql(
    source: SourceFile, *, row_numbers: bool = False, rejects: tuple[str, str] | None = None
) -> str:
    """Build the FROM item that reads `source`'s file, with `row_number_sql` when asked."""
    # `rejects` names the tables DuckDB writes malformed CSV rows into instead of failing.
    path = quote_literal(str(source.path.resolve()))
    if source.format == "parquet":
        numbered = ", file_row_number = true" if row_numbers else ""
        return f"read_parquet({path}{numbered})"
    names = ", ".join(f"{quote_literal(f'c{i}')}: 'VARCHAR'" for i in range(len(source.columns)))
    options = [
        "header = true",
        "auto_detect = false",
        f"columns = {{{names}}}",
        "delim = ','",
        "quote = '\"'",
        "escape = '\"'",
        "strict_mode = true",
        "encoding = 'utf-8'",
    ]
    if rejects is not None:
        options += [
            "store_rejects = true",
            f"rejects_table = {quote_literal(rejects[0])}",
            f"rejects_scan = {quote_literal(rejects[1])}",
        ]
    # ORDINALITY numbers records as the file holds them: DuckDB keeps a CSV scan in order
    # for it, which is what makes the row numbers reliable.
    ordinality = " WITH ORDINALITY" if row_numbers else ""
    return f"read_csv({path}, {', '.join(options)}){ordinality}"


def row_number_sql(source: SourceFile) -> str:
    """Build the 1-based data row number of a `read_sql(..., row_numbers=True)` row."""
    return "file_row_number + 1" if source.format == "parquet" else "ordinality"


def blank_sql(file_column: FileColumn) -> str:
    """Build the condition that a file value is empty (null, or only spaces in text)."""
    if file_column.type == _TEXT and not file_column.never_blank:
        # Blank text is what reading it as a string turns into NULL.
        return f"({_text_sql('string', file_column.ref)} IS NULL)"
    return f"({file_column.ref} IS NULL)"


def column_sql(column: Column, file_column: FileColumn | None) -> str:
    """Build the expression giving `column` its spec type; NULL where a value does not parse."""
    sql_type = SQL_TYPES[column.type]
    if file_column is None or file_column.type == _NULL:
        return f"CAST(NULL AS {sql_type})"
    ref, ftype = file_column.ref, file_column.type
    if not accepts(column.type, ftype):
        raise ExtractError(f"column {column.name} cannot be read as {column.type} from {ftype}")
    if ftype == _TEXT and column.type == "string" and file_column.never_blank:
        return ref
    if ftype == _TEXT:
        return _text_sql(column.type, ref)
    if column.type == "string":
        return f"CAST({ref} AS VARCHAR)"
    if ftype in _NAIVE_TIMESTAMPS:
        # The spec: a timestamp without an offset is UTC.
        return f"timezone('UTC', CAST({ref} AS TIMESTAMP))"
    return f"CAST({ref} AS {sql_type})"


def _text_sql(column_type: ColumnType, ref: str) -> str:
    if column_type == "string":
        # Blank text reads as NULL. Only text that starts with a space is trimmed.
        return (
            f"CASE WHEN {ref} = '' THEN NULL WHEN NOT starts_with({ref}, ' ') THEN {ref} "
            f"WHEN ltrim({ref}) = '' THEN NULL ELSE {ref} END"
        )
    if column_type == "bool":
        word = f"lower(trim({ref}))"
        return (
            f"CASE WHEN {word} IN {_tuple_sql(_TRUE)} THEN true "
            f"WHEN {word} IN {_tuple_sql(_FALSE)} THEN false END"
        )
    # DuckDB's own casts accept more than ISO 8601, so the shape is checked first.
    if column_type == "date":
        return (
            f"CASE WHEN regexp_full_match({ref}, {quote_literal(_DATE_RE)}) "
            f"THEN TRY_CAST(trim({ref}) AS DATE) END"
        )
    # Appending +00:00 to a naive timestamp makes it UTC whatever the session time zone is.
    return (
        f"CASE WHEN regexp_full_match({ref}, {quote_literal(_TIMESTAMP_RE)}) "
        f"THEN TRY_CAST(CASE WHEN regexp_matches({ref}, {quote_literal(_OFFSET_RE)}) "
        f"THEN {ref} ELSE rtrim({ref}) || '+00:00' END AS TIMESTAMPTZ) END"
    )


def _tuple_sql(words: tuple[str, ...]) -> str:
    return "(" + ", ".join(quote_literal(w) for w in words) + ")"


def typed_select_sql(source: SourceFile) -> str:
    """Build a SELECT of the spec's columns of `source`, typed, extra columns dropped."""
    # A missing optional column reads as typed NULLs; a missing required column, or one
    # whose file type cannot hold the spec's type, raises rather than read as NULLs.
    items = []
    for column in source.table.columns:
        found = source.get(column.name)
        if found is None and column.required:
            raise ExtractError(f"{source.path.name}: required column {column.name} is missing")
        if found is not None and not accepts(column.type, found.type):
            raise ExtractError(
                f"{source.path.name}: column {column.name} holds {found.type}, not {column.type}"
            )
        items.append(f"{column_sql(column, found)} AS {quote_identifier(column.name)}")
    return f"SELECT {', '.join(items)} FROM {read_sql(source)}"  # noqa: S608 -- quoted names


@dataclass(frozen=True)
class Extract:
    """A force extract folder: the file read for each table present."""

    folder: Path
    sources: Mapping[str, SourceFile]

    @property
    def files(self) -> dict[str, Path]:
        """Return the file of each table present, by table name."""
        return {name: source.path for name, source in self.sources.items()}

    def register_views(
        self,
        con: duckdb.DuckDBPyConnection,
        added: Mapping[str, Sequence[SourceFile]] | None = None,
    ) -> list[str]:
        """Create one typed temporary view per table present; return their names.

        `added` gives files whose rows join a table's own (or make it, if the extract has
        none): declared associations given beside the extract, say.
        """
        con.execute("SET TimeZone = 'UTC'")
        added = added or {}
        names = [*self.sources, *(n for n in added if n not in self.sources and added[n])]
        for name in names:
            own = [self.sources[name]] if name in self.sources else []
            selects = [typed_select_sql(source) for source in [*own, *added.get(name, ())]]
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {quote_identifier(name)} AS "
                + " UNION ALL ".join(selects)
            )
        return names


def open_extract(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> Extract:
    """Open the extract in folder `path`, refusing one that lacks a required table."""
    layout = locate_files(path)
    if layout.doubled:
        names = ", ".join(sorted(layout.doubled))
        raise ExtractError(f"{path}: tables given as both .csv and .parquet: {names}")
    missing = [t.name for t in TABLES if t.required and t.name not in layout.files]
    if missing:
        raise ExtractError(f"{path}: required tables missing: {', '.join(missing)}")
    own = con is None
    session = connect() if con is None else con
    try:
        sources = {
            spec.name: inspect_file(session, spec, layout.files[spec.name])
            for spec in TABLES
            if spec.name in layout.files
        }
    finally:
        if own:
            session.close()
    return Extract(path, sources)


def inspect_added(
    con: duckdb.DuckDBPyConnection, name: str, paths: Sequence[Path]
) -> list[SourceFile]:
    """Return the files given to add rows to table `name`, as `open_extract` reads its own."""
    spec = next((t for t in TABLES if t.name == name), None)
    if spec is None:
        raise ExtractError(f"the spec has no table {name}")
    return [inspect_file(con, spec, Path(path)) for path in paths]


def read_extract_columns(
    folder: Path, name: str, columns: Sequence[str], *, shown: Path | None = None
) -> tuple[Path, list[tuple[Any, ...]]]:
    """Return the file of table `name` in `folder`, and its `columns` typed, in file order."""
    # `shown` is the folder that refusals, and the path returned, name when `folder` holds
    # copies of its files (checked against a run's manifest).
    shown = folder if shown is None else shown
    spec = next((t for t in TABLES if t.name == name), None)
    if spec is None or not set(columns) <= {c.name for c in spec.columns}:
        raise ValueError(f"the spec has no table {name} with columns {', '.join(columns)}")
    path = locate_files(folder).files.get(name)
    if path is None:
        raise ExtractError(f"{shown}: not a force extract: no {name}.parquet or {name}.csv")
    con = connect()
    try:
        typed = typed_select_sql(inspect_file(con, spec, path))
        picked = ", ".join(quote_identifier(c) for c in columns)
        # DuckDB keeps a file's order on a plain scan, so the rows count as the file does.
        rows = con.sql(f"SELECT {picked} FROM ({typed})").fetchall()  # noqa: S608 -- spec names
    except duckdb.Error as exc:
        raise ExtractError(f"{shown / path.name}: {engine_message(exc, path)}") from None
    finally:
        con.close()
    return shown / path.name, rows
