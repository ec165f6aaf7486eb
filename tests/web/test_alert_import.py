"""Importing an access-audit run (`custodes alerts import`): all or nothing, once."""

from __future__ import annotations

import csv
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, DataError, IntegrityError
from typer.testing import CliRunner, Result

from custodes.cli import app
from custodes.crypto import pseudonym
from custodes.web.accounts.models import Role
from custodes.web.alerts.actions import AuditImportError, import_audit_run
from custodes.web.alerts.models import AuditAlert, AuditEvidence, AuditRun
from custodes.web.needtoknow.models import ForceStaff
from custodes.web.trail.models import TrailEvent
from tests.signing_keys import AUDIT_KEY
from tests.web.audit_helpers import (
    AuditFolders,
    add_user,
    import_run,
    make_audit_folders,
    resign,
)
from tests.web.conftest import Org

MODELS = (AuditRun, ForceStaff, AuditAlert, AuditEvidence, TrailEvent)


@pytest.fixture
def audit_folders(tmp_path_factory: pytest.TempPathFactory) -> AuditFolders:
    """Return the session's synthetic force and its audit run."""
    return make_audit_folders(tmp_path_factory)


def counts() -> dict[str, int]:
    """Count the rows an import writes, and the trail."""
    return {model.__name__: model.objects.count() for model in MODELS}


def nothing_imported() -> bool:
    """Return whether no run, staff, alert, evidence or import event exists."""
    return (
        not any(m.objects.exists() for m in MODELS[:4])
        and not TrailEvent.objects.filter(action="import").exists()
    )


def copy_run(folders: AuditFolders, tmp_path: Path) -> Path:
    """Copy the audit's outputs somewhere a test may break them."""
    return Path(shutil.copytree(folders.run, tmp_path / "run"))


def cli(*args: str) -> Result:
    """Run `custodes alerts …` in this process, on the test database."""
    return CliRunner().invoke(app, ["alerts", *args])


def test_a_real_run_is_imported_whole(db: None, audit_folders: AuditFolders) -> None:
    """Every alert, evidence row and member of staff arrives, with the run's figures."""
    done = import_audit_run(None, audit_folders.run, audit_folders.extract)
    assert done.created
    run = done.run
    alerts = pq.read_table(audit_folders.run / "alerts.parquet").to_pylist()
    evidence = pq.read_table(audit_folders.run / "evidence.parquet").to_pylist()
    staff = pq.read_table(audit_folders.extract / "staff.parquet").to_pylist()
    assert (run.alert_count, run.evidence_count, run.staff_count) == (
        len(alerts),
        len(evidence),
        len(staff),
    )
    assert AuditAlert.objects.filter(run=run).count() == len(alerts)
    assert AuditEvidence.objects.filter(alert__run=run).count() == len(evidence)
    assert ForceStaff.objects.filter(run=run).count() == len(staff)
    assert (run.source, run.force, run.imported_by) == ("run-1", "XF", None)
    total = next(
        r
        for r in pacsv.read_csv(audit_folders.run / "explained.csv").to_pylist()
        if r["system"] == "ALL"
    )
    assert (run.look_ups, run.explained) == (total["look_ups"], total["explained"])
    assert run.explained_share == pytest.approx(total["share"], abs=1e-6)

    first = AuditAlert.objects.get(run=run, rank=1)
    top = alerts[0]
    assert (first.force_user_id, first.summary, first.reasons, first.events) == (
        top["user_id"],
        top["summary"],
        top["reasons"],
        top["events"],
    )
    assert first.score == pytest.approx(top["score"])
    assert (first.first_ts, first.last_ts) == (top["first_ts"], top["last_ts"])
    assert first.status == AuditAlert.Status.NEW
    manager = next(s["line_manager_id"] for s in staff if s["user_id"] == top["user_id"])
    assert ForceStaff.objects.get(run=run, user_id=top["user_id"]).line_manager_id == manager

    event = TrailEvent.objects.get(action="import")
    assert (event.actor_id, event.subject_type) == (None, "audit-run")
    assert event.subject_id == str(run.pk)
    assert event.changes["alerts"] == len(alerts)
    assert event.changes["evidence"] == len(evidence)


