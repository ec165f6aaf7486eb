"""A publication's folder as the public page reads it: only what it published.

The page is built from the published CSVs alone (never from the database): each table's cells
as `custodes stats publish` wrote them, after suppression and rounding, with "[c]" where a
count is withheld. The files a visitor may download are exactly those the publication lists
(`publication.json`'s tables and charts, and `datapackage.json`), and only while each is a
plain file inside the folder: any other name, a path that climbs out, or a link elsewhere is
not there.
"""

from __future__ import annotations

import csv
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custodes.stats import SUPPRESSED_MARK, PublishError, WideRow, read_publication, widen

__all__ = [
    "SUPPRESSED",
    "Publication",
    "PublishedTable",
    "content_type",
    "published_file",
    "read_published",
]

#: What the page shows for a withheld count (as the publication's own report does).
SUPPRESSED = SUPPRESSED_MARK
_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class PublishedTable:
    """One published table, wide: a row per combination, a column per measure."""

    name: str
    title: str
    description: str
    unit: str
    dimensions: list[str]
    measures: list[str]
    rows: list[WideRow]


@dataclass(frozen=True)
class Publication:
    """What the page shows of a publication, and the files it may serve."""

    title: str
    source: str
    as_of: str
    rule: str
    left_out: list[str]
    charts: list[str]
    tables: list[PublishedTable]
    files: frozenset[str] = field(default_factory=frozenset)


def _listed(folder: Path, meta: dict[str, Any]) -> frozenset[str]:
    """Return the files the publication lists, as paths relative to its folder."""
    names = {"datapackage.json"}
    for table in meta.get("tables", []):
        name = str(table["spec"]["name"])
        names |= {f"data/{name}.csv", f"data/{name}.json"}
    names |= {f"charts/{name}.svg" for name in meta.get("charts", [])}
    return frozenset(names)


def _descriptions(folder: Path) -> dict[str, str]:
    """Return each resource's description from datapackage.json, by its CSV's path."""
    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {
        str(r.get("path", "")): str(r.get("description", ""))
        for r in package.get("resources", [])
        if isinstance(r, dict)
    }


def _wide(name: str, entry: dict[str, Any], path: Path, description: str) -> PublishedTable:
    """Read a published CSV into its wide form, as the publication's report shows it."""
    with path.open(encoding="utf-8", newline="") as handle:
        wide = widen(csv.DictReader(handle), [str(d) for d in entry["spec"]["by"]])
    return PublishedTable(
        name=name,
        title=str(entry.get("title", name)),
        description=description,
        unit=str(entry.get("unit", "")),
        dimensions=[d.replace("_", " ") for d in wide.dimensions],
        measures=list(wide.measures),
        rows=list(wide.rows),
    )


def read_published(folder: Path | None) -> Publication | None:
    """Return the publication in `folder`, or None if there is none (no folder, no
    publication.json, or one custodes cannot read)."""
    if folder is None:
        return None
    try:
        meta = read_publication(folder)
    except PublishError:
        return None
    descriptions = _descriptions(folder)
    files = _listed(folder, meta)
    tables = []
    for entry in meta.get("tables", []):
        name = str(entry["spec"]["name"])
        path = published_file(folder, files, f"data/{name}.csv")
        if path is None:
            continue
        tables.append(_wide(name, entry, path, descriptions.get(f"data/{name}.csv", "")))
    charts = [
        str(c) for c in meta.get("charts", []) if published_file(folder, files, f"charts/{c}.svg")
    ]
    return Publication(
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        as_of=str(meta.get("as_of", "")),
        rule=str(meta.get("rule", {}).get("words", "")),
        left_out=[str(x) for x in meta.get("left_out", [])],
        charts=charts,
        tables=tables,
        files=files,
    )


def published_file(folder: Path, files: frozenset[str], name: str) -> Path | None:
    """Return the file `name` of the publication, or None unless the publication lists it and
    it is a plain file inside the folder (no link anywhere on its way, no climbing out)."""
    if name not in files:
        return None
    root = folder.resolve()
    path = root
    for part in name.split("/"):
        if part in ("", ".", ".."):
            return None
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            return None
    if not stat.S_ISREG(os.lstat(path).st_mode) or not path.resolve().is_relative_to(root):
        return None
    return path


def content_type(name: str) -> str:
    """Return the content type a published file is served with."""
    return _TYPES[Path(name).suffix]
