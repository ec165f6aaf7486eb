"""`custodes web check --deploy` refuses keys kept beside the database, and private keys."""

from __future__ import annotations

import base64
import os
import secrets
import shutil
from pathlib import Path

import pytest
from django.core.checks import run_checks

from custodes.web.checks import key_problems
from tests.signing_keys import AUDIT_KEY, CHECKPOINT_KEY
from tests.web.test_security_headers import check_deploy, write_secret

SECRETS = (
    "CUSTODES_SECRET_KEY",
    "CUSTODES_FIELD_KEYS",
    "CUSTODES_PSEUDONYM_KEY",
    "CUSTODES_PORTAL_RECEIPT_SECRET",
)


@pytest.fixture
def production(tmp_path: Path) -> dict[str, str]:
    """Return a production environment with every secret in a folder apart from the data."""
    folder = tmp_path / "secrets"
    folder.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "CUSTODES_MODE": "production",
        "CUSTODES_DATA_DIR": str(tmp_path / "data"),
        "CUSTODES_ALLOWED_HOSTS": "custodes.example.org",
    }
    for name in (*SECRETS, "CUSTODES_TRAIL_KEY"):
        value = secrets.token_urlsafe(48)
        if name == "CUSTODES_FIELD_KEYS":
            value = "1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        env[f"{name}_FILE"] = str(write_secret(folder, name.lower(), value))
    trusted = folder / "audit-trusted-keys"
    trusted.write_text(AUDIT_KEY.public.line + "\n", encoding="ascii")
    env["CUSTODES_AUDIT_TRUSTED_KEYS_FILE"] = str(trusted)
    return env


def codes(env: dict[str, str], data_dir: Path) -> set[str]:
    """Return the ids of the key-custody errors for an environment."""
    return {str(problem.id) for problem in key_problems(env, data_dir)}


def test_keys_kept_apart_pass(production: dict[str, str]) -> None:
    done = check_deploy(production)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_a_trail_key_in_the_data_directory_is_refused(production: dict[str, str]) -> None:
    """The trail key moved beside the database, where whoever copies it can re-forge the chain."""
    data = Path(production["CUSTODES_DATA_DIR"])
    (data / "secrets").mkdir(parents=True)
    inside = data / "secrets" / "trail-key"
    shutil.copyfile(production["CUSTODES_TRAIL_KEY_FILE"], inside)
    production["CUSTODES_TRAIL_KEY_FILE"] = str(inside)
    done = check_deploy(production)
    assert done.returncode != 0
    output = " ".join(done.stderr.split() + done.stdout.split())
    assert "(custodes.E001) CUSTODES_TRAIL_KEY is kept in the data directory" in output
    assert "can re-hash the trail's chain" in output
    # No secret is printed in saying so.
    assert Path(inside).read_text(encoding="utf-8").strip() not in output


def test_a_symlink_out_of_the_data_directory_does_not_hide_a_key_in_it(
    production: dict[str, str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    (data / "keys").mkdir(parents=True)
    real = data / "keys" / "trail"
    shutil.copyfile(production["CUSTODES_TRAIL_KEY_FILE"], real)
    link = tmp_path / "looks-apart"
    link.symlink_to(real)
    production["CUSTODES_TRAIL_KEY_FILE"] = str(link)
    assert codes(production, data) == {"custodes.E001"}


def test_generated_development_secrets_are_refused(tmp_path: Path) -> None:
    """Development keeps every secret it makes in the data directory: none is deployable."""
    assert codes({}, tmp_path) == {
        "custodes.E001",
        "custodes.E002",
        "custodes.E003",
        "custodes.E004",
        "custodes.E009",
    }
    # As the test settings run now: registered with Django's deployment checks.
    found = {str(m.id) for m in run_checks(include_deployment_checks=True)}
    assert {"custodes.E001", "custodes.E002"} <= found


def test_a_trusted_keys_file_in_the_data_directory_is_refused(
    production: dict[str, str], tmp_path: Path
) -> None:
    """Whoever can write the data directory could add their own key to the trusted ones."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("CUSTODES_AUDIT_TRUSTED_KEYS", "CUSTODES_CHECKPOINT_TRUSTED_KEYS"):
        inside = data / name.lower()
        inside.write_text(CHECKPOINT_KEY.public.line, encoding="ascii")
        production[f"{name}_FILE"] = str(inside)
    assert codes(production, data) == {"custodes.E005", "custodes.E006"}


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("CUSTODES_AUDIT_SIGNING_KEY_FILE", "custodes.E007"),
        ("CUSTODES_CHECKPOINT_SIGNING_KEY_FILE", "custodes.E008"),
        ("CUSTODES_CHECKPOINT_SIGNING_KEY", "custodes.E008"),
    ],
)
def test_a_private_signing_key_where_the_web_app_runs_is_refused(
    production: dict[str, str], tmp_path: Path, name: str, code: str
) -> None:
    """The web app needs public keys only: with a private one, its configuration can sign."""
    production[name] = str(tmp_path / "anywhere.key")
    assert codes(production, tmp_path / "data") == {code}
