"""Row-level security on the registry, for real, as the application's role: each viewer reads
exactly the list entries, rosters, screenings and matches the application would show them (a
match never to its subject, their chain or their unit), the app's own writes go through in the
actor's name, and the database refuses the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils import timezone
from typer.testing import CliRunner

from custodes.cli import app
from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.access import alerts_for_user
from custodes.web.alerts.models import Alert
from custodes.web.cases import path
from custodes.web.cases.models import ListReport
from custodes.web.registry.access import (
    candidates_for_user,
    get_entry_for_user,
    get_roster_for_user,
    get_screening_for_user,
    may_use_registry,
)
from custodes.web.registry.actions import (
    RegistryImportError,
    check_applicant,
    decide_candidate,
    import_list,
    load_roster,
    screen_roster,
)
from custodes.web.registry.models import (
    Candidate,
    Entry,
    ListImport,
    Roster,
    RosterPerson,
    Screening,
    Service,
)
from custodes.web.registry.receivers import RegistryTakeInError, take_in_list_reports
from custodes.web.trail.chain import verify
from custodes.web.trail.models import TrailEvent
from custodes.web.vetting.transfers import record_transfer
from tests.web.case_helpers import (
    REASON,
    Dept,
    days_ago,
    dept_fixture,  # noqa: F401 - a fixture
    take_in_apsp,
)
from tests.web.conftest import PASSWORD, Org, csrf_post
from tests.web.test_case_registry_chain import dismiss, to_hearing
from tests.web.test_postgres_security import as_app, connected_as_app, refused
from tests.web.vetting_helpers import under_rls

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

TABLES = (
    "registry_listimport",
    "registry_entry",
    "registry_service",
    "registry_roster",
    "registry_rosterperson",
    "registry_screening",
    "registry_candidate",
)
HEADER = "person_ref,first_name,middle_name,last_name,other_names,birth_date,birth_year,sex,"
PEOPLE = {
    # person_ref: first, last, birth date, sex
    "XF-S": ("Oriel", "Fairweather", "1981-02-03", "F"),
    "XF-O": ("Lucan", "Pemberton", "1979-09-14", "M"),
    "XF-X": ("Isolde", "Tregarthen", "1986-06-21", "F"),
    "XF-C": ("Ambrose", "Kettleby", "1990-12-01", "M"),
    "XF-M": ("Winifred", "Harcastle", "1970-04-04", "F"),
}
# The list names the subject, the outsider and a member of staff with no account; and one
# officer on no roster.
LISTED = {"GB-S": "XF-S", "GB-O": "XF-O", "GB-X": "XF-X"}
DECIDED = "Different middle name on the service record; birth certificate checked"


@dataclass
class World:
    """The vetting unit around a listed officer, a held roster, a list naming three of its
    people, the new list's screen, an applicant check, and one match already decided."""

    subject: User  # a vetting officer on the roster, on the list
    manager: User  # the subject's line manager, a vetting officer
    colleague: User  # a vetting officer in the subject's unit
    outsider: User  # a vetting officer in another unit, on the roster and on the list
    analyst: User  # counter-corruption: reads the lists, reviews no match
    investigator: User  # a PSD investigator: no use of the registry
    gone: User  # a vetting officer whose account is disabled
    roster: Roster
    roster_csv: Path
    about: dict[str, Candidate]  # the new list's match for each person_ref

    @property
    def viewers(self) -> list[User]:
        """Return everyone who might look."""
        return [
            self.subject,
            self.manager,
            self.colleague,
            self.outsider,
            self.analyst,
            self.investigator,
            self.gone,
        ]


