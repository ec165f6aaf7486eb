"""The matter and its parts: taking a matter in, naming its subjects, adding allegations and
revising what it alleges or indicates. Each action is atomic and on the trail, and each is a
row of the case's timeline; after each, custodes asks the rules again whether the matter must
be referred, and opens the referral with its deadline the first time they say so.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from custodes.web.accounts.models import User
from custodes.web.cases import rules
from custodes.web.cases.access import MATTER_ROLES, require_step, subject_conflict
from custodes.web.cases.actions import open_case
from custodes.web.cases.models import Allegation, Case, CaseSubject, Decision, Requirement
from custodes.web.cases.timeline import (
    add_decision,
    lock,
    need_reason,
    open_requirement,
    step_day,
    step_time,
)
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "NewAllegation",
    "NewSubject",
    "add_allegation",
    "assess_referral",
    "name_subject",
    "new_reference",
    "revise_indications",
    "take_in",
]

_STEP = Decision.Step


@dataclass(frozen=True)
class NewSubject:
    """A member of staff a matter is about, as the person taking it in knows them.

    By their custodes account where they have one; otherwise by force and force user id (both
    when known). The rest is what the list reports need and custodes may not otherwise know.
    """

    user: User | None = None
    force: str = ""
    force_user_id: str | None = None
    first_name: str = ""
    last_name: str = ""
    birth_date: dt.date | None = None
    status: str = CaseSubject.Status.OFFICER
    rank: str = ""
    warrant_number: str = ""
    unit: str = ""
    senior_officer: bool = False


@dataclass(frozen=True)
class NewAllegation:
    """An allegation against one of the subjects named at intake (by their place in the list)."""

    subject: int
    category: str
    description: str = ""
    arose_on: dt.date | None = None


def _known(given: NewSubject) -> tuple[str, str | None]:
    """Return the subject's force and force user id, from their account where not given."""
    account = given.user
    force = given.force or (account.force if account is not None else "")
    force_id = given.force_user_id or (account.force_user_id if account is not None else None)
    if account is None and not force_id:
        raise ValidationError("name a subject by their custodes account or their force user id")
    return force, force_id or None


def _check_dates(came_to_attention: dt.date, arose_on: dt.date | None) -> None:
    today = step_day()
    if came_to_attention > today:
        raise ValidationError("a matter cannot come to attention after today")
    if arose_on is not None and arose_on > came_to_attention:
        raise ValidationError("a matter cannot arise after it came to attention")


def _add_subject(actor: User, case: Case, given: NewSubject) -> CaseSubject:
    force, force_id = _known(given)
    account = given.user
    if subject_conflict(actor, account.pk if account else None, force_id) is not None:
        raise PermissionDenied(
            "you cannot name yourself, or anyone in your chain or unit, as a subject"
        )
    twins = case.subjects.all()
    if (account is not None and twins.filter(user=account).exists()) or (
        force_id is not None and twins.filter(force_user_id=force_id).exists()
    ):
        raise ValidationError("they are already a subject of this case")
    if given.status not in CaseSubject.Status.values:
        raise ValidationError(f"{given.status!r} is not a status of a member of staff")
    subject = CaseSubject(
        case=case,
        user=account,
        force=force,
        force_user_id=force_id,
        first_name=given.first_name.strip(),
        last_name=given.last_name.strip(),
        birth_date=given.birth_date,
        status=given.status,
        rank=given.rank.strip(),
        warrant_number=given.warrant_number.strip(),
        unit=given.unit.strip() or (account.unit if account is not None else ""),
        senior_officer=given.senior_officer,
        added_at=step_time(),
        added_by=actor,
    )
    subject.full_clean(exclude=["case", "user", "added_by"])
    subject.save(force_insert=True)
    return subject


def _add_allegation(
    actor: User,
    case: Case,
    subject: CaseSubject,
    category: str,
    description: str,
    arose_on: dt.date | None,
) -> Allegation:
    categories = rules.vocabulary(case, "categories")
    if category not in categories:
        raise ValidationError(f"{category!r} is not an allegation category of {case.profile}")
    if arose_on is not None and arose_on > case.came_to_attention:
        raise ValidationError("an allegation cannot arise after the matter came to attention")
    return Allegation.objects.create(
        case=case,
        subject=subject,
        category=category,
        description=description.strip(),
        arose_on=arose_on,
        added_at=step_time(),
        added_by=actor,
    )


