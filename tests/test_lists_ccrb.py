"""The CCRB's departure letters read into one left-under-investigation record per officer."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from custodes.lists import ListFormatError, ListRead, Rejected, read_ccrb
from tests.lists_data import shared_file

PENALTIES_HEADER = (
    "Complaint Id,Tax ID,CCRB Substantiated Officer Disposition,Board Discipline Recommendation,"
    "NYPD Officer Penalty\n"
)


def _real(snapshot: bool) -> ListRead:
    """Read the real letters and penalties, with or without the 2021 snapshot."""
    folder = "nypd-ccrb"
    return read_ccrb(
        shared_file(folder, "departure-letters.json"),
        shared_file(folder, "ccrb-penalties.csv"),
        snapshot=shared_file(folder, "ccrb-2021-03-20.zip") if snapshot else None,
    )


@pytest.fixture(scope="module")
def departures() -> ListRead:
    """Read the real departures once, without the snapshot."""
    return _real(snapshot=False)


@pytest.fixture(scope="module")
def linked() -> ListRead:
    """Read the real departures once, with the snapshot."""
    return _real(snapshot=True)


def test_308_letters_name_299_officers_and_none_is_rejected(departures: ListRead) -> None:
    assert len(departures.records) == 299
    assert departures.rejected == []
    letters = Counter(len(r.extra["ccrb_cases"].split(";")) for r in departures.records)
    assert letters == {1: 290, 2: 9}
    refs = [r.source_ref for r in departures.records]
    assert len(set(refs)) == 299
    assert {(r.list_type, r.jurisdiction, r.status) for r in departures.records} == {
        ("left-under-investigation", "US-NY", "active")
    }


def test_a_record_names_the_officer_and_their_substantiated_complaints(
    departures: ListRead,
) -> None:
    delaney = departures.records[1]
    assert (delaney.first_name, delaney.last_name, delaney.line) == ("Robert", "Delaney", 2)
    assert delaney.source_ref == "us-ny-ccrb-tax-957525"
    assert delaney.services[0].agency == "New York City Police Department"
    assert delaney.reason == (
        "Left the NYPD while CCRB case 201804621 was open. Substantiated: complaint 201605625: "
        "Substantiated (Command Discipline A), NYPD penalty: Formalized Training; complaint "
        "201804621: Substantiated (Command Lvl Instructions), NYPD penalty: No penalty"
    )
    assert delaney.extra["nypd_penalties"] == "Formalized Training;No penalty"


def test_a_name_cut_short_in_one_letter_is_kept_as_another_name(departures: ListRead) -> None:
    ghee = next(r for r in departures.records if r.last_name == "Ghee")
    assert (ghee.first_name, ghee.other_names) == ("Christopher", ("Christophe Ghee",))


def test_without_allegation_texts_every_reason_is_other(departures: ListRead) -> None:
    assert {r.reason_category for r in departures.records} == {"other"}
    assert all(r.services[0].badge is None for r in departures.records)


def test_the_snapshot_adds_shields_and_allegations_for_the_officers_it_names(
    linked: ListRead,
) -> None:
    assert len(linked.records) == 299
    assert linked.rejected == []
    assert sum("allegations" in r.extra for r in linked.records) == 95
    # Lieutenants and above have no shield number ("00000" in the snapshot).
    assert sum(r.services[0].badge is not None for r in linked.records) == 88
    assert Counter(r.reason_category for r in linked.records) == {
        "other": 270,
        "violence": 24,
        "sexual misconduct": 5,
    }
    ting = next(r for r in linked.records if r.last_name == "Ting")
    assert ting.services[0].badge == "03691"
    assert "Abuse of Authority: Sexual Misconduct (Sexual Humiliation)" in ting.reason


def test_rereading_gives_identical_records(departures: ListRead) -> None:
    assert _real(snapshot=False) == departures


def _letter(case: str, first: str, last: str, link: str) -> dict[str, str]:
    """Return one departure letter as the CCRB publishes it."""
    return {
        "CaseNumber": case,
        "ReportYear": "2024",
        "ReportMonth": "5",
        "FirstName": first,
        "LastName": last,
        "FileLink": link,
        "RedactedClosingReportFileName": "",
    }


def test_a_letter_that_names_no_officer_is_rejected_with_its_place(tmp_path: Path) -> None:
    letters = [
        _letter(
            "202400001",
            "Pat",
            "Example",
            "https://x/202400001_Tax900001_RedactedDepartureLetter.pdf",
        ),
        _letter(
            "202400002", "", "Example", "https://x/202400002_Tax900002_RedactedDepartureLetter.pdf"
        ),
        _letter("202400003", "Sam", "Sample", "https://x/202400003_RedactedDepartureLetter.pdf"),
        "not a letter",
    ]
    departures = tmp_path / "departures.json"
    departures.write_text(json.dumps({"departureLetters": letters}))
    penalties = tmp_path / "penalties.csv"
    penalties.write_text(PENALTIES_HEADER + "202400001,900001,Substantiated (Charges),,\n")
    read = read_ccrb(departures, penalties)
    assert [(r.last_name, r.extra["report_months"]) for r in read.records] == [
        ("Example", "2024-05")
    ]
    assert read.rejected == [
        Rejected("departures.json", 2, "FirstName", "empty: the letter names no officer"),
        Rejected(
            "departures.json", 3, "FileLink", "no Tax ID (_Tax<digits>_) in the letter's file name"
        ),
        Rejected("departures.json", 4, "", "not an object with the letter's fields"),
    ]
    assert read.records[0].reason == (
        "Left the NYPD while CCRB case 202400001 was open. Substantiated: complaint 202400001: "
        "Substantiated (Charges)"
    )


def test_a_penalties_file_without_the_tax_id_is_refused(tmp_path: Path) -> None:
    departures = tmp_path / "departures.json"
    departures.write_text(json.dumps({"departureLetters": []}))
    penalties = tmp_path / "penalties.csv"
    penalties.write_text("Complaint Id,Officer\n1,2\n")
    with pytest.raises(ListFormatError, match=r"penalties.csv, line 1: no 'Tax ID' column"):
        read_ccrb(departures, penalties)


def test_a_departures_file_of_another_shape_is_refused(tmp_path: Path) -> None:
    departures = tmp_path / "departures.json"
    departures.write_text(json.dumps([{"FirstName": "Pat"}]))
    with pytest.raises(ListFormatError, match=r"departures.json: no 'departureLetters' list"):
        read_ccrb(departures, tmp_path / "penalties.csv")


def test_an_officer_whose_name_is_longer_than_the_registry_keeps_is_rejected(
    tmp_path: Path,
) -> None:
    letters = [
        _letter("202400001", "Pat", "E" * 300, "https://x/202400001_Tax900001_Letter.pdf"),
        _letter("202400002", "Sam", "Sample", "https://x/202400002_Tax900002_Letter.pdf"),
    ]
    departures = tmp_path / "departures.json"
    departures.write_text(json.dumps({"departureLetters": letters}))
    penalties = tmp_path / "penalties.csv"
    penalties.write_text(PENALTIES_HEADER)
    read = read_ccrb(departures, penalties)
    assert [r.last_name for r in read.records] == ["Sample"]
    assert read.rejected == [
        Rejected(
            "departures.json",
            1,
            "LastName",
            "is 300 characters long; the most the field holds is 100",
        )
    ]
