"""Every difference between DuckDB's SQL and Spark's that the audit meets, in one place."""

from __future__ import annotations

from abc import ABC, abstractmethod

from custodes.audit.sql import quote_literal

__all__ = ["DIALECTS", "Dialect", "DuckDBDialect", "SparkDialect"]

# Far in the future, as epoch seconds: the end of an assignment that has not ended.
OPEN_END = 253_402_300_799  # 9999-12-31T23:59:59Z

# The low 63 bits: keys stay non-negative, so an incident can be told from a person by sign.
KEY_MASK = 0x7FFF_FFFF_FFFF_FFFF


class Dialect(ABC):
    """SQL fragments that differ between engines; the audit's SQL uses nothing else."""

    name = "generic"

    @abstractmethod
    def epoch(self, ts: str) -> str:
        """Return seconds since the epoch of a TIMESTAMPTZ expression, as BIGINT."""

    @abstractmethod
    def from_epoch(self, seconds: str) -> str:
        """Return the TIMESTAMPTZ of a count of seconds since the epoch."""

    @abstractmethod
    def days(self, date: str) -> str:
        """Return days since the epoch of a DATE expression, as INTEGER."""

    @abstractmethod
    def add_years(self, date: str, years: int) -> str:
        """Return a DATE expression `years` calendar years after another (29 Feb to 28 Feb)."""

    def ident(self, name: str) -> str:
        """Return a column name quoted, for names that are SQL keywords."""
        return '"' + name.replace('"', '""') + '"'

    def literal(self, text: str) -> str:
        """Return text as a string literal, for the few values the catalogue puts in SQL."""
        return quote_literal(text)

    def param(self, name: str) -> str:
        """Return the placeholder for a bound parameter called `name`."""
        return f"${name}"

    def anti_join(self) -> str:
        """Return the keywords of a join that keeps left rows with no match."""
        return "ANTI JOIN"

    def semi_join(self) -> str:
        """Return the keywords of a join that keeps left rows with a match, each once."""
        return "SEMI JOIN"

    def key(self, expr: str, salt: int = 0) -> str:
        """Return a text id as a non-negative 63-bit number (NULL stays NULL); `salt` varies it."""
        # Numbers join far faster than text. Two ids can share a number, so the pipeline
        # checks every key set for a clash and, on one, codes the ids again with a new salt.
        value = expr if salt == 0 else f"concat({expr}, '#{salt}')"
        return f"CASE WHEN {expr} IS NOT NULL THEN {self.hash64(value)} & {KEY_MASK} END"

    @abstractmethod
    def hash64(self, expr: str) -> str:
        """Return a 64-bit hash of a text expression, as a BIGINT-compatible number."""

    @abstractmethod
    def each(self, lo: str, hi: str) -> str:
        """Return a select-list item giving one row per whole number from `lo` to `hi`."""

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
        # epoch() keeps the fraction of a second; floor it, as Spark's unix_timestamp does.
        return f"CAST(floor(epoch({ts})) AS BIGINT)"

    def from_epoch(self, seconds: str) -> str:
        return f"to_timestamp({seconds})"

    def days(self, date: str) -> str:
        return f"CAST(date_diff('day', DATE '1970-01-01', {date}) AS INTEGER)"

    def add_years(self, date: str, years: int) -> str:
        return f"CAST({date} + INTERVAL {int(years)} YEAR AS DATE)"

    def hash64(self, expr: str) -> str:
        # hash() is an unsigned 64-bit number; the key's mask brings it into BIGINT's range.
        return f"hash({expr})"

    def key(self, expr: str, salt: int = 0) -> str:
        return f"CAST({super().key(expr, salt)} AS BIGINT)"

    def each(self, lo: str, hi: str) -> str:
        return f"unnest(generate_series({lo}, {hi}))"

    def joined(self, expr: str, sep: str = ";") -> str:
        return f"string_agg(DISTINCT {expr}, '{sep}' ORDER BY {expr})"


class SparkDialect(Dialect):
    """Apache Spark SQL."""

    name = "spark"

    def epoch(self, ts: str) -> str:
        return f"CAST(unix_timestamp({ts}) AS BIGINT)"

    def from_epoch(self, seconds: str) -> str:
        return f"timestamp_seconds({seconds})"

    def days(self, date: str) -> str:
        return f"CAST(datediff({date}, DATE '1970-01-01') AS INT)"

    def add_years(self, date: str, years: int) -> str:
        return f"add_months({date}, {12 * int(years)})"

    def literal(self, text: str) -> str:
        # Spark reads a backslash in '...' as an escape: it must be escaped itself.
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def median(self, expr: str) -> str:
        return f"percentile({expr}, 0.5)"

    def hash64(self, expr: str) -> str:
        return f"xxhash64({expr})"

    def param(self, name: str) -> str:
        return f":{name}"

    def each(self, lo: str, hi: str) -> str:
        return f"explode(sequence({lo}, {hi}))"

    def anti_join(self) -> str:
        return "LEFT ANTI JOIN"

    def semi_join(self) -> str:
        return "LEFT SEMI JOIN"

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
