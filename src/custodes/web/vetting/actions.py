"""Every write vetting makes: clearances, posts' requirements, moves, and re-vetting tasks.

A re-vetting task is raised by a trigger: a record elsewhere in custodes (an outcome short of
dismissal, reflective practice begun, a confirmed list match, an escalated audit alert), a
clearance reaching its renewal date or its annual integrity review, a move into a post, a hit
in an external check's file, a change of circumstances its subject declared, or the month's
random sample.
The same trigger never raises two tasks about the same person (the task's unique constraint,
and a look first), so `sweep` and `import_external_check` may run again and again. Each task
is due on the day the rules file (`caserules.load_vetting`) says for its kind of trigger, and
keeps what the rules said. Every write is atomic and on the trail.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from custodes.caserules import load_vetting
from custodes.crypto import DecryptionError, pseudonym
from custodes.errors import CustodesError
from custodes.web.accounts.models import User
from custodes.web.alerts.models import AuditAlert
from custodes.web.cases.models import CaseSubject, Decision
from custodes.web.cases.path import DISMISSALS, WOULD_HAVE_BEEN_DISMISSED
from custodes.web.encryption import open_value, seal
from custodes.web.needtoknow.rls import insert_unread, row_security_binds
from custodes.web.registry.models import Candidate
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.vetting.access import (
    get_task_for_user,
    may_declare,
    may_use_vetting,
    person_conflict,
)
from custodes.web.vetting.backlog import ClearanceFacts
from custodes.web.vetting.backlog import integrity_review_due as next_review_due
from custodes.web.vetting.models import (
    Clearance,
    Declaration,
    Posting,
    PostRequirement,
    RandomSample,
    VettingTask,
)

__all__ = [
    "ASSOCIATE_KINDS",
    "CHECK_FIELDS",
    "DETAILS_MAX",
    "HELD",
    "SAMPLE_PURPOSE",
    "CheckImport",
    "ExternalCheckError",
    "SweepError",
    "Swept",
    "Who",
    "choose_sample",
    "decide_task",
    "declaration_details",
    "declare",
    "holders_on",
    "holds",
    "import_external_check",
    "move_into_post",
    "record_clearance",
    "record_integrity_review",
    "set_post_requirement",
    "sweep",
    "who",
]

T = VettingTask.Trigger
# The external check's file: one hit a row.
CHECK_FIELDS = ("check", "hit_ref", "force", "force_user_id", "hit_on", "summary")
_SUMMARY_MAX = 300


@dataclass(frozen=True)
class Who:
    """A member of staff as vetting keys them: account, force id, and the one key for both."""

    user_id: int | None
    force: str
    force_user_id: str | None

    @property
    def key(self) -> str:
        """Return the key that names the person whichever way they were found."""
        if self.force_user_id:
            return f"force:{self.force}:{self.force_user_id}"
        return f"account:{self.user_id}"


def who(user: User | None = None, force: str = "", force_user_id: str | None = None) -> Who | None:
    """Return the person for an account or a force id (either may be missing), or None.

    An account with a force id is keyed by it, and a force id that an account holds is tied to
    that account, so a trigger that knows only one of them finds the same person.
    """
    if user is not None and user.force_user_id:
        return Who(user.pk, user.force, user.force_user_id)
    if user is None and force_user_id:
        user = User.objects.filter(force=force, force_user_id=force_user_id).first()
    if force_user_id:
        return Who(user.pk if user else None, force, force_user_id)
    return Who(user.pk, user.force, None) if user is not None else None


def _as(target: Clearance | Posting | VettingTask | Declaration, person: Who) -> None:
    target.user_id, target.force = person.user_id, person.force
    target.force_user_id, target.person = person.force_user_id, person.key


def unit_of(person: Who, known: str = "") -> str:
    """Return the person's unit: as the trigger's record gave it, else as their account has it."""
    if known.strip():
        return known.strip()
    if person.user_id is not None:
        return User.objects.filter(pk=person.user_id).values_list("unit", flat=True).first() or ""
    return ""


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor is not None else None


def _need_reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError("give a reason")
    return reason.strip()


def _vetting_officer(actor: User | None, person: Who | None = None) -> None:
    # None: the command line, which runs as the database's owner.
    if actor is not None and not may_use_vetting(actor):
        raise ValidationError("only a vetting officer records vetting decisions")
    # Nobody records vetting about themselves, their chain either way or their unit: the
    # rule that keeps such records from them (and row-level security, which would refuse the
    # write as the application's role).
    if (
        actor is not None
        and person is not None
        and person_conflict(actor, person.user_id, person.force_user_id) is not None
    ):
        raise PermissionDenied(
            "you may not record vetting about yourself, your line-management chain or your unit"
        )


def _refuse_row_security(what: str) -> None:
    # Triggers are found in every case, alert and list match, and a task is raised once per
    # trigger: under row-level security the application's role sees only part of them and of
    # the tasks already raised, so it would miss some and raise others twice.
    if row_security_binds(VettingTask, router.db_for_write(VettingTask)):
        raise SweepError(
            f"row-level security binds this database role, which sees only part of the "
            f"records; {what} with the tables' owner's DATABASE_URL (the role that runs "
            "migrations)"
        )


# --- Clearances and posts --------------------------------------------------------------------


@transaction.atomic
def record_clearance(
    actor: User | None,
    person: Who,
    level: str,
    status: Clearance.Status,
    *,
    reason: str,
    granted_on: dt.date | None = None,
    conditions: str = "",
    unit: str = "",
) -> Clearance:
    """Record a vetting decision at `level`: granted (with its dates from the rules), refused,
    withdrawn or expired, with its reasons."""
    _vetting_officer(actor, person)
    rules = load_vetting()
    found = rules.level(level)
    clearance = Clearance(
        level=found.code,
        status=status,
        reason=_need_reason(reason),
        conditions=conditions.strip(),
        unit=unit_of(person, unit),
        decided_by=actor,
        decided_at=timezone.now(),
        rules={
            "version": rules.version,
            "renewal_years": found.renewal_years,
            "integrity_review_months": found.integrity_review_months,
            "source": found.source,
            "check": found.check,
        },
    )
    _as(clearance, person)
    if status == Clearance.Status.GRANTED:
        if granted_on is None:
            raise ValidationError("a granted clearance needs the day it was granted")
        clearance.granted_on = granted_on
        clearance.renewal_due = found.renewal_due(granted_on)
        clearance.integrity_review_due = found.integrity_review_due(granted_on)
    clearance.save()
    record(
        _actor_id(actor),
        Action.VETTING_CLEARANCE,
        Subject.CLEARANCE,
        clearance.pk,
        reason=clearance.reason,
        changes={"level": clearance.level, "status": str(status)},
    )
    return clearance


@transaction.atomic
def set_post_requirement(
    actor: User | None,
    name: str,
    required_level: str,
    vulnerable: PostRequirement.Vulnerable = PostRequirement.Vulnerable.NONE,
    *,
    reason: str = "",
) -> PostRequirement:
    """Set (or change) the level a unit or post requires, and its access to vulnerable people."""
    _vetting_officer(actor)
    level = load_vetting().level(required_level).code
    if not name.strip():
        raise ValidationError("name the unit or post")
    post, made = PostRequirement.objects.select_for_update().get_or_create(
        name=name.strip(),
        defaults={"required_level": level, "set_at": timezone.now(), "set_by": actor},
    )
    before = {"required_level": post.required_level, "vulnerable": post.vulnerable}
    post.required_level, post.vulnerable, post.reason = level, vulnerable, reason.strip()
    post.set_by, post.set_at = actor, timezone.now()
    post.save()
    after = {"required_level": level, "vulnerable": str(vulnerable)}
    changes: dict[str, object] = dict(after)
    if not made:
        changes = {k: [before[k], v] for k, v in after.items()}
    record(
        _actor_id(actor), Action.VETTING_POST, Subject.POST_REQUIREMENT, post.pk, changes=changes
    )
    return post


def holds(person: str, required: str, on: dt.date) -> bool:
    """Say whether the person (their key) holds, on `on`, a clearance that meets `required`."""
    rules = load_vetting()
    granted = Clearance.objects.filter(
        person=person,
        status=Clearance.Status.GRANTED,
        granted_on__lte=on,
        renewal_due__gt=on,
    )
    # A later decision at the same level other than a grant (withdrawn, say) ends this one.
    levels = _not_replaced(granted, by_grants=False).values_list("level", flat=True)
    return any(rules.meets(level, required) for level in levels)


def _not_replaced(clearances: QuerySet[Clearance], *, by_grants: bool) -> QuerySet[Clearance]:
    """Return the clearances no later decision at the same level replaced, in the one query.

    `by_grants`: whether a later grant counts as replacing one (for renewal and review it does;
    for holding a level on a day it does not).
    """
    later = Clearance.objects.filter(
        person=OuterRef("person"), level=OuterRef("level"), decided_at__gt=OuterRef("decided_at")
    )
    if not by_grants:
        later = later.exclude(status=Clearance.Status.GRANTED)
    return clearances.annotate(replaced=Exists(later)).filter(replaced=False)


def _move_needs(posting: Posting) -> str | None:
    """Return why a move needs re-vetting, or None if it does not."""
    post = posting.post
    if not holds(posting.person, post.required_level, posting.starts_on):
        return f"{post.name} requires {post.required_level}, which is not held"
    if post.vulnerable:
        return f"{post.name} gives access to vulnerable people ({post.get_vulnerable_display()})"
    return None


@transaction.atomic
def move_into_post(
    actor: User | None, person: Who, post: PostRequirement, starts_on: dt.date
) -> tuple[Posting, VettingTask | None]:
    """Record a move into a post, raising a re-vetting task at once if the move needs one."""
    _vetting_officer(actor, person)
    posting = Posting(post=post, starts_on=starts_on, recorded_by=actor, recorded_at=timezone.now())
    _as(posting, person)
    posting.save()
    record(
        _actor_id(actor),
        Action.VETTING_POSTING,
        Subject.POSTING,
        posting.pk,
        changes={"post": post.pk, "starts_on": starts_on.isoformat()},
    )
    why = _move_needs(posting)
    task = None
    if why is not None:
        task = _raise(
            actor, T.POST_MOVE, "posting", str(posting.pk), person, starts_on, why, post.name
        )
    return posting, task


# --- Tasks -----------------------------------------------------------------------------------


def _raise(
    actor: User | None,
    trigger: VettingTask.Trigger,
    source_type: str,
    source_id: str,
    person: Who,
    happened_on: dt.date,
    summary: str,
    unit: str = "",
    *,
    unread: bool = False,
) -> VettingTask | None:
    """Raise the task for one trigger about one person, or return None if it was raised before.

    `unread`: written without reading it back, for a writer who may not see it (a declarer
    raising the task of their own declaration; row-level security shows them no task).
    """
    if VettingTask.objects.filter(
        trigger=trigger, source_type=source_type, source_id=source_id, person=person.key
    ).exists():
        return None
    rule = load_vetting().trigger(trigger)
    task = VettingTask(
        trigger=trigger,
        source_type=source_type,
        source_id=source_id,
        summary=summary[:_SUMMARY_MAX],
        unit=unit_of(person, unit),
        happened_on=happened_on,
        due_on=rule.due_on(happened_on),
        rules=rule.said(),
        raised_at=timezone.now(),
    )
    _as(task, person)
    if unread:
        insert_unread(task)
    else:
        task.save()
    record(
        _actor_id(actor),
        Action.VETTING_TASK,
        Subject.VETTING_TASK,
        task.pk,
        changes={
            "trigger": str(trigger),
            "source": f"{source_type}:{source_id}",
            "due_on": task.due_on.isoformat(),
        },
    )
    return task


class SweepError(CustodesError):
    """A sweep or an import that must see every record was asked of a role that cannot."""


@dataclass
class Swept:
    """What one sweep did: the tasks it raised, triggers it could tie to nobody, and the
    months' random samples it drew."""

    created: list[VettingTask] = field(default_factory=list)
    untied: list[str] = field(default_factory=list)  # "source_type:source_id: why"
    samples: list[RandomSample] = field(default_factory=list)

    def by_trigger(self) -> dict[str, int]:
        """Return how many tasks the sweep raised for each kind of trigger, in the model's order."""
        counts = Counter(task.trigger for task in self.created)
        return {str(t): counts[t] for t in VettingTask.Trigger if counts[t]}


