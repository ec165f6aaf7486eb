"""A matter's path, step by step, as audited actions.

Each step is `@transaction.atomic`, locks its case, is refused (PermissionDenied, saying why)
to anyone whose role does not take it or who may not work on the case (`access.require_step`),
asks the case's rules what they require and keeps it beside the decision on the timeline, and
records one trail event. Where the law asks for a decision, a reason of some words is required;
a decision that goes against what the rules required (a mandatory referral not made) is kept,
with its reason, and counted (`timeline.departures`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from custodes.web.accounts.models import User
from custodes.web.cases import rules
from custodes.web.cases.access import (
    INVESTIGATOR_ROLES,
    decide,
    investigator_exclusions,
    require_step,
    show_subject,
)
from custodes.web.cases.actions import add_member
from custodes.web.cases.lists import report_event, require_name, standing_reports, withdraw
from custodes.web.cases.matter import assess_referral
from custodes.web.cases.models import (
    Case,
    CaseAccess,
    CaseSubject,
    Decision,
    ListReport,
    Requirement,
)
from custodes.web.cases.timeline import (
    add_decision,
    lock,
    meet,
    need_reason,
    open_requirement,
    open_steps,
    step_day,
    step_time,
    timeliness_due,
)
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "RprpAction",
    "TimelinessDraft",
    "appoint_investigator",
    "arrange_proceedings",
    "assess_severity",
    "close_case",
    "decide_appeal",
    "decide_case_to_answer",
    "decide_recording",
    "decide_referral",
    "draft_timeliness_account",
    "give_timeliness_account",
    "lodge_appeal",
    "record_leaving",
    "record_outcome",
    "review_rprp",
    "send_list_report",
    "serve_notice",
    "start_rprp",
    "submit_report",
]

_S = Decision.Step
# Outcomes that end a serving officer's service, and the finding that a former officer would
# have been: each an event the list rules turn on.
DISMISSALS = frozenset({"dismissal-with-notice", "dismissal-without-notice"})
WOULD_HAVE_BEEN_DISMISSED = "would-have-been-dismissed"


def _today() -> dt.date:
    return step_day()  # today, or the day a historical step is entered as of


def _not_after_today(day: dt.date, what: str) -> None:
    if day > _today():
        raise ValidationError(f"{what} cannot be after today")


def _event(actor: User, action: Action, case: Case, decision: Decision, **changes: Any) -> None:
    """Record the step's one trail event: about the case, naming the timeline's row."""
    record(
        actor.pk,
        action,
        Subject.CASE,
        case.pk,
        reason=decision.reason,
        changes={"decision": str(decision.pk), **changes},
    )


def _subject(case: Case, subject: CaseSubject) -> CaseSubject:
    """Return the subject again, locked, and refuse one of another case."""
    found = CaseSubject.objects.select_for_update().filter(pk=subject.pk, case=case).first()
    if found is None:
        raise ValidationError("that is not a subject of this case")
    return found


def _name(subject: CaseSubject) -> str:
    return show_subject(subject).name


# -- recording and referral ---------------------------------------------------------------------


@transaction.atomic
def decide_recording(
    actor: User,
    case: Case,
    *,
    record_it: bool,
    reason: str,
    complainant_view: str | None = None,
    complainant_wants_recording: bool | None = None,
    schedule_3: bool | None = None,
    kind: str | None = None,
) -> Decision:
    """Decide whether to record the matter (and handle it under Schedule 3), with the
    complainant's view; custodes says what the rules require, and a decision against them is
    kept with its reason and counted.

    `kind` says what the matter is, where the decision changes it (intelligence found to be a
    conduct matter, a conduct matter found to be recordable).
    """
    case = lock(case)
    require_step(actor, case, _S.RECORDING)
    reason = need_reason(reason, "a recording decision")
    if kind is not None:
        if kind not in rules.vocabulary(case, "kinds"):
            raise ValidationError(f"{kind!r} is not a kind of matter under {case.profile}")
        case.kind = kind
    if case.kind == Case.Kind.INTELLIGENCE:
        raise ValidationError(
            "intelligence is not yet a matter to record: say what kind of matter it is"
        )
    if complainant_view is not None:
        case.complainant_view = complainant_view.strip()
    if complainant_wants_recording is not None:
        case.complainant_wants_recording = complainant_wants_recording
    if case.kind == Case.Kind.COMPLAINT and not case.complainant_view:
        raise ValidationError(
            "contact the complainant first: their view of how it should be handled is recorded "
            "with the decision"
        )
    found, said = rules.recording(case, rules.facts(case))
    sch3 = found.schedule_3 if schedule_3 is None else schedule_3
    departs = (found.must_record and not record_it) or (record_it and found.schedule_3 and not sch3)
    case.recorded = record_it
    case.schedule_3 = sch3 if record_it else False
    case.save(
        update_fields=[
            "kind",
            "complainant_view",
            "complainant_wants_recording",
            "recorded",
            "schedule_3",
        ]
    )
    words = "Recorded" if record_it else "Not recorded"
    if record_it:
        words += ", under Schedule 3" if case.schedule_3 else ", outside Schedule 3"
    decision = add_decision(
        actor,
        case,
        _S.RECORDING,
        words,
        details={
            "recorded": record_it,
            "schedule_3": case.schedule_3,
            "kind": case.kind,
            "complainant_view": case.complainant_view,
            "complainant_wants_recording": case.complainant_wants_recording,
        },
        reason=reason,
        said=said,
        departs=departs,
    )
    meet(case, Requirement.Kind.RECORDING, decision)
    # The kind may have changed: a recordable conduct matter may now have to be referred.
    assess_referral(case, _today())
    _event(actor, Action.RECORDING, case, decision, recorded=record_it, departs=departs)
    return decision


@transaction.atomic
def decide_referral(actor: User, case: Case, *, refer: bool, reason: str) -> Decision:
    """Decide whether to refer the matter to the oversight body.

    Custodes says which criteria are met and by when a referral is due. Not referring a matter
    the rules say must be referred is allowed only with a reason, which is kept and counted;
    referring any other matter is a voluntary referral, also with a reason. A referral is
    decided once; once referred, the oversight body reads the matter.
    """
    case = lock(case)
    require_step(actor, case, _S.REFERRAL)
    reason = need_reason(reason, "a referral decision")
    if case.referred_at is not None:
        raise ValidationError("the matter has been referred already")
    if case.kind == Case.Kind.INTELLIGENCE:
        raise ValidationError("intelligence is not yet a matter to refer: record it first")
    opened = case.requirements.filter(kind=Requirement.Kind.REFERRAL).order_by("opened_at").first()
    became_clear = case.came_to_attention
    if opened is not None and opened.rules.get("became_clear"):
        became_clear = dt.date.fromisoformat(opened.rules["became_clear"])
    found, said = rules.referral(case, rules.facts(case), became_clear)
    today = _today()
    late = bool(refer and found.due is not None and today > found.due)
    departs = found.required and not refer
    if refer and not found.required and found.voluntary is None:
        raise ValidationError(f"{case.profile} has no referral open to a matter like this")
    if refer:
        case.referred_at = step_time()
    case.referral_mandatory = found.mandatory
    case.referral_due = found.due
    case.save(update_fields=["referred_at", "referral_mandatory", "referral_due"])
    if refer:
        words = "Referred" + (" (voluntary)" if not found.required else "")
        words += f", {(today - found.due).days} day(s) late" if late and found.due else ""
    else:
        words = "Not referred" + (", though the rules say it must be" if departs else "")
    decision = add_decision(
        actor,
        case,
        _S.REFERRAL,
        words,
        details={
            "referred": refer,
            "voluntary": refer and not found.required,
            "late": late,
            "due_on": found.due.isoformat() if found.due else None,
        },
        reason=reason,
        said=said,
        departs=departs,
    )
    meet(case, Requirement.Kind.REFERRAL, decision)
    _event(actor, Action.REFERRAL, case, decision, referred=refer, departs=departs, late=late)
    return decision


# -- investigation ----------------------------------------------------------------------------


@transaction.atomic
def assess_severity(
    actor: User,
    subject: CaseSubject,
    *,
    level: str,
    reason: str,
    final_written_warning_in_force: bool = False,
    consulted: bool = False,
    officer_notified: bool = False,
    harm_test: bool = False,
) -> Decision:
    """Assess (or revise) the severity of the conduct of one subject.

    A revision needs consultation first, and notice to the officer unless the harm test
    applies; each assessment is a row of the timeline, the revisions beside the first.
    """
    case = lock(subject.case)
    require_step(actor, case, _S.SEVERITY)
    subject = _subject(case, subject)
    reason = need_reason(reason, "a severity assessment")
    revision = bool(subject.severity)
    if revision and not consulted:
        raise ValidationError("a severity assessment is revised only after consultation")
    if revision and not (officer_notified or harm_test):
        raise ValidationError(
            "a revised severity assessment is notified to the officer, unless the harm test applies"
        )
    said = rules.severity(
        case, level, final_written_warning_in_force=final_written_warning_in_force
    )
    before = subject.severity
    subject.severity = level
    subject.likely_proceedings = ",".join(said.details["proceedings"])
    subject.save(update_fields=["severity", "likely_proceedings"])
    label = rules.profile(case.profile).label("levels", level)
    decision = add_decision(
        actor,
        case,
        _S.SEVERITY,
        f"{'Revised' if revision else 'Assessed'} severity of {_name(subject)}: {label}",
        subject=subject,
        details={
            "level": level,
            "before": before or None,
            "revision": revision,
            "consulted": consulted,
            "officer_notified": officer_notified,
            "harm_test": harm_test,
            "likely_proceedings": said.details["proceedings"],
        },
        reason=reason,
        said=said,
    )
    _event(actor, Action.SEVERITY, case, decision, subject=str(subject.pk), level=level)
    return decision


@transaction.atomic
def appoint_investigator(actor: User, case: Case, investigator: User, reason: str) -> Decision:
    """Appoint the investigator, refused with the reason when reg 15(3) excludes them.

    A subject, anyone under a subject's management (custodes' chart or any imported force's),
    an interested party, and anyone of the same force as a senior officer under investigation
    may not investigate; nor may anyone need-to-know keeps the case from. The investigator
    joins the case's team, and a notice of investigation is owed to each subject.
    """
    case = lock(case)
    require_step(actor, case, _S.APPOINTMENT)
    reason = need_reason(reason, "an appointment")
    if not investigator.is_active or investigator.role not in INVESTIGATOR_ROLES:
        raise ValidationError("only an active PSD investigator may be appointed to investigate")
    excluded = investigator_exclusions(case, investigator)
    if excluded:
        raise PermissionDenied(
            f"{investigator.username} may not investigate this matter: " + "; ".join(excluded)
        )
    if case.investigator_id == investigator.pk:
        raise ValidationError(f"{investigator.username} is already the investigator")
    if not CaseAccess.objects.filter(
        case=case, user=investigator, kind=CaseAccess.Kind.MEMBER
    ).exists():
        add_member(actor, case, investigator)
    sight = decide(investigator, case)
    if not sight.allowed:
        raise PermissionDenied(
            f"need-to-know keeps this case from {investigator.username} ({sight.why}): "
            "a counter-corruption lead must grant them access first"
        )
    before = case.investigator_id
    case.investigator = investigator
    if case.stage == Case.Stage.ASSESSMENT:
        case.stage = Case.Stage.INVESTIGATION
    case.save(update_fields=["investigator", "stage"])
    decision = add_decision(
        actor,
        case,
        _S.APPOINTMENT,
        f"Appointed {investigator.get_full_name() or investigator.username} to investigate",
        details={"investigator": investigator.pk, "replaces": before},
        reason=reason,
    )
    for subject in case.subjects.filter(notice_served_on__isnull=True):
        open_requirement(case, Requirement.Kind.NOTICE, subject=subject)
    _event(actor, Action.APPOINT, case, decision, investigator=investigator.pk)
    return decision


@transaction.atomic
def serve_notice(
    actor: User, subject: CaseSubject, served_on: dt.date, reason: str = ""
) -> Decision:
    """Record the written notice of investigation served on a subject (the investigator)."""
    case = lock(subject.case)
    require_step(actor, case, _S.NOTICE)
    subject = _subject(case, subject)
    _not_after_today(served_on, "a notice")
    if subject.notice_served_on is not None:
        raise ValidationError("the notice of investigation has been served already")
    subject.notice_served_on = served_on
    subject.save(update_fields=["notice_served_on"])
    decision = add_decision(
        actor,
        case,
        _S.NOTICE,
        f"Served the notice of investigation on {_name(subject)}",
        subject=subject,
        details={"served_on": served_on.isoformat()},
        reason=reason.strip(),
    )
    meet(case, Requirement.Kind.NOTICE, decision, subject=subject)
    _event(actor, Action.NOTICE, case, decision, subject=str(subject.pk))
    return decision


@dataclass(frozen=True)
class TimelinessDraft:
    """A timeliness account as custodes drafts it, for the investigator to complete and give."""

    due_on: dt.date
    period_start: dt.date
    period_end: dt.date
    recipients: tuple[str, ...]
    dates: dict[str, str]
    progress: list[str]
    expected_end: dt.date | None
    delay_reasons: str
    next_steps: list[str]
    source: str


def draft_timeliness_account(case: Case, due_on: dt.date | None = None) -> TimelinessDraft:
    """Draft the timeliness account due on `due_on` (the earliest not given, by default):
    the case's dates, its progress from the timeline, and the next steps still open."""
    owed = {a.due: a for a in rules.timeliness_accounts(case, _today())}
    missing = timeliness_due(case, _today())
    if due_on is None:
        if not missing:
            raise ValidationError("no timeliness account is due on this case")
        due_on = missing[0]
    account = owed.get(due_on)
    if account is None:
        raise ValidationError(f"no timeliness account falls due on {due_on}")
    dates = {"came to attention": case.came_to_attention.isoformat()}
    if case.arose_on:
        dates["arose"] = case.arose_on.isoformat()
    progress = []
    for decision in case.decisions.order_by("decided_at"):
        if decision.step == _S.APPOINTMENT and "investigation began" not in dates:
            dates["investigation began"] = decision.decided_at.date().isoformat()
        if decision.step == _S.REFERRAL and decision.details.get("referred"):
            dates["referred"] = decision.decided_at.date().isoformat()
        progress.append(f"{decision.decided_at.date().isoformat()}: {decision.summary}")
    next_steps = [
        f"{d.what}" + (f" (due {d.due_on})" if d.due_on else "") for d in open_steps(case)
    ]
    return TimelinessDraft(
        due_on=due_on,
        period_start=account.period_start,
        period_end=account.period_end,
        recipients=account.recipients,
        dates=dates,
        progress=progress,
        expected_end=None,
        delay_reasons="",
        next_steps=[s for s in next_steps if not s.startswith("Give the timeliness account")],
        source=account.rule.citation,
    )


