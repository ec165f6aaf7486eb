"""The officer-history format: every profile's words mapped to its groups, the writer's tables
exactly in the spec's columns and types, and the check naming each bad row by file, line and
column."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from importlib.resources import files
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from custodes.caserules import (
    PROFILES,
    HistoryError,
    RulesFileError,
    check_history,
    history_mapping,
    load_profile,
    write_history,
)
from custodes.caserules.history import (
    CATEGORY_GROUPS,
    FINDINGS,
    HISTORY_TABLES,
    OUTCOME_GROUPS,
    read_history_mapping,
)

ROOT = Path(__file__).resolve().parents[1]
# The shared specs sit beside the shared data (tests/lists_data.py: CUSTODES_SHARED_DATA).
SPEC = (
    Path(os.environ.get("CUSTODES_SHARED_DATA", "/work/shared/data")).parent
    / "spec"
    / "officer-history.md"
)


def _packaged(name: str) -> str:
    return files("custodes.caserules").joinpath(f"{name}.history.toml").read_text("utf-8")


@pytest.mark.parametrize("name", PROFILES)
def test_every_category_finding_and_outcome_of_every_profile_is_mapped(name: str) -> None:
    profile = load_profile(name)
    mapping = history_mapping(name)
    for category in profile.categories():
        assert mapping.group_of(category.id) in CATEGORY_GROUPS, category.id
    for finding in profile.vocabulary["findings"]:
        assert mapping.finding_of(finding) in FINDINGS, finding
    for outcome in profile.vocabulary["outcomes"]:
        assert mapping.outcome_group_of(outcome) in OUTCOME_GROUPS, outcome
    leaving = [e for e in profile.vocabulary["events"] if e.endswith("-under-investigation")]
    assert leaving, "each profile has events of leaving under investigation"
    for event in leaving:
        assert mapping.left_group_of(event) == "resigned-under-investigation"


def test_the_law_s_words_land_in_the_groups_a_reader_expects() -> None:
    ew, us = history_mapping("england-wales"), history_mapping("us-ccrb")
    assert ew.group_of("abuse-of-position-sexual") == "sexual"
    assert ew.group_of("sexual-harassment") == "sexual"
    assert ew.group_of("use-of-force") == "force"
    assert ew.group_of("discrimination-race") == "discrimination"
    assert ew.finding_of("gross-misconduct") == "substantiated"
    assert ew.outcome_group_of("dismissal-without-notice") == "dismissed"
    assert ew.outcome_group_of("final-written-warning") == "reprimand-or-warning"
    assert ew.outcome_group_of("reduction-in-rank") == "demotion"
    assert ew.outcome_group_of("rprp") == "advice-or-training"
    assert us.group_of("sexual-misconduct") == "sexual"
    assert us.finding_of("within-nypd-guidelines") == "exonerated"
    assert us.finding_of("officer-unidentified") == "unidentified"
    assert us.finding_of("unable-to-determine") == "not-substantiated"


def test_a_mapping_that_leaves_a_category_out_is_refused_naming_it() -> None:
    text = _packaged("england-wales").replace('use-of-force = "force"\n', "", 1)
    with pytest.raises(RulesFileError) as refused:
        read_history_mapping(text, "ours.history.toml", load_profile("england-wales"))
    assert "ours.history.toml: category_group:" in str(refused.value)
    assert "use-of-force" in str(refused.value)


def test_a_mapping_that_leaves_an_outcome_out_is_refused_naming_it() -> None:
    text = re.sub(r"\nreduction-in-rank = .*\n", "\n", _packaged("england-wales"), count=1)
    with pytest.raises(RulesFileError, match=r"outcome_group: .*reduction-in-rank"):
        read_history_mapping(text, "ours.history.toml", load_profile("england-wales"))


def test_a_mapping_to_a_group_the_spec_lacks_is_refused() -> None:
    text = _packaged("us-ccrb").replace('unfounded = "unfounded"', 'unfounded = "cleared"', 1)
    with pytest.raises(RulesFileError, match=r"finding\.unfounded: 'cleared' is not one of"):
        read_history_mapping(text, "ours.history.toml", load_profile("us-ccrb"))


def test_a_mapping_of_a_word_the_profile_lacks_is_refused() -> None:
    text = _packaged("us-ccrb").replace("[finding]\n", '[finding]\nnot-sustained = "other"\n', 1)
    with pytest.raises(RulesFileError, match=r"finding\.not-sustained: is not one of us-ccrb"):
        read_history_mapping(text, "ours.history.toml", load_profile("us-ccrb"))


def test_the_tables_columns_are_the_spec_s() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    for name, columns in HISTORY_TABLES.items():
        if name == "events":
            section = spec.split("## events")[1].split("\n## ")[0]
            said = re.sub(r"\([^)]*\)", "", section)  # the kinds, in brackets, are not columns
            assert [c.name for c in columns] == re.findall(r"`(\w+)`", said)
            continue
        section = spec.split(f"## {name}")[1].split("\n## ")[0]
        rows = re.findall(r"^\| ([\w, ]+?) \| ([^|]+?) \| (yes|no) \|", section, flags=re.M)
        expected = [
            (column.strip(), required == "yes")
            for names, _, required in rows
            if names != "column"
            for column in names.split(",")
        ]
        assert [(c.name, c.required) for c in columns] == expected, name


# -- the writer and the check ------------------------------------------------------------------

OFFICERS = [
    {"officer_ref": "XF:1001", "agency": "XF", "first_name": "Daniel", "birth_year": 1990},
    {"officer_ref": "XF:1002", "agency": "XF", "left_date": dt.date(2026, 3, 1)},
]
ALLEGATIONS = [
    {
        "allegation_ref": "A1",
        "complaint_ref": "PSD-1",
        "officer_ref": "XF:1001",
        "received_date": dt.date(2026, 1, 5),
        "closed_date": dt.date(2026, 6, 1),
        "source": "public",
        "category": "abuse-of-position-sexual",
        "category_group": "sexual",
        "finding": "substantiated",
        "outcome": "dismissal-without-notice",
        "outcome_group": "dismissed",
    },
    {
        "allegation_ref": "A2",
        "complaint_ref": "PSD-2",
        "officer_ref": "XF:1002",
        "received_date": dt.date(2026, 2, 1),
        "category": "use-of-force",
        "category_group": "force",
        "finding": "open",
    },
]
EVENTS = [
    {"officer_ref": "XF:1001", "date": dt.date(2026, 1, 2), "kind": "access-audit-alert"},
]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_writer_writes_csv_in_the_spec_s_columns_that_the_check_accepts(
    tmp_path: Path,
) -> None:
    out = tmp_path / "history"
    rows = write_history(out, OFFICERS, ALLEGATIONS, EVENTS)
    assert rows == {"officers": 2, "allegations": 2, "events": 1}
    assert sorted(p.name for p in out.iterdir()) == [
        "allegations.csv",
        "events.csv",
        "officers.csv",
    ]
    for name, columns in HISTORY_TABLES.items():
        header = (out / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header == ",".join(c.name for c in columns)
    officers = _csv(out / "officers.csv")
    assert officers[0]["birth_year"] == "1990"
    assert officers[1]["left_date"] == "2026-03-01"
    assert officers[1]["first_name"] == ""
    assert _csv(out / "allegations.csv")[0]["received_date"] == "2026-01-05"
    assert check_history(out) == []


def test_the_writer_writes_parquet_with_the_spec_s_types(tmp_path: Path) -> None:
    out = tmp_path / "history"
    write_history(out, OFFICERS, ALLEGATIONS, EVENTS, fmt="parquet")
    officers = pq.read_table(out / "officers.parquet")
    assert str(officers.schema.field("birth_year").type) == "int64"
    assert str(officers.schema.field("left_date").type) == "date32[day]"
    allegations = pq.read_table(out / "allegations.parquet")
    assert allegations.column_names == [c.name for c in HISTORY_TABLES["allegations"]]
    assert allegations.to_pylist()[0]["received_date"] == dt.date(2026, 1, 5)
    assert allegations.to_pylist()[1]["closed_date"] is None
    assert check_history(out) == []


def test_the_writer_refuses_rows_off_the_format_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "history"
    bad = [{**ALLEGATIONS[0], "officer_ref": "XF:9999", "finding": "proven"}]
    with pytest.raises(HistoryError) as refused:
        write_history(out, OFFICERS, bad)
    said = str(refused.value)
    assert "allegations.csv, line 2, finding: 'proven' is not one of" in said
    assert "allegations.csv, line 2, officer_ref: 'XF:9999' is not in officers" in said
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no half-written folder beside it either


def test_the_writer_refuses_a_folder_that_holds_something(tmp_path: Path) -> None:
    out = tmp_path / "history"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(HistoryError, match="already exists and is not an empty folder"):
        write_history(out, OFFICERS, ALLEGATIONS)
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


def test_the_writer_refuses_a_column_the_format_lacks(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="officers row 1: 'badge' is not a column"):
        write_history(tmp_path / "h", [{**OFFICERS[0], "badge": "4471"}], [])


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


ALLEGATION_HEADER = ",".join(c.name for c in HISTORY_TABLES["allegations"])


def test_the_check_names_each_bad_row_by_file_line_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "theirs"
    _write(folder, "officers.csv", "officer_ref,agency,birth_year\nO1,XF,1980\nO1,XF,eighty\n")
    _write(
        folder,
        "allegations.csv",
        ALLEGATION_HEADER
        + "\n"
        + "A1,C1,O1,2026-01-05,,,public,x,sexual,substantiated,,dismissed\n"
        + "A1,C1,O2,05/01/2026,,,press,x,sexy,open,,\n"
        + "A3,C3,O1,2026-02-30,,2026-01-01,,x,other,open,,sacked\n"
        + "A4,,O1,2026-03-01,,2026-02-01,,,force,not-substantiated,,\n",
    )
    found = [str(p) for p in check_history(folder)]
    assert found == [
        "allegations.csv, line 3, allegation_ref: 'A1' repeats line 2",
        "allegations.csv, line 3, category_group: 'sexy' is not one of: "
        + ", ".join(CATEGORY_GROUPS),
        "allegations.csv, line 3, officer_ref: 'O2' is not in officers",
        "allegations.csv, line 3, received_date: '05/01/2026' is not an ISO date (YYYY-MM-DD)",
        "allegations.csv, line 3, source: 'press' is not one of: "
        "public, colleague, internal, audit, other",
        "allegations.csv, line 4, finding: is open on an allegation closed",
        "allegations.csv, line 4, outcome_group: 'sacked' is not one of: "
        + ", ".join(OUTCOME_GROUPS),
        "allegations.csv, line 4, received_date: '2026-02-30' is not a day of the calendar",
        "allegations.csv, line 5, category: is empty",
        "allegations.csv, line 5, closed_date: is before the received_date",
        "allegations.csv, line 5, complaint_ref: is empty",
        "officers.csv, line 3, birth_year: 'eighty' is not a whole number",
        "officers.csv, line 3, officer_ref: 'O1' repeats line 2",
    ]


def test_the_check_wants_the_required_tables_and_columns(tmp_path: Path) -> None:
    folder = tmp_path / "theirs"
    _write(folder, "officers.csv", "officer_ref\nO1\n")
    _write(folder, "events.csv", "officer_ref,date,kind\nO1,2026-01-01,commendation\n")
    _write(folder, "events.parquet", "")
    found = [str(p) for p in check_history(folder)]
    assert found == [
        "allegations.csv: is missing (or allegations.parquet)",
        "events.*: is there as both CSV and Parquet",
        "officers.csv, line 1, agency: the column is missing",
    ]


def test_the_check_names_parquet_rows(tmp_path: Path) -> None:
    out = tmp_path / "history"
    write_history(out, OFFICERS, ALLEGATIONS, fmt="parquet")
    (out / "officers.parquet").unlink()
    write_history(tmp_path / "one", OFFICERS[:1], [], fmt="parquet")
    (tmp_path / "one" / "officers.parquet").rename(out / "officers.parquet")
    found = [str(p) for p in check_history(out)]
    assert found == ["allegations.parquet, row 2, officer_ref: 'XF:1002' is not in officers"]
