"""One officer's entry (`/risk/entries/<pk>/`), and a case opened from it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from custodes.web.cases.models import Case
from custodes.web.risk.actions import open_case_from_entry
from custodes.web.risk.models import RiskEntry, RiskRun
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import csrf_post
from tests.web.risk_helpers import (
    Force,
    entry,
    force_fixture,  # noqa: F401 - a fixture
    run_fixture,  # noqa: F401 - a fixture
)

REASON = "Two force allegations and a sexual-misconduct allegation within a year"


def url(e: RiskEntry, action: str = "") -> str:
    """Return the entry's page, or one of its actions."""
    return f"/risk/entries/{e.pk}/{action}/" if action else f"/risk/entries/{e.pk}/"


def test_the_lead_sees_the_reasons_rules_report_and_buttons(force: Force, run: RiskRun) -> None:
    """Reasons in words, rules met, the report link, open a case and start a plan."""
    top = entry(run, "XF:U100")
    response = force.client(force.lead).get(url(top))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Sam Stone</h1>" in page
    assert "Number 1 of the 6 officers you may see" in page
    assert "<li>2 allegations of force in the last 12 months</li>" in page
    assert (
        "<strong>An allegation of abuse of position for a sexual purpose</strong>:"
        " an allegation of sexual misconduct at any time"
    ) in page
    assert f'href="/risk/runs/{run.pk}/report/"' in page
    assert "Open a case</button>" in page and "Start an intervention plan</button>" in page
    assert response["X-Personal-Data"] == "1"
    assert TrailEvent.objects.filter(
        actor_id=force.lead.pk, action=Action.READ, subject_type=Subject.RISK_ENTRY
    ).exists()


def test_the_subject_their_manager_their_unit_and_other_roles_get_a_404(
    force: Force, run: RiskRun
) -> None:
    """Refused as if missing, and each refusal on the trail with why."""
    top = entry(run, "XF:U100")
    for user in (*force.too_close, force.outsider, force.analyst):
        response = force.client(user).get(url(top))
        assert response.status_code == 404, user
        refusal = TrailEvent.objects.filter(action=Action.REFUSED, actor_id=user.pk).latest("seq")
        assert (refusal.subject_type, refusal.subject_id) == (Subject.RISK_ENTRY, str(top.pk))
    why = TrailEvent.objects.filter(action=Action.REFUSED, actor_id=force.subject.pk).get()
    assert why.reason == "the record is about you"
    missing = force.client(force.lead).get("/risk/entries/999999/")
    assert missing.status_code == 404


def test_an_untied_officer_is_shown_to_the_lead_but_not_the_authority(
    force: Force, run: RiskRun
) -> None:
    """The lead is warned that need-to-know could not check; the authority gets a 404."""
    nypd = entry(run, "4411")
    page = force.client(force.lead).get(url(nypd)).content.decode()
    assert "nobody custodes knows, so need-to-know could not check" in page
    assert force.client(force.authority).get(url(nypd)).status_code == 404


def test_the_summary_link_is_the_same_for_everyone_who_may_see_an_entry(
    force: Force, run: RiskRun
) -> None:
    """The summary names no officer, so the constable's manager, who may see the constable's
    entry, is offered it as the authority is: its absence would tell them something."""
    constable = entry(run, "XF:U200")
    for user in (force.manager, force.authority):
        page = force.client(user).get(url(constable)).content.decode()
        assert f'href="/risk/runs/{run.pk}/report/"' in page, user
        assert "without a summary report" not in page


def test_opening_a_case_from_an_entry(force: Force, run: RiskRun) -> None:
    """The case is about the officer, from another source with the entry as its record."""
    constable = entry(run, "XF:U200")
    lead = force.client(force.lead)
    response = csrf_post(lead, url(constable, "open-case"), {"reason": REASON})
    assert response.status_code == 302
    case = Case.objects.get(source_record_type="risk-entry", source_record_id=str(constable.pk))
    assert response["Location"] == f"/cases/{case.reference}/"
    assert case.reference.startswith(f"EI-{run.pk}-")
    assert (case.subject, case.subject_force_user_id) == (force.constable, "U200")
    assert (case.kind, case.source) == (Case.Kind.INTELLIGENCE, Case.Source.OTHER)
    assert RiskEntry.objects.get(pk=constable.pk).case == case
    event = TrailEvent.objects.get(action=Action.RISK_OPEN_CASE)
    assert (event.actor_id, event.subject_id, event.reason) == (
        force.lead.pk,
        str(constable.pk),
        REASON,
    )
    assert event.changes["case_id"] == str(case.pk)
    page = lead.get(url(constable)).content.decode()
    assert f'href="/cases/{case.reference}/"' in page and "Open a case</button>" not in page
    with pytest.raises(Exception, match="already open"):
        open_case_from_entry(force.lead, RiskEntry.objects.get(pk=constable.pk), REASON)


def test_a_case_is_refused_to_those_too_close_and_needs_a_reason(
    force: Force, run: RiskRun
) -> None:
    """404 for those who may not see the officer; 400 without a reason; nothing opened."""
    top = entry(run, "XF:U100")
    for user in (*force.too_close, force.outsider):
        response = csrf_post(force.client(user), url(top, "open-case"), {"reason": REASON})
        assert response.status_code == 404, user
    response = csrf_post(force.client(force.lead), url(top, "open-case"), {"reason": " "})
    assert response.status_code == 400
    assert not Case.objects.filter(source_record_type="risk-entry").exists()
    with pytest.raises(PermissionDenied):
        open_case_from_entry(force.colleague, top, REASON)
    assert not TrailEvent.objects.filter(action=Action.RISK_OPEN_CASE).exists()