@transaction.atomic
def give_timeliness_account(
    actor: User,
    case: Case,
    due_on: dt.date,
    *,
    progress: str,
    expected_end: dt.date,
    delay_reasons: str,
    next_steps: str,
) -> Decision:
    """Record the timeliness account given for the period ending before `due_on` (the
    investigator), as it went to its recipients."""
    case = lock(case)
    require_step(actor, case, _S.TIMELINESS)
    draft = draft_timeliness_account(case, due_on)
    if due_on not in timeliness_due(case, _today()):
        raise ValidationError(f"the account due on {due_on} has been given already")
    texts = {"progress": progress, "reasons for delay": delay_reasons, "next steps": next_steps}
    for name, text in texts.items():
        if not text.strip():
            raise ValidationError(f"a timeliness account says its {name}")
    if expected_end < _today():
        raise ValidationError("the expected end of the investigation cannot be in the past")
    said = rules.Said(
        rules.profile(case.profile),
        "timeliness",
        True,
        (),
        due_on=due_on,
        details={"source": draft.source, "recipients": list(draft.recipients)},
    )
    decision = add_decision(
        actor,
        case,
        _S.TIMELINESS,
        f"Gave the timeliness account due on {due_on.isoformat()}",
        details={
            "due_on": due_on.isoformat(),
            "period": [draft.period_start.isoformat(), draft.period_end.isoformat()],
            "dates": draft.dates,
            "progress": progress.strip(),
            "expected_end": expected_end.isoformat(),
            "delay_reasons": delay_reasons.strip(),
            "next_steps": next_steps.strip(),
            "recipients": list(draft.recipients),
        },
        said=said,
    )
    _event(actor, Action.TIMELINESS, case, decision, due_on=due_on.isoformat())
    return decision


