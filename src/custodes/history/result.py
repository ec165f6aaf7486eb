"""What an import returns and how it writes: the tables, every refused row, every unmapped value."""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custodes.caserules import HistoryError, write_history

__all__ = ["REFUSED_FILE", "HistoryImportError", "ImportResult", "Refusal", "Unmapped"]

#: The file beside the tables that names every row the import refused (a header alone if none).
REFUSED_FILE = "refused.csv"
# How many refusals an error message names before it counts the rest.
_SHOWN = 10


class HistoryImportError(HistoryError):
    """A source cannot be imported as asked; nothing was written."""


@dataclass(frozen=True)
class Refusal:
    """One source row left out of the import: its file, line (1 = the file's first line; 0 for
    the file as a whole), the column at fault (empty for the row as a whole), and why."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Unmapped:
    """A source value no mapping rule maps: the field it is in, the value, and its rows."""

    field: str
    value: str
    rows: int

    def __str__(self) -> str:
        return f"{self.field} {self.value!r} ({self.rows:,} rows)"


@dataclass(frozen=True)
class ImportResult:
    """One import: where it wrote, each table's rows, the rows refused, the values unmapped,
    notes on what the source lacks or how it was linked, and the time it took."""

    source: str
    out: Path
    counts: Mapping[str, int]
    refused: tuple[Refusal, ...] = ()
    unmapped: tuple[Unmapped, ...] = ()
    notes: tuple[str, ...] = ()
    figures: Mapping[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def describe(refused: Iterable[Refusal]) -> str:
    """Return the first refusals and a count of the rest, for an error message."""
    listed = list(refused)
    shown = "; ".join(str(r) for r in listed[:_SHOWN])
    more = f" (and {len(listed) - _SHOWN:,} more)" if len(listed) > _SHOWN else ""
    return f"{len(listed):,} row(s) refused: {shown}{more}"


def write_import(
    out: Path,
    officers: Iterable[Mapping[str, Any]],
    allegations: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    refused: Iterable[Refusal],
    *,
    fmt: str,
    strict: bool,
) -> dict[str, int]:
    """Write the tables and `refused.csv` into `out`, all or nothing; return each table's rows.

    With `strict`, any refusal is an error naming them and nothing is written.
    """
    refused = list(refused)
    if strict and refused:
        raise HistoryImportError(f"nothing was written: {describe(refused)}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise HistoryImportError(
            f"{out} already exists and is not an empty folder; nothing was written"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        tables = work / "history"
        counts = write_history(tables, officers, allegations, events, fmt=fmt)
        with (tables / REFUSED_FILE).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["file", "line", "column", "reason"])
            writer.writerows([r.file, r.line, r.column, r.reason] for r in refused)
        if out.exists():
            out.rmdir()  # empty, as checked: the rename needs the name free
        tables.rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return counts
