"""Decide who may see a case and who may take each step on it; fetch cases only for those who may.

Need-to-know is `needtoknow`'s (the rule and the charts); this module adds the cases app's own
part: which roles use cases, which role takes each step of the path, and the fetch-and-authorise
helpers, which answer 404 (`Refused`) for a case that is missing or that the user may not see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from custodes.web.accounts.models import Role, User
from custodes.web.cases.models import Case, CaseAccess, CaseSubject, Decision
from custodes.web.needtoknow.charts import Charts
from custodes.web.needtoknow.models import ForceStaff
from custodes.web.needtoknow.rls import row_security_binds
from custodes.web.needtoknow.rule import Conflict, OrgChart
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused

__all__ = [
    "AUTHORITY_ROLES",
    "CASE_ROLES",
    "GRANTING_ROLES",
    "INVESTIGATOR_ROLES",
    "INVESTIGATOR_STEPS",
    "MATTER_ROLES",
    "OVERSIGHT_ROLES",
    "STEP_ROLES",
    "TEAM_ROLES",
    "ShownSubject",
    "Sight",
    "case_conflict",
    "case_for_break_glass",
    "cases_for_user",
    "cases_for_user_among",
    "decide",
    "get_case_for_user",
    "investigator_exclusions",
    "is_subject",
    "may_take_step",
    "require_step",
    "require_writer",
    "show_subject",
    "shown_subjects",
    "subject_conflict",
    "subjects_of",
]

# Who opens cases and may break the glass into one (as before).
CASE_ROLES = frozenset(
    {
        Role.PSD_INVESTIGATOR,
        Role.CC_ANALYST,
        Role.CC_LEAD,
        Role.APPROPRIATE_AUTHORITY,
        Role.OVERSIGHT_REVIEWER,
    }
)
# Who gives access despite a conflict, and names people on sealed cases.
GRANTING_ROLES = frozenset({Role.CC_LEAD, Role.ADMINISTRATOR})
# Who puts colleagues on a case's team: the granting roles anywhere, the others on a case they
# may work on.
TEAM_ROLES = GRANTING_ROLES | {
    Role.PSD_INVESTIGATOR,
    Role.INTAKE_HANDLER,
    Role.APPROPRIATE_AUTHORITY,
}
# Who takes a matter in and names its subjects and allegations: the intake handler, and those
# who open cases.
MATTER_ROLES = CASE_ROLES | {Role.INTAKE_HANDLER}
# The appropriate authority decides; the investigator it appoints investigates; the oversight
# body reads the matters referred to it, and writes nothing.
AUTHORITY_ROLES = frozenset({Role.APPROPRIATE_AUTHORITY})
INVESTIGATOR_ROLES = frozenset({Role.PSD_INVESTIGATOR})
OVERSIGHT_ROLES = frozenset({Role.OVERSIGHT_REVIEWER})

_S = Decision.Step
STEP_ROLES: dict[str, frozenset[Role]] = {
    _S.INTAKE: MATTER_ROLES,
    _S.SUBJECT: MATTER_ROLES,
    _S.ALLEGATION: MATTER_ROLES,
    _S.RECORDING: AUTHORITY_ROLES,
    _S.REFERRAL: AUTHORITY_ROLES,
    _S.SEVERITY: AUTHORITY_ROLES,
    _S.APPOINTMENT: AUTHORITY_ROLES,
    _S.NOTICE: INVESTIGATOR_ROLES,
    _S.TIMELINESS: INVESTIGATOR_ROLES,
    _S.REPORT: INVESTIGATOR_ROLES,
    _S.CASE_TO_ANSWER: AUTHORITY_ROLES,
    _S.PROCEEDINGS: AUTHORITY_ROLES,
    _S.OUTCOME: AUTHORITY_ROLES,
    _S.RPRP: AUTHORITY_ROLES,
    _S.RPRP_REVIEW: AUTHORITY_ROLES,
    _S.LEFT_SERVICE: AUTHORITY_ROLES,
    _S.APPEAL: AUTHORITY_ROLES,
    _S.APPEAL_DECIDED: AUTHORITY_ROLES,
    _S.LIST_REPORT: AUTHORITY_ROLES,
    _S.CLOSURE: AUTHORITY_ROLES,
}
# Steps only the case's appointed investigator takes.
INVESTIGATOR_STEPS = frozenset({_S.NOTICE, _S.TIMELINESS, _S.REPORT})


@dataclass(frozen=True)
class Sight:
    """Whether a user may see a case, through what, and whether they may only read it."""

    allowed: bool
    why: str
    # Seen only because it was referred to the oversight body: read, never written.
    read_only: bool = False


def _active_kinds(user: User, case: Case) -> set[str]:
    now = timezone.now()
    return set(
        CaseAccess.objects.filter(case=case, user=user)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("kind", flat=True)
    )


def subjects_of(case: Case) -> list[tuple[int | None, str | None]]:
    """Return every subject of a case as (account id, force user id): the one it was opened
    about, and each `CaseSubject`."""
    found = [(case.subject_id, case.subject_force_user_id)]
    found += [(s.user_id, s.force_user_id) for s in case.subjects.all()]
    return [pair for pair in dict.fromkeys(found) if pair != (None, None)]


def is_subject(user: User, case: Case) -> bool:
    """Say whether the case is about `user`: their account, or their id in the audited force."""
    # Any account holding the force user id, whatever its force's spelling, as need-to-know
    # on audit alerts treats it.
    return any(
        subject_id == user.pk or (force_id is not None and user.force_user_id == force_id)
        for subject_id, force_id in subjects_of(case)
    )


def subject_conflict(
    user: User,
    subject_id: int | None,
    subject_force_user_id: str | None,
    charts: Charts | None = None,
) -> Conflict | None:
    """Return the conflict between `user` and one subject, or None if there is none."""
    return (charts or Charts()).case_conflict(user, subject_id, subject_force_user_id)


def case_conflict(user: User, case: Case, charts: Charts | None = None) -> Conflict | None:
    """Return the closest conflict between `user` and any of the case's subjects, or None."""
    return (charts or Charts()).subjects_conflict(user, subjects_of(case))