@transaction.atomic
def submit_report(actor: User, case: Case, summary: str, ended_on: dt.date) -> Decision:
    """Submit the investigation report (the investigator): the investigation ends, and the
    appropriate authority decides whether there is a case to answer."""
    case = lock(case)
    require_step(actor, case, _S.REPORT)
    summary = need_reason(summary, "an investigation report")
    _not_after_today(ended_on, "the end of the investigation")
    if case.investigation_ended_on is not None:
        raise ValidationError("the investigation report has been submitted already")
    waiting = case.requirements.filter(
        kind=Requirement.Kind.NOTICE, status=Requirement.Status.OPEN
    ).select_related("subject")
    if waiting:
        names = ", ".join(_name(r.subject) for r in waiting if r.subject is not None)
        raise ValidationError(f"serve the notice of investigation first ({names})")
    owed = timeliness_due(case, ended_on)
    if owed:
        raise ValidationError(f"give the timeliness account due on {owed[0].isoformat()} first")
    case.investigation_ended_on = ended_on
    case.stage = Case.Stage.DECISION
    case.save(update_fields=["investigation_ended_on", "stage"])
    decision = add_decision(
        actor,
        case,
        _S.REPORT,
        "Submitted the investigation report",
        details={"ended_on": ended_on.isoformat()},
        reason=summary,
    )
    _event(actor, Action.INVESTIGATION_REPORT, case, decision)
    return decision


