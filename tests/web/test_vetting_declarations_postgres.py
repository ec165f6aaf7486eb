"""Row-level security on declarations, for real, as the application's role: a declarer makes a
declaration and its task about themselves alone and sees their declarations (never a task about
themselves); their colleague, manager and an outsider see none of it; a vetting officer far from
them sees it all; nobody changes or removes a declaration; random samples to vetting officers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from custodes.web.trail.models import TrailEvent
from custodes.web.vetting.access import declarations_of, get_declaration_for_user
from custodes.web.vetting.actions import Who, decide_task, declare, record_clearance, sweep
from custodes.web.vetting.models import Clearance, Declaration, RandomSample, VettingTask
from tests.web.test_postgres_security import APP_ROLE, as_app, quoted, refused
from tests.web.vetting_helpers import Staff, staff_fixture  # noqa: F401 - a fixture

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

TABLES = ("vetting_declaration", "vetting_randomsample")
REASON = "Vetting interview held; references and financial checks returned clear"


def rows(table: str, column: str = "id") -> set[str]:
    """Return `column` of every row of `table` the current role may see, as text."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column}::text FROM {table}")
        return {str(row[0]) for row in cursor.fetchall()}


def test_both_tables_are_guarded(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)]
        )
        assert dict(cursor.fetchall()) == dict.fromkeys(TABLES, True)


def test_a_declaration_is_its_declarers_and_the_vetting_officers_who_may_see_them(
    staff: Staff,
) -> None:
    s = staff
    # Made as the owner, to be looked at below by each of them as the application's role.
    mine = declare(s.subject, "partner", "P", associate_person_id="P-77", association="partner")
    reviewed = declare(s.subject, "address", "Moved to 3 Elm Row")
    theirs = declare(s.colleague, "finances", "A county court judgment")
    psd = declare(s.outsider, "name", "Married: now Okafor")  # no vetting role at all
    reviewed_task = VettingTask.objects.get(source_id=str(reviewed.pk))
    decide_task(s.vetter, reviewed_task, VettingTask.Decision.STANDS, REASON)
    open_task = VettingTask.objects.get(source_id=str(mine.pk))
    record_clearance(
        None,
        Who(None, "XF", "X-1"),
        "RV",
        Clearance.Status.GRANTED,
        reason=REASON,
        granted_on=timezone.localdate() - dt.timedelta(days=40),
    )
    sweep(timezone.localdate())
    (sample,) = RandomSample.objects.all()

    with as_app(s.subject):
        # Their own; as a vetting officer, the PSD investigator's too, as the app decides, and
        # not their unit colleague's.
        assert rows("vetting_declaration") == {str(d.pk) for d in (mine, reviewed, psd)}
        assert get_declaration_for_user(s.subject, psd.pk) == psd
        assert {d.pk for d in declarations_of(s.subject)} == {mine.pk, reviewed.pk}
        assert get_declaration_for_user(s.subject, mine.pk) == mine
        # No task about themselves, open or decided (the constable is a vetting officer too:
        # tasks about people far from them they see as any vetting officer does).
        tasks = rows("vetting_vettingtask")
        assert not {str(open_task.pk), str(reviewed_task.pk)} & tasks
        # A declaration made as the application's role, with its task, at once: the task
        # written without being read back, and still not shown to them.
        made = declare(s.subject, "household", "My nephew (14) moved in")
        assert str(made.pk) in rows("vetting_declaration")
        assert rows("vetting_vettingtask") == tasks
        made_task = VettingTask.objects.filter(source_id=str(made.pk))
        assert made_task.count() == 0  # hidden from them, yet there:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            assert made_task.count() == 1
            cursor.execute(f"SET LOCAL ROLE {quoted(APP_ROLE)}")
    assert not Declaration.objects.filter(kind="household").exists()  # as_app undoes it all

    insert = (
        "INSERT INTO vetting_declaration (id, user_id, force, force_user_id, person, kind,"
        " details_encrypted, associate_person_id, association, declared_on, recorded_at)"
        " VALUES (gen_random_uuid(), %s, 'XF', %s, %s, 'association', 'v1:x', 'P-9', 'friend',"
        " %s, %s)"
    )
    today, now = timezone.localdate(), timezone.now()
    with as_app(s.subject) as cursor:
        # About a colleague's force id, or a colleague's account: refused.
        for user_id, force_id in ((s.subject.pk, "V102"), (s.colleague.pk, "V102")):
            message = refused(
                cursor, insert, [user_id, force_id, f"force:XF:{force_id}", today, now]
            )
            assert "row-level security" in message, (user_id, force_id)
        for statement in (
            "UPDATE vetting_declaration SET association = 'family'",
            "DELETE FROM vetting_declaration",
        ):
            assert "permission denied" in refused(cursor, statement), statement

    for user in (s.colleague, s.manager, s.outsider):
        with as_app(user):
            seen = rows("vetting_declaration")
            assert str(mine.pk) not in seen and str(reviewed.pk) not in seen, user
            assert str(open_task.pk) not in rows("vetting_vettingtask"), user
    with as_app(s.colleague):
        # Their own, and (a vetting officer) the PSD investigator's: not the constable's.
        assert rows("vetting_declaration") == {str(theirs.pk), str(psd.pk)}

    with as_app(s.vetter):
        assert rows("vetting_declaration") == {str(d.pk) for d in (mine, reviewed, theirs, psd)}
        assert {str(open_task.pk), str(reviewed_task.pk)} <= rows("vetting_vettingtask")
        assert rows("vetting_randomsample") == {str(sample.pk)}
    with as_app(s.outsider):
        assert rows("vetting_randomsample") == set()
        assert rows("vetting_declaration") == {str(psd.pk)}
        # No task at all: not even their own declaration's.
        assert rows("vetting_vettingtask") == set()
    assert TrailEvent.objects.exists()
