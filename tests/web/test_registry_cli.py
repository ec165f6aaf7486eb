"""`custodes registry …` on the test database: import, hold, check and screen."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner, Result

from custodes.cli import app
from custodes.web.registry.models import Entry, ListImport, Roster
from tests.lists_data import shared_file

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
    ]
    assert [(r["person_ref"], r["list_record_ref"]) for r in rows] == [("XF-101", "GB-1")]
    assert float(rows[0]["match_probability"]) > 0.9
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


def test_a_value_too_long_for_the_registry_refuses_the_whole_file(db: None, tmp_path: Path) -> None:
    lines = (FIXTURES / "new-list.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("Daniel", "D" * 150)
    bad = tmp_path / "list.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = cli("import", "generic", str(bad))
    assert done.exit_code == 1
    assert "list.csv, line 3: first_name:" in done.output
    assert "Nothing was imported." in done.output
    assert not Entry.objects.exists() and not ListImport.objects.exists()
