"""The generic CSV importer: a department's own columns through a mapping file, bad rows named."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from custodes.caserules import HistoryError
from custodes.history import REFUSED_FILE, HistoryImportError, import_history, validate_history

MAPPING = """
date_format = "%m/%d/%Y"

[constants]
agency = "Springfield PD"

[columns]
officer_ref = "Badge"
first_name = "First"
last_name = "Last"
sex = "Sex"
rank = "Rank"
complaint_ref = "Case No"
received_date = "Received"
closed_date = "Closed"
category = "Allegation"
finding = "Finding"
outcome = "Discipline"

[category_group]
"Excessive force" = "force"
"Sexual harassment of a member of the public" = "sexual"
"Rudeness" = "discourtesy"

[finding]
"Sustained" = "substantiated"
"Not sustained" = "not-substantiated"
"Pending" = "open"

[outcome_group]
"Written reprimand" = "reprimand-or-warning"
"Terminated" = "dismissed"
"""

HEADER = "Badge,First,Last,Sex,Rank,Case No,Received,Closed,Allegation,Finding,Discipline"
GOOD = [
    "101,Ann,Ames,F,Officer,C-1,01/15/2019,06/01/2019,Excessive force,Sustained,Written reprimand",
    "101,Ann,Ames,F,Officer,C-1,01/15/2019,06/01/2019,Rudeness,Not sustained,",
    "102,Bob,Birch,M,Sergeant,C-2,03/02/2020,,Sexual harassment of a member of the public,Pending,",
    '103,Cy,"Cole, Jr.",M,Officer,C-3,07/04/2020,09/09/2020,Excessive force,Sustained,Terminated',
]
BAD = [
    # line 6: a date not in the mapping's format
    "104,Dee,Dunn,F,Officer,C-4,2020-05-05,,Rudeness,Pending,",
    # line 7: a category the mapping does not map
    "105,Eve,Eames,F,Officer,C-5,05/05/2020,,Stalking,Pending,",
    # line 8: no case number
    "106,Fay,Fenn,F,Officer,,05/05/2020,,Rudeness,Pending,",
    # line 9: closed before received
    "107,Gus,Gale,M,Officer,C-7,05/05/2020,01/01/2020,Rudeness,Not sustained,",
]


def _write(tmp_path: Path, lines: list[str], name: str = "complaints.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "springfield.toml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_clean_file_imports_every_row(tmp_path: Path, mapping: Path) -> None:
    source = _write(tmp_path, GOOD)
    result = import_history("csv", [source], tmp_path / "out", mapping=mapping)
    assert dict(result.counts) == {"officers": 3, "allegations": 4, "events": 0}
    assert result.refused == ()
    assert validate_history(tmp_path / "out") == []
    officers = {o["officer_ref"]: o for o in _rows(tmp_path / "out" / "officers.csv")}
    assert officers["103"]["last_name"] == "Cole, Jr."
    assert officers["101"]["agency"] == "Springfield PD"
    allegations = _rows(tmp_path / "out" / "allegations.csv")
    assert [a["allegation_ref"] for a in allegations] == [
        "C-1-101-1",
        "C-1-101-2",
        "C-2-102-1",
        "C-3-103-1",
    ]
    first = allegations[0]
    assert (first["received_date"], first["closed_date"]) == ("2019-01-15", "2019-06-01")
    assert (first["category_group"], first["finding"], first["outcome_group"]) == (
        "force",
        "substantiated",
        "reprimand-or-warning",
    )
    assert allegations[2]["category_group"] == "sexual"
    assert allegations[3]["outcome_group"] == "dismissed"


def test_bad_rows_are_refused_named_and_the_rest_imported(tmp_path: Path, mapping: Path) -> None:
    source = _write(tmp_path, GOOD + BAD)
    result = import_history("csv", [source], tmp_path / "out", mapping=mapping)
    assert result.counts["allegations"] == 4
    assert [str(r) for r in result.refused] == [
        "complaints.csv, line 6, Received: '2020-05-05' is not a date as %m/%d/%Y",
        "complaints.csv, line 7, Allegation: 'Stalking' has no category_group in springfield.toml",
        "complaints.csv, line 8, Case No: is empty",
        "complaints.csv, line 9, Closed: is before the received date",
    ]
    assert [str(u) for u in result.unmapped] == ["category 'Stalking' (1 rows)"]
    written = _rows(tmp_path / "out" / REFUSED_FILE)
    assert [(r["line"], r["column"]) for r in written] == [
        ("6", "Received"),
        ("7", "Allegation"),
        ("8", "Case No"),
        ("9", "Closed"),
    ]


def test_strict_writes_nothing_when_a_row_is_refused(tmp_path: Path, mapping: Path) -> None:
    source = _write(tmp_path, GOOD + BAD)
    out = tmp_path / "out"
    with pytest.raises(
        HistoryImportError,
        match=r"nothing was written: 4 row\(s\) refused: complaints.csv, line 6, Received",
    ):
        import_history("csv", [source], out, mapping=mapping, strict=True)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["complaints.csv", "springfield.toml"]


def test_officers_and_allegations_in_two_files(tmp_path: Path, mapping: Path) -> None:
    officers = tmp_path / "staff.csv"
    officers.write_text(
        "Badge,First,Last,Sex,Rank\n101,Ann,Ames,F,Officer\n102,Bob,Birch,M,Sergeant\n",
        encoding="utf-8",
    )
    allegations = tmp_path / "cases.csv"
    allegations.write_text(
        "Badge,Case No,Received,Closed,Allegation,Finding,Discipline\n"
        "101,C-1,01/15/2019,,Rudeness,Pending,\n"
        "999,C-2,01/15/2019,,Rudeness,Pending,\n",
        encoding="utf-8",
    )
    result = import_history(
        "csv", [officers, allegations], tmp_path / "out", mapping=mapping, fmt="parquet"
    )
    assert dict(result.counts) == {"officers": 2, "allegations": 1, "events": 0}
    assert [str(r) for r in result.refused] == [
        "cases.csv, line 3, Badge: '999' is not an officer of the files"
    ]
    assert (tmp_path / "out" / "allegations.parquet").exists()
    assert validate_history(tmp_path / "out") == []


def test_a_missing_column_is_named(tmp_path: Path, mapping: Path) -> None:
    source = tmp_path / "complaints.csv"
    source.write_text(
        HEADER.replace(",Finding", "") + "\n" + GOOD[0].replace(",Sustained", "") + "\n",
        encoding="utf-8",
    )
    with pytest.raises(
        HistoryImportError, match=r"complaints.csv: the column 'Finding' \(for finding\) is missing"
    ):
        import_history("csv", [source], tmp_path / "out", mapping=mapping)


def test_a_bad_mapping_is_refused_by_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[columns]\nofficer_ref = "A"\n[finding]\n"Sustained" = "proven"\n', encoding="utf-8"
    )
    with pytest.raises(HistoryError, match=r"bad\.toml"):
        import_history("csv", [tmp_path / "x.csv"], tmp_path / "out", mapping=path)
    path.write_text(
        MAPPING.replace('"Sustained" = "substantiated"', '"Sustained" = "proven"'), encoding="utf-8"
    )
    with pytest.raises(HistoryError, match=r"finding.'Sustained': 'proven' is not one of"):
        import_history("csv", [_write(tmp_path, GOOD)], tmp_path / "out", mapping=path)


def test_a_csv_import_needs_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(HistoryImportError, match="--mapping"):
        import_history("csv", [_write(tmp_path, GOOD)], tmp_path / "out")


def test_dates_are_written_as_iso(tmp_path: Path, mapping: Path) -> None:
    import_history("csv", [_write(tmp_path, GOOD)], tmp_path / "out", mapping=mapping)
    received = {a["received_date"] for a in _rows(tmp_path / "out" / "allegations.csv")}
    assert all(dt.date.fromisoformat(day) for day in received)


def test_a_repeated_allegation_reference_is_refused(tmp_path: Path, mapping: Path) -> None:
    text = MAPPING.replace("[columns]\n", '[columns]\nallegation_ref = "Ref"\n')
    mapping.write_text(text, encoding="utf-8")
    source = tmp_path / "complaints.csv"
    source.write_text(
        "Ref," + HEADER + "\n" + "A1," + GOOD[0] + "\n" + "A1," + GOOD[1] + "\n", encoding="utf-8"
    )
    result = import_history("csv", [source], tmp_path / "out", mapping=mapping)
    assert [str(r) for r in result.refused] == ["complaints.csv, line 3, Ref: 'A1' repeats line 2"]
    assert result.counts["allegations"] == 1
