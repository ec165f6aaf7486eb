"""The trail refuses change; the chain reports any change made around the refusal; it exports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from pytest_django import Settings
from typer.testing import CliRunner, Result

from custodes.audit.validate import validate_extract
from custodes.cli import app
from custodes.web import trail_export
from custodes.web.cases.access import get_case_for_user
from custodes.web.cases.actions import break_glass, grant_access, open_case
from custodes.web.cases.models import CaseAccess
from custodes.web.trail.chain import Break, record, verify
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from custodes.web.trail_export import person_id
from tests.web.conftest import Org

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
TRAIL = "trail_trailevent"
TRIGGERS = ("custodes_trail_no_update", "custodes_trail_no_delete", "custodes_trail_no_truncate")


def trail(*args: str) -> Result:
    """Run `custodes trail …` in this process, so it sees the test's own database."""
    return CliRunner().invoke(app, ["trail", *args])


def refused(statement: str, params: list[Any] | None = None) -> str:
    """Run one statement that the database must refuse; return its error message."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as c:
        c.execute(statement, params)
    return str(caught.value)


@contextmanager
def guard_dropped() -> Iterator[Any]:
    """Act as the database's owner would: take the trail's triggers off, then put them back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in TRIGGERS:
                cursor.execute(f"ALTER TABLE {TRAIL} DISABLE TRIGGER {name}")
            yield cursor
            for name in TRIGGERS:
                cursor.execute(f"ALTER TABLE {TRAIL} ENABLE ALWAYS TRIGGER {name}")
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TRAIL],
            )
            saved = cursor.fetchall()
            assert {name for name, _ in saved} == set(TRIGGERS[:2])
            for name, _ in saved:
                cursor.execute(f"DROP TRIGGER {name}")
            yield cursor
            for _, create in saved:
                cursor.execute(create)


def seq_of(action: str, subject_type: str = "case") -> int:
    """Return the number of the first event with `action` on a record of `subject_type`."""
    found = TrailEvent.objects.filter(action=action, subject_type=subject_type).first()
    assert found is not None
    return found.seq


def test_an_untouched_trail_verifies_clean(org: Org) -> None:
    get_case_for_user(org.owner, org.case.reference)
    total = TrailEvent.objects.count()
    assert total > 5
    assert verify() == []
    done = trail("verify")
    assert done.exit_code == 0, done.output
    assert f"{total} events checked" in done.stdout
    last = TrailEvent.objects.order_by("-seq").first()
    assert last is not None and f"#{last.seq}, hash {last.hash}" in done.stdout


def test_the_database_refuses_orm_updates_and_deletes(org: Org) -> None:
    event = TrailEvent.objects.get(seq=1)
    event.action = "nothing"
    for change in (
        event.save,
        lambda: TrailEvent.objects.filter(seq=1).update(action="nothing"),
        event.delete,
        lambda: TrailEvent.objects.all().delete(),
    ):
        with (
            pytest.raises(DatabaseError, match=r"append-only|permission denied"),
            transaction.atomic(),
        ):
            change()
    assert TrailEvent.objects.get(seq=1).action == "create"
    assert verify() == []


def test_the_database_refuses_sql_updates_and_deletes(org: Org) -> None:
    count = TrailEvent.objects.count()
    assert "append-only" in refused(f"UPDATE {TRAIL} SET action = %s WHERE seq = %s", ["x", 1])
    assert "append-only" in refused(f"UPDATE {TRAIL} SET changes = changes")
    assert "append-only" in refused(f"DELETE FROM {TRAIL} WHERE seq = %s", [2])
    assert "append-only" in refused(f"DELETE FROM {TRAIL}")
    assert TrailEvent.objects.count() == count
    assert verify() == []


@pytest.mark.postgres
@on_postgres
def test_postgres_refuses_truncate_even_to_the_superuser_in_replica_mode(org: Org) -> None:
    assert "append-only: TRUNCATE refused" in refused(f"TRUNCATE {TRAIL}")
    with transaction.atomic(), connection.cursor() as cursor:
        # Replica mode switches ordinary triggers off; these are ENABLE ALWAYS.
        cursor.execute("SET LOCAL session_replication_role = replica")
        assert "append-only" in refused(f"TRUNCATE {TRAIL}")
        assert "append-only" in refused(f"UPDATE {TRAIL} SET action = 'x'")
        assert "append-only" in refused(f"DELETE FROM {TRAIL}")
        transaction.set_rollback(True)
    assert verify() == []


