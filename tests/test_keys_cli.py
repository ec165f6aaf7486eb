"""`custodes keys …` as an operator deploying custodes runs it, in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from custodes.crypto import Keyring
from custodes.signing import load_signing_key, parse_public_key

CUSTODES = str(Path(sys.executable).with_name("custodes"))
WEB_SECRETS = {
    "CUSTODES_SECRET_KEY",
    "CUSTODES_FIELD_KEYS",
    "CUSTODES_PSEUDONYM_KEY",
    "CUSTODES_TRAIL_KEY",
    "CUSTODES_PORTAL_SECRET_KEY",
    "CUSTODES_PORTAL_RECEIPT_SECRET",
}


@pytest.fixture
def shell(tmp_path: Path) -> dict[str, str]:
    """Return an operator's shell: none of the test suite's settings, a home of its own."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "CUSTODES_DATA_DIR": str(tmp_path / "data"),
    }


def custodes(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CUSTODES, *args], env=env, capture_output=True, text=True, check=False, timeout=120
    )


def test_keys_new_in_production_needs_only_the_field_keys(shell: dict[str, str]) -> None:
    """It used to stop for want of CUSTODES_SECRET_KEY, which it never uses."""
    production = shell | {"CUSTODES_MODE": "production"}
    first = custodes(production, "keys", "new")
    assert first.returncode == 0, first.stderr
    assert Keyring.parse(first.stdout.strip()).versions == (1,)
    production["CUSTODES_FIELD_KEYS"] = first.stdout.strip()
    second = custodes(production, "keys", "new")
    assert second.returncode == 0, second.stderr
    assert Keyring.parse(f"{first.stdout.strip()},{second.stdout.strip()}").current == 2
    assert "CUSTODES_SECRET_KEY" not in second.stderr


def test_keys_new_names_a_bad_keyring_without_showing_it(shell: dict[str, str]) -> None:
    shell |= {"CUSTODES_MODE": "production", "CUSTODES_FIELD_KEYS": "1:short"}
    done = custodes(shell, "keys", "new")
    assert done.returncode == 1
    assert "CUSTODES_FIELD_KEYS: key version 1" in done.stderr


def test_keys_generate_makes_every_secret_production_starts_with(shell: dict[str, str]) -> None:
    """Every secret, in its format: a production web app and portal start with them, cleanly."""
    done = custodes(shell, "keys", "generate")
    assert done.returncode == 0, done.stderr
    values = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert set(values) == WEB_SECRETS
    assert Keyring.parse(values["CUSTODES_FIELD_KEYS"]).versions == (1,)
    assert len(set(values.values())) == len(WEB_SECRETS)
    production = (
        shell
        | values
        | {
            "CUSTODES_MODE": "production",
            "CUSTODES_ALLOWED_HOSTS": "custodes.example.org",
        }
    )
    checked = custodes(production, "web", "check", "--deploy")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
    # The portal's settings take its two secrets as given (in production nothing is made up).
    portal = subprocess.run(
        [
            sys.executable,
            "-c",
            "import custodes.web.portal_settings as s; print(s.SECRET_KEY); "
            "print(s.PORTAL_RECEIPT_SECRET)",
        ],
        env=production | {"CUSTODES_PORTAL_ALLOWED_HOSTS": "report.example.org"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert portal.returncode == 0, portal.stderr
    assert portal.stdout.split() == [
        values["CUSTODES_PORTAL_SECRET_KEY"],
        values["CUSTODES_PORTAL_RECEIPT_SECRET"],
    ]
    again = custodes(shell, "keys", "generate")
    assert set(dict(line.split("=", 1) for line in again.stdout.splitlines()).values()).isdisjoint(
        values.values()
    )


def test_keys_generate_out_writes_owner_only_files_once(
    shell: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "secrets"
    done = custodes(shell, "keys", "generate", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.stat().st_mode & 0o777 == 0o700
    files = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert set(files) == {f"{name}_FILE" for name in WEB_SECRETS}
    for path in files.values():
        assert Path(path).parent == out.resolve()
        assert Path(path).stat().st_mode & 0o777 == 0o600
    before = {path: Path(path).read_text() for path in files.values()}
    refused = custodes(shell, "keys", "generate", "--out", str(out))
    assert refused.returncode == 1
    assert "exists; secrets are never overwritten" in refused.stderr
    assert {path: Path(path).read_text() for path in files.values()} == before


def test_keys_pair_and_public(shell: dict[str, str], tmp_path: Path) -> None:
    """A pair for the audit machine: the public line printed, the private key owner-only."""
    private = tmp_path / "audit" / "audit.key"
    done = custodes(shell, "keys", "pair", str(private))
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert parse_public_key(line) == load_signing_key(private).public
    assert private.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "audit" / "audit.key.pub").read_text().strip() == line
    assert custodes(shell, "keys", "public", str(private)).stdout.strip() == line
    before = private.read_bytes()
    again = custodes(shell, "keys", "pair", str(private))
    assert again.returncode == 1
    assert "exists; a key is never overwritten" in again.stderr
    assert private.read_bytes() == before
