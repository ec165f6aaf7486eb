"""A support organisation in a real browser: set up by staff on the command line, then sign in
with password and authenticator code, report for a victim with consent, see it in the list.

Against a real `custodes serve --portal` (tests/web/portal_server.py), with Debian's Chromium;
axe-core checks each page (WCAG 2.2 A/AA). The screenshot goes to docs/screenshots/.
"""

from __future__ import annotations

import base64
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, expect

from tests.web.axe import check_page, describe
from tests.web.portal_server import CUSTODES, PortalServer, portal_server

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "screenshots" / "portal-organisation.png"
PASSWORD = "tidewater lantern 4417"  # noqa: S105 - a test account's password
WHAT = "PC Odell Brightwater-Kaye messaged her for weeks after he took her statement"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    with portal_server(tmp_path_factory.mktemp("portal-org")) as live:
        yield live


def staff_command(portal: PortalServer, *args: str, answer: str = "") -> str:
    """Run a staff-side `custodes portal …` command on the portal's database."""
    done = subprocess.run(
        [CUSTODES, "portal", *args],
        env=portal.env,
        input=answer,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def code_for(secret: str, steps_ahead: int = 0) -> str:
    device = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)), step=30)
    device.time = time.time() + 30 * steps_ahead
    return f"{device.token():06d}"


def accessible(page: Page) -> None:
    violations = check_page(page)
    assert not violations, describe(violations)


def test_an_organisation_signs_in_reports_and_sees_its_list(
    portal: PortalServer, chromium: Browser
) -> None:
    staff_command(portal, "org", "add", "Saltmarsh Rape Crisis", "--kind", "sexual-violence")
    out = staff_command(
        portal,
        "account",
        "add",
        "Saltmarsh Rape Crisis",
        "j.achterberg",
        "--display-name",
        "Joke Achterberg",
        answer=f"{PASSWORD}\n{PASSWORD}\n",
    )
    secret = re.search(r"^\s+([A-Z2-7]{32})\s*$", out, re.MULTILINE)
    assert secret, out
    # The QR code is printed too (block characters), for the authenticator app.
    assert "▀" in out or "█" in out

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{portal.url}/")
    page.get_by_role("link", name=re.compile("I work for a support organisation")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in for support organisations")
    accessible(page)

    # A wrong code first: the same refusal as anything else wrong.
    page.get_by_label("Account name").fill("j.achterberg")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("We could not sign you in")
    accessible(page)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(code_for(secret.group(1)))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisation's reports")
    expect(page.get_by_text("Signed in as Joke Achterberg, Saltmarsh Rape Crisis")).to_be_visible()
    accessible(page)

    page.get_by_role("link", name="Report for someone you support").click()
    accessible(page)
    page.get_by_label("Using their position for sex or a relationship").check()
    page.get_by_label("What happened?").fill(WHAT)
    page.get_by_label("I was the victim of a crime they dealt with").check()
    page.get_by_label("Anonymously").check()
    page.get_by_role("button", name="Send the report").click()
    # Without consent: refused, said on the box.
    expect(page.get_by_role("alert")).to_contain_text("only with the victim's consent")
    accessible(page)
    page.get_by_label(re.compile("The person I support agrees")).check()
    page.get_by_label(re.compile("own case reference")).fill("SRC-0417")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("status")).to_contain_text("The report has been sent")
    reference = page.get_by_role("heading", level=1).inner_text().removeprefix("Report ")
    assert re.fullmatch(r"R-[A-Z2-7]{8}", reference), reference
    expect(page.locator("dl.summary").first).to_contain_text("SRC-0417")
    accessible(page)

    page.get_by_role("link", name="Back to your organisation’s reports").click()
    row = page.get_by_role("row", name=re.compile(reference))
    expect(row).to_contain_text("Using their position for sex or a relationship")
    expect(row).to_contain_text("Received")
    accessible(page)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    page.goto(f"{portal.url}/organisation/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in for support organisations")
    context.close()
