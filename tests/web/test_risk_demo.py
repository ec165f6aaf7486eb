"""The demo's risk run: the synthetic department scored as the demo force and imported once."""

from __future__ import annotations

from pathlib import Path

import pytest

from custodes.web.accounts.models import User
from custodes.web.demo import load_demo_risk, make_demo
from custodes.web.risk.access import entries_for_user, entry_conflict, may_read_report
from custodes.web.risk.models import RiskEntry
from custodes.web.risk.run_files import LoadedOfficer, mentioned
from custodes.web.trail.kinds import Action
from custodes.web.trail.models import TrailEvent


@pytest.mark.django_db
def test_the_demo_lead_sees_the_force_ranked_but_not_themselves_or_their_unit(
    tmp_path: Path,
) -> None:
    """A real `custodes risk score` run, tied to the demo accounts; the same again: nothing."""
    make_demo()
    done = load_demo_risk(tmp_path / "risk")
    assert done.created
    run = done.run
    lead = User.objects.get(username="lead")
    analyst = User.objects.get(username="analyst")
    assert run.officers_scored > 500 and run.report
    mine = RiskEntry.objects.get(run=run, officer_ref=f"XF:{lead.force_user_id}")
    assert mine.subject == lead and entry_conflict(lead, mine) == "the record is about you"
    unit = RiskEntry.objects.filter(run=run, unit="acu")
    assert unit.count() == 2
    seen = entries_for_user(lead, run)
    assert not seen.filter(unit="acu").exists() and not seen.filter(pk=mine.pk).exists()
    assert seen.filter(officer_ref=f"XF:{analyst.force_user_id}", subject=analyst).exists()
    assert seen.count() == run.officers_scored - 3
    # The summary kept names none of the run's officers, by ref or by name; the import says so.
    officers = [
        LoadedOfficer(
            e.rank,
            e.officer_ref,
            e.score,
            e.reasons,
            e.agency,
            e.first_name,
            e.last_name,
            e.grade,
            e.unit,
            e.rules,
        )
        for e in RiskEntry.objects.filter(run=run)
    ]
    assert mentioned(run.report, officers) == set()
    event = TrailEvent.objects.get(action=Action.RISK_IMPORT, subject_id=str(run.pk))
    assert (event.changes["summary"], event.changes["in_report"]) == ("kept", 0)
    assert may_read_report(lead, run)  # the summary names no officer: the same page for all
    again = load_demo_risk(tmp_path / "risk")
    assert not again.created and again.run.pk == run.pk
