"""Starting an intervention plan (`/risk/entries/<pk>/plan/`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from custodes.web.risk.models import InterventionPlan, RiskEntry, RiskRun
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import csrf_post
from tests.web.risk_helpers import (
    Force,
    entry,
    force_fixture,  # noqa: F401 - a fixture
    run_fixture,  # noqa: F401 - a fixture
)

ACTIONS = "Monthly supervision meeting; refresher on professional boundaries"


def url(e: RiskEntry) -> str:
    """Return the entry's new-plan page."""
    return f"/risk/entries/{e.pk}/plan/"


def days(n: int) -> str:
    """Return the date `n` days from today, as a date input sends it."""
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def plan_data(owner_pk: int, deadline: int = 90, review: int = 30) -> dict[str, str]:
    """Return the plan form's fields."""
    return {
        "actions": ACTIONS,
        "deadline": days(deadline),
        "review_on": days(review),
        "owner": str(owner_pk),
    }


def test_the_lead_starts_a_plan_owned_by_someone_who_may_see_the_officer(
    force: Force, run: RiskRun
) -> None:
    """Owners offered are only those who may see the officer; the plan is on the trail."""
    constable = entry(run, "XF:U200")
    client = force.client(force.lead)
    page = client.get(url(constable)).content.decode()
    assert "Start an intervention plan for Joe Jones" in page
    assert f'value="{force.authority.pk}"' in page and f'value="{force.lead.pk}"' in page
    # An account without a force user id cannot be placed, so owns nothing.
    assert f'value="{force.outsider.pk}"' not in page
    response = csrf_post(client, url(constable), plan_data(force.authority.pk))
    assert response.status_code == 302
    plan = InterventionPlan.objects.get(entry=constable)
    assert response["Location"] == f"/risk/plans/{plan.pk}/"
    assert (plan.owner, plan.created_by, plan.status) == (
        force.authority,
        force.lead,
        InterventionPlan.Status.OPEN,
    )
    event = TrailEvent.objects.get(action=Action.PLAN_CREATE)
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        force.lead.pk,
        Subject.INTERVENTION_PLAN,
        str(plan.pk),
    )
    assert event.changes["owner"] == force.authority.pk
    page = client.get(f"/risk/entries/{constable.pk}/").content.decode()
    assert "Start an intervention plan</button>" not in page  # one open plan at a time
    response = csrf_post(client, url(constable), plan_data(force.lead.pk))
    assert response.status_code == 400
    assert "already has an open plan" in response.content.decode()


def test_the_owner_must_be_someone_who_may_see_the_officer(force: Force, run: RiskRun) -> None:
    """The subject's colleague is not offered, and a forged choice is refused."""
    top = entry(run, "XF:U100")
    client = force.client(force.lead)
    page = client.get(url(top)).content.decode()
    assert f'value="{force.colleague.pk}"' not in page
    assert f'value="{force.manager.pk}"' not in page
    response = csrf_post(client, url(top), plan_data(force.colleague.pk))
    assert response.status_code == 400
    assert not InterventionPlan.objects.exists()


def test_dates_must_be_to_come_and_the_review_by_the_deadline(force: Force, run: RiskRun) -> None:
    """Each problem named at its field; nothing written."""
    constable = entry(run, "XF:U200")
    client = force.client(force.lead)
    response = csrf_post(client, url(constable), plan_data(force.lead.pk, deadline=-1))
    assert response.status_code == 400
    assert "the deadline has passed" in response.content.decode()
    response = csrf_post(client, url(constable), plan_data(force.lead.pk, deadline=10, review=20))
    assert "review the plan by its deadline" in response.content.decode()
    assert not InterventionPlan.objects.exists()
    assert not TrailEvent.objects.filter(action=Action.PLAN_CREATE).exists()


def test_those_too_close_and_other_roles_get_a_404(force: Force, run: RiskRun) -> None:
    """The form and the write, both refused as if the officer were not there."""
    top = entry(run, "XF:U100")
    for user in (*force.too_close, force.outsider, force.analyst):
        client = force.client(user)
        assert client.get(url(top)).status_code == 404, user
        assert csrf_post(client, url(top), plan_data(user.pk)).status_code == 404, user
    assert not InterventionPlan.objects.exists()
    refusal = TrailEvent.objects.filter(action=Action.REFUSED, actor_id=force.colleague.pk).latest(
        "seq"
    )
    assert refusal.changes["purpose"] == Action.PLAN_CREATE
