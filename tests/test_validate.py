"""`validate_extract` and `custodes validate` on valid and broken force extracts."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from custodes.audit.extract import connect, inspect_file, open_extract
from custodes.audit.problems import Problem, ValidationReport
from custodes.audit.run import run_audit
from custodes.audit.schema import TABLES
from custodes.audit.validate import validate_extract
from custodes.cli import app
from custodes.errors import ExtractError
from tests.extract_factory import Fmt, Rows, tiny_extract, tiny_rows, write_extract

FORMATS: list[Fmt] = ["csv", "parquet"]


def build(tmp_path: Path, fmt: Fmt, change: Callable[[Rows], object] | None = None) -> Path:
    """Write the tiny extract, changed by `change`, into a fresh folder."""
    rows = tiny_rows()
    if change is not None:
        change(rows)
    return write_extract(tmp_path / f"extract-{fmt}", rows, fmt)


def the_problem(report: ValidationReport, file: str, column: str | None) -> Problem:
    """Return the one problem reported for `file` and `column`."""
    found = [p for p in report.problems if p.file == file and p.column == column]
    assert len(found) == 1, [str(p) for p in report.problems]
    return found[0]


def csv_lines(folder: Path, name: str) -> list[str]:
    return (folder / f"{name}.csv").read_text(encoding="utf-8").splitlines()


def write_lines(folder: Path, name: str, lines: list[str]) -> None:
    (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- a valid extract ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_tiny_extract_is_valid(tmp_path: Path, fmt: Fmt) -> None:
    report = validate_extract(tiny_extract(tmp_path / "x", fmt))
    assert report.problems == []
    assert report.notes == []
    assert report.ok
    assert report.rows["access_events"] == 12
    assert report.rows["staff"] == 5
    # The audit's codes of every table's ids were counted apart, so it need not count again.
    assert report.coded_apart == {"staff", "persons", "incidents", "access_events"}


def test_a_folder_may_mix_csv_and_parquet(tmp_path: Path) -> None:
    rows = tiny_rows()
    half = {name: rows[name] for name in list(rows)[::2]}
    rest = {name: rows[name] for name in list(rows)[1::2]}
    write_extract(tmp_path / "x", half, "csv")
    write_extract(tmp_path / "x", rest, "parquet")
    report = validate_extract(tmp_path / "x")
    assert report.ok, [str(p) for p in report.problems]


def test_numeric_ids_in_parquet_read_as_their_decimal_text(tmp_path: Path) -> None:
    folder = tiny_extract(tmp_path / "x", "parquet")
    staff = pq.read_table(folder / "staff.parquet")
    numeric = staff.set_column(0, "user_id", pa.array([1, 2, 3, 4, 5], pa.int64()))
    numeric = numeric.set_column(4, "line_manager_id", pa.array([None, 1, 1, 1, 1], pa.int32()))
    pq.write_table(numeric, folder / "staff.parquet")
    for name, column in [
        ("access_events", "user_id"),
        ("incident_staff", "user_id"),
        ("shifts", "user_id"),
        ("complaints", "subject_user_id"),
        ("declared_associations", "user_id"),
        ("persons", "staff_user_id"),
    ]:
        data = pq.read_table(folder / f"{name}.parquet")
        at = data.schema.get_field_index(column)
        ids = [None if v is None else int(v[1:]) for v in data.column(at).to_pylist()]
        pq.write_table(
            data.set_column(at, column, pa.array(ids, pa.int64())), folder / f"{name}.parquet"
        )
    report = validate_extract(folder)
    assert report.ok, [str(p) for p in report.problems]
    con = connect()
    open_extract(folder).register_views(con)
    assert con.execute("SELECT user_id, line_manager_id FROM staff LIMIT 2").fetchall() == [
        ("1", None),
        ("2", "1"),
    ]


# --- the folder and its tables --------------------------------------------------------------


def test_a_missing_folder(tmp_path: Path) -> None:
    report = validate_extract(tmp_path / "nowhere")
    assert not report.ok
    assert [str(p) for p in report.problems] == [f"{tmp_path / 'nowhere'}: no such folder"]


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "staff.csv").write_text("user_id\n", encoding="utf-8")
    report = validate_extract(tmp_path / "staff.csv")
    assert [str(p) for p in report.problems] == [f"{tmp_path / 'staff.csv'}: not a folder"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", [t.name for t in TABLES if t.required])
def test_a_missing_required_table(tmp_path: Path, fmt: Fmt, name: str) -> None:
    folder = build(tmp_path, fmt, lambda rows: rows.pop(name))
    report = validate_extract(folder)
    assert [str(p) for p in report.problems] == [
        f"{name}: required table is missing: expected {name}.parquet or {name}.csv"
    ]


def test_missing_optional_tables_are_notes_naming_the_signals(tmp_path: Path) -> None:
    def drop(rows: Rows) -> None:
        for name in ("person_markers", "shifts", "complaints", "declared_associations"):
            rows.pop(name)

    report = validate_extract(build(tmp_path, "csv", drop))
    assert report.ok
    assert report.notes == [
        "no person_markers table: the vulnerability signals are switched off",
        "no shifts table: the off-duty signal is switched off",
        "no complaints table: the own-complainant signal is switched off",
        "no declared_associations table: declared associations will not explain look-ups",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_optional_columns_are_notes(tmp_path: Path, fmt: Fmt) -> None:
    def drop(rows: Rows) -> None:
        for row in rows["staff"]:
            del row["broad_access"]
        for row in rows["access_events"]:
            del row["reason_incident_id"]

    report = validate_extract(build(tmp_path, fmt, drop))
    assert report.ok, [str(p) for p in report.problems]
    assert report.notes == [
        f"staff.{fmt} has no broad_access column: "
        "every member of staff is weighed as having ordinary access",
        f"access_events.{fmt} has no reason_incident_id column: "
        "reasons given at look-up time will not explain look-ups",
    ]


def test_the_run_summary_names_what_the_extract_lacks(tmp_path: Path) -> None:
    def drop(rows: Rows) -> None:
        rows.pop("shifts")
        for row in rows["staff"]:
            del row["broad_access"]

    result = run_audit(build(tmp_path, "parquet", drop), tmp_path / "out")
    assert sorted(result.notes) == [
        "no shifts table: the off-duty signal is switched off",
        "staff.parquet has no broad_access column: "
        "every member of staff is weighed as having ordinary access",
    ]
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "has no broad_access column" in report
    assert "no shifts table" in report


def test_one_table_in_both_formats(tmp_path: Path) -> None:
    folder = tiny_extract(tmp_path / "x", "parquet")
    write_extract(folder, {"staff": tiny_rows()["staff"]}, "csv")
    report = validate_extract(folder)
    assert [str(p) for p in report.problems] == [
        "staff: both staff.parquet and staff.csv are present; keep only one"
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_access_events_is_a_note(tmp_path: Path, fmt: Fmt) -> None:
    report = validate_extract(build(tmp_path, fmt, lambda rows: rows["access_events"].clear()))
    assert report.ok, [str(p) for p in report.problems]
    assert report.notes == ["access_events has no rows: there are no look-ups to audit"]
    assert report.rows["access_events"] == 0


# --- unreadable files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"user_id,force\nu1,XX\n", id="csv-named-parquet"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_corrupt_parquet_file(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    folder = tiny_extract(tmp_path / "x", "parquet")
    path = folder / "staff.parquet"
    path.write_bytes(damage(path.read_bytes()))
    report = validate_extract(folder)
    problem = the_problem(report, "staff.parquet", None)
    assert problem.row is None
    assert problem.message.startswith("cannot read as Parquet: ")
    assert str(tmp_path) not in problem.message
    # Nothing can be said about references into an unreadable table.
    assert [p.file for p in report.problems] == ["staff.parquet"]


def test_a_page_of_a_parquet_file_is_corrupt(tmp_path: Path) -> None:
    folder = tiny_extract(tmp_path / "x", "parquet")
    many = pa.table({"event_id": [f"e{i}" for i in range(50_000)]})
    path = folder / "access_events.parquet"
    pq.write_table(many, path, compression="zstd", row_group_size=10_000)
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle : middle + 400] = bytes(400)
    path.write_bytes(bytes(data))
    problem = the_problem(validate_extract(folder), "access_events.parquet", None)
    assert problem.message.startswith("cannot read as Parquet: ")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param(
            '"e3","2025-03-03 10:10:00Z","u3","CAD","view,,,',
            "badly quoted value: a quote is not closed, or text follows a closing quote",
            id="unterminated-quote",
        ),
        pytest.param(
            '"e3"x,2025-03-03 10:10:00Z,u3,CAD,view,,,',
            "badly quoted value: a quote is not closed, or text follows a closing quote",
            id="stray-quote",
        ),
        pytest.param(
            "e3,2025-03-03 10:10:00Z,u3,CAD,view,,,,extra",
            "wrong number of fields (expected 8, found 9)",
            id="too-many-fields",
        ),
        pytest.param(
            "e3,2025-03-03 10:10:00Z,u3,CAD,view",
            "wrong number of fields (expected 8, found 5)",
            id="too-few-fields",
        ),
    ],
)
def test_a_malformed_csv_row(tmp_path: Path, line: str, message: str) -> None:
    folder = tiny_extract(tmp_path / "x", "csv")
    lines = csv_lines(folder, "access_events")
    lines[3] = line
    write_lines(folder, "access_events", lines)
    report = validate_extract(folder)
    problem = the_problem(report, "access_events.csv", None)
    assert problem.row == 3
    assert problem.message.startswith(message)
    assert str(problem).startswith(f"access_events.csv, row 3: {message}")


def test_every_malformed_csv_row_kind_is_reported_once_with_a_count(tmp_path: Path) -> None:
    folder = tiny_extract(tmp_path / "x", "csv")
    lines = csv_lines(folder, "access_events")
    for i in (2, 5, 9):
        lines[i] += ",extra"
    lines[7] = "e7,2025-03-01 08:00:00Z"
    write_lines(folder, "access_events", lines)
    report = validate_extract(folder)
    assert [str(p) for p in report.problems] == [
        "access_events.csv, row 2: wrong number of fields (expected 8, found 9) in "
        f"'{lines[2][:57]}...' (and 3 more rows)"
    ]


def test_an_empty_csv_file(tmp_path: Path) -> None:
    folder = tiny_extract(tmp_path / "x", "csv")
    (folder / "incidents.csv").write_bytes(b"")
    report = validate_extract(folder)
    problem = the_problem(report, "incidents.csv", None)
    assert problem.message == "empty file: a CSV file needs a header row"


def test_a_csv_row_that_is_not_utf8(tmp_path: Path) -> None:
    folder = tiny_extract(tmp_path / "x", "csv")
    lines = csv_lines(folder, "persons")
    raw = "\n".join(lines).encode().replace(b'"p2"', b'"p\xff2"')
    (folder / "persons.csv").write_bytes(raw + b"\n")
    problem = the_problem(validate_extract(folder), "persons.csv", None)
    assert problem.row == 2
    assert problem.message.startswith("not valid UTF-8 text in ")


def test_a_csv_header_that_is_not_utf8(tmp_path: Path) -> None:
    folder = tiny_extract(tmp_path / "x", "csv")
    (folder / "persons.csv").write_bytes(b"person_id,birth_date,s\xe9x\np1,,F\n")
    problem = the_problem(validate_extract(folder), "persons.csv", None)
    assert problem.message == "the header row is not UTF-8 text (invalid continuation byte)"


def test_a_csv_header_naming_a_column_twice(tmp_path: Path) -> None:
    folder = tiny_extract(tmp_path / "x", "csv")
    lines = csv_lines(folder, "staff")
    lines[0] = lines[0].replace('"unit"', '"role"')
    write_lines(folder, "staff", lines)
    report = validate_extract(folder)
    assert [str(p) for p in report.problems] == [
        "staff.csv, column role: the header names this column 2 times",
        "staff.csv, column unit: required column is missing",
    ]


def test_unreadable_files_do_not_hide_other_problems(tmp_path: Path) -> None:
    def change(rows: Rows) -> None:
        rows["access_events"][4]["action"] = "stalk"

    folder = build(tmp_path, "csv", change)
    (folder / "incidents.csv").write_text('incident_id,kind\n"i1,theft\n', encoding="utf-8")
    report = validate_extract(folder)
    assert {p.file for p in report.problems} == {"incidents.csv", "access_events.csv"}
    assert the_problem(report, "access_events.csv", "action").row == 5


# --- columns --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_required_column(tmp_path: Path, fmt: Fmt) -> None:
    def drop(rows: Rows) -> None:
        for row in rows["access_events"]:
            del row["ts"]

    report = validate_extract(build(tmp_path, fmt, drop))
    problem = the_problem(report, f"access_events.{fmt}", "ts")
    assert str(problem) == f"access_events.{fmt}, column ts: required column is missing"


def test_a_column_name_in_the_wrong_case_is_named(tmp_path: Path) -> None:
    folder = tiny_extract(tmp_path / "x", "csv")
    lines = csv_lines(folder, "staff")
    lines[0] = lines[0].replace('"user_id"', '"User_ID"')
    write_lines(folder, "staff", lines)
    problem = the_problem(validate_extract(folder), "staff.csv", "user_id")
    assert problem.message == (
        "required column is missing (the file has 'User_ID'; names are lower case with no spaces)"
    )


def test_extra_columns_are_ignored(tmp_path: Path) -> None:
    def extra(rows: Rows) -> None:
        for row in rows["persons"]:
            row["shoe_size"] = "9"

    for fmt in FORMATS:
        folder = build(tmp_path / fmt, fmt, extra)
        assert validate_extract(folder).ok
        con = connect()
        open_extract(folder).register_views(con)
        names = [r[0] for r in con.execute("DESCRIBE persons").fetchall()]
        assert names == ["person_id", "birth_date", "sex", "staff_user_id"]


@pytest.mark.parametrize(
    ("name", "column", "values", "found", "needs"),
    [
        ("access_events", "ts", pa.array(range(12), pa.int64()), "BIGINT", "TIMESTAMP"),
        ("staff", "user_id", pa.array([1.0, 2, 3, 4, 5]), "DOUBLE", "text"),
        ("staff", "broad_access", pa.array([1, 0, 0, 1, 1], pa.int8()), "TINYINT", "BOOLEAN"),
        (
            "persons",
            "birth_date",
            pa.array([datetime(2000, 1, 1, tzinfo=UTC)] * 6, pa.timestamp("us", tz="UTC")),
            "TIMESTAMP WITH TIME ZONE",
            "DATE",
        ),
    ],
)
def test_a_parquet_column_of_the_wrong_type(
    tmp_path: Path, name: str, column: str, values: pa.Array, found: str, needs: str
) -> None:
    folder = tiny_extract(tmp_path / "x", "parquet")
    data = pq.read_table(folder / f"{name}.parquet")
    at = data.schema.get_field_index(column)
    pq.write_table(data.set_column(at, column, values), folder / f"{name}.parquet")
    problem = the_problem(validate_extract(folder), f"{name}.parquet", column)
    assert problem.row is None
    assert problem.message.startswith(f"wrong type: the file holds {found}; the spec needs {needs}")


def test_text_columns_in_parquet_are_parsed_like_csv(tmp_path: Path) -> None:
    folder = tiny_extract(tmp_path / "x", "parquet")
    data = pq.read_table(folder / "incidents.parquet")
    text = pa.array(["2025-03-01T09:00", "2025-03-02 09:00:00+01:00", "soon", "2025-03-06T09:00Z"])
    pq.write_table(data.set_column(2, "opened_at", text), folder / "incidents.parquet")
    problem = the_problem(validate_extract(folder), "incidents.parquet", "opened_at")
    assert str(problem) == (
        "incidents.parquet, column opened_at, row 3: cannot parse 'soon' as a timestamp"
    )


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "column", "row", "value", "parsed_as"),
    [
        ("access_events", "ts", 4, "2025-13-01T00:00", "a timestamp"),
        ("incidents", "opened_at", 2, "01/03/2025 09:00", "a timestamp"),
        ("persons", "birth_date", 5, "1970-02-30", "a date (YYYY-MM-DD)"),
        ("declared_associations", "declared_at", 1, "May 2023", "a date (YYYY-MM-DD)"),
        ("staff", "broad_access", 3, "perhaps", "true or false"),
    ],
)
def test_a_csv_value_that_does_not_parse(
    tmp_path: Path, name: str, column: str, row: int, value: str, parsed_as: str
) -> None:
    def change(rows: Rows) -> None:
        rows[name][row - 1][column] = value

    report = validate_extract(build(tmp_path, "csv", change))
    assert [str(p) for p in report.problems] == [
        f"{name}.csv, column {column}, row {row}: cannot parse '{value}' as {parsed_as}"
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_value_in_a_column_that_may_not_be_empty(tmp_path: Path, fmt: Fmt) -> None:
    def change(rows: Rows) -> None:
        rows["staff"][2]["force"] = None
        for i in (1, 4, 8):
            rows["access_events"][i]["system"] = ""
        rows["incidents"][3]["opened_at"] = None

    report = validate_extract(build(tmp_path, fmt, change))
    empty = "empty value in a column that may not be empty"
    assert [str(p) for p in report.problems] == [
        f"staff.{fmt}, column force, row 3: {empty}",
        f"incidents.{fmt}, column opened_at, row 4: {empty}",
        f"access_events.{fmt}, column system, row 2: {empty} (and 2 more rows)",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_values_outside_the_allowed_set(tmp_path: Path, fmt: Fmt) -> None:
    def change(rows: Rows) -> None:
        rows["staff"][1]["role"] = "boss"
        rows["persons"][3]["sex"] = "female"
        rows["incident_persons"][4]["role"] = "friend"
        rows["access_events"][6]["action"] = "stalk"
        rows["access_events"][9]["action"] = "stalk"

    report = validate_extract(build(tmp_path, fmt, change))
    assert [str(p) for p in report.problems] == [
        f"staff.{fmt}, column role, row 2: "
        "'boss' is not an allowed value (contractor, officer, pcso, special, staff)",
        f"persons.{fmt}, column sex, row 4: 'female' is not an allowed value (F, M, X, or empty)",
        f"incident_persons.{fmt}, column role, row 5: "
        "'friend' is not an allowed value (other, reporter, suspect, victim, witness)",
        f"access_events.{fmt}, column action, row 7: "
        "'stalk' is not an allowed value (export, print, search, update, view) (and 1 more row)",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_duplicate_id(tmp_path: Path, fmt: Fmt) -> None:
    def change(rows: Rows) -> None:
        rows["persons"][4]["person_id"] = "p2"
        rows["access_events"][7]["event_id"] = "e3"
        rows["access_events"][10]["event_id"] = "e3"
        rows["access_events"][11]["event_id"] = "e1"

    report = validate_extract(build(tmp_path, fmt, change))
    persons = the_problem(report, f"persons.{fmt}", "person_id")
    assert (
        str(persons)
        == f"persons.{fmt}, column person_id, row 5: duplicate person_id 'p2', first at row 2"
    )
    events = the_problem(report, f"access_events.{fmt}", "event_id")
    assert str(events) == (
        f"access_events.{fmt}, column event_id, row 8: duplicate event_id 'e3', first at row 3; "
        "2 different ids repeat (and 2 more rows)"
    )
    assert report.coded_apart == {"staff", "incidents"}


def test_text_is_trimmed_unless_parquet_statistics_show_it_is_never_blank(
    tmp_path: Path,
) -> None:
    def change(rows: Rows) -> None:
        rows["access_events"][2]["user_id"] = "   "
        rows["access_events"][4]["user_id"] = " u1"

    folder = build(tmp_path, "parquet", change)
    report = validate_extract(folder)
    problems = {str(p) for p in report.problems if p.column == "user_id"}
    # Only spaces is empty; a leading space is kept, so " u1" is not staff member u1.
    assert problems == {
        "access_events.parquet, column user_id, row 3: "
        "empty value in a column that may not be empty",
        "access_events.parquet, column user_id, row 5: staff has no user_id ' u1'",
    }
    blank_free = _never_blank_events(folder)
    assert "user_id" not in blank_free
    assert {"event_id", "system", "action"} <= blank_free

    # Written without statistics, nothing is proven and every value is trimmed as before.
    events = pq.read_table(folder / "access_events.parquet")
    pq.write_table(events, folder / "access_events.parquet", write_statistics=False)
    again = validate_extract(folder)
    assert {str(p) for p in again.problems if p.column == "user_id"} == problems
    assert _never_blank_events(folder) == set()


def _never_blank_events(folder: Path) -> set[str]:
    """Return the access_events columns the Parquet file's statistics prove never blank."""
    con = connect()
    try:
        spec = next(t for t in TABLES if t.name == "access_events")
        source = inspect_file(con, spec, folder / "access_events.parquet")
    finally:
        con.close()
    return {c.name for c in source.columns if c.never_blank}


