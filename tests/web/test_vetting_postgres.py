"""Row-level security on vetting, for real, as the application's role: the database shows each
viewer exactly the clearances, moves, tasks, posts, withdrawal assessments, appeals and
transfers the app would, lets the app's own writes through in the actor's name, and refuses the
rest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import AuditAlert
from custodes.web.needtoknow.charts import Charts
from custodes.web.vetting.access import (
    may_use_vetting,
    record_conflict,
    tasks_for_user,
    transfers_for_user,
    withdrawals_for_user,
)
from custodes.web.vetting.actions import (
    SweepError,
    Who,
    decide_task,
    import_external_check,
    move_into_post,
    record_clearance,
    set_post_requirement,
    sweep,
    who,
)
from custodes.web.vetting.models import (
    Appeal,
    Clearance,
    Posting,
    PostRequirement,
    Transfer,
    VettingTask,
    Withdrawal,
)
from custodes.web.vetting.transfers import record_transfer
from custodes.web.vetting.withdrawal import begin_withdrawal, current_clearance, lodge_appeal
from tests.web.audit_helpers import add_user, import_run, make_audit_folders, staff_around
from tests.web.conftest import Org
from tests.web.test_postgres_security import as_app, refused
from tests.web.vetting_helpers import Staff, make_staff

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

TABLES = ("vetting_clearance", "vetting_posting", "vetting_vettingtask", "vetting_postrequirement")
# Withdrawal assessments, appeals and transfers (dbsecurity 0015).
LATER = ("vetting_withdrawal", "vetting_appeal", "vetting_transfer")
REASON = "Vetting interview held; references and financial checks returned clear"


@dataclass
class World:
    """The vetted constable's staff, vetting officers placed in an audited force's chart, and
    a clearance, a move and a task about each of them and about staff known only by id."""

    staff: Staff
    unit_vetter: User  # a vetting officer in the force unit of `near` (known by id only)
    chain_vetter: User  # a vetting officer who manages `near` in the force's chart
    idle_vetter: User  # a vetting officer with no force user id: uses nothing
    near: str  # a force user id with no account
    far: str  # a force user id with no account, far from everyone here
    post: PostRequirement

    @property
    def viewers(self) -> list[User]:
        """Return everyone who might look: who may use vetting and who may not."""
        s = self.staff
        return [
            s.vetter,
            s.subject,
            s.manager,
            s.colleague,
            s.outsider,
            self.unit_vetter,
            self.chain_vetter,
            self.idle_vetter,
        ]


def _day(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture(name="world")
def world_fixture(org: Org, tmp_path_factory: pytest.TempPathFactory) -> World:
    """Make the staff, import an audit run for the force's chart, and record vetting about
    everyone as the command line would (the owner: no actor)."""
    staff = make_staff()
    run = import_run(make_audit_folders(tmp_path_factory))
    top = AuditAlert.objects.get(run=run, rank=1)
    around = staff_around(top)
    unit_vetter = add_user(org, "unit-vetter", Role.VETTING_OFFICER, "vetting-2", around.unit_mate)
    chain_vetter = add_user(org, "chain-vetter", Role.VETTING_OFFICER, "vetting-3", around.manager)
    idle_vetter = add_user(org, "idle-vetter", Role.VETTING_OFFICER, "vetting-4")
    post = set_post_requirement(None, "Professional standards", "MV")
    accounts = (staff.subject, staff.manager, staff.colleague, staff.vetter, staff.outsider)
    people = [
        *(who(u) for u in (*accounts, unit_vetter)),
        who(org.owner),  # an account with no force user id: "account:<pk>"
        Who(None, "XF", around.subject),  # known only by id in the force
        Who(None, "XF", around.stranger),
        Who(None, "XF", "V100"),  # the constable's id, from a record that names no account
    ]
    for n, person in enumerate(people):
        assert person is not None
        record_clearance(
            None, person, "RV", Clearance.Status.GRANTED, reason=REASON, granted_on=_day(-400 - n)
        )
        _posting, task = move_into_post(None, person, post, _day(-n))
        assert task is not None  # MV is not held: every move raises its task
    return World(
        staff, unit_vetter, chain_vetter, idle_vetter, around.subject, around.stranger, post
    )


def ids(table: str) -> set[int]:
    """Return the ids of `table` the current role may see."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table}")
        return {int(row[0]) for row in cursor.fetchall()}


