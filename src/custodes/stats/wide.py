"""A published table's cells turned wide: a row per combination, a column per measure.

The publication's own report (`publish`) and the public statistics page both show each table
this way, from the cells as published (after suppression and rounding, never the true
counts), so that the two cannot show a table differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from custodes.stats.disclosure import ALL, COUNT

__all__ = ["SUPPRESSED_MARK", "Wide", "WideRow", "widen"]

#: What the report, the page and the CSVs show for a withheld count.
SUPPRESSED_MARK = "[c]"


@dataclass(frozen=True)
class WideRow:
    """One combination's values, then one shown cell per measure."""

    keys: tuple[str, ...]
    cells: tuple[tuple[str, str], ...]  # (the count as shown or the mark, "(n%)" or "")
    total: bool  # a row of "All" in some dimension


@dataclass(frozen=True)
class Wide:
    """A table as shown: its dimensions, its measures' labels and its rows."""

    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    rows: tuple[WideRow, ...]


def _missing(value: object) -> bool:
    return value is None or value == "" or bool(pd.isna(value))


def _withheld(cell: Mapping[str, object]) -> bool:
    flag = cell.get("suppressed")
    if isinstance(flag, str):
        return flag.strip().lower() == "true" or _missing(cell.get("value"))
    return bool(flag) or _missing(cell.get("value"))


def _shown(cell: Mapping[str, object]) -> tuple[str, str]:
    if _withheld(cell):
        return SUPPRESSED_MARK, ""
    count = f"{int(str(cell['value'])):,}"
    pct = cell.get("percent_of_first")
    if cell.get("measure") == COUNT or _missing(pct):
        return count, ""
    return count, f"({int(str(pct))}%)"


def widen(cells: Iterable[Mapping[str, object]], dimensions: Sequence[str]) -> Wide:
    """Return published cells (a mapping per cell: the dimensions, `measure`, `measure_label`,
    `value`, `suppressed`, `percent_of_first`, as strings from the CSV or as the frame holds
    them) as a wide table, rows and measures in the order they first appear."""
    dims = tuple(dimensions)
    measures: dict[str, None] = {}
    grid: dict[tuple[str, ...], dict[str, tuple[str, str]]] = {}
    for cell in cells:
        label = str(cell.get("measure_label") or cell["measure"])
        measures.setdefault(label)
        key = tuple(str(cell[d]) for d in dims)
        grid.setdefault(key, {})[label] = _shown(cell)
    rows = tuple(
        WideRow(
            keys=key,
            cells=tuple(shown.get(m, (SUPPRESSED_MARK, "")) for m in measures),
            total=ALL in key,
        )
        for key, shown in grid.items()
    )
    return Wide(dims, tuple(measures), rows)
