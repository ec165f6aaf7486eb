"""The org charts need-to-know is applied in: custodes' own, and each imported force's."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Protocol

from django.contrib.auth import get_user_model

from custodes.web.needtoknow.models import ForceStaff
from custodes.web.needtoknow.rls import force_staff_conflicts, force_staff_managers
from custodes.web.needtoknow.rule import Conflict, OrgChart, conflict, conflicts

__all__ = ["Charts", "Viewer", "org_chart"]

# How custodes_audit_conflicts names a tie, and which tie counts when runs disagree.
_KINDS = {"chain": Conflict.CHAIN, "unit": Conflict.UNIT}
_RANK = {None: 0, Conflict.UNIT: 1, Conflict.CHAIN: 2, Conflict.SELF: 3}


class Viewer(Protocol):
    """Whoever asks: an account, known in custodes by `pk` and in the force by its own id."""

    @property
    def pk(self) -> int: ...

    @property
    def force_user_id(self) -> str | None: ...


def org_chart() -> OrgChart:
    """Return custodes' own chart: every account's line manager and unit."""
    rows = get_user_model().objects.values_list("pk", "line_manager_id", "unit")
    return OrgChart(
        manager={pk: manager for pk, manager, _ in rows},
        unit={pk: unit for pk, _, unit in rows},
    )


class Charts:
    """The charts a viewer's conflicts are decided in, each loaded once and only when asked.

    Custodes' own chart knows its users by account; an audited force's knows its staff by
    their id in the force's systems, so a subject of an audit alert or of a case opened from
    one is decided there too, whether or not they have a custodes account. A viewer is placed
    in the force's charts by their own force user id.
    """

    def __init__(self, users: OrgChart | None = None) -> None:
        self._users = users
        self._staff: dict[int, dict[str, Conflict]] = {}

    @cached_property
    def users(self) -> OrgChart:
        """Return custodes' own chart."""
        return self._users if self._users is not None else org_chart()

    @cached_property
    def _accounts(self) -> dict[str, list[int]]:
        accounts: dict[str, list[int]] = {}
        held = get_user_model().objects.filter(force_user_id__isnull=False)
        for pk, force_user_id in held.values_list("pk", "force_user_id"):
            accounts.setdefault(str(force_user_id), []).append(pk)
        return accounts

    def _force_staff(self, viewer: Viewer, own: str) -> dict[str, Conflict]:
        """Return the force staff too close to `viewer` in any run that lists the viewer."""
        if viewer.pk not in self._staff:
            found: dict[str, Conflict] = {}
            shown = force_staff_conflicts(viewer.pk)
            if shown is not None:
                pairs = [(user_id, _KINDS[kind]) for user_id, kind in shown]
            else:
                pairs = []
                runs = ForceStaff.objects.filter(user_id=own).values_list("run_id", flat=True)
                for run_id in runs.distinct():
                    pairs += _run_conflicts(run_id, own)
            # The same person in several runs: the closest tie any run shows counts.
            for user_id, why in pairs:
                if _RANK[why] > _RANK.get(found.get(user_id), 0):
                    found[user_id] = why
            self._staff[viewer.pk] = found
        return self._staff[viewer.pk]

    def subject_conflict(self, viewer: Viewer, force_user_id: str) -> Conflict | None:
        """Return why `viewer` is too close to the force's member of staff, or None."""
        own = viewer.force_user_id
        if own and own == force_user_id:
            return Conflict.SELF
        # In custodes' own chart, for any account holding the subject's force user id: an
        # account of another force with the same id only hides more, never less.
        for account in self._accounts.get(force_user_id, ()):
            found = conflict(viewer.pk, account, self.users)
            if found is not None:
                return found
        if not own:
            return None
        # In the audited force's charts, where the subject may have no custodes account: in
        # every imported run that lists them both, so a later reorganisation hides the alerts
        # of earlier runs too.
        return self._force_staff(viewer, own).get(force_user_id)

    def case_conflict(
        self, viewer: Viewer, subject_id: int | None, subject_force_user_id: str | None
    ) -> Conflict | None:
        """Return why `viewer` is too close to a case's subject, or None.

        A case opened from an audit alert knows its subject by their force user id, and often
        by no account at all: it is decided in the audited force's charts too, as the alert
        was.
        """
        found = conflict(viewer.pk, subject_id, self.users)
        if subject_force_user_id is None or found is Conflict.SELF:
            return found
        in_force = self.subject_conflict(viewer, subject_force_user_id)
        return in_force if found is None or in_force is Conflict.SELF else found

    def subjects_conflict(
        self, viewer: Viewer, subjects: Iterable[tuple[int | None, str | None]]
    ) -> Conflict | None:
        """Return the closest tie between `viewer` and any of a record's subjects, or None.

        Each subject is (account id, force user id), either may be None; a record about
        several members of staff is kept from whoever is too close to any one of them.
        """
        closest: Conflict | None = None
        for subject_id, subject_force_user_id in subjects:
            found = self.case_conflict(viewer, subject_id, subject_force_user_id)
            if _RANK[found] > _RANK[closest]:
                closest = found
        return closest

    def under_management(
        self, staff: Viewer, manager_id: int | None, manager_force_user_id: str | None
    ) -> bool:
        """Say whether `staff` works, directly or indirectly, under the manager's management.

        In custodes' own chart (by account, or any account holding the manager's force user
        id) and in every imported run that lists them both, so one run's chart is enough.
        """
        managers = set() if manager_id is None else {manager_id}
        if manager_force_user_id is not None:
            managers.update(self._accounts.get(manager_force_user_id, ()))
        if managers & self.users.above(staff.pk):
            return True
        own = staff.force_user_id
        if not own or manager_force_user_id is None:
            return False
        return manager_force_user_id in self._force_managers(own)

    def _force_managers(self, own: str) -> set[str]:
        """Return everyone above the force's member of staff `own`, in any imported run."""
        shown = force_staff_managers(own)
        if shown is not None:
            return set(shown)
        found: set[str] = set()
        runs = ForceStaff.objects.filter(user_id=own).values_list("run_id", flat=True)
        for run_id in runs.distinct():
            managers = dict(
                ForceStaff.objects.filter(run_id=run_id).values_list("user_id", "line_manager_id")
            )
            current = managers.get(own) or None
            # A manager who is not on the run's staff ends a chain, as in `_run_conflicts`.
            while current is not None and current in managers and current not in found:
                if current == own:
                    break
                found.add(current)
                current = managers.get(current) or None
        return found


def _run_conflicts(run_id: int, own: str) -> list[tuple[str, Conflict]]:
    """Return the staff of one run too close to the member with force user id `own`."""
    rows = list(
        ForceStaff.objects.filter(run_id=run_id).values_list(
            "pk", "user_id", "line_manager_id", "unit"
        )
    )
    ids = {user_id: pk for pk, user_id, _, _ in rows}
    names = {pk: user_id for user_id, pk in ids.items()}
    # A manager who is not on the run's staff ends a chain.
    chart = OrgChart(
        manager={pk: ids.get(manager) for pk, _, manager, _ in rows},
        unit={pk: unit for pk, _, _, unit in rows},
    )
    return [(names[pk], why) for pk, why in conflicts(ids[own], chart).items()]
