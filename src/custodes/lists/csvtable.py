"""Read a CSV file in one of the registry formats: its columns by the spec's names, line by line."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from custodes.lists.records import ListFormatError, Rejected

__all__ = ["Row", "read_rows"]


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
            reader = csv.reader(_text_lines(path, handle), strict=True)
            yield from _rows(path, reader, columns, required, mapping)
    except FileNotFoundError:
        raise ListFormatError(f"{path}: no such file") from None


def _text_lines(path: Path, handle: BinaryIO) -> Iterator[str]:
    """Decode the file line by line, so that a byte that is not UTF-8 is found on its line."""
    for number, raw in enumerate(handle, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise ListFormatError(
                f"{path.name}, line {number}: not UTF-8 text ({error.reason})"
            ) from None


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
    columns: tuple[str, ...],
    required: tuple[str, ...],
    mapping: dict[str, str],
) -> Iterator[Row | Rejected]:
    """Yield the rows after the header, numbered by the line each starts on."""
    lines = _numbered(path, reader)
    header_line, header = next(lines, (1, []))
    where = _where(path, [name.strip() for name in header], columns, required, mapping)
    others = [(i, name.strip()) for i, name in enumerate(header) if i not in where.values()]
    for line, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line is not a row
        if len(cells) != len(header):
            why = f"has {len(cells)} fields where the header (line {header_line}) has {len(header)}"
            yield Rejected(path.name, line, "", why)
            continue
        values = {c: cells[where[c]].strip() if c in where else "" for c in columns}
        yield Row(line, values, {name: cells[i].strip() for i, name in others if cells[i].strip()})


def _numbered(path: Path, reader: _Reader) -> Iterator[tuple[int, list[str]]]:
    """Yield each row with the line it starts on; a quoted field can span lines."""
    line_num = 0
    while True:
        start = line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ListFormatError(
                f"{path.name}, line {start}: cannot read the row ({error}); look for a stray "
                "or unclosed double quote on this line"
            ) from None
        line_num = reader.line_num
        yield start, cells


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
