"""A risk run's own report (`/risk/runs/<pk>/report/`): served whole, sandboxed, to few."""

from __future__ import annotations

from pathlib import Path

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


def test_whoever_is_too_close_to_an_officer_it_names_gets_a_404(force: Force, run: RiskRun) -> None:
    """The report names the subject: they, their manager and unit may not read it; nor others."""
    for user in (*force.too_close, force.outsider, force.analyst):
        assert force.client(user).get(url(run)).status_code == 404, user
    assert force.client(force.authority).get(url(run)).status_code == 200


def test_a_report_naming_an_untied_officer_is_the_leads_alone(force: Force, tmp_path: Path) -> None:
    """The authority does not see untied officers, so not a report that names one."""
    report = "<html><body><p>Nobody Here, 078 PCT: history</p></body></html>"
    run = import_folder(write_run(tmp_path / "run", officers_of(force), report=report))
    assert force.client(force.authority).get(url(run)).status_code == 404
    assert force.client(force.lead).get(url(run)).status_code == 200


def test_a_run_without_a_report_has_none(force: Force, tmp_path: Path) -> None:
    """404, as for a missing record."""
    run = import_folder(write_run(tmp_path / "run", officers_of(force), report=None))
    assert force.client(force.lead).get(url(run)).status_code == 404
