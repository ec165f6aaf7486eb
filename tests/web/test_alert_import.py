"""Importing an access-audit run (`custodes alerts import`): all or nothing, once."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from typer.testing import CliRunner, Result

from custodes.cli import app
from custodes.crypto import pseudonym
from custodes.web.accounts.models import Role
from custodes.web.alerts.actions import AuditImportError, import_audit_run
from custodes.web.alerts.models import AuditAlert, AuditEvidence, AuditRun, ForceStaff
from custodes.web.trail.models import TrailEvent
from tests.web.audit_helpers import AuditFolders, add_user, import_run, make_audit_folders
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
    with pytest.raises(AuditImportError, match="column event_id holds string with 1 empty"):
        import_audit_run(None, run, audit_folders.extract)
    assert nothing_imported()


def test_an_extract_without_staff_is_refused(
    db: None, audit_folders: AuditFolders, tmp_path: Path
) -> None:
    """The org chart comes from the extract's staff table; without it there is no import."""
    extract = Path(shutil.copytree(audit_folders.extract, tmp_path / "extract"))
    (extract / "staff.parquet").unlink()
    with pytest.raises(AuditImportError, match=r"no staff\.parquet or staff\.csv"):
        import_audit_run(None, audit_folders.run, extract)
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
    wanted = re.escape(f"not in the extract's staff table (first: {top})")
    with pytest.raises(AuditImportError, match=wanted):
        import_audit_run(None, audit_folders.run, extract)
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
