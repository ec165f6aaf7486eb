"""Fixtures shared by every test package: Debian's Chromium through Playwright, and one run
of `custodes demo` for the whole session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Headless, no sandbox (we run as root), and none of the background traffic this closed
# network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Launch Debian's Chromium headless; its absence fails the test rather than skipping it."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` to install Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


CUSTODES = str(Path(sys.executable).with_name("custodes"))


@dataclass(frozen=True)
class DemoRun:
    """A finished `custodes demo --no-serve`: its folder and what it printed.

    The folder is the demo user's home: `data/` is the web app's data directory
    (CUSTODES_DATA_DIR: its SQLite database and secrets) and `demo/` the demo's own files
    (`--out`: the synthetic force, the audit run, its keys, the statistics).
    """

    folder: Path
    printed: str

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def out(self) -> Path:
        return self.folder / "demo"

    def copy(self, to: Path) -> Path:
        """Copy the whole folder to `to` for a test that changes it; return `to`.

        A path the demo wrote into its database still names the session's folder, which stays
        for the session: a copy may read what is there, never change it.
        """
        shutil.copytree(self.folder, to, symlinks=True, dirs_exist_ok=True)
        return to


def demo_env(folder: Path) -> dict[str, str]:
    """The environment of a user's shell for a demo in `folder`: none of the test suite's
    database or Django settings, the code under test first on the path."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "COLUMNS": "200",
        "CUSTODES_DATA_DIR": str(folder / "data"),
    }
    # The code under test, where it is not the installed one (a worktree's, say).
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def run_demo(folder: Path) -> str:
    """Run `custodes demo --no-serve` in `folder` as a user would; return what it printed."""
    done = subprocess.run(
        [CUSTODES, "demo", "--no-serve", "--out", str(folder / "demo")],
        capture_output=True,
        text=True,
        env=demo_env(folder),
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`custodes demo`, run once for the session (it takes minutes): the README's first command
    is tested on it, and the browser tests serve copies of it (`DemoRun.copy`)."""
    folder = tmp_path_factory.mktemp("demo-run")
    return DemoRun(folder, run_demo(folder))