@pytest.mark.parametrize("fmt", FORMATS)
def test_references_to_rows_that_do_not_exist(tmp_path: Path, fmt: Fmt) -> None:
    def change(rows: Rows) -> None:
        rows["staff"][3]["line_manager_id"] = "u99"
        rows["persons"][0]["staff_user_id"] = "u42"
        rows["incident_persons"][1]["person_id"] = "p404"
        rows["incident_staff"][2]["incident_id"] = "i9"
        rows["access_events"][5]["user_id"] = "ghost"
        rows["access_events"][8]["user_id"] = "ghost"
        rows["access_events"][10]["user_id"] = "phantom"
        rows["access_events"][1]["person_id"] = "nobody"
        rows["access_events"][3]["incident_id"] = "i0"
        rows["access_events"][0]["reason_incident_id"] = "i77"
        rows["complaints"][1]["complainant_person_id"] = "p0"

    report = validate_extract(build(tmp_path, fmt, change))
    assert [str(p) for p in report.problems] == [
        f"staff.{fmt}, column line_manager_id, row 4: staff has no user_id 'u99'",
        f"persons.{fmt}, column staff_user_id, row 1: staff has no user_id 'u42'",
        f"incident_persons.{fmt}, column person_id, row 2: persons has no person_id 'p404'",
        f"incident_staff.{fmt}, column incident_id, row 3: incidents has no incident_id 'i9'",
        f"access_events.{fmt}, column user_id, row 6: "
        "staff has no user_id 'ghost' (and 2 more rows)",
        f"access_events.{fmt}, column person_id, row 2: persons has no person_id 'nobody'",
        f"access_events.{fmt}, column incident_id, row 4: incidents has no incident_id 'i0'",
        f"access_events.{fmt}, column reason_incident_id, row 1: "
        "incidents has no incident_id 'i77'",
        f"complaints.{fmt}, column complainant_person_id, row 2: persons has no person_id 'p0'",
    ]


