"""Need-to-know on a case about several members of staff: too close to any one of them is a
conflict, in custodes' chart and in an imported force's; over random charts, `decide` gives the
pure rule's answer for every subject at once."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import AuditRun
from custodes.web.cases.access import cases_for_user, decide, is_subject
from custodes.web.cases.actions import add_member, break_glass, grant_access
from custodes.web.cases.matter import NewSubject, name_subject
from custodes.web.cases.models import Case
from custodes.web.needtoknow.models import ForceStaff
from custodes.web.needtoknow.rule import Conflict, OrgChart, conflict
from tests.web.case_helpers import (
    Dept,
    dept_fixture,  # noqa: F401 - a fixture
    take_in_apsp,
)


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


def force_chart(rows: list[tuple[str, str, str]]) -> AuditRun:
    """Import a force's chart as an audit run would: (user id, unit, line manager id)."""
    run = AuditRun.objects.create(
        source="chart",
        fingerprint=f"chart-{AuditRun.objects.count()}",
        force="XF",
        imported_at=timezone.now(),
        staff_count=len(rows),
        alert_count=0,
        evidence_count=0,
        look_ups=0,
        explained=0,
        explained_share=1.0,
    )
    ForceStaff.objects.bulk_create(
        ForceStaff(run=run, force="XF", user_id=u, unit=unit, line_manager_id=m)
        for u, unit, m in rows
    )
    return run


def two_subjects(d: Dept) -> Case:
    """A case about PC Reeve (an account) and DC Marsh (known only in the force's chart)."""
    force_chart(
        [
            ("XF-7001", "cid-east", "XF-7000"),
            ("XF-7000", "cid-east", ""),
            ("XF-7002", "cid-east", "XF-7000"),
            ("XF-8000", "acu", ""),
        ]
    )
    case = take_in_apsp(d)
    name_subject(
        d.intake,
        case,
        NewSubject(force="XF", force_user_id="XF-7001", first_name="Jo", last_name="Marsh"),
    )
    return case


def test_too_close_to_the_second_subject_is_kept_out(d: Dept) -> None:
    case = two_subjects(d)
    # Accounts placed in the force's chart by their force user ids.
    marsh_boss = d.make("di-cole", Role.PSD_INVESTIGATOR, "psd-7", force_user_id="XF-7000")
    marsh_mate = d.make("dc-hart", Role.PSD_INVESTIGATOR, "psd-8", force_user_id="XF-7002")
    marsh = d.make("dc-marsh", Role.PSD_INVESTIGATOR, "psd-9", force_user_id="XF-7001")
    far = d.make("acu-one", Role.PSD_INVESTIGATOR, "psd-10", force_user_id="XF-8000")
    for user in (marsh_boss, marsh_mate, marsh, far, d.pc_peer):
        add_member(d.intake, case, user)
    assert decide(far, case).allowed and case in cases_for_user(far)
    assert decide(marsh_boss, case).why == Conflict.CHAIN.value
    assert decide(marsh_mate, case).why == Conflict.UNIT.value
    assert decide(marsh, case).why == Conflict.SELF.value and is_subject(marsh, case)
    assert decide(d.pc_peer, case).why == Conflict.UNIT.value  # the first subject's unit
    for user in (marsh_boss, marsh_mate, marsh, d.pc_peer):
        assert case not in cases_for_user(user), user
    # A lead may grant past a unit or chain conflict, never to a subject.
    grant_access(d.org.lead, case, marsh_mate, "only detective cleared for the phone download")
    assert decide(marsh_mate, case).allowed
    with pytest.raises(PermissionDenied, match="about themselves"):
        grant_access(d.org.lead, case, marsh, "should never be allowed")
    # Break-glass is for absent colleagues, not those too close to any subject.
    for user in (marsh_boss, marsh):
        with pytest.raises(PermissionDenied):
            break_glass(user, case.reference, "Urgent safeguarding check on a repeat caller")


def test_naming_a_subject_takes_the_case_from_those_too_close_to_them(d: Dept) -> None:
    case = take_in_apsp(d)
    colleague = d.make("dc-lane", Role.PSD_INVESTIGATOR, "cid-west")
    add_member(d.intake, case, colleague)
    assert decide(colleague, case).allowed
    lane_boss = d.make("di-west", Role.INTAKE_HANDLER, "cid-west-command")
    User.objects.filter(pk=colleague.pk).update(line_manager=lane_boss)
    name_subject(d.intake, case, NewSubject(user=lane_boss, first_name="Di", last_name="West"))
    assert decide(colleague, case).why == Conflict.CHAIN.value
    # Nor may anyone name a subject they are too close to.
    assert d.intake.line_manager is not None
    with pytest.raises(PermissionDenied, match="chain or unit"):
        name_subject(d.intake, case, NewSubject(user=d.intake.line_manager))


# -- over random charts ----------------------------------------------------------------------

UNITS = ["u1", "u2", "u3"]
NOT_USED = "a password no test signs in with"


@st.composite
def forces(draw: st.DrawFn) -> tuple[list[tuple[int | None, str]], list[int], list[int]]:
    """Draw staff (manager index, unit), two or three of them subjects, and who is on the team."""
    size = draw(st.integers(min_value=3, max_value=8))
    people = [
        (draw(st.none() | st.integers(0, i - 1)) if i else None, draw(st.sampled_from(UNITS)))
        for i in range(size)
    ]
    subjects = draw(st.lists(st.integers(0, size - 1), min_size=2, max_size=3, unique=True))
    team = draw(st.lists(st.integers(0, size - 1), unique=True))
    return people, subjects, team


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(drawn=forces())
def test_decide_keeps_a_case_from_whoever_is_too_close_to_any_subject(
    d: Dept, drawn: tuple[list[tuple[int | None, str]], list[int], list[int]]
) -> None:
    people, subjects, team = drawn
    with transaction.atomic():
        made: list[User] = []
        for i, (manager, unit) in enumerate(people):
            boss = made[manager] if manager is not None else None
            made.append(d.make(f"s{i}", Role.PSD_INVESTIGATOR, unit, boss))
        case = take_in_apsp(
            d,
            subjects=[
                NewSubject(user=made[i], first_name="A", last_name=f"B{i}") for i in subjects
            ],
            team=False,
        )
        for i in team:
            if made[i].pk not in {made[s].pk for s in subjects}:
                add_member(d.intake, case, made[i])
        chart = OrgChart(
            manager={u.pk: u.line_manager_id for u in User.objects.all()},
            unit={u.pk: u.unit for u in User.objects.all()},
        )
        for i, user in enumerate(made):
            closest = [conflict(user.pk, made[s].pk, chart) for s in subjects]
            want = i in team and i not in subjects and all(c is None for c in closest)
            assert decide(user, case).allowed is want, (i, people, subjects, team)
        transaction.set_rollback(True)


def test_a_later_run_hides_the_second_subject_from_their_new_manager(d: Dept) -> None:
    """Charts from every imported run count, as for a single subject."""
    case = two_subjects(d)
    later_boss = d.make("di-new", Role.PSD_INVESTIGATOR, "psd-11", force_user_id="XF-9100")
    add_member(d.intake, case, later_boss)
    assert decide(later_boss, case).allowed
    force_chart([("XF-7001", "cid-north", "XF-9100"), ("XF-9100", "cid-north-command", "")])
    assert decide(later_boss, case).why == Conflict.CHAIN.value
