"""The case write pages: intake (`/cases/new/`) and each step of the path
(`/cases/<reference>/steps/<step>/`), through the real forms, signed in for real with CSRF.

Each step's taker succeeds and the decision is on the timeline with its trail event; every
refusal the action makes comes back on the form (400) with nothing saved; the wrong role, the
subject, their manager, a colleague in their unit, an outsider and the oversight body are
refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from custodes.web.accounts.models import Role, User
from custodes.web.cases import path
from custodes.web.cases.models import Case, CaseSubject, Decision, ListReport
from custodes.web.trail.kinds import Action
from custodes.web.trail.models import TrailEvent
from tests.web.case_helpers import (
    APSP,
    REASON,
    Dept,
    days_ago,
    dept_fixture,  # noqa: F401 - a fixture
    subject_of,
)
from tests.web.conftest import csrf_post
from tests.web.test_case_path import At, along


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


def client(d: Dept, user: User) -> Client:
    """Return a CSRF-enforcing client signed in as `user`."""
    return d.org.client(user)


def step_url(case: Case, step: str, **query: Any) -> str:
    """Return a step page's address."""
    found = f"/cases/{case.reference}/steps/{step}/"
    if query:
        found += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return found


def decisions(case: Case, step: str) -> int:
    """Return how many decisions of `step` the case's timeline has."""
    return Decision.objects.filter(case=case, step=step).count()


def events(case: Case, action: Action) -> int:
    """Return how many trail events of `action` name the case."""
    return TrailEvent.objects.filter(action=action, subject_id=str(case.pk)).count()


def page(response: Any) -> str:
    """Return a response's page as text, with its HTML entities as a reader sees them."""
    import html

    return html.unescape(response.content.decode())


# -- intake ----------------------------------------------------------------------------------------


def intake_data(d: Dept, **changes: str) -> dict[str, str]:
    """Return the intake form as the handler fills it: an APSP complaint about PC Reeve."""
    data = {
        "kind": "complaint",
        "title": "Messages to a domestic-abuse victim after attending her call",
        "source": "support-organisation",
        "source_record_type": "portal-report",
        "source_record_id": "RPT-0042",
        "came_to_attention": days_ago(2).isoformat(),
        "arose_on": days_ago(40).isoformat(),
        "complainant_view": "She wants it investigated and the officer kept away from her",
        "complainant_wants_recording": "yes",
        "authority": str(d.authority.pk),
        "subjects-TOTAL_FORMS": "1",
        "subjects-INITIAL_FORMS": "0",
        "subjects-MIN_NUM_FORMS": "1",
        "subjects-MAX_NUM_FORMS": "1000",
        "subjects-0-account": d.pc.username,
        "subjects-0-first_name": "Daniel",
        "subjects-0-last_name": "Reeve",
        "subjects-0-rank": "PC",
        "subjects-0-warrant_number": "XF4471",
        "subjects-0-birth_date": "1990-04-02",
        "subjects-0-status": "officer",
        "allegations-TOTAL_FORMS": "1",
        "allegations-INITIAL_FORMS": "0",
        "allegations-MIN_NUM_FORMS": "1",
        "allegations-MAX_NUM_FORMS": "1000",
        "allegations-0-subject": "0",
        "allegations-0-category": APSP,
        "allegations-0-description": "Sent her messages after the job; visited off duty",
    }
    data.update(changes)
    return data