def test_references_are_not_checked_against_a_table_missing_its_key(tmp_path: Path) -> None:
    def change(rows: Rows) -> None:
        for row in rows["staff"]:
            del row["user_id"]
        rows["access_events"][0]["person_id"] = "nobody"

    report = validate_extract(build(tmp_path, "parquet", change))
    assert [str(p) for p in report.problems] == [
        "staff.parquet, column user_id: required column is missing",
        "access_events.parquet, column person_id, row 1: persons has no person_id 'nobody'",
    ]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    def change(rows: Rows) -> None:
        for row in rows["shifts"]:
            del row["end"]
        rows["incidents"][0]["kind"] = None
        rows["access_events"][2]["ts"] = "yesterday"
        rows["access_events"][3]["user_id"] = "ghost"
        rows["access_events"][4]["event_id"] = "e1"

    report = validate_extract(build(tmp_path, "csv", change))
    assert [(p.file, p.column, p.row) for p in report.problems] == [
        ("incidents.csv", "kind", 1),
        ("access_events.csv", "ts", 3),
        ("access_events.csv", "event_id", 5),
        ("access_events.csv", "user_id", 4),
        ("shifts.csv", "end", None),
    ]


def test_a_count_names_how_many_more_rows_share_a_problem(tmp_path: Path) -> None:
    def change(rows: Rows) -> None:
        template = rows["access_events"][0]
        rows["access_events"] += [
            {**template, "event_id": f"x{i}", "system": None} for i in range(42)
        ]

    problem = the_problem(
        validate_extract(build(tmp_path, "csv", change)), "access_events.csv", "system"
    )
    assert problem.row == 13
    assert problem.message.endswith("(and 41 more rows)")


