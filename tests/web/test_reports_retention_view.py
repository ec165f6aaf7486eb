"""Handlers are told before a report's content is deleted: the queue lists the reports whose
retention ends within 30 days, and the home page counts them, each only to those who may see
the report (never to the officer it names, their chain or their unit)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from custodes.web.accounts.models import Role, User
from custodes.web.portal.handling import set_status
from custodes.web.portal.models import Report, Status
from custodes.web.reports import actions
from tests.web.case_helpers import (
    Dept,
    dept_fixture,  # noqa: F401 - a fixture
)
from tests.web.report_helpers import report_about


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


@pytest.fixture
def handler2(d: Dept) -> User:
    """Another intake handler, in a unit of their own, too close to nobody."""
    return d.make("intake-2", Role.INTAKE_HANDLER, "psd-intake-2")


def kept_until(report: Report, days: int, d: Dept) -> None:
    """Close the report, and have a handler's own decision keep it `days` more days."""
    set_status(report, Status.CLOSED, handler_id=d.intake.pk, reason="Nothing more to do")
    # A handler's own retention date comes first (portal.retention); no page sets it yet.
    Report.objects.filter(pk=report.pk).update(
        retain_until=timezone.localdate() + dt.timedelta(days=days)
    )


def ending_count(home: str) -> int | None:
    """Return the home page's count of reports whose retention ends soon (None: not shown)."""
    found = re.search(r'class="count">([\d,]+)</strong> reports? whose retention ends soon', home)
    return int(found.group(1).replace(",", "")) if found else None


def test_the_queue_and_home_warn_of_retention_ending(d: Dept, handler2: User) -> None:
    soon = report_about("PC Daniel Reeve", what="Ends soon").report
    later = report_about("PC Daniel Reeve", what="Ends later").report
    actions.take_in_new_reports()
    kept_until(soon, 10, d)
    kept_until(later, 90, d)
    client = d.org.client(handler2)
    queue = client.get("/reports/").content.decode()
    assert 'id="ending"' in queue and "Retention ending" in queue
    ending = queue.split('id="ending"', 1)[1].split("</section>", 1)[0]
    assert soon.reference in ending and later.reference not in ending
    home = client.get("/").content.decode()
    assert ending_count(home) == 1
    # Those the report names, their chain and unit, and an outsider: nothing of it.
    for who in (d.pc, d.sergeant, d.pc_peer):
        client = d.org.client(who)
        assert soon.reference not in client.get("/reports/").content.decode(), who.username
        assert ending_count(client.get("/").content.decode()) in (None, 0), who.username


def test_nothing_ending_shows_no_warning(d: Dept, handler2: User) -> None:
    report_about("PC Daniel Reeve", what="Still new")
    actions.take_in_new_reports()
    queue = d.org.client(handler2).get("/reports/").content.decode()
    assert 'id="ending"' not in queue