# -- case to answer, proceedings and outcomes ----------------------------------------------------


def _end_proceedings(
    actor: User, case: Case, subject: CaseSubject, on: dt.date, event: str, decision: Decision
) -> list[ListReport]:
    """Mark a subject's proceedings ended; a standing advisory entry is removed as the rules
    say (a former officer not found to be one who would have been dismissed)."""
    subject.proceedings_ended_on = on
    subject.save(update_fields=["proceedings_ended_on"])
    if not standing_reports(subject, "advisory"):
        return []
    return report_event(actor, case, subject, event, on, decision=decision, reason=decision.reason)


@transaction.atomic
def decide_case_to_answer(
    actor: User,
    subject: CaseSubject,
    *,
    answer: bool,
    reason: str,
    level: str | None = None,
) -> Decision:
    """Decide whether a subject has a case to answer, on the investigation report.

    With a case to answer, `level` is the finding it is for (misconduct or gross misconduct);
    with none, proceedings end (and a former officer's advisory entry is removed), or `level`
    practice requiring improvement leads to reflective practice.
    """
    case = lock(subject.case)
    require_step(actor, case, _S.CASE_TO_ANSWER)
    subject = _subject(case, subject)
    reason = need_reason(reason, "a case-to-answer decision")
    if case.investigation_ended_on is None:
        raise ValidationError("the investigation report is not in yet")
    if subject.case_to_answer is not None:
        raise ValidationError("whether there is a case to answer has been decided already")
    if level is not None and level not in rules.vocabulary(case, "levels"):
        raise ValidationError(f"{level!r} is not a level of conduct under {case.profile}")
    if answer and not level:
        raise ValidationError("say whether the case to answer is of misconduct or gross misconduct")
    subject.case_to_answer = answer
    subject.save(update_fields=["case_to_answer"])
    words = "Case to answer" if answer else "No case to answer"
    if level:
        words += f" ({rules.profile(case.profile).label('levels', level).lower()})"
    decision = add_decision(
        actor,
        case,
        _S.CASE_TO_ANSWER,
        f"{words}: {_name(subject)}",
        subject=subject,
        details={"case_to_answer": answer, "level": level},
        reason=reason,
    )
    if answer:
        case.stage = Case.Stage.PROCEEDINGS
        case.save(update_fields=["stage"])
    elif level != "practice-requiring-improvement":
        _end_proceedings(actor, case, subject, _today(), "no-proceedings-decided", decision)
    _event(actor, Action.CASE_TO_ANSWER, case, decision, subject=str(subject.pk), answer=answer)
    return decision


