"""An intervention plan's page (`/risk/plans/<pk>/`): reviewed, then closed with its outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from custodes.web.risk.actions import create_plan
from custodes.web.risk.models import InterventionPlan, RiskRun
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import csrf_post
from tests.web.risk_helpers import (
    Force,
    entry,
    force_fixture,  # noqa: F401 - a fixture
    run_fixture,  # noqa: F401 - a fixture
)


def day(n: int) -> dt.date:
    """Return the date `n` days from today."""
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def plan(force: Force, run: RiskRun) -> InterventionPlan:
    """Return a plan for the subject's entry, started by the lead through the real action."""
    return create_plan(
        force.lead,
        entry(run, "XF:U100"),
        "Supervision and boundaries training",
        day(60),
        day(20),
        force.lead,
    )


def url(plan: InterventionPlan, action: str = "") -> str:
    """Return the plan's page, or one of its actions."""
    return f"/risk/plans/{plan.pk}/{action}/" if action else f"/risk/plans/{plan.pk}/"


def test_the_plan_is_reviewed_then_closed_each_on_the_trail(
    force: Force, plan: InterventionPlan
) -> None:
    """Review moves the next review date (and the deadline); close records the outcome."""
    client = force.client(force.authority)
    page = client.get(url(plan)).content.decode()
    assert "Intervention plan for Sam Stone" in page
    assert "Record the review</button>" in page and "Close the plan</button>" in page
    response = csrf_post(
        client,
        url(plan, "review"),
        {
            "notes": "Two supervision meetings held",
            "next_review_on": day(40).isoformat(),
            "deadline": day(90).isoformat(),
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.review_on, plan.deadline) == (day(40), day(90))
    review = TrailEvent.objects.get(action=Action.PLAN_REVIEW)
    assert (review.actor_id, review.subject_type, review.subject_id) == (
        force.authority.pk,
        Subject.INTERVENTION_PLAN,
        str(plan.pk),
    )
    assert review.changes["deadline"] == [day(60).isoformat(), day(90).isoformat()]
    response = csrf_post(
        client,
        url(plan, "close"),
        {"outcome": "completed", "note": "Training done; no further concerns"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.outcome, plan.closed_by) == ("closed", "completed", force.authority)
    closed = TrailEvent.objects.get(action=Action.PLAN_CLOSE)
    assert closed.changes == {"status": ["open", "closed"], "outcome": "completed"}
    assert closed.reason == "Training done; no further concerns"
    page = client.get(url(plan)).content.decode()
    assert "Two supervision meetings held" in page
    assert "Completed: the actions were done" in page
    assert "Record the review</button>" not in page
    response = csrf_post(
        client, url(plan, "review"), {"notes": "late", "next_review_on": day(5).isoformat()}
    )
    assert response.status_code == 400 and "the plan is closed" in response.content.decode()


def test_a_review_and_a_close_need_their_fields(force: Force, plan: InterventionPlan) -> None:
    """400 with the problem shown; nothing changed, nothing on the trail."""
    client = force.client(force.lead)
    response = csrf_post(
        client, url(plan, "review"), {"notes": "x", "next_review_on": day(-3).isoformat()}
    )
    assert response.status_code == 400
    assert "the review date has passed" in response.content.decode()
    response = csrf_post(client, url(plan, "close"), {"outcome": "vanished", "note": "x"})
    assert response.status_code == 400
    plan.refresh_from_db()
    assert plan.status == "open"
    assert not TrailEvent.objects.filter(
        action__in=[Action.PLAN_REVIEW, Action.PLAN_CLOSE]
    ).exists()


def test_those_too_close_and_other_roles_get_a_404(force: Force, plan: InterventionPlan) -> None:
    """The page, the review and the close: refused as if the plan did not exist."""
    for user in (*force.too_close, force.outsider, force.analyst):
        client = force.client(user)
        assert client.get(url(plan)).status_code == 404, user
        data = {"notes": "x", "next_review_on": day(5).isoformat()}
        assert csrf_post(client, url(plan, "review"), data).status_code == 404, user
        data = {"outcome": "completed", "note": "x"}
        assert csrf_post(client, url(plan, "close"), data).status_code == 404, user
    plan.refresh_from_db()
    assert plan.status == "open" and not plan.reviews.exists()
    assert force.client(force.lead).get("/risk/plans/999999/").status_code == 404