def test_csv_rows_count_records_not_lines(tmp_path: Path) -> None:
    def change(rows: Rows) -> None:
        rows["access_events"][0]["system"] = 'a "quoted", two-line\nsystem name'
        rows["access_events"][5]["action"] = "stalk"

    report = validate_extract(build(tmp_path, "csv", change))
    assert the_problem(report, "access_events.csv", "action").row == 6


# --- typed views ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_views_hold_the_spec_types_and_utc_timestamps(tmp_path: Path, fmt: Fmt) -> None:
    def change(rows: Rows) -> None:
        stamps = ["2025-03-01T09:00", "2025-03-01T10:00:00+01:00", "2025-03-01 04:00:00-05:00"]
        for row, stamp in zip(rows["incidents"], stamps, strict=False):
            row["opened_at"] = stamp
        for row in rows["staff"]:
            del row["broad_access"]

    folder = build(tmp_path, fmt, change)
    assert validate_extract(folder).ok
    extract = open_extract(folder)
    assert set(extract.files) == {t.name for t in TABLES}
    con = connect()
    assert extract.register_views(con) == [t.name for t in TABLES]
    con.execute("SET TimeZone = 'America/New_York'")
    opened = con.execute(
        "SELECT strftime(opened_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M') FROM incidents LIMIT 3"
    ).fetchall()
    assert opened == [("2025-03-01T09:00",)] * 3
    types = {
        name: {r[0]: r[1] for r in con.execute(f'DESCRIBE "{name}"').fetchall()}
        for name in ("staff", "persons", "incidents")
    }
    assert types["staff"]["broad_access"] == "BOOLEAN"
    assert types["persons"]["birth_date"] == "DATE"
    assert types["incidents"]["opened_at"] == "TIMESTAMP WITH TIME ZONE"
    assert con.execute("SELECT count(broad_access), count(*) FROM staff").fetchall() == [(0, 5)]