@transaction.atomic
def arrange_proceedings(
    actor: User,
    subject: CaseSubject,
    *,
    forum: str,
    held_on: dt.date,
    reason: str,
    sufficient_written_evidence: bool = False,
    public_interest_to_leave_at_once: bool = False,
) -> Decision:
    """Arrange a misconduct meeting, hearing or accelerated hearing for a subject.

    A meeting or hearing follows a case to answer; an accelerated hearing needs the special
    conditions (the rules say which are missing), and may come before the investigation ends.
    """
    case = lock(subject.case)
    require_step(actor, case, _S.PROCEEDINGS)
    subject = _subject(case, subject)
    reason = need_reason(reason, "arranging proceedings")
    forums = rules.vocabulary(case, "forums")
    if forum not in forums or forum == "none":
        raise ValidationError(f"{forum!r} is not a form of proceedings under {case.profile}")
    if subject.proceedings_ended_on is not None:
        raise ValidationError("proceedings for this subject have ended")
    said: rules.Said | None = None
    if forum == "accelerated-hearing":
        said = rules.accelerated_hearing(
            case,
            sufficient_written_evidence=sufficient_written_evidence,
            public_interest_to_leave_at_once=public_interest_to_leave_at_once,
        )
        if not said.required:
            missing = ", ".join(m.replace("-", " ") for m in said.details["missing"])
            raise ValidationError(
                f"an accelerated hearing needs its special conditions; missing: {missing}"
            )
    elif subject.case_to_answer is not True:
        raise ValidationError("proceedings follow a decision that there is a case to answer")
    panel = rules.hearing_panel(case, held_on) if "hearing" in forum else {}
    subject.forum = forum
    subject.save(update_fields=["forum"])
    case.stage = Case.Stage.PROCEEDINGS
    case.save(update_fields=["stage"])
    decision = add_decision(
        actor,
        case,
        _S.PROCEEDINGS,
        f"{forums[forum]} for {_name(subject)} on {held_on.isoformat()}",
        subject=subject,
        details={
            "forum": forum,
            "held_on": held_on.isoformat(),
            "sufficient_written_evidence": sufficient_written_evidence,
            "public_interest_to_leave_at_once": public_interest_to_leave_at_once,
            **panel,
        },
        reason=reason,
        said=said,
    )
    open_requirement(case, Requirement.Kind.OUTCOME, subject=subject, due_on=held_on)
    _event(actor, Action.PROCEEDINGS, case, decision, subject=str(subject.pk), forum=forum)
    return decision


