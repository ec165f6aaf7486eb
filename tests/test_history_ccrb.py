"""The CCRB importer on the real records in ../shared/data/nypd-ccrb: every value mapped, each
refused row named, and the history the loader and early intervention read."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from importlib.resources import files
from pathlib import Path

import duckdb
import pytest

from custodes.caserules import CATEGORY_GROUPS, FINDINGS, OUTCOME_GROUPS, HistoryError
from custodes.history import (
    REFUSED_FILE,
    HistoryImportError,
    ImportResult,
    import_history,
    load_history,
    validate_history,
)
from custodes.history.ccrb import ccrb_values
from custodes.history.rules import MappingRules, packaged_rules
from tests.lists_data import shared_file

# The shared real records, found as every other test finds them (tests/lists_data.py:
# CUSTODES_SHARED_DATA); their absence fails the tests rather than skipping them.
ZIP = shared_file("nypd-ccrb", "ccrb-2021-03-20.zip")
PENALTIES = shared_file("nypd-ccrb", "ccrb-penalties.csv")
LETTERS = shared_file("nypd-ccrb", "departure-letters.json")
ALL = [ZIP, PENALTIES, LETTERS]


@pytest.fixture(scope="module")
def rules() -> MappingRules:
    return packaged_rules("ccrb")


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> ImportResult:
    out = tmp_path_factory.mktemp("ccrb") / "history"
    return import_history("ccrb", ALL, out)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def allegations(imported: ImportResult) -> list[dict[str, str]]:
    return _csv(imported.out / "allegations.csv")


# -- the mapping, on every real value ------------------------------------------------------------


def test_every_real_value_is_mapped_and_nothing_is_unmapped(
    rules: MappingRules, imported: ImportResult
) -> None:
    values = ccrb_values(ALL)
    unmapped = {
        (field, value)
        for field, counter in values.items()
        for value in counter
        if {
            "category": rules.category_group,
            "CCRB disposition": rules.finding,
        }.get(field, rules.outcome_group)(value)
        is None
    }
    assert unmapped == set()
    assert imported.unmapped == ()
    # The records hold the values the docs count: 86 categories, 24 dispositions, 113 penalties.
    assert (len(values["category"]), len(values["CCRB disposition"])) == (86, 24)
    assert len(values["NYPD penalty"]) == 113
    assert len(values["NYPD Officer Penalty"]) == 232


@pytest.mark.parametrize(
    ("category", "group"),
    [
        ("Abuse of Authority: Sex Miscon (Sexual Harassment, Verbal)", "sexual"),
        ("Abuse of Authority: Sex Miscon (Sexually Motivated Frisk)", "sexual"),
        ("Abuse of Authority: Sexual Misconduct (Sexual Humiliation)", "sexual"),
        ("Untruthful Statement: Misleading official statement", "dishonesty"),
        ("Offensive Language: Race", "discrimination"),
        ("Offensive Language: Gender Identity", "discrimination"),
        ("Force: Chokehold", "force"),
        ("Abuse of Authority: Strip-searched", "abuse-of-authority"),
        ("Discourtesy: Word", "discourtesy"),
    ],
)
def test_real_categories_map_to_their_groups(
    rules: MappingRules, category: str, group: str
) -> None:
    assert rules.category_group(category) == group


@pytest.mark.parametrize(
    ("disposition", "finding"),
    [
        ("Substantiated (Charges)", "substantiated"),
        ("Substantiated (Command Lvl Instructions)", "substantiated"),
        ("Unsubstantiated", "not-substantiated"),
        ("Exonerated", "exonerated"),
        ("Unfounded", "unfounded"),
        ("Victim Unidentified", "other"),
        ("Complainant Uncooperative", "other"),
        ("Alleged Victim Unavailable", "other"),
        ("Complaint Withdrawn", "other"),
        ("Closed - Pending Litigation", "other"),
        ("Miscellaneous - Subject Retired", "other"),
    ],
)
def test_real_dispositions_map_to_findings(
    rules: MappingRules, disposition: str, finding: str
) -> None:
    assert rules.finding(disposition) == finding


@pytest.mark.parametrize(
    ("penalty", "group"),
    [
        ("Vacation days: 10", "suspension"),
        ("Suspen. days: 20 + Vacation days: 15", "suspension"),
        ("Forfeit vacation 5 days / Command Discipline A", "suspension"),
        ("Termination", "dismissed"),
        ("Forced Separation / Forfeit vacation 26 days", "dismissed"),
        ("Command Discipline - A", "reprimand-or-warning"),
        ("Command Discipline - A (Vacation: 0.25 days)", "reprimand-or-warning"),
        ("Instruction + Command Discipline - A", "reprimand-or-warning"),
        ("W&A (Verbally)", "reprimand-or-warning"),
        ("Dismissal Probation 365 days", "reprimand-or-warning"),
        ("Instruction", "advice-or-training"),
        ("No penalty + Command Level Instructions", "advice-or-training"),
        ("no penalty", "none"),
        ("Not Guilty - DCT", "none"),
        ("Retire", "resigned-under-investigation"),
        ("Resigned", "resigned-under-investigation"),
        ("Closed: MOS Retired", "resigned-under-investigation"),
        ("APU Guilty", "other"),
        ("Closed: Not guilty after trial but Discipline Imposed", "other"),
        ("APU - Decision Pending", ""),
    ],
)
def test_real_penalties_map_by_their_most_severe_part(
    rules: MappingRules, penalty: str, group: str
) -> None:
    assert rules.outcome_group(penalty) == group


def test_a_value_no_rule_maps_is_unmapped(rules: MappingRules) -> None:
    assert rules.category_group("Stalking: Following") is None
    assert rules.finding("Sustained") is None
    assert rules.outcome_group("Command Discipline - A + Flogging") is None


# -- the whole import ----------------------------------------------------------------------------


def test_the_whole_import_counts_officers_and_allegations(imported: ImportResult) -> None:
    # 83,036 officer rows less 7 repeated ids; 175,505 allegation rows less the 86 undated.
    assert dict(imported.counts) == {"officers": 83029, "allegations": 175419, "events": 92}
    assert validate_history(imported.out) == []
    assert any("7 officer row(s) repeat" in note for note in imported.notes)


def test_each_undated_row_is_refused_and_named(imported: ImportResult) -> None:
    assert len(imported.refused) == 86
    assert {r.column for r in imported.refused} == {"incident date"}
    first = imported.refused[0]
    assert first.file == "ccrb-2021-03-20.zip:2021-03-20_active_complaint.csv"
    # The named line is the one in the file with no date.
    with zipfile.ZipFile(ZIP) as archive:
        text = archive.read("2021-03-20_active_complaint.csv").decode("utf-8")
    line = text.splitlines()[first.line - 1]
    assert next(csv.reader(io.StringIO(line)))[2] == ""
    written = _csv(imported.out / REFUSED_FILE)
    assert len(written) == 86
    assert written[0] == {
        "file": first.file,
        "line": str(first.line),
        "column": "incident date",
        "reason": first.reason,
    }


def test_officers_carry_the_records_details(imported: ImportResult) -> None:
    officers = {o["officer_ref"]: o for o in _csv(imported.out / "officers.csv")}
    active = officers["nypd:000002"]
    assert (active["first_name"], active["last_name"], active["rank"], active["unit"]) == (
        "Richard",
        "Accardi",
        "Police Officer",
        "001 DET",
    )
    assert (active["agency"], active["left_date"], active["left_reason"]) == ("NYPD", "", "")
    inactive = officers["nypd:000001"]
    assert (inactive["unit"], inactive["left_date"]) == ("O D", "")
    assert inactive["left_reason"] == "inactive by 2021-03-20"
    assert {o["sex"] for o in officers.values()} == {""}  # the records have none


def test_allegations_keep_the_as_of_dates(allegations: list[dict[str, str]]) -> None:
    refs = Counter(a["allegation_ref"] for a in allegations)
    assert refs.most_common(1)[0][1] == 1
    # Incident 1994-11-29, complaint 2002...: received no earlier than 1 January 2002.
    early = [a for a in allegations if a["incident_date"] == "1994-11-29"]
    assert {(a["complaint_ref"][:4], a["received_date"]) for a in early} == {("2002", "2002-01-01")}
    assert all(
        a["received_date"] == max(a["incident_date"], f"{a['complaint_ref'][:4]}-01-01")
        for a in allegations
    )
    assert {a["closed_date"] for a in allegations} == {""}
    assert {a["source"] for a in allegations} == {"public"}
    first = next(a for a in allegations if a["complaint_ref"] == "200000006")
    assert first["allegation_ref"] == "200000006-082036-1"
    assert first["category"] == "Discourtesy: Word"


def test_groups_count_the_real_records(allegations: list[dict[str, str]]) -> None:
    groups = Counter(a["category_group"] for a in allegations)
    # SOURCES.md: 125 sexual misconduct allegations; 5 of them have no date and are refused.
    assert groups["sexual"] == 120
    assert groups["dishonesty"] == 3
    assert set(groups) <= set(CATEGORY_GROUPS)
    findings = Counter(a["finding"] for a in allegations)
    assert set(findings) <= set(FINDINGS)
    assert findings["substantiated"] == 12_381  # all dated
    assert {a["outcome_group"] for a in allegations} <= {*OUTCOME_GROUPS, ""}


def test_only_substantiated_or_departed_allegations_have_an_outcome(
    allegations: list[dict[str, str]],
) -> None:
    with_outcome = [a for a in allegations if a["outcome"]]
    left = [a for a in with_outcome if a["finding"] != "substantiated"]
    assert {a["outcome"] for a in left} == {
        "Miscellaneous - Subject Retired",
        "Miscellaneous - Subject Resigned",
    }
    assert {a["outcome_group"] for a in left} == {"resigned-under-investigation"}


def test_penalties_are_linked_by_tax_id(
    imported: ImportResult, allegations: list[dict[str, str]]
) -> None:
    figures = imported.figures
    assert figures["tax_ids"] == 10318
    assert (
        4000 <= figures["tax_ids_linked"] <= figures["tax_ids"] - figures["tax_ids_not_in_records"]
    )
    assert figures["outcomes_from_penalties_file"] > 8000
    # Wording only the penalties file uses shows its outcomes were filled in.
    assert any(a["outcome"] == "Command Discipline - B (Vacation: 5 days)" for a in allegations)


def test_departure_letters_become_events(imported: ImportResult) -> None:
    events = _csv(imported.out / "events.csv")
    assert len(events) == imported.figures["departure_letters_linked"] == 92
    assert {e["kind"] for e in events} == {"left-under-investigation"}
    assert all(dt.date.fromisoformat(e["date"]).day == 1 for e in events)
    assert all(e["detail"].startswith("CCRB departure letter") for e in events)


def test_the_loader_reads_the_import(imported: ImportResult) -> None:
    con = duckdb.connect()
    counts = load_history(imported.out, con)
    assert counts == dict(imported.counts)
    row = con.execute(
        "SELECT finding_known_on FROM allegations WHERE allegation_ref = '200000006-082036-1'"
    ).fetchone()
    assert row == (dt.date(2000, 12, 31),)  # received 2000-01-01 plus the 365-day finding lag


def test_strict_refuses_the_whole_import(tmp_path: Path) -> None:
    out = tmp_path / "strict"
    with pytest.raises(
        HistoryImportError, match=r"86 row\(s\) refused: .*line 12128, incident date"
    ):
        import_history("ccrb", [ZIP], out, strict=True)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


# -- the four CSVs, outside the zip --------------------------------------------------------------


def _extract(tmp_path: Path, officers: int) -> list[Path]:
    """Write the first officers of each officer file, and their allegations, as loose CSVs."""
    paths = []
    with zipfile.ZipFile(ZIP) as archive:
        for kind in ("active", "inactive"):
            lines = archive.read(f"2021-03-20_{kind}_officer.csv").decode("utf-8").splitlines()
            kept = lines[:officers]
            ids = {line.split(",", 1)[0] for line in kept}
            complaints = archive.read(f"2021-03-20_{kind}_complaint.csv").decode("utf-8")
            mine = [line for line in complaints.splitlines() if line.split(",", 1)[0] in ids]
            for name, rows in (("officer", kept), ("complaint", mine)):
                path = tmp_path / f"2021-03-20_{kind}_{name}.csv"
                path.write_text("\n".join(rows) + "\n", encoding="utf-8")
                paths.append(path)
    return paths


def test_the_four_csvs_import_without_the_zip(tmp_path: Path) -> None:
    paths = _extract(tmp_path, 40)
    result = import_history("ccrb", paths, tmp_path / "out")
    assert result.counts["officers"] == 80
    assert result.counts["allegations"] > 0
    assert result.counts["events"] == 0
    assert result.refused == ()


def test_a_repeated_officer_id_with_other_details_is_refused(tmp_path: Path) -> None:
    paths = _extract(tmp_path, 5)
    officers = paths[0]
    first = officers.read_text(encoding="utf-8").splitlines()[0]
    changed = first.replace("Accardi", "Acardi")
    officers.write_text(officers.read_text(encoding="utf-8") + changed + "\n", encoding="utf-8")
    result = import_history("ccrb", paths, tmp_path / "out")
    assert [str(r) for r in result.refused] == [
        "2021-03-20_active_officer.csv, line 6, officer id: 000002 repeats "
        "2021-03-20_active_officer.csv line 1 with other details; the first is kept"
    ]
    assert result.counts["officers"] == 10


def test_an_unknown_file_is_refused_by_name(tmp_path: Path) -> None:
    stray = tmp_path / "notes.csv"
    stray.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(HistoryImportError, match=r"notes\.csv is none of the CCRB's files"):
        import_history("ccrb", [ZIP, stray], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_rules_file_that_misses_a_value_lists_it_and_refuses_its_rows(tmp_path: Path) -> None:
    paths = _extract(tmp_path, 40)
    text = files("custodes.history").joinpath("ccrb.toml").read_text(encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text(
        text.replace("pattern = '^Discourtesy: '", "pattern = '^Discourteous: '"), encoding="utf-8"
    )
    result = import_history("ccrb", paths, tmp_path / "out", mapping=rules)
    assert {u.field for u in result.unmapped} == {"category"}
    assert all(u.value.startswith("Discourtesy: ") for u in result.unmapped)
    assert sum(u.rows for u in result.unmapped) == len(result.refused) > 0
    assert {r.column for r in result.refused} == {"FADO type, allegation"}
    assert all("is not mapped" in r.reason for r in result.refused)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            "[[finding]]\npattern = '^X$'\nfinding = 'proven'\n",
            "finding rule 1: 'proven' is not one",
        ),
        ("[[finding]]\npattern = '('\nfinding = 'other'\n", "is not a regular expression"),
        ("[[finding]]\npattern = 'X'\n", "must have exactly the keys pattern and finding"),
        ("[penalties]\n", "'penalties' is not a table of mapping rules"),
    ],
)
def test_a_bad_rules_file_is_refused_by_rule(tmp_path: Path, rules: str, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(rules, encoding="utf-8")
    with pytest.raises(HistoryError, match=message):
        import_history("ccrb", [ZIP], tmp_path / "out", mapping=path)
    assert not (tmp_path / "out").exists()


def test_malformed_allegation_lines_are_refused_by_line(tmp_path: Path) -> None:
    paths = _extract(tmp_path, 5)
    complaints = paths[1]
    lines = complaints.read_text(encoding="utf-8").splitlines()
    good = len(lines)
    lines += [
        "000002,2001ABC,2001-01-01,Force,Physical force,Unfounded,,",  # complaint id
        "999999,200100001,2001-01-01,Force,Physical force,Unfounded,,",  # no such officer
        "000002,200100001,2001-02-30,Force,Physical force,Unfounded,,",  # no such day
        "000002,200100001,2001-01-01,Force",  # four fields
        "000002,200100001,2001-01-01,Stalking,Following,Unfounded,,",  # no rule
        "000002,200100001,2001-01-01,Force,Physical force,Sustained,,",  # no rule
    ]
    complaints.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_history("ccrb", paths, tmp_path / "out")
    name = complaints.name
    assert [str(r) for r in result.refused] == [
        f"{name}, line {good + 4}: has 4 fields, not the 8 of an allegation",
        f"{name}, line {good + 1}, complaint id: '2001ABC' is not a 9-digit CCRB complaint id",
        f"{name}, line {good + 2}, officer id: 999999 is in no officer file",
        f"{name}, line {good + 3}, incident date: '2001-02-30' is not an ISO date",
        f"{name}, line {good + 5}, FADO type, allegation: 'Stalking: Following' is not mapped",
        f"{name}, line {good + 6}, CCRB disposition: 'Sustained' is not mapped",
    ]
    assert [str(u) for u in result.unmapped] == [
        "CCRB disposition 'Sustained' (1 rows)",
        "category 'Stalking: Following' (1 rows)",
    ]
    inactive = len(paths[3].read_text(encoding="utf-8").splitlines())
    assert result.counts["allegations"] == good + inactive  # every good line, and only those