def assess_referral(case: Case, became_clear: dt.date) -> rules.Said | None:
    """Ask the rules whether the matter must be referred; open the referral the first time.

    Returns what they said when it opened one, None otherwise. A matter referred or decided
    already, or whose referral is already open, keeps the deadline it first had.
    """
    if (
        case.referred_at is not None
        or case.requirements.filter(kind=Requirement.Kind.REFERRAL).exists()
    ):
        return None
    if case.kind == Case.Kind.INTELLIGENCE:
        return None  # not yet a matter the law asks anything of
    found, said = rules.referral(case, rules.facts(case), max(became_clear, case.came_to_attention))
    if not found.required:
        return None
    case.referral_mandatory = found.mandatory
    case.referral_due = found.due
    case.save(update_fields=["referral_mandatory", "referral_due"])
    open_requirement(case, Requirement.Kind.REFERRAL, due_on=found.due, said=said)
    return said


def _intake_summary(case: Case, subjects: int) -> str:
    return (
        f"Took in a {case.get_kind_display().lower()} from "
        f"{case.get_source_display()} about {subjects} subject(s)"
    )


def new_reference(on: dt.date) -> str:
    """Return a new case reference: the year and a random part (PSD-2026-7F3A1C).

    Not a running number: that would tell anyone taking a matter in how many others there
    are, and, under row-level security, the cases one may not see would hide the last number.
    """
    return f"PSD-{on.year}-{secrets.token_hex(3).upper()}"


def _open_with_reference(reference: str | None, open_it: Callable[[str], Case]) -> Case:
    """Open the case under `reference`, or under a new one drawn again on a clash."""
    if reference is not None:
        return open_it(reference)
    for _ in range(5):
        try:
            with transaction.atomic():
                return open_it(new_reference(step_day()))
        except IntegrityError:
            continue  # another case has that reference: draw again
    raise ValidationError("no free case reference was found; try again")


@transaction.atomic
def take_in(
    actor: User,
    reference: str | None,
    title: str,
    *,
    kind: str,
    source: str,
    came_to_attention: dt.date,
    subjects: Sequence[NewSubject],
    allegations: Iterable[NewAllegation] = (),
    arose_on: dt.date | None = None,
    source_record: tuple[str, str] | None = None,
    indications: Iterable[str] = (),
    complainant_view: str = "",
    complainant_wants_recording: bool | None = None,
    profile: str = "england-wales",
    sealed: bool = False,
) -> Case:
    """Take a matter in: its kind, source, dates, subjects and allegations, on the trail.

    `reference` None draws a new one (`new_reference`).

    Intake handlers and those who open cases may; nobody about themselves, their chain or
    their unit (any subject). A complaint opens the recording decision it needs; a matter the
    rules say must be referred opens the referral, due from the day it came to attention.
    """
    if not subjects:
        raise ValidationError("a matter is about at least one member of staff")
    _check_dates(came_to_attention, arose_on)
    record_type, record_id = source_record or ("", "")
    checker = Case(profile=profile)
    if kind not in rules.vocabulary(checker, "kinds"):
        raise ValidationError(f"{kind!r} is not a kind of matter under {profile}")
    if source not in Case.Source.values:
        raise ValidationError(f"{source!r} is not a source of matters")
    known = rules.vocabulary(checker, "indications")
    unknown = sorted(set(indications) - set(known))
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not an indication under {profile}")
    first = subjects[0]
    force, force_id = _known(first)
    case = _open_with_reference(
        reference,
        lambda ref: open_case(
            actor,
            ref,
            title,
            first.user,
            sealed,
            subject_force=force,
            subject_force_user_id=force_id,
            roles=MATTER_ROLES,
            timeline=False,
            kind=kind,
            source=source,
            source_record_type=record_type[:32],
            source_record_id=str(record_id)[:64],
            came_to_attention=came_to_attention,
            arose_on=arose_on,
            profile=profile,
            indications=sorted(set(indications)),
            complainant_view=complainant_view.strip(),
            complainant_wants_recording=complainant_wants_recording,
        ),
    )
    # open_case named the first subject as the case names them; what else is known of them
    # goes on that row.
    named = [case.subjects.get()]
    CaseSubject.objects.filter(pk=named[0].pk).update(
        first_name=first.first_name.strip(),
        last_name=first.last_name.strip(),
        birth_date=first.birth_date,
        status=first.status,
        rank=first.rank.strip(),
        warrant_number=first.warrant_number.strip(),
        unit=first.unit.strip() or named[0].unit,
        senior_officer=first.senior_officer,
    )
    named += [_add_subject(actor, case, given) for given in subjects[1:]]
    added = [
        _add_allegation(actor, case, named[a.subject], a.category, a.description, a.arose_on)
        for a in allegations
    ]
    if case.kind == Case.Kind.COMPLAINT:
        open_requirement(case, Requirement.Kind.RECORDING)
    said = assess_referral(case, came_to_attention)
    add_decision(
        actor,
        case,
        _STEP.INTAKE,
        _intake_summary(case, len(named)),
        details={
            "kind": case.kind,
            "source": case.source,
            "source_record": [record_type, str(record_id)] if source_record else None,
            "subjects": [str(s.pk) for s in named],
            "allegations": [{"id": str(a.pk), "category": a.category} for a in added],
            "indications": case.indications,
        },
        said=said,
    )
    record(
        actor.pk,
        Action.TAKE_IN,
        Subject.CASE,
        case.pk,
        changes={
            "kind": case.kind,
            "source": case.source,
            "subjects": len(named),
            "allegations": len(added),
            "referral_due": case.referral_due.isoformat() if case.referral_due else None,
        },
    )
    return case


