"""Screening on Spark gives the same pairs, probabilities and explanations as on DuckDB."""

from __future__ import annotations

import pytest

from custodes.linkage import LinkageError, Matcher
from custodes.linkage.synthetic import PeopleConfig, generate_people

pytestmark = pytest.mark.slow


def test_spark_and_duckdb_screen_alike() -> None:
    people = generate_people(PeopleConfig(registry=2000, roster=200, on_registry=0.3, seed=11))
    with Matcher(people.registry) as duck:
        expected = duck.screen(people.roster).to_pylist()
    with Matcher(people.registry, engine="spark") as spark:
        assert spark.engine == "spark"
        got = spark.screen(people.roster).to_pylist()
        with pytest.raises(LinkageError, match="duckdb engine"):
            spark.check(people.roster.slice(0, 1))
    assert len(expected) > 50
    assert [(r["person_ref"], r["entry_id"]) for r in got] == [
        (r["person_ref"], r["entry_id"]) for r in expected
    ]
    for a, b in zip(got, expected, strict=True):
        assert a["match_probability"] == pytest.approx(b["match_probability"], abs=1e-6)
        assert a["match_weight"] == pytest.approx(b["match_weight"], abs=1e-6)
        assert a["explanation"] == b["explanation"]
        assert a["list_record_ref"] == b["list_record_ref"]
        assert a["strength"] == b["strength"]
    # Weaker candidates (names agree, below the threshold) are chosen alike on both engines.
    assert {r["strength"] for r in got} == {"likely", "weaker"}
