"""The real server in a real browser: Debian's Chromium driven by Playwright, never a download."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from custodes.web.demo import DEMO_PASSWORD
from tests.conftest import DemoRun

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite]

CUSTODES = str(Path(sys.executable).with_name("custodes"))
REPO = Path(__file__).resolve().parents[2]
README_SCREENSHOT = REPO / "docs" / "screenshots" / "sign-in-and-case.png"
CASE = "PSD-2025-0001"
CASE_TITLE = "Repeated look-ups of a domestic-abuse victim after attendance"
ACCENT = "rgb(31, 78, 121)"  # --accent in custodes.css: proof the stylesheet loaded


@dataclass(frozen=True)
class Server:
    """A running `custodes serve` and the environment it was started with."""

    url: str
    env: dict[str, str]
    log: Path


def free_port() -> int:
    """Return a TCP port nothing is listening on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(env: dict[str, str], *args: str) -> str:
    """Run a `custodes` command, fail the test with its output if it fails, return stdout."""
    done = subprocess.run(
        [CUSTODES, *args], env=env, capture_output=True, text=True, check=False, timeout=180
    )
    assert done.returncode == 0, f"custodes {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until the server accepts connections; fail with its log if it dies or stalls."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"custodes serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"custodes serve did not listen on {port} within 60s:\n{log.read_text()}")


def warm_up(port: int, log: Path) -> None:
    """Ask for the sign-in page once, however long it takes: the first request loads every
    view's code (pyarrow, DuckDB, Altair…), which on a busy machine outlasts a page's timeout."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("GET", "/accounts/sign-in/")
        status = connection.getresponse().status
    except OSError as error:
        pytest.fail(f"custodes serve did not answer on {port}: {error}\n{log.read_text()}")
    finally:
        connection.close()
    assert status == 200, f"the sign-in page answered {status}:\n{log.read_text()}"


@contextmanager
def serve_demo(
    folder: Path, *setup: tuple[str, ...], demo: DemoRun | None = None
) -> Iterator[Server]:
    """Make the demo accounts, run each `setup` command, then serve the app on a free port.

    With `demo`, the folder starts as a copy of the session's `custodes demo` (which made the
    demo accounts) instead.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "CUSTODES_MODE": "development",
        "CUSTODES_DATA_DIR": str(folder / "data"),
    }
    # The code under test, where it is not the installed one (a worktree's, say).
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    if demo is None:
        run(env, "web", "demo-accounts")
    else:
        demo.copy(folder)
    for command in setup:
        run(env, *command)
    port = free_port()
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [CUSTODES, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, log)
        warm_up(port, log)
        yield Server(f"http://127.0.0.1:{port}", env, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Make the demo accounts, then serve the app under gunicorn on a free port."""
    with serve_demo(tmp_path_factory.mktemp("server")) as live:
        yield live


def watch_console(page: Page) -> list[str]:
    """Collect the page's console errors and warnings (CSP violations among them) and crashes."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # The browser asks for /favicon.ico by itself; the app has none, and that is no fault.
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        if message.type in ("error", "warning"):
            problems.append(f"{message.type}: {message.text} ({message.location})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


def current_code(server: Server, username: str) -> str:
    """Return the demo user's current TOTP code, as `custodes users code` prints it."""
    code = run(server.env, "users", "code", username).strip()
    assert re.fullmatch(r"\d{6}", code), code
    return code


def fill_sign_in(page: Page, username: str, code: str) -> None:
    """Fill in the sign-in form and submit it."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_label("Authenticator code").fill(code)
    page.get_by_role("button", name="Sign in").click()


def signed_in(
    chromium: Browser, server: Server, username: str, height: int = 800
) -> tuple[BrowserContext, Page, list[str]]:
    """Open a page, sign in as a demo user, and return it with its console problems."""
    context = chromium.new_context(viewport={"width": 1280, "height": height})
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems = watch_console(page)
    page.goto(server.url + "/")
    fill_sign_in(page, username, current_code(server, username))
    return context, page, problems


def test_sign_in_and_open_a_case(server: Server, chromium: Browser, tmp_path: Path) -> None:
    """The investigator signs in with password and code, sees the case at home and opens it."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems = watch_console(page)

    page.goto(server.url + "/")
    expect(page).to_have_url(server.url + "/accounts/sign-in/?next=/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.screenshot(path=tmp_path / "sign-in.png", full_page=True)

    fill_sign_in(page, "investigator", current_code(server, "investigator"))
    expect(page).to_have_url(server.url + "/")
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    expect(page.get_by_role("link", name=CASE)).to_be_visible()
    page.screenshot(path=tmp_path / "home.png", full_page=True)

    page.get_by_role("link", name=CASE).click()
    expect(page).to_have_url(f"{server.url}/cases/{CASE}/")
    expect(page.get_by_role("heading", name=CASE)).to_be_visible()
    expect(page.get_by_text(CASE_TITLE)).to_be_visible()
    expect(page.get_by_text("pc-smith (response-north-1)")).to_be_visible()
    background = page.eval_on_selector(".masthead", "e => getComputedStyle(e).backgroundColor")
    assert background == ACCENT, "the stylesheet did not load"
    shot = tmp_path / "sign-in-and-case.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("CUSTODES_SAVE_SCREENSHOTS") == "1":
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, README_SCREENSHOT)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(server.url + "/accounts/sign-in/")
    context.close()
    assert problems == []


def test_a_wrong_code_shows_the_error(server: Server, chromium: Browser) -> None:
    """A wrong authenticator code leaves the user on the sign-in page with the error shown."""
    context = chromium.new_context()
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems = watch_console(page)
    page.goto(server.url + "/accounts/sign-in/")
    right = current_code(server, "colleague")
    fill_sign_in(page, "colleague", f"{(int(right) + 500_000) % 1_000_000:06d}")
    expect(page.get_by_role("alert")).to_have_text(
        "Those details are not right. Check them and try again."
    )
    expect(page).to_have_url(server.url + "/accounts/sign-in/")
    page.goto(server.url + "/cases/")
    expect(page).to_have_url(server.url + "/accounts/sign-in/?next=/cases/")
    context.close()
    assert problems == []


def test_the_console_watch_catches_a_csp_violation(server: Server, chromium: Browser) -> None:
    """An inline script, which the CSP forbids, is reported, so a clean console means something."""
    context = chromium.new_context()
    page = context.new_page()
    problems = watch_console(page)
    page.goto(server.url + "/accounts/sign-in/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "document.title = 'injected'";
            document.body.append(script);
        }"""
    )
    expect(page).not_to_have_title("injected")
    context.close()
    assert any("Content Security Policy" in problem for problem in problems), problems
