"""Shared helpers for tests that read synthetic extracts with DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb

from custodes.audit.schema import TABLES

__all__ = ["connect_extract"]


def connect_extract(folder: Path) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB with one view per table of a Parquet extract."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for spec in TABLES:
        path = folder / f"{spec.name}.parquet"
        if path.exists():
            con.read_parquet(str(path)).create_view(spec.name)
    return con
