"""A matter's path, step by step, through the real actions: each step's taker succeeds and
leaves a row on the timeline and one trail event; a colleague of another role, an outsider and
the oversight body are refused; and every refusal the law asks for is made, saying why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from custodes.web.accounts.models import Role, User
from custodes.web.cases import path
from custodes.web.cases.access import cases_for_user, decide
from custodes.web.cases.actions import add_member, grant_access
from custodes.web.cases.matter import NewSubject, take_in
from custodes.web.cases.models import Case, CaseParty, CaseSubject, Decision, Requirement
from custodes.web.cases.parties import add_party
from custodes.web.cases.timeline import departures, open_steps, unreferred_mandatory
from custodes.web.trail.chain import EventCount, verify
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


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


class At(IntEnum):
    """How far along its path a case is."""

    TAKEN_IN = 0
    RECORDED = 1
    REFERRED = 2
    ASSESSED = 3
    APPOINTED = 4
    NOTICED = 5
    REPORTED = 6
    ANSWERED = 7
    ARRANGED = 8
    DECIDED = 9


def along(d: Dept, stage: At, **take: Any) -> tuple[Case, CaseSubject]:
    """Take the APSP complaint in and carry it through the real steps to `stage`."""
    case = take_in_apsp(d, **take)
    subject = subject_of(case)
    steps: list[Callable[[], object]] = [
        lambda: path.decide_recording(d.authority, case, record_it=True, reason=REASON),
        lambda: path.decide_referral(d.authority, case, refer=True, reason=REASON),
        lambda: path.assess_severity(d.authority, subject, level="gross-misconduct", reason=REASON),
        lambda: path.appoint_investigator(d.authority, case, d.investigator, REASON),
        lambda: path.serve_notice(d.investigator, subject, days_ago(1)),
        lambda: path.submit_report(d.investigator, case, REASON, days_ago(0)),
        lambda: path.decide_case_to_answer(
            d.authority, subject, answer=True, level="gross-misconduct", reason=REASON
        ),
        lambda: path.arrange_proceedings(
            d.authority, subject, forum="hearing", held_on=days_ago(0), reason=REASON
        ),
        lambda: path.record_outcome(
            d.authority,
            subject,
            finding="gross-misconduct",
            outcome="dismissal-without-notice",
            reason=REASON,
        ),
    ]
    for step in steps[: int(stage)]:
        step()
    case.refresh_from_db()
    subject.refresh_from_db()
    return case, subject


@dataclass(frozen=True)
class Step:
    """One step: how far the case must be, who takes it, and the call."""

    name: str
    at: At
    taker: str  # "authority" or "investigator"
    call: Callable[[User, Case, CaseSubject], object]
    action: Action


STEPS = [
    Step(
        "recording",
        At.TAKEN_IN,
        "authority",
        lambda u, c, s: path.decide_recording(u, c, record_it=True, reason=REASON),
        Action.RECORDING,
    ),
    Step(
        "referral",
        At.RECORDED,
        "authority",
        lambda u, c, s: path.decide_referral(u, c, refer=True, reason=REASON),
        Action.REFERRAL,
    ),
    Step(
        "severity",
        At.REFERRED,
        "authority",
        lambda u, c, s: path.assess_severity(u, s, level="gross-misconduct", reason=REASON),
        Action.SEVERITY,
    ),
    Step(
        "appointment",
        At.ASSESSED,
        "authority",
        lambda u, c, s: path.appoint_investigator(
            u, c, User.objects.get(username="investigator"), REASON
        ),
        Action.APPOINT,
    ),
    Step(
        "notice",
        At.APPOINTED,
        "investigator",
        lambda u, c, s: path.serve_notice(u, s, days_ago(1)),
        Action.NOTICE,
    ),
    Step(
        "report",
        At.NOTICED,
        "investigator",
        lambda u, c, s: path.submit_report(u, c, REASON, days_ago(0)),
        Action.INVESTIGATION_REPORT,
    ),
    Step(
        "case to answer",
        At.REPORTED,
        "authority",
        lambda u, c, s: path.decide_case_to_answer(
            u, s, answer=True, level="gross-misconduct", reason=REASON
        ),
        Action.CASE_TO_ANSWER,
    ),
    Step(
        "proceedings",
        At.ANSWERED,
        "authority",
        lambda u, c, s: path.arrange_proceedings(
            u, s, forum="hearing", held_on=days_ago(0), reason=REASON
        ),
        Action.PROCEEDINGS,
    ),
    Step(
        "outcome",
        At.ARRANGED,
        "authority",
        lambda u, c, s: path.record_outcome(
            u, s, finding="gross-misconduct", outcome="dismissal-without-notice", reason=REASON
        ),
        Action.OUTCOME,
    ),
    Step(
        "appeal",
        At.DECIDED,
        "authority",
        lambda u, c, s: path.lodge_appeal(u, s, lodged_on=days_ago(0), grounds=REASON),
        Action.APPEAL,
    ),
]


def taker(d: Dept, step: Step) -> User:
    return d.authority if step.taker == "authority" else d.investigator


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_the_steps_taker_takes_it_on_the_timeline_and_the_trail(d: Dept, step: Step) -> None:
    """The step's own role, on the case, takes it: one row on the timeline naming them, and
    one trail event of the step's kind about the case."""
    case, subject = along(d, step.at)
    before = set(case.decisions.values_list("pk", flat=True))
    with EventCount() as events:
        step.call(taker(d, step), case, subject)
    (row,) = case.decisions.exclude(pk__in=before).exclude(step=Decision.Step.LIST_REPORT)
    assert row.decided_by == taker(d, step) and row.summary
    found = TrailEvent.objects.filter(action=step.action, subject_id=str(case.pk))
    assert found.count() == 1 and found.get().changes["decision"] == str(row.pk)
    assert events.count >= 1
    assert verify() == []


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_a_colleague_of_another_role_is_refused_the_step(d: Dept, step: Step) -> None:
    """On the case but not the step's role (the intake handler for the authority's steps, the
    authority for the investigator's): refused, saying who takes it; nothing is written."""
    case, subject = along(d, step.at)
    colleague = d.intake if step.taker == "authority" else d.authority
    assert decide(colleague, case).allowed
    count = case.decisions.count()
    with pytest.raises(PermissionDenied, match="only the"):
        step.call(colleague, case, subject)
    assert case.decisions.count() == count


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_an_outsider_of_the_right_role_is_refused_the_step(d: Dept, step: Step) -> None:
    """The step's role, but not on the case: refused as for any case they may not see."""
    case, subject = along(d, step.at)
    outsider = d.make(
        "outsider-" + step.taker,
        Role.APPROPRIATE_AUTHORITY if step.taker == "authority" else Role.PSD_INVESTIGATOR,
        "psd-9",
    )
    with pytest.raises(PermissionDenied, match="may not see this case"):
        step.call(outsider, case, subject)