@transaction.atomic
def record_outcome(
    actor: User,
    subject: CaseSubject,
    *,
    finding: str,
    outcome: str,
    reason: str,
    decided_on: dt.date | None = None,
    forum: str | None = None,
    final_written_warning_in_force: bool = False,
    several_unconnected: bool = False,
    exceptional_circumstances: bool = False,
) -> Decision:
    """Record the finding and outcome of a subject's proceedings, refusing an outcome the forum
    cannot give (the rules say which are open, and why the others are not).

    A dismissal, or a finding that a former officer would have been dismissed, produces the
    barred list report; proceedings that end any other way for a former officer with a
    standing advisory entry produce the report that removes it. `forum` is "none" for
    reflective practice without proceedings; otherwise the proceedings arranged.

    `finding` "" records that nothing was proved, and `outcome` "" that no outcome is given:
    the latter only where the rules open none (a former officer found to have committed
    misconduct for which they would not have been dismissed).
    """
    case = lock(subject.case)
    require_step(actor, case, _S.OUTCOME)
    subject = _subject(case, subject)
    reason = need_reason(reason, "an outcome")
    on = decided_on or _today()
    _not_after_today(on, "an outcome")
    if subject.outcome_on is not None:
        raise ValidationError("the outcome has been recorded already; an appeal may change it")
    forum = forum or subject.forum
    if not forum:
        raise ValidationError("arrange the proceedings first")
    if subject.forum and forum != subject.forum:
        raise ValidationError(f"the proceedings arranged were a {subject.forum}, not a {forum}")
    if not subject.forum and subject.case_to_answer is None:
        raise ValidationError("decide whether there is a case to answer first")
    said: rules.Said | None = None
    title = "nothing proved"
    condition = None
    if finding:
        found, said = rules.outcomes(
            case,
            subject,
            forum,
            finding,
            final_written_warning_in_force=final_written_warning_in_force,
            several_unconnected=several_unconnected,
            exceptional_circumstances=exceptional_circumstances,
        )
        opened = ", ".join(found.open) or "none"
        if not outcome:
            if found.open:
                raise ValidationError(f"give one of the outcomes open: {opened}")
            title = f"{rules.profile(case.profile).label('findings', finding)}, no outcome open"
        else:
            option = (
                found.option(outcome) if outcome in rules.vocabulary(case, "outcomes") else None
            )
            if option is None:
                raise ValidationError(f"{outcome!r} is not an outcome under {case.profile}")
            if not option.open:
                raise ValidationError(
                    f"{option.title} cannot be given here: {option.why_not}. Open: {opened}"
                )
            title, condition = option.title, option.condition
    elif outcome:
        raise ValidationError("an outcome follows a finding; nothing was proved")
    event = None
    if outcome in DISMISSALS:
        event = "dismissed"
    elif outcome == WOULD_HAVE_BEEN_DISMISSED:
        event = WOULD_HAVE_BEEN_DISMISSED
    if event is not None:
        require_name(subject, title)
    subject.finding, subject.outcome, subject.outcome_on = finding, outcome, on
    subject.forum = forum
    fields = ["finding", "outcome", "outcome_on", "forum"]
    if outcome in DISMISSALS:
        subject.left_on, subject.left_how = on, CaseSubject.Left.DISMISSED
        fields += ["left_on", "left_how"]
    subject.save(update_fields=fields)
    case.stage = Case.Stage.OUTCOME
    case.save(update_fields=["stage"])
    decision = add_decision(
        actor,
        case,
        _S.OUTCOME,
        f"{_name(subject)}: {title}",
        subject=subject,
        details={
            "forum": forum,
            "finding": finding,
            "outcome": outcome,
            "decided_on": on.isoformat(),
            "condition": condition,
            "final_written_warning_in_force": final_written_warning_in_force,
            "several_unconnected": several_unconnected,
            "exceptional_circumstances": exceptional_circumstances,
        },
        reason=reason,
        said=said,
    )
    meet(case, Requirement.Kind.OUTCOME, decision, subject=subject)
    if event is not None:
        subject.proceedings_ended_on = on
        subject.save(update_fields=["proceedings_ended_on"])
        report_event(actor, case, subject, event, on, decision=decision, reason=reason)
    else:
        _end_proceedings(
            actor, case, subject, on, "proceedings-ended-without-dismissal-finding", decision
        )
    _event(actor, Action.OUTCOME, case, decision, subject=str(subject.pk), outcome=outcome)
    return decision


@dataclass(frozen=True)
class RprpAction:
    """One action of a reflective review development report, and its deadline."""

    action: str
    deadline: dt.date


@transaction.atomic
def start_rprp(
    actor: User,
    subject: CaseSubject,
    *,
    actions: Sequence[RprpAction],
    review_on: dt.date,
    reason: str,
) -> Decision:
    """Begin the reflective practice review process for a subject whose outcome is RPRP:
    its development report's actions and deadlines, and the day it is reviewed."""
    case = lock(subject.case)
    require_step(actor, case, _S.RPRP)
    subject = _subject(case, subject)
    reason = need_reason(reason, "reflective practice")
    if subject.outcome != "rprp":
        raise ValidationError("reflective practice follows an outcome of reflective practice")
    if case.decisions.filter(step=_S.RPRP, subject=subject).exists():
        raise ValidationError("reflective practice has begun already")
    if not actions:
        raise ValidationError("a reflective review development report has at least one action")
    today = _today()
    for item in actions:
        if not item.action.strip():
            raise ValidationError("each action says what is to be done")
        if item.deadline < today:
            raise ValidationError("an action's deadline cannot be in the past")
    if review_on < max(item.deadline for item in actions):
        raise ValidationError("the review comes after the actions' deadlines")
    decision = add_decision(
        actor,
        case,
        _S.RPRP,
        f"Reflective practice for {_name(subject)}: {len(actions)} action(s), "
        f"review on {review_on.isoformat()}",
        subject=subject,
        details={
            "actions": [
                {"action": a.action.strip(), "deadline": a.deadline.isoformat()} for a in actions
            ],
            "review_on": review_on.isoformat(),
        },
        reason=reason,
    )
    open_requirement(case, Requirement.Kind.RPRP_REVIEW, subject=subject, due_on=review_on)
    _event(actor, Action.RPRP, case, decision, subject=str(subject.pk))
    return decision


