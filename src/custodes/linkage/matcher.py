"""Check people against a registry of barred officers: one applicant, or a whole roster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from splink import Linker
from splink.internals.exceptions import SplinkException

from custodes.errors import EngineError
from custodes.linkage.compiled import CompiledCheck
from custodes.linkage.engines import DuckDBEngine, Engine, make_engine
from custodes.linkage.errors import LinkageError
from custodes.linkage.explain import Explainer, level_labels
from custodes.linkage.frequencies import term_frequencies
from custodes.linkage.model import load_settings
from custodes.linkage.prepare import prepare_people
from custodes.linkage.schema import people_table, validate_people
from custodes.linkage.tiers import (
    LIKELY,
    WEAKER,
    WEAKER_PREFIX,
    missing_notes,
    report_filter,
)

__all__ = ["LIKELY", "SCREEN_SCHEMA", "WEAKER", "Candidate", "Matcher"]

SCREEN_SCHEMA = pa.schema(
    [
        pa.field("person_ref", pa.string(), nullable=False),
        pa.field("entry_id", pa.string(), nullable=False),
        pa.field("list_record_ref", pa.string()),
        pa.field("match_probability", pa.float64(), nullable=False),
        pa.field("match_weight", pa.float64(), nullable=False),
        pa.field("explanation", pa.string(), nullable=False),
        # "likely" (at or above the threshold) or "weaker" (below it, but the names agree).
        pa.field("strength", pa.string(), nullable=False),
    ]
)


def _tf_columns(settings: Mapping[str, Any]) -> list[str]:
    """Return the columns whose agreement is weighed by how common the value is."""
    return [
        level["tf_adjustment_column"]
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
        if level.get("tf_adjustment_column")
    ]


@dataclass(frozen=True)
class Candidate:
    """A registry entry that may be the person checked, and why."""

    record_id: str
    registry_id: str
    match_probability: float
    match_weight: float
    explanation: str
    strength: str = LIKELY

    @property
    def likely(self) -> bool:
        """Say whether the probability reached the threshold (else the names only agree)."""
        return self.strength == LIKELY


class Matcher:
    """The shipped model with one registry loaded, ready to check people against it.

    One matcher holds one DuckDB connection (or Spark session): use it from one thread.
    """

    def __init__(
        self,
        registry: pa.Table,
        *,
        engine: str = "duckdb",
        threshold: float = 0.5,
        weaker: bool = True,
    ):
        """Load and index the registry once.

        `threshold` is the lowest probability of a likely match; with `weaker`, pairs below it
        whose names agree, with nothing else against them, are reported as weaker candidates.
        """
        if not 0.0 <= threshold <= 1.0:
            raise LinkageError(f"threshold must be a probability between 0 and 1, not {threshold}")
        self.threshold = threshold
        self.weaker = weaker
        entries = validate_people(registry)
        ids = entries.column("record_id")
        refs = (
            entries.column("list_record_ref").cast(pa.string())
            if "list_record_ref" in entries.column_names
            else ids
        )
        self._list_refs = dict(zip(ids.to_pylist(), refs.to_pylist(), strict=True))
        settings = load_settings()
        labels = level_labels(settings)
        self._explainer = Explainer(labels)
        self._engine: Engine = make_engine(engine)
        self._filter = report_filter(labels, threshold, self._engine.param_marker, weaker=weaker)
        try:
            prepared = prepare_people(entries)
            self._registry = self._engine.register(
                prepared, self._engine.fresh_name("registry"), keep=True
            )
            # predict_between pairs people with entries itself; as a dedupe model Splink
            # keys records by id alone, without a source-dataset prefix on every entry.
            self._linker = Linker(
                self._registry, settings | {"link_type": "dedupe_only"}, log_level=None
            )
            for column in _tf_columns(settings):
                # How common each name (and each sex) is in the registry, steadied by the
                # census: agreeing on a rare one counts for more.
                lookup = self._engine.register(
                    term_frequencies(prepared, column),
                    self._engine.fresh_name(f"tf_{column}"),
                    keep=True,
                )
                self._linker.table_management.register_term_frequency_lookup(lookup, column)
            self._compiled = (
                CompiledCheck(self._engine, self._linker, self._registry)
                if isinstance(self._engine, DuckDBEngine)
                else None
            )
        except SplinkException as exc:
            self._engine.close()
            raise EngineError(f"loading the registry failed on {engine}: {exc}") from exc
        except BaseException:
            self._engine.close()
            raise

    @property
    def engine(self) -> str:
        """Return the name of the engine the registry is loaded on."""
        return self._engine.name

    def check(self, person: pa.Table | Mapping[str, Any]) -> list[Candidate]:
        """Return the registry entries that may be this person, most likely first."""
        if self._compiled is None:
            raise LinkageError("check() runs on the duckdb engine; use screen() on Spark")
        table = person if isinstance(person, pa.Table) else people_table([dict(person)])
        prepared = prepare_people(validate_people(table))
        try:
            raw = self._compiled.run(
                prepared,
                self._columns(self._compiled.columns),
                self._filter.sql,
                self._filter.params,
            )
        except duckdb.Error as exc:
            raise EngineError(f"checking failed on duckdb: {exc}", self._compiled.sql) from exc
        found = self._results(raw)
        return [
            Candidate(
                record_id=row["person_ref"],
                registry_id=row["entry_id"],
                match_probability=row["match_probability"],
                match_weight=row["match_weight"],
                explanation=row["explanation"],
                strength=row["strength"],
            )
            for row in found.to_pylist()
        ]

    def screen(self, roster: pa.Table) -> pa.Table:
        """Return one row per (person, registry entry) candidate, most likely first per person."""
        checked = validate_people(roster)
        frame = self._engine.register(
            prepare_people(checked), self._engine.fresh_name("people"), keep=False
        )
        try:
            predictions = self._linker.inference.predict_between(
                frame,
                self._registry,
                # Weaker candidates lie below the threshold: the report filter picks the pairs.
                # A threshold of 0 asks for every pair the blocking rules find.
                threshold_match_probability=None if self.weaker else self.threshold or None,
                warning_mode="never",
            )
        except SplinkException as exc:
            raise EngineError(f"screening failed on {self._engine.name}: {exc}") from exc
        finally:
            self._engine.drop(frame)
        try:
            columns = self._columns([c.name for c in predictions.columns])
            raw = self._engine.to_arrow(predictions, columns, self._filter.sql, self._filter.params)
            return self._results(raw)
        finally:
            predictions.drop_table_from_database_and_remove_from_cache()

    def _columns(self, available: list[str]) -> list[str]:
        return [
            "unique_id_l",
            "unique_id_r",
            "match_probability",
            "match_weight",
            *self._explainer.columns,
            *self._explainer.tf_columns(available),
            *self._filter.columns,
        ]

    def _results(self, raw: pa.Table) -> pa.Table:
        # predict_between keeps its left-hand input (the people) on the left.
        rows = raw.to_pylist()
        table = pa.table(
            {
                "person_ref": raw.column("unique_id_l").cast(pa.string()),
                "entry_id": raw.column("unique_id_r").cast(pa.string()),
                "list_record_ref": pa.array(
                    [self._list_refs.get(r["unique_id_r"]) for r in rows], type=pa.string()
                ),
                "match_probability": raw.column("match_probability").cast(pa.float64()),
                "match_weight": raw.column("match_weight").cast(pa.float64()),
                "explanation": pa.array([self._explain(row) for row in rows], type=pa.string()),
                "strength": pa.array([self._strength(row) for row in rows], type=pa.string()),
            },
            schema=SCREEN_SCHEMA,
        )
        order = pc.sort_indices(
            table,
            sort_keys=[
                ("person_ref", "ascending"),
                ("match_probability", "descending"),
                ("entry_id", "ascending"),
            ],
        )
        return table.take(order)

    def _strength(self, row: Mapping[str, Any]) -> str:
        # The report filter let a pair below the threshold through only for its names.
        return LIKELY if row["match_probability"] >= self.threshold else WEAKER

    def _explain(self, row: Mapping[str, Any]) -> str:
        why = self._explainer.explain(row)
        if self._strength(row) == LIKELY:
            return why
        return WEAKER_PREFIX + "; ".join([why, *missing_notes(row)])

    def close(self) -> None:
        """Release the engine and its copy of the registry."""
        self._engine.close()

    def __enter__(self) -> Matcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
