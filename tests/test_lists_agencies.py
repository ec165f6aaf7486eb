"""Every spelling of an agency on the lists comes out as the name the reporters corrected it to."""

from __future__ import annotations

import re

import pytest

from custodes.lists import normalise_agency
from custodes.lists.agencies import directory_names, split_agencies
from tests.lists_data import FIXTURES, csv_rows, shared_file

# The crosswalks correct Virginia's list: its agencies are named by Virginia's directory.
VA = "US-VA"
CROSSWALKS = (
    "present_crosswalk_corrections.csv",
    "prior_crosswalk_corrections.csv",
    "reinstated_crosswalk_corrections.csv",
)


def _crosswalk_rows() -> list[dict[str, str]]:
    """Return every row of the reporters' three crosswalk files."""
    return [
        row
        for name in CROSSWALKS
        for row in csv_rows(shared_file("virginia-decertification", name))
    ]


def test_every_crosswalk_row_normalises_to_the_reporters_correction() -> None:
    rows = _crosswalk_rows()
    disagreeing = [
        (row["agency"], row["crosswalk_correction"])
        for row in rows
        if normalise_agency(row["agency"], VA) != normalise_agency(row["crosswalk_correction"], VA)
    ]
    assert len(rows) == 87
    assert disagreeing == []


def _as_canonical(directory_name: str) -> str:
    """Spell a DCJS directory name as canonical names are spelt."""
    # A plain apostrophe for DCJS's backtick, "of" in lower case, abbreviations spelt out.
    name = directory_name.replace("`", "'").replace(" Of ", " of ")
    return re.sub(r" (Pd|Police Dept\.)$", " Police Department", name)


def test_the_canonical_name_is_the_directory_name_the_reporters_chose() -> None:
    directory = set(directory_names())
    corrected = [row for row in _crosswalk_rows() if row["crosswalk_correction"] in directory]
    assert len(corrected) == 84  # the others: two kept as written, one with a stray newline
    for row in corrected:
        assert normalise_agency(row["agency"], VA) == _as_canonical(row["crosswalk_correction"])


def test_the_shipped_sample_of_present_rows_agrees_with_the_reporters() -> None:
    rows = csv_rows(FIXTURES / "present-crosswalk-sample.csv")
    assert len(rows) == 12
    for row in rows:
        assert normalise_agency(row["agency"], VA) == normalise_agency(
            row["crosswalk_correction"], VA
        )
        assert normalise_agency(row["agency"], VA) == normalise_agency(row["agency_name"], VA)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Hampton Police Department", "Hampton Police Division"),
        ("Henrico County Police Department", "Henrico County Division of Police"),
        ("Petersburg Bureau of Police", "Petersburg Police Department"),
        ("Department of State Police", "Virginia State Police"),
        ("FAIRFAX CO. PD", "Fairfax County Police Department"),
        ("fairfax county so", "Fairfax County Sheriff's Office"),
        ("Norfolk Police Dept", "Norfolk Police Department"),
        ("  Chesterfield   County Sheriff`s Office ", "Chesterfield County Sheriff's Office"),
        ("Fauquier County Sheriff\u2019s Office", "Fauquier County Sheriff's Office"),
        ("York-Poquoson Sheriff's Office", "York - Poquoson Sheriff's Office"),
        ("Hamptin Roads Regional Jail", "Hampton Roads Regional Jail"),
        ("Powhattan Sheriff's Office", "Powhatan County Sheriff's Office"),
        ("Roanoke Police Department", "Roanoke City Police Department"),
        ("NYPD", "New York City Police Department"),
        ("Metropolitan Police Service", "Metropolitan Police Service"),
        ("", ""),
    ],
)
def test_a_spelling_gets_its_canonical_name(written: str, canonical: str) -> None:
    assert normalise_agency(written, VA) == canonical


@pytest.mark.parametrize(
    "agency",
    [
        "Roanoke County Police Department",
        "Roanoke City Police Department",
        "Richmond County Sheriff's Office",
        "Fairfax City Police Department",
        "Fairfax County Police Department",
    ],
)
def test_a_county_and_a_city_of_one_name_stay_apart(agency: str) -> None:
    assert normalise_agency(agency, VA) == agency


def test_a_cell_naming_two_agencies_is_split_only_when_both_are_known() -> None:
    two = "Longwood University Police Department & Drakes Branch Police Department"
    assert split_agencies(two, VA) == (
        "Longwood University Police Department",
        "Drakes Branch Police Department",
    )
    assert split_agencies("King & Queen County Sheriff's Office", VA) == (
        "King & Queen County Sheriff's Office",
    )
    assert split_agencies("Waverly Police Department & Nowhere Police", VA) == (
        "Waverly Police Department & Nowhere Police",
    )


@pytest.mark.parametrize(
    ("written", "elsewhere", "in_virginia"),
    [
        ("Hampton Police Department", "Hampton Police Department", "Hampton Police Division"),
        (
            "Hamptin Roads Regional Jail",
            "Hamptin Roads Regional Jail",
            "Hampton Roads Regional Jail",
        ),
        (
            "Powhattan Sheriff's Office",
            "Powhattan Sheriff's Office",
            "Powhatan County Sheriff's Office",
        ),
        (
            "Roanoke Police Department",
            "Roanoke Police Department",
            "Roanoke City Police Department",
        ),
        ("Department of State Police", "Department of State Police", "Virginia State Police"),
    ],
)
def test_virginia_s_directory_names_only_the_agencies_of_virginia_s_lists(
    written: str, elsewhere: str, in_virginia: str
) -> None:
    """A department elsewhere that resembles a Virginia agency keeps its own name."""
    assert normalise_agency(written, VA) == in_virginia
    assert normalise_agency(written, " us-va ") == in_virginia
    for jurisdiction in ("US-NH", "US-NC", "GB-EAW", "", None):
        assert normalise_agency(written, jurisdiction) == elsewhere


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("FAIRFAX CO. PD", "Fairfax County Police Department"),
        ("chicago police dept.", "Chicago Police Department"),
        ("LOS ANGELES CO. SHERIFFS DEPT", "Los Angeles County Sheriff's Department"),
        ("  Cook   County Sheriff`s Office ", "Cook County Sheriff's Office"),
        ("Cook County Sheriff\u2019s Office", "Cook County Sheriff's Office"),
        ("WEST YORKSHIRE POLICE", "West Yorkshire Police"),
        ("NYPD", "New York City Police Department"),
        ("New York Police Department", "New York City Police Department"),
    ],
)
def test_every_jurisdiction_gets_the_spelling_rules(written: str, canonical: str) -> None:
    for jurisdiction in ("US-IL", "US-NY", "GB-EAW", None):
        assert normalise_agency(written, jurisdiction) == canonical


def test_a_cell_naming_two_agencies_is_kept_whole_outside_a_directory_s_jurisdiction() -> None:
    two = "Longwood University Police Department & Drakes Branch Police Department"
    assert split_agencies(two, "US-NC") == (two,)
    assert split_agencies(two, None) == (two,)