@dataclass(frozen=True)
class _Found:
    trigger: VettingTask.Trigger
    source_type: str
    source_id: str
    person: Who | None
    happened_on: dt.date
    summary: str
    unit: str = ""  # the person's unit where the trigger's record gives it


def _subject(subject: CaseSubject) -> Who | None:
    return who(subject.user, subject.force, subject.force_user_id)


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def _outcomes(on: dt.date) -> Iterable[_Found]:
    """Outcomes short of dismissal for staff still serving (reflective practice is `_rprp`'s)."""
    ended = DISMISSALS | {WOULD_HAVE_BEEN_DISMISSED, "", "rprp"}
    decisions = Decision.objects.filter(
        step=Decision.Step.OUTCOME, subject__isnull=False
    ).select_related("subject", "subject__user", "case")
    for decision in decisions:
        subject = decision.subject
        outcome = str(decision.details.get("outcome", ""))
        if subject is None or outcome in ended or subject.left_on is not None:
            continue
        day = subject.outcome_on or _day(decision.decided_at)
        if day <= on:
            yield _Found(
                T.OUTCOME,
                "case-decision",
                str(decision.pk),
                _subject(subject),
                day,
                f"Outcome {outcome} in case {decision.case.reference}",
                subject.unit,
            )


def _rprp(on: dt.date) -> Iterable[_Found]:
    decisions = Decision.objects.filter(
        step=Decision.Step.RPRP, subject__isnull=False
    ).select_related("subject", "subject__user", "case")
    for decision in decisions:
        day = _day(decision.decided_at)
        if decision.subject is not None and decision.subject.left_on is None and day <= on:
            yield _Found(
                T.RPRP,
                "case-decision",
                str(decision.pk),
                _subject(decision.subject),
                day,
                f"Reflective practice began in case {decision.case.reference}",
                decision.subject.unit,
            )


