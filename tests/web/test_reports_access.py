"""Taking portal reports in and need-to-know on them: the officer a report names, their line
manager, a colleague in their unit and an outsider never see it, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from custodes.web.accounts.models import Role, User
from custodes.web.cases.access import decide as decide_case
from custodes.web.cases.actions import grant_access
from custodes.web.portal.models import Channel, Report
from custodes.web.reports import actions
from custodes.web.reports.access import decide, get_report_for_user, reports_for_user
from custodes.web.reports.models import Intake, NamedStaff
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from custodes.web.trail.refused import Refused
from tests.web.case_helpers import (
    Dept,
    dept_fixture,  # noqa: F401 - a fixture
    take_in_apsp,
)
from tests.web.report_helpers import report_about
from tests.web.test_case_subjects_need_to_know import force_chart


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


@pytest.fixture
def handler2(d: Dept) -> User:
    """Another intake handler, in a unit of their own, too close to nobody."""
    return d.make("intake-2", Role.INTAKE_HANDLER, "psd-intake-2")


def named(report: Report) -> set[tuple[int | None, str | None]]:
    """Return whom the report was matched to."""
    return set(NamedStaff.objects.filter(report=report).values_list("user_id", "force_user_id"))


def test_take_in_matches_by_name_and_records_it(d: Dept) -> None:
    report = report_about("PC Daniel Reeve").report
    assert not Intake.objects.filter(pk=report.pk).exists()
    made = actions.take_in_new_reports()
    assert [i.pk for i in made] == [report.pk]
    assert named(report) == {(d.pc.pk, None)}
    row = NamedStaff.objects.get(report=report)
    assert (row.how, row.score, row.ambiguous) == ("name", 100.0, False)
    assert TrailEvent.objects.filter(
        action=Action.REPORT_RECEIVED, subject_type=Subject.REPORT, subject_id=str(report.pk)
    ).exists()
    # Taken in once, however often asked.
    assert actions.take_in_new_reports() == []


@pytest.mark.parametrize("given", ["Daniel Reeves", "D. Reeve", "Dan Reeve", "reeve"])
def test_take_in_matches_names_fuzzily(d: Dept, given: str) -> None:
    report = report_about(given).report
    actions.take_in_new_reports()
    assert (d.pc.pk, None) in named(report)


def test_an_unlike_name_matches_nobody(d: Dept) -> None:
    report = report_about("Marguerite Okonkwo-Blythe").report
    actions.take_in_new_reports()
    assert named(report) == set()


def test_take_in_matches_force_user_id_and_warrant_number(d: Dept) -> None:
    force_chart([("XF-7001", "cid-east", "XF-7000"), ("XF-7000", "cid-east", "")])
    by_id = report_about(number="xf 7001").report
    # The case the PC is a subject of holds his warrant number, XF4471.
    take_in_apsp(d)
    by_number = report_about(number="4471", station="Response South").report
    actions.take_in_new_reports()
    assert named(by_id) == {(None, "XF-7001")}
    assert NamedStaff.objects.get(report=by_id).how == "force-user-id"
    row = NamedStaff.objects.get(report=by_number)
    assert (row.user_id, row.how, row.station_matched) == (d.pc.pk, "number", True)


def test_an_ambiguous_name_names_everyone_it_fits(d: Dept) -> None:
    other = d.make("pc-reeve-2", Role.INTAKE_HANDLER, "traffic")
    other.first_name, other.last_name = "Danielle", "Reeve"
    other.save()
    report = report_about("Reeve").report
    actions.take_in_new_reports()
    assert named(report) == {(d.pc.pk, None), (other.pk, None)}
    assert all(NamedStaff.objects.filter(report=report).values_list("ambiguous", flat=True))
    # Hidden from both, and from both their units.
    assert not decide(d.pc_peer, report).allowed
    assert not decide(other, report).allowed


def test_a_report_not_taken_in_is_shown_to_nobody(d: Dept) -> None:
    report = report_about("Nobody Known").report
    assert not decide(d.intake, report).allowed
    assert reports_for_user(d.intake) == []
    with pytest.raises(Refused):
        get_report_for_user(d.intake, report.reference)
    # Its page takes it in first, then shows it.
    response = d.org.client(d.intake).get(f"/reports/{report.reference}/")
    assert response.status_code == 200
    assert Intake.objects.filter(pk=report.pk).exists()


def test_the_named_their_chain_their_unit_and_an_outsider_never_see_it(
    d: Dept, handler2: User
) -> None:
    reports = [report_about("PC Daniel Reeve", what=f"Report number {i}").report for i in (1, 2, 3)]
    ref = reports[0].reference
    headline = "3 reports from different people name Daniel Reeve"
    for who in (d.intake, handler2):
        client = d.org.client(who)
        assert client.get(f"/reports/{ref}/").status_code == 200
        queue = client.get("/reports/").content.decode()
        assert ref in queue
        assert headline in queue
    # The officer, their sergeant and inspector, a PC of their unit, and an outsider.
    for who in (d.pc, d.sergeant, d.inspector, d.pc_peer, d.org.outsider):
        client = d.org.client(who)
        assert client.get(f"/reports/{ref}/").status_code == 404, who.username
        shown = client.get("/reports/").content
        assert ref.encode() not in shown
        assert b"reports from different people" not in shown
        assert all(not decide(who, r).allowed for r in reports)
        assert reports_for_user(who) == []
        refused = TrailEvent.objects.filter(
            actor_id=who.pk, action=Action.REFUSED, subject_type=Subject.REPORT
        )
        assert refused.exists()


def test_an_imported_charts_manager_never_sees_it(d: Dept, handler2: User) -> None:
    force_chart([("XF-7001", "cid-east", "XF-7000"), ("XF-7000", "cid-east", "")])
    boss = d.make("di-cole", Role.INTAKE_HANDLER, "psd-7", force_user_id="XF-7000")
    report = report_about(number="XF-7001").report
    actions.take_in_new_reports()
    assert not decide(boss, report).allowed
    assert d.org.client(boss).get(f"/reports/{report.reference}/").status_code == 404
    assert decide(handler2, report).allowed


def test_a_colleagues_report_stays_from_the_chain_even_through_a_case(d: Dept) -> None:
    report = report_about(
        "Daniel Reeve", channel=Channel.COLLEAGUE, what="I saw him message her from the van."
    ).report
    actions.take_in_new_reports()
    case = actions.open_case(
        d.intake,
        report,
        kind="conduct",
        category="abuse-of-position-sexual",
        reason="A colleague's first-hand account",
    )
    # The lead grants the PC's sergeant the case despite the conflict: the case, not the report.
    grant_access(d.org.lead, case, d.sergeant, "Needed for the duty roster")
    assert decide_case(d.sergeant, case).allowed
    assert not decide(d.sergeant, report).allowed
    client = d.org.client(d.sergeant)
    assert client.get(f"/reports/{report.reference}/").status_code == 404
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "I saw him message her" not in page


def test_a_role_that_does_not_handle_reports_is_refused_the_queue(d: Dept) -> None:
    client = d.org.client(d.investigator)
    assert client.get("/reports/").status_code == 403
    with pytest.raises(PermissionDenied):
        actions.acknowledge(d.investigator, report_about("x").report)
