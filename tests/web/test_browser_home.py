"""Each role's home page, in Debian's Chromium: what waits for them, and only what they may use."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import DemoRun
from tests.lists_data import shared_file
from tests.web.test_browser import (
    ACCENT,
    Server,
    current_code,
    fill_sign_in,
    serve_demo,
    signed_in,
    watch_console,
)

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
FIXTURES = REPO / "tests" / "fixtures" / "registry"
WORKBOOK = shared_file("virginia-decertification", "DCJS_Decertification_List_Apr25.xlsx")
# The demo accounts by role, and the navigation each must see, in order.
# Every role also sees the public statistics page, as anyone outside does; those with a force
# id (the lead, the analyst and the vetting officer in the demo) declare their own changes.
NAVIGATION = {
    "lead": [
        "Cases",
        "Reports",
        "Alerts",
        "Audit alerts",
        "Registry",
        "Early intervention",
        "Break-glass",
        "Declare a change",
        "Statistics",
    ],
    "analyst": [
        "Cases",
        "Reports",
        "Alerts",
        "Audit alerts",
        "Registry",
        "Break-glass",
        "Declare a change",
        "Statistics",
    ],
    "investigator": ["Cases", "My work", "Break-glass", "Statistics"],
    "authority": ["Cases", "My work", "Reports", "Early intervention", "Break-glass", "Statistics"],
    "vetting": ["Cases", "Alerts", "Registry", "Vetting", "Declare a change", "Statistics"],
    "intake": ["Cases", "Reports", "Statistics"],
    "reviewer": ["Cases", "Break-glass", "Statistics"],
    "admin": ["Cases", "Accounts", "Statistics"],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_run: DemoRun) -> Iterator[Server]:
    """A copy of the session's `custodes demo`; hold a roster, load two lists, serve it."""
    folder = tmp_path_factory.mktemp("home-server")
    with serve_demo(
        folder,
        ("registry", "roster", "all staff", str(FIXTURES / "roster.csv"), "--force", "XF"),
        ("registry", "import", "generic", str(FIXTURES / "new-list.csv")),
        ("registry", "import", "virginia", str(WORKBOOK)),
        demo=demo_run,
    ) as live:
        yield live


@pytest.fixture(scope="module")
def sessions(server: Server, chromium: Browser) -> Iterator[dict[str, BrowserContext]]:
    """Sign each demo user in once: a TOTP code cannot be used twice in its 30 seconds."""
    contexts: dict[str, BrowserContext] = {}
    for username in NAVIGATION:
        context, page, problems = signed_in(chromium, server, username)
        expect(page.get_by_role("heading", name="Your work")).to_be_visible()
        assert problems == []
        page.close()
        contexts[username] = context
    yield contexts
    for context in contexts.values():
        context.close()


def open_page(sessions: dict[str, BrowserContext], username: str) -> tuple[Page, list[str]]:
    """Open a new tab in the user's signed-in session, watching its console."""
    page = sessions[username].new_page()
    return page, watch_console(page)


def navigation(page: Page) -> list[str]:
    """Return the labels of the main navigation's links."""
    return [label.strip() for label in page.locator("nav .links a").all_inner_texts()]


def waiting(page: Page) -> dict[str, tuple[int, str]]:
    """Return what the home page says is waiting: words -> (count, link)."""
    found = {}
    for link in page.locator("#waiting a").all():
        count = int(link.locator(".count").inner_text().replace(",", ""))
        words = link.inner_text().split(maxsplit=1)[1].strip()
        found[words] = (count, str(link.get_attribute("href")))
    return found