def test_people_are_stored_only_as_keyed_pseudonyms(db: None, audit_folders: AuditFolders) -> None:
    """No person id from the extract is kept; each becomes the same HMAC pseudonym."""
    run = import_run(audit_folders)
    evidence = pq.read_table(audit_folders.run / "evidence.parquet").to_pylist()
    people = {str(e["person_id"]) for e in evidence if e["person_id"] is not None}
    stored = set(AuditEvidence.objects.filter(alert__run=run).values_list("person", flat=True))
    assert people and not people & stored
    expected = {pseudonym(settings.PSEUDONYM_KEY, p, purpose="audit-person") for p in people}
    assert stored - {""} == expected
    unknown = sum(1 for e in evidence if e["person_id"] is None)
    assert AuditEvidence.objects.filter(alert__run=run, person="").count() == unknown


def test_a_second_import_changes_nothing(db: None, audit_folders: AuditFolders) -> None:
    """The same run imported again is recognised by its contents and left as it is."""
    first = import_audit_run(None, audit_folders.run, audit_folders.extract)
    before = counts()
    again = import_audit_run(None, audit_folders.run, audit_folders.extract)
    assert not again.created
    assert again.run.pk == first.run.pk
    assert counts() == before


def test_a_copy_of_the_run_elsewhere_is_the_same_run(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """Moving the folder does not make it a new run."""
    import_run(audit_folders)
    before = counts()
    moved = copy_run(audit_folders, tmp_path)
    assert not import_audit_run(None, moved, audit_folders.extract).created
    assert counts() == before


@pytest.mark.parametrize(
    "missing", ["alerts.parquet", "evidence.parquet", "explained.csv", "report.html"]
)
def test_a_folder_missing_an_output_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path, missing: str
) -> None:
    """A folder without one of the audit's outputs is refused, naming it, with nothing written."""
    run = copy_run(audit_folders, tmp_path)
    (run / missing).unlink()
    with pytest.raises(
        AuditImportError, match=re.escape(f"not an audit output folder: {missing} missing")
    ):
        import_audit_run(None, run, audit_folders.extract)
    assert nothing_imported()


def test_the_extract_itself_is_not_an_audit_output(db: None, audit_folders: AuditFolders) -> None:
    """Mixing up the two folders is refused with every missing file named."""
    with pytest.raises(AuditImportError, match=r"alerts\.csv, alerts\.parquet, evidence"):
        import_audit_run(None, audit_folders.extract, audit_folders.extract)
    assert nothing_imported()


def test_a_corrupt_evidence_file_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """A file that is not Parquet stops the import before anything is written."""
    run = copy_run(audit_folders, tmp_path)
    (run / "evidence.parquet").write_bytes(b"not parquet at all")
    resign(run, audit_folders.extract)
    with pytest.raises(
        AuditImportError, match=re.escape("evidence.parquet: cannot be read as Parquet")
    ):
        import_audit_run(None, run, audit_folders.extract)
    assert nothing_imported()


def test_an_alerts_file_without_a_column_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """Each column the queue needs must be there."""
    run = copy_run(audit_folders, tmp_path)
    alerts = pq.read_table(run / "alerts.parquet")
    pq.write_table(alerts.drop_columns(["reasons"]), run / "alerts.parquet")
    resign(run, audit_folders.extract)
    wanted = re.escape("alerts.parquet: not an audit output: no column reasons")
    with pytest.raises(AuditImportError, match=wanted):
        import_audit_run(None, run, audit_folders.extract)
    assert nothing_imported()


