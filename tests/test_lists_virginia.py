"""Virginia's published decertification workbook reads into records, row for row."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest

from custodes.lists import ListFormatError, ListRead, Rejected, read_virginia
from custodes.lists.names import middle_initials, split_last_name, tidy_name
from custodes.lists.records import LIMITS
from tests.lists_data import csv_rows, shared_file

WORKBOOK = "DCJS_Decertification_List_Apr25.xlsx"
SHEET_OF = {
    "present": "1) Finalized - 2021 to Present",
    "prior": "3) 2020 & Prior",
    "reinstated": "4) Reinstated - 2021 to Present",
}


@pytest.fixture(scope="module")
def virginia() -> ListRead:
    """Read the real workbook once."""
    return read_virginia(shared_file("virginia-decertification", WORKBOOK))


def _sheet_counts(read: ListRead) -> Counter[str]:
    """Return how many records each sheet gave."""
    return Counter(record.extra["sheet"] for record in read.records)


def test_each_sheet_gives_its_entries(virginia: ListRead) -> None:
    assert _sheet_counts(virginia) == {
        SHEET_OF["present"]: 307,
        SHEET_OF["prior"]: 80,
        SHEET_OF["reinstated"]: 45,
    }
    assert {r.list_type for r in virginia.records} == {"decertification"}
    assert {r.jurisdiction for r in virginia.records} == {"US-VA"}


def test_the_two_rows_with_impossible_dates_are_rejected_with_their_row(virginia: ListRead) -> None:
    assert virginia.rejected == [
        Rejected(
            f"{WORKBOOK}:present",
            147,
            "Decert Date",
            "decertification date '10/04/0222' is not a date (year 222)",
        ),
        Rejected(
            f"{WORKBOOK}:prior",
            44,
            "Decert Date",
            "decertification date '11/02/20217' is not a date",
        ),
    ]
    assert str(virginia.rejected[0]) == (
        f"{WORKBOOK}:present, line 147, Decert Date: decertification date '10/04/0222' is not a "
        "date (year 222)"
    )


@pytest.mark.parametrize(
    ("kind", "cleaned"),
    [("present", "present.csv"), ("prior", "prior.csv"), ("reinstated", "reinstated.csv")],
)
def test_the_same_people_as_the_reporters_cleaned_files(
    virginia: ListRead, kind: str, cleaned: str
) -> None:
    ours = Counter(
        (r.last_name, r.first_name, r.middle_name)
        for r in virginia.records
        if r.extra["sheet"] == SHEET_OF[kind]
    )
    theirs: Counter[tuple[str, str, str | None]] = Counter()
    for row in csv_rows(shared_file("virginia-decertification", cleaned)):
        # The reporters' R export writes cp1252's curly apostrophe as "<U+0092>", empty as NA.
        last_name, _, _ = split_last_name(row["last_name"].replace("<U+0092>", "'"))
        middle = None if row["middle_initial"] == "NA" else middle_initials(row["middle_initial"])
        theirs[(last_name, tidy_name(row["first_name"]), middle)] += 1
    rejected = {"present": {("Evans", "Timothy", "R")}, "prior": {("Rich", "Randall", "S")}}
    assert theirs - ours == Counter(rejected.get(kind, set()))
    assert ours - theirs == Counter()


def test_rereading_gives_identical_records_and_ids(virginia: ListRead) -> None:
    again = read_virginia(shared_file("virginia-decertification", WORKBOOK))
    assert again == virginia
    refs = [r.source_ref for r in virginia.records]
    assert len(set(refs)) == len(refs)


def test_a_record_carries_what_the_row_says(virginia: ListRead) -> None:
    freeman = virginia.records[0]
    assert (freeman.last_name, freeman.first_name, freeman.middle_name) == (
        "Freeman",
        "Deangelo",
        "M",
    )
    assert freeman.action_date == date(2021, 1, 4)
    assert freeman.status == "active"
    assert freeman.reason_category == "drugs"
    assert [(s.agency, s.agency_raw) for s in freeman.services] == [
        ("Hampton Police Division", "Hampton Police Department")
    ]
    assert freeman.line == 5
    assert freeman.source == f"{WORKBOOK} (Virginia Department of Criminal Justice Services)"


def test_names_lose_suffixes_and_keep_other_surnames(virginia: ListRead) -> None:
    by_first = {(r.first_name, r.last_name): r for r in virginia.records}
    assert by_first["George", "Claiborne"].extra["name_suffix"] == "III"
    assert by_first["Robin", "Jones"].other_names == ("Spriggs",)
    assert ("Jonathan", "O'Neill") in by_first
    assert by_first["Von", "Gaines"].middle_name == "I A"


def test_statuses_follow_the_sheets(virginia: ListRead) -> None:
    statuses = Counter((r.extra["sheet"], r.status) for r in virginia.records)
    assert statuses == {
        (SHEET_OF["present"], "active"): 307,
        (SHEET_OF["prior"], "active"): 79,
        (SHEET_OF["prior"], "reinstated"): 1,
        (SHEET_OF["reinstated"], "reinstated"): 45,
    }
    gutierrez = next(r for r in virginia.records if r.last_name == "Gutierrez")
    assert gutierrez.extra["reinstated_date"] == "2017-06-15"
    whited = next(r for r in virginia.records if r.last_name == "Whited")
    assert (whited.action_date, whited.extra["reinstated_date"]) == (None, "2021-07-23")


def test_one_cell_naming_two_agencies_gives_two_services(virginia: ListRead) -> None:
    brooks = next(r for r in virginia.records if r.last_name == "Brooks")
    assert [s.agency for s in brooks.services] == [
        "Longwood University Police Department",
        "Drakes Branch Police Department",
    ]


HEADER = [
    "Last Name",
    "First Name",
    "Middle\nInitial",
    "Agency",
    "Function",
    "Decert Date",
    "STATUS",
    "Reason",
]


def _workbook(path: Path, present_rows: list[list[object]], header: list[str] = HEADER) -> Path:
    """Write a small workbook laid out like DCJS's, with the given present rows."""
    book = openpyxl.Workbook()
    present = book.active
    present.title = "1) Finalized - 2021 to Present"
    present.append(["TAB 1 - DCJS MASTER DECERTIFICATION LIST"])
    present.append(header)
    for row in present_rows:
        present.append(row)
    prior = book.create_sheet("3) 2020 & Prior")
    prior.append(header)
    reinstated = book.create_sheet("4) Reinstated - 2021 to Present")
    reinstated.append(header[:7])
    reinstated.append(
        ["Doe", "Jane", None, "Roanoke PD", "Jail Officer", "N/A", "REINSTATED, 01/16/2025"]
    )
    book.save(path)
    return path


