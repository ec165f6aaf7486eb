"""The engines the audit's SQL runs on: DuckDB on one machine, Apache Spark beyond it."""

from __future__ import annotations

import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from custodes.audit.dialect import Dialect, DuckDBDialect, SparkDialect
from custodes.audit.extract import inspect_added, open_extract
from custodes.audit.pipeline import OPTIONAL_INPUTS, Step
from custodes.audit.schema import TABLES, Table
from custodes.errors import EngineError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["DuckDBEngine", "Engine", "SparkEngine", "make_engine"]


class Engine(ABC):
    """Somewhere to load an extract, materialise the pipeline's tables and fetch results."""

    dialect: Dialect

    def load(self, extract: Path, added: Mapping[str, Sequence[Path]] | None = None) -> set[str]:
        """Make one typed view per extract table (empty stand-ins for absent optional ones).

        `added` gives files whose rows join a table's own, already validated as it is.
        """
        present = self._load(extract, {n: list(p) for n, p in (added or {}).items() if p})
        for name, columns in OPTIONAL_INPUTS.items():
            if name not in present:
                self._view(name, self.dialect.empty(columns))
        return present

    def run(self, step: Step) -> None:
        """Materialise one step's table, re-raising engine errors with the SQL attached."""
        try:
            self._materialise(step.name, step.sql)
        except Exception as exc:  # each engine raises its own types; callers see one
            raise EngineError(
                f"{self.dialect.name}: step {step.name} failed: {exc}", step.sql
            ) from exc

    def drop(self, name: str) -> None:
        """Drop a materialised table no later step reads, freeing its memory and disk."""
        self._drop(name)

    def fetch(self, sql: str, params: dict[str, object] | None = None) -> pa.Table:
        """Return a query's result as an Arrow table; values are bound, never formatted in."""
        try:
            return self._fetch(sql, params or {})
        except Exception as exc:
            raise EngineError(f"{self.dialect.name}: query failed: {exc}", sql) from exc

    @abstractmethod
    def _load(self, extract: Path, added: Mapping[str, list[Path]]) -> set[str]: ...

    @abstractmethod
    def _view(self, name: str, sql: str) -> None: ...

    @abstractmethod
    def _materialise(self, name: str, sql: str) -> None: ...

    @abstractmethod
    def _drop(self, name: str) -> None: ...

    @abstractmethod
    def _fetch(self, sql: str, params: dict[str, object]) -> pa.Table: ...

    @abstractmethod
    def close(self) -> None:
        """Release the engine's resources."""


class DuckDBEngine(Engine):
    """DuckDB, embedded and out of core: spills to disk past its memory limit."""

    dialect = DuckDBDialect()

    def __init__(self, memory_limit: str | None = None, threads: int | None = None) -> None:
        self._spill = tempfile.TemporaryDirectory(prefix="custodes-audit-")
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET temp_directory = ?", [self._spill.name])
        self.con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            self.con.execute("SET memory_limit = ?", [memory_limit])
        if threads:
            self.con.execute("SET threads = ?", [threads])

    def _load(self, extract: Path, added: Mapping[str, list[Path]]) -> set[str]:
        sources = {name: inspect_added(self.con, name, paths) for name, paths in added.items()}
        return set(open_extract(extract, self.con).register_views(self.con, sources))

    def _view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def _materialise(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def _drop(self, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def _fetch(self, sql: str, params: dict[str, object]) -> pa.Table:
        return self.con.sql(sql, params=params or None).to_arrow_table()

    def close(self) -> None:
        self.con.close()
        self._spill.cleanup()


_SPARK_TYPES = {"string": "STRING", "bool": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP"}


class SparkEngine(Engine):
    """Apache Spark (PySpark): the same SQL for forces and national bodies past one machine."""

    dialect = SparkDialect()

    def __init__(self, master: str | None = None) -> None:
        from pyspark.sql import SparkSession

        builder: Any = SparkSession.builder.appName("custodes-audit")
        builder = builder.master(master or os.environ.get("CUSTODES_SPARK_MASTER", "local[2]"))
        for key, value in {
            "spark.sql.session.timeZone": "UTC",
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": os.environ.get("CUSTODES_SPARK_PARTITIONS", "4"),
            "spark.sql.ansi.enabled": "false",
            "spark.driver.memory": os.environ.get("CUSTODES_SPARK_DRIVER_MEMORY", "2g"),
        }.items():
            builder = builder.config(key, value)
        self.spark: SparkSession = builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")
        # Steps are written out as Parquet and read back: that cuts each table's lineage, so
        # plans stay small and the work never has to fit in memory. A shared filesystem path
        # (CUSTODES_SPARK_WORK) is needed when the workers are on other machines.
        self._work = tempfile.TemporaryDirectory(
            prefix="custodes-spark-", dir=os.environ.get("CUSTODES_SPARK_WORK")
        )

    def _load(self, extract: Path, added: Mapping[str, list[Path]]) -> set[str]:
        files = open_extract(extract).files
        present = set()
        for spec in TABLES:
            paths = [files[spec.name]] if spec.name in files else []
            paths += added.get(spec.name, [])
            if not paths:
                continue
            selects = [
                self._typed(spec, path, f"raw_{spec.name}_{i}") for i, path in enumerate(paths)
            ]
            self._view(spec.name, " UNION ALL ".join(selects))
            present.add(spec.name)
        return present

    def _typed(self, spec: Table, path: Path, raw: str) -> str:
        """Register one file as view `raw`; return the SELECT giving its columns their types."""
        reader = self.spark.read
        if path.suffix == ".csv":
            # Read every column as text and cast below, as the spec's types say.
            frame = reader.option("header", True).option("inferSchema", False).csv(str(path))
        else:
            frame = reader.parquet(str(path))
        frame.createOrReplaceTempView(raw)
        have = set(frame.columns)
        cols = []
        for column in spec.columns:
            name = self.dialect.ident(column.name)
            typ = _SPARK_TYPES[column.type]
            if column.name in have:
                value = f"NULLIF(CAST({name} AS STRING), '')" if column.type == "string" else name
                cols.append(f"CAST({value} AS {typ}) AS {name}")
            else:
                cols.append(f"CAST(NULL AS {typ}) AS {name}")
        return f"SELECT {', '.join(cols)} FROM {raw}"

    def _view(self, name: str, sql: str) -> None:
        self.spark.sql(sql).createOrReplaceTempView(name)

    def _materialise(self, name: str, sql: str) -> None:
        path = str(Path(self._work.name) / name)
        self.spark.sql(sql).write.mode("overwrite").parquet(path)
        self.spark.read.parquet(path).createOrReplaceTempView(name)

    def _drop(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        shutil.rmtree(Path(self._work.name) / name, ignore_errors=True)

    def _fetch(self, sql: str, params: dict[str, object]) -> pa.Table:
        return self.spark.sql(sql, args=params).toArrow()

    def close(self) -> None:
        self.spark.catalog.clearCache()
        self._work.cleanup()


def make_engine(
    name: str, spark_master: str | None = None, memory_limit: str | None = None
) -> Engine:
    """Return the engine called `name` ("duckdb" or "spark")."""
    if name == "duckdb":
        return DuckDBEngine(memory_limit=memory_limit)
    if name == "spark":
        return SparkEngine(spark_master)
    raise EngineError(f"unknown engine {name!r}: use duckdb or spark")