def allowed(user: User) -> dict[str, set[int]]:
    """Return what access.py lets `user` see of each table, decided as the owner."""
    charts = Charts()

    def shown(model: type[Clearance] | type[Posting] | type[VettingTask]) -> set[int]:
        return {r.pk for r in model.objects.all() if record_conflict(user, r, charts) is None}

    posts = set(PostRequirement.objects.values_list("pk", flat=True))
    return {
        "vetting_clearance": shown(Clearance),
        "vetting_posting": shown(Posting),
        "vetting_vettingtask": shown(VettingTask),
        "vetting_postrequirement": posts if may_use_vetting(user) else set(),
    }


def test_every_table_is_guarded(db: None) -> None:
    tables = [*TABLES, *LATER]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(%s)", [tables]
        )
        assert dict(cursor.fetchall()) == dict.fromkeys(tables, True)


def test_the_database_shows_each_viewer_what_the_app_does(world: World) -> None:
    """The subject, their manager, a vetting officer in their unit, an outsider, vetting
    officers placed in the force's chart near someone known only by id, one with no force id,
    and one entitled to see: the same rows, decided twice, in every table."""
    wanted = {user.username: allowed(user) for user in world.viewers}
    for user in world.viewers:
        queue = {t.pk for t in tasks_for_user(user, open_only=False)}
        assert queue == wanted[user.username]["vetting_vettingtask"], user
        with as_app(user):
            for table in TABLES:
                assert ids(table) == wanted[user.username][table], (user, table)
    # Not a test that cannot fail: each refusal is there, and the entitled see the rest.
    s = world.staff
    about = {t.pk: (t.person, t.force_user_id) for t in VettingTask.objects.all()}

    def people(username: str) -> set[str]:
        return {about[pk][0] for pk in wanted[username]["vetting_vettingtask"]}

    everyone = {person for person, _ in about.values()}
    assert len(everyone) == 9 and len(about) == 10  # two records name the constable
    mine = {f"force:XF:{u.force_user_id}" for u in (s.vetter,)}
    assert people("vet-officer") == everyone - mine  # the entitled see all but their own
    subject = "force:XF:V100"
    for name in ("vet-subject", "vet-manager", "vet-colleague"):
        assert subject not in people(name), name
        # The record naming only the constable's id is kept from them too.
        assert (
            not {pk for pk, (_, fid) in about.items() if fid == "V100"}
            & (wanted[name]["vetting_vettingtask"])
        )
    assert people("vet-outsider") == people("idle-vetter") == set()
    for name in ("unit-vetter", "chain-vetter"):
        assert f"force:XF:{world.near}" not in people(name), name
        assert f"force:XF:{world.far}" in people(name), name
        assert subject in people(name), name


def test_the_apps_writes_go_through_in_the_actors_name(world: World) -> None:
    """A clearance, a move, its task decided and a post changed, as the application's role."""
    s = world.staff
    person = who(s.subject)
    assert person is not None
    with as_app(s.vetter):
        clearance = record_clearance(
            s.vetter, person, "MV", Clearance.Status.GRANTED, reason=REASON, granted_on=_day(-1)
        )
        designated = set_post_requirement(s.vetter, "Counter-corruption unit", "SC")
        _posting, task = move_into_post(s.vetter, person, designated, _day(0))
        assert task is not None
        decided = decide_task(s.vetter, task, VettingTask.Decision.CONDITIONS, REASON)
        set_post_requirement(s.vetter, world.post.name, "MV", PostRequirement.Vulnerable.NONE)
        assert ids("vetting_clearance") >= {clearance.pk}
        assert decided.decided_by == s.vetter