@pytest.mark.parametrize("step", STEPS[2:], ids=[s.name for s in STEPS[2:]])
def test_the_oversight_body_reads_a_referred_matter_and_takes_no_step(d: Dept, step: Step) -> None:
    """Once referred, the oversight reviewer sees the case (and its parties), read-only."""
    case, subject = along(d, step.at)
    assert decide(d.reviewer, case).read_only and case in cases_for_user(d.reviewer)
    with pytest.raises(PermissionDenied):
        step.call(d.reviewer, case, subject)
    with pytest.raises(PermissionDenied, match="does not write"):
        add_party(d.reviewer, case, CaseParty.Role.WITNESS, "A. Witness")


def test_the_oversight_body_sees_nothing_before_referral(d: Dept) -> None:
    case, _ = along(d, At.RECORDED)
    assert not decide(d.reviewer, case).allowed
    assert case not in cases_for_user(d.reviewer)


def test_only_the_appointed_investigator_takes_the_investigators_steps(d: Dept) -> None:
    """Another PSD investigator on the team may see the case, but not serve its notices."""
    case, subject = along(d, At.APPOINTED)
    add_member(d.authority, case, d.org.owner)
    with pytest.raises(PermissionDenied, match="appointed investigator"):
        path.serve_notice(d.org.owner, subject, days_ago(0))