def test_an_edited_action_is_reported_by_verify_and_the_cli(org: Org) -> None:
    target = seq_of("grant")
    with guard_dropped() as cursor:
        cursor.execute(f"UPDATE {TRAIL} SET action = %s WHERE seq = %s", ["read", target])
    assert verify() == [Break(target, "its contents do not match its hash (edited)")]
    done = trail("verify")
    assert done.exit_code == 1
    assert f"event #{target}: its contents do not match its hash (edited)" in done.stderr
    # The guard is back: the edit cannot be undone quietly either.
    assert "append-only" in refused(f"UPDATE {TRAIL} SET action = 'grant' WHERE seq = %s", [target])


def test_edited_changes_are_reported(org: Org) -> None:
    target = seq_of("create")
    event = TrailEvent.objects.get(seq=target)
    assert event.changes == {"sealed": False}
    with guard_dropped():
        TrailEvent.objects.filter(seq=target).update(changes={"sealed": True})
    assert verify() == [Break(target, "its contents do not match its hash (edited)")]
    done = trail("verify")
    assert done.exit_code == 1
    assert f"event #{target}" in done.stderr


def test_a_deleted_event_is_reported(org: Org) -> None:
    target = seq_of("grant")
    with guard_dropped() as cursor:
        cursor.execute(f"DELETE FROM {TRAIL} WHERE seq = %s", [target])
    after = target + 1
    assert verify() == [
        Break(after, f"events #{target}–#{target} are missing (deleted)"),
        Break(after, "does not follow the event before it (deleted or reordered)"),
    ]
    done = trail("verify")
    assert done.exit_code == 1
    assert f"event #{after}: events #{target}–#{target} are missing (deleted)" in done.stderr
    assert "2 break(s)" in done.stderr


def test_two_swapped_events_are_reported(org: Org) -> None:
    first = seq_of("grant")
    with guard_dropped() as cursor:
        # seq is unique, so the swap goes through a free number.
        cursor.execute(f"UPDATE {TRAIL} SET seq = -1 WHERE seq = %s", [first])
        cursor.execute(f"UPDATE {TRAIL} SET seq = %s WHERE seq = %s", [first, first + 1])
        cursor.execute(f"UPDATE {TRAIL} SET seq = %s WHERE seq = -1", [first + 1])
    breaks = verify()
    # The event after the pair no longer follows its predecessor either.
    assert {b.seq for b in breaks} == {first, first + 1, first + 2}
    assert Break(first, "does not follow the event before it (deleted or reordered)") in breaks
    assert Break(first + 1, "its contents do not match its hash (edited)") in breaks
    done = trail("verify")
    assert done.exit_code == 1
    assert f"event #{first}:" in done.stderr and f"event #{first + 1}:" in done.stderr


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_still_empty_the_database(org: Org) -> None:
    # Teardown flushes every table, the trail included: test mode lifts the guard for it.
    assert TrailEvent.objects.exists()
    assert "append-only" in refused(f"DELETE FROM {TRAIL}")


def test_flush_outside_test_mode_leaves_the_trail_alone(org: Org, settings: Settings) -> None:
    count = TrailEvent.objects.count()
    settings.MODE = "production"
    with pytest.raises(CommandError):
        call_command("flush", interactive=False, verbosity=0)
    assert TrailEvent.objects.count() == count
    assert verify() == []


def _activity(org: Org) -> None:
    get_case_for_user(org.owner, org.case.reference)
    get_case_for_user(org.owner, org.case.reference)
    get_case_for_user(org.colleague, org.case.reference)
    grant_access(org.lead, org.case, org.outsider, "second opinion on the look-ups")
    get_case_for_user(org.outsider, org.case.reference)
    break_glass(org.lead, org.case.reference, "urgent safeguarding concern tonight")
    get_case_for_user(org.lead, org.case.reference)
    open_case(org.owner, "PSD-2025-0002", "Gifts from a supplier", org.subject_manager, sealed=True)


