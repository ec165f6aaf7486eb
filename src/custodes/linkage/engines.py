"""The SQL engines Splink runs the model on; every difference between them is kept here."""

from __future__ import annotations

import itertools
import shutil
import tempfile
import weakref
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
from splink.internals.duckdb.database_api import DuckDBAPI
from splink.internals.splink_dataframe import SplinkDataFrame

from custodes.linkage.errors import LinkageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from splink.internals.database_api import DatabaseAPISubClass

__all__ = ["ENGINES", "DuckDBEngine", "Engine", "SparkEngine", "make_engine"]

ENGINES = ("duckdb", "spark")

# The model's SQL uses Spark's names for its functions (Splink's jar adds jaro_winkler and
# damerau_levenshtein to Spark); DuckDB has these two under other names.
_DUCKDB_MACROS = (
    "CREATE OR REPLACE MACRO jaro_winkler(a, b) AS jaro_winkler_similarity(a, b)",
    "CREATE OR REPLACE MACRO arrays_overlap(a, b) AS list_has_any(a, b)",
)


class Engine(ABC):
    """A Splink database API with the model's functions, and tables in and out of it."""

    name: str
    api: DatabaseAPISubClass
    #: How a named parameter is written in the engine's SQL, before its name.
    param_marker: str

    def __init__(self) -> None:
        """Start numbering this engine's table names."""
        self._names = itertools.count(1)

    def fresh_name(self, stem: str) -> str:
        """Return a table name not used before on this engine."""
        return f"custodes_{stem}_{next(self._names)}"

    @abstractmethod
    def register(self, table: pa.Table, name: str, *, keep: bool = False) -> SplinkDataFrame:
        """Make a table of prepared people available to Splink under `name`."""

    @abstractmethod
    def drop(self, frame: SplinkDataFrame) -> None:
        """Forget a table registered for one check or screen."""

    @abstractmethod
    def to_arrow(
        self,
        frame: SplinkDataFrame,
        columns: list[str],
        where: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> pa.Table:
        """Return the given columns of a Splink result's rows that meet `where`, as Arrow."""

    @abstractmethod
    def close(self) -> None:
        """Release the engine's resources."""


class DuckDBEngine(Engine):
    """DuckDB in this process: one connection kept for the registry's lifetime."""

    name = "duckdb"
    param_marker = "$"

    def __init__(self, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        super().__init__()
        self.con = connection if connection is not None else duckdb.connect()
        # A library prints nothing of its own to the terminal.
        self.con.execute("SET enable_progress_bar = false")
        for sql in _DUCKDB_MACROS:
            self.con.execute(sql)
        self.api = DuckDBAPI(connection=self.con)

    def register(self, table: pa.Table, name: str, *, keep: bool = False) -> SplinkDataFrame:
        """Register an Arrow table; `keep` copies it into DuckDB so it is read only once."""
        if keep:
            self.con.register(f"{name}_arrow", table)
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
            self.con.unregister(f"{name}_arrow")
        else:
            self.con.register(name, table)
        return self.api.register(name, table_name=name, dataset_display_name=name)

    def drop(self, frame: SplinkDataFrame) -> None:
        """Unregister a per-call table."""
        self.con.unregister(frame.physical_name)
        # Splink refuses a second table under a name it has seen; these names are never reused.
        self.api._registered_table_names.discard(frame.physical_name)

    def to_arrow(
        self,
        frame: SplinkDataFrame,
        columns: list[str],
        where: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> pa.Table:
        """Read the columns of the rows that meet `where` from DuckDB as Arrow."""
        cols = ", ".join(f'"{c}"' for c in columns)
        sql = f"SELECT {cols} FROM {frame.physical_name}"
        if where is not None:
            sql += f" WHERE {where}"
        return self.con.sql(sql, params=params or {}).to_arrow_table()

    def close(self) -> None:
        """Close the connection."""
        self.con.close()


def _local_spark_session() -> SparkSession:
    """Start a local Spark session with Splink's similarity functions on its class path."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master("local[*]")
        .appName("custodes-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine(Engine):
    """Apache Spark through Splink's Spark backend, for national-scale screening."""

    name = "spark"
    param_marker = ":"

    def __init__(self, spark: SparkSession | None = None) -> None:
        """Use `spark`, else the active session, else a local session started here."""
        super().__init__()
        from pyspark.sql import SparkSession
        from splink.internals.spark.database_api import SparkAPI

        active = spark if spark is not None else SparkSession.getActiveSession()
        self._owns_session = active is None
        self.spark = active if active is not None else _local_spark_session()
        if active is not None:
            # A session started elsewhere may lack Splink's similarity functions; adding the
            # jar to a running session is enough for Splink to register them.
            from splink.backends.spark import similarity_jar_location

            self.spark.sql(f"ADD JAR '{similarity_jar_location()}'")
        # Splink writes each step as Parquet under the checkpoint folder, to cut Spark's
        # lineage on long pipelines.
        self._checkpoints = tempfile.mkdtemp(prefix="custodes-spark-")
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._checkpoints, True)
        self.spark.sparkContext.setCheckpointDir(self._checkpoints)
        # Splink's Spark backend is untyped.
        self.api = SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=self.spark, break_lineage_method="parquet"
        )
        try:
            self.spark.sql("SELECT jaro_winkler('a', 'a')").collect()
        except Exception as exc:
            self.close()
            raise LinkageError(
                "Spark cannot call Splink's similarity functions: start the session with "
                "spark.jars set to splink.backends.spark.similarity_jar_location()"
            ) from exc

    def register(self, table: pa.Table, name: str, *, keep: bool = False) -> SplinkDataFrame:
        """Register an Arrow table as a Spark temporary view."""
        frame = self.spark.createDataFrame(table)
        if keep:
            frame = frame.cache()
        frame.createOrReplaceTempView(name)
        return self.api.register(name, table_name=name, dataset_display_name=name)

    def drop(self, frame: SplinkDataFrame) -> None:
        """Drop a per-call temporary view."""
        self.spark.catalog.dropTempView(frame.physical_name)
        # Splink refuses a second table under a name it has seen; these names are never reused.
        self.api._registered_table_names.discard(frame.physical_name)

    def to_arrow(
        self,
        frame: SplinkDataFrame,
        columns: list[str],
        where: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> pa.Table:
        """Collect the columns of the rows that meet `where` from Spark as Arrow."""
        cols = ", ".join(f"`{c}`" for c in columns)
        sql = f"SELECT {cols} FROM {frame.physical_name}"
        if where is not None:
            sql += f" WHERE {where}"
        result: pa.Table = self.spark.sql(sql, args=params or {}).toArrow()
        return result

    def close(self) -> None:
        """Remove the checkpoint folder, and stop the session if it was started here."""
        self._cleanup()
        if self._owns_session:
            self.spark.stop()


def make_engine(name: str, **options: Any) -> Engine:
    """Return the engine called `name`."""
    if name == "duckdb":
        return DuckDBEngine(**options)
    if name == "spark":
        return SparkEngine(**options)
    raise LinkageError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