# -- recording ------------------------------------------------------------------------------


def test_recording_needs_the_complainants_view_and_a_reason(d: Dept) -> None:
    case = take_in(
        d.intake,
        "PSD-2026-0200",
        "Rude on the phone",
        kind=Case.Kind.COMPLAINT,
        source=Case.Source.PUBLIC,
        came_to_attention=days_ago(2),
        subjects=[NewSubject(user=d.pc)],
    )
    add_member(d.intake, case, d.authority)
    with pytest.raises(ValidationError, match="contact the complainant first"):
        path.decide_recording(d.authority, case, record_it=False, reason=REASON)
    with pytest.raises(ValidationError, match="needs a reason"):
        path.decide_recording(
            d.authority, case, record_it=False, reason="no", complainant_view="An apology"
        )
    decision = path.decide_recording(
        d.authority, case, record_it=False, reason=REASON, complainant_view="An apology will do"
    )
    assert not decision.departs and decision.rules["must_record"] is False
    assert decision.details["complainant_view"] == "An apology will do"


def test_not_recording_what_must_be_recorded_is_kept_and_counted(d: Dept) -> None:
    """The complainant asked for it to be recorded: custodes says it must be; a decision not to
    is kept with its reason, marked as going against the rules."""
    case = take_in_apsp(d)
    decision = path.decide_recording(d.authority, case, record_it=False, reason=REASON)
    assert decision.departs
    assert decision.rules["must_record"] and decision.rules["schedule_3"]
    ids = {r["id"] for r in decision.rules["record_because"]}
    assert {"recording-complainant-asks", "recording-schedule-3"} <= ids
    assert decision in departures(Decision.Step.RECORDING)


def test_intelligence_is_not_recorded_until_it_is_said_what_it_is(d: Dept) -> None:
    case = take_in_apsp(d, kind=Case.Kind.INTELLIGENCE)
    assert not case.requirements.filter(kind=Requirement.Kind.REFERRAL).exists()
    with pytest.raises(ValidationError, match="intelligence is not yet a matter"):
        path.decide_recording(d.authority, case, record_it=True, reason=REASON)
    path.decide_recording(
        d.authority, case, record_it=True, reason=REASON, kind=Case.Kind.RECORDABLE_CONDUCT
    )
    case.refresh_from_db()
    # Now a recordable conduct matter of abuse of position: it must be referred, from today.
    assert case.kind == Case.Kind.RECORDABLE_CONDUCT and case.referral_mandatory
    assert case.referral_due is not None and case.referral_due > days_ago(0)


# -- referral ---------------------------------------------------------------------------------


def test_custodes_says_which_criteria_are_met_and_by_when(d: Dept) -> None:
    case = take_in_apsp(d, came=0)
    referral = case.requirements.get(kind=Requirement.Kind.REFERRAL)
    assert referral.due_on is not None
    assert referral.due_on == case.referral_due and referral.due_on > days_ago(0)
    criteria = {c["id"] for c in referral.rules["criteria"]}
    assert criteria == {"referral-serious-corruption"}
    assert (
        "Police (Complaints and Misconduct) Regulations 2020"
        in (referral.rules["criteria"][0]["source"])
    )
    decision = path.decide_referral(d.authority, case, refer=True, reason=REASON)
    assert decision.details == {
        "referred": True,
        "voluntary": False,
        "late": False,
        "due_on": referral.due_on.isoformat(),
    }
    referral.refresh_from_db()
    assert referral.status == Requirement.Status.MET and referral.met_by == decision


def test_a_mandatory_referral_not_made_needs_a_reason_and_is_counted(d: Dept) -> None:
    case = take_in_apsp(d)
    with pytest.raises(ValidationError, match="needs a reason"):
        path.decide_referral(d.authority, case, refer=False, reason="")
    decision = path.decide_referral(
        d.authority, case, refer=False, reason="Local resolution preferred by the victim"
    )
    assert decision.departs and decision.summary.endswith("though the rules say it must be")
    assert list(unreferred_mandatory()) == [decision]
    assert unreferred_mandatory().get().reason == "Local resolution preferred by the victim"
    # Revisited (the IOPC calls it in, say), it is referred after all: both stay on the
    # timeline, and the first is still counted.
    later = path.decide_referral(d.authority, case, refer=True, reason=REASON)
    assert later.details["referred"] and list(unreferred_mandatory()) == [decision]
    with pytest.raises(ValidationError, match="referred already"):
        path.decide_referral(d.authority, case, refer=False, reason=REASON)