def _write_roster(folder: Path) -> Path:
    lines = [HEADER + "agency,badge"]
    lines += [
        f"{ref},{first},,{last},,{born},,{sex},Exampleshire Police,"
        for ref, (first, last, born, sex) in PEOPLE.items()
    ]
    target = folder / "xf-roster.csv"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def _write_list(folder: Path) -> Path:
    lines = [
        HEADER + "agency,badge,list_type,jurisdiction,reason,action_date,status,source",
    ]
    rows = [(ref, PEOPLE[staff]) for ref, staff in LISTED.items()]
    rows.append(("GB-Z", ("Bartholomew", "Quenby", "1965-01-01", "M")))
    lines += [
        f"{ref},{first},,{last},,{born},,{sex},Northshire Police,,barred,GB-EAW,"
        "Gross misconduct: abuse of position for a sexual purpose,2025-06-30,active,"
        "test fixture (invented people)"
        for ref, (first, last, born, sex) in rows
    ]
    target = folder / "list.csv"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def make_world(org: Org, folder: Path) -> World:
    """Make the staff through the real action, and the registry as the owner would."""

    def make(name: str, role: Role, unit: str, ref: str, manager: User | None = None) -> User:
        user, device = create_user(
            None,
            name,
            PASSWORD,
            role=role,
            force="XF",
            unit=unit,
            line_manager=manager,
            force_user_id=ref,
        )
        org.devices[name] = device
        return user

    manager = make("reg-manager", Role.VETTING_OFFICER, "vetting-command", "XF-M")
    subject = make("reg-subject", Role.VETTING_OFFICER, "vetting-a", "XF-S", manager)
    colleague = make("reg-colleague", Role.VETTING_OFFICER, "vetting-a", "XF-C")
    outsider = make("reg-outsider", Role.VETTING_OFFICER, "vetting-b", "XF-O")
    analyst = make("reg-analyst", Role.CC_ANALYST, "counter-corruption", "XF-A")
    investigator = make("reg-investigator", Role.PSD_INVESTIGATOR, "psd-4", "XF-N")
    gone = make("reg-gone", Role.VETTING_OFFICER, "vetting-c", "XF-G")
    gone.is_active = False
    gone.save()
    roster_csv = _write_roster(folder)
    roster = load_roster(None, "XF staff", "XF", roster_csv)
    outcome = import_list(None, "generic", [_write_list(folder)])
    found = Candidate.objects.filter(screening__in=outcome.screenings)
    about = {c.person_ref: c for c in found}
    assert set(about) == set(LISTED.values()), about
    assert about["XF-S"].subject == subject and about["XF-O"].subject == outsider
    assert about["XF-X"].subject is None
    # An applicant check (no one's account), and the subject's match already rejected by a
    # vetting officer who may see it.
    check_applicant(None, {"record_id": "APP-1", **_details("XF-X")})
    decide_candidate(outsider, about["XF-S"], same=False, reason=DECIDED)
    about["XF-S"].refresh_from_db()
    return World(
        subject,
        manager,
        colleague,
        outsider,
        analyst,
        investigator,
        gone,
        roster,
        roster_csv,
        about,
    )


def _details(ref: str) -> dict[str, Any]:
    first, last, born, sex = PEOPLE[ref]
    return {
        "first_name": first,
        "last_name": last,
        "birth_date": dt.date.fromisoformat(born),
        "sex": sex,
    }


@pytest.fixture(name="world")
def world_fixture(org: Org, tmp_path: Path) -> World:
    return make_world(org, tmp_path)


def ids(table: str) -> set[int]:
    """Return the ids of `table` the current role may see."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table}")
        return {int(row[0]) for row in cursor.fetchall()}


def _granted(fetch: Callable[[User, int], object], user: User, pk: int) -> bool:
    try:
        fetch(user, pk)
    except Http404:
        return False
    return True


def allowed(user: User) -> dict[str, set[int]]:
    """Return what registry/access.py lets `user` see of each table, decided as the owner."""
    uses = may_use_registry(user)
    rosters = {
        r
        for r in Roster.objects.values_list("pk", flat=True)
        if _granted(get_roster_for_user, user, r)
    }
    screenings = {
        s
        for s in Screening.objects.values_list("pk", flat=True)
        if _granted(get_screening_for_user, user, s)
    }
    return {
        # The search page, the imports' pages and an entry's page, with its services.
        "registry_listimport": set(ListImport.objects.values_list("pk", flat=True))
        if uses
        else set(),
        "registry_entry": {
            e
            for e in Entry.objects.values_list("pk", flat=True)
            if _granted(get_entry_for_user, user, e)
        },
        "registry_service": set(Service.objects.values_list("pk", flat=True)) if uses else set(),
        # The rosters page: each held roster with its people counted.
        "registry_roster": rosters,
        "registry_rosterperson": set(
            RosterPerson.objects.filter(roster__in=rosters).values_list("pk", flat=True)
        ),
        "registry_screening": screenings,
        # Each screening's page: its candidates the user may review.
        "registry_candidate": {
            c.pk
            for pk in screenings
            for c in candidates_for_user(user, Screening.objects.get(pk=pk))
        },
    }


def test_every_registry_table_is_guarded_and_shows_nothing_to_no_one(world: World) -> None:
    """RLS is on for each table; the application's role without a user set (someone with its
    password and the database, not the app) sees no row of any, though every table has rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)]
        )
        assert dict(cursor.fetchall()) == dict.fromkeys(TABLES, True)
    assert all(ids(table) for table in TABLES)
    with as_app(None) as cursor:
        cursor.execute("SELECT current_user, current_setting('custodes.user_id')")
        assert cursor.fetchone()[1] == ""
        for table in TABLES:
            assert ids(table) == set(), table


