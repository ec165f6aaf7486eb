"""A real `custodes serve --portal` for tests: start it, ask it things, read what it wrote.

    with portal_server(tmp_path) as portal:
        status, headers, body = portal.request("GET", "/leave/", headers={...})
        ...
    portal.output()  # everything the server wrote, stdout and stderr, after it stopped

The database is migrated first by `custodes web migrate` (the staff side owns migrations):
SQLite in the server's data directory, or the PostgreSQL database in DATABASE_URL when the
tests run on PostgreSQL. Requests come from a distinctive loopback address (CLIENT_ADDRESS,
not the 127.0.0.1 the server listens on), so a search of the output for it means something.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from psycopg import sql

CUSTODES = str(Path(sys.executable).with_name("custodes"))
# Any 127.x address reaches a server on 127.0.0.1 on Linux; this one appears nowhere else.
CLIENT_ADDRESS = "127.0.0.23"

__all__ = ["CLIENT_ADDRESS", "PortalServer", "free_port", "portal_env", "portal_server"]


def free_port() -> int:
    """Return a TCP port nothing is listening on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def own_database(url: str) -> str:
    """Return a new, empty PostgreSQL database beside the one `url` names, for one server.

    Never the suite's own database (`make test`'s is the developer's `custodes`): the server
    migrates and writes it, and the no-trace test searches all of it.
    """
    import psycopg

    base, name = url.rsplit("/", 1)
    name, _, query = name.partition("?")
    own = f"{name}_portal_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(own)))
    return f"{base}/{own}" + (f"?{query}" if query else "")


def drop_database(url: str) -> None:
    """Drop a database `own_database` made."""
    import psycopg

    base, name = url.rsplit("/", 1)
    name = name.partition("?")[0]
    assert "_portal_" in name, name  # only ever one of ours
    with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def portal_env(folder: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment both sides run with: development mode, a data directory in `folder`."""
    url = os.environ.get("DATABASE_URL", "") if database_url is None else database_url
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "CUSTODES_MODE": "development",
        "CUSTODES_DATA_DIR": str(folder / "data"),
        "DATABASE_URL": url,
    }


@dataclass
class PortalServer:
    """A running portal: its address, environment, data directory and captured output."""

    url: str
    port: int
    env: dict[str, str]
    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        source: str = CLIENT_ADDRESS,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """Make one request from `source`; return status, headers and body (no redirects)."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(source, 0)
        )
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def raw(self, data: bytes, source: str = CLIENT_ADDRESS) -> bytes:
        """Send raw bytes (a malformed request, say) and return what comes back."""
        with socket.create_connection(
            ("127.0.0.1", self.port), timeout=30, source_address=(source, 0)
        ) as s:
            s.sendall(data)
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def output(self) -> str:
        """Everything the server has written to stdout and stderr so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the server (gracefully, then by force) and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a `custodes` command with `env`, returning its result whatever it is."""
    return subprocess.run(
        [CUSTODES, *args], env=dict(env), capture_output=True, text=True, check=False, timeout=300
    )


@contextmanager
def portal_server(
    folder: Path, database_url: str | None = None, extra_env: Mapping[str, str] | None = None
) -> Iterator[PortalServer]:
    """Migrate (as the staff side does), then run `custodes serve --portal` on a free port."""
    env = {**portal_env(folder, database_url), **(extra_env or {})}
    made = env["DATABASE_URL"].startswith("postgres") and database_url is None
    if made:
        env["DATABASE_URL"] = own_database(env["DATABASE_URL"])
    try:
        with _serving(folder, env) as server:
            yield server
    finally:
        if made:
            drop_database(env["DATABASE_URL"])


@contextmanager
def _serving(folder: Path, env: dict[str, str]) -> Iterator[PortalServer]:
    migrated = run(env, "web", "migrate")
    assert migrated.returncode == 0, f"custodes web migrate:\n{migrated.stdout}{migrated.stderr}"
    port = free_port()
    log = folder / "portal-server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [CUSTODES, "serve", "--portal", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = PortalServer(
        f"http://127.0.0.1:{port}", port, env, Path(env["CUSTODES_DATA_DIR"]), log, process
    )
    try:
        _wait_for(server)
        yield server
    finally:
        server.stop()


def _wait_for(server: PortalServer) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"custodes serve --portal exited:\n{server.output()}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"custodes serve --portal did not listen within 60s:\n{server.output()}")