def test_a_late_referral_says_how_late(d: Dept) -> None:
    case = take_in_apsp(d, came=20)
    decision = path.decide_referral(d.authority, case, refer=True, reason=REASON)
    assert decision.details["late"] and "late" in decision.summary


def test_a_voluntary_referral_is_open_with_a_reason(d: Dept) -> None:
    case = take_in(
        d.intake,
        "PSD-2026-0201",
        "A stop and search that caused concern",
        kind=Case.Kind.COMPLAINT,
        source=Case.Source.PUBLIC,
        came_to_attention=days_ago(2),
        subjects=[NewSubject(user=d.pc)],
        complainant_view="Wants an explanation",
    )
    add_member(d.intake, case, d.authority)
    assert not case.requirements.filter(kind=Requirement.Kind.REFERRAL).exists()
    decision = path.decide_referral(d.authority, case, refer=True, reason=REASON)
    assert decision.details["voluntary"] and not decision.departs


def test_a_case_cannot_close_while_a_mandatory_referral_is_undecided(d: Dept) -> None:
    case, _ = along(d, At.RECORDED)
    with pytest.raises(ValidationError, match="Decide on the mandatory referral"):
        path.close_case(d.authority, case, REASON)


# -- severity and the investigator -------------------------------------------------------------


def test_a_severity_revision_needs_consultation_and_notice(d: Dept) -> None:
    case, subject = along(d, At.ASSESSED)
    with pytest.raises(ValidationError, match="after consultation"):
        path.assess_severity(d.authority, subject, level="misconduct", reason=REASON)
    with pytest.raises(ValidationError, match="notified to the officer"):
        path.assess_severity(
            d.authority, subject, level="misconduct", reason=REASON, consulted=True
        )
    revised = path.assess_severity(
        d.authority, subject, level="misconduct", reason=REASON, consulted=True, harm_test=True
    )
    assert revised.details["revision"] and revised.details["before"] == "gross-misconduct"
    assert revised.rules["proceedings"] == ["meeting"]
    with pytest.raises(ValidationError, match="not one of england-wales's levels"):
        path.assess_severity(
            d.authority, subject, level="awful", reason=REASON, consulted=True, harm_test=True
        )
    steps = case.decisions.filter(step=Decision.Step.SEVERITY).order_by("decided_at")
    assert [s.details["level"] for s in steps] == ["gross-misconduct", "misconduct"]


def test_the_appointed_investigator_joins_the_team_and_owes_a_notice(d: Dept) -> None:
    case, subject = along(d, At.APPOINTED)
    assert case.investigator == d.investigator and decide(d.investigator, case).allowed
    notice = case.requirements.get(kind=Requirement.Kind.NOTICE)
    assert notice.subject == subject and notice.status == Requirement.Status.OPEN
    with pytest.raises(ValidationError, match="serve the notice of investigation first"):
        path.submit_report(d.investigator, case, REASON, days_ago(0))


@pytest.mark.parametrize(
    ("who", "why"),
    [
        ("pc", "they are a subject of the matter"),
        ("peer-below", "they work under the management of"),
        ("witness", r"they are an interested party \(the witness\)"),
        ("non-investigator", "only an active PSD investigator"),
    ],
)
def test_reg_15_3_refuses_an_investigator_with_the_reason(d: Dept, who: str, why: str) -> None:
    case, _subject = along(d, At.ASSESSED)
    if who == "pc":
        candidate = d.pc
        candidate.role = Role.PSD_INVESTIGATOR
        candidate.save(update_fields=["role"])
    elif who == "peer-below":
        candidate = d.make("probationer", Role.PSD_INVESTIGATOR, "psd-5", d.pc)
    elif who == "witness":
        candidate = d.make("witness-officer", Role.PSD_INVESTIGATOR, "psd-6")
        party = add_party(d.intake, case, CaseParty.Role.WITNESS, "PC Witness")
        CaseParty.objects.filter(pk=party.pk).update(account=candidate)
    else:
        candidate = d.intake
    with pytest.raises((PermissionDenied, ValidationError), match=why):
        path.appoint_investigator(d.authority, case, candidate, REASON)
    case.refresh_from_db()
    assert case.investigator is None


