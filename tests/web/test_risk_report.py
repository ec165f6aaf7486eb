"""A risk run's summary (`/risk/runs/<pk>/report/`): no officer named, served whole, sandboxed,
the same page to everyone who uses the list."""

from __future__ import annotations

from pathlib import Path

from custodes.web.risk.access import RISK_ROLES
from custodes.web.risk.models import RiskRun
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from tests.web.risk_helpers import (
    Force,
    force_fixture,  # noqa: F401 - a fixture
    import_folder,
    officers_of,
    run_fixture,  # noqa: F401 - a fixture
    write_run,
)


def url(run: RiskRun) -> str:
    """Return the run's report."""
    return f"/risk/runs/{run.pk}/report/"


def test_the_report_is_served_whole_in_a_sandbox(force: Force, run: RiskRun) -> None:
    """Its own scripts may run, with no origin of their own and nothing fetched from anywhere."""
    response = force.client(force.lead).get(url(run))
    assert response.status_code == 200
    assert response.content.decode() == run.report
    csp = response["Content-Security-Policy"]
    assert "sandbox allow-scripts" in csp and "allow-same-origin" not in csp
    assert "connect-src 'none'" in csp and "default-src 'none'" in csp
    assert response["Cache-Control"] == "no-store"
    assert TrailEvent.objects.filter(
        actor_id=force.lead.pk, action=Action.READ, subject_type=Subject.RISK_REPORT
    ).exists()


def test_every_viewer_of_the_list_gets_the_same_summary_and_no_one_else(
    force: Force, run: RiskRun
) -> None:
    """The summary names no officer, so the subject's manager and unit colleagues read the very
    page the lead reads: being refused it would tell them someone close to them is high on the
    list. Whoever does not use the list is refused it, as for a missing record."""
    page = force.client(force.lead).get(url(run)).content
    readers = [u for u in force.too_close if u.role in RISK_ROLES and u.force_user_id]
    readers.append(force.authority)
    for user in readers:
        response = force.client(user).get(url(run))
        assert (response.status_code, response.content) == (200, page), user
    for user in (force.outsider, force.analyst):
        assert force.client(user).get(url(run)).status_code == 404, user


def test_a_summary_naming_an_officer_is_served_to_no_one(force: Force, tmp_path: Path) -> None:
    """Named by ref or by name, the officer is kept from some viewers, so the page from all."""
    report = "<html><body><p>Nobody Here, 078 PCT: history</p></body></html>"
    run = import_folder(write_run(tmp_path / "run", officers_of(force), report=report))
    assert force.client(force.authority).get(url(run)).status_code == 404
    assert force.client(force.lead).get(url(run)).status_code == 404


def test_a_run_without_a_report_has_none(force: Force, tmp_path: Path) -> None:
    """404, as for a missing record."""
    run = import_folder(write_run(tmp_path / "run", officers_of(force), report=None))
    assert force.client(force.lead).get(url(run)).status_code == 404
