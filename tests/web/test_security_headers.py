"""Security headers on every response, and a production configuration Django's checks pass."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from custodes.web.middleware import CSP
from tests.web.conftest import Org

CUSTODES = str(Path(sys.executable).with_name("custodes"))
HSTS = "max-age=31536000; includeSubDomains; preload"


def assert_security_headers(response: Any, where: str) -> None:
    """Check the headers every response must carry, whoever asked and whatever it is."""
    csp = response.get("Content-Security-Policy", "")
    assert csp == CSP, where
    directives = {d.strip() for d in csp.split(";")}
    assert "frame-ancestors 'none'" in directives, where
    assert "default-src 'none'" in directives, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert response.get("Strict-Transport-Security") == HSTS, where
    # "same-origin", not "no-referrer": under "no-referrer" browsers send "Origin: null" with
    # form POSTs and Django's CSRF check refuses every one (test_browser.py would fail).
    assert response.get("Referrer-Policy") == "same-origin", where
    assert response.get("X-Content-Type-Options") == "nosniff", where


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/accounts/sign-in/", 200),
        ("/cases/", 302),
        ("/no-such-page/", 404),
        ("/static/custodes/custodes.css", 200),
    ],
)
def test_anonymous_responses_carry_the_headers(db: None, path: str, status: int) -> None:
    """The sign-in page, a redirect, a 404 and a static file all carry the headers."""
    response = Client(enforce_csrf_checks=True).get(path)
    response.close()  # a static file is streamed from an open file
    assert response.status_code == status
    assert_security_headers(response, path)
    if not path.startswith("/static/"):
        assert response.get("X-Frame-Options") == "DENY", path


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/cases/", 200),
        ("/cases/PSD-2025-0001/", 200),
        ("/cases/break-glass/", 200),
        ("/cases/PSD-1999-0000/", 404),
        ("/alerts/", 403),
        ("/no-such-page/", 404),
    ],
)
def test_signed_in_pages_carry_the_headers_and_are_never_cached(
    org: Org, path: str, status: int
) -> None:
    """Every page for a signed-in user, refusals included, carries the headers and no-store."""
    response = org.client(org.owner).get(path)
    assert response.status_code == status
    assert_security_headers(response, path)
    assert response.get("X-Frame-Options") == "DENY", path
    assert response.get("Cache-Control") == "no-store", path
    assert response.get("Pragma") == "no-cache", path


def test_the_session_and_csrf_cookies_are_locked_down(org: Org) -> None:
    """Both cookies are HTTP-only and same-site strict; the session cookie has its own name."""
    client = org.client(org.owner)
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        cookie = client.cookies[name]
        assert cookie["httponly"], name
        assert cookie["samesite"] == "Strict", name


def test_the_static_stylesheet_is_a_file_of_this_site(db: None) -> None:
    """Pages load their styles from this site only, which is what the CSP allows."""
    page = Client().get("/accounts/sign-in/").content.decode()
    assert '<link rel="stylesheet" href="/static/custodes/custodes.css">' in page
    assert "<style" not in page
    assert " style=" not in page
    assert "<script" not in page


# Production start-up, run as an operator would: `custodes web check --deploy` in a subprocess.


def write_secret(folder: Path, name: str, value: str) -> Path:
    """Write one secret to an owner-only file and return its path."""
    path = folder / name
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture
def production(tmp_path: Path) -> dict[str, str]:
    """Return a clean environment for production mode, every secret given through `*_FILE`."""
    folder = tmp_path / "secrets"
    folder.mkdir()
    values = {
        "CUSTODES_SECRET_KEY": secrets.token_urlsafe(64),
        "CUSTODES_FIELD_KEYS": "1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "CUSTODES_PSEUDONYM_KEY": secrets.token_urlsafe(32),
        "CUSTODES_TRAIL_KEY": secrets.token_urlsafe(32),
        # The portal's receipts' key: the staff app opens reports by it too.
        "CUSTODES_PORTAL_RECEIPT_SECRET": secrets.token_urlsafe(32),
    }
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "CUSTODES_MODE": "production",
        "CUSTODES_DATA_DIR": str(tmp_path / "data"),
        "CUSTODES_ALLOWED_HOSTS": "custodes.example.org",
    }
    for name, value in values.items():
        env[f"{name}_FILE"] = str(write_secret(folder, name.lower(), value))
    return env


def secret_values(env: dict[str, str]) -> list[str]:
    """Return the secrets the environment's `*_FILE` variables point at."""
    return [
        Path(path).read_text(encoding="utf-8").strip()
        for name, path in env.items()
        if name.endswith("_FILE")
    ]


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `custodes web check --deploy` with exactly `env`."""
    return subprocess.run(
        [CUSTODES, "web", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production_mode(production: dict[str, str]) -> None:
    """Django's deployment checks find nothing to warn about, and no secret is printed."""
    done = check_deploy(production)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout
    assert "WARNING" not in done.stdout + done.stderr
    for value in secret_values(production):
        assert value not in done.stdout + done.stderr


@pytest.mark.parametrize(
    "name",
    ["CUSTODES_SECRET_KEY", "CUSTODES_FIELD_KEYS", "CUSTODES_PSEUDONYM_KEY", "CUSTODES_TRAIL_KEY"],
)
def test_a_missing_secret_stops_production_start_up_by_name(
    production: dict[str, str], name: str
) -> None:
    """Without one secret, start-up stops with one line naming it, and leaks the others not."""
    del production[f"{name}_FILE"]
    done = check_deploy(production)
    assert done.returncode != 0
    assert done.stderr.strip() == (
        f"custodes: configuration error: {name} (or {name}_FILE) must be set in production mode"
    )
    for value in secret_values(production):
        assert value not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CUSTODES_DEBUG", "maybe", "CUSTODES_DEBUG='maybe' is not a true/false value"),
        ("CUSTODES_DEBUG", "true", "CUSTODES_DEBUG cannot be true in production mode"),
        ("CUSTODES_TRAIL_KEY_FILE", "/nonexistent/trail", "CUSTODES_TRAIL_KEY_FILE='/nonexistent"),
        ("CUSTODES_ALLOWED_HOSTS", "", "CUSTODES_ALLOWED_HOSTS must be set in production mode"),
    ],
)
def test_a_malformed_setting_stops_start_up_by_name(
    production: dict[str, str], name: str, value: str, message: str
) -> None:
    """A bad value stops start-up with one line naming the variable, not a traceback."""
    production[name] = value
    done = check_deploy(production)
    assert done.returncode != 0
    assert done.stderr.startswith("custodes: configuration error: "), done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