def test_the_app_and_the_database_refuse_writes_about_someone_too_close(world: World) -> None:
    """The colleague records nothing about the constable: the action refuses, and the same
    statements sent straight to the database are refused or change nothing."""
    s = world.staff
    person = who(s.subject)
    assert person is not None
    with pytest.raises(PermissionDenied, match="your unit"):
        record_clearance(
            s.colleague, person, "RV", Clearance.Status.GRANTED, reason=REASON, granted_on=_day(0)
        )
    with pytest.raises(PermissionDenied):
        move_into_post(s.subject, person, world.post, _day(0))
    theirs = VettingTask.objects.filter(person=person.key).values_list("pk", flat=True)[0]
    now = timezone.now()
    insert = (
        "INSERT INTO vetting_clearance (user_id, force, force_user_id, person, level, status,"
        " granted_on, conditions, unit, reason, rules, decided_by_id, decided_at)"
        " VALUES (%s, 'XF', 'V100', 'force:XF:V100', 'MV', 'granted', %s, '', '', 'x', '{}',"
        " %s, %s)"
    )
    with as_app(s.colleague) as cursor:
        message = refused(cursor, insert, [s.subject.pk, _day(0), s.colleague.pk, now])
        assert "row-level security" in message
        cursor.execute(
            "UPDATE vetting_vettingtask SET status = 'decided', decision = 'stands',"
            " decided_by_id = %s WHERE id = %s",
            [s.colleague.pk, theirs],
        )
        assert cursor.rowcount == 0  # hidden from them: nothing to change
    with as_app(s.vetter) as cursor:
        # In another's name, though the vetter may see the constable.
        message = refused(cursor, insert, [s.subject.pk, _day(0), s.colleague.pk, now])
        assert "row-level security" in message
        # Decided in another's name.
        message = refused(
            cursor,
            "UPDATE vetting_vettingtask SET decided_by_id = %s WHERE id = %s",
            [s.colleague.pk, theirs],
        )
        assert "row-level security" in message
        # Decisions and moves stay as they were made; a task's facts are not the app's.
        for statement in (
            "UPDATE vetting_clearance SET level = 'DV'",
            "DELETE FROM vetting_posting",
            "UPDATE vetting_vettingtask SET due_on = due_on + 365",
            "DELETE FROM vetting_vettingtask",
            "DELETE FROM vetting_postrequirement",
        ):
            assert "permission denied" in refused(cursor, statement), statement


def test_a_sweep_or_a_check_under_row_level_security_is_refused(
    world: World, tmp_path: Path
) -> None:
    """The app's role sees only part of the triggers and the tasks: it would miss some and
    raise others twice. The owner runs them."""
    target = tmp_path / "pnd.csv"
    target.write_text(
        "check,hit_ref,force,force_user_id,hit_on,summary\nPND,H-1,XF,V100,2025-05-01,x\n",
        encoding="utf-8",
    )
    before = VettingTask.objects.count()
    with as_app(world.staff.vetter):
        with pytest.raises(SweepError, match="row-level security binds"):
            sweep(_day(0))
        with pytest.raises(SweepError, match="row-level security binds"):
            import_external_check(world.staff.vetter, target)
    assert VettingTask.objects.count() == before
    # As the owner: every move already has its task (the clearances' integrity reviews and the
    # month's random sample are new triggers, raised now).
    assert [t for t in sweep(_day(0)).created if t.trigger == "post-move"] == []


# --- Withdrawal assessments, appeals and transfers -------------------------------------------


@dataclass
class Assessed:
    """An assessment and an appeal about everyone the world holds a clearance for, and
    transfers about each account, about staff known only by id, and by a former force's id
    alone: the constable's (V100), one near the vetting officers placed in the force's chart,
    and one near no one."""

    by_former_id: dict[str, Transfer]  # "V100", "near", "nobody"


def _joining(former_staff_id: str, n: int) -> dict[str, Any]:
    return {
        "first_name": "Transferee",
        "last_name": f"Number {n}",
        "former_force": "Northshire Police",
        "former_staff_id": former_staff_id,
        "starts_on": _day(30 + n),
    }


