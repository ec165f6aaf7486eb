"""Run outputs are written and read by one definition; what the audit never writes is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from custodes.audit import (
    ALERT_COLUMNS,
    EVIDENCE_COLUMNS,
    EXPLAINED_COLUMNS,
    OUTPUT_FILES,
    RunOutputError,
    RunOutputs,
    read_run_outputs,
)
from custodes.audit.run import run_audit
from custodes.synth import SynthConfig, generate


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Audit a small synthetic force once for the module; return the run's folder."""
    base = tmp_path_factory.mktemp("outputs")
    generate(SynthConfig(staff=120, days=14, seed=4), base / "extract")
    run_audit(base / "extract", base / "run")
    return base / "run"


def test_the_audit_writes_the_files_and_columns_defined(run: Path) -> None:
    assert all((run / name).is_file() for name in OUTPUT_FILES)
    assert tuple(pq.read_schema(run / "alerts.parquet").names) == ALERT_COLUMNS
    assert tuple(pacsv.read_csv(run / "alerts.csv").column_names) == ALERT_COLUMNS
    assert tuple(pq.read_schema(run / "evidence.parquet").names) == EVIDENCE_COLUMNS
    assert tuple(pacsv.read_csv(run / "explained.csv").column_names) == EXPLAINED_COLUMNS


def test_a_run_reads_back_as_written(run: Path) -> None:
    read = read_run_outputs(run)
    alerts = pq.read_table(run / "alerts.parquet")
    assert read.alerts.num_rows == alerts.num_rows > 0
    assert read.alerts.column("user_id").to_pylist() == alerts.column("user_id").to_pylist()
    assert read.alerts.schema.field("first_ts").type == pa.timestamp("us", tz="UTC")
    assert read.evidence.num_rows == pq.read_metadata(run / "evidence.parquet").num_rows
    explained = pacsv.read_csv(run / "explained.csv").to_pylist()
    assert [r.system for r in read.explained] == [r["system"] for r in explained]
    assert read.totals.system == "ALL"
    assert (read.totals.look_ups, read.totals.explained) == (
        explained[-1]["look_ups"],
        explained[-1]["explained"],
    )
    assert read.alert_row(1) == "row 1 (rank 1)"


def test_a_folder_without_an_output_is_refused(run: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(run, tmp_path / "run"))
    (copy / "report.html").unlink()
    with pytest.raises(RunOutputError, match=r"not an audit output folder: report\.html missing"):
        read_run_outputs(copy)


def test_a_bad_value_is_named_by_file_column_and_row(run: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(run, tmp_path / "run"))
    alerts = pq.read_table(copy / "alerts.parquet")
    ranks = alerts.column("rank").to_pylist()
    ranks[1] = 0
    at = alerts.column_names.index("rank")
    field = alerts.schema.field(at)
    changed = alerts.set_column(at, field, pa.array(ranks, field.type))
    pq.write_table(changed, copy / "alerts.parquet")
    with pytest.raises(RunOutputError) as refusal:
        read_run_outputs(copy)
    assert str(refusal.value) == (
        f"{copy / 'alerts.parquet'}: column rank, row 2: rank 0 is not a rank: ranks count "
        "from 1, the first to review"
    )


def test_copies_are_read_and_the_run_folder_named(run: Path, tmp_path: Path) -> None:
    copies = Path(shutil.copytree(run, tmp_path / "copies"))
    (copies / "explained.csv").write_text("system,look_ups,explained\nALL,3,4\n")
    with pytest.raises(RunOutputError) as refusal:
        read_run_outputs(run, copies=copies)
    assert str(refusal.value).startswith(f"{run / 'explained.csv'}: column explained, row 1")


def test_the_readers_own_checks_come_before_the_cross_checks(run: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(run, tmp_path / "run"))
    evidence = pq.read_table(copy / "evidence.parquet")
    # A changed look-up id makes an alert's count disagree with its evidence too.
    ids = evidence.column("event_id").to_pylist()
    ids[0] = "x" * 80
    at = evidence.column_names.index("event_id")
    pq.write_table(
        evidence.set_column(at, "event_id", pa.array(ids, pa.string())), copy / "evidence.parquet"
    )
    with pytest.raises(RunOutputError, match="column events"):
        read_run_outputs(copy)
    seen: list[int] = []

    def own(read: RunOutputs) -> None:
        seen.append(read.evidence.num_rows)
        raise ValueError("longer than I keep")

    with pytest.raises(ValueError, match="longer than I keep"):
        read_run_outputs(copy, before_cross_checks=own)
    assert seen == [evidence.num_rows]
