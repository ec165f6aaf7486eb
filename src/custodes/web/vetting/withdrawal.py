"""Withdrawal assessments under the Police (Vetting) Regulations 2025, and appeals.

Since 14 May 2025 a police officer must hold vetting clearance. Clearance is withdrawn only by
a withdrawal assessment: a notice served on the officer (the grounds; what the harm test keeps
back from them, and why; their right to a police friend; the day their representations are
due), their representations (or none by that day), and a decision. A withdrawal leads to
dismissal, and may be appealed. Every step here is an atomic action on the trail, taken in
order: each refuses, saying why, a step out of its turn (a decision before the due day with no
representations, an appeal after its period). The periods are the rules file's
(`caserules.load_vetting().period(...)`), each with its source.

A refused clearance may be appealed with the same machinery (`lodge_appeal` on a REFUSED
decision). custodes records the consequence of a withdrawal; it dismisses no one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from custodes.caserules import load_vetting
from custodes.web.accounts.models import User
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.vetting.access import (
    get_appeal_for_user,
    get_clearance_for_user,
    get_withdrawal_for_user,
)
from custodes.web.vetting.actions import Who, record_clearance
from custodes.web.vetting.models import Appeal, Clearance, VettingTask, Withdrawal

__all__ = [
    "DISMISSAL",
    "Step",
    "begin_withdrawal",
    "current_clearance",
    "decide_appeal",
    "decide_withdrawal",
    "lodge_appeal",
    "next_step",
    "record_representations",
    "serve_notice",
]

# What a withdrawal means for a police officer since the 2025 Regulations: recorded, not done.
DISMISSAL = (
    "Under the Police (Vetting) Regulations 2025 a police officer must hold vetting clearance: "
    "with clearance withdrawn, the officer is to be dismissed (unless an appeal restores it)."
)
_UPHELD_WITHDRAWAL = (
    "The appeal restored clearance: the officer is not to be dismissed for want of it."
)
_DISMISSED_WITHDRAWAL = (
    "The appeal was dismissed and the withdrawal stands: under the Police (Vetting) Regulations "
    "2025 the officer is to be dismissed."
)
_UPHELD_REFUSAL = "Clearance granted on appeal."
_APPEALED = "an appeal against this decision is recorded already"
_DISMISSED_REFUSAL = "The refusal stands."


# What each step writes, and nothing more: row-level security lets the application's role change
# these columns of an assessment or an appeal alone (dbsecurity.policy's WITHDRAWAL_COLUMNS and
# APPEAL_RESULT_COLUMNS).
_NOTICE = (
    "grounds",
    "harm_test_applied",
    "harm_test_grounds",
    "police_friend_told",
    "notice_served_on",
    "representations_due",
    "notice_rules",
    "notice_by",
    "stage",
)
_REPRESENTATIONS = (
    "representations",
    "representations_made",
    "representations_on",
    "representations_by",
    "stage",
)
_DECISION = (
    "decision_reason",
    "withdrawn_clearance",
    "consequence",
    "appeal_due",
    "appeal_rules",
    "outcome",
    "decided_on",
    "decided_by",
    "decided_at",
    "stage",
)
_RESULT = (
    "result_reason",
    "restored",
    "consequence",
    "result",
    "heard_on",
    "decided_by",
    "decided_at",
)


class Step:
    """The next step of an assessment or its appeal, as the pages name it."""

    NOTICE = "notice"
    REPRESENTATIONS = "representations"
    DECISION = "decision"
    APPEAL = "appeal"
    APPEAL_DECISION = "appeal-decision"


def next_step(
    withdrawal: Withdrawal, today: dt.date | None = None, *, recordable: bool = False
) -> str | None:
    """Return the step the assessment waits for, or None once nothing more can be done.

    A withdrawal waits for an appeal until its period ends, then for nothing; a lodged appeal
    waits for its result. `recordable`: the step a page may still record, which includes an
    appeal after its period (one lodged in time and recorded late; `lodge_appeal` refuses one
    lodged after it).
    """
    stage = Withdrawal.Stage
    if withdrawal.stage == stage.BEGUN:
        return Step.NOTICE
    if withdrawal.stage == stage.NOTICE_SERVED:
        return Step.REPRESENTATIONS
    if withdrawal.stage == stage.REPRESENTATIONS:
        return Step.DECISION
    if withdrawal.outcome != Withdrawal.Outcome.WITHDRAWN:
        return None
    appeal = Appeal.objects.filter(withdrawal=withdrawal).first()
    if appeal is None:
        today = today or timezone.localdate()
        due = withdrawal.appeal_due
        return Step.APPEAL if due is not None and (recordable or today <= due) else None
    return Step.APPEAL_DECISION if not appeal.result else None


# --- Checks every step shares ----------------------------------------------------------------


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor is not None else None


def _text(value: str, what: str) -> str:
    if not value.strip():
        raise ValidationError(f"give {what}")
    return value.strip()


def _day(on: dt.date | None, what: str, *, not_before: dt.date | None, since: str) -> dt.date:
    """Return the step's day (today if not given), refusing one after today or out of order."""
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError(f"the {what} cannot be after today ({today.isoformat()})")
    if not_before is not None and on < not_before:
        raise ValidationError(
            f"the {what} ({on.isoformat()}) cannot be before {since} ({not_before.isoformat()})"
        )
    return on


