"""Row-level security on a case's parts and path, for real, as the application's role: who may
see the case sees its subjects, allegations, timeline, requirements and list reports; only who
may take a step writes it; the oversight body reads referred matters and writes nothing; and the
whole path runs as each of its actors in turn."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from custodes.web.accounts.models import Role, User
from custodes.web.cases import path
from custodes.web.cases.access import decide
from custodes.web.cases.actions import add_member
from custodes.web.cases.matter import NewSubject, name_subject
from custodes.web.cases.models import (
    Allegation,
    Case,
    CaseParty,
    CaseSubject,
    Decision,
    ListReport,
    Requirement,
)
from custodes.web.cases.parties import add_party
from custodes.web.registry.actions import check_applicant
from custodes.web.registry.models import Entry
from custodes.web.registry.receivers import take_in_list_reports
from custodes.web.trail.chain import verify
from tests.web.case_helpers import (
    REASON,
    Dept,
    days_ago,
    dept_fixture,  # noqa: F401 - a fixture
    subject_of,
    take_in_apsp,
)
from tests.web.test_postgres_security import APP_ROLE, as_app, quoted, refused

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

PARTS = (
    ("cases_casesubject", CaseSubject),
    ("cases_allegation", Allegation),
    ("cases_decision", Decision),
    ("cases_requirement", Requirement),
    ("cases_listreport", ListReport),
)


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


@contextmanager
def acting_as(user: User) -> Iterator[None]:
    """Run the block as the application's role on behalf of `user`, keeping what it wrote."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {quoted(APP_ROLE)}")
        cursor.execute("SELECT set_config('custodes.user_id', %s, false)", [str(user.pk)])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute("SELECT set_config('custodes.user_id', '', false)")


def parts(case: Case) -> dict[str, int]:
    """Count the case's rows in each part table as the current role sees them."""
    with connection.cursor() as cursor:
        found = {}
        for table, _ in PARTS:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE case_id = %s", [case.pk])
            found[table] = int(cursor.fetchone()[0])
    return found


def dismissed(d: Dept) -> Case:
    """Carry the APSP complaint to a dismissal, as the database's owner."""
    case = take_in_apsp(d)
    subject = subject_of(case)
    path.decide_recording(d.authority, case, record_it=True, reason=REASON)
    path.decide_referral(d.authority, case, refer=True, reason=REASON)
    path.appoint_investigator(d.authority, case, d.investigator, REASON)
    path.serve_notice(d.investigator, subject, days_ago(1))
    path.submit_report(d.investigator, case, REASON, days_ago(0))
    path.decide_case_to_answer(
        d.authority, subject, answer=True, level="gross-misconduct", reason=REASON
    )
    path.arrange_proceedings(
        d.authority, subject, forum="hearing", held_on=days_ago(0), reason=REASON
    )
    path.record_outcome(
        d.authority,
        subject,
        finding="gross-misconduct",
        outcome="dismissal-without-notice",
        reason=REASON,
    )
    case.refresh_from_db()
    return case


def test_every_part_table_is_guarded(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(%s)",
            [[t for t, _ in PARTS]],
        )
        assert dict(cursor.fetchall()) == {t: True for t, _ in PARTS}


def test_who_sees_the_case_sees_its_parts_and_nobody_else(d: Dept) -> None:
    case = dismissed(d)
    everything = parts(case)
    assert all(n > 0 for n in everything.values()), everything
    for user in (d.authority, d.intake, d.investigator, d.reviewer):
        with as_app(user):
            assert parts(case) == everything, user
    for user in (d.outsider, d.pc, d.sergeant, d.pc_peer, d.org.lead):
        with as_app(user):
            assert parts(case) == dict.fromkeys(everything, 0), user
            assert not Decision.objects.exists() and not ListReport.objects.exists()


def test_the_oversight_body_reads_and_writes_nothing(d: Dept) -> None:
    case = dismissed(d)
    assert decide(d.reviewer, case).read_only
    with as_app(d.reviewer) as cursor:
        assert Decision.objects.filter(case=case).exists()
        cursor.execute("UPDATE cases_casesubject SET severity = 'misconduct'")
        assert cursor.rowcount == 0
        cursor.execute("UPDATE cases_case SET title = 'x'")
        assert cursor.rowcount == 0
        cursor.execute("UPDATE cases_listreport SET status = 'withdrawn'")
        assert cursor.rowcount == 0
        assert "row-level security" in refused(
            cursor,
            "INSERT INTO cases_decision (id, case_id, step, decided_by_id, decided_at, summary,"
            " details, reason, rules, departs) VALUES (gen_random_uuid(), %s, 'closure', %s,"
            " now(), 'x', '{}', 'x', '{}', false)",
            [case.pk, d.reviewer.pk],
        )
        assert "row-level security" in refused(
            cursor,
            "INSERT INTO cases_caseparty (id, case_id, role, name_encrypted, contact_encrypted,"
            " added_at) VALUES (gen_random_uuid(), %s, 'witness', 'v1:x', '', now())",
            [case.pk],
        )
    with as_app(d.reviewer), pytest.raises(PermissionDenied):
        add_party(d.reviewer, case, CaseParty.Role.WITNESS, "A. Witness")