def test_an_alerts_file_with_the_wrong_kind_of_column_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """A rank that is not a whole number is caught before anything is written."""
    run = copy_run(audit_folders, tmp_path)
    alerts = pq.read_table(run / "alerts.parquet")
    ranks = pa.array([str(r) for r in alerts.column("rank").to_pylist()], pa.string())
    pq.write_table(alerts.set_column(0, "rank", ranks), run / "alerts.parquet")
    resign(run, audit_folders.extract)
    with pytest.raises(AuditImportError, match="column rank holds string"):
        import_audit_run(None, run, audit_folders.extract)
    assert nothing_imported()


def test_evidence_with_an_empty_event_id_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """Every look-up behind an alert must say which look-up it is."""
    run = copy_run(audit_folders, tmp_path)
    evidence = pq.read_table(run / "evidence.parquet")
    ids = evidence.column("event_id").to_pylist()
    ids[0] = None
    at = evidence.column_names.index("event_id")
    pq.write_table(
        evidence.set_column(at, "event_id", pa.array(ids, pa.string())), run / "evidence.parquet"
    )
    resign(run, audit_folders.extract)
    with pytest.raises(AuditImportError, match="column event_id holds string with 1 empty"):
        import_audit_run(None, run, audit_folders.extract)
    assert nothing_imported()


def test_an_extract_without_staff_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """The org chart comes from the extract's staff table; without it there is no import."""
    extract = Path(shutil.copytree(audit_folders.extract, tmp_path / "extract"))
    (extract / "staff.parquet").unlink()
    run = copy_run(audit_folders, tmp_path)
    resign(run, extract)
    with pytest.raises(AuditImportError, match=r"no staff\.parquet or staff\.csv"):
        import_audit_run(None, run, extract)
    assert nothing_imported()


def test_alerts_about_staff_the_extract_lacks_are_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """A run paired with another extract is caught: its staff are not all there."""
    extract = Path(shutil.copytree(audit_folders.extract, tmp_path / "extract"))
    staff = pq.read_table(extract / "staff.parquet")
    top = pq.read_table(audit_folders.run / "alerts.parquet").column("user_id")[0].as_py()
    keep = [u != top for u in staff.column("user_id").to_pylist()]
    pq.write_table(staff.filter(keep), extract / "staff.parquet")
    run = copy_run(audit_folders, tmp_path)
    resign(run, extract)
    wanted = re.escape(
        f"alerts.parquet: column user_id, row 1 (rank 1): {top} is not in the extract's staff table"
    )
    with pytest.raises(AuditImportError, match=wanted):
        import_audit_run(None, run, extract)
    assert nothing_imported()


def test_a_failure_while_writing_takes_everything_back(
    db: None, audit_folders: AuditFolders, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the last write fails, the rows already written go too."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the trail is unavailable")

    monkeypatch.setattr("custodes.web.alerts.actions.record", broken)
    with pytest.raises(RuntimeError, match="the trail is unavailable"):
        import_run(audit_folders)
    assert nothing_imported()


def test_only_counter_corruption_staff_and_administrators_import(
    org: Org, audit_folders: AuditFolders
) -> None:
    """A signed-in importer must be one who may work the queue, or an administrator."""
    with pytest.raises(PermissionDenied):
        import_audit_run(org.owner, audit_folders.run, audit_folders.extract)
    assert nothing_imported()
    admin = add_user(org, "admin", Role.ADMINISTRATOR, "it-services")
    run = import_audit_run(admin, audit_folders.run, audit_folders.extract).run
    assert run.imported_by == admin
    assert TrailEvent.objects.get(action="import").actor_id == admin.pk