def test_open_extract_refuses_a_folder_without_a_required_table(tmp_path: Path) -> None:
    folder = build(tmp_path, "csv", lambda rows: rows.pop("staff"))
    with pytest.raises(ExtractError, match="required tables missing: staff"):
        open_extract(folder)


@pytest.mark.parametrize("fmt", FORMATS)
def test_paths_with_quotes_are_read_safely(tmp_path: Path, fmt: Fmt) -> None:
    folder = tiny_extract(tmp_path / "o'brien's extract; DROP TABLE x", fmt)
    assert validate_extract(folder).ok
    con = connect()
    open_extract(folder).register_views(con)
    assert con.execute("SELECT count(*) FROM access_events").fetchall() == [(12,)]


def test_the_public_api_is_pinned() -> None:
    from custodes.audit import checks, extract, problems, sql, validate

    assert validate.__all__ == [
        "OPTIONAL_COLUMN_NOTES",
        "OPTIONAL_TABLE_NOTES",
        "Problem",
        "ValidationReport",
        "validate_added",
        "validate_extract",
    ]
    assert problems.__all__ == ["Problem", "ValidationReport"]
    assert sql.__all__ == ["quote_identifier", "quote_literal"]
    assert {"Extract", "open_extract", "typed_select_sql", "connect"} <= set(extract.__all__)
    assert {"tally_sql", "first_rows_sql", "first_flagged_sql"} <= set(checks.__all__)
    for module in (checks, extract, problems, sql, validate):
        assert all(hasattr(module, name) for name in module.__all__)


