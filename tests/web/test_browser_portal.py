"""The reporter's side of the portal in Debian's Chromium, against a real `custodes serve --portal`.

A member of the public reports, anonymously, an officer who used his position for sex; she is
shown her receipt; later she comes back with it, reads the handler's question (asked as the
staff side asks it) and answers. Once with JavaScript switched off: the portal needs none. A
colleague reports confidentially. axe-core checks every page against WCAG 2.2 A and AA; the
screenshots go to docs/screenshots/; a 390-pixel phone shows every page without sideways
scrolling.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, Route, expect

from tests.web.axe import check_page, describe
from tests.web.portal_server import PortalServer, portal_server
from tests.web.portal_staff import handler_reply, staff_read

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LEAVE_TO = "https://www.bbc.co.uk/weather"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    with portal_server(tmp_path_factory.mktemp("portal-browser")) as live:
        yield live


def new_context(chromium: Browser, *, js: bool = True, width: int = 1100) -> BrowserContext:
    context = chromium.new_context(java_script_enabled=js, viewport={"width": width, "height": 900})
    # "Leave this site quickly" goes to a weather page: answered here, nothing leaves the machine.
    context.route(
        f"{LEAVE_TO}**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Weather</p>"),
    )
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), _refuse_elsewhere)
    return context


def _refuse_elsewhere(route: Route) -> None:
    if route.request.url.startswith(LEAVE_TO):
        route.fallback()
    else:
        pytest.fail(f"the portal asked for something elsewhere: {route.request.url}")


def accessible(page: Page, js: bool) -> None:
    """No WCAG 2.2 A/AA violation on the page as it is (axe needs the page's script engine)."""
    if js:
        violations = check_page(page)
        assert violations == [], f"{page.url}\n{describe(violations)}"


def leave_is_at_the_top(page: Page) -> None:
    leave = page.get_by_role("link", name="Leave this site quickly")
    expect(leave).to_be_visible()
    box = leave.bounding_box()
    assert box is not None and box["y"] < 80
    assert leave.get_attribute("href") == "/leave/"


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_a_public_anonymous_report_and_the_return_with_the_receipt(
    chromium: Browser, portal: PortalServer, js: bool
) -> None:
    marker = f"ref-{uuid.uuid4().hex[:10]}"
    context = new_context(chromium, js=js)
    page = context.new_page()
    page.goto(f"{portal.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Report a police officer")
    leave_is_at_the_top(page)
    expect(page.get_by_text("Anonymous or confidential: you choose")).to_be_visible()
    accessible(page, js)
    if js:
        page.screenshot(path=str(SHOTS / "portal-start.png"), full_page=True)

    page.get_by_role("link", name=re.compile("I am a member of the public")).click()
    expect(page).to_have_url(f"{portal.url}/report/public/")
    leave_is_at_the_top(page)
    accessible(page, js)

    # Sent with nothing filled in: the errors, in words, on their fields.
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_text("Something needs changing before you send")).to_be_visible()
    what = page.get_by_label("What happened?")
    expect(what).to_have_attribute("aria-invalid", "true")
    assert "id_what_happened-error" in (what.get_attribute("aria-describedby") or "")
    expect(page.locator("#id_what_happened-error")).to_contain_text("Tell us what happened")
    accessible(page, js)

    # A fresh form, filled in as she would.
    page.goto(f"{portal.url}/report/public/")
    what = page.get_by_label("What happened?")
    page.get_by_label("Using their position for sex or a relationship").check()
    what.fill(
        "He came when I reported my ex for hitting me. Afterwards he kept texting me and "
        f"said he could make the case go away if I met him at his flat. {marker}"
    )
    page.get_by_label("Where did it happen? (if you want to say)").fill("Bristol, at my home")
    page.get_by_label("When did it happen? (if you want to say)").fill("March to May 2025")
    page.get_by_label("They came when I called the police").check()
    page.get_by_label("Their collar or staff number, if you know it").fill("PC 2231")
    page.get_by_label("No: report anonymously").check()
    page.get_by_label("Photos, screenshots or documents (if you have any)").set_input_files(
        files=[FilePayload(name="his-texts.txt", mimeType="text/plain", buffer=b"meet me at 9\n")]
    )
    if js:
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header back at the top
        page.screenshot(path=str(SHOTS / "portal-report.png"), full_page=True)
    page.get_by_role("button", name="Send my report").click()

    expect(page.get_by_role("heading", name="Your report has been sent")).to_be_visible()
    receipt = re.sub(r"\D", "", page.locator(".receipt [aria-hidden]").inner_text())
    assert len(receipt) == 16
    expect(page.get_by_text("This is the only time we show it.")).to_be_visible()
    expect(page.get_by_text("Write it on paper")).to_be_visible()
    leave_is_at_the_top(page)
    accessible(page, js)
    if js:
        page.screenshot(path=str(SHOTS / "portal-receipt.png"), full_page=True)
    # Nothing kept in the browser holds it: not the URL, not a cookie.
    assert receipt not in page.url
    assert not [c for c in context.cookies() if receipt in c["value"]]
    # The back button brings back the form, not the receipt.
    page.go_back()
    assert receipt not in page.content()
    report = staff_read(portal, marker)
    assert (report["channel"], report["mode"], report["category"]) == (
        "public",
        "anonymous",
        "abuse-of-position-sexual",
    )
    assert report["files"] == ["his-texts.txt"]
    assert report["content"]["how_met"] == "call"
    # Leaving clears the portal's cookies.
    page.get_by_role("link", name="Leave this site quickly").click()
    expect(page).to_have_url(LEAVE_TO)
    assert not [c for c in context.cookies() if c["name"].startswith("portal_")]
    context.close()

    # The handler asks a question, from the staff side.
    handler_reply(
        portal,
        marker,
        "Thank you for telling us. Do you still have his texts? You can add them here.",
        question=True,
    )

    # Days later, another visit: the receipt, typed as written down.
    context = new_context(chromium, js=js)
    page = context.new_page()
    page.goto(f"{portal.url}/")
    page.get_by_role("link", name="I have already reported and have a receipt number").click()
    accessible(page, js)
    page.get_by_label("Your receipt number").fill("0000 0000 0000 0000")
    page.get_by_role("button", name="Open my report").click()
    expect(page.locator("#id_receipt-error")).to_contain_text("We could not open a report")
    accessible(page, js)
    spaced = " ".join(receipt[i : i + 4] for i in range(0, 16, 4))
    page.get_by_label("Your receipt number").fill(spaced)
    page.get_by_role("button", name="Open my report").click()
    expect(page).to_have_url(f"{portal.url}/your-report/")
    expect(page.get_by_role("heading", name="We have asked you a question")).to_be_visible()
    expect(page.locator(".panel--question")).to_contain_text("Do you still have his texts?")
    leave_is_at_the_top(page)
    accessible(page, js)
    if js:
        page.screenshot(path=str(SHOTS / "portal-return.png"), full_page=True)
    page.get_by_label("Your message").fill(f"Yes, I kept them all. {marker}-answer")
    page.get_by_role("button", name="Send my message").click()
    expect(page.get_by_text("Your message has been sent. Our team will read it.")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text(f"{marker}-answer")
    accessible(page, js)
    report = staff_read(portal, marker)
    assert [m["sender"] for m in report["messages"]] == ["handler", "reporter"]
    assert report["messages"][1]["text"] == f"Yes, I kept them all. {marker}-answer"

    page.get_by_role("button", name="Close my report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("closed on this device")
    accessible(page, js)
    page.goto(f"{portal.url}/your-report/")
    expect(page).to_have_url(f"{portal.url}/return/")  # closed: the receipt is needed again
    context.close()


def test_a_colleague_reports_confidentially(chromium: Browser, portal: PortalServer) -> None:
    marker = f"ref-{uuid.uuid4().hex[:10]}"
    context = new_context(chromium)
    page = context.new_page()
    page.goto(f"{portal.url}/")
    page.get_by_role("link", name=re.compile("I work for the police and want to speak up")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Speak up about a colleague")
    # A colleague is not asked how they met the officer.
    expect(page.get_by_text("How did you meet the officer")).to_have_count(0)
    accessible(page, True)
    page.get_by_label("Corruption", exact=True).check()
    page.get_by_label("What happened?").fill(
        f"A sergeant on my team looks up addresses on the PNC for a private investigator. {marker}"
    )
    page.get_by_label("Their name").fill("Sgt D. Marsh")
    page.get_by_label("Their station, unit or team").fill("Response team B, Central")
    page.get_by_label("Yes: report confidentially").check()
    page.get_by_role("button", name="Send my report").click()
    # A confidential report needs a name: the error says so, on the field.
    expect(page.locator("#id_reporter_name-error")).to_contain_text("Give your name")
    accessible(page, True)
    page.get_by_label("Your name (only if you report confidentially)").fill("Sam Okafor")
    page.get_by_label("A safe way to contact you (only if you report confidentially)").fill(
        "Personal mobile 07700 900123, texts only"
    )
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("heading", name="Your report has been sent")).to_be_visible()
    accessible(page, True)
    report = staff_read(portal, marker)
    assert (report["channel"], report["mode"], report["category"]) == (
        "colleague",
        "confidential",
        "corruption",
    )
    assert report["content"]["reporter_name"] == "Sam Okafor"
    assert report["content"]["how_met"] == "work"
    context.close()


@pytest.mark.parametrize("path", ["/", "/report/public/", "/report/colleague/", "/return/"])
def test_every_page_fits_a_phone(chromium: Browser, portal: PortalServer, path: str) -> None:
    context = new_context(chromium, width=390)
    page = context.new_page()
    page.goto(f"{portal.url}{path}")
    leave_is_at_the_top(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} scrolls sideways on a phone: {width}px"
    accessible(page, True)
    if path == "/":
        page.screenshot(path=str(SHOTS / "portal-start-phone.png"))
    context.close()
