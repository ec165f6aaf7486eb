"""Import an officer history from a source (`import_history`) and check one (`validate_history`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from custodes.caserules import HistoryProblem, check_history
from custodes.history.ccrb import read_ccrb
from custodes.history.exported import read_exported
from custodes.history.generic import read_column_mapping, read_generic
from custodes.history.result import HistoryImportError, ImportResult, write_import
from custodes.history.rules import packaged_rules

__all__ = ["SOURCES", "import_history", "validate_history"]

#: The sources `import_history` reads, and what each takes as files.
SOURCES = {
    "ccrb": "the NYPD CCRB's records: the zip (or its four CSVs), ccrb-penalties.csv, "
    "departure-letters.json",
    "csv": "a department's CSV (one row per allegation, or officers and allegations files) "
    "with a column mapping file (--mapping)",
    "custodes": "a folder written by `custodes cases export`",
}


def import_history(
    source: str,
    files: Sequence[Path],
    out: Path,
    *,
    mapping: Path | None = None,
    fmt: str = "csv",
    strict: bool = False,
) -> ImportResult:
    """Import `files` of a source into the officer-history folder `out`, all or nothing.

    Rows that cannot be imported are refused, each named (file, line, column, why) in the
    result and in `out/refused.csv`; the import goes on without them, unless `strict`, when
    any refusal is an error and nothing is written. `mapping` replaces the CCRB's packaged
    rules, and is required for a CSV source (its column mapping).
    """
    started = time.perf_counter()
    if not files:
        raise HistoryImportError(f"no files given to import from {source}")
    if source == "ccrb":
        ccrb = read_ccrb(files, packaged_rules("ccrb", mapping))
        tables = (ccrb.officers, ccrb.allegations, ccrb.events)
        refused, unmapped, notes, figures = ccrb.refused, ccrb.unmapped, ccrb.notes, ccrb.figures
    elif source == "csv":
        if mapping is None:
            raise HistoryImportError("a csv import needs its column mapping file (--mapping)")
        generic = read_generic(files, read_column_mapping(mapping))
        tables = (generic.officers, generic.allegations, [])
        refused, unmapped, notes, figures = generic.refused, generic.unmapped, [], {}
    elif source == "custodes":
        exported = read_exported(files)
        tables = (
            exported.tables["officers"],
            exported.tables["allegations"],
            exported.tables["events"],
        )
        refused, unmapped, notes, figures = exported.refused, [], [], {}
    else:
        raise HistoryImportError(
            f"{source!r} is not a source; the sources are {', '.join(SOURCES)}"
        )
    counts = write_import(out, *tables, refused, fmt=fmt, strict=strict)
    return ImportResult(
        source=source,
        out=out,
        counts=counts,
        refused=tuple(refused),
        unmapped=tuple(unmapped),
        notes=tuple(notes),
        figures=dict(figures),
        seconds=time.perf_counter() - started,
    )


def validate_history(folder: Path) -> list[HistoryProblem]:
    """Check that `folder` meets the officer-history format; return every problem found."""
    return check_history(folder)