def test_the_database_shows_each_viewer_what_the_app_does(world: World) -> None:
    """The subject of a match, their manager, a colleague in their unit, a vetting officer
    elsewhere (the subject of another match), an analyst, an investigator and a disabled
    account: the same rows, decided by registry/access.py and by the database, in every table."""
    wanted = {user.username: allowed(user) for user in world.viewers}
    for user in world.viewers:
        with as_app(user):
            for table in TABLES:
                assert ids(table) == wanted[user.username][table], (user.username, table)
    # Not a test that cannot fail: each refusal is there, and the entitled see the rest.
    every = {table: ids(table) for table in TABLES}
    about = {ref: c.pk for ref, c in world.about.items()}
    checked = set(Candidate.objects.filter(screening__kind="check").values_list("pk", flat=True))
    assert len(checked) == 1
    matches = {u: wanted[u.username]["registry_candidate"] for u in world.viewers}
    for close in (world.subject, world.manager, world.colleague):
        assert matches[close] == every["registry_candidate"] - {about["XF-S"]}, close.username
    assert matches[world.outsider] == every["registry_candidate"] - {about["XF-O"]}
    for user in (world.subject, world.manager, world.colleague, world.outsider):
        assert wanted[user.username] | {"registry_candidate": set()} == every | {
            "registry_candidate": set()
        }
    lists = ("registry_listimport", "registry_entry", "registry_service")
    assert {t: wanted["reg-analyst"][t] for t in lists} == {t: every[t] for t in lists}
    assert not any(wanted["reg-analyst"][t] for t in TABLES if t not in lists)
    for user in (world.investigator, world.gone):
        assert wanted[user.username] == {table: set() for table in TABLES}, user.username