def decide(
    user: User, case: Case, chart: OrgChart | None = None, charts: Charts | None = None
) -> Sight:
    """Apply the need-to-know rules to one user and one case."""
    if not user.is_active:
        return Sight(False, "inactive account")
    found = case_conflict(user, case, charts or Charts(chart))
    if found is Conflict.SELF:
        return Sight(False, found.value)
    kinds = _active_kinds(user, case)
    if case.sealed:
        named = CaseAccess.Kind.NAMED in kinds
        return Sight(named, "named on the sealed case" if named else "the case is sealed")
    explicit = kinds & {CaseAccess.Kind.GRANT, CaseAccess.Kind.BREAK_GLASS}
    if found is not None:
        return Sight(bool(explicit), f"granted despite: {found.value}" if explicit else found.value)
    if explicit or CaseAccess.Kind.MEMBER in kinds:
        return Sight(True, ", ".join(sorted(kinds)))
    if user.role in OVERSIGHT_ROLES and case.referred_at is not None:
        return Sight(True, "referred to the oversight body", read_only=True)
    return Sight(False, "not on the case")


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
    wanted = Q(access__user=user)
    if user.role in OVERSIGHT_ROLES:
        wanted |= Q(referred_at__isnull=False)
    candidates = Case.objects.filter(wanted).distinct().select_related("subject")
    return [case for case in candidates if decide(user, case, charts=charts).allowed]


def cases_for_user_among(user: User, among: QuerySet[Case]) -> list[Case]:
    """Return the cases of `among` (a queryset a page has narrowed first, by its filters)
    that `user` may see: the same candidates and the same rule as `cases_for_user`."""
    charts = Charts()
    wanted = Q(access__user=user)
    if user.role in OVERSIGHT_ROLES:
        wanted |= Q(referred_at__isnull=False)
    candidates = among.filter(wanted).distinct()
    return [case for case in candidates if decide(user, case, charts=charts).allowed]


def require_writer(user: User, case: Case, charts: Charts | None = None) -> None:
    """Refuse anyone who may not work on the case: not seeing it, or seeing it only to read."""
    sight = decide(user, case, charts=charts)
    if not sight.allowed:
        raise PermissionDenied("you may not see this case")
    if sight.read_only:
        raise PermissionDenied("the oversight body reads referred matters; it does not write")