def _registry(on: dt.date) -> Iterable[_Found]:
    """Confirmed matches of a held roster's person (serving staff) to a list entry.

    The source is the entry: the same person confirmed against the same entry at every later
    screen is one trigger (the person's key tells people apart).
    """
    confirmed = Candidate.objects.filter(
        status=Candidate.Status.CONFIRMED, roster_person__isnull=False, decided_at__isnull=False
    ).exclude(force="")
    for candidate in confirmed.order_by("decided_at", "pk"):
        day = _day(candidate.decided_at) if candidate.decided_at else on
        if day <= on:
            yield _Found(
                T.REGISTRY_MATCH,
                "registry-entry",
                str(candidate.entry_id),
                who(candidate.subject, candidate.force, candidate.person_ref),
                day,
                f"Confirmed match to registry entry {candidate.entry_id}",
            )


def _audit(on: dt.date) -> Iterable[_Found]:
    """Audit alerts standing escalated (one later dismissed, or made a case, no longer is)."""
    escalated = AuditAlert.objects.filter(status=AuditAlert.Status.ESCALATED)
    for alert in escalated.order_by("pk"):
        day = _day(alert.triaged_at) if alert.triaged_at else on
        if day <= on:
            yield _Found(
                T.AUDIT_ALERT,
                "audit-alert",
                str(alert.pk),
                who(None, alert.force, alert.force_user_id),
                day,
                f"Access-audit alert {alert.run_id}/{alert.rank} escalated",
            )


