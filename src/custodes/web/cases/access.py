"""Decide who may see a case, and fetch cases only for those who may: 404 for everyone else."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from custodes.web.accounts.models import User
from custodes.web.cases.models import Case, CaseAccess
from custodes.web.needtoknow.charts import Charts
from custodes.web.needtoknow.rls import row_security_binds
from custodes.web.needtoknow.rule import Conflict, OrgChart
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused

__all__ = [
    "Decision",
    "case_for_break_glass",
    "cases_for_user",
    "decide",
    "get_case_for_user",
    "is_subject",
    "subject_conflict",
]


@dataclass(frozen=True)
class Decision:
    """Whether a user may see a case, and through what."""

    allowed: bool
    why: str


def _active_kinds(user: User, case: Case) -> set[str]:
    now = timezone.now()
    return set(
        CaseAccess.objects.filter(case=case, user=user)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("kind", flat=True)
    )


def is_subject(user: User, case: Case) -> bool:
    """Say whether the case is about `user`: their account, or their id in the audited force."""
    # Any account holding the force user id, whatever its force's spelling, as need-to-know
    # on audit alerts treats it.
    return case.subject_id == user.pk or (
        case.subject_force_user_id is not None and user.force_user_id == case.subject_force_user_id
    )


def subject_conflict(
    user: User,
    subject_id: int | None,
    subject_force_user_id: str | None,
    charts: Charts | None = None,
) -> Conflict | None:
    """Return the conflict between `user` and a case's subject, or None if there is none."""
    return (charts or Charts()).case_conflict(user, subject_id, subject_force_user_id)


def decide(
    user: User, case: Case, chart: OrgChart | None = None, charts: Charts | None = None
) -> Decision:
    """Apply the need-to-know rules to one user and one case."""
    if not user.is_active:
        return Decision(False, "inactive account")
    found = subject_conflict(
        user, case.subject_id, case.subject_force_user_id, charts or Charts(chart)
    )
    if found is Conflict.SELF:
        return Decision(False, found.value)
    kinds = _active_kinds(user, case)
    if case.sealed:
        named = CaseAccess.Kind.NAMED in kinds
        return Decision(named, "named on the sealed case" if named else "the case is sealed")
    explicit = kinds & {CaseAccess.Kind.GRANT, CaseAccess.Kind.BREAK_GLASS}
    if found is not None:
        return Decision(
            bool(explicit), f"granted despite: {found.value}" if explicit else found.value
        )
    if explicit or CaseAccess.Kind.MEMBER in kinds:
        return Decision(True, ", ".join(sorted(kinds)))
    return Decision(False, "not on the case")


def get_case_for_user(user: User, reference: str, purpose: Action = Action.READ) -> Case:
    """Return the case with `reference` if `user` may see it, recording the read; else 404."""
    case = Case.objects.filter(reference=reference).select_related("subject").first()
    if case is None:
        # Refused under the reference asked for: there is no case id to name.
        raise Refused(Subject.CASE_REFERENCE, reference[:64], "no such case", purpose)
    decision = decide(user, case)
    if not decision.allowed:
        raise Refused(Subject.CASE, case.pk, decision.why, purpose)
    record(user.pk, purpose, Subject.CASE, case.pk)
    return case


def cases_for_user(user: User) -> list[Case]:
    """Return every case `user` may see."""
    charts = Charts()
    candidates = Case.objects.filter(access__user=user).distinct().select_related("subject")
    return [case for case in candidates if decide(user, case, charts=charts).allowed]


def case_for_break_glass(reference: str) -> Case | None:
    """Return the case `reference` names, as far as break-glass may open it.

    Break-glass opens a case its user cannot see, so where row-level security binds the
    connection the lookup goes through `custodes_break_glass_case`, which returns only an
    unsealed case that need-to-know does not keep from the database's user for a conflict.
    The caller still checks both itself.
    """
    if row_security_binds(Case):
        found = Case.objects.raw("SELECT * FROM custodes_break_glass_case(%s)", [reference])
        return next(iter(found), None)
    return Case.objects.filter(reference=reference).first()
