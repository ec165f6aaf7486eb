"""A vetting officer checks an applicant and confirms the match, in Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.lists_data import shared_file
from tests.web.test_browser import (
    ACCENT,
    Server,
    serve_demo,
    signed_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite]

REPO = Path(__file__).resolve().parents[2]
README_SCREENSHOT = REPO / "docs" / "screenshots" / "registry-screening.png"
WORKBOOK = ("virginia-decertification", "DCJS_Decertification_List_Apr25.xlsx")
REASON = "Same name and agency: the application lists Hampton Police, 2016 to 2020"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Make the demo accounts, import the real Virginia list, and serve the app."""
    workbook = str(shared_file(*WORKBOOK))
    with serve_demo(
        tmp_path_factory.mktemp("registry-server"), ("registry", "import", "virginia", workbook)
    ) as live:
        yield live


def test_a_vetting_officer_checks_an_applicant_and_confirms_the_match(
    server: Server, chromium: Browser, tmp_path: Path
) -> None:
    """Sign in with the code, find the list, check an applicant, confirm with a reason."""
    context, page, problems = signed_in(chromium, server, "vetting")
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()

    page.get_by_role("link", name="Registry", exact=True).click()
    expect(page).to_have_url(server.url + "/registry/")
    page.get_by_label("Name", exact=True).fill("freeman")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Freeman, Deangelo M")).to_be_visible()
    page.screenshot(path=tmp_path / "registry-search.png", full_page=True)

    page.get_by_role("link", name="Check an applicant").click()
    expect(page.get_by_role("heading", name="Check an applicant")).to_be_visible()
    page.get_by_label("Your reference").fill("APP-2025-0147")
    page.get_by_label("First name").fill("Deangelo")
    page.get_by_label("Middle name").fill("M")
    page.get_by_label("Last name").fill("Freeman")
    page.get_by_label("Agency").fill("Hampton Police Division")
    page.get_by_role("button", name="Check against the registry").click()

    # The first check after a start builds the matcher over the whole registry: allow for it.
    screening = re.compile(re.escape(server.url) + r"/registry/screenings/\d+/$")
    expect(page).to_have_url(screening, timeout=60_000)
    expect(
        page.get_by_text("Checked against 432 entries: 1 likely candidate to review.")
    ).to_be_visible()
    candidate = page.locator("section[id^=candidate-]")
    expect(candidate.get_by_role("heading")).to_contain_text(
        "APP-2025-0147 may be Deangelo M Freeman"
    )
    expect(candidate).to_contain_text("last_name: exact")
    expect(candidate).to_contain_text("agency: exact")

    page.screenshot(path=tmp_path / "registry-pending.png", full_page=True)
    page.get_by_label("Why they are the same person").fill(REASON)
    page.get_by_role("button", name="Same person — confirm").click()
    expect(
        page.get_by_text("Confirmed as the same person; your reason is recorded.")
    ).to_be_visible()
    expect(candidate).to_contain_text("Confirmed: same person")
    expect(candidate).to_contain_text(REASON)
    expect(page.get_by_role("button", name="Same person — confirm")).to_have_count(0)
    background = page.eval_on_selector(".masthead", "e => getComputedStyle(e).backgroundColor")
    assert background == ACCENT, "the stylesheet did not load"

    shot = tmp_path / "registry-screening.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("CUSTODES_SAVE_SCREENSHOTS") == "1":
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, README_SCREENSHOT)

    # The decision left the review queue.
    page.get_by_role("link", name="Matches to review").click()
    expect(page.get_by_text("No likely match is waiting for you.")).to_be_visible()
    expect(page.get_by_text("No weaker candidate is waiting for you.")).to_be_visible()

    # The name exactly as listed, without the middle initial: a weaker candidate, not a
    # clean result.
    page.get_by_role("link", name="Check an applicant").click()
    page.get_by_label("Your reference").fill("APP-2025-0190")
    page.get_by_label("First name").fill("Deangelo")
    page.get_by_label("Last name").fill("Freeman")
    page.get_by_role("button", name="Check against the registry").click()
    expect(page).to_have_url(screening)
    expect(
        page.get_by_text("no candidate above p=0.50, but 1 weaker candidate to review")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Weaker candidates: the names agree")).to_be_visible()
    weaker = page.locator("section[id^=candidate-]")
    expect(weaker.get_by_role("heading")).to_contain_text("APP-2025-0190 may be Deangelo M Freeman")
    expect(weaker.get_by_role("heading")).to_contain_text("Weaker: names agree")
    expect(weaker).to_contain_text("name only: last_name: exact; first_name: exact")
    page.screenshot(path=tmp_path / "registry-weaker.png", full_page=True)
    page.get_by_role("link", name="Matches to review").click()
    expect(page.locator("#weaker")).to_contain_text("APP-2025-0190: Deangelo Freeman")
    context.close()
    assert problems == []
