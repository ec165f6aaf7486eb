"""Bad extracts stop the audit before any work, with messages that say where; no half outputs."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from custodes.audit import report as report_module
from custodes.audit.run import run_audit
from custodes.errors import CustodesError, ExtractError
from tests.audit_cases import FRACTIONS_OF_A_SECOND, case_extract
from tests.extract_factory import tiny_rows, write_extract

CUSTODES = str(Path(sys.executable).with_name("custodes"))


def _alerts(out: Path) -> list[dict[str, str]]:
    with (out / "alerts.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_an_invalid_extract_stops_before_any_work(tmp_path: Path) -> None:
    rows = tiny_rows()
    rows["access_events"][0]["user_id"] = "nobody"
    extract = write_extract(tmp_path / "x", rows, "csv")
    with pytest.raises(ExtractError) as caught:
        run_audit(extract, tmp_path / "out")
    message = str(caught.value)
    assert "access_events.csv" in message
    assert "user_id" in message
    assert "row 1" in message
    assert not (tmp_path / "out").exists()


def test_the_command_prints_the_validator_messages(tmp_path: Path) -> None:
    rows = tiny_rows()
    rows["access_events"][1]["ts"] = "yesterday"
    extract = write_extract(tmp_path / "x", rows, "csv")
    done = subprocess.run(
        [CUSTODES, "audit", str(extract), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "access_events.csv, column ts, row 2" in done.stderr
    assert "yesterday" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_corrupt_parquet_file_is_named(tmp_path: Path) -> None:
    extract = write_extract(tmp_path / "x", tiny_rows(), "parquet")
    path = extract / "incidents.parquet"
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ExtractError, match=r"incidents\.parquet"):
        run_audit(extract, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_csv_with_a_stray_quote_is_named_with_its_row(tmp_path: Path) -> None:
    extract = write_extract(tmp_path / "x", tiny_rows(), "csv")
    path = extract / "persons.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",", ',"', 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ExtractError) as caught:
        run_audit(extract, tmp_path / "out")
    assert "persons.csv" in str(caught.value)
    assert "row 2" in str(caught.value)


def test_timestamps_in_mixed_zones_are_compared_in_utc(tmp_path: Path) -> None:
    # Assigned from 00:00Z on 5 March; the window opens a day earlier, at 00:00Z on 4 March.
    # 08:30+10:00 on 4 March is 22:30Z on 3 March: outside. 23:30-05:00 on 3 March is
    # 04:30Z on 4 March: inside. Read as local times, both would land the other way round.
    case = {
        "persons": [{"id": "p1", "sex": "M", "age": 40}],
        "assignments": [{"incident": "i1", "persons": ["p1"], "day": 2, "hours": 1}],
        "lookups": [{"day": 0, "hour": 1, "person": "p1"}, {"day": 0, "hour": 2, "person": "p1"}],
    }
    extract = case_extract(tmp_path / "x", case)
    events = pq.read_table(extract / "access_events.parquet").to_pylist()
    (extract / "access_events.parquet").unlink()
    with (extract / "access_events.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(events[0]))
        writer.writeheader()
        for event, stamp in zip(
            events, ["2025-03-04T08:30:00+10:00", "2025-03-03T23:30:00-05:00"], strict=True
        ):
            writer.writerow({**event, "ts": stamp})
    run_audit(extract, tmp_path / "out")
    evidence = pq.read_table(tmp_path / "out" / "evidence.parquet").to_pylist()
    unexplained = {r["event_id"] for r in evidence if r["signal"] == "unexplained"}
    assert unexplained == {"e1"}


def test_look_ups_logged_with_fractions_of_a_second_keep_their_ids(tmp_path: Path) -> None:
    # The evidence finds whole-second look-ups by their own ts and the rest by their second:
    # each way must give back the extract's own event ids, and a second's start and end.
    extract = case_extract(tmp_path / "x", FRACTIONS_OF_A_SECOND)
    stamps = pq.read_table(extract / "access_events.parquet").column("ts").to_pylist()
    assert [t.microsecond for t in stamps] == [0, 250_000, 750_000]
    run_audit(extract, tmp_path / "out")
    evidence = pq.read_table(tmp_path / "out" / "evidence.parquet").to_pylist()
    assert {r["event_id"] for r in evidence if r["signal"] == "unexplained"} == {"e1", "e2", "e3"}
    (alert,) = [a for a in _alerts(tmp_path / "out") if a["user_id"] == "u1"]
    assert alert["events"] == "3"
    assert alert["first_ts"].startswith("2025-03-03 01:00:00")
    # Seconds are floored, as Spark floors them: 03:00:00.75 is 03:00:00, not 03:00:01.
    assert alert["last_ts"].startswith("2025-03-03 03:00:00")


def test_an_empty_access_log_gives_an_empty_but_complete_result(tmp_path: Path) -> None:
    rows = tiny_rows()
    rows["access_events"] = []
    extract = write_extract(tmp_path / "x", rows, "parquet")
    result = run_audit(extract, tmp_path / "out")
    assert result.look_ups == 0
    assert result.alerts == 0
    assert _alerts(tmp_path / "out") == []
    with (tmp_path / "out" / "explained.csv").open(encoding="utf-8") as f:
        overall = [r for r in csv.DictReader(f) if r["system"] == '"ALL"' or r["system"] == "ALL"]
    assert overall[0]["look_ups"] == "0"
    assert "Access audit" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_a_system_called_all_is_not_taken_for_the_totals(tmp_path: Path) -> None:
    case = {
        "persons": [{"id": "p1", "sex": "M", "age": 40}],
        "lookups": [
            {"day": 3, "hour": 1, "person": "p1"},
            {"day": 3, "hour": 2, "person": "p1"},
            {"day": 4, "hour": 1, "person": "p1", "system": "ALL"},
        ],
    }
    result = run_audit(case_extract(tmp_path / "x", case), tmp_path / "out")
    assert (result.look_ups, result.explained) == (3, 0)
    with (tmp_path / "out" / "explained.csv").open(encoding="utf-8") as f:
        rows = [(r["system"], r["look_ups"]) for r in csv.DictReader(f)]
    assert rows == [("ALL", "1"), ("PNC", "2"), ("ALL", "3")]


def test_a_failed_run_leaves_no_partial_output_and_keeps_the_last_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = {
        "persons": [{"id": "p1", "sex": "M", "age": 40}],
        "lookups": [{"day": 1, "hour": 1, "person": "p1"}],
    }
    extract = case_extract(tmp_path / "x", case)
    run_audit(extract, tmp_path / "out")
    before = (tmp_path / "out" / "alerts.csv").read_bytes()

    def broken(*_args: object, **_kwargs: object) -> None:
        raise CustodesError("disk full")

    monkeypatch.setattr(report_module, "write_report", broken)
    with pytest.raises(CustodesError, match="disk full"):
        run_audit(extract, tmp_path / "out")
    assert (tmp_path / "out" / "alerts.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "x"]


def test_refuses_to_overwrite_a_folder_that_is_not_an_audit(tmp_path: Path) -> None:
    case = {"persons": [{"id": "p1", "sex": "M", "age": 40}], "lookups": []}
    extract = case_extract(tmp_path / "x", case)
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(CustodesError, match="not empty"):
        run_audit(extract, other)
    assert (other / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_an_extract_cannot_plant_a_formula_in_the_csvs_people_open(tmp_path: Path) -> None:
    """A user id or system name that begins like a spreadsheet formula (planted by someone
    who can write to the force's systems) is written to alerts.csv and explained.csv as text;
    the Parquet files keep it as the extract gave it."""
    planted = '=HYPERLINK("http://evil.example/","open")'
    rows = tiny_rows()
    for table in ("staff", "incident_staff", "access_events", "shifts"):
        for row in rows[table]:
            if row.get("user_id") == "u2":
                row["user_id"] = planted
    for row in rows["staff"]:
        if row.get("line_manager_id") == "u2":
            row["line_manager_id"] = planted
    for row in rows["complaints"]:
        if row["subject_user_id"] == "u2":
            row["subject_user_id"] = planted
    for row in rows["access_events"]:
        if row["system"] == "CAD":
            row["system"] = "+CAD"
    extract = write_extract(tmp_path / "x", rows, "parquet")
    run_audit(extract, tmp_path / "out")
    shown = {row["user_id"] for row in _alerts(tmp_path / "out")}
    assert f"'{planted}" in shown and planted not in shown
    with (tmp_path / "out" / "explained.csv").open(encoding="utf-8") as f:
        systems = {row["system"] for row in csv.DictReader(f)}
    assert "'+CAD" in systems and "+CAD" not in systems
    kept = pq.read_table(tmp_path / "out" / "alerts.parquet").column("user_id").to_pylist()
    assert planted in kept