@transaction.atomic
def review_rprp(actor: User, subject: CaseSubject, *, completed: bool, reason: str) -> Decision:
    """Record the review of a subject's reflective practice: its actions done or not."""
    case = lock(subject.case)
    require_step(actor, case, _S.RPRP_REVIEW)
    subject = _subject(case, subject)
    reason = need_reason(reason, "a reflective practice review")
    if not case.requirements.filter(
        kind=Requirement.Kind.RPRP_REVIEW, subject=subject, status=Requirement.Status.OPEN
    ).exists():
        raise ValidationError("no reflective practice review is open for this subject")
    decision = add_decision(
        actor,
        case,
        _S.RPRP_REVIEW,
        f"Reviewed reflective practice of {_name(subject)}: "
        + ("actions completed" if completed else "actions not completed"),
        subject=subject,
        details={"completed": completed},
        reason=reason,
    )
    meet(case, Requirement.Kind.RPRP_REVIEW, decision, subject=subject)
    _event(actor, Action.RPRP_REVIEW, case, decision, subject=str(subject.pk))
    return decision


# -- leaving, appeals and list reports ----------------------------------------------------------


@transaction.atomic
def record_leaving(
    actor: User, subject: CaseSubject, *, left_on: dt.date, how: str, reason: str
) -> Decision:
    """Record that a subject resigned or retired. Under investigation (after the allegation
    came to attention, before proceedings ended), the rules ask for an advisory list report,
    unless it had been decided that no proceedings would be brought."""
    case = lock(subject.case)
    require_step(actor, case, _S.LEFT_SERVICE)
    subject = _subject(case, subject)
    reason = need_reason(reason, "recording a subject leaving")
    if how not in (CaseSubject.Left.RESIGNED, CaseSubject.Left.RETIRED):
        raise ValidationError(
            "record a resignation or a retirement here; a dismissal is an outcome"
        )
    _not_after_today(left_on, "leaving")
    if subject.left_on is not None:
        raise ValidationError("the subject has left the service already")
    under_investigation = case.came_to_attention <= left_on and (
        subject.proceedings_ended_on is None or subject.proceedings_ended_on > left_on
    )
    no_proceedings = subject.case_to_answer is False
    if under_investigation:
        require_name(subject, "leaving under investigation")
    subject.left_on, subject.left_how = left_on, how
    subject.save(update_fields=["left_on", "left_how"])
    decision = add_decision(
        actor,
        case,
        _S.LEFT_SERVICE,
        f"{_name(subject)} {how} on {left_on.isoformat()}"
        + (" while under investigation" if under_investigation else ""),
        subject=subject,
        details={
            "left_on": left_on.isoformat(),
            "how": how,
            "under_investigation": under_investigation,
            "no_proceedings_decided": no_proceedings,
        },
        reason=reason,
    )
    made: list[ListReport] = []
    if under_investigation:
        made = report_event(
            actor,
            case,
            subject,
            f"{how}-under-investigation",
            left_on,
            decision=decision,
            reason=reason,
            no_proceedings_decided=no_proceedings,
        )
    _event(
        actor,
        Action.LEFT_SERVICE,
        case,
        decision,
        subject=str(subject.pk),
        reports=[str(r.pk) for r in made],
    )
    return decision


@transaction.atomic
def lodge_appeal(
    actor: User, subject: CaseSubject, *, lodged_on: dt.date, grounds: str
) -> Decision:
    """Record an appeal against a subject's outcome; its result is then owed to the case."""
    case = lock(subject.case)
    require_step(actor, case, _S.APPEAL)
    subject = _subject(case, subject)
    grounds = need_reason(grounds, "an appeal's grounds")
    _not_after_today(lodged_on, "an appeal")
    if not subject.outcome:
        raise ValidationError("there is no outcome to appeal")
    if case.requirements.filter(
        kind=Requirement.Kind.APPEAL, subject=subject, status=Requirement.Status.OPEN
    ).exists():
        raise ValidationError("an appeal is waiting for its result already")
    decision = add_decision(
        actor,
        case,
        _S.APPEAL,
        f"{_name(subject)} appealed against {subject.outcome}",
        subject=subject,
        details={"lodged_on": lodged_on.isoformat(), "against": subject.outcome},
        reason=grounds,
    )
    open_requirement(case, Requirement.Kind.APPEAL, subject=subject)
    _event(actor, Action.APPEAL, case, decision, subject=str(subject.pk))
    return decision


