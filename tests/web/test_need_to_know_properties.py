"""Properties of the need-to-know rules over random organisation charts, pure and in the DB."""

from __future__ import annotations

import datetime as dt
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.cases.access import cases_for_user, decide
from custodes.web.cases.actions import (
    add_member,
    break_glass,
    grant_access,
    name_on_sealed_case,
    open_case,
)
from custodes.web.cases.models import Case, CaseAccess
from custodes.web.needtoknow.rule import Conflict, OrgChart, conflict, conflicts

UNITS = ["", "psd-1", "psd-2", "response-north-1"]
# No example database: runs leave nothing in the working tree.
PURE = settings(database=None)


@st.composite
def charts(draw: st.DrawFn) -> OrgChart:
    """Draw a forest of line managers over random units, sometimes corrupted into cycles."""
    size = draw(st.integers(min_value=1, max_value=12))
    ids = list(range(1, size + 1))
    manager: dict[int, int | None] = {}
    for position, user_id in enumerate(ids):
        # A forest: each manager comes earlier in the list, so there are no cycles yet.
        manager[user_id] = draw(st.none() | st.sampled_from(ids[:position])) if position else None
    # Bad data: point some managers anywhere, even at themselves or at unknown ids.
    for user_id in draw(st.lists(st.sampled_from(ids), max_size=3)):
        manager[user_id] = draw(st.sampled_from([*ids, 99]))
    unit = {user_id: draw(st.sampled_from(UNITS)) for user_id in ids}
    return OrgChart(manager=manager, unit=unit)


def reachable_above(chart: OrgChart, user_id: int) -> set[int]:
    """Return everyone reached by following line managers up from `user_id` (not itself)."""
    found: set[int] = set()
    current = chart.manager.get(user_id)
    for _ in range(len(chart.manager) + 1):
        if current is None:
            break
        found.add(current)
        current = chart.manager.get(current)
    return found - {user_id}


def expected(chart: OrgChart, viewer: int, subject: int) -> Conflict | None:
    """Return the conflict the design describes, computed independently of the code under test."""
    if viewer == subject:
        return Conflict.SELF
    if subject in reachable_above(chart, viewer) or viewer in reachable_above(chart, subject):
        return Conflict.CHAIN
    if chart.unit.get(viewer) and chart.unit.get(viewer) == chart.unit.get(subject):
        return Conflict.UNIT
    return None


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail the block if it runs longer than `seconds` (an endless walk up a cycle)."""

    def timeout(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pairs(chart: OrgChart) -> Iterator[tuple[int, int]]:
    """Yield every ordered pair of ids in the chart."""
    for a in chart.unit:
        for b in chart.unit:
            yield a, b


@PURE
@given(charts())
def test_self_if_and_only_if_the_same_person(chart: OrgChart) -> None:
    """SELF is returned exactly when viewer and subject are one person."""
    for a, b in pairs(chart):
        assert (conflict(a, b, chart) is Conflict.SELF) == (a == b)


@PURE
@given(charts())
def test_chain_if_and_only_if_one_is_above_the_other(chart: OrgChart) -> None:
    """CHAIN is returned exactly when either person is above the other, whatever their units."""
    for a, b in pairs(chart):
        above = b in reachable_above(chart, a) or a in reachable_above(chart, b)
        assert (conflict(a, b, chart) is Conflict.CHAIN) == (a != b and above)


@PURE
@given(charts())
def test_a_pair_in_the_same_unit_always_conflicts(chart: OrgChart) -> None:
    """Two people in the same named unit are never free of conflict."""
    for a, b in pairs(chart):
        if chart.unit[a] and chart.unit[a] == chart.unit[b]:
            assert conflict(a, b, chart) is not None


@PURE
@given(charts())
def test_conflict_is_symmetric(chart: OrgChart) -> None:
    """Whatever stops A seeing a record about B stops B seeing one about A."""
    for a, b in pairs(chart):
        if a != b:
            assert conflict(a, b, chart) == conflict(b, a, chart)


@PURE
@given(charts())
def test_conflict_matches_the_rules_and_ends_on_cycles(chart: OrgChart) -> None:
    """Every answer equals the design's rule, and bad data with cycles cannot hang the walk."""
    with within(2.0):
        for a, b in pairs(chart):
            assert conflict(a, b, chart) == expected(chart, a, b)
            assert a not in chart.above(a)
        assert all(conflict(a, None, chart) is None for a in chart.unit)


@PURE
@given(charts())
def test_conflicts_lists_exactly_whom_conflict_finds(chart: OrgChart) -> None:
    """The whole-chart answer for one viewer agrees with `conflict` for every member."""
    with within(2.0):
        for a in chart.unit:
            found = conflicts(a, chart)
            assert all(found.get(b) == conflict(a, b, chart) for b in chart.unit)


def test_a_management_cycle_still_ends() -> None:
    """A two-person loop of line managers (bad data) terminates with CHAIN both ways."""
    chart = OrgChart(manager={1: 2, 2: 1, 3: 3}, unit={1: "a", 2: "b", 3: "c"})
    with within(1.0):
        assert chart.above(1) == {2}
        assert chart.above(3) == set()
        assert conflict(1, 2, chart) is Conflict.CHAIN
        assert conflict(3, 1, chart) is None


# The database-backed property: the real models, actions and `decide` agree with the pure rules.