def insert_decision(cursor: Any, case: Case, step: str, by: User) -> None:
    cursor.execute(
        "INSERT INTO cases_decision (id, case_id, step, decided_by_id, decided_at, summary,"
        " details, reason, rules, departs) VALUES (gen_random_uuid(), %s, %s, %s, now(), 'x',"
        " '{}', 'x', '{}', false)",
        [case.pk, step, by.pk],
    )


def test_each_step_is_written_only_by_the_role_that_takes_it(d: Dept) -> None:
    case, _ = take_in_apsp(d), None
    path.appoint_investigator(d.authority, case, d.investigator, REASON)
    with as_app(d.intake) as cursor:
        # On the team, but the outcome is the authority's; nor in another's name.
        assert "row-level security" in refused(
            cursor,
            "INSERT INTO cases_decision (id, case_id, step, decided_by_id, decided_at, summary,"
            " details, reason, rules, departs) VALUES (gen_random_uuid(), %s, 'outcome', %s,"
            " now(), 'x', '{}', 'x', '{}', false)",
            [case.pk, d.intake.pk],
        )
        with pytest.raises(Exception, match="row-level security"), transaction.atomic():
            insert_decision(cursor, case, "recording", d.authority)
        insert_decision(cursor, case, "allegation", d.intake)
    with as_app(d.authority) as cursor:
        insert_decision(cursor, case, "recording", d.authority)
        # The notice is the appointed investigator's alone.
        with pytest.raises(Exception, match="row-level security"), transaction.atomic():
            insert_decision(cursor, case, "notice", d.authority)
    with as_app(d.investigator) as cursor:
        insert_decision(cursor, case, "notice", d.investigator)
        # The timeline is appended to, never changed or removed.
        for statement in ("UPDATE cases_decision SET reason = 'x'", "DELETE FROM cases_decision"):
            assert "permission denied for table cases_decision" in refused(cursor, statement)
        assert "permission denied for table cases_caseparty" in refused(
            cursor, "DELETE FROM cases_caseparty"
        )
    with as_app(d.intake) as cursor:
        # List reports are the authority's.
        assert "row-level security" in refused(
            cursor,
            "INSERT INTO cases_listreport (id, case_id, subject_id, list_type, action, event,"
            " event_on, fields, rules, produced_at, produced_by_id, status, withdrawal_reason)"
            " VALUES (gen_random_uuid(), %s, %s, 'barred', 'add', 'dismissed', now(), '{}',"
            " '{}', now(), %s, 'due', '')",
            [case.pk, subject_of(case).pk, d.intake.pk],
        )


def test_nobody_names_as_a_subject_themselves_or_anyone_too_close(d: Dept) -> None:
    case = take_in_apsp(d)
    insert = (
        "INSERT INTO cases_casesubject (id, case_id, user_id, force, force_user_id, first_name,"
        " last_name, status, rank, warrant_number, unit, senior_officer, added_at, added_by_id,"
        " severity, likely_proceedings, finding, forum, outcome, left_how)"
        " VALUES (gen_random_uuid(), %s, %s, 'XF', NULL, '', '', 'officer', '', '', '', false,"
        " now(), %s, '', '', '', '', '', '')"
    )
    assert d.intake.line_manager is not None
    with as_app(d.intake) as cursor:
        for about in (d.intake, d.intake.line_manager):
            assert "row-level security" in refused(cursor, insert, [case.pk, about.pk, d.intake.pk])
        # In someone else's name.
        assert "row-level security" in refused(
            cursor, insert, [case.pk, d.investigator.pk, d.authority.pk]
        )
        cursor.execute(insert, [case.pk, d.investigator.pk, d.intake.pk])
    with as_app(d.outsider) as cursor:
        assert "row-level security" in refused(
            cursor, insert, [case.pk, d.investigator.pk, d.outsider.pk]
        )