def test_the_intake_handler_takes_a_matter_in_and_sees_it_flagged_for_referral(d: Dept) -> None:
    """The form takes the matter in; the case page then says it must be referred, by when."""
    browser = client(d, d.intake)
    assert browser.get("/cases/new/").status_code == 200
    response = csrf_post(browser, "/cases/new/", intake_data(d))
    assert response.status_code == 302, page(response)[:3000]
    case = Case.objects.exclude(pk=d.org.case.pk).get()
    assert response["Location"] == f"/cases/{case.reference}/"
    assert case.kind == "complaint" and case.source_record_type == "portal-report"
    assert case.referral_mandatory is True and case.referral_due is not None
    subject = subject_of(case)
    assert (subject.user, subject.rank, subject.last_name) == (d.pc, "PC", "Reeve")
    assert list(case.allegations.values_list("category", flat=True)) == [APSP]
    assert events(case, Action.TAKE_IN) == 1
    assert decisions(case, Decision.Step.INTAKE) == 1
    shown = page(browser.get(response["Location"]))
    assert f"must be referred to the oversight body by {case.referral_due:%d %B %Y}" in shown
    # The appropriate authority chosen is on the case, and may take its first step.
    assert client(d, d.authority).get(step_url(case, "recording")).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"allegations-0-category": ""}, "Choose the allegation's category."),
        (
            {"arose_on": days_ago(0).isoformat()},
            "A matter cannot arise after it came to attention.",
        ),
        (
            {"came_to_attention": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
            "A matter cannot come to attention after today.",
        ),
        (
            {"subjects-0-account": ""},
            "Name them by their custodes account or by their force user id.",
        ),
        ({"subjects-0-account": "nobody-here"}, "No custodes account is called 'nobody-here'."),
        ({"title": ""}, "This field is required."),
        ({"allegations-0-subject": "1"}, "Select a valid choice."),
    ],
)
def test_an_intake_error_is_shown_beside_its_field_and_nothing_is_saved(
    d: Dept, changes: dict[str, str], field_error: str
) -> None:
    """Each error is said in words next to its field; no case, subject or event is made."""
    before = TrailEvent.objects.filter(action=Action.TAKE_IN).count()
    response = csrf_post(client(d, d.intake), "/cases/new/", intake_data(d, **changes))
    assert response.status_code == 400
    text = page(response)
    assert field_error in text
    assert "Nothing was saved." in text
    assert Case.objects.exclude(pk=d.org.case.pk).count() == 0
    assert CaseSubject.objects.exclude(case=d.org.case).count() == 0
    assert TrailEvent.objects.filter(action=Action.TAKE_IN).count() == before


def test_intake_refuses_naming_someone_in_ones_own_unit(d: Dept) -> None:
    """A colleague in the PC's unit may not take in a matter about him: said, nothing saved."""
    response = csrf_post(client(d, d.pc_peer), "/cases/new/", intake_data(d, authority=""))
    assert response.status_code == 400
    assert "you cannot open a case about yourself, your chain or your unit" in page(response)
    assert Case.objects.exclude(pk=d.org.case.pk).count() == 0


def test_adding_a_subject_row_keeps_what_was_typed_and_saves_nothing(d: Dept) -> None:
    """'Add another subject' gives a second row, with no errors and no case yet."""
    data = intake_data(d, add_subject="1")
    response = csrf_post(client(d, d.intake), "/cases/new/", data)
    assert response.status_code == 200
    text = page(response)
    assert "Subject 2" in text and 'value="Reeve"' in text
    assert "Nothing was saved" not in text
    assert Case.objects.exclude(pk=d.org.case.pk).count() == 0


def test_a_role_that_takes_nothing_in_is_refused_intake(d: Dept) -> None:
    """A vetting officer may not take a matter in: 403 with the reason, nothing saved."""
    vetting = d.make("vetter", Role.VETTING_OFFICER, "vetting")
    browser = client(d, vetting)
    assert browser.get("/cases/new/").status_code == 403
    response = csrf_post(browser, "/cases/new/", intake_data(d))
    assert response.status_code == 403
    assert "only intake handlers and those who open cases take matters in" in page(response)
    assert Case.objects.exclude(pk=d.org.case.pk).count() == 0


# -- each step succeeds ----------------------------------------------------------------------------


def _report(case: Case) -> str:
    return str(ListReport.objects.get(case=case).pk)


