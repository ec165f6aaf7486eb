"""`custodes users add|set|unlock` and `custodes web demo-accounts`, as an operator runs them."""

from __future__ import annotations

import base64
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from typer.testing import CliRunner, Result

from custodes.cli import app
from custodes.web.accounts.models import User
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import PASSWORD, Org, code_for, csrf_post

CUSTODES = str(Path(sys.executable).with_name("custodes"))
SIGN_IN = "/accounts/sign-in/"
STRONG = "a long enough passphrase for tests"


def users(*args: str, stdin: str | None = None) -> Result:
    """Run `custodes users …` in this process, against the test database."""
    return CliRunner().invoke(app, ["users", *args], input=stdin)


def said(result: Result) -> str:
    """Return what a command printed as one line: its error box's borders and wrapping gone."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())


def try_sign_in(name: str, password: str, code: str, ip: str = "10.0.0.1") -> int:
    """Submit the sign-in form from a fresh browser at `ip`; return the status."""
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)
    client.get(SIGN_IN)
    data = {"username": name, "password": password, "otp_token": code}
    return int(csrf_post(client, SIGN_IN, data).status_code)


def test_unlock_lets_the_owner_in_at_once_and_is_recorded(org: Org) -> None:
    """`users unlock NAME` lifts the lock-out; the owner signs in straight after; the trail
    records the unlock, by the command line (no actor)."""
    for _ in range(5):
        try_sign_in("owner", "guess", "000000")
    assert try_sign_in("owner", PASSWORD, code_for(org.devices["owner"])) == 429
    done = users("unlock", "owner")
    assert done.exit_code == 0, done.output
    assert re.search(r"Unlocked owner \(it was locked until \S+ \S+ UTC\)", done.output)
    assert try_sign_in("owner", PASSWORD, code_for(org.devices["owner"])) == 302
    [event] = TrailEvent.objects.filter(action="unlock")
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        None,
        "user",
        str(org.owner.pk),
    )
    again = users("unlock", "owner")
    assert again.exit_code == 0
    assert "owner is not locked out." in again.output
    assert TrailEvent.objects.filter(action="unlock").count() == 1


@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=8)
def test_unlock_an_address(org: Org) -> None:
    """`users unlock --address` lifts an address's lock-out."""
    for n in range(8):
        try_sign_in(f"n{n}", "guess", "000000", "10.3.3.3")
    assert try_sign_in("owner", PASSWORD, code_for(org.devices["owner"]), "10.3.3.3") == 429
    done = users("unlock", "--address", "10.3.3.3")
    assert done.exit_code == 0, done.output
    assert "Unlocked address 10.3.3.3" in done.output
    assert try_sign_in("owner", PASSWORD, code_for(org.devices["owner"]), "10.3.3.3") == 302
    assert TrailEvent.objects.filter(action="unlock", subject_type="address").count() == 1
    assert users("unlock", "--address", "not-an-address").exit_code == 2
    assert users("unlock").exit_code == 2


def test_set_records_a_force_user_id_on_the_trail(org: Org) -> None:
    """`users set NAME --force-user-id ID` records the id; the trail keeps old and new."""
    done = users("set", "lead", "--force-user-id", "U001838")
    assert done.exit_code == 0, done.output
    assert "lead's force user id: none → U001838." in done.output
    assert User.objects.get(pk=org.lead.pk).force_user_id == "U001838"
    [event] = TrailEvent.objects.filter(action="update", subject_id=str(org.lead.pk))
    assert event.changes == {"force_user_id": [None, "U001838"]}
    taken = users("set", "owner", "--force-user-id", "U001838")
    assert taken.exit_code == 2
    assert "lead already has force user id U001838 in force XF." in said(taken)
    assert users("set", "nobody", "--force-user-id", "U1").exit_code == 2
    cleared = users("set", "lead", "--force-user-id", "")
    assert cleared.exit_code == 0, cleared.output
    assert User.objects.get(pk=org.lead.pk).force_user_id is None


