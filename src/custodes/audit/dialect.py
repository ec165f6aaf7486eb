"""Every difference between DuckDB's SQL and Spark's that the audit meets, in one place."""

from __future__ import annotations

from abc import ABC, abstractmethod

__all__ = ["DIALECTS", "Dialect", "DuckDBDialect", "SparkDialect"]

# Far in the future, as epoch seconds: the end of an assignment that has not ended.
OPEN_END = 253_402_300_799  # 9999-12-31T23:59:59Z


class Dialect(ABC):
    """SQL fragments that differ between engines; the audit's SQL uses nothing else."""

    name = "generic"

    @abstractmethod
    def epoch(self, ts: str) -> str:
        """Return seconds since the epoch of a TIMESTAMPTZ expression, as BIGINT."""

    @abstractmethod
    def days(self, date: str) -> str:
        """Return days since the epoch of a DATE expression, as INTEGER."""

    def ident(self, name: str) -> str:
        """Return a column name quoted, for names that are SQL keywords."""
        return '"' + name.replace('"', '""') + '"'

    def param(self, name: str) -> str:
        """Return the placeholder for a bound parameter called `name`."""
        return f"${name}"

    def anti_join(self) -> str:
        """Return the keywords of a join that keeps left rows with no match."""
        return "ANTI JOIN"

    def row_numbers(self, order_by: str) -> str:
        """Return a window that numbers rows 1, 2, … (order only where the engine needs it)."""
        return f"row_number() OVER (ORDER BY {order_by})"

    def median(self, expr: str) -> str:
        """Return the median of a numeric expression."""
        return f"median({expr})"

    @abstractmethod
    def joined(self, expr: str, sep: str = ";") -> str:
        """Return distinct values of `expr` joined with `sep`, sorted."""

    def empty(self, columns: dict[str, str]) -> str:
        """Return a query with the given columns (name: SQL type) and no rows."""
        cols = ", ".join(f"CAST(NULL AS {t}) AS {self.ident(name)}" for name, t in columns.items())
        return f"SELECT {cols} WHERE 1 = 0"


class DuckDBDialect(Dialect):
    """DuckDB."""

    name = "duckdb"

    def epoch(self, ts: str) -> str:
        return f"CAST(epoch({ts}) AS BIGINT)"

    def days(self, date: str) -> str:
        return f"CAST(date_diff('day', DATE '1970-01-01', {date}) AS INTEGER)"

    def row_numbers(self, order_by: str) -> str:
        # DuckDB numbers rows in scan order without sorting; the numbers are internal only.
        return "row_number() OVER ()"

    def joined(self, expr: str, sep: str = ";") -> str:
        return f"string_agg(DISTINCT {expr}, '{sep}' ORDER BY {expr})"


class SparkDialect(Dialect):
    """Apache Spark SQL."""

    name = "spark"

    def epoch(self, ts: str) -> str:
        return f"CAST(unix_timestamp({ts}) AS BIGINT)"

    def days(self, date: str) -> str:
        return f"CAST(datediff({date}, DATE '1970-01-01') AS INT)"

    def median(self, expr: str) -> str:
        return f"percentile({expr}, 0.5)"

    def param(self, name: str) -> str:
        return f":{name}"

    def anti_join(self) -> str:
        return "LEFT ANTI JOIN"

    def joined(self, expr: str, sep: str = ";") -> str:
        return f"array_join(array_sort(collect_set({expr})), '{sep}')"

    def ident(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def empty(self, columns: dict[str, str]) -> str:
        cols = ", ".join(
            f"CAST(NULL AS {t.replace('VARCHAR', 'STRING')}) AS {self.ident(name)}"
            for name, t in columns.items()
        )
        return f"SELECT {cols} WHERE 1 = 0"


DIALECTS: dict[str, Dialect] = {"duckdb": DuckDBDialect(), "spark": SparkDialect()}
