"""A handler's actions on a portal report: each done, each refused where it must be, each on
the trail, reasons required for decisions; replies reach the reporter; a case opened from a
report has the right source and subjects and is on the case list (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from custodes.web.accounts.models import Role, User
from custodes.web.cases.models import Case
from custodes.web.portal.actions import Upload, open_with_receipt, reporter_view
from custodes.web.portal.models import Category, ReportFile, Status
from custodes.web.reports import actions
from custodes.web.reports.models import Handling, Intake
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from tests.web.case_helpers import (
    Dept,
    dept_fixture,  # noqa: F401 - a fixture
)
from tests.web.conftest import csrf_post
from tests.web.report_helpers import fresh, png, report_about


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


def events(user: User, action: Action, report_id: object) -> list[TrailEvent]:
    """Return the trail's events of `action` on the report by `user`."""
    return list(
        TrailEvent.objects.filter(
            actor_id=user.pk,
            action=action,
            subject_type=Subject.REPORT,
            subject_id=str(report_id),
        )
    )


@pytest.fixture
def taken(d: Dept):  # type: ignore[no-untyped-def]
    """A report about PC Reeve, taken in; and its receipt."""
    submitted = report_about("PC Daniel Reeve")
    actions.take_in_new_reports()
    return submitted


def test_acknowledge(d: Dept, taken) -> None:  # type: ignore[no-untyped-def]
    report = taken.report
    with pytest.raises(PermissionDenied):
        actions.acknowledge(d.pc, report)  # the officer it names
    actions.acknowledge(d.intake, report)
    assert fresh(report).status == Status.ACKNOWLEDGED
    assert events(d.intake, Action.REPORT_STATUS, report.pk)
    with pytest.raises(ValidationError, match="already acknowledged"):
        actions.acknowledge(d.intake, fresh(report))


