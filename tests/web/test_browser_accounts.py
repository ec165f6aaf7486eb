"""Lock-outs in Debian's Chromium: the locked-out page, and the administrator lifting it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Make the demo accounts and serve the app."""
    with serve_demo(tmp_path_factory.mktemp("accounts-server")) as live:
        yield live


def keep(shot: Path, name: str) -> None:
    """Copy a screenshot into docs/ when asked to (CUSTODES_SAVE_SCREENSHOTS=1)."""
    assert shot.stat().st_size > 10_000
    if os.environ.get("CUSTODES_SAVE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, SCREENSHOTS / name)


def test_a_locked_out_analyst_is_let_back_in_by_the_administrator(
    server: Server, chromium: Browser, tmp_path: Path
) -> None:
    """Five wrong codes lock the analyst's name; the page says so and until when; the
    administrator sees it on the Accounts page, unlocks it, and the analyst signs in."""
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems = watch_console(page)
    page.goto(server.url + "/alerts/audit/")
    for _ in range(5):
        page.get_by_label("Username").fill("analyst")
        page.get_by_label("Password").fill("a guess at the password")
        page.get_by_label("Authenticator code").fill(current_code(server, "analyst"))
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Too many failed sign-ins")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("The account name analyst is locked until")
    expect(page.get_by_role("alert")).not_to_contain_text("network address")
    background = page.eval_on_selector(".masthead", "e => getComputedStyle(e).backgroundColor")
    assert background == ACCENT, "the stylesheet did not load"
    shot = tmp_path / "locked-out.png"
    page.screenshot(path=shot, full_page=True)
    keep(shot, "locked-out.png")

    admin, admin_page, admin_problems = signed_in(chromium, server, "admin", height=900)
    expect(admin_page.get_by_role("link", name="Accounts", exact=True)).to_be_visible()
    # Home says what waits for an administrator, and leads to it.
    admin_page.get_by_role("link", name="1 locked account", exact=True).click()
    expect(admin_page).to_have_url(server.url + "/accounts/manage/#locked")
    locked = admin_page.locator("#locked")
    expect(locked).to_contain_text("Account analyst (Counter-corruption analyst")
    shot = tmp_path / "accounts.png"
    admin_page.screenshot(path=shot, full_page=True)
    keep(shot, "accounts-admin.png")
    locked.get_by_role("button", name="Unlock analyst").click()
    expect(admin_page.get_by_text("analyst may sign in again")).to_be_visible()
    expect(admin_page.locator("#locked")).to_contain_text("No account or address is locked out.")

    # The investigator gets a force user id from the page, as the command line would give it.
    field = admin_page.get_by_label("Force user id of investigator", exact=True)
    field.fill("U000123")
    field.press("Enter")
    expect(admin_page.get_by_text("investigator's force user id is now U000123")).to_be_visible()
    admin.close()

    # The analyst's deep link survived the lock-out: signing in lands on the queue.
    page.goto(server.url + "/alerts/audit/")
    fill_sign_in(page, "analyst", current_code(server, "analyst"))
    expect(page).to_have_url(server.url + "/alerts/audit/")
    context.close()
    # Chromium logs every 429 it is answered with; the locked-out page is meant to be one.
    expected = "the server responded with a status of 429 (Too Many Requests)"
    assert [p for p in problems if expected not in p] == []
    assert any(expected in p for p in problems)
    assert admin_problems == []
