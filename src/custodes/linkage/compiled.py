"""One check compiled once into DuckDB views, so checking a person is a single query.

Splink builds its SQL anew for every prediction, which costs more than running it when one
person is checked against the registry. As Splink's own real-time API does with its SQL
cache, the SQL is built once here, for a person table with a fixed name, and kept as views;
each check then swaps the person table in and reads the result view.
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
import sqlglot
from splink import Linker
from splink.internals.splink_dataframe import SplinkDataFrame

from custodes.linkage.engines import DuckDBEngine
from custodes.linkage.errors import LinkageError
from custodes.linkage.prepare import PREPARED_SCHEMA

__all__ = ["CompiledCheck"]

_BLOCKED_PAIRS = "__splink__blocked_id_pairs"
# A blocking rule on each badge number joins exploded rows; Splink materialises its pairs first,
# from each side's rows exploded to one per number.
_EXPLODED_PAIRS = "__splink__predict_between_marginal_exploded_ids"
_EXPLODED_REGISTRY = "__splink__predict_between_right_unnested"


def _replace_name(sql: str, name: str, replacement: str) -> str:
    # Whole identifiers only, as Splink's own pipeline does when it binds table names.
    return re.sub(rf"(?<!\w)(?P<q>[\"`]?){re.escape(name)}(?P=q)(?!\w)", replacement, sql)


class CompiledCheck:
    """The scored pairs for whoever is in the person table, as one DuckDB view."""

    def __init__(
        self,
        engine: DuckDBEngine,
        linker: Linker,
        registry: SplinkDataFrame,
    ) -> None:
        """Build the check's SQL once, on an empty person table; `run` chooses the pairs."""
        self._engine = engine
        self.person_table = engine.fresh_name("check_person")
        person = engine.register(PREPARED_SCHEMA.empty_table(), self.person_table)
        # Splink keeps every table it makes, with the SQL that made it; the blocking step's SQL
        # is not otherwise returned.
        executed = engine.api._intermediate_table_cache.executed_queries
        start = len(executed)
        predictions = linker.inference.predict_between(
            person,
            registry,
            # Every blocked pair is scored: which are reported is the caller's condition.
            threshold_match_probability=None,
            warning_mode="never",
        )
        blocked = [df for df in executed[start:] if df.templated_name == _BLOCKED_PAIRS]
        if len(blocked) != 1 or predictions.sql_used_to_create is None:
            raise LinkageError("Splink's prediction SQL did not have the expected shape")
        blocked_sql = blocked[0].sql_used_to_create
        for exploded in executed[start:]:
            if not exploded.templated_name.startswith(_EXPLODED_PAIRS):
                continue
            if exploded.sql_used_to_create is None:
                raise LinkageError("Splink's exploded blocking SQL is missing")
            # Splink drops this table once blocking has read it: a view recomputes it, from the
            # registry exploded once here and the person exploded at each check.
            view = engine.fresh_name("check_exploded")
            engine.con.execute(
                f"CREATE VIEW {view} AS {self._explode_once(exploded.sql_used_to_create)}"
            )
            blocked_sql = _replace_name(blocked_sql, exploded.physical_name, view)
        self.blocked_view = engine.fresh_name("check_blocked")
        self.view = engine.fresh_name("check_scored")
        scored_sql = _replace_name(
            predictions.sql_used_to_create, blocked[0].physical_name, self.blocked_view
        )
        engine.con.execute(f"CREATE VIEW {self.blocked_view} AS {blocked_sql}")
        engine.con.execute(f"CREATE VIEW {self.view} AS {scored_sql}")
        self.sql = f"{blocked_sql};\n{scored_sql}"
        self.columns = [c.name for c in predictions.columns]
        predictions.drop_table_from_database_and_remove_from_cache()

    def _explode_once(self, sql: str) -> str:
        """Keep the registry's rows exploded one per badge number as a table; return the SQL
        of the exploded pairs reading it."""
        tree = sqlglot.parse_one(sql, read="duckdb")
        if not isinstance(tree, sqlglot.exp.Select) or _EXPLODED_REGISTRY not in {
            cte.alias for cte in tree.ctes
        }:
            raise LinkageError("Splink's exploded blocking SQL did not have the expected shape")
        table = self._engine.fresh_name("check_registry_exploded")
        once = sqlglot.exp.select("*").from_(_EXPLODED_REGISTRY)
        for cte in tree.ctes:
            once = once.with_(cte.alias, as_=cte.this.copy())
        self._engine.con.execute(f"CREATE TABLE {table} AS {once.sql(dialect='duckdb')}")
        # The pairs read the table where they read the registry's exploded rows.
        for ref in tree.find_all(sqlglot.exp.Table):
            if ref.name == _EXPLODED_REGISTRY:
                ref.set("this", sqlglot.exp.to_identifier(table))
        return tree.sql(dialect="duckdb")

    def run(
        self, prepared: pa.Table, columns: list[str], where: str, params: dict[str, Any]
    ) -> pa.Table:
        """Return the given columns of the prepared people's scored pairs that meet `where`."""
        con = self._engine.con
        con.register(self.person_table, prepared)
        try:
            cols = ", ".join(f'"{c}"' for c in columns)
            sql = f"SELECT {cols} FROM {self.view} WHERE {where}"
            return con.sql(sql, params=params).to_arrow_table()
        finally:
            # Keep the view's input defined (and empty) between checks.
            con.register(self.person_table, PREPARED_SCHEMA.empty_table())
