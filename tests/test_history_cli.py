"""`custodes history import` and `custodes history validate` as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.lists_data import shared_file
from tests.test_history_csv import BAD, GOOD, HEADER, MAPPING

CUSTODES = str(Path(sys.executable).with_name("custodes"))


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CUSTODES, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "200", "PATH": ""},
    )


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "complaints.csv"
    data.write_text("\n".join([HEADER, *GOOD, *BAD]) + "\n", encoding="utf-8")
    mapping = tmp_path / "springfield.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return data, mapping


def test_import_prints_counts_and_refused_rows(tmp_path: Path, source: tuple[Path, Path]) -> None:
    data, mapping = source
    done = run("history", "import", "csv", data, "--out", tmp_path / "out", "--mapping", mapping)
    assert done.returncode == 0, done.stderr
    assert "Imported 3 officers, 4 allegations, 0 events" in done.stdout
    assert "4 row(s) refused" in done.stdout
    assert "complaints.csv, line 7, Allegation: 'Stalking' has no category_group" in done.stdout
    assert "unmapped: category 'Stalking' (1 rows)" in done.stdout
    checked = run("history", "validate", tmp_path / "out")
    assert checked.returncode == 0
    assert "meets the officer-history format" in checked.stdout


def test_strict_import_fails_and_writes_nothing(tmp_path: Path, source: tuple[Path, Path]) -> None:
    data, mapping = source
    out = tmp_path / "out"
    done = run("history", "import", "csv", data, "--out", out, "--mapping", mapping, "--strict")
    assert done.returncode == 1
    assert "nothing was written: 4 row(s) refused" in done.stderr
    assert not out.exists()


def test_validate_names_every_problem(tmp_path: Path) -> None:
    folder = tmp_path / "history"
    folder.mkdir()
    (folder / "officers.csv").write_text("officer_ref,agency\na,X\na,X\n", encoding="utf-8")
    (folder / "allegations.csv").write_text(
        "allegation_ref,complaint_ref,officer_ref,received_date,category,category_group,finding\n"
        "1,c,b,2020-02-30,x,sexy,open\n",
        encoding="utf-8",
    )
    done = run("history", "validate", folder)
    assert done.returncode == 1
    for problem in (
        "officers.csv, line 3, officer_ref: 'a' repeats line 2",
        "allegations.csv, line 2, received_date: '2020-02-30' is not a day of the calendar",
        "allegations.csv, line 2, category_group: 'sexy' is not one of",
        "allegations.csv, line 2, officer_ref: 'b' is not in officers",
        "4 problem(s)",
    ):
        assert problem in done.stderr


def test_an_unknown_source_is_an_error(tmp_path: Path) -> None:
    done = run("history", "import", "ipcc", tmp_path, "--out", tmp_path / "out")
    assert done.returncode == 1
    assert "'ipcc' is not a source; the sources are ccrb, csv, custodes" in done.stderr


def test_the_ccrb_import_from_the_command_line(tmp_path: Path) -> None:
    done = run(
        "history",
        "import",
        "ccrb",
        shared_file("nypd-ccrb", "ccrb-2021-03-20.zip"),
        shared_file("nypd-ccrb", "ccrb-penalties.csv"),
        shared_file("nypd-ccrb", "departure-letters.json"),
        "--out",
        tmp_path / "out",
        "--format",
        "parquet",
    )
    assert done.returncode == 0, done.stderr
    assert "Imported 83,029 officers, 175,419 allegations, 92 events" in done.stdout
    assert "86 row(s) refused" in done.stdout
    assert "… and 76 more" in done.stdout
    assert "unmapped" not in done.stdout
    assert (tmp_path / "out" / "allegations.parquet").exists()
    assert run("history", "validate", tmp_path / "out").returncode == 0