def test_the_whole_path_runs_as_each_of_its_actors(d: Dept) -> None:
    """Intake, authority and investigator each act as the application's role, and, once the
    owner's take-in has put the barred report on the registry, a hiring check at another force
    finds the dismissed officer."""
    with acting_as(d.intake):
        case = take_in_apsp(d, team=False)
        add_member(d.intake, case, d.authority)
    subject = CaseSubject.objects.get(case=case)
    with acting_as(d.authority):
        path.decide_recording(d.authority, case, record_it=True, reason=REASON)
        path.decide_referral(d.authority, case, refer=True, reason=REASON)
        path.assess_severity(d.authority, subject, level="gross-misconduct", reason=REASON)
        path.appoint_investigator(d.authority, case, d.investigator, REASON)
    with acting_as(d.investigator):
        path.serve_notice(d.investigator, subject, days_ago(1))
        path.submit_report(d.investigator, case, REASON, days_ago(0))
    with acting_as(d.authority):
        path.decide_case_to_answer(
            d.authority, subject, answer=True, level="gross-misconduct", reason=REASON
        )
        path.arrange_proceedings(
            d.authority,
            subject,
            forum="accelerated-hearing",
            held_on=days_ago(0),
            reason=REASON,
            sufficient_written_evidence=True,
            public_interest_to_leave_at_once=True,
        )
        path.record_outcome(
            d.authority,
            subject,
            finding="gross-misconduct",
            outcome="dismissal-without-notice",
            reason=REASON,
        )
        report = ListReport.objects.get(case=case)
        path.send_list_report(d.authority, report)
        path.close_case(d.authority, case, REASON)
    with acting_as(d.reviewer):
        assert Decision.objects.filter(case=case).count() == 12
    # The authority's role sees no registry: the owner's timer puts the report on it.
    assert not Entry.objects.exists()
    assert len(take_in_list_reports().listed) == 1
    vetter = d.make("vetter-yf", Role.VETTING_OFFICER, "vetting", force="YF", force_user_id="YF-1")
    with acting_as(vetter):
        found = check_applicant(
            vetter,
            {"first_name": "Daniel", "last_name": "Reeve", "birth_date": dt.date(1990, 4, 2)},
        )
        assert [c.entry.key for c in found.candidates.all()] == [f"custodes:{report.pk}"]
    assert Entry.objects.count() == 1 and verify() == []


def test_the_database_keeps_a_case_from_whoever_is_too_close_to_any_subject(d: Dept) -> None:
    rng = random.Random(7)
    units = ["u1", "u2", "u3"]
    staff: list[User] = []
    for i in range(10):
        boss = rng.choice([None, *staff]) if staff else None
        staff.append(d.make(f"s{i}", Role.PSD_INVESTIGATOR, rng.choice(units), boss))
    cases = []
    for n in range(4):
        subjects = rng.sample(staff, rng.choice([2, 3]))
        case = take_in_apsp(
            d,
            f"PSD-2026-09{n:02d}",
            subjects=[NewSubject(user=s, first_name="A", last_name="B") for s in subjects],
            team=False,
        )
        for member in rng.sample(staff, 5):
            add_member(d.intake, case, member)
        cases.append(case)
    allowed = 0
    for user in staff:
        expected = {c.pk for c in cases if decide(user, c).allowed}
        allowed += len(expected)
        with as_app(user):
            assert set(Case.objects.values_list("pk", flat=True)) == expected, user
            assert set(CaseSubject.objects.values_list("case_id", flat=True)) == expected, user
    assert allowed > 0


def test_a_second_subject_by_force_id_hides_the_case_in_the_database_too(d: Dept) -> None:
    """The database finds the second subject's manager in the force's chart, as decide does."""
    from tests.web.test_case_subjects_need_to_know import force_chart

    force_chart([("XF-7001", "cid-east", "XF-7000"), ("XF-7000", "cid-east-command", "")])
    boss = d.make("di-cole", Role.PSD_INVESTIGATOR, "psd-7", force_user_id="XF-7000")
    case = take_in_apsp(d)
    add_member(d.intake, case, boss)
    with as_app(boss):
        assert Case.objects.filter(pk=case.pk).exists()
    name_subject(
        d.intake,
        case,
        NewSubject(force="XF", force_user_id="XF-7001", first_name="Jo", last_name="M"),
    )
    assert not decide(boss, case).allowed
    with as_app(boss):
        assert not Case.objects.filter(pk=case.pk).exists()
        assert parts(case) == dict.fromkeys(parts(case), 0)


def test_listing_the_timeline_walks_the_charts_once(d: Dept) -> None:
    """The parts' policies ask the force's charts once per statement, however many rows."""
    case = dismissed(d)
    rows = Decision.objects.filter(case=case).count()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL track_functions = 'all'")
    with as_app(d.authority) as cursor:
        cursor.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
            " WHERE funcname = 'custodes_audit_conflicts'"
        )
        before = int(cursor.fetchone()[0])
        assert Decision.objects.filter(case=case).count() == rows > 5
        cursor.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
            " WHERE funcname = 'custodes_audit_conflicts'"
        )
        assert int(cursor.fetchone()[0]) - before == 1


def test_requirements_due_are_met_as_the_steps_are_taken(d: Dept) -> None:
    case = dismissed(d)
    with as_app(d.authority):
        open_ = Requirement.objects.filter(case=case, status="open")
        assert [r.kind for r in open_] == ["list-report"]
        due_on = open_.get().due_on
        assert due_on is not None and due_on >= timezone.localdate()
