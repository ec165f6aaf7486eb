"""A tampered audit run does not import: attacks on a signed run, each refused by name."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from importlib.resources import files
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from pytest_django import Settings
from typer.testing import CliRunner

from custodes.audit.manifest import MANIFEST, SIGNATURE
from custodes.cli import app
from custodes.web.accounts.models import Role
from custodes.web.alerts.actions import AuditImportError, import_audit_run
from custodes.web.alerts.models import AuditAlert, AuditEvidence, AuditRun
from custodes.web.needtoknow.models import ForceStaff
from custodes.web.trail.models import TrailEvent
from tests.signing_keys import AUDIT_KEY, INSIDER_KEY
from tests.web.audit_helpers import (
    AuditFolders,
    add_user,
    import_run,
    make_audit_folders,
    resign,
    staff_around,
)
from tests.web.conftest import Org


@pytest.fixture
def folders(tmp_path_factory: pytest.TempPathFactory) -> AuditFolders:
    """Return the session's synthetic force and its signed audit run."""
    return make_audit_folders(tmp_path_factory)


@pytest.fixture
def run(folders: AuditFolders, tmp_path: Path) -> Path:
    """Return a copy of the signed run for an attacker to change."""
    return Path(shutil.copytree(folders.run, tmp_path / "run"))


def nothing_imported() -> bool:
    """Return whether no run, staff, alert or evidence exists, and no import is on the trail."""
    models = (AuditRun, ForceStaff, AuditAlert, AuditEvidence)
    return not any(m.objects.exists() for m in models) and not (
        TrailEvent.objects.filter(action="import").exists()
    )


def refusal(run: Path, extract: Path) -> str:
    """Import as `custodes alerts import` does; return the refusal, checking nothing was written."""
    done = CliRunner().invoke(app, ["alerts", "import", str(run), "--extract", str(extract)])
    assert done.exit_code == 1, done.output
    assert "Nothing was imported." in done.output
    assert nothing_imported()
    # Rich folds long lines: the message is read back as one line.
    return " ".join(done.output.split())


def write_alerts(run: Path, alerts: pa.Table) -> None:
    """Write both alert files as the audit writes them."""
    pq.write_table(alerts, run / "alerts.parquet")
    pacsv.write_csv(alerts, run / "alerts.csv")


def top_removed(run: Path) -> str:
    """Remove the top-ranked officer's alert and evidence, closing up the ranks; return them."""
    alerts = pq.read_table(run / "alerts.parquet")
    top = alerts.column("user_id")[0].as_py()
    rest = alerts.slice(1)
    ranks = pc.subtract(rest.column("rank"), pa.scalar(1, rest.schema.field("rank").type))
    write_alerts(run, rest.set_column(0, rest.schema.field("rank"), ranks))
    evidence = pq.read_table(run / "evidence.parquet")
    kept = pc.not_equal(evidence.column("user_id"), top)
    pq.write_table(evidence.filter(kept), run / "evidence.parquet")
    return str(top)


def innocent_framed(run: Path, extract: Path) -> tuple[str, str]:
    """Move the top officer's alert and evidence onto an officer with no alert of their own."""
    alerts = pq.read_table(run / "alerts.parquet")
    alerted = set(alerts.column("user_id").to_pylist())
    staff = pq.read_table(extract / "staff.parquet").column("user_id").to_pylist()
    innocent = next(u for u in staff if u not in alerted)
    top = alerts.column("user_id")[0].as_py()
    for name in ("alerts.parquet", "evidence.parquet"):
        table = pq.read_table(run / name)
        at = table.column_names.index("user_id")
        moved = [innocent if u == top else u for u in table.column("user_id").to_pylist()]
        table = table.set_column(at, table.schema.field(at), pa.array(moved, pa.string()))
        if name == "alerts.parquet":
            write_alerts(run, table)
        else:
            pq.write_table(table, run / name)
    return str(top), str(innocent)