def test_a_reply_and_a_question_reach_the_reporter(d: Dept, taken) -> None:  # type: ignore[no-untyped-def]
    client = d.org.client(d.intake)
    ref = taken.report.reference
    response = csrf_post(
        client, f"/reports/{ref}/act/message/", {"message-text": "Thank you: we are looking."}
    )
    assert response.status_code == 302
    csrf_post(
        client,
        f"/reports/{ref}/act/message/",
        {"message-text": "Which day was it?", "message-question": "on"},
    )
    seen = reporter_view(open_with_receipt(taken.receipt))  # type: ignore[arg-type]
    said = [(m["sender"], m["question"], m["text"]) for m in seen["messages"]]
    assert said == [
        ("handler", False, "Thank you: we are looking."),
        ("handler", True, "Which day was it?"),
    ]
    # A reply acknowledges a new report.
    assert fresh(taken.report).status == Status.ACKNOWLEDGED
    assert len(events(d.intake, Action.REPORT_MESSAGE, taken.report.pk)) == 2
    # An empty message is refused, with the reason shown beside the field.
    response = csrf_post(client, f"/reports/{ref}/act/message/", {"message-text": "  "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_route_needs_a_force_and_a_reason(d: Dept, taken) -> None:  # type: ignore[no-untyped-def]
    report = taken.report
    with pytest.raises(ValidationError, match="give a reason"):
        actions.route(d.intake, report, "Northshire Police", " ")
    with pytest.raises(ValidationError, match="name the force"):
        actions.route(d.intake, report, "", "The officer serves there")
    client = d.org.client(d.intake)
    response = csrf_post(
        client, f"/reports/{report.reference}/act/route/", {"route-force": "Northshire Police"}
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert fresh(report).status == Status.NEW
    actions.route(d.intake, report, "Northshire Police", "The officer serves there")
    assert fresh(report).status == Status.ROUTED
    update = events(d.intake, Action.UPDATE, report.pk)
    assert update[0].reason == "The officer serves there"
    assert Handling.objects.get(report=report).detail == "Northshire Police"


def test_safeguarding_referral(d: Dept, taken) -> None:  # type: ignore[no-untyped-def]
    report = taken.report
    with pytest.raises(ValidationError, match="agency"):
        actions.safeguarding_referral(d.intake, report, "", "She is at risk")
    with pytest.raises(ValidationError, match="reason"):
        actions.safeguarding_referral(d.intake, report, "Adult social care", "")
    actions.safeguarding_referral(d.intake, report, "Adult social care", "She is at risk")
    assert fresh(report).status == Status.SAFEGUARDING
    assert events(d.intake, Action.UPDATE, report.pk)


def test_close_needs_a_reason_and_ends_the_handling(d: Dept, taken) -> None:  # type: ignore[no-untyped-def]
    report = taken.report
    with pytest.raises(ValidationError, match="reason"):
        actions.close(d.intake, report, "")
    actions.close(d.intake, report, "Nothing to act on")
    assert fresh(report).status == Status.CLOSED
    with pytest.raises(ValidationError, match="closed"):
        actions.route(d.intake, fresh(report), "Northshire Police", "Late")


def test_opening_a_case_makes_one_from_the_portal_about_the_named(d: Dept, taken) -> None:  # type: ignore[no-untyped-def]
    report = taken.report
    with pytest.raises(ValidationError, match="reason"):
        actions.open_case(
            d.intake, report, kind="complaint", category="abuse-of-position-sexual", reason=""
        )
    client = d.org.client(d.intake)
    response = csrf_post(
        client,
        f"/reports/{report.reference}/act/case/",
        {
            "case-kind": "complaint",
            "case-category": actions.default_category(report),
            "case-subjects": str(report.named_staff.get().pk),
            "case-reason": "A first-hand account of abuse of position",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(source_record_id=str(report.pk))
    assert (case.kind, case.source, case.source_record_type) == (
        "complaint",
        "portal",
        "portal-report",
    )
    assert [s.user_id for s in case.subjects.all()] == [d.pc.pk]
    assert [a.category for a in case.allegations.all()] == ["abuse-of-position-sexual"]
    assert fresh(report).status == Status.CASE_OPENED
    assert Intake.objects.get(pk=report.pk).case == case
    assert events(d.intake, Action.TAKE_IN, report.pk) == []  # the case's event is the case's
    assert TrailEvent.objects.filter(
        actor_id=d.intake.pk, action=Action.TAKE_IN, subject_id=str(case.pk)
    ).exists()
    assert case.reference in client.get("/cases/").content.decode()
    assert case.reference in client.get(f"/reports/{report.reference}/").content.decode()
    # Once only.
    with pytest.raises(ValidationError, match="already"):
        actions.open_case(
            d.intake,
            fresh(report),
            kind="complaint",
            category="abuse-of-position-sexual",
            reason="Again",
        )


def test_a_case_needs_someone_named(d: Dept) -> None:
    report = report_about("Marguerite Okonkwo-Blythe", category=Category.CORRUPTION).report
    actions.take_in_new_reports()
    with pytest.raises(ValidationError, match="names nobody"):
        actions.open_case(
            d.intake, report, kind="complaint", category="abuse-of-position-other", reason="r"
        )


def test_an_analyst_opens_intelligence_but_does_not_route(d: Dept, taken) -> None:  # type: ignore[no-untyped-def]
    analyst = d.make("analyst", Role.CC_ANALYST, "acu-intelligence")
    report = taken.report
    with pytest.raises(PermissionDenied):
        actions.route(analyst, report, "Northshire Police", "Not ours")
    case = actions.open_intelligence(analyst, report, reason="A pattern with other reports")
    assert case.kind == Case.Kind.INTELLIGENCE
    assert fresh(report).status == Status.INTELLIGENCE


def test_downloads_cleaned_for_handlers_original_for_the_lead(d: Dept) -> None:
    report = report_about("PC Daniel Reeve", files=[Upload("door.png", png())]).report
    actions.take_in_new_reports()
    f = ReportFile.objects.get(report=report)
    assert f.cleaning == ReportFile.Cleaning.CLEANED
    cleaned = actions.download(d.intake, f)
    assert b"Reporter's own name" not in cleaned
    client = d.org.client(d.intake)
    response = client.get(f"/reports/{report.reference}/files/{f.pk}/cleaned/")
    assert response.status_code == 200
    assert response.content == cleaned
    assert "attachment" in response["Content-Disposition"]
    with pytest.raises(PermissionDenied, match="lead"):
        actions.download(d.intake, f, original=True)
    original = actions.download(d.org.lead, f, original=True)
    assert b"Reporter's own name" in original
    read = events(d.org.lead, Action.READ, report.pk)
    assert read[-1].changes["copy"] == "original"
    response = client.get(f"/reports/{report.reference}/files/{f.pk}/original/")
    assert response.status_code == 403