@pytest.fixture(name="assessed")
def assessed_fixture(world: World) -> Assessed:
    """Record them as the command line would (the owner: no actor)."""
    people = sorted(set(Clearance.objects.values_list("person", flat=True)))
    for person in people:
        granted = current_clearance(person)
        assert granted is not None
        begin_withdrawal(None, granted, REASON)
        about = Who(granted.user_id, granted.force, granted.force_user_id)
        refused_ = record_clearance(None, about, "MV", Clearance.Status.REFUSED, reason=REASON)
        lodge_appeal(None, refused_, "The references were about someone else")
    s = world.staff
    accounts = (s.subject, s.manager, s.colleague, s.vetter, s.outsider, world.unit_vetter)
    n = 0
    for n, user in enumerate(accounts):
        record_transfer(None, **_joining(f"OLD-{n}", n), user=user)
    for fid in (world.near, world.far):
        n += 1
        record_transfer(None, **_joining(f"OLD-{n}", n), force="XF", force_user_id=fid)
    by_former_id = {}
    for name, former in (("V100", "V100"), ("near", world.near), ("nobody", "NP-9999")):
        n += 1
        by_former_id[name] = record_transfer(None, **_joining(former, n))
    assert Withdrawal.objects.count() == Appeal.objects.count() == len(people) == 9
    return Assessed(by_former_id)


def allowed_later(user: User) -> dict[str, set[int]]:
    """Return what access.py lets `user` see of the assessments, appeals and transfers."""
    charts = Charts()

    def shown(model: type[Withdrawal] | type[Appeal] | type[Transfer]) -> set[int]:
        return {r.pk for r in model.objects.all() if record_conflict(user, r, charts) is None}

    return {
        "vetting_withdrawal": shown(Withdrawal),
        "vetting_appeal": shown(Appeal),
        "vetting_transfer": shown(Transfer),
    }


def test_the_database_shows_each_viewer_the_assessments_appeals_and_transfers_the_app_does(
    world: World, assessed: Assessed
) -> None:
    """The subject, their manager, a vetting officer in their unit, an outsider, vetting
    officers placed in the force's chart, one with no force id, and one entitled to see: the
    same rows, decided by the app and by the database; and a transferee's former force's id
    keeps their transfer from those close to it."""
    wanted = {user.username: allowed_later(user) for user in world.viewers}
    for user in world.viewers:
        mine = wanted[user.username]
        assert {w.pk for w in withdrawals_for_user(user)} == mine["vetting_withdrawal"], user
        assert {t.pk for t in transfers_for_user(user)} == mine["vetting_transfer"], user
        with as_app(user):
            for table in LATER:
                assert ids(table) == mine[table], (user, table)
    # Not a test that cannot fail: each refusal is there, and the entitled see the rest.
    s = world.staff
    everything = {table: set(wanted["vet-officer"][table]) for table in LATER}
    for model, table in ((Withdrawal, LATER[0]), (Appeal, LATER[1])):
        every = set(model.objects.values_list("pk", flat=True))
        theirs, constable, near = (
            set(model.objects.filter(force_user_id=fid).values_list("pk", flat=True))
            for fid in (s.vetter.force_user_id, "V100", world.near)
        )
        assert len(theirs) == len(constable) == len(near) == 1
        assert everything[table] == every - theirs
        for name in ("vet-subject", "vet-manager", "vet-colleague"):
            assert not constable & wanted[name][table], name
            assert near <= wanted[name][table], name
        for name in ("unit-vetter", "chain-vetter"):
            assert constable <= wanted[name][table] and not near & wanted[name][table], name
    for name in ("vet-outsider", "idle-vetter"):
        assert wanted[name] == {table: set() for table in LATER}, name
    former = {name: t.pk for name, t in assessed.by_former_id.items()}
    transfers = {name: wanted[name]["vetting_transfer"] for name in wanted}
    assert set(former.values()) <= transfers["vet-officer"]
    for name in ("vet-subject", "vet-manager", "vet-colleague"):
        assert former["V100"] not in transfers[name], name
        assert {former["near"], former["nobody"]} <= transfers[name], name
    for name in ("unit-vetter", "chain-vetter"):
        assert former["near"] not in transfers[name], name
        assert {former["V100"], former["nobody"]} <= transfers[name], name


