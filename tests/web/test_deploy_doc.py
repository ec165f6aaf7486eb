"""docs/deploy.md, followed on a fresh PostgreSQL database: every `sh` block, in order, in one
shell; then a sign-in through the TLS proxy's headers, as an operator would check it."""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.db import connection
from django_otp.oath import totp

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "deploy.md"
BIN = Path(sys.executable).parent
HOST = "custodes.example.test"
ADMIN_PASSWORD = "a long enough password for the first administrator"  # noqa: S105
FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def shell_blocks(text: str) -> list[str]:
    """Return the guide's `sh` blocks, in order."""
    return [body for language, body in FENCE.findall(text) if language == "sh"]


def free_port() -> int:
    """Return a TCP port nothing listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Installation:
    """What the guide made: its names, where its files are, and its shell's output."""

    names: dict[str, str]
    folder: Path
    output: str
    port: int


def named(first_block: str, names: dict[str, str]) -> str:
    """Return the guide's first block with this test's names in place of the examples."""

    def replace(match: re.Match[str]) -> str:
        return f"export {match.group(1)}={names[match.group(1)]}"

    changed = re.sub(r"^export (\w+)=\S+", replace, first_block, flags=re.MULTILINE)
    # `export A=1 B=2 C=3` on one line: give each of ours its own line after it.
    extra = "".join(f"export {k}={v}\n" for k, v in names.items())
    return changed + extra


def psql(names: dict[str, str], *sql: str) -> None:
    """Run statements as the administrator, ignoring what is already gone."""
    for statement in sql:
        subprocess.run(
            ["psql", "-q", "-d", "postgres", "-c", statement],
            env={**os.environ, **{k: names[k] for k in ("PGHOST", "PGPORT", "PGUSER")}},
            capture_output=True,
            check=False,
            timeout=60,
        )


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Installation]:
    """Follow docs/deploy.md into a fresh database; take everything away afterwards."""
    settings = connection.settings_dict
    suffix = secrets.token_hex(4)
    port = free_port()
    names = {
        "PGHOST": str(settings["HOST"] or "127.0.0.1"),
        "PGPORT": str(settings["PORT"] or 5432),
        "PGUSER": str(settings["USER"] or "postgres"),
        "CUSTODES_DB": f"custodes_deploy_{suffix}",
        "CUSTODES_OWNER": f"custodes_owner_{suffix}",
        "CUSTODES_DB_APP_ROLE": f"custodes_app_{suffix}",
        "CUSTODES_DB_PORTAL_ROLE": f"custodes_portal_{suffix}",
        "CUSTODES_ETC": str(tmp_path / "etc"),
        "CUSTODES_DATA_DIR": str(tmp_path / "data"),
        "CUSTODES_AUDIT_HOME": str(tmp_path / "audit"),
        "CUSTODES_ALLOWED_HOSTS": HOST,
        "CUSTODES_PORT": str(port),
    }
    blocks = shell_blocks(GUIDE.read_text(encoding="utf-8"))
    assert "export CUSTODES_DB=" in blocks[0], "the guide's first block no longer names things"
    script = ["set -euo pipefail", f"cd {tmp_path}", named(blocks[0], names)]
    for block in blocks[1:]:
        if "custodes serve" in block:
            # The service manager's part: run it in the background and wait until it listens.
            script.append(f"( {block.strip()} ) > {tmp_path}/serve.log 2>&1 &")
            script.append(f"echo $! > {tmp_path}/serve.pid")
            script.append(
                f"for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null "
                "&& break; sleep 0.3; done"
            )
        else:
            script.append(block)
    env = {
        "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "COLUMNS": "100",
    }
    # No terminal: `custodes users add` then reads its password (twice) from standard input.
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        start_new_session=True,
    )
    pid_file = tmp_path / "serve.pid"
    try:
        log = (tmp_path / "serve.log").read_text() if (tmp_path / "serve.log").exists() else ""
        assert done.returncode == 0, (
            f"the guide failed:\n{done.stdout[-4000:]}\n{done.stderr[-6000:]}\nserver: {log}"
        )
        yield Installation(names, tmp_path, done.stdout, port)
    finally:
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(int(pid_file.read_text().strip()), signal.SIGTERM)
            time.sleep(1)
        database = names["CUSTODES_DB"]
        psql(
            names,
            f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
            f'DROP DATABASE IF EXISTS "{database}_restored" WITH (FORCE)',
            f'DROP ROLE IF EXISTS "{names["CUSTODES_DB_APP_ROLE"]}"',
            f'DROP ROLE IF EXISTS "{names["CUSTODES_DB_PORTAL_ROLE"]}"',
            f'DROP ROLE IF EXISTS "{names["CUSTODES_OWNER"]}"',
        )
        shutil.rmtree(tmp_path / "data", ignore_errors=True)


class Browser:
    """Requests as the TLS proxy forwards them: https, the public Host, the client's address."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, str] | None = None,
        proxied: bool = True,
        origin: str = f"https://{HOST}",
    ) -> http.client.HTTPResponse:
        headers = {"Host": HOST}
        if proxied:
            headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.10"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": f"{origin}{path}",
            }
        link = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        link.request(method, path, body=data, headers=headers)
        response = link.getresponse()
        response.read_body = response.read()  # type: ignore[attr-defined]
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response


def text(response: http.client.HTTPResponse) -> str:
    """Return a response's body as text."""
    return str(response.read_body.decode())  # type: ignore[attr-defined]


def test_the_guide_deploys_a_working_app_behind_the_proxy(installed: Installation) -> None:
    """Migrated as the owner, served as the application's role, checked clean, signed into."""
    out = installed.output
    secret = re.search(r"or type this secret into it[^\n]*\n\s+([A-Z2-7]{32})\s", out)
    assert secret, out[-3000:]
    assert "ok: run 1" in out  # the signed audit run was imported
    assert "the trail holds checkpoint" in out
    # Plain HTTP straight to the app, without the proxy, is sent to HTTPS.
    browser = Browser(installed.port)
    plain = browser.request("GET", "/accounts/sign-in/", proxied=False)
    assert plain.status == 301 and plain.headers["Location"].startswith(f"https://{HOST}/")
    page = browser.request("GET", "/accounts/sign-in/")
    assert page.status == 200
    assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(page))
    assert token
    key = base64.b32decode(secret.group(1) + "=" * (-len(secret.group(1)) % 8))
    form = {
        "csrfmiddlewaretoken": token.group(1),
        "username": "admin",
        "password": ADMIN_PASSWORD,
        "otp_token": f"{totp(key):06d}",
    }
    # From a page of another origin, the same form is refused with the site's own words.
    forged = browser.request("POST", "/accounts/sign-in/", form, origin="https://elsewhere.test")
    assert forged.status == 403 and "This form was refused" in text(forged)
    signed_in = browser.request("POST", "/accounts/sign-in/?next=/accounts/manage/", form)
    assert signed_in.status == 302, text(signed_in)[:2000]
    assert signed_in.headers["Location"] == "/accounts/manage/"
    manage = browser.request("GET", "/accounts/manage/")
    assert manage.status == 200 and "Force user ids" in text(manage)
    home = browser.request("GET", "/")
    assert home.status == 200 and "Your work" in text(home)
