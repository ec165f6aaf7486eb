"""The case list, a case's page and "My work" in Debian's Chromium, on a caseload carried
through the real path's actions: what the appropriate authority sees, on a desktop and a phone."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.web.test_browser import Server, serve_demo, signed_in
from tests.web.test_browser_home import shoot

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite]

REPO = Path(__file__).resolve().parents[2]

# Run inside the served data folder, through the actions a page's form would call.
CASELOAD = textwrap.dedent(
    """
    import datetime as dt
    from custodes.web.setup import django_setup
    django_setup()
    from django.utils import timezone
    from custodes.web.accounts.models import User
    from custodes.web.cases import path
    from custodes.web.cases.actions import add_member
    from custodes.web.cases.matter import NewAllegation, NewSubject, take_in
    from custodes.web.cases.models import Case

    REASON = "Recorded messages and call data show it; the complainant confirmed it in interview"
    today = timezone.localdate()
    people = {u.username: u for u in User.objects.all()}
    intake, authority = people["intake"], people["authority"]
    investigator, pc = people["investigator"], people["pc-smith"]

    def take(reference, came, title):
        case = take_in(
            intake, reference, title,
            kind=Case.Kind.COMPLAINT, source=Case.Source.SUPPORT_ORGANISATION,
            came_to_attention=today - dt.timedelta(days=came),
            arose_on=today - dt.timedelta(days=came + 30),
            subjects=[NewSubject(user=pc, first_name="Sam", last_name="Smith", rank="PC",
                                 birth_date=dt.date(1990, 4, 2), warrant_number="XF4471")],
            allegations=[NewAllegation(0, "abuse-of-position-sexual",
                                       "Sent her messages after the job; visited off duty")],
            complainant_view="She wants it investigated and the officer kept away from her",
            complainant_wants_recording=True,
        )
        add_member(intake, case, authority)
        return case, case.subjects.get()

    a, s = take("PSD-2026-0100", 400, "Messages to a domestic-abuse victim after her call")
    path.decide_recording(authority, a, record_it=True, reason=REASON)
    path.decide_referral(authority, a, refer=False,
                         reason="The complainant withdrew support; we judged it low risk")
    path.assess_severity(authority, s, level="gross-misconduct", reason=REASON)
    path.appoint_investigator(authority, a, investigator, REASON)

    take("PSD-2026-0250", 20, "Visits to a witness's home while off duty")

    e, s = take("PSD-2026-0400", 20, "Relationship begun with a victim met on duty")
    path.decide_recording(authority, e, record_it=True, reason=REASON)
    path.decide_referral(authority, e, refer=True, reason=REASON)
    path.assess_severity(authority, s, level="gross-misconduct", reason=REASON)
    path.appoint_investigator(authority, e, investigator, REASON)
    path.serve_notice(investigator, s, today - dt.timedelta(days=1))
    path.submit_report(investigator, e, REASON, today)
    s.refresh_from_db()
    path.decide_case_to_answer(authority, s, answer=True, level="gross-misconduct", reason=REASON)
    s.refresh_from_db()
    path.arrange_proceedings(authority, s, forum="hearing", held_on=today, reason=REASON)
    s.refresh_from_db()
    path.record_outcome(authority, s, finding="gross-misconduct",
                        outcome="dismissal-without-notice", reason=REASON)
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Serve the demo accounts with the caseload above put in through the actions."""
    folder = tmp_path_factory.mktemp("case-pages")
    with serve_demo(folder) as live:
        done = subprocess.run(
            [sys.executable, "-c", CASELOAD],
            env=live.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        yield live


@pytest.fixture(scope="module")
def authority(server: Server, chromium: Browser) -> Iterator[BrowserContext]:
    """Sign the appropriate authority in once."""
    context, page, problems = signed_in(chromium, server, "authority", height=900)
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    assert problems == []
    page.close()
    yield context
    context.close()


def fits(page: Page, width: int) -> None:
    """Fail if anything runs off the side of a page `width` pixels wide."""
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, scrolled


def test_the_case_list_filters_and_shows_the_overdue(
    server: Server, authority: BrowserContext, tmp_path: Path
) -> None:
    """The authority filters to the overdue complaints and sees each by subject, allegation
    and next due day, overdue in words."""
    page = authority.new_page()
    page.goto(server.url + "/cases/")
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()
    page.get_by_label("Kind").select_option("complaint")
    page.get_by_label("Deadlines").select_option("yes")
    page.get_by_role("button", name="Show cases").click()
    expect(page).to_have_url(re.compile(r"/cases/\?.*kind=complaint.*overdue=yes"))
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(2)
    for row in rows.all():
        expect(row).to_contain_text("Sam Smith")
        expect(row).to_contain_text("Abuse of position for a sexual purpose")
        expect(row.locator(".overdue-mark")).to_have_text("Overdue")
    page.get_by_label("Deadlines").select_option("")
    page.get_by_label("Kind").select_option("")
    page.get_by_role("button", name="Show cases").click()
    # The three complaints the authority is on (the demo's own case is not theirs).
    expect(page.locator("table.cases tbody tr")).to_have_count(3)
    shoot(page, "case-list.png", tmp_path)
    page.set_viewport_size({"width": 390, "height": 844})
    fits(page, 390)
    page.close()


def test_the_case_page_shows_the_timeline_and_its_departure(
    server: Server, authority: BrowserContext, tmp_path: Path
) -> None:
    """The case not referred against the rules: every decision with who made it, the departure
    marked, what is open and overdue, and the steps the authority may take."""
    page = authority.new_page()
    page.goto(server.url + "/cases/")
    page.get_by_role("link", name="PSD-2026-0100").click()
    expect(page.get_by_role("heading", name="PSD-2026-0100")).to_be_visible()
    entries = page.locator("#timeline li.entry")
    expect(entries).to_have_count(5)
    departing = page.locator("#timeline li.entry.departs")
    expect(departing).to_have_count(1)
    expect(departing).to_contain_text("Departs from the rules")
    expect(departing).to_contain_text("The complainant withdrew support")
    expect(departing).to_contain_text(
        "By authority (Appropriate authority, professional-standards)"
    )
    expect(page.locator("#open")).to_contain_text("Give the timeliness account")
    expect(page.locator("#open .overdue-mark").first).to_contain_text("Overdue by")
    expect(
        page.locator("#steps").get_by_role("link", name="Appoint an investigator")
    ).to_be_visible()
    shoot(page, "case-page.png", tmp_path)
    page.set_viewport_size({"width": 390, "height": 844})
    fits(page, 390)
    page.close()


def test_my_work_puts_the_overdue_referral_first(
    server: Server, authority: BrowserContext, tmp_path: Path
) -> None:
    """From the navigation, My work lists the overdue referral first and the barred-list
    report after it, each linked to its step."""
    page = authority.new_page()
    page.goto(server.url + "/")
    page.get_by_role("navigation").get_by_role("link", name="My work").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    rows = page.locator("table.work tbody tr")
    expect(rows.first).to_contain_text("Decide on the mandatory referral")
    expect(rows.first).to_contain_text("PSD-2026-0250")
    expect(rows.first).to_contain_text("Overdue")
    report = rows.filter(has_text="barred list report")
    expect(report).to_have_count(1)
    expect(report).to_contain_text("Sam Smith")
    href = report.get_by_role("link", name="Do this now").get_attribute("href")
    assert href is not None and "/cases/PSD-2026-0400/steps/list-report/?report=" in href
    shoot(page, "my-work.png", tmp_path)
    page.set_viewport_size({"width": 390, "height": 844})
    fits(page, 390)
    page.close()
