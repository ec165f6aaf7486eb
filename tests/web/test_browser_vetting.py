"""The vetting unit's pages in Debian's Chromium: the vetting officer opens the queue with its
backlog and chart, filters it, opens a task and decides it, and reads the backlog by unit."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.axe import check_page, describe
from tests.web.test_browser import Server, serve_demo, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite]

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"

# Half a year of a vetting unit's work, made through the real actions in the served database
# (the server's, not pytest-django's): clearances, posts, moves and external checks' hits.
# Only the days are set afterwards, as they would have been had it been recorded as it
# happened: when each task was raised and decided.
_SCRIPT = r"""
import datetime as dt, random, tempfile
from pathlib import Path
import django
django.setup()
from django.utils import timezone
from custodes.web.accounts.models import User
from custodes.web.vetting.actions import (
    decide_task, import_external_check, move_into_post, record_clearance, set_post_requirement,
    who,
)
from custodes.web.vetting.models import Clearance, PostRequirement, VettingTask

rng = random.Random(20)
vetter = User.objects.get(username="vetting")
today = timezone.localdate()
now = timezone.now()
reason = "Vetting interview held; references and financial checks returned clear"
V = PostRequirement.Vulnerable
posts = [
    set_post_requirement(vetter, "Public protection", "MV", V.PUBLIC_PROTECTION),
    set_post_requirement(vetter, "Child protection", "MV", V.CHILD_PROTECTION),
    set_post_requirement(vetter, "Response north", "RV"),
    set_post_requirement(vetter, "Firearms", "MV"),
]
units = ["Response north", "Response south", "Public protection", "Custody"]
for n in range(40):
    person = who(None, "XF", f"S{n:04d}")
    unit = units[n % len(units)]
    level = "MV" if n % 3 == 0 else "RV"
    years = 10 if level == "RV" else 7
    # Granted long enough ago that some are past renewal, some due soon, most current.
    back = rng.choice([years * 365 + 20, years * 365 - 40, years * 365 - 75, 900, 500, 200])
    record_clearance(
        vetter, person, level, Clearance.Status.GRANTED, reason=reason,
        granted_on=today - dt.timedelta(days=back), unit=unit,
    )
for n in range(40, 64):
    person = who(None, "XF", f"S{n:04d}")
    post = posts[n % len(posts)]
    move_into_post(vetter, person, post, today - dt.timedelta(days=rng.randint(0, 170)))
folder = Path(tempfile.mkdtemp())
rows = ["check,hit_ref,force,force_user_id,hit_on,summary"]
summaries = [
    "Arrested on suspicion of fraud", "Named in a civil judgment", "County court judgment",
    "Named as an associate of an organised crime group", "Bankruptcy order",
]
for n in range(30):
    hit_on = today - dt.timedelta(days=rng.randint(0, 175))
    rows.append(f"PND,H-{n},XF,S{n:04d},{hit_on.isoformat()},{summaries[n % len(summaries)]}")
