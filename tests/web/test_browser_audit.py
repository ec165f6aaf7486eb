"""A counter-corruption analyst works the access audit's alert queue, in Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import DemoRun
from tests.web.test_browser import (
    ACCENT,
    Server,
    serve_demo,
    signed_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite]

REPO = Path(__file__).resolve().parents[2]
README_SCREENSHOT = REPO / "docs" / "screenshots" / "alert-queue.png"
REASON = "Checked the duty log: they were on the enquiry team for this victim's case"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_run: DemoRun) -> Iterator[Server]:
    """Serve a copy of the session's `custodes demo`: its force audited, the run in the queue."""
    folder = tmp_path_factory.mktemp("audit-server")
    # The demo's own synthetic force (2000 staff, 90 days, seed 1), its run signed with the
    # demo's key pair and imported by a web app that trusts that key alone.
    with serve_demo(folder, demo=demo_run) as live:
        yield live


def test_the_analyst_reads_the_top_alert_and_dismisses_it_with_a_reason(
    server: Server, chromium: Browser, tmp_path: Path
) -> None:
    """Open the queue, read the top alert's summary and evidence, dismiss it, find it filed."""
    context, page, problems = signed_in(chromium, server, "analyst", height=900)
    page.get_by_role("navigation").get_by_role("link", name="Audit alerts").click()
    expect(page).to_have_url(server.url + "/alerts/audit/")
    expect(page.get_by_role("heading", name="Access audit alerts")).to_be_visible()
    background = page.eval_on_selector(".masthead", "e => getComputedStyle(e).backgroundColor")
    assert background == ACCENT, "the stylesheet did not load"

    # Best first, each with a sentence saying what the member of staff did. The demo's
    # counter-corruption unit has escalated some alerts already: the top one open may not be 1.
    top = page.get_by_role("row").nth(1)
    expect(top.get_by_role("cell").first).to_have_text(re.compile(r"^\d+$"))
    rank = top.get_by_role("cell").first.inner_text().strip()
    after = page.get_by_role("row").nth(2).get_by_role("cell").first.inner_text().strip()
    assert int(rank) < int(after)
    subject = top.get_by_role("cell").nth(1).inner_text()
    expect(top).to_contain_text(re.compile(r"(Looked up|Kept looking up|Searched) \d+ "))
    shot = tmp_path / "alert-queue.png"
    page.screenshot(path=shot)
    assert shot.stat().st_size > 10_000
    if os.environ.get("CUSTODES_SAVE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, README_SCREENSHOT)

    top.get_by_role("link", name=rank, exact=True).click()
    expect(
        page.get_by_role(
            "heading", name=re.compile(rf"^Audit alert {rank} of the [\d,]+ you may see")
        )
    ).to_be_visible()
    expect(page.locator("dd").first).to_contain_text(subject)
    evidence = page.locator("#evidence tbody tr")
    expect(evidence.first).to_be_visible()
    assert evidence.count() > 1

    dismiss = page.locator("form").filter(has=page.get_by_role("button", name="Dismiss"))
    dismiss.get_by_role("button", name="Dismiss").click()
    # An empty reason is refused and nothing changes.
    expect(page.get_by_label("Reason to dismiss")).to_be_visible()
    expect(page.get_by_text("New", exact=True)).to_be_visible()
    page.get_by_label("Reason to dismiss").fill(REASON)
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_text(REASON)).to_be_visible()
    expect(page.get_by_text("Dismissed", exact=True)).to_be_visible()
    expect(page.locator("#triage")).to_have_count(0)

    page.get_by_role("navigation").get_by_role("link", name="Audit alerts").click()
    expect(page.get_by_role("row").nth(1).get_by_role("cell").first).to_have_text(after)
    page.get_by_role("link", name="Dismissed").click()
    expect(page.get_by_role("row").nth(1)).to_contain_text(subject)
    context.close()
    assert problems == []