def may_take_step(user: User, case: Case, step: str) -> str | None:
    """Return why `user` may not take `step` on the case, or None if they may."""
    roles = STEP_ROLES[step]
    if not user.is_active or user.role not in roles:
        allowed = " or ".join(sorted(Role(r).label.lower() for r in roles))
        return f"only the {allowed} may do this ({Decision.Step(step).label.lower()})"
    sight = decide(user, case)
    if not sight.allowed:
        return "you may not see this case"
    if sight.read_only:
        return "the oversight body reads referred matters; it does not write"
    if step in INVESTIGATOR_STEPS and case.investigator_id != user.pk:
        return "only the case's appointed investigator may do this"
    if case.closed and step != _S.LIST_REPORT:
        return "the case is closed"
    return None


def require_step(user: User, case: Case, step: str) -> None:
    """Refuse `user` the step (PermissionDenied, with why) unless they may take it."""
    why = may_take_step(user, case, step)
    if why is not None:
        raise PermissionDenied(why)


@dataclass(frozen=True)
class ShownSubject:
    """A subject as a page shows them: name, role and unit where custodes knows them."""

    subject: CaseSubject
    name: str
    role: str
    unit: str

    @property
    def known_as(self) -> str:
        """Return how the force's systems know them: force and force user id, if given."""
        return " ".join(p for p in (self.subject.force, self.subject.force_user_id or "") if p)


def show_subject(subject: CaseSubject) -> ShownSubject:
    """Return a subject by name, role and unit: from their account, then the matter's own
    record of them, then the newest imported chart that lists them (if the viewer may read it)."""
    account = subject.user
    given = " ".join(p for p in (subject.first_name, subject.last_name) if p)
    name = given
    # A rank says an officer is one ("PC"); police staff and specials keep what they are.
    status = subject.get_status_display()
    officer = subject.status == CaseSubject.Status.OFFICER
    role = (subject.rank if officer else f"{subject.rank}, {status}") if subject.rank else status
    unit = subject.unit
    if account is not None:
        name = given or account.get_full_name() or account.username
        role = role if subject.rank else account.get_role_display()
        unit = unit or account.unit
    if not unit and subject.force_user_id:
        # Row-level security shows the charts only to audit-alert reviewers: others see none.
        staff = (
            ForceStaff.objects.filter(user_id=subject.force_user_id)
            .order_by("-run_id")
            .values_list("unit", flat=True)
            .first()
        )
        unit = staff or ""
    return ShownSubject(subject, name or subject.force_user_id or "unnamed", role, unit)


def shown_subjects(subjects: Iterable[CaseSubject]) -> list[ShownSubject]:
    """Return each subject as `show_subject` shows them."""
    return [show_subject(s) for s in subjects]


REG_15_3 = "Police (Conduct) Regulations 2020, reg 15(3)"


def investigator_exclusions(case: Case, candidate: User, charts: Charts | None = None) -> list[str]:
    """Return why reg 15(3) bars `candidate` from investigating the case; empty if nothing.

    A subject of the matter; anyone who works, directly or indirectly, under the management of
    a subject (in custodes' chart or any imported force's); an interested party (a party to
    the case who is staff: the complainant, a witness, the reporter); and, where a subject is
    a senior officer, anyone of the same force.
    """
    charts = charts or Charts()
    found: list[str] = []
    rows = {(s.user_id, s.force_user_id): s for s in case.subjects.select_related("user")}
    for subject_id, force_id in subjects_of(case):
        row = rows.get((subject_id, force_id))
        name = show_subject(row).name if row is not None else (force_id or f"account {subject_id}")
        if subject_id == candidate.pk or (
            force_id is not None and candidate.force_user_id == force_id
        ):
            found.append(f"they are a subject of the matter ({name})")
            continue
        if charts.under_management(candidate, subject_id, force_id):
            found.append(f"they work under the management of {name}, a subject")
        if row is not None and row.senior_officer:
            force = row.force or (row.user.force if row.user is not None else "")
            if force and force == candidate.force:
                found.append(f"{name} is a senior officer, and they serve in the same force")
    for party in case.parties.filter(account=candidate):
        found.append(f"they are an interested party (the {party.get_role_display().lower()})")
    return [f"{why} ({REG_15_3})" for why in found]


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