def test_the_command_prints_counts_then_says_it_changed_nothing(
    db: None, audit_folders: AuditFolders
) -> None:
    """`custodes alerts import` reports what it loaded, and that a repeat loaded nothing."""
    done = cli("import", str(audit_folders.run), "--extract", str(audit_folders.extract))
    assert done.exit_code == 0, done.output
    run = AuditRun.objects.get()
    assert f"{run.alert_count:,} alerts" in done.output
    assert f"{run.evidence_count:,} evidence rows" in done.output
    assert f"{run.staff_count:,} staff" in done.output
    assert f"Signed by audit key {AUDIT_KEY.key_id}" in done.output
    again = cli("import", str(audit_folders.run), "--extract", str(audit_folders.extract))
    assert again.exit_code == 0, again.output
    assert f"Already imported as run {run.pk}" in again.output
    assert "nothing changed" in again.output
    assert AuditRun.objects.count() == 1


def test_the_command_refuses_a_broken_folder(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """A refused import exits 1, says why and that nothing was imported."""
    run = copy_run(audit_folders, tmp_path)
    (run / "alerts.parquet").unlink()
    done = cli("import", str(run), "--extract", str(audit_folders.extract))
    assert done.exit_code == 1
    assert "alerts.parquet missing" in done.output
    assert "Nothing was imported." in done.output
    assert nothing_imported()


def refused(run: Path, extract: Path, *where: str) -> str:
    """Sign the changed run again, import it, and return the refusal naming each place given."""
    # Signed again, as only the audit machine could, so that the checks behind the signature
    # are what refuse it; and nothing may have been written.
    resign(run, extract)
    with pytest.raises(AuditImportError) as refusal:
        import_audit_run(None, run, extract)
    message = str(refusal.value)
    for place in where:
        assert place in message, message
    assert nothing_imported()
    return message


def rewrite_parquet(path: Path, column: str, change: Callable[[list[Any]], list[Any]]) -> None:
    """Rewrite one column of a Parquet file through `change`, keeping its type."""
    read = pq.read_table(path)
    at = read.column_names.index(column)
    field = read.schema.field(at)
    values = pa.array(change(read.column(column).to_pylist()), field.type)
    pq.write_table(read.set_column(at, field, values), path)


def set_value(row: int, value: Any) -> Callable[[list[Any]], list[Any]]:
    """Return a change that sets one row (0-based) to `value`."""

    def change(values: list[Any]) -> list[Any]:
        return [value if i == row else v for i, v in enumerate(values)]

    return change


@pytest.mark.parametrize(
    ("column", "row", "value", "problem"),
    [
        ("score", 0, math.nan, "score nan is not a finite number"),
        ("score", 2, math.inf, "score inf is not a finite number"),
        ("events", 0, 0, "events is 0"),
        ("reasons", 1, "x;" * 400, "800 characters long; the web app keeps at most 500"),
    ],
)
def test_an_alert_value_the_queue_cannot_hold_is_refused(
    db: None,
    audit_folders: AuditFolders,
    tmp_path: Path,
    column: str,
    row: int,
    value: Any,
    problem: str,
) -> None:
    """A bad value is named by file, column, row and rank, and nothing is written."""
    run = copy_run(audit_folders, tmp_path)
    rewrite_parquet(run / "alerts.parquet", column, set_value(row, value))
    where = f"alerts.parquet: column {column}, row {row + 1} (rank {row + 1}): "
    refused(run, audit_folders.extract, where, problem)


@pytest.mark.parametrize(
    ("row", "rank", "problem"),
    [
        (0, -1, "rank -1 is not a rank: ranks count from 1"),
        (1, 0, "rank 0 is not a rank: ranks count from 1"),
        (2, 1, "rank 1 again, first at row 1"),
    ],
)
def test_a_rank_below_one_or_repeated_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path, row: int, rank: int, problem: str
) -> None:
    """Ranks count from 1, the first to review, and each is given once."""
    run = copy_run(audit_folders, tmp_path)
    rewrite_parquet(run / "alerts.parquet", "rank", set_value(row, rank))
    refused(run, audit_folders.extract, f"alerts.parquet: column rank, row {row + 1}: {problem}")


