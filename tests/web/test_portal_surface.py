"""The portal as a separate surface: its own settings, URLs, cookies, headers and silent logs.

Most of these run against a real `custodes serve --portal` (tests/web/portal_server.py) on
the database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL set).
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from custodes.web.portal import throttle as throttle_module
from custodes.web.portal.logfilter import REMOVED, scrub
from custodes.web.portal.middleware import CSP
from custodes.web.portal.throttle import Throttle
from tests.web.portal_server import CLIENT_ADDRESS, PortalServer, portal_env, portal_server, run

REPO = Path(__file__).resolve().parents[2]
FORWARDED = "203.0.113.77"  # TEST-NET-3: nobody's address, and in nothing else
AGENT = "NoTraceAgent/9.7 (reporter-browser-5521)"
IDENTIFYING = {"X-Forwarded-For": FORWARDED, "User-Agent": AGENT, "X-Real-IP": FORWARDED}
STAFF_PATHS = ["/admin/", "/accounts/sign-in/", "/cases/", "/alerts/", "/registry/", "/trail/"]


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    with portal_server(tmp_path_factory.mktemp("portal")) as live:
        yield live


def test_portal_settings_install_nothing_of_the_staff_side() -> None:
    settings = importlib.import_module("custodes.web.portal_settings")
    apps = settings.INSTALLED_APPS
    assert "custodes.web.portal" in apps
    for staff in ("admin", "auth", "accounts", "otp", "sessions", "cases", "alerts", "trail"):
        assert not [app for app in apps if staff in app], (staff, apps)
    assert settings.ROOT_URLCONF == "custodes.web.portal_urls"
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.signed_cookies"
    assert (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME) == (
        "portal_session",
        "portal_csrf",
    )
    staff_settings = importlib.import_module("custodes.web.settings")
    assert settings.SECRET_KEY != staff_settings.SECRET_KEY
    # The staff app opens what the portal seals.
    assert settings.FIELD_KEYS == staff_settings.FIELD_KEYS
    assert settings.DEBUG is False
    assert ("cy", "Cymraeg") in settings.LANGUAGES and settings.USE_I18N


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_no_staff_page_on_the_portal(portal: PortalServer, path: str) -> None:
    status, _, body = portal.request("GET", path)
    assert status == 404
    assert b"sign in" not in body.lower() and b"custodes" not in body.lower()


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/leave/"), ("GET", "/admin/"), ("POST", "/i18n/setlang/"), ("GET", "/static/x")],
)
def test_every_response_carries_the_privacy_headers(
    portal: PortalServer, method: str, path: str
) -> None:
    status, headers, _ = portal.request(method, path, body=b"" if method == "POST" else None)
    assert status in (302, 403, 404)
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Content-Security-Policy"] == CSP
    assert "'self'" in CSP and "http" not in CSP and "unsafe" not in CSP
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    assert "=(self" not in policy and "*" not in policy


def test_leave_clears_the_site_and_goes_somewhere_neutral(portal: PortalServer) -> None:
    cookie = f"portal_session=abc; portal_csrf={'k' * 32}; portal_language=cy"
    status, headers, _ = portal.request("GET", "/leave/", headers={"Cookie": cookie})
    assert status == 302
    assert headers["Location"] == "https://www.bbc.co.uk/weather"
    assert headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    # The portal's own cookie names, each expired outright too.
    cleared = {c.split("=", 1)[0] for c in headers.get_all("Set-Cookie") or [] if "expires" in c}
    assert cleared == {"portal_session", "portal_csrf", "portal_language"}


def test_the_portal_speaks_welsh_when_asked(portal: PortalServer) -> None:
    _, welsh, _ = portal.request("GET", "/leave/", headers={"Accept-Language": "cy"})
    _, english, _ = portal.request("GET", "/leave/", headers={"Accept-Language": "en-GB"})
    assert (welsh["Content-Language"], english["Content-Language"]) == ("cy", "en-gb")


def test_the_portal_logs_no_address_agent_or_time(tmp_path: Path) -> None:
    with portal_server(tmp_path) as live:
        for method, path in [("GET", "/leave/"), ("GET", "/cases/"), ("POST", "/i18n/setlang/")]:
            live.request(method, path, body=b"language=cy", headers=IDENTIFYING)
        # A request gunicorn cannot parse: it logs "Invalid request from ip=…" by default.
        live.raw(b"NOT A REQUEST\r\n\r\n")
        time.sleep(0.5)
    output = live.output()
    # It did log: the requests are there, by method, path and status.
    assert '"GET /leave/" 302' in output and '"GET /cases/" 404' in output
    assert "Forbidden (CSRF" in output and "Invalid request from ip=" in output
    for needle in (CLIENT_ADDRESS, FORWARDED, AGENT, "NoTraceAgent"):
        assert needle not in output, f"{needle!r} in the portal's output:\n{output}"
        for file in live.data_dir.rglob("*"):
            if file.is_file():
                assert needle.encode() not in file.read_bytes(), f"{needle!r} in {file}"
    # No clock time on any line: not a request's, not the server's.
    assert not [line for line in output.splitlines() if _has_time(line)], output


def _has_time(line: str) -> bool:
    return re.search(r"\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d|\d\d/\w{3}/\d{4}", line) is not None


def test_the_portal_refuses_to_start_on_unmigrated_tables(tmp_path: Path) -> None:
    env = portal_env(tmp_path, database_url="")  # a fresh SQLite database: nothing migrated
    started = run(env, "serve", "--portal", "--port", "1")
    assert started.returncode == 1
    assert "portal's tables are missing" in started.stderr
    assert "custodes web migrate" in started.stderr


def test_makemessages_finds_the_portals_strings(tmp_path: Path) -> None:
    package = tmp_path / "portal"
    shutil.copytree(
        REPO / "src/custodes/web/portal",
        package,
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.po"),
    )
    (package / "templates" / "portal").mkdir(parents=True, exist_ok=True)
    (package / "templates" / "portal" / "probe.html").write_text(
        "{% load i18n %}<a>{% translate 'Leave this site quickly' %}</a>", encoding="utf-8"
    )
    (package / "locale").mkdir(exist_ok=True)
    env = {**portal_env(tmp_path, database_url=""), "PYTHONPATH": str(REPO)}
    env["DJANGO_SETTINGS_MODULE"] = "custodes.web.portal_settings"
    done = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "cy"],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    catalogue = (package / "locale" / "cy" / "LC_MESSAGES" / "django.po").read_text()
    assert 'msgid "Leave this site quickly"' in catalogue


# The log filter on its own: addresses go, clock times and version numbers stay.
@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Invalid request from ip=127.0.0.23: bad", "Invalid request from ip=: bad"),
        ("client [::ffff:10.1.2.3]:5544 and 2001:db8::7", "client []:5544 and "),
        ("at 12:30:45 version 1.2.3 took 0.25s", "at 12:30:45 version 1.2.3 took 0.25s"),
    ],
)
def test_scrub_removes_addresses_only(text: str, kept: str) -> None:
    assert scrub(text).replace(REMOVED, "") == kept


def test_scrub_removes_a_known_user_agent() -> None:
    assert AGENT not in scrub(f"Not Found: /x from {AGENT}", (AGENT,))


# The throttle: in memory, per bucket and key, forgetting a window once it ends.
def test_throttle_allows_the_limit_then_refuses() -> None:
    throttle = Throttle()
    answers = [throttle.allow("receipt", "all", 3, 60) for _ in range(5)]
    assert answers == [True, True, True, False, False]
    # Another bucket, or another key, has its own count.
    assert throttle.allow("submit", "all", 3, 60)
    assert throttle.allow("org-sign-in", "refuge-north", 1, 60)
    assert not throttle.allow("org-sign-in", "refuge-north", 1, 60)


def test_throttle_forgets_an_ended_window() -> None:
    throttle = Throttle()
    assert throttle.allow("receipt", "all", 1, 1)
    assert not throttle.allow("receipt", "all", 1, 1)
    time.sleep(1.1)
    assert len(throttle) == 0  # nothing held once the window is over
    assert throttle.allow("receipt", "all", 1, 1)


def test_throttle_counts_exactly_under_many_threads() -> None:
    throttle = Throttle()
    allowed: list[bool] = []
    lock = threading.Lock()

    def guess() -> None:
        for _ in range(50):
            answer = throttle.allow("receipt", "all", 100, 60)
            with lock:
                allowed.append(answer)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 1000 and allowed.count(True) == 100


def test_throttle_refuses_nonsense_limits() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Throttle().allow("receipt", "all", 0, 60)


def test_the_throttle_module_writes_nothing() -> None:
    source = Path(throttle_module.__file__).read_text(encoding="utf-8")
    for writer in ("open(", "logging", "models", "connection", "cache"):
        assert writer not in source, writer
