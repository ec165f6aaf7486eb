"""The `custodes` command as a user runs it, in a real subprocess."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from custodes.signing import AUDIT_RUN, load_signing_key, verify

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


@pytest.fixture(scope="module")
def small_force(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a small synthetic force extract, made once for the module."""
    out = tmp_path_factory.mktemp("force") / "extract"
    made = run("synth", "--staff", "60", "--days", "14", "--seed", "3", "--out", str(out))
    assert made.returncode == 0, made.stderr
    return out


def test_an_audit_without_a_key_says_plainly_the_web_app_will_refuse_it(
    small_force: Path, tmp_path: Path
) -> None:
    done = run("audit", str(small_force), "--out", str(tmp_path / "run"))
    assert done.returncode == 0, done.stderr
    message = " ".join(done.stderr.split())
    assert "the run is not signed" in message
    assert "`custodes alerts import` will refuse it" in message
    assert (tmp_path / "run" / "manifest.json").exists()
    assert not (tmp_path / "run" / "manifest.sig").exists()


def test_an_audit_signs_its_outputs_the_extract_and_the_rules(
    small_force: Path, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys" / "audit.key"
    assert run("keys", "pair", str(key_file)).returncode == 0
    key = load_signing_key(key_file)
    rules = tmp_path / "own-rules.toml"
    rules.write_bytes(files("custodes.audit").joinpath("rules.toml").read_bytes() + b"# ours\n")
    out = tmp_path / "run"
    done = run(
        "audit", str(small_force), "--out", str(out), "--signing-key", str(key_file),
        "--rules", str(rules),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"Signed with audit key {key.key_id}" in done.stdout
    body = (out / "manifest.json").read_bytes()
    signature = (out / "manifest.sig").read_text(encoding="ascii")
    assert verify([key.public], AUDIT_RUN, body, signature, "manifest.sig") == key.public
    manifest = json.loads(body)
    written = {p.name for p in out.iterdir()} - {"manifest.json", "manifest.sig"}
    assert set(manifest["outputs"]) == written
    for name, entry in manifest["outputs"].items():
        assert entry["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    assert set(manifest["extract"]["files"]) == {p.name for p in small_force.iterdir()}
    assert manifest["rules"] == {
        "sha256": hashlib.sha256(rules.read_bytes()).hexdigest(),
        "packaged": False,
    }
    assert (manifest["engine"], manifest["signed_by"]) == ("duckdb", key.key_id)
    assert manifest["config"]["nearby"] == 1800


def test_the_signing_key_may_come_from_the_environment_and_a_bad_one_stops_the_audit(
    small_force: Path, tmp_path: Path
) -> None:
    key_file = tmp_path / "audit.key"
    assert run("keys", "pair", str(key_file)).returncode == 0
    env = os.environ | {"CUSTODES_AUDIT_SIGNING_KEY_FILE": str(key_file)}
    done = subprocess.run(
        [CUSTODES, "audit", str(small_force), "--out", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "run" / "manifest.sig").exists()
    bad = run(
        "audit", str(small_force), "--out", str(tmp_path / "other"),
        "--signing-key", str(tmp_path / "audit.key.pub"),
    )  # fmt: skip
    assert bad.returncode == 1
    assert "not a PEM private key" in bad.stderr
    assert not (tmp_path / "other").exists()
