"""The same extract through DuckDB and Spark gives the same ranking and scores."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from custodes.audit.run import run_audit
from custodes.synth import SynthConfig, generate


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("engines") / "force"
    generate(SynthConfig(staff=150, days=21, seed=21, prevalence=0.02, decoys=0.02), out)
    return out


def test_duckdb_and_spark_agree(extract: Path, tmp_path: Path) -> None:
    duck = run_audit(extract, tmp_path / "duckdb", engine="duckdb")
    spark = run_audit(extract, tmp_path / "spark", engine="spark")
    a = pq.read_table(tmp_path / "duckdb" / "alerts.parquet").to_pylist()
    b = pq.read_table(tmp_path / "spark" / "alerts.parquet").to_pylist()
    assert len(a) > 20
    assert [(r["rank"], r["user_id"], r["reasons"], r["events"]) for r in a] == [
        (r["rank"], r["user_id"], r["reasons"], r["events"]) for r in b
    ]
    assert [round(r["score"], 4) for r in a] == [round(r["score"], 4) for r in b]
    assert [r["summary"] for r in a] == [r["summary"] for r in b]
    ev_a = pq.read_table(tmp_path / "duckdb" / "evidence.parquet").sort_by(
        [("user_id", "ascending"), ("event_id", "ascending"), ("signal", "ascending")]
    )
    ev_b = pq.read_table(tmp_path / "spark" / "evidence.parquet").sort_by(
        [("user_id", "ascending"), ("event_id", "ascending"), ("signal", "ascending")]
    )
    assert ev_a.to_pylist() == ev_b.to_pylist()
    assert duck.explained == spark.explained
    assert duck.look_ups == spark.look_ups
