"""Write extract tables as Parquet or CSV, exactly to the spec's schemas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from custodes.audit.schema import arrow_schema

__all__ = ["NO_DATE", "dates", "ids", "take", "timestamps", "write_table"]

# Days before 1970 are negative, so a missing date needs a sentinel of its own.
NO_DATE = np.iinfo(np.int32).min


def ids(prefix: str, n: int, width: int) -> pa.Array:
    """Return `n` ids like U000001, numbered from 1."""
    numbers = pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())
    padded = pc.utf8_lpad(numbers, width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), padded, "")


def take(names: pa.Array, index: np.ndarray) -> pa.Array:
    """Return names[index] as strings, null where index is -1."""
    return pc.take(names, pa.array(index, mask=index < 0))


def timestamps(start_ts: int, seconds: np.ndarray) -> pa.Array:
    """Return UTC timestamps from seconds after `start_ts`, null where seconds is -1."""
    micros = (start_ts + seconds.astype(np.int64)) * 1_000_000
    return pa.array(micros, type=pa.timestamp("us", tz="UTC"), mask=seconds < 0)


def dates(days: np.ndarray) -> pa.Array:
    """Return dates from days since the epoch, null where days is NO_DATE."""
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=days == NO_DATE)


def write_table(name: str, columns: dict[str, pa.Array], folder: Path, fmt: str) -> int:
    """Write one table as `name.parquet` or `name.csv` in `folder`; return its row count."""
    schema = arrow_schema(name)
    table = pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)
    if fmt == "parquet":
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
    else:
        # ISO 8601 with an explicit Z, as the spec reads it.
        for i, field in enumerate(schema):
            if pa.types.is_timestamp(field.type):
                text = pc.strftime(table.column(i), format="%Y-%m-%dT%H:%M:%SZ")
                table = table.set_column(i, field.name, text)
        pacsv.write_csv(table, folder / f"{name}.csv")
    return int(table.num_rows)
