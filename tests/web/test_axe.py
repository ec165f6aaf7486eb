"""The accessibility checker itself: it finds a real fault, and the staff sign-in page passes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.web.axe import check_page, describe
from tests.web.test_browser import Server, serve_demo

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite]

BAD_PAGE = """<!doctype html><html><head><title>Bad</title></head><body><main>
<h1>Report</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<form><input type="text" name="what"><button></button></form>
<p style="color:#bbb;background:#fff">Pale grey text on white.</p>
</main></body></html>"""


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_demo(tmp_path_factory.mktemp("axe")) as live:
        yield live


def test_axe_finds_the_faults_of_a_bad_page(chromium: Browser) -> None:
    page = chromium.new_page()
    page.set_content(BAD_PAGE)
    found = {violation["id"] for violation in check_page(page)}
    page.close()
    # No alt text, an unlabelled field, an empty button, too little contrast, no lang.
    assert {"image-alt", "label", "button-name", "color-contrast", "html-has-lang"} <= found


def test_the_staff_sign_in_page_passes_wcag_22_aa(
    chromium: Browser, staff_server: Server, tmp_path: Path
) -> None:
    page = chromium.new_page()
    page.goto(f"{staff_server.url}/accounts/sign-in/")
    violations = check_page(page)
    page.close()
    assert violations == [], describe(violations)