def test_the_database_refuses_changes_to_assessments_appeals_and_transfers_the_app_never_makes(
    world: World, assessed: Assessed
) -> None:
    """Each step in its taker's own name, in the columns it writes; nothing about someone too
    close, by a transferee's former id either; nothing removed."""
    s = world.staff
    withdrawal = Withdrawal.objects.get(force_user_id="V100")
    appeal = Appeal.objects.get(force_user_id="V100")
    constables = assessed.by_former_id["V100"]
    insert = (
        "INSERT INTO vetting_transfer (user_id, force, force_user_id, person, first_name,"
        " middle_name, last_name, sex, former_force, former_staff_id, unit, starts_on,"
        " recorded_by_id, recorded_at, checks, record_requested_on, record_note)"
        " VALUES (NULL, 'XF', NULL, 'transfer:x', 'A', '', 'B', '', 'Northshire Police', 'V100',"
        " '', %s, %s, %s, 0, %s, '')"
    )
    now = timezone.now()
    with as_app(s.colleague) as cursor:
        # A transfer whose former id is the constable's, in the colleague's own name.
        message = refused(cursor, insert, [_day(60), s.colleague.pk, now, _day(0)])
        assert "row-level security" in message
        hidden: list[tuple[str, list[Any]]] = [
            ("UPDATE vetting_transfer SET checks = 0 WHERE id = %s", [constables.pk]),
            (
                "UPDATE vetting_withdrawal SET stage = 'notice-served', notice_by_id = %s"
                " WHERE id = %s",
                [s.colleague.pk, withdrawal.pk],
            ),
            (
                "UPDATE vetting_appeal SET result = 'upheld', decided_by_id = %s WHERE id = %s",
                [s.colleague.pk, appeal.pk],
            ),
        ]
        for statement, params in hidden:
            cursor.execute(statement, params)
            assert cursor.rowcount == 0, statement  # hidden from them: nothing to change
    with as_app(s.vetter) as cursor:
        # In another's name, or a change that leaves the assessment where it began.
        others: list[tuple[str, list[Any]]] = [
            (
                "UPDATE vetting_withdrawal SET stage = 'notice-served', notice_by_id = %s"
                " WHERE id = %s",
                [s.colleague.pk, withdrawal.pk],
            ),
            ("UPDATE vetting_withdrawal SET grounds = 'x' WHERE id = %s", [withdrawal.pk]),
            (
                "UPDATE vetting_appeal SET result = 'upheld', decided_by_id = %s WHERE id = %s",
                [s.colleague.pk, appeal.pk],
            ),
            (insert, [_day(60), s.colleague.pk, now, _day(0)]),
        ]
        for statement, params in others:
            assert "row-level security" in refused(cursor, statement, params), statement
        # Whom a record is about, what was assessed or appealed, and how it began are not the
        # app's to change; nothing is removed.
        for statement in (
            "UPDATE vetting_withdrawal SET force_user_id = NULL",
            "UPDATE vetting_withdrawal SET clearance_id = clearance_id",
            "UPDATE vetting_withdrawal SET begun_on = begun_on - 1",
            "UPDATE vetting_appeal SET decision_id = decision_id",
            "UPDATE vetting_appeal SET lodged_on = lodged_on - 1",
            "UPDATE vetting_transfer SET former_staff_id = 'NP-1'",
            "UPDATE vetting_transfer SET user_id = NULL",
            "DELETE FROM vetting_withdrawal",
            "DELETE FROM vetting_appeal",
            "DELETE FROM vetting_transfer",
        ):
            assert "permission denied" in refused(cursor, statement), statement
        # The step the app takes, in the vetter's own name, goes through.
        cursor.execute(
            "UPDATE vetting_withdrawal SET stage = 'notice-served', notice_by_id = %s"
            " WHERE id = %s",
            [s.vetter.pk, withdrawal.pk],
        )
        assert cursor.rowcount == 1
