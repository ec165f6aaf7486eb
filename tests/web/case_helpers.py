"""A professional standards department for the case-path tests: who takes each step, a
subject and their chain, and a complaint of abuse of position for a sexual purpose taken in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.cases.actions import add_member
from custodes.web.cases.matter import NewAllegation, NewSubject, take_in
from custodes.web.cases.models import Case, CaseSubject
from tests.web.conftest import PASSWORD, Org

__all__ = ["APSP", "REASON", "Dept", "days_ago", "dept_fixture", "take_in_apsp"]

APSP = "abuse-of-position-sexual"
REASON = "Recorded messages and call data show it; the complainant confirmed it in interview"


def days_ago(n: int) -> dt.date:
    """Return the day `n` days before today."""
    return timezone.localdate() - dt.timedelta(days=n)


@dataclass
class Dept:
    """The people around a case: the steps' takers, the subject's chain, and the org's."""

    org: Org
    intake: User
    authority: User
    investigator: User
    reviewer: User
    pc: User
    sergeant: User
    pc_peer: User
    inspector: User

    @property
    def outsider(self) -> User:
        """Return someone of the investigator's role on no case."""
        return self.org.outsider

    def make(
        self,
        username: str,
        role: Role,
        unit: str,
        manager: User | None = None,
        force: str = "XF",
        force_user_id: str | None = None,
    ) -> User:
        """Create a member of staff through the real action."""
        user, device = create_user(
            None,
            username,
            PASSWORD,
            role=role,
            force=force,
            unit=unit,
            line_manager=manager,
            force_user_id=force_user_id,
        )
        self.org.devices[username] = device
        return user


@pytest.fixture(name="dept")
def dept_fixture(org: Org) -> Dept:
    """Return the department: intake, authority, investigator, reviewer, a PC and their chain."""

    def make(
        username: str, role: Role, unit: str, manager: User | None = None, **names: str
    ) -> User:
        user, device = create_user(
            None,
            username,
            PASSWORD,
            role=role,
            force="XF",
            unit=unit,
            line_manager=manager,
            **names,
        )
        org.devices[username] = device
        return user

    head = make("psd-head", Role.APPROPRIATE_AUTHORITY, "psd-command")
    intake = make("intake", Role.INTAKE_HANDLER, "psd-intake", head)
    authority = make("authority", Role.APPROPRIATE_AUTHORITY, "psd-command", head)
    investigator = make("investigator", Role.PSD_INVESTIGATOR, "psd-3", head)
    reviewer, device = create_user(
        None, "reviewer", PASSWORD, role=Role.OVERSIGHT_REVIEWER, force="IOPC", unit="oversight"
    )
    org.devices["reviewer"] = device
    inspector = make("inspector", Role.INTAKE_HANDLER, "response-south")
    sergeant = make("sergeant-south", Role.INTAKE_HANDLER, "response-south-1", inspector)
    pc = make(
        "pc-reeve",
        Role.INTAKE_HANDLER,
        "response-south-1",
        sergeant,
        first_name="Daniel",
        last_name="Reeve",
    )
    pc_peer = make("pc-peer", Role.INTAKE_HANDLER, "response-south-1", sergeant)
    return Dept(org, intake, authority, investigator, reviewer, pc, sergeant, pc_peer, inspector)


def take_in_apsp(
    d: Dept,
    reference: str = "PSD-2026-0100",
    *,
    came: int = 20,
    kind: str = Case.Kind.COMPLAINT,
    subjects: list[NewSubject] | None = None,
    team: bool = True,
) -> Case:
    """Take in a complaint that PC Reeve abused his position for a sexual purpose; put the
    appropriate authority on the case."""
    subjects = subjects or [
        NewSubject(
            user=d.pc,
            birth_date=dt.date(1990, 4, 2),
            rank="PC",
            warrant_number="XF4471",
        )
    ]
    case = take_in(
        d.intake,
        reference,
        "Messages to a domestic-abuse victim after attending her call",
        kind=kind,
        source=Case.Source.SUPPORT_ORGANISATION,
        came_to_attention=days_ago(came),
        arose_on=days_ago(came + 30),
        subjects=subjects,
        allegations=[NewAllegation(0, APSP, "Sent her messages after the job; visited off duty")],
        complainant_view="She wants it investigated and the officer kept away from her",
        complainant_wants_recording=True,
    )
    if team:
        add_member(d.intake, case, d.authority)
    return case


def subject_of(case: Case, user: User | None = None) -> CaseSubject:
    """Return the case's subject (with that account, if given)."""
    found = case.subjects.all()
    return found.get(user=user) if user is not None else found.order_by("added_at").first()  # type: ignore[return-value]
