"""Reg 15(3)'s exclusions over random organisation charts: custodes' own and an imported
force's, subjects with and without accounts, senior officers and interested parties. The
reasons `investigator_exclusions` gives, and whether `appoint_investigator` refuses, are the
ones worked out here independently of the code under test."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import AuditRun
from custodes.web.cases.access import investigator_exclusions
from custodes.web.cases.matter import NewSubject
from custodes.web.cases.models import CaseParty
from custodes.web.cases.parties import add_party
from custodes.web.cases.path import appoint_investigator, decide_recording
from custodes.web.needtoknow.models import ForceStaff
from tests.web.case_helpers import (
    REASON,
    Dept,
    dept_fixture,  # noqa: F401 - a fixture
    take_in_apsp,
)

UNITS = ["u1", "u2", "u3", "u4"]
FORCE_UNITS = ["f1", "f2", "f3"]


@dataclass(frozen=True)
class Account:
    """A drawn custodes account: manager (index), unit, force, and id in the force, if any."""

    manager: int | None
    unit: str
    force: str
    staff: int | None  # index into the force's chart


@dataclass(frozen=True)
class DrawnSubject:
    """A subject: an account (by index) or a member of the force's staff with none."""

    account: int | None
    staff: int | None
    senior: bool


@dataclass(frozen=True)
class World:
    """Accounts, the force's chart (manager index and unit per member), subjects, a witness
    account and the candidate investigator."""

    accounts: list[Account]
    chart: list[tuple[int | None, str]]
    subjects: list[DrawnSubject]
    witness: int | None
    candidate: int


@st.composite
def worlds(draw: st.DrawFn) -> World:
    size = draw(st.integers(min_value=2, max_value=6))
    staff_size = draw(st.integers(min_value=size, max_value=size + 3))
    chart = [
        (draw(st.none() | st.integers(0, j - 1)) if j else None, draw(st.sampled_from(FORCE_UNITS)))
        for j in range(staff_size)
    ]
    # Each account holds a different force id, or none.
    ids = draw(st.permutations(list(range(staff_size))))
    accounts = [
        Account(
            manager=draw(st.none() | st.integers(0, i - 1)) if i else None,
            unit=draw(st.sampled_from(UNITS)),
            force=draw(st.sampled_from(["XF", "XF", "YF"])),
            staff=ids[i] if draw(st.booleans()) else None,
        )
        for i in range(size)
    ]
    subjects = draw(
        st.lists(
            st.builds(
                DrawnSubject,
                account=st.none() | st.integers(0, size - 1),
                staff=st.none() | st.integers(0, staff_size - 1),
                senior=st.booleans(),
            ),
            min_size=1,
            max_size=2,
        )
    )
    return World(
        accounts,
        chart,
        subjects,
        draw(st.none() | st.integers(0, size - 1)),
        draw(st.integers(0, size - 1)),
    )


def above(managers: list[int | None], i: int) -> set[int]:
    """Return everyone above `i` by following managers (a forest: it ends)."""
    found: set[int] = set()
    current = managers[i]
    while current is not None:
        found.add(current)
        current = managers[current]
    return found


def fid(j: int | None) -> str | None:
    return None if j is None else f"XF-{j:03d}"


def subject_staff(world: World, s: DrawnSubject) -> int | None:
    """Return the subject's place in the force's chart, as take_in names them."""
    if s.account is not None and s.staff is None:
        return world.accounts[s.account].staff
    return s.staff


def expected_exclusions(world: World) -> set[str]:
    """Reg 15(3) for the drawn candidate, worked out from the drawing alone."""
    c = world.candidate
    me = world.accounts[c]
    managers = [a.manager for a in world.accounts]
    chart = [m for m, _ in world.chart]
    found: set[str] = set()
    for s in world.subjects:
        staff = subject_staff(world, s)
        if s.account == c or (staff is not None and me.staff == staff):
            found.add("subject")
            continue
        holders = {
            i for i, a in enumerate(world.accounts) if staff is not None and a.staff == staff
        }
        bosses = ({s.account} if s.account is not None else set()) | holders
        in_force = me.staff is not None and staff is not None and staff in above(chart, me.staff)
        if bosses & above(managers, c) or in_force:
            found.add("management")
        force = world.accounts[s.account].force if s.account is not None else "XF"
        if s.senior and force == me.force:
            found.add("senior")
    if world.witness == c:
        found.add("party")
    return found


