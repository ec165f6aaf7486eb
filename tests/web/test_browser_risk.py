"""Early intervention through the pages, in Debian's Chromium: the lead takes the top of a real
risk run, opens an officer, starts a plan, reviews it and closes it with its outcome."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from custodes.web.demo import make_demo_risk_run
from tests.web.axe import check_page, describe
from tests.web.test_browser import Server, serve_demo, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite]

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Score the demo force (a real `custodes risk score` run), import it and serve the app."""
    folder = tmp_path_factory.mktemp("risk")
    run = make_demo_risk_run(folder / "risk")
    with serve_demo(folder, ("risk", "import", str(run))) as live:
        yield live


def wcag_problems(page: Page, name: str) -> list[str]:
    """Return the page's WCAG 2.2 A/AA violations, named, as axe-core finds them."""
    found = check_page(page)
    return [f"{name}: {describe(found)}"] if found else []


def day(n: int) -> str:
    """Return the date `n` days from today, as a date input takes it."""
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def test_the_lead_works_the_list_from_the_top_to_a_closed_plan(
    server: Server, chromium: Browser
) -> None:
    """List, top 1%, an officer's reasons and report, a plan started, reviewed and closed."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page, problems = signed_in(chromium, server, "lead", height=1000)
    inaccessible: list[str] = []
    page.get_by_role("link", name="Early intervention").click()
    expect(page.get_by_role("heading", name="Early intervention", exact=True)).to_be_visible()
    # The lead's own unit is kept from them: none of its officers is listed.
    expect(page.locator("#id_unit option[value=acu]")).to_have_count(0)
    page.select_option("#id_share", "2")
    page.get_by_role("button", name="Show officers").click()
    expect(page.get_by_text(re.compile(r"in the top 2% of the [\d,]+ you may see"))).to_be_visible()
    page.screenshot(path=SHOTS / "risk-list.png", full_page=True)
    inaccessible += wcag_problems(page, "risk-list")

    page.locator("table.risk tbody tr").first.get_by_role("link").click()
    expect(
        page.get_by_text(re.compile(r"Number 1 of the [\d,]+ officers you may see"))
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Why the score is high")).to_be_visible()
    expect(page.locator("ol li").first).not_to_be_empty()
    name = page.get_by_role("heading", level=1).inner_text()
    page.screenshot(path=SHOTS / "risk-entry.png", full_page=True)
    inaccessible += wcag_problems(page, "risk-entry")

    # The run's own report, in its sandbox: its charts draw with nothing fetched.
    report = page.get_by_role("link", name="The run's report")
    href = report.get_attribute("href")
    assert href is not None
    page.goto(server.url + href)
    page.wait_for_timeout(1500)
    page.screenshot(path=SHOTS / "risk-report.png")
    page.go_back()

    page.get_by_role("button", name="Start an intervention plan").click()
    expect(
        page.get_by_role("heading", name=f"Start an intervention plan for {name}")
    ).to_be_visible()
    page.get_by_label("Actions").fill(
        "Monthly supervision meetings with the inspector; professional-boundaries training"
    )
    page.get_by_label("Deadline").fill(day(90))
    page.get_by_label("Review on").fill(day(30))
    page.screenshot(path=SHOTS / "risk-plan-new.png", full_page=True)
    inaccessible += wcag_problems(page, "risk-plan-new")
    page.get_by_role("button", name="Start the plan").click()
    expect(page).to_have_url(re.compile(re.escape(server.url) + r"/risk/plans/\d+/$"))
    expect(page.get_by_text("Intervention plan started.")).to_be_visible()

    page.get_by_label("Notes").fill("Two supervision meetings held; training booked")
    page.get_by_label("Next review on").fill(day(60))
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_text("Review recorded.")).to_be_visible()
    expect(page.get_by_text("Two supervision meetings held; training booked")).to_be_visible()

    page.get_by_label("Completed: the actions were done").check()
    page.get_by_label("What came of it").fill("Training done; no further complaints in review")
    page.get_by_role("button", name="Close the plan").click()
    expect(page.get_by_text("Plan closed with its outcome.")).to_be_visible()
    expect(page.get_by_text("Closed: Completed: the actions were done")).to_be_visible()
    page.screenshot(path=SHOTS / "risk-plan.png", full_page=True)
    inaccessible += wcag_problems(page, "risk-plan")

    page.get_by_role("link", name="The officer's entry").click()
    expect(page.locator("#plans")).to_contain_text("Closed: Completed")
    context.close()
    assert problems == []
    assert inaccessible == [], "\n".join(inaccessible)


def test_an_investigator_has_no_list(server: Server, chromium: Browser) -> None:
    """No link in the navigation, and the page refused."""
    context, page, _ = signed_in(chromium, server, "investigator")
    expect(page.get_by_role("link", name="Early intervention")).to_have_count(0)
    response = page.goto(server.url + "/risk/")
    assert response is not None and response.status == 403
    context.close()