KINDS = sorted(k.value for k in CaseAccess.Kind)
CASE_ROLES = [Role.PSD_INVESTIGATOR, Role.CC_ANALYST, Role.APPROPRIATE_AUTHORITY]
NOT_USED = "a password no test signs in with"


@dataclass(frozen=True)
class Person:
    """One drawn member of staff: manager (by index), unit, role, and access to the case."""

    manager: int | None
    unit: str
    role: Role
    active: bool
    kinds: frozenset[str]
    expired: bool


@dataclass(frozen=True)
class Scenario:
    """A drawn force, a case about one of its staff (or nobody), and a bad-data loop."""

    people: list[Person]
    subject: int | None
    sealed: bool
    loop: tuple[int, int] | None


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Draw a small force, a case about one of its staff and everyone's access to it."""
    size = draw(st.integers(min_value=1, max_value=6))
    people = [
        Person(
            manager=draw(st.none() | st.integers(0, i - 1)) if i else None,
            unit=draw(st.sampled_from(UNITS[1:])),
            role=draw(st.sampled_from(CASE_ROLES)),
            active=draw(st.sampled_from([True, True, True, False])),
            kinds=draw(st.frozensets(st.sampled_from(KINDS), max_size=3)),
            expired=draw(st.sampled_from([False, False, False, True])),
        )
        for i in range(size)
    ]
    subject = draw(st.none() | st.integers(0, size - 1))
    loop = draw(st.none() | st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)))
    return Scenario(people, subject, draw(st.booleans()), loop)


def chart_of(scenario: Scenario, users: list[User], others: list[User]) -> OrgChart:
    """Return the organisation chart the scenario describes, built without the database."""
    manager: dict[int, int | None] = {u.pk: None for u in others}
    unit = {u.pk: u.unit for u in others}
    for user, person in zip(users, scenario.people, strict=True):
        manager[user.pk] = users[person.manager].pk if person.manager is not None else None
        unit[user.pk] = person.unit
    if scenario.loop is not None:
        a, b = scenario.loop
        manager[users[a].pk] = users[b].pk
    return OrgChart(manager=manager, unit=unit)


def pure_decision(
    active: bool, viewer: int, subject: int | None, sealed: bool, kinds: set[str], chart: OrgChart
) -> bool:
    """Return the design's answer: may the viewer see the case, given their live access kinds?"""
    if not active:
        return False
    found = conflict(viewer, subject, chart)
    if found is Conflict.SELF:
        return False
    if sealed:
        return CaseAccess.Kind.NAMED in kinds
    explicit = kinds & {CaseAccess.Kind.GRANT, CaseAccess.Kind.BREAK_GLASS}
    if found is not None:
        return bool(explicit)
    return bool(explicit or CaseAccess.Kind.MEMBER in kinds)


def give(lead: User, opener: User, user: User, kind: str, case: Case) -> bool:
    """Give one kind of access through the real action; return False if the action refuses it."""
    try:
        with transaction.atomic():
            if kind == CaseAccess.Kind.MEMBER:
                add_member(opener, case, user)
            elif kind == CaseAccess.Kind.GRANT:
                grant_access(lead, case, user, reason="independent review")
            elif kind == CaseAccess.Kind.NAMED:
                name_on_sealed_case(lead, case, user, reason="second investigator")
            else:
                break_glass(user, case.reference, "urgent safeguarding check")
    except (PermissionDenied, ValidationError):
        return False
    return True


def make_user(username: str, role: Role, unit: str, manager: User | None = None) -> User:
    """Create a member of staff through the real action."""
    user, _ = create_user(
        None, username, NOT_USED, role=role, force="XF", unit=unit, line_manager=manager
    )
    return user


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_decide_agrees_with_the_pure_rules(scenario: Scenario) -> None:
    """For random staff, managers, loops and grants, `decide` gives the pure rules' answer."""
    with transaction.atomic():
        lead = make_user("lead", Role.CC_LEAD, "acu")
        opener = make_user("opener", Role.PSD_INVESTIGATOR, "psd-opener")
        users: list[User] = []
        for i, person in enumerate(scenario.people):
            manager = users[person.manager] if person.manager is not None else None
            users.append(make_user(f"staff{i}", person.role, person.unit, manager))
        subject = users[scenario.subject] if scenario.subject is not None else None
        case = open_case(opener, "PSD-2025-0001", "Drawn case", subject, sealed=scenario.sealed)
        if scenario.loop is not None:
            # Bad data written behind the actions' backs: a loop in the line management.
            a, b = scenario.loop
            User.objects.filter(pk=users[a].pk).update(line_manager=users[b])
        live: dict[int, set[str]] = {}
        for user, person in zip(users, scenario.people, strict=True):
            live[user.pk] = {k for k in sorted(person.kinds) if give(lead, opener, user, k, case)}
            if person.expired:
                # Everything this person was given ran out a minute ago.
                CaseAccess.objects.filter(case=case, user=user).update(
                    expires_at=timezone.now() - dt.timedelta(minutes=1)
                )
                live[user.pk] = set()
            if not person.active:
                User.objects.filter(pk=user.pk).update(is_active=False)
        chart = chart_of(scenario, users, [lead, opener])
        for user, person in zip(users, scenario.people, strict=True):
            user.refresh_from_db()
            want = pure_decision(
                person.active, user.pk, case.subject_id, case.sealed, live[user.pk], chart
            )
            assert decide(user, case).allowed is want, (user.username, scenario)
            assert (case in cases_for_user(user)) is want, (user.username, scenario)
        transaction.set_rollback(True)
