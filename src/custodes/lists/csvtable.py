"""CSV in the registry formats: read a file's columns by the spec's names, line by line; write
cells from outside data so that a spreadsheet opening the file runs none of them."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, Protocol

from custodes.lists.records import ListFormatError, Rejected

__all__ = ["FORMULA_STARTS", "Row", "read_rows", "spreadsheet_safe"]

#: What a spreadsheet takes a cell to be a formula (or, for tab and carriage return, a way to
#: hide one) when the cell begins with it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


#: The longest field a list or roster may hold: the csv module's own default limit, checked here
#: too, since another library in the same process (Frictionless) may raise that global limit.
FIELD_LIMIT = 131_072


def spreadsheet_safe(text: str) -> str:
    """Return a cell of outside text that a spreadsheet shows as text and never evaluates.

    A name or reference from a roster or list such as `=HYPERLINK(...)` would otherwise run
    when the results are opened; a leading apostrophe makes the cell text. Numbers custodes
    formats itself (a negative match weight) are written as they are, not through this.
    """
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Reader(Protocol):
    """A csv reader: its rows, and the physical line it has read up to."""

    line_num: int

    def __next__(self) -> list[str]: ...


@dataclass(frozen=True)
class Row:
    """One row: its line in the file, the spec's fields, and the file's other columns."""

    line: int
    values: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)


def read_rows(
    path: Path,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    mapping: Mapping[str, str] | None = None,
) -> Iterator[Row | Rejected]:
    """Yield each row of the file by the spec's column names, or why it has the wrong shape."""
    mapping = dict(mapping or {})
    _check_mapping(path, columns, mapping)
    try:
        with path.open("rb") as handle:
            lines = _TextLines(path, handle)
            reader = csv.reader(lines, strict=True)
            yield from _rows(path, reader, lines, columns, required, mapping)
    except FileNotFoundError:
        raise ListFormatError(f"{path}: no such file") from None


class _TextLines:
    """Decode the file line by line, keeping the text of the row being read.

    A byte that is not UTF-8 is found on its line; a field too long for the csv module is
    found in the row's text, to name its column.
    """

    def __init__(self, path: Path, handle: BinaryIO) -> None:
        self._path = path
        self._lines = enumerate(handle, start=1)
        self.row: list[str] = []

    def __iter__(self) -> _TextLines:
        return self

    def __next__(self) -> str:
        number, raw = next(self._lines)
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise ListFormatError(
                f"{self._path.name}, line {number}: not UTF-8 text ({error.reason})"
            ) from None
        self.row.append(text)
        return text


def _long_field(text: str, limit: int) -> int | None:
    """Return the index of the first field of a row's text longer than `limit`, if any."""
    index, length, quoted, i = 0, 0, False, 0
    while i < len(text):
        char = text[i]
        if quoted and char == '"' and text[i + 1 : i + 2] == '"':
            length, i = length + 1, i + 2  # a doubled quote is one quote in the field
            continue
        if char == '"':
            quoted = not quoted
        elif quoted or char not in ",\r\n":
            length += 1
        elif char == ",":
            index, length = index + 1, 0
        else:
            return None  # the row ended
        if length > limit:
            return index
        i += 1
    return None


def _check_mapping(path: Path, columns: tuple[str, ...], mapping: dict[str, str]) -> None:
    """Refuse a mapping from a column the format does not have."""
    for spec_column, file_column in mapping.items():
        if spec_column not in columns:
            raise ListFormatError(
                f"{path.name}: the mapping names {spec_column!r}, which is not a column of "
                f"the format ({', '.join(columns)})"
            )
        if not file_column.strip():
            raise ListFormatError(f"{path.name}: the mapping gives {spec_column!r} no column")


def _rows(
    path: Path,
    reader: _Reader,
    text: _TextLines,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    mapping: dict[str, str],
) -> Iterator[Row | Rejected]:
    """Yield the rows after the header, numbered by the line each starts on."""
    names: list[str] = []
    lines = _numbered(path, reader, text, names)
    header_line, header = next(lines, (1, []))
    names.extend(name.strip() for name in header)
    where = _where(path, [name.strip() for name in header], columns, required, mapping)
    others = [(i, name.strip()) for i, name in enumerate(header) if i not in where.values()]
    # The spec's columns the file has, taken from each row at once; those it lacks are "".
    found = [c for c in columns if c in where]
    take = itemgetter(*(where[c] for c in found)) if len(found) > 1 else None
    absent = dict.fromkeys((c for c in columns if c not in where), "")
    for line, cells in lines:
        if not "".join(cells).strip():
            continue  # a blank line is not a row
        if len(cells) != len(header):
            why = f"has {len(cells)} fields where the header (line {header_line}) has {len(header)}"
            yield Rejected(path.name, line, "", why)
            continue
        picked = take(cells) if take else [cells[where[c]] for c in found]
        values = dict(zip(found, map(str.strip, picked), strict=True))
        values.update(absent)
        yield Row(line, values, {name: cells[i].strip() for i, name in others if cells[i].strip()})


def _numbered(
    path: Path, reader: _Reader, text: _TextLines, header: list[str]
) -> Iterator[tuple[int, list[str]]]:
    """Yield each row with the line it starts on; a quoted field can span lines."""
    line_num = 0
    while True:
        start = line_num + 1
        text.row.clear()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            why = _unreadable(path, start, error, "".join(text.row), header)
            raise ListFormatError(why) from None
        line_num = reader.line_num
        longest = max(map(len, cells), default=0)
        if longest > FIELD_LIMIT:
            raise ListFormatError(_too_long(path, start, "".join(text.row), header))
        yield start, cells


def _unreadable(path: Path, line: int, error: csv.Error, row: str, header: list[str]) -> str:
    """Say why a row cannot be read: a field longer than any may be, or a stray quote."""
    if "field larger than field limit" not in str(error):
        return (
            f"{path.name}, line {line}: cannot read the row ({error}); look for a stray or "
            "unclosed double quote on this line"
        )
    return _too_long(path, line, row, header)


def _too_long(path: Path, line: int, row: str, header: list[str]) -> str:
    """Say which field of a row is longer than any a list or roster holds."""
    limit = min(FIELD_LIMIT, csv.field_size_limit())
    index = _long_field(row, limit)
    field = (
        f"the field {header[index]!r}"
        if index is not None and index < len(header) and header[index]
        else "a field"
    )
    # The whole file is refused: a reader cannot tell where such a row ends.
    return (
        f"{path.name}, line {line}: {field} is longer than {limit:,} characters, more than "
        "any field of a list or roster holds; nothing of the file was read"
    )


def _where(
    path: Path,
    header: list[str],
    columns: tuple[str, ...],
    required: tuple[str, ...],
    mapping: dict[str, str],
) -> dict[str, int]:
    """Return where each spec column is in the header, refusing a header that lacks one."""
    if not any(header):
        raise ListFormatError(f"{path.name}, line 1: no header row")
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        raise ListFormatError(f"{path.name}, line 1: column {duplicates[0]!r} appears twice")
    where: dict[str, int] = {}
    for column in columns:
        name = mapping.get(column, column)
        if name in header:
            where[column] = header.index(name)
        elif column in mapping:
            raise ListFormatError(
                f"{path.name}, line 1: no column {name!r} (mapped to {column!r}) in the header"
            )
        elif column in required:
            raise ListFormatError(
                f"{path.name}, line 1: the required column {column!r} is missing from the "
                f"header; name it so, or map the file's own column to it"
            )
    return where