def _expiries(on: dt.date) -> Iterable[_Found]:
    """Granted clearances past their renewal date with no later decision at the same level."""
    due = Clearance.objects.filter(status=Clearance.Status.GRANTED, renewal_due__lte=on)
    for clearance in _not_replaced(due, by_grants=True).order_by("renewal_due", "pk"):
        if clearance.renewal_due is None:
            continue
        yield _Found(
            T.EXPIRY,
            "clearance",
            str(clearance.pk),
            Who(clearance.user_id, clearance.force, clearance.force_user_id),
            clearance.renewal_due,
            f"{clearance.level} clearance due renewal on {clearance.renewal_due.isoformat()}",
            clearance.unit,
        )


def _integrity_reviews(on: dt.date) -> Iterable[_Found]:
    """Granted clearances whose holder's integrity review has come, with no later decision.

    When a review falls due is the backlog's rule, asked of it (`backlog.integrity_review_due`):
    a period after the grant, or after the holder's latest decided integrity-review task if
    that is later, so the review moves with the day one is held. One task per clearance and due
    day, and none while the holder has a review open (an overdue review stays one task, not one
    a year). A clearance past its renewal date has lapsed: that is the expiry's task.
    """
    reviews = VettingTask.objects.filter(trigger=T.INTEGRITY_REVIEW)
    waiting = set(reviews.filter(status=VettingTask.Status.OPEN).values_list("person", flat=True))
    reviewed: dict[str, dt.date] = {}
    for person, decided_at in reviews.filter(decided_at__isnull=False).values_list(
        "person", "decided_at"
    ):
        day = timezone.localdate(decided_at)
        reviewed[person] = max(reviewed.get(person, day), day)
    due = Clearance.objects.filter(
        status=Clearance.Status.GRANTED, integrity_review_due__lte=on, granted_on__isnull=False
    ).exclude(renewal_due__lte=on)
    for clearance in _not_replaced(due, by_grants=True).order_by("integrity_review_due", "pk"):
        if clearance.person in waiting:
            continue
        months = clearance.rules.get("integrity_review_months")
        facts = ClearanceFacts(
            pk=clearance.pk,
            person=clearance.person,
            level=clearance.level,
            status=clearance.status,
            unit=clearance.unit,
            decided_at=clearance.decided_at,
            granted_on=clearance.granted_on,
            renewal_due=clearance.renewal_due,
            integrity_review_due=clearance.integrity_review_due,
            review_months=months if isinstance(months, int) else None,
        )
        review = next_review_due(facts, reviewed.get(clearance.person))
        if review is None or review > on:
            continue
        waiting.add(clearance.person)
        yield _Found(
            T.INTEGRITY_REVIEW,
            "clearance",
            f"{clearance.pk}:{review.isoformat()}",
            Who(clearance.user_id, clearance.force, clearance.force_user_id),
            review,
            f"{clearance.level} clearance's integrity review due on {review.isoformat()}",
            clearance.unit,
        )