def test_add_shows_the_secret_as_text_and_warns_of_a_missing_force_user_id(db: None) -> None:
    """`users add` prints the QR code and the secret as text, which signs in; an analyst made
    without a force user id is told how to record it."""
    done = users(
        "add", "newanalyst", "--role", "cc-analyst", "--unit", "acu", "--force", "XF",
        stdin=f"{STRONG}\n{STRONG}\n",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    user = User.objects.get(username="newanalyst")
    device = TOTPDevice.objects.get(user=user)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert f"\n  {secret}\n" in done.output
    assert "▀" in done.output or "█" in done.output  # the QR code is still there
    assert "custodes users set newanalyst --force-user-id ID" in done.output
    assert try_sign_in("newanalyst", STRONG, code_for(device)) == 302


def test_add_refuses_a_weak_password_and_a_taken_name(db: None) -> None:
    """A password the validators refuse, or a name already used, makes no account."""
    weak = users(
        "add", "x1", "--role", "cc-lead", "--unit", "a", "--force", "XF", stdin="short\nshort\n"
    )
    assert weak.exit_code == 2
    assert "too short" in said(weak)
    assert not User.objects.filter(username="x1").exists()
    args = ["add", "x2", "--role", "cc-lead", "--unit", "a", "--force", "XF"]
    assert users(*args, stdin=f"{STRONG}\n{STRONG}\n").exit_code == 0
    again = users(*args, stdin=f"{STRONG}\n{STRONG}\n")
    assert again.exit_code == 2
    assert "already exists" in said(again)


def _shell_env(data: Path, columns: int) -> dict[str, str]:
    """Return a user's environment: none of the suite's database or settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "DATABASE_URL" and not k.startswith(("DJANGO_", "CUSTODES_"))
    }
    return env | {"CUSTODES_DATA_DIR": str(data), "COLUMNS": str(columns)}


@pytest.mark.slow
def test_demo_secrets_never_wrap_at_80_columns(tmp_path: Path) -> None:
    """Each demo account's TOTP secret is printed whole on one line of a terminal 80 wide."""
    done = subprocess.run(
        [CUSTODES, "web", "demo-accounts"],
        env=_shell_env(tmp_path / "web", 80),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    secrets: dict[str, str] = {}
    for line in lines:
        if found := re.fullmatch(r"  (\S+) +([A-Z2-7]{32})", line):
            secrets[found[1]] = found[2]
    assert {"analyst", "investigator", "admin", "lead"} <= set(secrets)
    code = subprocess.run(
        [CUSTODES, "users", "code", "analyst"],
        env=_shell_env(tmp_path / "web", 80),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    key = base64.b32decode(secrets["analyst"] + "=" * (-len(secrets["analyst"]) % 8))
    assert code in {f"{totp(key, drift=d):06d}" for d in (-1, 0, 1)}


@pytest.mark.slow
def test_the_data_directory_and_database_are_owner_only(tmp_path: Path) -> None:
    """The development data directory is 0700 and its SQLite database 0600, including ones an
    older version left readable by everyone."""
    data = tmp_path / "web"
    data.mkdir()
    os.chmod(data, 0o755)  # noqa: S103 - the folder as an older version left it
    old = data / "custodes.sqlite3"
    old.touch()
    os.chmod(old, 0o644)
    done = subprocess.run(
        [CUSTODES, "web", "demo-accounts"],
        env=_shell_env(data, 200),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert old.stat().st_size > 0  # it is the database the accounts went into
    fresh = tmp_path / "fresh"
    subprocess.run(
        [sys.executable, "-c", "from custodes.web.setup import django_setup; django_setup()"],
        env=_shell_env(fresh, 200),
        check=True,
        timeout=120,
    )
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    assert stat.S_IMODE((fresh / "custodes.sqlite3").stat().st_mode) == 0o600