def test_a_senior_officer_is_investigated_by_no_one_of_their_own_force(d: Dept) -> None:
    chief = d.make("acc", Role.INTAKE_HANDLER, "chief-officers", force_user_id="XF-0002")
    case = take_in_apsp(
        d,
        subjects=[NewSubject(user=chief, first_name="Ann", last_name="Hale", senior_officer=True)],
    )
    path.decide_recording(d.authority, case, record_it=True, reason=REASON)
    with pytest.raises(PermissionDenied, match="senior officer, and they serve in the same force"):
        path.appoint_investigator(d.authority, case, d.investigator, REASON)
    visiting = d.make("visiting", Role.PSD_INVESTIGATOR, "psd-other", force="YF")
    add_member(d.authority, case, visiting)
    path.appoint_investigator(d.authority, case, visiting, REASON)


def test_need_to_know_refuses_an_investigator_the_case_is_kept_from(d: Dept) -> None:
    """The subject's own sergeant is not under the PC's management (reg 15(3) allows them),
    but need-to-know keeps the case from them: refused until a lead grants access."""
    case, _ = along(d, At.ASSESSED)
    sergeant = d.sergeant
    sergeant.role = Role.PSD_INVESTIGATOR
    sergeant.save(update_fields=["role"])
    with pytest.raises(PermissionDenied, match="need-to-know keeps this case"):
        path.appoint_investigator(d.authority, case, sergeant, REASON)
    grant_access(d.org.lead, case, sergeant, "only trained investigator on the division")
    path.appoint_investigator(d.authority, case, sergeant, REASON)


# -- timeliness --------------------------------------------------------------------------------


def test_timeliness_accounts_are_owed_drafted_and_given(d: Dept) -> None:
    case, _subject = along(d, At.NOTICED, came=400)
    due = [d_.due_on for d_ in open_steps(case) if d_.kind == "timeliness"]
    assert len(due) == 1 and due[0] is not None and due[0] <= days_ago(0)
    draft = path.draft_timeliness_account(case)
    assert draft.due_on == due[0] and "came to attention" in draft.dates
    assert any("Appointed" in line for line in draft.progress)
    assert draft.recipients == ("local policing body", "IOPC")
    with pytest.raises(ValidationError, match="give the timeliness account due on"):
        path.submit_report(d.investigator, case, REASON, days_ago(0))
    with pytest.raises(PermissionDenied):
        path.give_timeliness_account(
            d.authority,
            case,
            draft.due_on,
            progress="x",
            expected_end=days_ago(-30),
            delay_reasons="x",
            next_steps="x",
        )
    with pytest.raises(ValidationError, match="says its reasons for delay"):
        path.give_timeliness_account(
            d.investigator,
            case,
            draft.due_on,
            progress="Witnesses interviewed",
            expected_end=days_ago(-30),
            delay_reasons=" ",
            next_steps="Report",
        )
    given = path.give_timeliness_account(
        d.investigator,
        case,
        draft.due_on,
        progress="Witnesses interviewed; phone downloaded",
        expected_end=days_ago(-30),
        delay_reasons="Awaiting the phone download from the digital unit",
        next_steps="Interview the officer under caution",
    )
    assert given.details["due_on"] == draft.due_on.isoformat()
    assert not [d_ for d_ in open_steps(case) if d_.kind == "timeliness"]
    with pytest.raises(ValidationError, match=r"no timeliness account is due|given already"):
        path.give_timeliness_account(
            d.investigator,
            case,
            draft.due_on,
            progress="x",
            expected_end=days_ago(-30),
            delay_reasons="x",
            next_steps="x",
        )
    path.submit_report(d.investigator, case, REASON, days_ago(0))