# The source of a decided integrity-review task that records a review held (outside custodes,
# or before it held the clearance): `record_integrity_review`.
HELD = "integrity-review-held"


@transaction.atomic
def record_integrity_review(
    actor: User | None, clearance: Clearance, held_on: dt.date, reason: str
) -> VettingTask | None:
    """Record that the holder's annual integrity review was held on `held_on`; None if it was
    recorded before.

    Recorded as an integrity-review task decided on that day (the clearance stands), which is
    what deciding a raised one is, so the next review falls due a period after it
    (`backlog.integrity_review_due`) for the sweep and the backlog alike. Once a clearance and
    day. Refused for a clearance not granted, a day before its grant, after its renewal date
    or in the future, and while the holder has an integrity-review task open: deciding that
    task is recording the review.
    """
    person = Who(clearance.user_id, clearance.force, clearance.force_user_id)
    _vetting_officer(actor, person)
    reason = _need_reason(reason)
    if clearance.status != Clearance.Status.GRANTED or clearance.granted_on is None:
        raise ValidationError("only a granted clearance has integrity reviews")
    if held_on < clearance.granted_on:
        raise ValidationError({"held_on": "a review cannot be held before the grant"})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "a review cannot be recorded before it is held"})
    if clearance.renewal_due is not None and held_on >= clearance.renewal_due:
        raise ValidationError({"held_on": "the clearance was due renewal by then"})
    source_id = f"{clearance.pk}:{held_on.isoformat()}"
    reviews = VettingTask.objects.filter(trigger=T.INTEGRITY_REVIEW, person=person.key)
    if reviews.filter(source_type=HELD, source_id=source_id).exists():
        return None
    if reviews.filter(status=VettingTask.Status.OPEN).exists():
        raise ValidationError(
            "they have an integrity-review task open: decide it (deciding it records the review)"
        )
    rule = load_vetting().trigger(T.INTEGRITY_REVIEW)
    # Noon on the day, so the day is the same in any time zone's reading of it.
    decided_at = timezone.make_aware(dt.datetime.combine(held_on, dt.time(12)))
    task = VettingTask(
        trigger=T.INTEGRITY_REVIEW,
        source_type=HELD,
        source_id=source_id,
        summary=f"{clearance.level} clearance's integrity review held on {held_on.isoformat()}",
        unit=clearance.unit,
        happened_on=held_on,
        due_on=rule.due_on(held_on),
        rules=rule.said(),
        raised_at=timezone.now(),
        status=VettingTask.Status.DECIDED,
        decision=VettingTask.Decision.STANDS,
        decision_reason=reason,
        decided_by=actor,
        decided_at=decided_at,
    )
    _as(task, person)
    task.save()
    record(
        _actor_id(actor),
        Action.VETTING_DECIDE,
        Subject.VETTING_TASK,
        task.pk,
        reason=reason,
        changes={
            "trigger": str(T.INTEGRITY_REVIEW),
            "source": f"{HELD}:{source_id}",
            "held_on": held_on.isoformat(),
            "decision": str(VettingTask.Decision.STANDS),
        },
    )
    return task


def _moves(on: dt.date) -> Iterable[_Found]:
    for posting in Posting.objects.filter(starts_on__lte=on).select_related("post"):
        why = _move_needs(posting)
        if why is not None:
            yield _Found(
                T.POST_MOVE,
                "posting",
                str(posting.pk),
                Who(posting.user_id, posting.force, posting.force_user_id),
                posting.starts_on,
                why,
                posting.post.name,
            )


@transaction.atomic
def sweep(on: dt.date, actor: User | None = None) -> Swept:
    """Raise a task for every trigger up to `on` that has none yet; a second run raises none.

    Triggers whose person custodes cannot name (a case's subject with neither an account nor
    a force id) raise nothing and are listed in `untied`, so they are not lost silently. Every
    month up to `on` that has no random sample yet has one drawn (`_months_to_draw`).
    """
    _refuse_row_security("sweep")
    swept = Swept()
    finders = (_outcomes, _rprp, _registry, _audit, _expiries, _integrity_reviews, _moves)
    for finder in finders:
        for found in finder(on):
            if found.person is None:
                swept.untied.append(
                    f"{found.source_type}:{found.source_id}: the subject has no account or force id"
                )
                continue
            task = _raise(
                actor,
                found.trigger,
                found.source_type,
                found.source_id,
                found.person,
                found.happened_on,
                found.summary,
                found.unit,
            )
            if task is not None:
                swept.created.append(task)
    # Only months that have begun: a month's sample is drawn from those holding a clearance
    # on its first day, as known then, never ahead of it.
    for month in _months_to_draw(min(on, timezone.localdate())):
        sample, tasks = _draw(actor, month)
        swept.samples.append(sample)
        swept.created += tasks
    return swept