def test_a_member_of_staff_alerted_twice_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """The audit gives each member of staff one alert."""
    run = copy_run(audit_folders, tmp_path)
    top = pq.read_table(run / "alerts.parquet").column("user_id")[0].as_py()
    rewrite_parquet(run / "alerts.parquet", "user_id", set_value(3, top))
    where = f"alerts.parquet: column user_id, row 4 (rank 4): user_id {top} again, first at row 1"
    refused(run, audit_folders.extract, where)


def test_an_alert_whose_first_look_up_follows_its_last_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """The first look-up behind an alert cannot come after the last."""
    run = copy_run(audit_folders, tmp_path)
    alerts = pq.read_table(run / "alerts.parquet")
    first, last = (alerts.column(c)[1].as_py() for c in ("first_ts", "last_ts"))
    rewrite_parquet(run / "alerts.parquet", "first_ts", set_value(1, last))
    rewrite_parquet(run / "alerts.parquet", "last_ts", set_value(1, first))
    where = "alerts.parquet: column first_ts, row 2 (rank 2): "
    refused(run, audit_folders.extract, where, f"{last:%Y-%m-%d %H:%M:%S} is after last_ts")


def test_an_alert_time_no_calendar_holds_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """A time past the year 9999 is named, not a crash while reading it."""
    run = copy_run(audit_folders, tmp_path)
    alerts = pq.read_table(run / "alerts.parquet")
    at = alerts.column_names.index("last_ts")
    micros = pc.cast(alerts.column("last_ts"), pa.int64()).to_pylist()
    micros[0] = 400_000_000_000_000_000  # about the year 14,700
    times = pa.array(micros, pa.int64()).cast(alerts.schema.field(at).type)
    pq.write_table(alerts.set_column(at, "last_ts", times), run / "alerts.parquet")
    refused(run, audit_folders.extract, "alerts.parquet: column last_ts, row 1 (rank 1): ")


def test_an_alert_time_finer_than_a_microsecond_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """The database keeps microseconds: a nanosecond is refused rather than dropped."""
    run = copy_run(audit_folders, tmp_path)
    alerts = pq.read_table(run / "alerts.parquet")
    at = alerts.column_names.index("first_ts")
    nanos = pc.multiply(pc.cast(alerts.column("first_ts"), pa.int64()), 1000).to_pylist()
    nanos[2] += 1
    times = pa.array(nanos, pa.int64()).cast(pa.timestamp("ns", tz="UTC"))
    pq.write_table(alerts.set_column(at, "first_ts", times), run / "alerts.parquet")
    where = "alerts.parquet: column first_ts, row 3 (rank 3): "
    refused(run, audit_folders.extract, where, "and some nanoseconds")


def test_an_alert_whose_events_do_not_match_its_evidence_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """`events` counts the look-ups behind the alert: evidence.parquet must hold as many."""
    run = copy_run(audit_folders, tmp_path)
    events = pq.read_table(run / "alerts.parquet").column("events")[4].as_py()
    rewrite_parquet(run / "alerts.parquet", "events", set_value(4, events + 1))
    where = f"alerts.parquet: column events, row 5 (rank 5): {events + 1} look-ups"
    refused(run, audit_folders.extract, where, f"evidence.parquet holds {events}")


def test_an_alert_summary_that_is_not_text_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """A number where the audit writes a sentence is not turned into text."""
    run = copy_run(audit_folders, tmp_path)
    alerts = pq.read_table(run / "alerts.parquet")
    at = alerts.column_names.index("summary")
    numbers = pa.array(range(alerts.num_rows), pa.int64())
    pq.write_table(alerts.set_column(at, "summary", numbers), run / "alerts.parquet")
    refused(run, audit_folders.extract, "alerts.parquet: column summary holds int64")