@transaction.atomic
def decide_appeal(
    actor: User,
    subject: CaseSubject,
    *,
    allowed: bool,
    reason: str,
    outcome: str | None = None,
    exceptional_circumstances: bool | None = None,
) -> Decision:
    """Record an appeal's result. Allowed, the outcome becomes `outcome`, one the forum could
    have given on the same finding (the rules say which; `exceptional_circumstances` as the
    appeal found them, by default as the proceedings did); a dismissal overturned takes its
    barred list report back."""
    case = lock(subject.case)
    require_step(actor, case, _S.APPEAL_DECIDED)
    subject = _subject(case, subject)
    reason = need_reason(reason, "an appeal's result")
    if not case.requirements.filter(
        kind=Requirement.Kind.APPEAL, subject=subject, status=Requirement.Status.OPEN
    ).exists():
        raise ValidationError("no appeal is waiting for its result")
    before = subject.outcome
    said: rules.Said | None = None
    if allowed:
        if not outcome or outcome == before:
            raise ValidationError("an appeal allowed gives another outcome")
        first = (
            case.decisions.filter(step=_S.OUTCOME, subject=subject).order_by("-decided_at").first()
        )
        given = first.details if first is not None else {}
        found, said = rules.outcomes(
            case,
            subject,
            subject.forum or "none",
            subject.finding,
            final_written_warning_in_force=bool(given.get("final_written_warning_in_force")),
            several_unconnected=bool(given.get("several_unconnected")),
            exceptional_circumstances=(
                bool(given.get("exceptional_circumstances"))
                if exceptional_circumstances is None
                else exceptional_circumstances
            ),
            # Dismissed by the outcome appealed against: serving when it was given.
            former_officer=subject.former and subject.left_how != CaseSubject.Left.DISMISSED,
        )
        if outcome not in rules.vocabulary(case, "outcomes") or not found.option(outcome).open:
            raise ValidationError(f"{outcome!r} is not an outcome the forum could have given")
        subject.outcome = outcome
        fields = ["outcome"]
        if before in DISMISSALS and outcome not in DISMISSALS:
            subject.left_on, subject.left_how = None, ""
            fields += ["left_on", "left_how"]
        subject.save(update_fields=fields)
    decision = add_decision(
        actor,
        case,
        _S.APPEAL_DECIDED,
        f"Appeal by {_name(subject)} "
        + (f"allowed: {before} became {outcome}" if allowed else "dismissed"),
        subject=subject,
        details={"allowed": allowed, "before": before, "outcome": subject.outcome},
        reason=reason,
        said=said,
    )
    meet(case, Requirement.Kind.APPEAL, decision, subject=subject)
    if (
        allowed
        and before in (*DISMISSALS, WOULD_HAVE_BEEN_DISMISSED)
        and outcome
        not in (
            *DISMISSALS,
            WOULD_HAVE_BEEN_DISMISSED,
        )
    ):
        for report in standing_reports(subject, "barred"):
            withdraw(actor, report, f"appeal allowed: {before} became {outcome}", decision)
    _event(actor, Action.APPEAL_DECIDED, case, decision, subject=str(subject.pk), allowed=allowed)
    return decision


@transaction.atomic
def send_list_report(actor: User, report: ListReport, sent_on: dt.date | None = None) -> Decision:
    """Record a list report sent to the list's keeper (late, if after its due day)."""
    case = lock(report.case)
    require_step(actor, case, _S.LIST_REPORT)
    report = ListReport.objects.select_for_update().get(pk=report.pk, case=case)
    on = sent_on or _today()
    _not_after_today(on, "sending a report")
    if report.status != ListReport.Status.DUE:
        raise ValidationError(f"the report is {report.get_status_display().lower()} already")
    late = report.due_on is not None and on > report.due_on
    report.status = ListReport.Status.SENT
    report.sent_at = step_time()
    report.sent_by = actor
    report.save(update_fields=["status", "sent_at", "sent_by"])
    decision = add_decision(
        actor,
        case,
        _S.LIST_REPORT,
        f"Sent the {report.list_type} list report ({report.get_action_display().lower()})"
        + (" late" if late else ""),
        subject=report.subject,
        details={
            "report": str(report.pk),
            "sent_on": on.isoformat(),
            "due_on": report.due_on.isoformat() if report.due_on else None,
            "late": late,
        },
    )
    meet(case, Requirement.Kind.LIST_REPORT, decision, list_report=report)
    record(
        actor.pk,
        Action.LIST_REPORT_SENT,
        Subject.LIST_REPORT,
        report.pk,
        changes={"case_id": str(case.pk), "decision": str(decision.pk), "late": late},
    )
    return decision


@transaction.atomic
def close_case(actor: User, case: Case, reason: str) -> Decision:
    """Close the case, refused while any step the law requires of it is still open."""
    case = lock(case)
    require_step(actor, case, _S.CLOSURE)
    reason = need_reason(reason, "closing a case")
    still = open_steps(case)
    if still:
        listed = "; ".join(
            d.what + (f" (due {d.due_on.isoformat()})" if d.due_on else "") for d in still
        )
        raise ValidationError(f"the case cannot close while the law requires: {listed}")
    case.closed_at = step_time()
    case.stage = Case.Stage.CLOSED
    case.save(update_fields=["closed_at", "stage"])
    decision = add_decision(actor, case, _S.CLOSURE, "Closed the case", reason=reason)
    _event(actor, Action.CLOSE_CASE, case, decision)
    return decision