(folder / "pnd.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
import_external_check(vetter, folder / "pnd.csv")
# When each task was raised (the day its trigger happened) and, for most of the older ones,
# decided: the backlog's history.
for task in VettingTask.objects.order_by("pk"):
    raised = dt.datetime.combine(task.happened_on, dt.time(9), tzinfo=dt.timezone.utc)
    VettingTask.objects.filter(pk=task.pk).update(raised_at=raised)
    age = (today - task.happened_on).days
    if age > 30 and rng.random() < 0.6:
        task.refresh_from_db()
        decide_task(vetter, task, VettingTask.Decision.STANDS, reason)
        taken = rng.randint(10, min(age, 60))
        decided = raised + dt.timedelta(days=taken)
        VettingTask.objects.filter(pk=task.pk).update(decided_at=decided)
print(VettingTask.objects.filter(status="open").count())
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Serve the demo with a force id for the vetting officer and half a year of vetting."""
    folder = tmp_path_factory.mktemp("vetting")
    with serve_demo(folder, ("users", "set", "vetting", "--force-user-id", "V900")) as live:
        env = {**live.env, "DJANGO_SETTINGS_MODULE": "custodes.web.settings"}
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            cwd=REPO,
        )
        assert done.returncode == 0, done.stderr
        assert int(done.stdout.strip()) > 10
        yield live


def wcag_problems(page: Page, name: str) -> list[str]:
    """Return the page's WCAG 2.2 A/AA violations, named, as axe-core finds them."""
    found = check_page(page)
    return [f"{name}: {describe(found)}"] if found else []


def test_the_vetting_officer_works_the_queue_and_decides_a_task(
    server: Server, chromium: Browser
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page, problems = signed_in(chromium, server, "vetting", height=1000)
    inaccessible: list[str] = []
    page.get_by_role("link", name="Vetting", exact=True).click()
    expect(page.get_by_role("heading", name="Vetting", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^The backlog on"))).to_be_visible()
    chart = page.locator("figure.backlog-chart svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 150
    expect(page.locator("ul.waiting li")).to_have_count(5)
    expect(page.locator("table.vetting tbody tr").first).to_be_visible()
    page.screenshot(path=SHOTS / "vetting-queue.png", full_page=True)
    inaccessible += wcag_problems(page, "vetting-queue")

    # The chart's figures, for whoever cannot see it.
    page.get_by_text("The chart's figures, week by week").click()
    expect(page.locator("table.figures tbody tr")).to_have_count(26)

    page.select_option("#id_trigger", "post-move")
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Show tasks").click()
    expect(page).to_have_url(re.compile(r"trigger=post-move"))
    rows = page.locator("table.vetting tbody tr")
    expect(rows.first).to_be_visible()
    for label in rows.locator('td[data-label="Trigger"]').all_inner_texts():
        assert label.strip() == "A move into a post"
    for due in rows.locator('td[data-label="Due"]').all_inner_texts():
        assert "Overdue by" in due

    summary = rows.first.locator('td[data-label="What happened"] a')
    words = summary.inner_text()
    summary.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Re-vetting task \d+$"))).to_be_visible()
    expect(page.get_by_text(words).first).to_be_visible()
    expect(page.get_by_role("heading", name="What the rules said")).to_be_visible()
    page.get_by_label("The clearance stands with conditions").check()
    page.get_by_label("Reason").fill(
        "Interview held; the move goes ahead with supervision for six months"
    )
    page.screenshot(path=SHOTS / "vetting-task.png", full_page=True)
    inaccessible += wcag_problems(page, "vetting-task")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded. It is on the trail.")).to_be_visible()
    expect(page.locator("#decision")).to_contain_text("The clearance stands with conditions")
    expect(page.locator("#decision")).to_contain_text("supervision for six months")
    inaccessible += wcag_problems(page, "vetting-task-decided")

    # The person's page: their records, and a clearance decision recorded for them.
    page.get_by_role("link", name="Everything vetting holds about this person").click()
    expect(page.get_by_role("heading", name="Clearance decisions")).to_be_visible()
    inaccessible += wcag_problems(page, "vetting-person")
    page.get_by_label("Level", exact=True).select_option("RV")
    page.get_by_label("Decision", exact=True).select_option("granted")
    page.get_by_label("Granted on").fill(dt.datetime.now(dt.UTC).date().isoformat())
    page.get_by_label("Reason").fill("Recruitment vetting renewed for the move")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Clearance decision recorded. It is on the trail.")).to_be_visible()
    expect(page.get_by_role("heading", name="RV clearance: granted")).to_be_visible()
    inaccessible += wcag_problems(page, "vetting-clearance")

    page.get_by_role("link", name="Everything vetting holds about this person").click()
    page.get_by_role("link", name="The work queue").click()
    page.get_by_role("link", name="The backlog by unit and by level").click()
    expect(page.get_by_role("heading", name="By unit")).to_be_visible()
    expect(page.locator("table.backlog").first.locator("tbody tr")).not_to_have_count(0)
    page.screenshot(path=SHOTS / "vetting-backlog.png", full_page=True)
    inaccessible += wcag_problems(page, "vetting-backlog")
    context.close()
    assert problems == []
    assert inaccessible == [], "\n".join(inaccessible)
