"""Declared associations given beside an extract (`custodes audit --declared FILE`, as
`custodes vetting associations` writes them) explain look-ups as the extract's own do (each
engine reads the added files itself); the extract is left as it is; a bad file is refused,
naming file, column and row, before anything is written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from custodes.audit.engine import make_engine
from custodes.audit.manifest import extract_hashes
from custodes.audit.run import run_audit
from custodes.cli import app
from custodes.errors import ExtractError
from tests.audit_cases import FRACTIONS_OF_A_SECOND, case_extract
from tests.extract_factory import tiny_rows, write_extract

HEADER = "user_id,person_id,kind,declared_at\n"


def _declared(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def _evidence(run: Path) -> list[tuple[str, str, str, str]]:
    rows = pq.read_table(run / "evidence.parquet").to_pylist()
    return sorted((r["user_id"], r["person_id"], r["signal"], r["explanation_found"]) for r in rows)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return an extract in which u1 looks p1 up three times on 3 March 2025 with no reason."""
    return case_extract(tmp_path_factory.mktemp("declared") / "x", FRACTIONS_OF_A_SECOND)


def test_a_declared_association_explains_the_look_ups(extract: Path, tmp_path: Path) -> None:
    before = extract_hashes(extract)
    run_audit(extract, tmp_path / "before")
    assert _evidence(tmp_path / "before") == [("u1", "p1", "unexplained", "none")] * 3
    declared = _declared(tmp_path / "declared.csv", "u1,p1,partner,2025-03-01")
    done = run_audit(extract, tmp_path / "after", declared=[declared])
    # Explained by the declaration, and still shown so a reviewer sees the personal use.
    assert _evidence(tmp_path / "after") == [("u1", "p1", "declared-association", "declared")] * 3
    (alert,) = pq.read_table(tmp_path / "after" / "alerts.parquet").to_pylist()
    assert (alert["user_id"], alert["reasons"], alert["score"]) == ("u1", "declared-association", 0)
    assert done.explained == done.look_ups == 3
    assert any(str(declared) in note and "1 row added" in note for note in done.notes)
    # The extract is untouched and the manifest names it as before, the added file apart.
    assert extract_hashes(extract) == before
    manifest = json.loads((tmp_path / "after" / "manifest.json").read_text(encoding="utf-8"))
    first = json.loads((tmp_path / "before" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["extract"] == first["extract"]
    assert list(manifest["added"]["declared_associations"]) == [str(declared)]


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_each_engine_reads_the_added_rows_beside_the_extracts_own(
    tmp_path: Path, engine: str
) -> None:
    """The pipeline's SQL is the same on both engines (tests/test_audit_engines.py): what each
    must do itself is read the added files into the table, typed, beside the extract's rows."""
    rows = tiny_rows()  # its own table: u3 declared p5 (family) on 1 May 2023
    own = write_extract(tmp_path / "tiny", rows, "parquet")
    first = _declared(tmp_path / "a.csv", "u1,p6,friend,2024-01-01", "u2,p6,family,2024-02-01")
    second = _declared(tmp_path / "b.csv", "u4,p1,partner,2025-03-02")
    eng = make_engine(engine)
    try:
        present = eng.load(own, {"declared_associations": [first, second]})
        got = eng.fetch(
            "SELECT user_id, person_id, kind, declared_at FROM declared_associations "
            "ORDER BY user_id"
        ).to_pylist()
    finally:
        eng.close()
    assert "declared_associations" in present
    assert [tuple(r.values()) for r in got] == [
        ("u1", "p6", "friend", date(2024, 1, 1)),
        ("u2", "p6", "family", date(2024, 2, 1)),
        ("u3", "p5", "family", date(2023, 5, 1)),
        ("u4", "p1", "partner", date(2025, 3, 2)),
    ]


def test_declared_after_the_look_ups_explains_nothing_and_rows_join_the_extracts_own(
    tmp_path: Path,
) -> None:
    rows = tiny_rows()  # u1 looks p6 up (e6, broad access); u2 too (e12), with no reason at all
    rows["declared_associations"] = [
        {"user_id": "u2", "person_id": "p6", "kind": "family", "declared_at": date(2024, 1, 1)}
    ]
    own = write_extract(tmp_path / "tiny", rows, "csv")
    run_audit(own, tmp_path / "plain")
    assert ("u1", "p6", "colleague", "broad") in _evidence(tmp_path / "plain")
    late = _declared(tmp_path / "late.csv", "u1,p6,friend,2026-01-01")
    run_audit(own, tmp_path / "late", declared=[late])
    assert _evidence(tmp_path / "late") == _evidence(tmp_path / "plain")
    early = _declared(tmp_path / "early.csv", "u1,p6,friend,2024-01-01")
    run_audit(own, tmp_path / "early", declared=[late, early])
    # The added row explains u1's look-up; the extract's own still explains u2's.
    assert _evidence(tmp_path / "early") == [
        ("u1", "p6", "declared-association", "declared"),
        ("u2", "p6", "declared-association", "declared"),
    ]


def test_a_bad_declared_file_is_refused_naming_file_column_and_row(
    extract: Path, tmp_path: Path
) -> None:
    rows = ("u1,p1,family,2025-03-01", "u9,p1,cousin,2025-13-01", "u1,p404,friend,")
    bad = _declared(tmp_path / "bad.csv", *rows)
    missing = tmp_path / "missing.csv"
    with pytest.raises(ExtractError) as refused:
        run_audit(extract, tmp_path / "out", declared=[bad, missing])
    said = str(refused.value)
    assert said.startswith("the declared associations do not meet the spec")
    assert f"{bad}, column kind, row 2: 'cousin' is not an allowed value" in said
    assert f"{bad}, column declared_at, row 2: cannot parse '2025-13-01'" in said
    assert f"{bad}, column user_id, row 2: staff has no user_id 'u9'" in said
    assert f"{bad}, column person_id, row 3: persons has no person_id 'p404'" in said
    assert f"{bad}, column declared_at, row 3: empty value" in said
    assert f"{missing}: no such file" in said
    assert not (tmp_path / "out").exists()
    short = tmp_path / "short.csv"
    short.write_text("user_id,person_id,kind\nu1,p1,family\n", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"short.csv, column declared_at: required column"):
        run_audit(extract, tmp_path / "out", declared=[short])


def test_the_command_takes_declared_files_and_names_a_bad_one(
    extract: Path, tmp_path: Path
) -> None:
    declared = _declared(tmp_path / "d.csv", "u1,p1,friend,2025-03-02")
    done = CliRunner().invoke(
        app, ["audit", str(extract), "--out", str(tmp_path / "run"), "--declared", str(declared)]
    )
    assert done.exit_code == 0, done.output
    assert "1 row added from" in done.output and "100.0% explained" in done.output
    bad = _declared(tmp_path / "bad.csv", "u1,p1,neighbour,2025-03-02")
    refused = CliRunner().invoke(
        app, ["audit", str(extract), "--out", str(tmp_path / "no"), "--declared", str(bad)]
    )
    assert refused.exit_code == 1
    assert "bad.csv, column kind, row 1" in refused.output and not (tmp_path / "no").exists()