def shoot(page: Page, name: str, tmp_path: Path) -> Path:
    """Take a full-page screenshot; keep it in docs/screenshots when asked to."""
    shot = tmp_path / name
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("CUSTODES_SAVE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / name)
    return shot


@pytest.mark.parametrize("username", list(NAVIGATION))
def test_each_role_sees_its_own_navigation_and_work(
    server: Server, sessions: dict[str, BrowserContext], tmp_path: Path, username: str
) -> None:
    """The navigation lists only the pages the role may use, and each count on the home page
    is what its link then shows."""
    page, problems = open_page(sessions, username)
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    background = page.eval_on_selector(".masthead", "e => getComputedStyle(e).backgroundColor")
    assert background == ACCENT, "the stylesheet did not load"
    assert navigation(page) == NAVIGATION[username]
    shoot(page, f"home-{username}.png", tmp_path)
    for words, (count, href) in waiting(page).items():
        page.goto(server.url + href)
        if "case step" in words:
            # My work marks each step overdue or due within the week.
            assert page.locator("table.work tbody tr.soon").count() == count, words
        elif "audit alert" in words:
            tally = page.locator(".tally").inner_text()
            assert re.match(rf"{count:,} alerts? shown", tally), (words, tally)
        elif "locked account" in words:
            assert page.locator("#locked tbody tr", has_text="Account ").count() == count
        elif "locked address" in words:
            assert page.locator("#locked tbody tr", has_text="Network address").count() == count
        elif "force user id" in words:
            assert page.locator("#accounts .tag", has_text="needed").count() == count, words
        elif "retention" in words:
            # Reports whose content is soon deleted: the queue's own list of them.
            assert page.locator("#ending li").count() == count, words
        elif "report" in words:
            # New reports, or those overdue for acknowledgement: the queue's rows.
            assert page.locator("#queue tbody tr").count() == count, words
        elif "alert" in words or "break-glass" in words:
            kind = "Someone held on a roster" if "registry" in words else "Break-glass access"
            assert page.get_by_role("row").filter(has_text=kind).count() == count, words
        else:
            # Likely matches, then the weaker ones whose names agree: both wait for review.
            shown = page.locator("#pending tbody tr").count()
            shown += page.locator("#weaker tbody tr").count()
            assert shown == count, words
    page.close()
    assert problems == []


def test_counter_corruption_and_vetting_have_work_waiting(
    server: Server, sessions: dict[str, BrowserContext]
) -> None:
    """The demo fills the analyst's queue and the vetting unit's matches: neither home says
    there is nothing to do."""
    for username, expected in (
        ("analyst", "new access-audit alerts"),
        ("vetting", "registry-match alert"),
    ):
        page, _ = open_page(sessions, username)
        page.goto(server.url + "/")
        found = waiting(page)
        assert any(expected in words and count > 0 for words, (count, _) in found.items()), found
        page.close()


def test_the_navigation_fits_a_phone(
    server: Server, sessions: dict[str, BrowserContext], tmp_path: Path
) -> None:
    """At 390 pixels wide nothing runs off the screen: the navigation wraps."""
    page, problems = open_page(sessions, "lead")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server.url + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    for label in NAVIGATION["lead"]:
        box = (
            page.get_by_role("navigation")
            .get_by_role("link", name=label, exact=True)
            .bounding_box()
        )
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, label
    shoot(page, "home-phone.png", tmp_path)
    page.close()
    assert problems == []


def test_refusals_are_styled_pages_that_keep_the_navigation(
    server: Server, sessions: dict[str, BrowserContext], tmp_path: Path
) -> None:
    """A page the role may not use (403) and a record need-to-know keeps back (404) are the
    site's own pages, with the navigation, not Django's bare defaults."""
    page, _ = open_page(sessions, "investigator")
    response = page.goto(server.url + "/alerts/audit/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not for your role")).to_be_visible()
    assert navigation(page) == NAVIGATION["investigator"]
    shoot(page, "refused-403.png", tmp_path)
    response = page.goto(server.url + "/cases/AUDIT-1-NOSUCH/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert navigation(page) == NAVIGATION["investigator"]
    page.close()


def test_a_deep_link_survives_signing_in(server: Server, chromium: Browser) -> None:
    """Following a link to a case while signed out lands on the case after signing in."""
    context = chromium.new_context()
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems = watch_console(page)
    page.goto(server.url + "/cases/PSD-2025-0001/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/\?next="))
    fill_sign_in(page, "colleague", current_code(server, "colleague"))
    expect(page).to_have_url(server.url + "/cases/PSD-2025-0001/")
    expect(page.get_by_role("heading", name="PSD-2025-0001")).to_be_visible()
    context.close()
    assert problems == []