def _person(record_: Clearance | Withdrawal) -> Who:
    return Who(record_.user_id, record_.force, record_.force_user_id)


def _copy_person(target: Withdrawal | Appeal, source: Clearance | Withdrawal) -> None:
    target.user_id, target.force = source.user_id, source.force
    target.force_user_id, target.person = source.force_user_id, source.person


def _lock(actor: User | None, withdrawal: Withdrawal, purpose: Action) -> Withdrawal:
    """Fetch the assessment again, through need-to-know for a person, and lock it."""
    if actor is not None:
        get_withdrawal_for_user(actor, withdrawal.pk, purpose=purpose)
    return Withdrawal.objects.select_for_update().get(pk=withdrawal.pk)


def _expect(withdrawal: Withdrawal, stage: Withdrawal.Stage, doing: str) -> None:
    """Refuse a step out of its turn, saying what must come first."""
    if withdrawal.stage == stage:
        return
    stages = list(Withdrawal.Stage)
    if stages.index(Withdrawal.Stage(withdrawal.stage)) > stages.index(stage):
        raise ValidationError(f"cannot {doing}: the assessment is past that step")
    if withdrawal.stage == Withdrawal.Stage.BEGUN:
        raise ValidationError(f"cannot {doing}: the notice has not been served")
    due = withdrawal.representations_due
    raise ValidationError(
        f"cannot {doing}: the officer's representations are due by "
        f"{due.isoformat() if due else 'the notice’s due day'}; record them when they come, or "
        "record that none came once that day has passed"
    )


# --- The assessment --------------------------------------------------------------------------


def current_clearance(person: str) -> Clearance | None:
    """Return the person's latest granted clearance that no later decision at its level ended."""
    granted = Clearance.objects.filter(person=person, status=Clearance.Status.GRANTED)
    for clearance in granted.order_by("-decided_at", "-pk"):
        later = Clearance.objects.filter(
            person=person, level=clearance.level, decided_at__gt=clearance.decided_at
        )
        if not later.exclude(status=Clearance.Status.GRANTED).exists():
            return clearance
    return None


