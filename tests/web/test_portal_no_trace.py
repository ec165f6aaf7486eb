"""Nothing kept by accident: a reporter's visit leaves no address, browser or time behind.

Against a real `custodes serve --portal` (tests/web/portal_server.py), from a distinctive
client address, with a forwarded address and a user agent of its own: a report with a file,
a handler's reply (made as the staff process makes it), the return with the receipt, a
follow-up. Then every table and column of the database (on SQLite the raw file bytes too),
the server's output and every file under its data folder are searched for the address, the
forwarded address, the user agent and the receipt: nothing is found. The portal's tables hold
dates, never a time of day. Runs on SQLite, and on PostgreSQL with DATABASE_URL set.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
import sqlite3
import time
import uuid
import zlib
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

from tests.web.portal_server import CLIENT_ADDRESS, PortalServer, portal_server
from tests.web.portal_staff import handler_reply

FORWARDED = "198.51.100.203"  # TEST-NET-2: nobody's address
AGENT = "Mozilla/5.0 (NoTraceReporter; rv:77.1) Gecko/20100101 ReporterBrowser/31.4"
IDENTIFYING = {"X-Forwarded-For": FORWARDED, "X-Real-IP": FORWARDED, "User-Agent": AGENT}
RECEIPT = re.compile(r'<span class="receipt__group">(\d{4})</span>')


class Browser:
    """Just enough of a browser: cookies, the CSRF token, forms (multipart with files)."""

    def __init__(self, server: PortalServer) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}
        self.locations: list[str] = []
        self.last_headers: Any = None

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(IDENTIFYING)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _keep(self, headers: Any) -> None:
        self.last_headers = headers
        for line in headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                if (morsel["expires"] and "1970" in morsel["expires"]) or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if location := headers.get("Location"):
            self.locations.append(location)

    def get(self, path: str) -> tuple[int, str]:
        status, headers, body = self.server.request("GET", path, headers=self._headers())
        self._keep(headers)
        return status, body.decode()

    def post(
        self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None
    ) -> tuple[int, str]:
        _, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:2000]
        fields = {"csrfmiddlewaretoken": token.group(1), **fields}
        hidden = re.search(r'name="form_token" value="([^"]+)"', page)
        if hidden:
            fields.setdefault("form_token", hidden.group(1))
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + value.encode()
                + b"\r\n"
            )
        for name, (filename, data) in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        status, headers, answer = self.server.request(
            "POST",
            path,
            body=body,
            headers=self._headers({"Content-Type": f"multipart/form-data; boundary={boundary}"}),
        )
        self._keep(headers)
        return status, answer.decode()


def session_payload(value: str) -> dict[str, object]:
    """What a signed-cookie session holds (signed, not encrypted: anyone can read it)."""
    payload = value.split(":", 1)[0]
    compressed = payload.startswith(".")
    raw = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload.lstrip(".")) % 4))
    return dict(json.loads(zlib.decompress(raw) if compressed else raw))


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[PortalServer]:
    with portal_server(tmp_path) as live:
        yield live


def test_a_report_and_its_follow_up_leave_no_trace(portal: PortalServer) -> None:
    marker = f"marker-{uuid.uuid4().hex[:12]}"
    browser = Browser(portal)
    started = dt.datetime.now(dt.UTC)

    # 1. The report, anonymous, with a photo's worth of text file.
    status, page = browser.post(
        "/report/public/",
        {
            "category": "abuse-of-position-sexual",
            "what_happened": f"He offered to drop the charge if I met him. {marker}",
            "where": "Outside the custody suite",
            "when": "Last spring",
            "how_met": "custody",
            "officer_number": "PC 4471",
            "mode": "anonymous",
        },
        files={"files": ("messages.txt", b"Text from him: meet me after your shift.\n")},
    )
    assert status == 200, page[:3000]
    receipt = "".join(RECEIPT.findall(page))
    assert len(receipt) == 16
    # Shown once, and in nothing that is kept: not in the cache, a cookie or the session.
    assert browser.last_headers["Cache-Control"] == "no-store"
    session_cookie = [
        c for c in browser.last_headers.get_all("Set-Cookie") if c.startswith("portal_session=")
    ]
    assert session_cookie and not re.search(r"expires|max-age", session_cookie[0], re.I)
    assert receipt not in json.dumps(browser.cookies)
    assert "portal_session" in browser.cookies  # the form's "sent" mark, no more
    assert receipt not in json.dumps(session_payload(browser.cookies["portal_session"]))

    # 2. A handler replies, from the staff side.
    handler_reply(portal, marker, "Thank you. Could you tell us the date he first contacted you?")

    # 3. The return, with the receipt as written on paper.
    spaced = " ".join(receipt[i : i + 4] for i in range(0, 16, 4))
    status, page = browser.post("/return/", {"receipt": spaced})
    assert status == 302
    opened = session_payload(browser.cookies["portal_session"])
    assert uuid.UUID(str(opened["portal_report"]))  # the report's id, never the receipt
    assert receipt not in json.dumps(opened)
    status, page = browser.get("/your-report/")
    assert status == 200
    assert "Could you tell us the date he first contacted you?" in html.unescape(page)
    assert "messages.txt" in page

    # 4. The follow-up, with another file.
    status, _ = browser.post(
        "/your-report/",
        {"text": f"It was the 3rd of May. {marker}-follow-up"},
        files={"files": ("date.txt", b"3 May, a Tuesday\n")},
    )
    assert status == 302
    status, page = browser.get("/your-report/")
    assert f"{marker}-follow-up" in page and "Your message has been sent" in page
    finished = dt.datetime.now(dt.UTC)
    assert not [loc for loc in browser.locations if re.search(r"\d{4}", loc)]  # no receipt in URLs

    time.sleep(0.5)
    portal.stop()
    needles = {
        "client address": CLIENT_ADDRESS,
        "forwarded address": FORWARDED,
        "user agent": AGENT,
        "user agent's name": "NoTraceReporter",
        "receipt": receipt,
        "spaced receipt": spaced,
    }
    output = portal.output()
    for what, needle in needles.items():
        assert needle not in output, f"the {what} is in the server's output"
    for file in portal.data_dir.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            for what, needle in needles.items():
                assert needle.encode() not in data, f"the {what} is in {file}"
                assert needle.encode("utf-16-le") not in data, f"the {what} is in {file}"
    url = portal.env.get("DATABASE_URL", "")
    if url:
        rows, time_columns = _postgres_rows(url)
    else:
        rows, time_columns = _sqlite_rows(portal.data_dir)
    # The searches look where the visit went: its requests are in the output, its report's
    # plain columns in the rows.
    assert '"POST /report/public/" 200' in output and '"POST /your-report/" 302' in output
    assert [t for t, text in rows if t == "portal_report" and "abuse-of-position-sexual" in text]
    for table, text in rows:
        for what, needle in needles.items():
            assert needle not in text and needle.encode().hex() not in text, (
                f"the {what} is in the table {table}"
            )
    # The portal's tables: dates only, no column that holds a time, no time of day anywhere.
    assert not [c for c in time_columns if c.startswith("portal_")], time_columns
    # The minutes the visit took, in UTC (the server's zone) and in this machine's own.
    minutes = range(int((finished - started).total_seconds() // 60) + 2)
    clock = {
        moment.strftime("%H:%M")
        for m in minutes
        for moment in (
            started + dt.timedelta(minutes=m),
            (started + dt.timedelta(minutes=m)).astimezone(),
        )
    }
    portal_rows = [text for table, text in rows if table.startswith("portal_")]
    assert len(portal_rows) >= 5  # the report, two messages, two files
    for text in portal_rows:
        for hhmm in clock:
            assert not re.search(rf"(?<!\d){hhmm}(:\d\d)?(?!\d)", text), (hhmm, text[:200])
    assert "handled_" not in output  # nothing odd: the server's output is about requests only


def _sqlite_rows(data_dir: Path) -> tuple[list[tuple[str, str]], list[str]]:
    files = list(data_dir.rglob("*.sqlite3"))
    assert files, list(data_dir.rglob("*"))
    rows: list[tuple[str, str]] = []
    time_columns: list[str] = []
    for file in files:
        with sqlite3.connect(file) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                for column in db.execute(f'PRAGMA table_info("{table}")').fetchall():
                    if re.search(r"time", column[2], re.I):
                        time_columns.append(f"{table}.{column[1]}")
                for row in db.execute(f'SELECT * FROM "{table}"'):
                    parts = []
                    for value in row:
                        if isinstance(value, bytes):
                            parts.append(value.hex())
                            parts.append(value.decode("utf-8", "replace"))
                        else:
                            parts.append(str(value))
                    rows.append((table, " | ".join(parts)))
    return rows, time_columns


def _postgres_rows(url: str) -> tuple[list[tuple[str, str]], list[str]]:
    import psycopg

    rows: list[tuple[str, str]] = []
    with psycopg.connect(url) as db:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        for table in tables:
            # A row as text holds every column, bytea as \x-hex.
            query = f'SELECT t::text FROM "{table}" AS t'
            rows.extend((table, str(r[0])) for r in db.execute(query))
        time_columns = [
            f"{r[0]}.{r[1]}"
            for r in db.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type LIKE %s",
                ["%time%"],
            )
        ]
    return rows, time_columns