# --- the report -----------------------------------------------------------------------------


def test_a_problem_reads_as_file_column_row_message() -> None:
    assert str(Problem("access_events.csv", "ts", 17, "bad")) == (
        "access_events.csv, column ts, row 17: bad"
    )
    assert str(Problem("staff.csv", "role", None, "bad")) == "staff.csv, column role: bad"
    assert str(Problem("staff.csv", None, 4, "bad")) == "staff.csv, row 4: bad"


def test_raise_for_problems_lists_every_problem(tmp_path: Path) -> None:
    def change(rows: Rows) -> None:
        rows["staff"][0]["role"] = "boss"
        rows["access_events"][0]["action"] = "stalk"

    report = validate_extract(build(tmp_path, "csv", change))
    with pytest.raises(ExtractError) as raised:
        report.raise_for_problems()
    assert "staff.csv, column role, row 1: 'boss'" in str(raised.value)
    assert "access_events.csv, column action, row 1: 'stalk'" in str(raised.value)
    validate_extract(tiny_extract(tmp_path / "ok", "csv")).raise_for_problems()


# --- random corruption ----------------------------------------------------------------------

_TIMESTAMPS = [(t.name, c.name) for t in TABLES for c in t.columns if c.type == "timestamp"]
_NOT_EMPTY = [(t.name, c.name) for t in TABLES for c in t.columns if not c.nullable]
_KEYS = [(t.name, t.key.name) for t in TABLES if t.key is not None]
_TO_STAFF = [
    (t.name, c.name) for t in TABLES for c in t.columns if c.references == ("staff", "user_id")
]
_REQUIRED = [(t.name, c.name) for t in TABLES for c in t.columns if c.required]
_BAD_TIMESTAMPS = ["2025-13-01T00:00", "yesterday", "01/03/2025 09:00", "2025-02-30T10:00"]

