"""A complaint of abuse of position for a sexual purpose, from intake to the barred list and a
hiring check at another force, through the pages only, in Debian's Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.web.test_browser import Server, serve_demo, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite]

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"
REASON = "Messages and call data show it; the complainant confirmed it in interview"
TITLE = "Messages to a domestic-abuse victim after attending her call"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Make the demo accounts and serve the app."""
    with serve_demo(tmp_path_factory.mktemp("case-path")) as live:
        yield live


def today() -> str:
    """Return today's date as a date input takes it."""
    return timezone.localdate().isoformat()


def take(page: Page, server: Server, reference: str, step: str, button: str) -> None:
    """Submit a step's form and land back on the case page with the step done."""
    page.get_by_role("button", name=button, exact=True).click()
    expect(page).to_have_url(f"{server.url}/cases/{reference}/")
    expect(page.get_by_text("It is on the case's timeline.")).to_be_visible()


def open_step(page: Page, server: Server, reference: str, step: str, heading: str) -> None:
    """Open a step's page by its address (the case page may link it too)."""
    page.goto(f"{server.url}/cases/{reference}/steps/{step}/")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


def test_a_complaint_goes_from_intake_to_the_barred_list_and_a_hiring_check(
    server: Server, chromium: Browser
) -> None:
    """Intake, referral, investigation, accelerated hearing, dismissal, barred list, check."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []

    # The intake handler records the complaint about PC Smith.
    context, page, seen = signed_in(chromium, server, "intake", height=900)
    problems += seen
    page.goto(server.url + "/cases/new/")
    expect(page.get_by_role("heading", name="Take a matter in")).to_be_visible()
    page.select_option("#id_kind", "complaint")
    page.fill("#id_title", TITLE)
    page.select_option("#id_source", "support-organisation")
    page.select_option("#id_source_record_type", "portal-report")
    page.fill("#id_source_record_id", "RPT-0042")
    page.fill("#id_came_to_attention", today())
    page.fill("#id_complainant_view", "She wants it investigated and the officer kept away")
    page.select_option("#id_complainant_wants_recording", "yes")
    page.select_option(
        "#id_authority", label="authority · Appropriate authority · professional-standards"
    )
    page.fill("#id_subjects-0-account", "pc-smith")
    page.fill("#id_subjects-0-first_name", "Jason")
    page.fill("#id_subjects-0-last_name", "Smith")
    page.fill("#id_subjects-0-rank", "PC")
    page.fill("#id_subjects-0-warrant_number", "XF2291")
    page.fill("#id_subjects-0-birth_date", "1988-06-14")
    page.select_option("#id_allegations-0-category", "abuse-of-position-sexual")
    page.fill("#id_allegations-0-description", "Sent her messages after the job; visited off duty")
    page.screenshot(path=SHOTS / "case-intake.png", full_page=True)
    page.get_by_role("button", name="Take the matter in", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(server.url) + r"/cases/PSD-\d{4}-[0-9A-F]{6}/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.get_by_text(f"Taken in as {reference}.")).to_be_visible()
    expect(
        page.get_by_text(re.compile("must be referred to the oversight body by"))
    ).to_be_visible()
    context.close()

    # The appropriate authority records it, refers it, assesses it and appoints.
    context, page, seen = signed_in(chromium, server, "authority", height=900)
    problems += seen
    open_step(page, server, reference, "recording", "Decide whether to record the matter")
    expect(page.get_by_text("The matter must be recorded.")).to_be_visible()
    page.check("#id_record_it_0")
    page.fill("#id_reason", REASON)
    take(page, server, reference, "recording", "Record the decision")

    open_step(page, server, reference, "referral", "Decide whether to refer the matter")
    rules = page.locator("section.rules")
    expect(rules).to_contain_text("Mandatory referral")
    expect(rules).to_contain_text("must be referred")
    expect(rules).to_contain_text(re.compile(r"by \d{1,2} \w+ \d{4}"))
    page.check("#id_refer_0")
    page.fill("#id_reason", REASON)
    page.screenshot(path=SHOTS / "case-step-referral.png", full_page=True)
    take(page, server, reference, "referral", "Record the referral decision")

    open_step(page, server, reference, "severity", "Assess the severity")
    page.check("input[name=level][value=gross-misconduct]")
    page.fill("#id_reason", REASON)
    take(page, server, reference, "severity", "Record the assessment")

    open_step(page, server, reference, "appointment", "Appoint the investigator")
    page.select_option("#id_investigator", label="investigator · PSD investigator · psd-1")
    page.fill("#id_reason", REASON)
    take(page, server, reference, "appointment", "Appoint")
    # Kept signed in: an authenticator code is good once, and the authority comes back soon.
    authority, authority_page = context, page

    # The investigator serves the notice and submits the report.
    context, page, seen = signed_in(chromium, server, "investigator", height=900)
    problems += seen
    open_step(page, server, reference, "notice", "Serve the notice of investigation")
    page.fill("#id_served_on", today())
    take(page, server, reference, "notice", "Record the notice served")
    open_step(page, server, reference, "report", "Submit the investigation report")
    page.fill("#id_summary", REASON)
    page.fill("#id_ended_on", today())
    take(page, server, reference, "report", "Submit the report")
    context.close()

    # The authority decides, arranges an accelerated hearing, records the dismissal, and
    # sends the barred-list report.
    context, page = authority, authority_page
    open_step(page, server, reference, "case-to-answer", "Decide whether there is a case to answer")
    page.check("#id_answer_0")
    page.select_option("#id_level", "gross-misconduct")
    page.fill("#id_reason", REASON)
    take(page, server, reference, "case-to-answer", "Record the decision")

    open_step(page, server, reference, "proceedings", "Arrange proceedings")
    page.check("input[name=forum][value=accelerated-hearing]")
    page.fill("#id_held_on", today())
    page.check("#id_sufficient_written_evidence")
    page.check("#id_public_interest_to_leave_at_once")
    page.fill("#id_reason", REASON)
    take(page, server, reference, "proceedings", "Arrange them")

    open_step(page, server, reference, "outcome", "Record the finding and outcome")
    expect(page.locator("section.rules")).to_contain_text("Accelerated misconduct hearing")
    expect(page.locator("input[name=outcome][value=rprp]")).to_have_count(0)
    page.check("input[name=outcome][value=dismissal-without-notice]")
    page.fill("#id_decided_on", today())
    page.fill("#id_reason", REASON)
    page.screenshot(path=SHOTS / "case-step-outcome.png", full_page=True)
    take(page, server, reference, "outcome", "Record the outcome")

    open_step(page, server, reference, "list-report", "Send a list report")
    expect(page.locator("section.rules")).to_contain_text("barred list")
    page.fill("#id_sent_on", today())
    take(page, server, reference, "list-report", "Record it as sent")
    expect(page.get_by_role("heading", name=reference)).to_be_visible()
    page.screenshot(path=SHOTS / "case-path-done.png", full_page=True)
    context.close()

    # A vetting officer's hiring check finds the dismissed officer.
    context, page, seen = signed_in(chromium, server, "vetting", height=900)
    problems += seen
    page.goto(server.url + "/registry/check/")
    expect(page.get_by_role("heading", name="Check an applicant")).to_be_visible()
    page.get_by_label("Your reference").fill("APP-2026-0311")
    page.get_by_label("First name").fill("Jason")
    page.get_by_label("Last name").fill("Smith")
    page.get_by_label("Birth date").fill("1988-06-14")
    page.get_by_role("button", name="Check against the registry").click()
    expect(page).to_have_url(
        re.compile(re.escape(server.url) + r"/registry/screenings/\d+/$"), timeout=60_000
    )
    candidate = page.locator("section[id^=candidate-]")
    expect(candidate.first.get_by_role("heading")).to_contain_text("may be Jason Smith")
    context.close()
    assert problems == []
