"""axe-core in Playwright, offline: the axe.min.js that axe-playwright-python ships (MPL-2.0).

    problems = check_page(page)   # [] when the page passes WCAG 2.2 A and AA

Nothing is fetched at run time: the script comes from the installed package and is evaluated
in the page through Playwright (which is not bound by the page's Content-Security-Policy).
"""

from __future__ import annotations

from typing import Any, cast

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page

__all__ = ["WCAG_22_AA", "check_page", "describe"]

# axe-core's tags for the rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
_AXE = Axe()


def check_page(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; return its WCAG 2.2 A/AA violations."""
    options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    results = _AXE.run(page, options=options)
    return cast(list[dict[str, Any]], results.response["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violation and element, for a test's failure message."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(f"{violation['id']} ({violation['impact']}): {node['target']}")
    return "\n".join(lines)