def test_evidence_about_someone_without_an_alert_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """Each look-up of evidence belongs to an alert in the same run."""
    run = copy_run(audit_folders, tmp_path)
    rewrite_parquet(run / "evidence.parquet", "user_id", set_value(5, "U999999"))
    where = "evidence.parquet: column user_id, row 6: user_id U999999 has no alert"
    refused(run, audit_folders.extract, where)


@pytest.mark.parametrize(
    ("column", "most"), [("event_id", 64), ("signal", 64), ("explanation_found", 32)]
)
def test_evidence_text_longer_than_the_web_app_keeps_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path, column: str, most: int
) -> None:
    """Text that would be cut short, or refused by PostgreSQL, is named instead."""
    run = copy_run(audit_folders, tmp_path)
    rewrite_parquet(run / "evidence.parquet", column, set_value(7, "x" * (most + 1)))
    where = f"evidence.parquet: column {column}, row 8: "
    problem = f"{most + 1} characters long; the web app keeps at most {most}"
    refused(run, audit_folders.extract, where, problem)


def rewrite_explained(run: Path, system: str, column: str, value: str) -> int:
    """Set one cell of explained.csv as text; return the 1-based data row changed."""
    path = run / "explained.csv"
    with path.open(newline="") as file:
        header, *rows = list(csv.reader(file))
    row = next(i for i, r in enumerate(rows) if r[0] == system)
    rows[row][header.index(column)] = value
    with path.open("w", newline="") as file:
        csv.writer(file).writerows([header, *rows])
    return row + 1


def explained_cell(run: Path, system: str, column: str) -> int:
    """Return one count of explained.csv."""
    rows = pacsv.read_csv(run / "explained.csv").to_pylist()
    return int(next(r[column] for r in rows if r["system"] == system))


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("look_ups", "", "'' is not a whole number"),
        ("look_ups", "12.5", "'12.5' is not a whole number"),
        ("explained", "-3", "'-3' is not a whole number"),
        ("explained", "many", "'many' is not a whole number"),
    ],
)
def test_an_explained_count_that_is_not_a_whole_number_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path, column: str, value: str, problem: str
) -> None:
    """A blank, a fraction, a negative or a word where a count belongs is named."""
    run = copy_run(audit_folders, tmp_path)
    row = rewrite_explained(run, "ALL", column, value)
    where = f"explained.csv: column {column}, row {row} (system ALL): {problem}"
    refused(run, audit_folders.extract, where)


def test_more_look_ups_explained_than_there_were_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """No share explained above 100% reaches the queue's figures."""
    run = copy_run(audit_folders, tmp_path)
    look_ups = explained_cell(run, "ALL", "look_ups")
    row = rewrite_explained(run, "ALL", "explained", str(10 * look_ups))
    where = f"explained.csv: column explained, row {row} (system ALL): "
    problem = f"{10 * look_ups:,} look-ups explained of {look_ups:,}"
    refused(run, audit_folders.extract, where, problem)


def test_an_all_row_that_is_not_the_systems_added_up_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """The ALL row is all systems together: the run's figures come from it."""
    run = copy_run(audit_folders, tmp_path)
    look_ups = explained_cell(run, "CAD", "look_ups")
    rewrite_explained(run, "CAD", "look_ups", str(look_ups + 1))
    total = explained_cell(run, "ALL", "look_ups")
    row = rewrite_explained(run, "ALL", "look_ups", str(total))
    where = f"explained.csv: column look_ups, row {row} (system ALL): {total:,} look-ups"
    refused(run, audit_folders.extract, where, f"add up to {total + 1:,}")


def test_a_system_named_twice_in_explained_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """Each system has one row."""
    run = copy_run(audit_folders, tmp_path)
    systems = pacsv.read_csv(run / "explained.csv").column("system").to_pylist()
    first = systems.index("CAD") + 1
    row = rewrite_explained(run, systems[first], "system", "CAD")
    where = f"column system, row {row} (system CAD): system CAD again, first at row {first}"
    refused(run, audit_folders.extract, f"explained.csv: {where}")