def _entry(last: str, first: str, when: object, reason: str = "Sexual battery") -> list[object]:
    """Return one present-sheet row for a Richmond officer."""
    return [
        last,
        first,
        None,
        "Richmond City Police Department",
        "Officer",
        when,
        "Finalized",
        reason,
    ]


def test_a_date_written_as_an_excel_serial_reads(tmp_path: Path) -> None:
    # Row 3 is a year heading between entries, as on the real sheet.
    year: list[object] = [2021]
    rows = [year, _entry("Roe", "Richard", 44200), _entry("Poe", "Edgar", date(2022, 2, 3))]
    read = read_virginia(_workbook(tmp_path / "list.xlsx", rows))
    assert [(r.last_name, r.action_date, r.line) for r in read.records] == [
        ("Roe", date(2021, 1, 4), 4),
        ("Poe", date(2022, 2, 3), 5),
        ("Doe", None, 2),
    ]
    assert read.rejected == []
    assert read.records[2].status == "reinstated"
    assert read.records[0].services[0].agency == "Richmond Police Department"


def test_a_row_without_a_name_is_rejected_with_its_row(tmp_path: Path) -> None:
    day = date(2022, 2, 3)
    rows = [
        _entry("", "Nameless", day),
        _entry("Roe", " ", day),
        _entry("Roe", "Richard", day),
        _entry("Roe", "Richard", day),
        _entry("Poe", "Edgar", "31/31/2022"),
    ]
    assert read_virginia(_workbook(tmp_path / "list.xlsx", rows)).rejected == [
        Rejected("list.xlsx:present", 3, "Last Name", "no last name"),
        Rejected("list.xlsx:present", 4, "First Name", "no first name"),
        Rejected("list.xlsx:present", 6, "Last Name", "the same person, agency and date as row 5"),
        Rejected(
            "list.xlsx:present",
            7,
            "Decert Date",
            "decertification date '31/31/2022' is not a date: month must be in 1..12",
        ),
    ]


def test_a_sheet_without_a_column_is_refused_naming_it(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "list.xlsx", [], header=[h for h in HEADER if h != "Decert Date"])
    with pytest.raises(ListFormatError, match=r"list.xlsx:present, row 2: no 'decert date' column"):
        read_virginia(path)


def test_a_workbook_without_the_prior_sheet_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "list.xlsx", [])
    book = openpyxl.load_workbook(path)
    del book["3) 2020 & Prior"]
    book.save(path)
    with pytest.raises(ListFormatError, match=r"list.xlsx: no sheet for the prior list"):
        read_virginia(path)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_text("last,first\n")
    with pytest.raises(ListFormatError, match=r"list.xlsx: not an Excel workbook"):
        read_virginia(path)


def test_a_name_longer_than_the_registry_keeps_is_a_rejected_row(tmp_path: Path) -> None:
    day = date(2022, 2, 3)
    rows = [_entry("Roe", "R" * 5000, day), _entry("Poe", "Edgar", day)]
    read = read_virginia(_workbook(tmp_path / "list.xlsx", rows))
    assert read.rejected == [
        Rejected(
            "list.xlsx:present",
            3,
            "First Name",
            f"is 5,000 characters long; the most the field holds is {LIMITS.name}",
        )
    ]
    assert [r.last_name for r in read.records] == ["Poe", "Doe"]