def _rows(folder: Path, name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(folder / f"{name}.parquet").to_pylist()
    return rows


def test_the_export_is_a_usable_force_extract(org: Org, tmp_path: Path) -> None:
    _activity(org)
    out = tmp_path / "extract"
    done = trail("export", str(out))
    assert done.exit_code == 0, done.output
    report = validate_extract(out)
    assert report.ok, [str(p) for p in report.problems]
    cases = {str(org.case.pk): org.case}
    staff = _rows(out, "staff")
    assert len(staff) == 6 and {s["role"] for s in staff} == {"staff"}
    owner = next(s for s in staff if s["user_id"] == str(org.owner.pk))
    assert owner == {
        "user_id": str(org.owner.pk),
        "force": "XF",
        "role": "staff",
        "unit": "psd-1",
        "line_manager_id": str(org.lead.pk),
        "broad_access": False,
    }
    persons = _rows(out, "persons")
    assert {(p["person_id"], p["staff_user_id"]) for p in persons} == {
        (person_id(int(s["user_id"])), s["user_id"]) for s in staff
    }
    incidents = _rows(out, "incidents")
    assert len(incidents) == 2 and {i["kind"] for i in incidents} == {"case"}
    assert {i["closed_at"] for i in incidents} == {None}
    assert set(cases) < {i["incident_id"] for i in incidents}
    suspects = {
        (p["incident_id"], p["person_id"], p["role"]) for p in _rows(out, "incident_persons")
    }
    assert (str(org.case.pk), person_id(org.subject.pk), "suspect") in suspects
    assigned = {
        (a["incident_id"], a["user_id"]): (a["role"], a["assigned_to"])
        for a in _rows(out, "incident_staff")
    }
    assert len(_rows(out, "incident_staff")) == CaseAccess.objects.count()
    case_id = str(org.case.pk)
    assert assigned[(case_id, str(org.owner.pk))] == ("investigating", None)
    assert assigned[(case_id, str(org.colleague.pk))] == ("investigating", None)
    assert assigned[(case_id, str(org.outsider.pk))] == ("reviewing", None)
    glass = CaseAccess.objects.get(kind=CaseAccess.Kind.BREAK_GLASS)
    assert assigned[(case_id, str(org.lead.pk))] == ("reviewing", glass.expires_at)
    events = _rows(out, "access_events")
    on_cases = TrailEvent.objects.filter(subject_type="case").order_by("seq")
    assert [e["event_id"] for e in events] == [str(e.seq) for e in on_cases]
    assert {e["system"] for e in events} == {"CUSTODES"}
    reads = [e for e in events if e["incident_id"] == case_id and e["action"] == "view"]
    assert sorted(e["user_id"] for e in reads) == sorted(
        str(u.pk) for u in (org.owner, org.owner, org.colleague, org.outsider, org.lead)
    )
    assert {e["person_id"] for e in reads} == {person_id(org.subject.pk)}
    by_id = {e["event_id"]: e for e in events}
    glass_event = TrailEvent.objects.get(action="break-glass")
    assert by_id[str(glass_event.seq)]["action"] == "update"
    assert by_id[str(glass_event.seq)]["ts"] == glass_event.at
    # The export is itself on the trail, and `custodes validate` accepts the folder.
    assert TrailEvent.objects.order_by("-seq").values_list("action", flat=True)[0] == "export"
    checked = CliRunner().invoke(app, ["validate", str(out)])
    assert checked.exit_code == 0, checked.output


def test_the_export_never_overwrites_a_folder(org: Org, tmp_path: Path) -> None:
    out = tmp_path / "extract"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    done = trail("export", str(out))
    assert done.exit_code == 1
    assert "not an empty folder" in done.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_a_failed_export_leaves_nothing_behind(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pq.write_table
    written: list[str] = []

    def failing(table: Any, where: Path, **kwargs: Any) -> None:
        written.append(where.name)
        if len(written) == 3:
            raise OSError("disk full")
        real(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", failing)
    with pytest.raises(OSError, match="disk full"):
        trail_export.export_trail(tmp_path / "extract")
    assert list(tmp_path.iterdir()) == []


def test_events_of_accounts_no_longer_held_still_export(org: Org, tmp_path: Path) -> None:
    record(999_999, Action.READ, Subject.CASE, org.case.pk)
    record(org.owner.pk, Action.READ, Subject.CASE, "00000000-0000-0000-0000-000000000000")
    record(org.owner.pk, Action.PRINT, Subject.CASE, org.case.pk, reason=timezone.now().isoformat())
    out = tmp_path / "extract"
    trail_export.export_trail(out)
    report = validate_extract(out)
    assert report.ok, [str(p) for p in report.problems]
    staff = {s["user_id"]: s for s in _rows(out, "staff")}
    assert staff["999999"]["unit"] == "unknown"
    events = _rows(out, "access_events")
    assert events[-1]["action"] == "print"
    assert events[-2]["incident_id"] is None and events[-2]["person_id"] is None


def test_only_the_closed_set_of_kinds_is_recorded(db: None) -> None:
    """A misspelt action or record kind is refused, not recorded as a kind nobody looks for."""
    with pytest.raises(ValueError, match="'reed' is not a valid Action"):
        record(None, "reed", Subject.CASE, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'cse' is not a valid Subject"):
        record(None, Action.READ, "cse", 1)  # type: ignore[arg-type]
    assert not TrailEvent.objects.exists()
    event = record(None, "read", "case", 1)  # type: ignore[arg-type]
    assert (event.action, event.subject_type) == (Action.READ, Subject.CASE)
