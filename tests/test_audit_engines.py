"""The same extract through DuckDB and Spark gives the same ranking and scores."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from custodes.audit.dialect import DuckDBDialect
from custodes.audit.engine import DuckDBEngine
from custodes.audit.run import KEY_ATTEMPTS, OUTPUT_TABLES, run_audit
from custodes.errors import EngineError
from custodes.synth import SynthConfig, generate
from tests.audit_cases import FRACTIONS_OF_A_SECOND, case_extract


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


def test_both_engines_code_fractions_of_a_second_alike(tmp_path: Path) -> None:
    extract = case_extract(tmp_path / "x", FRACTIONS_OF_A_SECOND)
    run_audit(extract, tmp_path / "duckdb", engine="duckdb")
    run_audit(extract, tmp_path / "spark", engine="spark")
    for name in ("alerts.parquet", "evidence.parquet"):
        duck = pq.read_table(tmp_path / "duckdb" / name).to_pylist()
        spark = pq.read_table(tmp_path / "spark" / name).to_pylist()
        assert duck == spark, name
    evidence = pq.read_table(tmp_path / "spark" / "evidence.parquet").to_pylist()
    assert {r["event_id"] for r in evidence} == {"e1", "e2", "e3"}


class _Clashing(DuckDBDialect):
    """Code every id as 1 for the first `clashing` codings: the worst clash there can be."""

    def __init__(self, clashing: int) -> None:
        self.clashing = clashing

    def key(self, expr: str, salt: int = 0) -> str:
        if salt < self.clashing:
            return f"CASE WHEN {expr} IS NOT NULL THEN CAST(1 AS BIGINT) END"
        return super().key(expr, salt)


def _audit_with(dialect: DuckDBDialect, extract: Path, out: Path) -> list[dict[str, object]]:
    engine = DuckDBEngine()
    engine.dialect = dialect
    try:
        run_audit(extract, out, engine_instance=engine)
    finally:
        engine.close()
    rows: list[dict[str, object]] = pq.read_table(out / "evidence.parquet").to_pylist()
    return rows


def test_ids_that_share_a_key_are_coded_again(extract: Path, tmp_path: Path) -> None:
    plain = _audit_with(DuckDBDialect(), extract, tmp_path / "plain")
    recoded = _audit_with(_Clashing(1), extract, tmp_path / "recoded")
    assert len(plain) > 20
    assert recoded == plain
    assert (tmp_path / "recoded" / "alerts.csv").read_bytes() == (
        tmp_path / "plain" / "alerts.csv"
    ).read_bytes()


def test_a_clash_that_never_clears_stops_the_run(extract: Path, tmp_path: Path) -> None:
    every_table = r"a_ev \(\d+\), a_incidents \(\d+\), a_persons \(\d+\), a_staff \(\d+\)$"
    with pytest.raises(EngineError, match=rf"share numeric keys after 3 codings: {every_table}"):
        _audit_with(_Clashing(KEY_ATTEMPTS), extract, tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_spent_tables_are_dropped(extract: Path, tmp_path: Path) -> None:
    engine = DuckDBEngine()
    try:
        run_audit(extract, tmp_path / "kept", engine_instance=engine)
        left = {
            name
            for (name,) in engine.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary"
            ).fetchall()
        }
    finally:
        engine.close()
    # Every table the steps made is gone once spent, bar those the outputs read at the end.
    assert left == OUTPUT_TABLES
    assert "x_other" not in left and "s_ev_post_contact" not in left
    assert (tmp_path / "kept" / "report.html").stat().st_size > 0


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_each_engine_reads_the_catalogues_text_as_written(engine: str) -> None:
    """Marker names from a force's rules reach the SQL as literals, backslashes and all."""
    from custodes.audit.engine import make_engine

    texts = ["victim's-family", "dv\\nvictim", "ends-in\\", "plain"]
    eng = make_engine(engine)
    try:
        sql = " UNION ALL ".join(
            f"SELECT {n} AS n, {eng.dialect.literal(t)} AS t" for n, t in enumerate(texts)
        )
        got = eng.fetch(f"SELECT t FROM ({sql}) x ORDER BY n").column("t").to_pylist()
    finally:
        eng.close()
    assert got == texts