@transaction.atomic
def decide_task(
    actor: User, task: VettingTask, decision: VettingTask.Decision, reason: str
) -> VettingTask:
    """Decide an open task, with the reason; need-to-know as for reading it.

    A decision for withdrawal begins the withdrawal assessment of the person's current
    clearance (`withdrawal.begin_withdrawal`) in the same transaction; it is refused if they
    hold none custodes has recorded.
    """
    # The withdrawal module builds on this one: imported here, when it is needed.
    from custodes.web.vetting.withdrawal import begin_withdrawal, current_clearance

    get_task_for_user(actor, task.pk, purpose=Action.VETTING_DECIDE)
    locked = VettingTask.objects.select_for_update().get(pk=task.pk)
    if locked.status != VettingTask.Status.OPEN:
        raise ValidationError("the task is decided already")
    clearance = None
    if decision == VettingTask.Decision.WITHDRAWAL:
        clearance = current_clearance(locked.person)
        if clearance is None:
            raise ValidationError(
                "they hold no granted clearance custodes has recorded, so there is none to "
                "assess for withdrawal: record their clearance first"
            )
    locked.status, locked.decision = VettingTask.Status.DECIDED, decision
    locked.decision_reason = _need_reason(reason)
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["status", "decision", "decision_reason", "decided_by", "decided_at"])
    record(
        actor.pk,
        Action.VETTING_DECIDE,
        Subject.VETTING_TASK,
        locked.pk,
        reason=locked.decision_reason,
        changes={"decision": str(decision)},
    )
    if clearance is not None:
        begin_withdrawal(actor, clearance, locked.decision_reason, task=locked)
    return locked


# --- External checks -------------------------------------------------------------------------


class ExternalCheckError(CustodesError):
    """An external check's file is refused; names the file, the field and the row."""

    def __init__(self, file: str, row: int, field_: str, problem: str) -> None:
        where = f"{file}: row {row}" + (f", field {field_!r}" if field_ else "")
        super().__init__(f"{where}: {problem}")
        self.file, self.row, self.field, self.problem = file, row, field_, problem


@dataclass(frozen=True)
class _Hit:
    check: str
    hit_ref: str
    force: str
    force_user_id: str
    hit_on: dt.date
    summary: str


@dataclass(frozen=True)
class CheckImport:
    """What importing an external check's file did."""

    file: str
    rows: int
    created: list[VettingTask]
    existing: int  # hits already turned into tasks by an earlier import


