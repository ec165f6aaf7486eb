"""The early-intervention list (`/risk/`): best first, need-to-know in the query, filters."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.utils import timezone

from custodes.web.risk.access import entries_for_user
from custodes.web.risk.actions import create_plan
from custodes.web.risk.models import RiskRun
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from tests.web.risk_helpers import (
    Force,
    Officer,
    entry,
    force_fixture,  # noqa: F401 - a fixture
    import_folder,
    run_fixture,  # noqa: F401 - a fixture
    write_run,
)

URL = "/risk/"


def names(page: str) -> list[str]:
    """Return the officers a list page shows, in order."""
    return re.findall(r'<a href="/risk/entries/\d+/">([^<]+)</a>', page)


def numbers(page: str) -> list[str]:
    """Return the numbers in the list's first column."""
    return re.findall(r'<td data-label="#">(\d+)</td>', page)


def test_the_lead_sees_every_officer_best_first_with_reasons_rules_and_bands(
    force: Force, run: RiskRun
) -> None:
    """Untied officers too, marked; a band, not the exact score; the read on the trail."""
    response = force.client(force.lead).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert names(page) == [
        "Sam Stone",
        "Joe Jones",
        "Una Unplaced",
        "Cara Coll",
        "Nobody Here",
        "Ghost Account",
    ]
    assert numbers(page) == ["1", "2", "3", "4", "5", "6"]
    assert "80–90%" in page and "0.81" not in page
    assert "2 allegations of force in the last 12 months" in page
    assert "<li>An allegation of abuse of position for a sexual purpose</li>" in page
    assert "<li>Three complaints in six months</li>" in page
    assert page.count("not tied to staff") == 3
    assert "6 officers shown" in page
    assert response["Cache-Control"] == "no-store"
    event = TrailEvent.objects.filter(action=Action.LIST, subject_type=Subject.RISK_LIST).get()
    assert event.actor_id == force.lead.pk and len(event.changes["entries"]) == 6


def test_those_too_close_do_not_see_the_officer_and_the_numbers_do_not_show_the_gap(
    force: Force, run: RiskRun
) -> None:
    """The subject, their manager and a unit colleague: the top officer is not on their list."""
    for user in (force.subject, force.colleague):
        page = force.client(user).get(URL).content.decode()
        assert "Sam Stone" not in page, user
        # Numbered among what they may see: no gap where the hidden officers are.
        assert numbers(page) == [str(n) for n in range(1, len(numbers(page)) + 1)]
        assert "Cara Coll" not in page  # in their unit (the colleague is, too)
    page = force.client(force.manager).get(URL).content.decode()
    # The manager is an appropriate authority: no untied officers, and not their report.
    assert names(page) == ["Joe Jones", "Cara Coll"]
    assert numbers(page) == ["1", "2"]
    assert "2 officers shown" in page


def test_an_officer_is_hidden_by_the_unit_and_name_the_run_gives(
    force: Force, tmp_path: Path
) -> None:
    """A run naming the subject by another id, in their unit, still keeps them from it."""
    run = import_folder(
        write_run(
            tmp_path / "other",
            [
                Officer("9001", "Sam", "Stone", "elsewhere", 0.9, agency="NYPD"),
                Officer("9002", "Pat", "Lee", "response-1", 0.8, agency="NYPD"),
                Officer("9003", "Kim", "Ray", "traffic", 0.7, agency="NYPD"),
            ],
        )
    )
    # The subject's manager: named as someone too close (their report); the subject's unit.
    seen = entries_for_user(force.manager, run)
    assert list(seen) == []  # untied, and an appropriate authority sees only tied officers
    seen = entries_for_user(force.colleague, run)
    assert [e.officer_ref for e in seen] == ["9003"]  # not Sam Stone by name, not response-1


def test_the_top_share_is_of_the_officers_the_viewer_may_see(force: Force, tmp_path: Path) -> None:
    """Top 10% of 30 is 3, counted among what the viewer may see, whatever is hidden."""
    officers = [
        Officer(f"XF:S{n:03d}", "Officer", f"N{n:03d}", f"unit-{n % 3}", 0.99 - n / 100)
        for n in range(30)
    ]
    officers.append(Officer("XF:U100", "Sam", "Stone", "response-1", 0.999))
    import_folder(write_run(tmp_path / "run", officers))
    page = force.client(force.colleague).get(URL, {"share": "10"}).content.decode()
    assert names(page) == ["Officer N000", "Officer N001", "Officer N002"]
    assert "in the top 10% of the 30 you may see" in page
    page = force.client(force.lead).get(URL, {"share": "10"}).content.decode()
    assert names(page) == ["Sam Stone", "Officer N000", "Officer N001", "Officer N002"]


def test_the_list_filters_by_unit_and_by_rule(force: Force, run: RiskRun) -> None:
    """Only units and rules of officers the viewer may see are offered; others are ignored."""
    client = force.client(force.lead)
    page = client.get(URL, {"rule": "complaints-3-in-180-days"}).content.decode()
    assert names(page) == ["Sam Stone", "Joe Jones"]
    page = client.get(URL, {"unit": "traffic"}).content.decode()
    assert names(page) == ["Una Unplaced"]
    page = client.get(URL, {"unit": "response-1", "rule": "sexual-any"}).content.decode()
    assert names(page) == ["Sam Stone"]
    colleague = force.client(force.colleague).get(URL).content.decode()
    assert 'value="response-1"' not in colleague  # their own unit is not even offered
    assert 'value="sexual-any"' not in colleague  # only the hidden officer meets it


def test_roles_without_the_list_are_refused_and_an_account_without_a_force_id_sees_none(
    force: Force, run: RiskRun
) -> None:
    """Investigators and analysts get 403; the page says why nothing shows without an id."""
    for user in (force.outsider, force.analyst, force.constable):
        assert force.client(user).get(URL).status_code == 403
    assert TrailEvent.objects.filter(action=Action.REFUSED, actor_id=force.outsider.pk).exists()
    force.authority.force_user_id = None
    force.authority.save(update_fields=["force_user_id"])
    page = force.client(force.authority).get(URL).content.decode()
    assert "Your account has no force user id" in page
    assert names(page) == []


def test_plans_due_for_review_are_counted_at_home_and_listed(force: Force, run: RiskRun) -> None:
    """A plan reviewed within the week: on the lead's home page, and the list narrowed to it;
    the subject's colleague, who may not see the officer, counts none."""
    soon = timezone.localdate() + dt.timedelta(days=3)
    later = timezone.localdate() + dt.timedelta(days=60)
    create_plan(force.lead, entry(run, "XF:U100"), "Supervision", later, soon, force.lead)
    create_plan(force.lead, entry(run, "XF:U200"), "Supervision", later, later, force.lead)
    client = force.client(force.lead)
    home = client.get("/").content.decode()
    assert "1</strong> intervention plan due for review" in home
    assert names(client.get(URL, {"plans": "due"}).content.decode()) == ["Sam Stone"]
    home = force.client(force.colleague).get("/").content.decode()
    assert "0</strong> intervention plans due for review" in home
