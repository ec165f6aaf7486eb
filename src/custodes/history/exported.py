"""Import a folder written by `custodes cases export`: checked against the format and copied,
with its events (access-audit alerts, registry matches, list reports)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from custodes.caserules import HISTORY_TABLES, check_history
from custodes.history.result import HistoryImportError, Refusal

__all__ = ["ExportedHistory", "read_exported"]


@dataclass
class ExportedHistory:
    """An exported folder's rows, less those refused."""

    tables: dict[str, list[dict[str, Any]]]
    refused: list[Refusal]


def _table(folder: Path, name: str) -> tuple[Path, list[tuple[int, dict[str, Any]]]] | None:
    for fmt in ("csv", "parquet"):
        path = folder / f"{name}.{fmt}"
        if not path.exists():
            continue
        if fmt == "csv":
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                rows = [(reader.line_num, dict(row)) for row in reader]
        else:
            rows = list(enumerate(pq.read_table(path).to_pylist(), start=1))
        return path, rows
    return None


def _typed(kind: str, value: Any) -> Any:
    """Return a checked CSV value as its column's type, so either format can be written."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and kind == "date":
        return dt.date.fromisoformat(value)
    if isinstance(value, str) and kind == "integer":
        return int(value)
    return value


def read_exported(paths: Sequence[Path]) -> ExportedHistory:
    """Read an exported folder; refuse each row the format check finds wrong, and the
    allegations and events of an officer refused."""
    if len(paths) != 1 or not paths[0].is_dir():
        raise HistoryImportError(
            "the custodes import takes one folder, written by `custodes cases export`"
        )
    folder = paths[0]
    problems = check_history(folder)
    whole = [
        p for p in problems if p.line <= 1 and (p.line == 0 or p.problem == "the column is missing")
    ]
    if whole:
        raise HistoryImportError("; ".join(f"{folder.name}/{p}" for p in whole))
    bad: dict[tuple[str, int], list[str]] = {}
    for p in problems:
        bad.setdefault((p.file, p.line), []).append(
            f"{p.column}: {p.problem}" if p.column else p.problem
        )
    refused: list[Refusal] = []
    tables: dict[str, list[dict[str, Any]]] = {}
    dropped: set[str] = set()
    kept: set[str] = set()
    types = {name: {c.name: c.type for c in cols} for name, cols in HISTORY_TABLES.items()}
    for name in HISTORY_TABLES:
        found = _table(folder, name)
        tables[name] = []
        if found is None:
            continue
        path, rows = found
        for line, row in rows:
            why = bad.get((path.name, line))
            ref = row.get("officer_ref")
            if why is None and name != "officers" and ref in dropped:
                why = [f"officer_ref: {ref!r} was refused in officers"]
            if why is not None:
                refused += [Refusal(f"{folder.name}/{path.name}", line, "", w) for w in why]
                if name == "officers" and isinstance(ref, str) and ref not in kept:
                    dropped.add(ref)
                continue
            if name == "officers":
                kept.add(str(ref))
            tables[name].append(
                {k: _typed(types[name][k], v) for k, v in row.items() if k in types[name]}
            )
    return ExportedHistory(tables, refused)