def kept_from(world: World) -> bool:
    """Say whether need-to-know keeps the case from the candidate: too close to any subject."""
    c = world.candidate
    me = world.accounts[c]
    managers = [a.manager for a in world.accounts]
    chart = [m for m, _ in world.chart]
    for s in world.subjects:
        staff = subject_staff(world, s)
        people = {i for i, a in enumerate(world.accounts) if staff is not None and a.staff == staff}
        people |= {s.account} if s.account is not None else set()
        for p in people:
            if p == c or p in above(managers, c) or c in above(managers, p):
                return True
            if world.accounts[p].unit == me.unit:
                return True
        if me.staff is not None and staff is not None:
            if (
                me.staff == staff
                or staff in above(chart, me.staff)
                or me.staff in above(chart, staff)
            ):
                return True
            if world.chart[me.staff][1] == world.chart[staff][1]:
                return True
    return False


TAGS = {
    "subject": "they are a subject of the matter",
    "management": "they work under the management of",
    "senior": "is a senior officer, and they serve in the same force",
    "party": "they are an interested party",
}


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(world=worlds())
def test_reg_15_3_over_random_charts(dept: Dept, world: World) -> None:
    staff = [subject_staff(world, s) for s in world.subjects]
    # Two subjects who are one person, or a subject with neither account nor force id, are
    # not a matter take_in accepts.
    assume(all(s.account is not None or s.staff is not None for s in world.subjects))
    keys = [(s.account, st_) for s, st_ in zip(world.subjects, staff, strict=True)]
    assume(len({k[0] for k in keys if k[0] is not None}) == sum(k[0] is not None for k in keys))
    assume(len({k[1] for k in keys if k[1] is not None}) == sum(k[1] is not None for k in keys))
    with transaction.atomic():
        run = AuditRun.objects.create(
            source="drawn",
            fingerprint="drawn",
            force="XF",
            imported_at=timezone.now(),
            staff_count=len(world.chart),
            alert_count=0,
            evidence_count=0,
            look_ups=0,
            explained=0,
            explained_share=1.0,
        )
        ForceStaff.objects.bulk_create(
            ForceStaff(
                run=run, force="XF", user_id=f"XF-{j:03d}", unit=u, line_manager_id=fid(m) or ""
            )
            for j, (m, u) in enumerate(world.chart)
        )
        made: list[User] = []
        for i, a in enumerate(world.accounts):
            made.append(
                dept.make(
                    f"acct{i}",
                    Role.PSD_INVESTIGATOR,
                    a.unit,
                    made[a.manager] if a.manager is not None else None,
                    force=a.force,
                    force_user_id=fid(a.staff),
                )
            )
        subjects = [
            NewSubject(
                user=made[s.account] if s.account is not None else None,
                force="XF" if s.account is None else "",
                force_user_id=fid(s.staff),
                first_name="Sam",
                last_name=f"Subject{n}",
                senior_officer=s.senior,
            )
            for n, s in enumerate(world.subjects)
        ]
        case = take_in_apsp(dept, subjects=subjects)
        decide_recording(dept.authority, case, record_it=True, reason=REASON)
        if world.witness is not None:
            party = add_party(dept.intake, case, CaseParty.Role.WITNESS, "A colleague")
            CaseParty.objects.filter(pk=party.pk).update(account=made[world.witness])
        candidate = made[world.candidate]
        found = investigator_exclusions(case, candidate)
        wanted = expected_exclusions(world)
        got = {tag for tag, words in TAGS.items() if any(words in why for why in found)}
        assert got == wanted, (found, world)
        assert all(why.endswith("(Police (Conduct) Regulations 2020, reg 15(3))") for why in found)
        refused = bool(wanted) or kept_from(world)
        event(f"excluded: {sorted(wanted)}; kept from: {kept_from(world)}")
        try:
            with transaction.atomic():
                appoint_investigator(dept.authority, case, candidate, REASON)
        except PermissionDenied:
            assert refused, world
        else:
            assert not refused, world
        transaction.set_rollback(True)
