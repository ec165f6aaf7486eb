"""The `custodes` command as a user runs it, in a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CUSTODES = str(Path(sys.executable).with_name("custodes"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CUSTODES, *args], capture_output=True, text=True, check=False)


def test_help_names_every_command() -> None:
    done = run("--help")
    assert done.returncode == 0
    for command in ("demo", "synth", "validate"):
        assert command in done.stdout


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_synthetic_force_of_2000_staff_validates(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "x"
    made = run(
        "synth",
        "--staff",
        "2000",
        "--days",
        "90",
        "--seed",
        "1",
        "--out",
        str(out),
        "--format",
        fmt,
    )
    assert made.returncode == 0, made.stderr
    assert "access_events" in made.stdout
    assert (out / f"access_events.{fmt}").exists()
    assert (tmp_path / "x.truth.csv").exists()
    checked = run("validate", str(out))
    assert checked.returncode == 0, checked.stderr
    assert "usable force extract" in checked.stdout


def test_synth_rejects_an_unknown_format(tmp_path: Path) -> None:
    done = run("synth", "--out", str(tmp_path / "x"), "--format", "xlsx")
    assert done.returncode == 2
    assert "--format" in done.stderr
    assert not (tmp_path / "x").exists()
