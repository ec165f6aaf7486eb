"""The handler's side of the reporting portal in Debian's Chromium, on `custodes demo`: the
intake queue with three people's reports about the same officer shown together, a report,
a reply to the reporter, and a case opened from it; the analyst named in a report never sees
it. Screenshots: docs/screenshots/reports-queue.png and reports-detail.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import DemoRun
from tests.web.axe import check_page, describe
from tests.web.test_browser import Server, serve_demo, signed_in
from tests.web.test_browser_home import shoot

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_run: DemoRun) -> Iterator[Server]:
    """Serve a copy of the session's `custodes demo` (force, audit, caseload, reports taken in)."""
    folder = tmp_path_factory.mktemp("reports-server")
    with serve_demo(folder, demo=demo_run) as live:
        yield live


def test_the_intake_handler_works_the_queue(
    server: Server, chromium: Browser, tmp_path: Path
) -> None:
    context, page, problems = signed_in(chromium, server, "intake", height=900)
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    waiting = page.locator("#waiting a", has_text="new reports")
    expect(waiting).to_contain_text("5")
    page.get_by_role("navigation").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports from the portal")).to_be_visible()
    group = page.locator("#together .group").first
    expect(group).to_contain_text(re.compile(r"3 reports from different people name \w+"))
    expect(page.locator("#queue tbody tr")).to_have_count(5)
    expect(page.locator("#queue")).to_contain_text("Due by")
    assert check_page(page) == [], describe(check_page(page))
    shoot(page, "reports-queue.png", tmp_path)

    # One of the three about abuse of position for a sexual purpose (the references, and so
    # the order, are random).
    group.locator(
        "li", has_text="A member of the public · Abuse of position for a sexual"
    ).first.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(r"Report R-"))).to_be_visible()
    expect(page.locator("#content")).to_contain_text("What happened")
    expect(page.locator("#named")).to_contain_text("Matched by")
    page.get_by_label("Message to the reporter").fill(
        "Thank you for telling us. A member of our team is looking at what you said."
    )
    page.get_by_role("button", name="Send to the reporter").click()
    expect(page.locator(".message.success")).to_contain_text("Sent")
    expect(page.locator("#messages")).to_contain_text("A member of our team is looking")
    expect(page.locator("#deadline")).to_contain_text("Acknowledged")

    # Opening a case without a reason is refused, with the error beside the field.
    page.locator("summary", has_text="Open a case").click()
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator("#form-case .error").first).to_be_visible()
    page.locator("#form-case").get_by_label("Reason").fill(
        "A first-hand account of an officer pursuing a victim he met on a call"
    )
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator(".message.success")).to_contain_text("Opened case PSD-")
    expect(page.locator("#linked-case")).to_contain_text("Complaint")
    expect(page.locator("#handling")).to_contain_text("Opened a case")
    assert check_page(page) == [], describe(check_page(page))
    shoot(page, "reports-detail.png", tmp_path)

    page.locator("#linked-case a").click()
    expect(page.locator("#matter")).to_contain_text("the reporting portal")
    expect(page.locator("#matter")).to_contain_text("Abuse of position for a sexual purpose")
    # The refused form was answered 400, as a form with errors is; nothing else went wrong.
    refused = [p for p in problems if "400 (Bad Request)" in p and "/act/case/" in p]
    assert len(refused) == 1
    assert [p for p in problems if p not in refused] == []
    context.close()


def test_the_analyst_named_in_a_report_never_sees_it(server: Server, chromium: Browser) -> None:
    context, page, problems = signed_in(chromium, server, "analyst")
    page.goto(server.url + "/reports/")
    expect(page.get_by_role("heading", name="Reports from the portal")).to_be_visible()
    # Five reports in the queue; the one that names the analyst is kept from them.
    expect(page.locator("#queue tbody tr")).to_have_count(4)
    expect(page.locator("#queue")).not_to_contain_text("Corruption")
    assert problems == []
    context.close()
