"""The chain to the registry: a dismissal's barred-list report is found by a hiring check at
another force and screened against held rosters; a resignation under investigation makes an
advisory entry, taken off again when proceedings end without a dismissal finding."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from custodes.web.accounts.models import Role, User
from custodes.web.alerts.access import alerts_for_user
from custodes.web.alerts.models import Alert
from custodes.web.cases import path
from custodes.web.cases.matter import NewSubject
from custodes.web.cases.models import Case, CaseSubject, ListReport, Requirement
from custodes.web.cases.signals import list_report_made
from custodes.web.cases.timeline import open_steps
from custodes.web.registry.actions import check_applicant, load_roster
from custodes.web.registry.models import Entry, ListImport
from custodes.web.registry.receivers import list_report
from custodes.web.trail.chain import verify
from custodes.web.trail.kinds import Action
from custodes.web.trail.models import TrailEvent
from tests.web.case_helpers import (
    REASON,
    Dept,
    days_ago,
    dept_fixture,  # noqa: F401 - a fixture
    subject_of,
    take_in_apsp,
)

REEVE = {"first_name": "Daniel", "last_name": "Reeve", "birth_date": dt.date(1990, 4, 2)}


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


def vetter_elsewhere(d: Dept) -> User:
    """Return a vetting officer at another force (YF), hiring."""
    return d.make("vetter-yf", Role.VETTING_OFFICER, "vetting", force="YF", force_user_id="YF-v")


def to_hearing(d: Dept, case: Case) -> CaseSubject:
    subject = subject_of(case)
    path.decide_recording(d.authority, case, record_it=True, reason=REASON)
    path.decide_referral(d.authority, case, refer=True, reason=REASON)
    path.assess_severity(d.authority, subject, level="gross-misconduct", reason=REASON)
    path.appoint_investigator(d.authority, case, d.investigator, REASON)
    path.serve_notice(d.investigator, subject, days_ago(1))
    path.submit_report(d.investigator, case, REASON, days_ago(0))
    path.decide_case_to_answer(
        d.authority, subject, answer=True, level="gross-misconduct", reason=REASON
    )
    path.arrange_proceedings(
        d.authority,
        subject,
        forum="accelerated-hearing",
        held_on=days_ago(0),
        reason=REASON,
        sufficient_written_evidence=True,
        public_interest_to_leave_at_once=True,
    )
    subject.refresh_from_db()
    return subject


def dismiss(d: Dept, subject: CaseSubject) -> ListReport:
    path.record_outcome(
        d.authority,
        subject,
        finding="gross-misconduct",
        outcome="dismissal-without-notice",
        reason="Pursued a sexual relationship with a vulnerable victim he met on duty",
    )
    return subject.list_reports.get()


def test_a_dismissal_makes_the_barred_report_a_hiring_check_elsewhere_finds(d: Dept) -> None:
    case = take_in_apsp(d)
    subject = to_hearing(d, case)
    report = dismiss(d, subject)
    assert (report.list_type, report.action, report.event) == ("barred", "add", "dismissed")
    # Within 5 working days beginning with the day of the dismissal.
    assert report.due_on is not None and 4 <= (report.due_on - days_ago(0)).days <= 11
    fields = report.fields
    assert fields["full_name"] == "Daniel Reeve" and fields["birth_date"] == "1990-04-02"
    assert (fields["force"], fields["rank"], fields["warrant_number"]) == ("XF", "PC", "XF4471")
    assert fields["allegations"] == ["Abuse of position for a sexual purpose"]
    assert fields["earlier_advisory_report"] is None and fields["missing"] == []
    assert "date of birth" in fields["asked_for"]
    # Custodes' own registry holds it, under an import of its own source.
    entry = Entry.objects.get(key=f"custodes:{report.pk}")
    assert (entry.first_name, entry.last_name, entry.list_type) == ("Daniel", "Reeve", "barred")
    assert entry.reason_category == "sexual misconduct" and entry.first_import.source == "custodes"
    assert TrailEvent.objects.filter(action=Action.REGISTRY_LISTED).count() == 1
    # A hiring check at another force finds him.
    screening = check_applicant(vetter_elsewhere(d), {**REEVE, "record_id": "YF-APP-7"})
    assert [c.entry_id for c in screening.candidates.all()] == [entry.pk]
    # The report is owed until sent; the case cannot close before.
    assert [s.what for s in open_steps(case)] == ["Send the list report"]
    with pytest.raises(ValidationError, match="Send the list report"):
        path.close_case(d.authority, case, REASON)
    sent = path.send_list_report(d.authority, report)
    assert not sent.details["late"]
    with pytest.raises(ValidationError, match="sent already"):
        path.send_list_report(d.authority, report)
    path.close_case(d.authority, case, REASON)
    assert verify() == []


def test_held_rosters_are_screened_against_a_new_report(d: Dept, tmp_path: Path) -> None:
    """Another force holds a roster with him on it: the barred report raises a match to its
    vetting unit, as a newly imported list would."""
    vetter = vetter_elsewhere(d)
    roster = tmp_path / "yf-roster.csv"
    roster.write_text(
        "person_ref,first_name,middle_name,last_name,other_names,birth_date,birth_year,sex,"
        "agency,badge\nYF-330,Daniel,,Reeve,,1990-04-02,,M,Yonder Police,\n"
        "YF-331,Sara,,Okafor,,1985-02-11,,F,Yonder Police,\n",
        encoding="utf-8",
    )
    load_roster(vetter, "Yonder staff", "YF", roster)
    subject = to_hearing(d, take_in_apsp(d))
    report = dismiss(d, subject)
    alerts = [a for a in alerts_for_user(vetter) if a.kind == Alert.Kind.REGISTRY_MATCH]
    assert len(alerts) == 1 and "YF-330" in alerts[0].summary
    assert ListImport.objects.get(
        source="custodes"
    ).screenings.get().candidates.get().entry.key == (f"custodes:{report.pk}")


def test_no_name_no_dismissal_on_record(d: Dept) -> None:
    """A subject known only by force user id: the barred report needs their full name, so the
    outcome is refused until it is given."""
    case = take_in_apsp(d, subjects=[NewSubject(force="XF", force_user_id="XF-9001")])
    subject = to_hearing(d, case)
    with pytest.raises(ValidationError, match="needs the subject's full name"):
        dismiss(d, subject)
    assert not Entry.objects.exists()


def test_a_resignation_under_investigation_makes_an_advisory_entry_then_removes_it(
    d: Dept,
) -> None:
    case = take_in_apsp(d)
    subject = to_hearing(d, case)
    path.record_leaving(d.authority, subject, left_on=days_ago(0), how="resigned", reason=REASON)
    advisory = subject.list_reports.get()
    assert (advisory.list_type, advisory.event) == ("advisory", "resigned-under-investigation")
    entry = Entry.objects.get(key=f"custodes:{advisory.pk}")
    vetter = vetter_elsewhere(d)
    found = check_applicant(vetter, {**REEVE, "record_id": "YF-APP-8"})
    assert [c.entry_id for c in found.candidates.all()] == [entry.pk]
    # The hearing of the former officer ends without a "would have been dismissed" finding:
    # misconduct, for which a former officer can be given nothing.
    subject.refresh_from_db()
    with pytest.raises(ValidationError, match="Written warning cannot be given here"):
        path.record_outcome(
            d.authority, subject, finding="misconduct", outcome="written-warning", reason=REASON
        )
    path.record_outcome(
        d.authority,
        subject,
        finding="misconduct",
        outcome="",
        reason="Misconduct, not gross: the messages stopped when she asked",
    )
    advisory.refresh_from_db()
    assert advisory.status == ListReport.Status.WITHDRAWN
    removal = subject.list_reports.get(action=ListReport.Action.REMOVE)
    assert removal.earlier == advisory and removal.event == (
        "proceedings-ended-without-dismissal-finding"
    )
    entry.refresh_from_db()
    assert entry.withdrawn_at is not None
    assert TrailEvent.objects.filter(action=Action.REGISTRY_DELISTED).count() == 1
    again = check_applicant(vetter, {**REEVE, "record_id": "YF-APP-9"})
    assert not again.candidates.exists()
    # The removal is a report of its own, owed until sent; the unsent advisory one is not.
    owed = case.requirements.filter(kind=Requirement.Kind.LIST_REPORT, status="open")
    assert [r.list_report for r in owed] == [removal]


def test_would_have_been_dismissed_bars_the_former_officer_naming_the_advisory_report(
    d: Dept,
) -> None:
    case = take_in_apsp(d)
    subject = to_hearing(d, case)
    path.record_leaving(d.authority, subject, left_on=days_ago(0), how="retired", reason=REASON)
    subject.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot be given here"):
        dismiss(d, subject)
    path.record_outcome(
        d.authority,
        subject,
        finding="gross-misconduct",
        outcome="would-have-been-dismissed",
        reason=REASON,
    )
    advisory = subject.list_reports.get(list_type="advisory")
    barred = subject.list_reports.get(list_type="barred")
    assert barred.event == "would-have-been-dismissed" and barred.earlier == advisory
    assert barred.fields["earlier_advisory_report"]["id"] == str(advisory.pk)
    assert Entry.objects.filter(withdrawn_at__isnull=True).count() == 2


def test_leaving_after_no_proceedings_were_decided_is_not_reported(d: Dept) -> None:
    case = take_in_apsp(d)
    subject = subject_of(case)
    path.decide_recording(d.authority, case, record_it=True, reason=REASON)
    path.decide_referral(d.authority, case, refer=True, reason=REASON)
    path.appoint_investigator(d.authority, case, d.investigator, REASON)
    path.serve_notice(d.investigator, subject, days_ago(1))
    path.submit_report(d.investigator, case, REASON, days_ago(0))
    path.decide_case_to_answer(d.authority, subject, answer=False, reason=REASON)
    subject.refresh_from_db()
    decision = path.record_leaving(
        d.authority, subject, left_on=days_ago(0), how="resigned", reason=REASON
    )
    assert not decision.details["under_investigation"] and not ListReport.objects.exists()


def test_an_appeal_that_overturns_a_dismissal_takes_the_entry_off(d: Dept) -> None:
    case = take_in_apsp(d)
    subject = to_hearing(d, case)
    report = dismiss(d, subject)
    path.send_list_report(d.authority, report)
    path.lodge_appeal(d.authority, subject, lodged_on=days_ago(0), grounds=REASON)
    subject.refresh_from_db()
    path.decide_appeal(
        d.authority,
        subject,
        allowed=True,
        outcome="final-written-warning",
        exceptional_circumstances=True,
        reason="The tribunal found exceptional circumstances the panel did not weigh",
    )
    report.refresh_from_db()
    subject.refresh_from_db()
    assert report.status == ListReport.Status.WITHDRAWN and subject.left_on is None
    assert Entry.objects.get(key=f"custodes:{report.pk}").withdrawn_at is not None


def test_nothing_listening_takes_the_dismissal_back(d: Dept) -> None:
    """A report the registry never hears of is one no hiring check finds: without the
    receiver, the outcome is refused and nothing of it stays."""
    subject = to_hearing(d, take_in_apsp(d))
    list_report_made.disconnect(dispatch_uid="registry-list-report")
    try:
        with pytest.raises(ImproperlyConfigured, match="registry"):
            dismiss(d, subject)
    finally:
        list_report_made.connect(list_report, dispatch_uid="registry-list-report")
    subject.refresh_from_db()
    assert subject.outcome == "" and not ListReport.objects.exists()
