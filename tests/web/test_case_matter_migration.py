"""Cases made before the matter and its path keep working: the migration, run on a database
holding them, gives each its dates, source and kind, and its subject as a CaseSubject, so
need-to-know decides exactly as before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.cases import path
from custodes.web.cases.access import decide
from custodes.web.cases.actions import add_member
from custodes.web.cases.models import Case, CaseSubject, Decision
from custodes.web.cases.timeline import open_steps
from custodes.web.needtoknow.models import ForceStaff

BEFORE = [("cases", "0002_case_subject_in_force")]
NOT_USED = "a password no test signs in with"


def leaves(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return list(executor.loader.graph.leaf_nodes())


@pytest.fixture
def before(transactional_db: None) -> Iterator[MigrationExecutor]:
    """Take the database back to before cases 0003; bring it forward again after the test."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        yield executor
    finally:
        forward = MigrationExecutor(connection)
        forward.migrate(leaves(forward))


def user(name: str, unit: str, manager: User | None = None, **more: str) -> User:
    made, _ = create_user(
        None,
        name,
        NOT_USED,
        role=Role.PSD_INVESTIGATOR,
        force="XF",
        unit=unit,
        line_manager=manager,
        **more,
    )
    return made


def test_existing_cases_keep_their_subject_and_need_to_know(
    before: MigrationExecutor,
) -> None:
    old = before.loader.project_state(BEFORE).apps
    case_model = old.get_model("cases", "Case")
    access_model = old.get_model("cases", "CaseAccess")
    run_model = old.get_model("alerts", "AuditRun")
    alert_model = old.get_model("alerts", "AuditAlert")
    owner = user("owner", "psd-1")
    sergeant = user("sergeant", "response-1")
    pc = user("pc", "response-1", sergeant)
    boss = user("boss", "psd-9", force_user_id="XF-100")
    opened = timezone.now() - dt.timedelta(days=40)
    about_pc = case_model.objects.create(
        reference="PSD-2025-0001",
        title="About an account",
        subject_id=pc.pk,
        opened_by_id=owner.pk,
        opened_at=opened,
    )
    from_alert = case_model.objects.create(
        reference="AUDIT-1-00001",
        title="From an audit alert",
        subject_force="XF",
        subject_force_user_id="XF-101",
        opened_by_id=owner.pk,
        opened_at=opened,
    )
    about_nobody = case_model.objects.create(
        reference="PSD-2025-0002",
        title="About nobody yet",
        opened_by_id=owner.pk,
        opened_at=opened,
    )
    for case in (about_pc, from_alert, about_nobody):
        for member in (owner, sergeant, boss):
            access_model.objects.create(
                case=case,
                user_id=member.pk,
                kind="member",
                granted_by_id=owner.pk,
                granted_at=opened,
            )
    run = run_model.objects.create(
        source="run",
        fingerprint="f" * 64,
        force="XF",
        imported_at=opened,
        staff_count=2,
        alert_count=1,
        evidence_count=0,
        look_ups=0,
        explained=0,
        explained_share=1.0,
    )
    alert = alert_model.objects.create(
        run=run,
        rank=1,
        force="XF",
        force_user_id="XF-101",
        score=1.0,
        summary="s",
        reasons="r",
        events=1,
        first_ts=opened,
        last_ts=opened,
        status="case-opened",
        case=from_alert,
    )
    # The force's chart is needtoknow's, which this migration does not touch.
    ForceStaff.objects.create(
        run_id=run.pk, force="XF", user_id="XF-101", unit="cid", line_manager_id="XF-100"
    )
    ForceStaff.objects.create(run_id=run.pk, force="XF", user_id="XF-100", unit="cid-command")

    after = MigrationExecutor(connection)
    after.migrate(leaves(after))

    cases = {c.reference: c for c in Case.objects.all()}
    for case in cases.values():
        assert case.came_to_attention == timezone.localtime(opened).date()
        assert (case.kind, case.profile, case.stage) == (
            "intelligence",
            "england-wales",
            "assessment",
        )
        assert case.closed_at is None and case.indications == []
    alerted = cases["AUDIT-1-00001"]
    assert (alerted.source, alerted.source_record_type, alerted.source_record_id) == (
        "audit-alert",
        "audit-alert",
        str(alert.pk),
    )
    assert cases["PSD-2025-0001"].source == "other"
    first = CaseSubject.objects.get(case=cases["PSD-2025-0001"])
    assert (first.user_id, first.force_user_id, first.unit, first.added_by_id) == (
        pc.pk,
        None,
        "response-1",
        owner.pk,
    )
    by_id = CaseSubject.objects.get(case=alerted)
    assert (by_id.user_id, by_id.force, by_id.force_user_id) == (None, "XF", "XF-101")
    assert not CaseSubject.objects.filter(case=cases["PSD-2025-0002"]).exists()
    # Need-to-know as before: the PC's sergeant and the alert subject's manager are kept out.
    owner, sergeant, boss = (User.objects.get(username=n) for n in ("owner", "sergeant", "boss"))
    assert [decide(u, cases["PSD-2025-0001"]).allowed for u in (owner, sergeant, boss)] == [
        True,
        False,
        True,
    ]
    assert [decide(u, alerted).allowed for u in (owner, sergeant, boss)] == [True, True, False]
    assert all(decide(u, cases["PSD-2025-0002"]).allowed for u in (owner, sergeant, boss))
    # And they go on along the path: nothing is owed on intelligence, and it can be closed.
    assert open_steps(alerted) == []
    authority, _ = create_user(
        None,
        "authority",
        NOT_USED,
        role=Role.APPROPRIATE_AUTHORITY,
        force="XF",
        unit="psd-command",
    )
    add_member(owner, alerted, authority)
    path.close_case(authority, alerted, "No further action: the look-ups were explained")
    assert Decision.objects.get(case=alerted).step == Decision.Step.CLOSURE