def _hits(name: str, data: bytes, today: dt.date) -> list[_Hit]:
    """Read and check every row before anything is written; the first fault names its place.

    Rows are counted as a spreadsheet shows them: the header is row 1.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ExternalCheckError(name, 0, "", f"not UTF-8 text ({error.reason})") from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    for column in CHECK_FIELDS:
        if column not in header:
            raise ExternalCheckError(name, 1, column, "missing from the header")
    hits: list[_Hit] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for row_number, row in enumerate(reader, 2):
        if None in row:
            raise ExternalCheckError(name, row_number, "", "more values than the header names")
        values = {k: (row.get(k) or "").strip() for k in CHECK_FIELDS}
        for column in ("check", "hit_ref", "force", "force_user_id", "hit_on"):
            if not values[column]:
                raise ExternalCheckError(name, row_number, column, "empty")
        try:
            hit_on = dt.date.fromisoformat(values["hit_on"])
        except ValueError as error:
            raise ExternalCheckError(
                name, row_number, "hit_on", f"{values['hit_on']!r} is not a date (YYYY-MM-DD)"
            ) from error
        if hit_on > today:
            raise ExternalCheckError(name, row_number, "hit_on", "after today")
        if len(values["summary"]) > _SUMMARY_MAX:
            raise ExternalCheckError(
                name, row_number, "summary", f"longer than {_SUMMARY_MAX} characters"
            )
        if len(f"{values['check']}:{values['hit_ref']}") > 128:
            raise ExternalCheckError(name, row_number, "hit_ref", "check and hit_ref too long")
        if len(values["force_user_id"]) > 64 or len(values["force"]) > 32:
            raise ExternalCheckError(name, row_number, "force_user_id", "too long")
        key = (values["check"], values["hit_ref"], values["force"], values["force_user_id"])
        if key in seen:
            raise ExternalCheckError(
                name, row_number, "hit_ref", f"the same hit as row {seen[key]}"
            )
        seen[key] = row_number
        hits.append(
            _Hit(
                values["check"],
                values["hit_ref"],
                values["force"],
                values["force_user_id"],
                hit_on,
                values["summary"],
            )
        )
    return hits


@transaction.atomic
def import_external_check(actor: User | None, path: Path) -> CheckImport:
    """Import an external check's CSV of hits, all or nothing: one task for each new hit.

    Fields: check (its name), hit_ref (the check's own reference for the hit), force,
    force_user_id, hit_on (YYYY-MM-DD) and summary. A hit imported before raises nothing.
    """
    _vetting_officer(actor)
    _refuse_row_security("import the check")
    data = path.read_bytes()
    hits = _hits(path.name, data, timezone.localdate())
    created: list[VettingTask] = []
    for hit in hits:
        # A force id is always given, so the person is always named.
        person = who(None, hit.force, hit.force_user_id) or Who(None, hit.force, hit.force_user_id)
        task = _raise(
            actor,
            T.EXTERNAL_CHECK,
            "external-check",
            f"{hit.check}:{hit.hit_ref}",
            person,
            hit.hit_on,
            f"{hit.check}: {hit.summary}" if hit.summary else f"{hit.check}: a hit",
        )
        if task is not None:
            created.append(task)
    record(
        _actor_id(actor),
        Action.VETTING_CHECK,
        Subject.VETTING_CHECK_FILE,
        hashlib.sha256(data).hexdigest()[:32],
        changes={"file": path.name, "rows": len(hits), "created": len(created)},
    )
    return CheckImport(path.name, len(hits), created, len(hits) - len(created))


# --- Randomised re-vetting -------------------------------------------------------------------

# The purpose the sample's keyed hash is made under: unlinkable with any other pseudonym.
SAMPLE_PURPOSE = "vetting-random-sample"


def _sample_key() -> str:
    # The pseudonym key, under a purpose of its own: held by the web app alone, never in the
    # data directory in production (`custodes web check --deploy`, E003), so no member of staff
    # can work out who a month will choose.
    return str(settings.PSEUDONYM_KEY)


def choose_sample(key: str | bytes, month: str, people: Iterable[str], size: int) -> list[str]:
    """Return the `size` people (their keys) whose keyed hash of `month` and key is lowest.

    The same key, month and people always choose the same; without the key nobody can say who.
    """
    ranked = sorted(
        set(people),
        key=lambda person: (
            pseudonym(key, f"{month}\x00{person}", purpose=SAMPLE_PURPOSE, length=64),
            person,
        ),
    )
    return ranked[: max(size, 0)]


def holders_on(day: dt.date) -> dict[str, Clearance]:
    """Return the people holding a granted clearance on `day`, each with that clearance.

    Held: the latest decision at a level is a grant made by `day` and not yet due renewal.
    """
    latest: dict[tuple[str, str], Clearance] = {}
    for clearance in Clearance.objects.order_by("decided_at", "pk"):
        latest[(clearance.person, clearance.level)] = clearance
    held: dict[str, Clearance] = {}
    for (person, _level), clearance in sorted(latest.items()):
        if (
            clearance.status == Clearance.Status.GRANTED
            and clearance.granted_on is not None
            and clearance.granted_on <= day
            and (clearance.renewal_due is None or clearance.renewal_due > day)
        ):
            held.setdefault(person, clearance)
    return held


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months_to_draw(on: dt.date) -> list[str]:
    """Return the months up to `on`'s with no sample yet, from the first month sampled.

    The first is the rules' `first_month`, else the month custodes recorded its first
    clearance: never the years before custodes held any.
    """
    first = load_vetting().random.first_month
    if first is None:
        earliest = (
            Clearance.objects.order_by("decided_at").values_list("decided_at", flat=True).first()
        )
        if earliest is None:
            return []
        first = _month(timezone.localdate(earliest))
    year, month = int(first[:4]), int(first[5:])
    drawn = set(RandomSample.objects.values_list("month", flat=True))
    months = []
    while (year, month) <= (on.year, on.month):
        label = f"{year:04d}-{month:02d}"
        if label not in drawn:
            months.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _draw(actor: User | None, month: str) -> tuple[RandomSample, list[VettingTask]]:
    """Draw `month`'s sample from those holding a clearance on its first day, once."""
    rules = load_vetting().random
    first_day = dt.date(int(month[:4]), int(month[5:]), 1)
    holders = holders_on(first_day)
    chosen = choose_sample(_sample_key(), month, holders, rules.size(len(holders)))
    sample = RandomSample.objects.create(
        month=month,
        holders=len(holders),
        chosen=len(chosen),
        rules=rules.said(),
        drawn_at=timezone.now(),
    )
    record(
        _actor_id(actor),
        Action.VETTING_SAMPLE,
        Subject.VETTING_SAMPLE,
        sample.pk,
        changes={"month": month, "holders": len(holders), "chosen": len(chosen)},
    )
    tasks = []
    for person in chosen:
        clearance = holders[person]
        task = _raise(
            actor,
            T.RANDOM,
            "random-sample",
            month,
            Who(clearance.user_id, clearance.force, clearance.force_user_id),
            first_day,
            f"Chosen at random for re-vetting in {month}",
            clearance.unit,
        )
        if task is not None:
            tasks.append(task)
    return sample, tasks


# --- Declarations ----------------------------------------------------------------------------

DETAILS_MAX = 4000
K = Declaration.Kind
# The declarations that may name an associate (by their person id in the force's systems).
ASSOCIATE_KINDS = frozenset({K.ASSOCIATION, K.PARTNER, K.HOUSEHOLD, K.NAMED_PERSON})
# A person id as force systems write them: it starts with a letter or digit, so it can never
# read as a spreadsheet formula in the file the audit is given.
_PERSON_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")


def _declaration_fields(
    kind: str, details: str, person_id: str, association: str, changed_on: dt.date | None
) -> tuple[Declaration.Kind, str, str, str]:
    """Check what a declaration says; refuse it naming the field at fault."""
    try:
        kind_ = K(kind)
    except ValueError:
        raise ValidationError({"kind": f"{kind!r} is not a kind of declaration"}) from None
    details, person_id = details.strip(), person_id.strip()
    if not details:
        raise ValidationError({"details": "say what changed"})
    if len(details) > DETAILS_MAX:
        raise ValidationError({"details": f"at most {DETAILS_MAX:,} characters"})
    if association not in Declaration.Association.values:
        raise ValidationError({"association": f"{association!r} is not a kind of association"})
    if (person_id or association) and kind_ not in ASSOCIATE_KINDS:
        raise ValidationError({"associate_person_id": "this kind of declaration names no one"})
    if person_id and not _PERSON_ID.fullmatch(person_id):
        raise ValidationError(
            {
                "associate_person_id": "a person id is letters, digits and . _ : / - "
                "(up to 64), starting with a letter or digit"
            }
        )
    if person_id and not association:
        raise ValidationError({"association": "say how you know the person"})
    if kind_ == K.ASSOCIATION and not association:
        raise ValidationError({"association": "say what kind of association it is"})
    if changed_on is not None and changed_on > timezone.localdate():
        raise ValidationError({"changed_on": "a change cannot be declared before it happens"})
    return kind_, details, person_id, association


@transaction.atomic
def declare(
    actor: User,
    kind: str,
    details: str,
    *,
    associate_person_id: str = "",
    association: str = "",
    changed_on: dt.date | None = None,
) -> Declaration:
    """Declare a change of the actor's own circumstances; raise its re-vetting task at once.

    Only about oneself: the person is the actor's own account. The details are sealed; the
    trail records the kind and which fields were given, never what they say.
    """
    if not may_declare(actor):
        raise PermissionDenied("declarations need an account with an id in the force's systems")
    person = who(actor)
    assert person is not None  # noqa: S101 - may_declare asks for a force id
    kind_, details, person_id, association = _declaration_fields(
        kind, details, associate_person_id, association, changed_on
    )
    today = timezone.localdate()
    declaration = Declaration(
        id=uuid.uuid4(),
        kind=kind_,
        associate_person_id=person_id,
        association=association,
        changed_on=changed_on,
        declared_on=today,
        recorded_at=timezone.now(),
    )
    _as(declaration, person)
    declaration.details_encrypted = seal(Declaration, "details_encrypted", declaration.pk, details)
    declaration.save(force_insert=True)
    given = ["kind", "details"] + [
        name
        for name, value in (
            ("associate_person_id", person_id),
            ("association", association),
            ("changed_on", changed_on),
        )
        if value
    ]
    record(
        actor.pk,
        Action.VETTING_DECLARE,
        Subject.DECLARATION,
        declaration.pk,
        changes={"kind": str(kind_), "fields": given},
    )
    _raise(
        actor,
        T.DECLARATION,
        "declaration",
        str(declaration.pk),
        person,
        today,
        f"Declared: {kind_.label}",
        unread=True,
    )
    return declaration


def declaration_details(actor: User, declaration: Declaration) -> str:
    """Return what a declaration says, for someone its access helper let see it.

    A value that will not open here was altered or moved: meeting it is kept on the trail.
    """
    try:
        return open_value(
            Declaration, "details_encrypted", declaration.pk, declaration.details_encrypted
        )
    except DecryptionError as exc:
        record(
            actor.pk, Action.DECRYPT_FAILED, Subject.DECLARATION, declaration.pk, reason=str(exc)
        )
        raise