STEPS: list[tuple[str, At, str, Action, Any]] = [
    (
        "recording",
        At.TAKEN_IN,
        "authority",
        Action.RECORDING,
        lambda d, c, s: {"record_it": "yes", "reason": REASON},
    ),
    (
        "referral",
        At.RECORDED,
        "authority",
        Action.REFERRAL,
        lambda d, c, s: {"refer": "yes", "reason": REASON},
    ),
    (
        "severity",
        At.REFERRED,
        "authority",
        Action.SEVERITY,
        lambda d, c, s: {"subject": s.pk, "level": "gross-misconduct", "reason": REASON},
    ),
    (
        "appointment",
        At.ASSESSED,
        "authority",
        Action.APPOINT,
        lambda d, c, s: {"investigator": d.investigator.pk, "reason": REASON},
    ),
    (
        "notice",
        At.APPOINTED,
        "investigator",
        Action.NOTICE,
        lambda d, c, s: {"subject": s.pk, "served_on": days_ago(1).isoformat()},
    ),
    (
        "report",
        At.NOTICED,
        "investigator",
        Action.INVESTIGATION_REPORT,
        lambda d, c, s: {"summary": REASON, "ended_on": days_ago(0).isoformat()},
    ),
    (
        "case-to-answer",
        At.REPORTED,
        "authority",
        Action.CASE_TO_ANSWER,
        lambda d, c, s: {
            "subject": s.pk,
            "answer": "yes",
            "level": "gross-misconduct",
            "reason": REASON,
        },
    ),
    (
        "proceedings",
        At.ANSWERED,
        "authority",
        Action.PROCEEDINGS,
        lambda d, c, s: {
            "subject": s.pk,
            "forum": "hearing",
            "held_on": days_ago(0).isoformat(),
            "reason": REASON,
        },
    ),
    (
        "outcome",
        At.ARRANGED,
        "authority",
        Action.OUTCOME,
        lambda d, c, s: {
            "subject": s.pk,
            "finding": "gross-misconduct",
            "outcome": "dismissal-without-notice",
            "decided_on": days_ago(0).isoformat(),
            "reason": REASON,
        },
    ),
    (
        "appeal",
        At.DECIDED,
        "authority",
        Action.APPEAL,
        lambda d, c, s: {"subject": s.pk, "lodged_on": days_ago(0).isoformat(), "grounds": REASON},
    ),
    (
        "list-report",
        At.DECIDED,
        "authority",
        Action.LIST_REPORT_SENT,
        lambda d, c, s: {"report": _report(c), "sent_on": days_ago(0).isoformat()},
    ),
]


@pytest.mark.parametrize(
    ("step", "at", "taker", "action", "data"), STEPS, ids=[s[0] for s in STEPS]
)
def test_each_step_is_taken_through_its_form(
    d: Dept, step: str, at: At, taker: str, action: Action, data: Any
) -> None:
    """The step's taker sees its page, posts it, and the decision is on the timeline and trail."""
    case, subject = along(d, at)
    browser = client(d, getattr(d, taker))
    about = {"subject": subject.pk} if step not in ("recording", "referral", "report") else {}
    shown = browser.get(step_url(case, step, **about))
    assert shown.status_code == 200, page(shown)[:2000]
    before = decisions(case, step)
    trail = TrailEvent.objects.filter(action=action).count()
    response = csrf_post(browser, step_url(case, step), data(d, case, subject))
    assert response.status_code == 302, page(response)[:4000]
    assert response["Location"] == f"/cases/{case.reference}/"
    assert decisions(case, step) == before + 1
    assert TrailEvent.objects.filter(action=action).count() == trail + 1


# -- every refusal comes back on the form, nothing saved -------------------------------------------


def _barred_investigator(d: Dept) -> dict[str, Any]:
    # A PSD investigator whom PC Reeve line-manages: reg 15(3) bars them.
    under = d.make("inv-under-reeve", Role.PSD_INVESTIGATOR, "psd-9", manager=d.pc)
    return {"investigator": under.pk, "reason": REASON}