@transaction.atomic
def name_subject(actor: User, case: Case, given: NewSubject, reason: str = "") -> CaseSubject:
    """Name another member of staff the matter is about.

    Whoever is too close to them (their chain, their unit, themselves) no longer sees the
    case; so nobody may name a subject they are too close to.
    """
    case = lock(case)
    require_step(actor, case, _STEP.SUBJECT)
    subject = _add_subject(actor, case, given)
    add_decision(
        actor,
        case,
        _STEP.SUBJECT,
        "Named another subject",
        subject=subject,
        details={"subject": str(subject.pk), "force": subject.force},
        reason=reason.strip(),
    )
    record(
        actor.pk,
        Action.NAME_SUBJECT,
        Subject.CASE_SUBJECT,
        subject.pk,
        reason=reason.strip(),
        changes={"case_id": str(case.pk)},
    )
    return subject


@transaction.atomic
def add_allegation(
    actor: User,
    subject: CaseSubject,
    category: str,
    description: str = "",
    arose_on: dt.date | None = None,
) -> Allegation:
    """Add an allegation against one subject, in a category of the case's profile."""
    case = lock(subject.case)
    require_step(actor, case, _STEP.ALLEGATION)
    allegation = _add_allegation(actor, case, subject, category, description, arose_on)
    said = assess_referral(case, step_day())
    title = rules.vocabulary(case, "categories")[category]
    add_decision(
        actor,
        case,
        _STEP.ALLEGATION,
        f"Allegation: {title}",
        subject=subject,
        details={"allegation": str(allegation.pk), "category": category},
        said=said,
    )
    record(
        actor.pk,
        Action.ADD_ALLEGATION,
        Subject.ALLEGATION,
        allegation.pk,
        changes={"case_id": str(case.pk), "category": category},
    )
    return allegation


@transaction.atomic
def revise_indications(
    actor: User, case: Case, indications: Iterable[str], reason: str
) -> Decision:
    """Say again what the matter alleges or indicates (e.g. the IOPC has called it in)."""
    case = lock(case)
    require_step(actor, case, _STEP.INTAKE)
    reason = need_reason(reason, "revising what a matter indicates")
    wanted = sorted(set(indications))
    unknown = sorted(set(wanted) - set(rules.vocabulary(case, "indications")))
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not an indication under {case.profile}")
    before = list(case.indications)
    case.indications = wanted
    case.save(update_fields=["indications"])
    said = assess_referral(case, step_day())
    decision = add_decision(
        actor,
        case,
        _STEP.INTAKE,
        "Revised what the matter alleges or indicates",
        details={"indications": [before, wanted]},
        reason=reason,
        said=said,
    )
    record(
        actor.pk,
        Action.UPDATE,
        Subject.CASE,
        case.pk,
        reason=reason,
        changes={"indications": [before, wanted]},
    )
    return decision