def test_the_database_refuses_writes_the_app_never_makes(world: World) -> None:
    """A match is not decided by its subject, their chain or their unit (it is hidden: nothing
    to change), nor in another's name, nor added already decided or to another's screen; lists
    are the owner's; nothing is removed; no one without the role holds a roster or runs a
    check."""
    theirs = world.about["XF-S"]
    pending = world.about["XF-X"]
    decide = (
        "UPDATE registry_candidate SET status = 'confirmed', decided_by_id = %s,"
        " decided_at = now(), decision_reason = 'x' WHERE id = %s"
    )
    for close in (world.subject, world.manager, world.colleague):
        with as_app(close) as cursor:
            cursor.execute(decide, [close.pk, theirs.pk])
            assert cursor.rowcount == 0, close.username
    insert = (
        "INSERT INTO registry_candidate (screening_id, entry_id, roster_person_id, force,"
        " person_ref, person, listed, subject_id, match_probability, match_weight, explanation,"
        " strength, status, decided_by_id, decided_at, decision_reason, decided_on_id)"
        " VALUES (%s, %s, NULL, 'XF', 'XF-X', '{}', NULL, NULL, 0.99, 9.0, 'x', 'likely', %s,"
        " %s, NULL, '', NULL)"
    )
    others_screen = pending.screening_id
    with as_app(world.outsider) as cursor:
        cursor.execute(
            "INSERT INTO registry_screening (kind, roster_id, list_import_id, run_at, run_by_id,"
            " threshold, people, entries, seconds) VALUES ('screen', %s, NULL, now(), %s, 0.5,"
            " 0, 0, 0) RETURNING id",
            [world.roster.pk, world.outsider.pk],
        )
        (own_screen,) = cursor.fetchone()
        attacks: list[tuple[str, list[Any]]] = [
            (decide, [world.colleague.pk, pending.pk]),  # in another's name
            (insert, [own_screen, pending.entry_id, "confirmed", world.outsider.pk]),  # decided
            (insert, [others_screen, pending.entry_id, "pending", None]),  # another's screen
            (
                "INSERT INTO registry_screening (kind, roster_id, list_import_id, run_at,"
                " run_by_id, threshold, people, entries, seconds) VALUES ('new-list', %s, %s,"
                " now(), %s, 0.5, 0, 0, 0)",
                [world.roster.pk, pending.screening.list_import_id, world.outsider.pk],
            ),
            (
                "INSERT INTO registry_roster (name, force, file_name, loaded_at, loaded_by_id,"
                " current) VALUES ('x', 'XF', 'x.csv', now(), %s, true)",
                [world.manager.pk],
            ),
            (
                "INSERT INTO registry_rosterperson (roster_id, person_ref, first_name,"
                " middle_name, last_name, other_names, sex, agency, badges) VALUES"
                " (%s, 'XF-Q', 'A', '', 'B', '[]', '', '', '[]')",
                [world.roster.pk],  # held by the owner, not by them
            ),
        ]
        for statement, params in attacks:
            assert "row-level security" in refused(cursor, statement, params), statement
        for statement in (
            "DELETE FROM registry_candidate",
            "UPDATE registry_candidate SET person_ref = 'XF-Q'",
            "UPDATE registry_candidate SET entry_id = entry_id",
            "UPDATE registry_entry SET withdrawn_at = now()",
            "INSERT INTO registry_entry (key) VALUES ('generic:x')",
            "DELETE FROM registry_service",
            "UPDATE registry_listimport SET rejected = '[]'",
            "UPDATE registry_roster SET current = false",
            "DELETE FROM registry_rosterperson",
            "UPDATE registry_screening SET threshold = 0",
            "DELETE FROM registry_screening",
        ):
            assert "permission denied" in refused(cursor, statement), statement
    for user in (world.analyst, world.investigator, world.gone):
        with as_app(user) as cursor:
            for statement, params in (
                (
                    "INSERT INTO registry_screening (kind, roster_id, list_import_id, run_at,"
                    " run_by_id, threshold, people, entries, seconds) VALUES ('check', NULL,"
                    " NULL, now(), %s, 0.5, 1, 0, 0)",
                    [user.pk],
                ),
                (
                    "INSERT INTO registry_roster (name, force, file_name, loaded_at,"
                    " loaded_by_id, current) VALUES ('x', 'XF', 'x.csv', now(), %s, true)",
                    [user.pk],
                ),
            ):
                assert "row-level security" in refused(cursor, statement, params), user.username
            cursor.execute(decide, [user.pk, pending.pk])
            assert cursor.rowcount == 0, user.username


def test_a_forged_match_gets_no_hidden_decision_from_the_carry(world: World) -> None:
    """The colleague may not see the subject's rejected match; a match they forge for the same
    pair, visible to them, is not given its decision, and another's screen is not carried."""
    theirs = world.about["XF-S"]
    with as_app(world.colleague) as cursor:
        cursor.execute(
            "INSERT INTO registry_screening (kind, roster_id, list_import_id, run_at, run_by_id,"
            " threshold, people, entries, seconds) VALUES ('screen', %s, NULL, now(), %s, 0.5,"
            " 1, 1, 0) RETURNING id",
            [world.roster.pk, world.colleague.pk],
        )
        (screen,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO registry_candidate (screening_id, entry_id, roster_person_id, force,"
            " person_ref, person, listed, subject_id, match_probability, match_weight,"
            " explanation, strength, status, decision_reason) SELECT %s, entry_id,"
            " roster_person_id, force, person_ref, %s::jsonb, %s::jsonb, NULL, 0.99, 9.0, 'x',"
            " 'likely', 'pending', '' FROM (SELECT %s::bigint AS entry_id, %s::bigint AS"
            " roster_person_id, 'XF' AS force, 'XF-S' AS person_ref) AS forged RETURNING id",
            [
                screen,
                _json(theirs.person),
                _json(theirs.listed),
                theirs.entry_id,
                theirs.roster_person_id,
            ],
        )
        (forged,) = cursor.fetchone()
        cursor.execute("SELECT * FROM custodes_registry_carry(%s)", [screen])
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT status, decided_on_id, decision_reason FROM registry_candidate WHERE id = %s",
            [forged],
        )
        assert cursor.fetchone() == ("pending", None, "")
        # Another's screen: nothing is carried, whoever asks.
        cursor.execute("SELECT * FROM custodes_registry_carry(%s)", [theirs.screening_id])
        assert cursor.fetchall() == []