# (table, column, 1-based row or None, text the message holds)
Expected = tuple[str, str, int | None, str]


@st.composite
def corruptions(draw: st.DrawFn) -> tuple[Callable[[Rows], None], Expected]:
    """Draw one corruption of the tiny extract and the problem it must cause."""
    rows = tiny_rows()
    kind = draw(st.sampled_from(["drop", "blank", "timestamp", "duplicate", "ghost"]))
    if kind == "drop":
        name, column = draw(st.sampled_from(_REQUIRED))

        def drop(rows: Rows) -> None:
            for row in rows[name]:
                del row[column]

        return drop, (name, column, None, "required column is missing")
    pool = {"blank": _NOT_EMPTY, "timestamp": _TIMESTAMPS, "duplicate": _KEYS, "ghost": _TO_STAFF}
    name, column = draw(st.sampled_from(pool[kind]))
    at = draw(st.integers(min_value=1 if kind == "duplicate" else 0, max_value=len(rows[name]) - 1))
    if kind == "blank":
        value: object = draw(st.sampled_from([None, "", "  "]))
        text = "empty value"
    elif kind == "timestamp":
        value = draw(st.sampled_from(_BAD_TIMESTAMPS))
        text = f"cannot parse '{value}' as a timestamp"
    elif kind == "duplicate":
        first = draw(st.integers(min_value=0, max_value=at - 1))
        value = rows[name][first][column]
        text = f"duplicate {column} '{value}', first at row {first + 1}"
    else:
        value = draw(st.sampled_from(["ghost", "u0", "U1", "u1 "]))
        text = f"staff has no user_id '{value}'"

    def change(rows: Rows) -> None:
        rows[name][at][column] = value

    return change, (name, column, at + 1, text)


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=30, deadline=None, database=None)
@given(corruption=corruptions())
def test_a_random_corruption_is_reported_at_its_file_column_and_row(
    fmt: Fmt, corruption: tuple[Callable[[Rows], None], Expected]
) -> None:
    change, (name, column, row, text) = corruption
    with tempfile.TemporaryDirectory() as tmp:
        report = validate_extract(build(Path(tmp), fmt, change))
    file = f"{name}.{fmt}"
    problem = the_problem(report, file, column)
    assert problem.row == row
    assert text in problem.message
    where = f"{file}, column {column}" + (f", row {row}" if row is not None else "")
    assert str(problem).startswith(f"{where}: ")


