"""Where the lists tests find the real published lists and the project's own small fixtures."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

__all__ = ["FIXTURES", "csv_rows", "shared_file"]

#: Small files derived from the real lists, shipped with the tests (see their README).
FIXTURES = Path(__file__).parent / "fixtures" / "lists"


def shared_file(*parts: str) -> Path:
    """Return a file of the shared real data; its absence fails the test rather than skipping."""
    root = Path(os.environ.get("CUSTODES_SHARED_DATA", "/work/shared/data"))
    path = root.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path} is missing: set CUSTODES_SHARED_DATA to the shared data folder")
    return path


def csv_rows(path: Path) -> list[dict[str, str]]:
    """Return a CSV file's rows by column name."""
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        return list(csv.DictReader(handle))