REFUSALS: list[tuple[str, str, At, str, Any, str]] = [
    (
        "referral without a reason",
        "referral",
        At.RECORDED,
        "authority",
        lambda d, c, s: {"refer": "no", "reason": "no"},
        "Give the reason for the referral decision in at least 10 characters",
    ),
    (
        "referral made twice",
        "referral",
        At.REFERRED,
        "authority",
        lambda d, c, s: {"refer": "yes", "reason": REASON},
        "the matter has been referred already.",
    ),
    (
        "severity revised without consultation",
        "severity",
        At.ASSESSED,
        "authority",
        lambda d, c, s: {"subject": s.pk, "level": "misconduct", "reason": REASON},
        "a severity assessment is revised only after consultation.",
    ),
    (
        "an investigator reg 15(3) bars",
        "appointment",
        At.ASSESSED,
        "authority",
        lambda d, c, s: _barred_investigator(d),
        "inv-under-reeve may not investigate this matter: they work under the management of "
        "Daniel Reeve, a subject (Police (Conduct) Regulations 2020, reg 15(3))",
    ),
    (
        "a notice served twice",
        "notice",
        At.NOTICED,
        "investigator",
        lambda d, c, s: {"subject": s.pk, "served_on": days_ago(0).isoformat()},
        "the notice of investigation has been served already.",
    ),
    (
        "a report before the notice",
        "report",
        At.APPOINTED,
        "investigator",
        lambda d, c, s: {"summary": REASON, "ended_on": days_ago(0).isoformat()},
        "serve the notice of investigation first (Daniel Reeve).",
    ),
    (
        "an accelerated hearing without its conditions",
        "proceedings",
        At.NOTICED,
        "authority",
        lambda d, c, s: {
            "subject": s.pk,
            "forum": "accelerated-hearing",
            "held_on": days_ago(0).isoformat(),
            "reason": REASON,
        },
        "an accelerated hearing needs its special conditions; missing:",
    ),
    (
        "an outcome the forum cannot give",
        "outcome",
        At.ARRANGED,
        "authority",
        lambda d, c, s: {
            "subject": s.pk,
            "finding": "gross-misconduct",
            "outcome": "rprp",
            "decided_on": days_ago(0).isoformat(),
            "reason": REASON,
        },
        "Reflective practice review process cannot be given here",
    ),
    (
        "closing with steps open",
        "closure",
        At.APPOINTED,
        "authority",
        lambda d, c, s: {"reason": REASON},
        "the case cannot close while the law requires:",
    ),
]