def _json(value: object) -> str:
    import json

    return json.dumps(value)


def test_the_apps_actions_run_as_their_actor(world: World, tmp_path: Path) -> None:
    """Under row-level security, as the web app runs them: a roster screen by the subject's
    colleague carries the decision on the subject's match, which the colleague may not see, as
    a screen by the owner does; a screen by the outsider finds their own match without showing
    it to them; a check, a decision, a roster held and a transfer's check go through; a list
    import is refused, changing nothing."""
    theirs = world.about["XF-S"]
    with under_rls(world.colleague):
        screening = screen_roster(world.colleague, world.roster)
        seen = {c.person_ref for c in candidates_for_user(world.colleague, screening)}
    assert seen == {"XF-O", "XF-X"}
    found = {c.person_ref: c for c in screening.candidates.all()}
    assert set(found) == set(LISTED.values())
    carried = found["XF-S"]
    assert (carried.status, carried.decided_on_id, carried.decided_by) == (
        "rejected",
        theirs.pk,
        world.outsider,
    )
    assert (carried.decided_at, carried.decision_reason) == (theirs.decided_at, DECIDED)
    assert {c.status for ref, c in found.items() if ref != "XF-S"} == {"pending"}
    event = TrailEvent.objects.get(action="registry-screen", subject_id=str(screening.pk))
    assert event.actor_id == world.colleague.pk
    assert event.changes["carried"] == [[carried.pk, theirs.pk]]
    assert event.changes["candidates"] == 3
    # The owner's screen of the same roster decides every match the same way.
    owners = screen_roster(None, world.roster)
    assert {c.person_ref: (c.status, c.decided_on_id) for c in owners.candidates.all()} == {
        ref: (c.status, c.decided_on_id) for ref, c in found.items()
    }
    with under_rls(world.outsider):
        own = screen_roster(world.outsider, world.roster)
        assert {c.person_ref for c in candidates_for_user(world.outsider, own)} == {
            "XF-S",
            "XF-X",
        }
        applicant = check_applicant(world.outsider, {"record_id": "APP-2", **_details("XF-X")})
        (match,) = candidates_for_user(world.outsider, applicant)
        decide_candidate(world.outsider, match, same=True, reason=DECIDED)
        held = load_roster(world.outsider, "XF again", "XF", world.roster_csv)
        transfer = record_transfer(
            world.outsider,
            **_details("XF-X"),
            former_force="Northshire Police",
            former_staff_id="NP-77",
            starts_on=timezone.localdate() + dt.timedelta(days=30),
            user=world.analyst,
        )
        with pytest.raises(RegistryImportError, match="row-level security binds"):
            import_list(world.outsider, "generic", [_write_list(tmp_path)])
    assert Candidate.objects.get(pk=match.pk).decided_by == world.outsider
    assert held.people.count() == len(PEOPLE)
    assert transfer.screening is not None
    assert {c.subject for c in transfer.screening.candidates.all()} == {world.analyst}
    assert {c.person_ref for c in own.candidates.all()} == set(LISTED.values())
    assert ListImport.objects.count() == 1
    # The subject's own colleague may not decide the subject's match, in the app or in SQL.
    with under_rls(world.colleague), pytest.raises(Http404):
        decide_candidate(world.colleague, carried, same=True, reason=DECIDED)
    assert verify() == []