# -- case to answer, proceedings, outcomes ------------------------------------------------------


def test_no_case_to_answer_before_the_report(d: Dept) -> None:
    _case, subject = along(d, At.NOTICED)
    with pytest.raises(ValidationError, match="report is not in yet"):
        path.decide_case_to_answer(
            d.authority, subject, answer=True, level="gross-misconduct", reason=REASON
        )


def test_proceedings_need_a_case_to_answer(d: Dept) -> None:
    _case, subject = along(d, At.REPORTED)
    with pytest.raises(ValidationError, match="follow a decision that there is a case"):
        path.arrange_proceedings(
            d.authority, subject, forum="hearing", held_on=days_ago(0), reason=REASON
        )
    with pytest.raises(ValidationError, match="not a form of proceedings"):
        path.arrange_proceedings(
            d.authority, subject, forum="tribunal", held_on=days_ago(0), reason=REASON
        )


def test_an_accelerated_hearing_needs_its_special_conditions(d: Dept) -> None:
    case, subject = along(d, At.APPOINTED)
    with pytest.raises(ValidationError, match="missing: public interest to leave at once"):
        path.arrange_proceedings(
            d.authority,
            subject,
            forum="accelerated-hearing",
            held_on=days_ago(-7),
            reason=REASON,
            sufficient_written_evidence=True,
        )
    arranged = path.arrange_proceedings(
        d.authority,
        subject,
        forum="accelerated-hearing",
        held_on=days_ago(-7),
        reason=REASON,
        sufficient_written_evidence=True,
        public_interest_to_leave_at_once=True,
    )
    assert arranged.rules["required"] and arranged.details["members"]
    assert case.requirements.get(kind=Requirement.Kind.OUTCOME).due_on == days_ago(-7)


def test_an_outcome_the_forum_cannot_give_is_refused_with_why(d: Dept) -> None:
    _case, subject = along(d, At.ANSWERED)
    path.arrange_proceedings(
        d.authority, subject, forum="meeting", held_on=days_ago(0), reason=REASON
    )
    with pytest.raises(ValidationError, match="Dismissal without notice cannot be given here"):
        path.record_outcome(
            d.authority,
            subject,
            finding="misconduct",
            outcome="dismissal-without-notice",
            reason=REASON,
        )
    with pytest.raises(ValidationError, match="not one of england-wales's findings"):
        path.record_outcome(
            d.authority, subject, finding="naughty", outcome="written-warning", reason=REASON
        )
    done = path.record_outcome(
        d.authority, subject, finding="misconduct", outcome="final-written-warning", reason=REASON
    )
    assert set(done.rules["open"]) == {"written-warning", "final-written-warning"}
    with pytest.raises(ValidationError, match="recorded already"):
        path.record_outcome(
            d.authority, subject, finding="misconduct", outcome="written-warning", reason=REASON
        )


def test_gross_misconduct_presumes_dismissal_unless_exceptional(d: Dept) -> None:
    """For a matter arising since 28 May 2025, a final written warning for gross misconduct
    needs exceptional circumstances recorded."""
    case, subject = along(d, At.ARRANGED)
    assert case.arose_on is not None and case.arose_on >= dt.date(2025, 5, 28)
    with pytest.raises(ValidationError, match="exceptional circumstances"):
        path.record_outcome(
            d.authority,
            subject,
            finding="gross-misconduct",
            outcome="final-written-warning",
            reason=REASON,
        )
    done = path.record_outcome(
        d.authority,
        subject,
        finding="gross-misconduct",
        outcome="final-written-warning",
        reason=REASON,
        exceptional_circumstances=True,
    )
    assert done.details["condition"] and not case.list_reports.exists()