def test_a_system_itself_called_all_is_not_taken_for_the_totals(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """The audit writes the totals last; a system called ALL comes before them."""
    run = copy_run(audit_folders, tmp_path)
    rewrite_explained(run, "CAD", "system", "ALL")
    resign(run, audit_folders.extract)
    done = import_audit_run(None, run, audit_folders.extract)
    totals = pacsv.read_csv(run / "explained.csv").to_pylist()[-1]
    assert (done.run.look_ups, done.run.explained) == (totals["look_ups"], totals["explained"])
    # explained_cell finds the first row called ALL: the system, not the totals.
    assert done.run.look_ups > explained_cell(run, "ALL", "look_ups")


def test_staff_text_longer_than_the_web_app_keeps_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """The org chart's unit is named by row and user_id when it would not fit."""
    extract = Path(shutil.copytree(audit_folders.extract, tmp_path / "extract"))
    user = pq.read_table(extract / "staff.parquet").column("user_id")[2].as_py()
    rewrite_parquet(extract / "staff.parquet", "unit", set_value(2, "u" * 101))
    where = f"staff.parquet: column unit, row 3 (user_id {user}): 101 characters long"
    refused(copy_run(audit_folders, tmp_path), extract, where, "at most 100")


def test_a_national_extract_of_many_forces_is_imported(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """More forces than the run's label holds are counted there; each staff row keeps its own."""
    extract = Path(shutil.copytree(audit_folders.extract, tmp_path / "extract"))
    rewrite_parquet(
        extract / "staff.parquet", "force", lambda old: [f"F{i:04d}" for i in range(len(old))]
    )
    forces = len(pq.read_table(extract / "staff.parquet"))
    run = copy_run(audit_folders, tmp_path)
    resign(run, extract)
    done = import_audit_run(None, run, extract)
    assert done.run.force == f"{forces} forces"
    assert done.run.staff.filter(force="F0002").count() == 1


def test_the_command_names_a_bad_value_without_a_traceback(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """A rank the database would refuse is named, and the command says nothing was imported."""
    run = copy_run(audit_folders, tmp_path)
    rewrite_parquet(run / "alerts.parquet", "rank", set_value(0, -1))
    resign(run, audit_folders.extract)
    done = cli("import", str(run), "--extract", str(audit_folders.extract))
    assert done.exit_code == 1
    assert isinstance(done.exception, SystemExit)
    assert "alerts.parquet: column rank, row 1: rank -1 is not a rank" in done.output
    assert "Nothing was imported." in done.output
    assert nothing_imported()


@pytest.mark.parametrize("error", [IntegrityError, DataError])
def test_the_command_reports_a_database_refusal_as_nothing_imported(
    db: None,
    audit_folders: AuditFolders,
    monkeypatch: pytest.MonkeyPatch,
    error: type[DatabaseError],
) -> None:
    """A value the checks let through and the database refuses is reported, not a traceback."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise error("value too long for type character varying(500)")

    monkeypatch.setattr("custodes.web.alerts.actions.record", refuse)
    done = cli("import", str(audit_folders.run), "--extract", str(audit_folders.extract))
    assert done.exit_code == 1
    assert isinstance(done.exception, SystemExit)
    assert "the database refused the import" in done.output
    assert "value too long for type character varying(500)" in done.output
    assert "Nothing was imported." in done.output
    assert nothing_imported()


def test_the_command_does_not_hide_a_programming_error(
    db: None, audit_folders: AuditFolders, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault in custodes itself still ends with its traceback, and writes nothing."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise TypeError("a bug")

    monkeypatch.setattr("custodes.web.alerts.actions.record", broken)
    done = cli("import", str(audit_folders.run), "--extract", str(audit_folders.extract))
    assert isinstance(done.exception, TypeError)
    assert "Nothing was imported." not in done.output
    assert nothing_imported()
