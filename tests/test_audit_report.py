"""report.html reads well offline: rendered in headless Chromium and looked at."""

from __future__ import annotations

import json
import os
import re
import shutil
from importlib.resources import files
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from custodes.audit import timeline
from custodes.audit.run import run_audit
from custodes.synth import SynthConfig, generate

pytestmark = pytest.mark.browser
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "screenshots" / "audit-report.png"


def test_the_report_renders_offline_with_timelines(chromium: Browser, tmp_path: Path) -> None:
    extract = tmp_path / "force"
    generate(SynthConfig(staff=400, days=45, seed=8, prevalence=0.01), extract)
    run_audit(extract, tmp_path / "audit")
    report = tmp_path / "audit" / "report.html"
    html = report.read_text(encoding="utf-8")
    # Self-contained: no script, style or picture comes from anywhere else (the inlined
    # Vega-Embed names its online editor, which the page never opens).
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)

    context = chromium.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(report.as_uri())
    expect(page.get_by_role("heading", name="Access audit")).to_be_visible()
    first = page.locator("section.alert").first
    expect(first).to_be_visible()
    # Timelines are drawn as the reader scrolls to them, by the page's own inline script.
    first.scroll_into_view_if_needed()
    expect(first.locator("svg").first).to_be_visible()
    assert first.locator("svg").first.bounding_box()["width"] > 600  # type: ignore[index]
    assert page.locator("table").first.locator("tbody tr").count() >= 10
    expect(page.get_by_role("heading", name="Look-ups explained")).to_be_visible()
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 20_000
    assert failed == []
    assert errors == []
    assert [url for url in fetched if not url.startswith(("file:", "data:"))] == []
    if os.environ.get("CUSTODES_SAVE_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
        page.locator("section.alert").first.screenshot(
            path=str(SCREENSHOT.with_name("audit-report-alert.png"))
        )
    context.close()


def test_the_shipped_timeline_spec_is_what_altair_compiles() -> None:
    # The report reads the compiled chart shipped in the package; after a change to the chart,
    # `python -m custodes.audit.timeline` writes it again.
    shipped = json.loads(
        files("custodes.audit").joinpath(timeline.SPEC_FILE).read_text(encoding="utf-8")
    )
    assert shipped == timeline.compile_spec()


def test_every_timeline_shares_the_extracts_time_axis() -> None:
    spec = timeline.load_spec(1_000, 9_000)
    (x,) = [s for s in spec["scales"] if s["name"] == "x"]
    assert x["domain"] == [1_000, 9_000]
    assert {d["name"] for d in spec["data"]} >= {"spans", "looks"}
