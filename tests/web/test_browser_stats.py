"""The public statistics page in Debian's Chromium: the demo's caseload published from its
cases, served to a visitor who never signs in, with its charts drawn and its tables whole."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.web.axe import check_page, describe
from tests.web.test_browser import (
    CUSTODES,
    Server,
    free_port,
    run,
    wait_for_port,
    warm_up,
    watch_console,
)

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite]

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"
# Loads the demo's caseload into the served app's database and publishes it, as `custodes
# demo` does, printing what the demo prints.
PUBLISH = """
import sys
from pathlib import Path
from custodes.web.setup import django_setup
django_setup()
from custodes.web.demo import demo_statistics_summary, load_demo_caseload
from custodes.web.demo import publish_demo_statistics
folder = Path(sys.argv[1])
load_demo_caseload(folder / "caseload")
for line in demo_statistics_summary(publish_demo_statistics(folder / "statistics")):
    print(line)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Publish the demo caseload's statistics and serve the app with them public."""
    folder = tmp_path_factory.mktemp("stats")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "CUSTODES_MODE": "development",
        "CUSTODES_DATA_DIR": str(folder / "data"),
    }
    run(env, "web", "demo-accounts")
    done = subprocess.run(
        [sys.executable, "-c", PUBLISH, str(folder)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "Statistics: " in done.stdout and "/statistics/" in done.stdout, done.stdout
    env["CUSTODES_PUBLIC_STATS_DIR"] = str(folder / "statistics")
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


def test_a_visitor_reads_the_statistics_without_signing_in(
    server: Server, chromium: Browser
) -> None:
    """The page opens with no account: title, rule, every chart drawn, the tables with
    withheld cells marked, downloads that work; no console error, no WCAG violation."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = watch_console(page)
    page.goto(server.url + "/statistics/")
    expect(
        page.get_by_role("heading", name="Misconduct allegations: from receipt to outcome")
    ).to_be_visible()
    expect(page.get_by_text("Counts under 10 are withheld")).to_be_visible()
    charts = page.locator(".stats-charts img")
    assert charts.count() >= 3
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        width = chart.evaluate("img => img.complete ? img.naturalWidth : 0")
        assert width > 100, chart.get_attribute("src")
    expect(
        page.get_by_role("heading", name="Mandatory referral: required, made, and made on time")
    ).to_be_visible()
    assert page.locator("table.stats td", has_text="[c]").count() > 0
    page.screenshot(path=SHOTS / "stats-public.png", full_page=True)
    # No table is wider than its card.
    overflow = page.evaluate(
        "() => [...document.querySelectorAll('section.card')].filter("
        "s => s.scrollWidth > s.clientWidth + 1)"
        ".map(s => `${s.id}: ${s.scrollWidth}/${s.clientWidth}`)"
    )
    assert overflow == []
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").first.click()
    assert download.value.suggested_filename.endswith(".csv")
    found = check_page(page)
    assert not found, describe(found)
    assert context.cookies() == []
    assert problems == []
    context.close()