@transaction.atomic
def begin_withdrawal(
    actor: User | None,
    clearance: Clearance,
    reason: str,
    task: VettingTask | None = None,
    *,
    begun_on: dt.date | None = None,
) -> Withdrawal:
    """Begin a withdrawal assessment of a granted clearance (from a task decided for it, or not)
    on `begun_on` (today if not given: an assessment begun on paper may be recorded after).

    Refused for a clearance that is not granted, that a later decision ended, or that is being
    assessed already.
    """
    if actor is not None:
        get_clearance_for_user(actor, clearance.pk, purpose=Action.VETTING_WITHDRAWAL)
    if clearance.status != Clearance.Status.GRANTED:
        raise ValidationError(
            f"only a granted clearance can be withdrawn; this one is {clearance.status}"
        )
    if Clearance.objects.filter(
        person=clearance.person, level=clearance.level, decided_at__gt=clearance.decided_at
    ).exists():
        raise ValidationError("a later decision at the same level has replaced this clearance")
    assessed = Withdrawal.objects.filter(clearance=clearance)
    if assessed.exclude(stage=Withdrawal.Stage.DECIDED).exists():
        raise ValidationError("this clearance is being assessed for withdrawal already")
    withdrawal = Withdrawal(
        clearance=clearance,
        task=task,
        level=clearance.level,
        unit=(task.unit if task is not None and task.unit else clearance.unit),
        reason=_text(reason, "the reason the assessment begins"),
        begun_on=_day(begun_on, "day it began", not_before=None, since=""),
        begun_by=actor,
        begun_at=timezone.now(),
    )
    _copy_person(withdrawal, clearance)
    withdrawal.save()
    record(
        _actor_id(actor),
        Action.VETTING_WITHDRAWAL,
        Subject.WITHDRAWAL,
        withdrawal.pk,
        reason=withdrawal.reason,
        changes={
            "clearance": clearance.pk,
            "level": clearance.level,
            "task": task.pk if task is not None else None,
            "begun_on": withdrawal.begun_on.isoformat(),
        },
    )
    return withdrawal


@transaction.atomic
def serve_notice(
    actor: User | None,
    withdrawal: Withdrawal,
    *,
    grounds: str,
    police_friend_told: bool,
    harm_test_applied: bool = False,
    harm_test_grounds: str = "",
    served_on: dt.date | None = None,
) -> Withdrawal:
    """Record the notice served: the grounds, the harm test, the police friend, the due day.

    The notice must tell the officer of their right to a police friend; anything kept back
    under the harm test needs its grounds. Representations are due by the day the rules'
    period ("representations") ends, counted from the day served.
    """
    locked = _lock(actor, withdrawal, Action.VETTING_NOTICE)
    _expect(locked, Withdrawal.Stage.BEGUN, "serve the notice")
    day = _day(
        served_on, "day served", not_before=locked.begun_on, since="the day the assessment began"
    )
    if not police_friend_told:
        raise ValidationError("the notice must tell the officer of their right to a police friend")
    harm = harm_test_grounds.strip()
    if harm_test_applied and not harm:
        raise ValidationError("give the harm test's grounds for what is kept from the officer")
    if not harm_test_applied and harm:
        raise ValidationError("harm test grounds given, but nothing is said to be kept back")
    rules = load_vetting()
    locked.grounds = _text(grounds, "the grounds the notice gives")
    locked.harm_test_applied, locked.harm_test_grounds = harm_test_applied, harm
    locked.police_friend_told = True
    locked.notice_served_on = day
    locked.representations_due = rules.period_ends("representations", day)
    locked.notice_rules = rules.period("representations").said()
    locked.notice_by = actor
    locked.stage = Withdrawal.Stage.NOTICE_SERVED
    locked.save(update_fields=_NOTICE)
    record(
        _actor_id(actor),
        Action.VETTING_NOTICE,
        Subject.WITHDRAWAL,
        locked.pk,
        changes={
            "served_on": day.isoformat(),
            "representations_due": locked.representations_due.isoformat(),
            "harm_test_applied": harm_test_applied,
            "police_friend_told": True,
        },
    )
    return locked


@transaction.atomic
def record_representations(
    actor: User | None,
    withdrawal: Withdrawal,
    *,
    made: bool,
    summary: str = "",
    on: dt.date | None = None,
) -> Withdrawal:
    """Record the officer's representations (received on `on`), or that none came by the due day.

    "None" can be recorded only once the due day has passed: until then the officer may still
    answer.
    """
    locked = _lock(actor, withdrawal, Action.VETTING_REPRESENTATIONS)
    _expect(locked, Withdrawal.Stage.NOTICE_SERVED, "record representations")
    served, due = locked.notice_served_on, locked.representations_due
    # Both are set when the notice is served.
    assert served is not None  # noqa: S101
    assert due is not None  # noqa: S101
    what = "day received" if made else "day recorded"
    day = _day(on, what, not_before=served, since="the notice")
    if made:
        locked.representations = _text(summary, "a summary of the representations")
    else:
        if day <= due:
            raise ValidationError(
                f"representations are due by {due.isoformat()}: that none came can be recorded "
                "only after that day"
            )
        if summary.strip():
            raise ValidationError("no representations came: leave the summary empty")
        locked.representations = ""
    locked.representations_made, locked.representations_on = made, day
    locked.representations_by = actor
    locked.stage = Withdrawal.Stage.REPRESENTATIONS
    locked.save(update_fields=_REPRESENTATIONS)
    record(
        _actor_id(actor),
        Action.VETTING_REPRESENTATIONS,
        Subject.WITHDRAWAL,
        locked.pk,
        changes={"made": made, "on": day.isoformat(), "late": made and day > due},
    )
    return locked