def test_a_signed_run_imports_and_keeps_where_it_came_from(db: None, folders: AuditFolders) -> None:
    """The run keeps the key that signed it, the extract's fingerprint and the rules' hash."""
    run = import_audit_run(None, folders.run, folders.extract).run
    manifest = json.loads((folders.run / MANIFEST).read_text(encoding="utf-8"))
    rules = files("custodes.audit").joinpath("rules.toml").read_bytes()
    assert (run.signed_by, run.extract_fingerprint) == (
        AUDIT_KEY.key_id,
        manifest["extract"]["fingerprint"],
    )
    assert (run.rules_sha256, run.rules_packaged) == (hashlib.sha256(rules).hexdigest(), True)
    event = TrailEvent.objects.get(action="import")
    assert event.changes["signed_by"] == AUDIT_KEY.key_id
    assert event.changes["extract"] == run.extract_fingerprint


def test_the_alert_page_shows_who_signed_the_run(org: Org, folders: AuditFolders) -> None:
    """The Run line names the signing key, the extract and the rules the run used."""
    run = import_run(folders)
    alert = AuditAlert.objects.get(run=run, rank=1)
    analyst = add_user(org, "analyst", Role.CC_ANALYST, "acu-north", staff_around(alert).stranger)
    page = org.client(analyst).get(f"/alerts/audit/{alert.pk}/").content.decode()
    assert f"signed by audit key {AUDIT_KEY.key_id}" in page
    assert f"made from extract {run.extract_fingerprint[:16]}…" in page
    assert f"with the packaged rules {run.rules_sha256[:16]}…" in page


def test_removing_the_top_officer_and_their_evidence_is_refused(
    db: None, folders: AuditFolders, run: Path
) -> None:
    """The attack that imported "ok": the officer ranked first, gone from alerts and evidence."""
    top_removed(run)
    message = refusal(run, folders.extract)
    assert f"{run}: changed since the audit signed it:" in message
    for name in ("alerts.csv", "alerts.parquet", "evidence.parquet"):
        assert f"{name} differs" in message
    assert "explained.csv" not in message and "report.html" not in message


def test_moving_the_top_alert_onto_an_innocent_officer_is_refused(
    db: None, folders: AuditFolders, run: Path
) -> None:
    """The innocent officer does not become rank 1 in the analyst's queue."""
    innocent_framed(run, folders.extract)
    message = refusal(run, folders.extract)
    assert "alerts.parquet differs" in message and "evidence.parquet differs" in message


def test_an_unsigned_run_is_refused(db: None, folders: AuditFolders, run: Path) -> None:
    """A run made without a signing key (or with its signature taken away) is not imported."""
    (run / SIGNATURE).unlink()
    message = refusal(run, folders.extract)
    assert f"{run}: the run is not signed (no manifest.sig)" in message
    # Nor one that never had a manifest at all, as runs made before signing.
    (run / MANIFEST).unlink()
    assert "not signed (no manifest.json or manifest.sig)" in refusal(run, folders.extract)


def test_an_unsigned_manifest_over_tampered_files_is_refused(
    db: None, folders: AuditFolders, run: Path
) -> None:
    """A manifest written afresh over tampered files, with no key, is still unsigned."""
    top_removed(run)
    resign(run, folders.extract, key=None)
    assert "the run is not signed (no manifest.sig)" in refusal(run, folders.extract)


def test_a_run_signed_again_with_an_insiders_own_key_is_refused(
    db: None, folders: AuditFolders, run: Path
) -> None:
    """Re-signing a tampered run with a key of one's own: the web app does not trust it."""
    innocent_framed(run, folders.extract)
    resign(run, folders.extract, key=INSIDER_KEY)
    message = refusal(run, folders.extract)
    assert (
        f"{run / SIGNATURE}: signed by key {INSIDER_KEY.key_id}, which is not trusted "
        f"({AUDIT_KEY.key_id})"
    ) in message


