"""Fetch registry records a user may see: vetting staff, never a match about their own chain."""

from __future__ import annotations

from django.db.models import QuerySet

from custodes.web.accounts.models import Role, User
from custodes.web.needtoknow.charts import org_chart
from custodes.web.needtoknow.rule import OrgChart, conflict
from custodes.web.registry.models import Candidate, Entry, Roster, Screening
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused

__all__ = [
    "IMPORT_ROLES",
    "REGISTRY_ROLES",
    "REVIEW_ROLES",
    "candidates_for_user",
    "get_candidate_for_user",
    "get_entry_for_user",
    "get_roster_for_user",
    "get_screening_for_user",
    "may_review",
    "may_use_registry",
    "screenings_for_user",
]

# The vetting unit runs hiring checks and reviews matches; counter-corruption may read the lists.
REGISTRY_ROLES = {Role.VETTING_OFFICER, Role.CC_LEAD, Role.CC_ANALYST}
REVIEW_ROLES = {Role.VETTING_OFFICER}
IMPORT_ROLES = {Role.VETTING_OFFICER, Role.ADMINISTRATOR}


def may_use_registry(user: User) -> bool:
    """Say whether `user` may search the registry at all."""
    return user.is_active and user.role in REGISTRY_ROLES


def may_review(user: User) -> bool:
    """Say whether `user` may run checks and confirm or reject matches."""
    return user.is_active and user.role in REVIEW_ROLES


def get_entry_for_user(user: User, pk: int) -> Entry:
    """Return the entry if the user may see the registry; 404 otherwise."""
    if not may_use_registry(user):
        raise Refused(Subject.REGISTRY_ENTRY, pk, "does not use the registry")
    try:
        return Entry.objects.prefetch_related("services").get(pk=pk)
    except Entry.DoesNotExist:
        raise Refused(Subject.REGISTRY_ENTRY, pk, "no such entry") from None


def _visible(user: User, candidates: QuerySet[Candidate], chart: OrgChart) -> list[Candidate]:
    # A match about the viewer, their chain either way or their unit is not theirs to judge.
    return [c for c in candidates if conflict(user.pk, c.subject_id, chart) is None]


def screenings_for_user(user: User) -> list[Screening]:
    """Return the screenings the user may review, newest first."""
    if not may_review(user):
        return []
    return list(Screening.objects.select_related("roster", "list_import")[:200])


def get_screening_for_user(user: User, pk: int) -> Screening:
    """Return the screening if the user may review matches; 404 otherwise.

    Its page records the read, with the candidates it showed: who looked at matches about
    staff is itself a record the trail must keep.
    """
    if not may_review(user):
        raise Refused(Subject.SCREENING, pk, "does not review matches")
    try:
        return Screening.objects.select_related("roster", "list_import").get(pk=pk)
    except Screening.DoesNotExist:
        raise Refused(Subject.SCREENING, pk, "no such screening") from None


def candidates_for_user(
    user: User, screening: Screening | None = None, status: str | None = None
) -> list[Candidate]:
    """Return the candidates the user may review, newest screening and most likely first.

    Across screenings, a pair (force, person_ref, entry) waiting for review is listed once, as
    its newest candidate: deciding it decides the older ones too.
    """
    if not may_review(user):
        return []
    found = Candidate.objects.select_related("entry", "screening", "roster_person")
    if screening is not None:
        found = found.filter(screening=screening)
    if status is not None:
        found = found.filter(status=status)
    visible = _visible(
        user, found.order_by("-screening__run_at", "-match_probability", "pk"), org_chart()
    )
    if screening is not None:
        return visible
    waiting: set[tuple[str, str, int]] = set()
    listed = []
    for candidate in visible:
        if candidate.status == Candidate.Status.PENDING and candidate.force:
            pair = (candidate.force, candidate.person_ref, candidate.entry_id)
            if pair in waiting:
                continue
            waiting.add(pair)
        listed.append(candidate)
    return listed


def get_candidate_for_user(user: User, pk: int, purpose: Action = Action.READ) -> Candidate:
    """Return the candidate if the user may review it, recording the access; 404 otherwise."""
    if not may_review(user):
        raise Refused(Subject.REGISTRY_CANDIDATE, pk, "does not review matches", purpose)
    try:
        candidate = Candidate.objects.select_related("entry", "screening").get(pk=pk)
    except Candidate.DoesNotExist:
        raise Refused(Subject.REGISTRY_CANDIDATE, pk, "no such candidate", purpose) from None
    found = conflict(user.pk, candidate.subject_id, org_chart())
    if found is not None:
        raise Refused(Subject.REGISTRY_CANDIDATE, pk, found.value, purpose)
    record(user.pk, purpose, Subject.REGISTRY_CANDIDATE, candidate.pk)
    return candidate


def get_roster_for_user(user: User, pk: int) -> Roster:
    """Return a held roster if the user may run screens; 404 otherwise."""
    if not may_review(user):
        raise Refused(Subject.ROSTER, pk, "does not review matches")
    try:
        return Roster.objects.get(pk=pk)
    except Roster.DoesNotExist:
        raise Refused(Subject.ROSTER, pk, "no such roster") from None