# --- the command ----------------------------------------------------------------------------

runner = CliRunner()
WIDE = {"COLUMNS": "250"}


def test_custodes_validate_fails_and_names_file_column_and_row(tmp_path: Path) -> None:
    def change(rows: Rows) -> None:
        rows["access_events"][4]["ts"] = "2025-13-01T00:00"
        rows["staff"][1]["role"] = "boss"

    folder = build(tmp_path, "csv", change)
    result = runner.invoke(app, ["validate", str(folder)], env=WIDE)
    assert result.exit_code == 1
    assert (
        "access_events.csv, column ts, row 5: cannot parse '2025-13-01T00:00' as a timestamp"
        in (result.output)
    )
    assert "staff.csv, column role, row 2: 'boss' is not an allowed value" in result.output
    assert "2 problem(s)" in result.output


def test_custodes_validate_passes_a_valid_extract_and_prints_notes(tmp_path: Path) -> None:
    folder = build(tmp_path, "parquet", lambda rows: rows.pop("shifts"))
    result = runner.invoke(app, ["validate", str(folder)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "no shifts table: the off-duty signal is switched off" in result.output
    assert "is a usable force extract" in result.output


def test_custodes_validate_on_a_missing_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nowhere")], env=WIDE)
    assert result.exit_code == 1
    assert "no such folder" in result.output