def test_an_edited_manifest_is_refused(db: None, folders: AuditFolders, run: Path) -> None:
    """Tampered files with the manifest's hashes edited to match: the signature no longer does."""
    top_removed(run)
    manifest = json.loads((run / MANIFEST).read_text(encoding="utf-8"))
    for name in ("alerts.csv", "alerts.parquet", "evidence.parquet"):
        data = (run / name).read_bytes()
        manifest["outputs"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (run / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    message = refusal(run, folders.extract)
    assert f"{run / MANIFEST}: does not match its signature manifest.sig" in message


def test_a_signature_moved_from_another_run_is_refused(
    db: None, folders: AuditFolders, run: Path, tmp_path: Path
) -> None:
    """A genuine manifest and signature, put beside another run's files, do not vouch for them."""
    other = Path(shutil.copytree(folders.run, tmp_path / "other"))
    top_removed(other)
    for name in (MANIFEST, SIGNATURE):
        shutil.copyfile(run / name, other / name)
    assert "alerts.parquet differs" in refusal(other, folders.extract)


def test_another_extract_is_refused_naming_the_file_that_differs(
    db: None, folders: AuditFolders, tmp_path: Path
) -> None:
    """An extract with the org chart changed (a manager moved) is not the one the run used."""
    extract = Path(shutil.copytree(folders.extract, tmp_path / "extract"))
    staff = pq.read_table(extract / "staff.parquet")
    at = staff.column_names.index("line_manager_id")
    managers = staff.column(at).to_pylist()
    managers[0], managers[1] = managers[1], managers[0]
    if managers[0] == managers[1]:
        managers[0] = staff.column("user_id")[2].as_py()
    staff = staff.set_column(at, staff.schema.field(at), pa.array(managers, pa.string()))
    pq.write_table(staff, extract / "staff.parquet")
    message = refusal(folders.run, extract)
    assert re.search(
        rf"{re.escape(str(extract))}: not the extract the run was made from: "
        r"staff\.parquet differs \(SHA-256 [0-9a-f]{16}…",
        message,
    ), message
    # Nor one with a table the run never read, or one missing a table it did.
    shutil.copyfile(folders.extract / "staff.parquet", extract / "staff.parquet")
    (extract / "declared_associations.parquet").unlink()
    assert "declared_associations.parquet is missing" in refusal(folders.run, extract)


def test_an_extract_with_a_table_the_run_never_read_is_refused(
    db: None, folders: AuditFolders, tmp_path: Path
) -> None:
    """A staff table added as CSV beside the Parquet one would change what the import reads."""
    extract = Path(shutil.copytree(folders.extract, tmp_path / "extract"))
    pacsv.write_csv(pq.read_table(extract / "staff.parquet"), extract / "staff.csv")
    assert "staff.csv was not in it" in refusal(folders.run, extract)


def test_no_trusted_key_means_no_import(
    db: None, folders: AuditFolders, settings: Settings
) -> None:
    """A web app that trusts no audit key imports nothing, and says which setting to set."""
    settings.AUDIT_TRUSTED_KEYS = ()
    with pytest.raises(AuditImportError, match="set CUSTODES_AUDIT_TRUSTED_KEYS"):
        import_audit_run(None, folders.run, folders.extract)
    assert nothing_imported()


def test_a_run_signed_with_a_newly_trusted_key_imports(
    db: None, folders: AuditFolders, run: Path, settings: Settings
) -> None:
    """A second audit machine's key, once trusted beside the first, is accepted."""
    resign(run, folders.extract, key=INSIDER_KEY)
    settings.AUDIT_TRUSTED_KEYS = (AUDIT_KEY.public, INSIDER_KEY.public)
    done = import_audit_run(None, run, folders.extract)
    assert done.created and done.run.signed_by == INSIDER_KEY.key_id