@pytest.mark.parametrize(
    ("name", "step", "at", "taker", "data", "said"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_a_refused_step_is_shown_on_its_form_and_saves_nothing(
    d: Dept, name: str, step: str, at: At, taker: str, data: Any, said: str
) -> None:
    """The action's refusal (or the form's) is on the page, 400; the timeline is unchanged."""
    case, subject = along(d, at)
    before = Decision.objects.filter(case=case).count()
    response = csrf_post(client(d, getattr(d, taker)), step_url(case, step), data(d, case, subject))
    assert response.status_code == 400
    assert said in page(response)
    assert Decision.objects.filter(case=case).count() == before
    subject.refresh_from_db()
    case.refresh_from_db()
    assert case.closed_at is None


def test_not_referring_a_mandatory_referral_says_the_reason_is_kept_and_counted(d: Dept) -> None:
    """The referral page names the criteria, their sources and the due day; not referring is
    allowed with a reason, kept and counted as a departure."""
    case, _ = along(d, At.RECORDED)
    browser = client(d, d.authority)
    text = page(browser.get(step_url(case, "referral")))
    assert "must be referred" in text and f"{case.referral_due:%-d %B %Y}" in text
    assert "Abuse of position for a sexual purpose" in text or "sexual purpose" in text
    assert "kept on the timeline and counted" in text
    response = csrf_post(browser, step_url(case, "referral"), {"refer": "no", "reason": REASON})
    assert response.status_code == 302
    decision = Decision.objects.get(case=case, step="referral")
    assert decision.departs and decision.reason == REASON


def test_the_outcome_page_offers_only_the_outcomes_open(d: Dept) -> None:
    """For gross misconduct at a hearing, dismissal is offered; reflective practice is not."""
    case, subject = along(d, At.ARRANGED)
    text = page(client(d, d.authority).get(step_url(case, "outcome", subject=subject.pk)))
    assert 'value="dismissal-without-notice"' in text
    assert 'name="outcome" value="rprp"' not in text
    assert "Not open:" in text


def test_the_appointment_page_shows_who_reg_15_3_bars(d: Dept) -> None:
    """Choosing a barred candidate shows why, as the refusal the action would make."""
    case, _ = along(d, At.ASSESSED)
    under = d.make("inv-under-reeve", Role.PSD_INVESTIGATOR, "psd-9", manager=d.pc)
    text = page(client(d, d.authority).get(step_url(case, "appointment", candidate=under.pk)))
    assert "may not investigate this matter" in text
    assert "they work under the management of Daniel Reeve, a subject" in text


def test_the_timeliness_account_is_drafted_for_the_investigator(d: Dept) -> None:
    """A year into the investigation the page holds custodes' draft, and giving it records it."""
    case, _ = along(d, At.NOTICED, came=400)
    browser = client(d, d.investigator)
    text = page(browser.get(step_url(case, "timeliness")))
    assert "Custodes drafted it" in text
    assert "Served the notice of investigation on Daniel Reeve" in text  # the draft's progress
    response = csrf_post(
        browser,
        step_url(case, "timeliness"),
        {
            "due_on": path.draft_timeliness_account(case).due_on.isoformat(),
            "progress": "Interviews done; phone data analysed",
            "expected_end": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
            "delay_reasons": "Phone data took four months to come back",
            "next_steps": "Report to the appropriate authority",
        },
    )
    assert response.status_code == 302, page(response)[:3000]
    assert decisions(case, "timeliness") == 1


# -- who may not -----------------------------------------------------------------------------------


def test_the_wrong_role_is_refused_with_the_reason(d: Dept) -> None:
    """The investigator may not refer; the authority may not serve the notice: 403, said why."""
    case, subject = along(d, At.APPOINTED)
    refused = csrf_post(client(d, d.investigator), step_url(case, "closure"), {"reason": REASON})
    assert refused.status_code == 403
    assert "only the appropriate authority may do this (closed the case)" in page(refused)
    notice = client(d, d.authority).get(step_url(case, "notice", subject=subject.pk))
    assert notice.status_code == 403
    assert "only the psd investigator may do this" in page(notice)
    assert Decision.objects.filter(case=case, step__in=["closure", "notice"]).count() == 0


@pytest.mark.parametrize("who", ["pc", "sergeant", "pc_peer", "outsider"])
def test_the_subject_their_manager_a_unit_colleague_and_an_outsider_get_404(
    d: Dept, who: str
) -> None:
    """Those need-to-know keeps from the case cannot see its step pages, nor post them."""
    case, _ = along(d, At.TAKEN_IN)
    browser = client(d, getattr(d, who))
    assert browser.get(step_url(case, "recording")).status_code == 404
    response = csrf_post(
        browser, step_url(case, "recording"), {"record_it": "no", "reason": REASON}
    )
    assert response.status_code == 404
    assert decisions(case, "recording") == 0


def test_the_oversight_body_reads_a_referred_case_but_writes_nothing(d: Dept) -> None:
    """The reviewer sees the referred case and is refused each step, saying why."""
    case, subject = along(d, At.REFERRED)
    browser = client(d, d.reviewer)
    assert browser.get(f"/cases/{case.reference}/").status_code == 200
    response = csrf_post(
        browser,
        step_url(case, "severity"),
        {"subject": str(subject.pk), "level": "misconduct", "reason": REASON},
    )
    assert response.status_code == 403
    assert decisions(case, "severity") == 0


def test_a_post_without_the_csrf_token_is_refused(d: Dept) -> None:
    """A forged cross-site POST takes no step."""
    case, _ = along(d, At.TAKEN_IN)
    response = client(d, d.authority).post(
        step_url(case, "recording"), {"record_it": "yes", "reason": REASON}
    )
    assert response.status_code == 403
    assert decisions(case, "recording") == 0
    cases = Case.objects.count()
    refused = client(d, d.intake).post("/cases/new/", intake_data(d))
    assert refused.status_code == 403
    assert Case.objects.count() == cases


def test_a_step_that_does_not_exist_is_404_and_a_missing_case_too(d: Dept) -> None:
    """Unknown steps and cases are not found."""
    case, _ = along(d, At.TAKEN_IN)
    browser = client(d, d.authority)
    assert browser.get(step_url(case, "no-such-step")).status_code == 404
    assert browser.get("/cases/PSD-1999-0000/steps/recording/").status_code == 404