def test_practice_requiring_improvement_goes_to_reflective_practice(d: Dept) -> None:
    case, subject = along(d, At.REPORTED)
    path.decide_case_to_answer(
        d.authority,
        subject,
        answer=False,
        level="practice-requiring-improvement",
        reason=REASON,
    )
    with pytest.raises(ValidationError, match="reflective practice follows"):
        path.start_rprp(
            d.authority,
            subject,
            actions=[path.RprpAction("Read the guidance", days_ago(-14))],
            review_on=days_ago(-30),
            reason=REASON,
        )
    with pytest.raises(ValidationError, match="cannot be given here"):
        path.record_outcome(
            d.authority,
            subject,
            forum="none",
            finding="practice-requiring-improvement",
            outcome="written-warning",
            reason=REASON,
        )
    path.record_outcome(
        d.authority,
        subject,
        forum="none",
        finding="practice-requiring-improvement",
        outcome="rprp",
        reason=REASON,
    )
    with pytest.raises(ValidationError, match="review comes after"):
        path.start_rprp(
            d.authority,
            subject,
            actions=[path.RprpAction("Read the guidance", days_ago(-14))],
            review_on=days_ago(-7),
            reason=REASON,
        )
    with pytest.raises(ValidationError, match="at least one action"):
        path.start_rprp(d.authority, subject, actions=[], review_on=days_ago(-30), reason=REASON)
    started = path.start_rprp(
        d.authority,
        subject,
        actions=[
            path.RprpAction("Read the guidance on professional boundaries", days_ago(-14)),
            path.RprpAction("Shadow a public protection officer", days_ago(-21)),
        ],
        review_on=days_ago(-30),
        reason=REASON,
    )
    assert len(started.details["actions"]) == 2
    review = case.requirements.get(kind=Requirement.Kind.RPRP_REVIEW)
    assert review.due_on == days_ago(-30)
    with pytest.raises(ValidationError, match="Review the reflective practice"):
        path.close_case(d.authority, case, REASON)
    path.review_rprp(d.authority, subject, completed=True, reason=REASON)
    with pytest.raises(ValidationError, match="no reflective practice review is open"):
        path.review_rprp(d.authority, subject, completed=True, reason=REASON)
    path.close_case(d.authority, case, REASON)


def test_a_closed_case_takes_no_more_steps(d: Dept) -> None:
    case, subject = along(d, At.REPORTED)
    path.decide_case_to_answer(d.authority, subject, answer=False, reason=REASON)
    path.close_case(d.authority, case, REASON)
    case.refresh_from_db()
    assert case.closed and case.stage == Case.Stage.CLOSED
    with pytest.raises(PermissionDenied, match="the case is closed"):
        path.lodge_appeal(d.authority, subject, lodged_on=days_ago(0), grounds=REASON)


def test_an_appeal_is_owed_its_result_and_may_change_the_outcome(d: Dept) -> None:
    case, subject = along(d, At.ANSWERED)
    path.arrange_proceedings(
        d.authority, subject, forum="meeting", held_on=days_ago(0), reason=REASON
    )
    path.record_outcome(
        d.authority, subject, finding="misconduct", outcome="final-written-warning", reason=REASON
    )
    with pytest.raises(ValidationError, match="no appeal is waiting"):
        path.decide_appeal(d.authority, subject, allowed=False, reason=REASON)
    path.lodge_appeal(d.authority, subject, lodged_on=days_ago(0), grounds=REASON)
    with pytest.raises(ValidationError, match="Record the appeal's result"):
        path.close_case(d.authority, case, REASON)
    with pytest.raises(ValidationError, match="could have given"):
        path.decide_appeal(
            d.authority, subject, allowed=True, outcome="reduction-in-rank", reason=REASON
        )
    path.decide_appeal(d.authority, subject, allowed=True, outcome="written-warning", reason=REASON)
    subject.refresh_from_db()
    assert subject.outcome == "written-warning"
    path.close_case(d.authority, case, REASON)


def test_the_timeline_keeps_every_decision_and_who_made_it(d: Dept) -> None:
    case, _ = along(d, At.DECIDED)
    steps = list(case.decisions.order_by("decided_at").values_list("step", "decided_by__username"))
    assert steps[:3] == [
        ("intake", "intake"),
        ("recording", "authority"),
        ("referral", "authority"),
    ]
    assert ("notice", "investigator") in steps and ("outcome", "authority") in steps
    assert all(row.rules.get("version") for row in case.decisions.filter(step="outcome"))