@transaction.atomic
def decide_withdrawal(
    actor: User | None,
    withdrawal: Withdrawal,
    outcome: Withdrawal.Outcome,
    reason: str,
    *,
    decided_on: dt.date | None = None,
) -> Withdrawal:
    """Decide the assessment: clearance retained, or withdrawn with its consequence.

    Only after representations, or once the due day passed without any. A withdrawal records a
    new WITHDRAWN decision at the clearance's level (`record_clearance`), the consequence under
    the duty to hold clearance (the officer is to be dismissed), and the last day to appeal.
    """
    locked = _lock(actor, withdrawal, Action.VETTING_WITHDRAWAL_DECIDE)
    _expect(locked, Withdrawal.Stage.REPRESENTATIONS, "decide")
    outcome = Withdrawal.Outcome(outcome)
    assert locked.representations_on is not None  # noqa: S101 - set with the representations
    day = _day(
        decided_on,
        "day decided",
        not_before=locked.representations_on,
        since="the representations' day",
    )
    locked.decision_reason = _text(reason, "the reasons for the decision")
    changes: dict[str, Any] = {"outcome": str(outcome), "decided_on": day.isoformat()}
    if outcome == Withdrawal.Outcome.WITHDRAWN:
        rules = load_vetting()
        withdrawn = record_clearance(
            actor,
            _person(locked),
            locked.level,
            Clearance.Status.WITHDRAWN,
            reason=f"Withdrawn after assessment {locked.pk}: {locked.decision_reason}",
            unit=locked.unit,
        )
        locked.withdrawn_clearance = withdrawn
        locked.consequence = DISMISSAL
        locked.appeal_due = rules.period_ends("withdrawal-appeal", day)
        locked.appeal_rules = rules.period("withdrawal-appeal").said()
        changes["withdrawn_clearance"] = withdrawn.pk
        changes["appeal_due"] = locked.appeal_due.isoformat()
    locked.outcome, locked.decided_on = outcome, day
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.stage = Withdrawal.Stage.DECIDED
    locked.save(update_fields=_DECISION)
    record(
        _actor_id(actor),
        Action.VETTING_WITHDRAWAL_DECIDE,
        Subject.WITHDRAWAL,
        locked.pk,
        reason=locked.decision_reason,
        changes=changes,
    )
    return locked


# --- Appeals ---------------------------------------------------------------------------------