def test_a_list_report_under_rls_waits_for_the_owners_take_in(dept: Dept, tmp_path: Path) -> None:
    """The appropriate authority dismisses an officer on another force's held roster through
    the web app's role, which sees no registry: the dismissal stands, and the owner's take-in
    puts the barred report on the registry, screens the roster and raises the match to that
    force's vetting; the appeal that overturns it takes it off the same way."""
    d = dept
    vetter = d.make("vetter-yf", Role.VETTING_OFFICER, "vetting", force="YF", force_user_id="YF-v")
    roster = tmp_path / "yf-roster.csv"
    roster.write_text(
        HEADER + "agency,badge\nYF-330,Daniel,,Reeve,,1990-04-02,,M,Yonder Police,\n",
        encoding="utf-8",
    )
    load_roster(None, "Yonder staff", "YF", roster)
    subject = to_hearing(d, take_in_apsp(d))
    with under_rls(d.authority):
        report = dismiss(d, subject)
        with pytest.raises(RegistryTakeInError, match="row-level security"):
            take_in_list_reports()
        refused_run = CliRunner().invoke(app, ["registry", "take-in"])
    assert refused_run.exit_code == 1 and "No list report was taken in." in refused_run.output
    assert not Entry.objects.exists()
    assert ListReport.objects.get(pk=report.pk).standing
    # The owner's timer.
    run = CliRunner().invoke(app, ["registry", "take-in"])
    assert run.exit_code == 0, run.output
    entry = Entry.objects.get()
    assert entry.key == f"custodes:{report.pk}"
    assert f"Listed entry {entry.pk} (barred, list report {report.pk})" in run.output
    assert "1 list report put on the registry, 0 entries taken off." in run.output
    assert entry.first_import.imported_by is None  # custodes' own, by the owner's timer
    (alert,) = [a for a in alerts_for_user(vetter) if a.kind == Alert.Kind.REGISTRY_MATCH]
    assert "YF-330" in alert.summary
    # Once only.
    assert take_in_list_reports().listed == []
    with under_rls(d.authority):
        path.send_list_report(d.authority, report)
        path.lodge_appeal(d.authority, subject, lodged_on=days_ago(0), grounds=REASON)
        subject.refresh_from_db()
        path.decide_appeal(
            d.authority,
            subject,
            allowed=True,
            outcome="final-written-warning",
            exceptional_circumstances=True,
            reason="The tribunal found exceptional circumstances the panel did not weigh",
        )
    assert Entry.objects.get(pk=entry.pk).withdrawn_at is None
    again = take_in_list_reports()
    assert again.listed == [] and [e.pk for e in again.delisted] == [entry.pk]
    assert Entry.objects.get(pk=entry.pk).withdrawn_at is not None
    assert verify() == []


@pytest.mark.django_db(transaction=True)
def test_the_registry_pages_work_connected_as_the_app_role(org: Org, tmp_path: Path) -> None:
    """Through the web app, as production connects: the outsider screens the roster now; its
    page shows them every match but their own, and shows the subject's colleague every match
    but the subject's, whose page is a 404 to them."""
    world = make_world(org, tmp_path)
    with connected_as_app():
        outsider = org.client(world.outsider)
        done = csrf_post(outsider, f"/registry/rosters/{world.roster.pk}/screen/", {})
        assert done.status_code == 302, done.content.decode()[:500]
        screen = done["Location"]
        theirs = outsider.get(screen).content.decode()
        colleague = org.client(world.colleague)
        seen = colleague.get(screen).content.decode()
        hidden = colleague.get(f"/registry/candidates/{world.about['XF-S'].pk}/")
    assert "Tregarthen" in theirs and "Fairweather" in theirs and "Pemberton" not in theirs
    assert "Tregarthen" in seen and "Pemberton" in seen and "Fairweather" not in seen
    assert hidden.status_code == 404
    (made,) = Screening.objects.filter(kind="screen", run_by=world.outsider)
    assert screen.endswith(f"/registry/screenings/{made.pk}/")
    assert made.candidates.count() == 3


def test_no_one_too_close_is_given_a_roster_action_in_the_app_either(world: World) -> None:
    """The app refuses what the database would: a check by an analyst, a decision on one's own
    match."""
    with pytest.raises(PermissionDenied):
        check_applicant(world.analyst, {"record_id": "APP-3", **_details("XF-X")})
    with pytest.raises(Http404):
        decide_candidate(world.subject, world.about["XF-S"], same=True, reason=DECIDED)