@transaction.atomic
def lodge_appeal(
    actor: User | None, decision: Clearance, grounds: str, *, lodged_on: dt.date | None = None
) -> Appeal:
    """Record an appeal lodged against a refused or withdrawn clearance, within its period.

    A withdrawal after assessment may be appealed until the day its decision gave; a refusal
    (or a withdrawal recorded without an assessment) until the rules' period from the day it
    was decided. One appeal per decision: the appeal's own unique decision refuses a second,
    even one lodged at the same moment (the decision is not locked: a clearance is never
    changed, so the application's role may not lock one under row-level security).
    """
    if actor is not None:
        get_clearance_for_user(actor, decision.pk, purpose=Action.VETTING_APPEAL)
    decision = Clearance.objects.get(pk=decision.pk)
    if decision.status not in (Clearance.Status.REFUSED, Clearance.Status.WITHDRAWN):
        raise ValidationError("only a refused or withdrawn clearance can be appealed")
    if Appeal.objects.filter(decision=decision).exists():
        raise ValidationError(_APPEALED)
    withdrawal = Withdrawal.objects.filter(withdrawn_clearance=decision).first()
    rules = load_vetting()
    if decision.status == Clearance.Status.WITHDRAWN:
        kind, period = Appeal.Kind.WITHDRAWAL, "withdrawal-appeal"
    else:
        kind, period = Appeal.Kind.REFUSAL, "refusal-appeal"
    decided = timezone.localdate(decision.decided_at)
    if withdrawal is not None and withdrawal.decided_on is not None:
        decided = withdrawal.decided_on
    due = withdrawal.appeal_due if withdrawal is not None else None
    due = due or rules.period_ends(period, decided)
    day = _day(lodged_on, "day lodged", not_before=decided, since="the decision")
    if day > due:
        raise ValidationError(
            f"the appeal period ended on {due.isoformat()}: an appeal lodged on "
            f"{day.isoformat()} is out of time"
        )
    appeal = Appeal(
        decision=decision,
        withdrawal=withdrawal,
        kind=kind,
        level=decision.level,
        unit=decision.unit,
        lodged_on=day,
        due_on=due,
        grounds=_text(grounds, "the grounds of appeal"),
        rules=(withdrawal.appeal_rules if withdrawal is not None else rules.period(period).said()),
        lodged_by=actor,
        lodged_at=timezone.now(),
    )
    _copy_person(appeal, decision)
    try:
        with transaction.atomic():
            appeal.save()
    except IntegrityError as exc:
        # Another appeal against the decision, lodged while this one was.
        raise ValidationError(_APPEALED) from exc
    record(
        _actor_id(actor),
        Action.VETTING_APPEAL,
        Subject.VETTING_APPEAL,
        appeal.pk,
        changes={
            "decision": decision.pk,
            "kind": str(kind),
            "withdrawal": withdrawal.pk if withdrawal is not None else None,
            "lodged_on": day.isoformat(),
            "due_on": due.isoformat(),
        },
    )
    return appeal


@transaction.atomic
def decide_appeal(
    actor: User | None,
    appeal: Appeal,
    *,
    upheld: bool,
    reason: str,
    heard_on: dt.date | None = None,
) -> Appeal:
    """Record an appeal's result. Upheld, it records a new GRANTED decision at the level: a
    withdrawn clearance restored as it was granted, a refused one granted on the day heard."""
    if actor is not None:
        get_appeal_for_user(actor, appeal.pk, purpose=Action.VETTING_APPEAL_DECIDED)
    locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if locked.result:
        raise ValidationError("the appeal's result is recorded already")
    day = _day(heard_on, "day heard", not_before=locked.lodged_on, since="the day it was lodged")
    locked.result_reason = _text(reason, "the reasons for the result")
    withdrawal = locked.kind == Appeal.Kind.WITHDRAWAL
    changes: dict[str, Any] = {"upheld": upheld, "heard_on": day.isoformat()}
    if upheld:
        assessed = locked.withdrawal.clearance if locked.withdrawal is not None else None
        granted_on = assessed.granted_on if assessed is not None and assessed.granted_on else day
        restored = record_clearance(
            actor,
            Who(locked.user_id, locked.force, locked.force_user_id),
            locked.level,
            Clearance.Status.GRANTED,
            reason=f"Appeal {locked.pk} upheld: {locked.result_reason}",
            granted_on=granted_on,
            conditions=assessed.conditions if assessed is not None else "",
            unit=locked.unit,
        )
        locked.restored = restored
        locked.consequence = _UPHELD_WITHDRAWAL if withdrawal else _UPHELD_REFUSAL
        changes["restored"] = restored.pk
    else:
        locked.consequence = _DISMISSED_WITHDRAWAL if withdrawal else _DISMISSED_REFUSAL
    locked.result = Appeal.Result.UPHELD if upheld else Appeal.Result.DISMISSED
    locked.heard_on = day
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=_RESULT)
    record(
        _actor_id(actor),
        Action.VETTING_APPEAL_DECIDED,
        Subject.VETTING_APPEAL,
        locked.pk,
        reason=locked.result_reason,
        changes=changes,
    )
    return locked
