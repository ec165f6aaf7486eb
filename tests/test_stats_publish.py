"""`custodes stats publish` on officer histories: every table against an independent count,
the attacker against what was written, the data package, and bad input.

The independent counts are DuckDB group-bys (CUBE for the margins) straight over the history's
CSV files, not through `custodes.stats.records`; the attacker reads the publication back from
its CSV files, as anyone who downloads it would.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import frictionless
import pandas as pd
import pytest
from typer.testing import CliRunner

from custodes.cli import app
from custodes.history import import_history
from custodes.stats import (
    Publication,
    PublishError,
    Rule,
    attack,
    build_problem,
    publish_history,
    read_publication,
    widen,
)
from custodes.stats.disclosure import suppress_primary
from custodes.stats.records import allegations_from_history
from custodes.stats.tables import allegation_tables
from tests.lists_data import shared_file
from tests.risk_data import department

ZIP = shared_file("nypd-ccrb", "ccrb-2021-03-20.zip")
PENALTIES = shared_file("nypd-ccrb", "ccrb-penalties.csv")
LETTERS = shared_file("nypd-ccrb", "departure-letters.json")


def rounded(value: int) -> int:
    """The 10-5 rule's rounding, restated: to the nearest 5, halves up."""
    return int((value + 2.5) // 5 * 5)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return department(tmp_path_factory.mktemp("dept") / "history", officers=1200)


@pytest.fixture(scope="module")
def published(history: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pub") / "statistics"
    publish_history(history, out)
    return out


def read_table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "data" / f"{name}.csv", dtype=str, keep_default_na=False)


def true_counts(sql: str, history: Path) -> dict[tuple[str, ...], int]:
    """Run a group-by over the history's CSVs; the last column is the count, "All" the margin."""
    con = duckdb.connect()
    for name in ("officers", "allegations"):
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM "
            "read_csv(?, header=true, all_varchar=true, quote='\"')",
            [str(history / f"{name}.csv")],
        )
    rows = con.execute(sql).fetchall()
    return {tuple("All" if v is None else str(v) for v in row[:-1]): int(row[-1]) for row in rows}


def check_against(
    frame: pd.DataFrame, dims: list[str], measure: str, truth: dict[tuple[str, ...], int]
) -> int:
    """Every cell of one measure: suppressed if small, else the true count rounded; return how
    many published cells were compared."""
    compared = 0
    part = frame[frame["measure"] == measure]
    assert len(part) > 0
    for row in part.itertuples(index=False):
        key = tuple(getattr(row, d) for d in dims)
        true = truth.get(key, 0)
        if 0 < true < 10:
            assert row.suppressed == "True", f"{key} {measure}: {true} is small and published"
        if row.suppressed == "False":
            assert int(row.value) == rounded(true), f"{key} {measure}: {row.value} vs {true}"
            compared += 1
    return compared


def test_the_funnel_is_the_history_counted_by_category_and_year(
    history: Path, published: Path
) -> None:
    funnel = read_table(published, "funnel")
    for measure, where in (
        ("count", "TRUE"),
        ("substantiated", "finding = 'substantiated'"),
        (
            "finding_made",
            "finding IN ('substantiated','not-substantiated','unfounded','exonerated')",
        ),
        ("dismissed", "outcome_group = 'dismissed'"),
        ("closed", "finding <> 'open'"),
    ):
        truth = true_counts(
            f"""SELECT category_group, strftime(CAST(received_date AS DATE), '%Y') AS year,
                       count(*) FILTER (WHERE {where})
                FROM allegations GROUP BY CUBE (category_group, year)""",
            history,
        )
        assert check_against(funnel, ["category_group", "year"], measure, truth) > 20


def test_subjects_findings_outcomes_and_timeliness_match_group_bys(
    history: Path, published: Path
) -> None:
    sex = true_counts(
        """SELECT sex, count(*) FROM (
             SELECT coalesce(nullif(o.sex, ''), 'not recorded') AS sex
             FROM allegations a JOIN officers o USING (officer_ref))
           GROUP BY CUBE (sex)""",
        history,
    )
    check_against(read_table(published, "subjects_by_sex"), ["sex"], "count", sex)
    findings = true_counts(
        "SELECT category_group, finding, count(*) FROM allegations GROUP BY CUBE (1, 2)", history
    )
    check_against(
        read_table(published, "findings"), ["category_group", "finding"], "count", findings
    )
    outcomes = true_counts(
        """SELECT category_group, outcome, count(*) FROM (
             SELECT category_group, coalesce(nullif(outcome_group, ''), 'not recorded') AS outcome
             FROM allegations WHERE finding = 'substantiated')
           GROUP BY CUBE (category_group, outcome)""",
        history,
    )
    check_against(
        read_table(published, "outcomes"), ["category_group", "outcome_group"], "count", outcomes
    )
    bands = """CASE WHEN d <= 30 THEN 'up to 30 days' WHEN d <= 90 THEN '31 to 90 days'
                    WHEN d <= 182 THEN '91 to 182 days' WHEN d <= 365 THEN '183 to 365 days'
                    WHEN d <= 730 THEN '1 to 2 years' ELSE 'over 2 years' END"""
    timely = true_counts(
        f"""SELECT year, band, count(*) FROM (
              SELECT strftime(CAST(received_date AS DATE), '%Y') AS year,
                     {bands} AS band
              FROM (SELECT *, date_diff('day', CAST(received_date AS DATE),
                                        CAST(closed_date AS DATE)) AS d
                    FROM allegations WHERE finding <> 'open' AND closed_date <> ''))
            GROUP BY CUBE (year, band)""",
        history,
    )
    check_against(read_table(published, "timeliness"), ["year", "days_band"], "count", timely)


def test_sexual_misconduct_is_published_beside_the_rest(history: Path, published: Path) -> None:
    truth = true_counts(
        """SELECT CASE WHEN category_group = 'sexual' THEN 'sexual' ELSE 'other' END,
                  count(*) FILTER (WHERE finding = 'substantiated')
           FROM allegations GROUP BY CUBE (1)""",
        history,
    )
    table = read_table(published, "sexual_beside_others")
    assert set(table["sexual"]) == {"sexual", "other", "All"}
    check_against(table, ["sexual"], "substantiated", truth)


def _read_back(folder: Path, history: Path) -> tuple[Publication, object]:
    meta = read_publication(folder)
    tables, _ = allegation_tables(allegations_from_history(history))
    specs = [t.spec for t in tables]
    assert [s.name for s in specs] == [t["spec"]["name"] for t in meta["tables"]]
    frames = {s.name: read_table(folder, s.name) for s in specs}
    publication = Publication.from_frames(frames, specs, Rule())
    problem = build_problem(allegations_from_history(history), specs)
    return publication, problem


def test_the_attacker_recovers_no_withheld_count_from_what_was_written(
    history: Path, published: Path
) -> None:
    publication, problem = _read_back(published, history)
    assert sum(v is None for v in publication.values) > 10
    assert attack(problem, publication) == []  # type: ignore[arg-type]
    # The same attacker does recover counts when only the small ones are withheld: it can fail.
    assert attack(problem, suppress_primary(problem, Rule()))  # type: ignore[arg-type]


def test_a_second_publication_cannot_be_differenced_with_the_first(tmp_path: Path) -> None:
    # A smaller department than the module's: the check solves every program twice over.
    history = department(tmp_path / "history", officers=500)
    first, second = tmp_path / "2018", tmp_path / "2020"
    publish_history(history, first, as_of=dt.date(2018, 12, 31))
    publish_history(history, second, previous=first)
    meta = read_publication(second)
    assert meta["previous"] == "2018-12-31"
    records_then = allegations_from_history(history, as_of=dt.date(2018, 12, 31))
    records_now = allegations_from_history(history)
    tables, _ = allegation_tables(records_now)
    specs = [t.spec for t in tables]
    old_tables, _ = allegation_tables(records_then)
    old_specs = [t.spec for t in old_tables]
    old = Publication.from_frames(
        {s.name: read_table(first, s.name) for s in old_specs}, old_specs, Rule()
    )
    new = Publication.from_frames(
        {s.name: read_table(second, s.name) for s in specs}, specs, Rule()
    )
    problem = build_problem(records_now, specs, previous=records_then, previous_specs=old_specs)
    assert attack(problem, new, previous_publication=old) == []
    # Without secondary suppression the two publications together do give counts away.
    assert attack(problem, suppress_primary(problem, Rule()), previous_publication=old)


def test_the_data_package_describes_every_file_and_column(published: Path) -> None:
    report = frictionless.validate(str(published / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    package = json.loads((published / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        with (published / resource["path"]).open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        described = [f["name"] for f in resource["schema"]["fields"]]
        assert described == header
        assert all(f.get("description") for f in resource["schema"]["fields"])
    assert {p.name for p in (published / "charts").iterdir()} >= {
        "funnel.svg",
        "trend.svg",
        "timeliness.svg",
    }
    page = (published / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "[c]" in page


def test_a_bad_history_is_refused_naming_file_and_line_and_nothing_is_written(
    history: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(history, bad)
    rows = (bad / "allegations.csv").read_text(encoding="utf-8").splitlines()
    fields = rows[5].split(",")
    fields[3] = "31/12/2015"  # received_date, not ISO
    rows[5] = ",".join(fields)
    (bad / "allegations.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(PublishError, match=r"allegations\.csv.*6.*received_date"):
        publish_history(bad, out)
    assert not out.exists()


def test_the_command_publishes_and_refuses_a_folder_with_cases(tmp_path: Path) -> None:
    # A small department: the command's own work is what is tested here.
    history = department(tmp_path / "history", officers=200)
    runner = CliRunner()
    done = runner.invoke(app, ["stats", "publish", str(history), "--out", str(tmp_path / "p")])
    assert done.exit_code == 0, done.output
    assert "the attacker recovered none" in done.output
    assert (tmp_path / "p" / "datapackage.json").is_file()
    both = runner.invoke(
        app, ["stats", "publish", str(history), "--cases", "--out", str(tmp_path / "q")]
    )
    assert both.exit_code != 0
    assert not (tmp_path / "q").exists()


@pytest.mark.skipif(not ZIP.is_file(), reason="the CCRB records are not in the shared data")
def test_ccrb_records_funnel_by_fado_category_and_year_and_penalties(tmp_path: Path) -> None:
    imported = tmp_path / "ccrb"
    import_history("ccrb", [ZIP, PENALTIES, LETTERS], imported)
    out = tmp_path / "statistics"
    result = publish_history(imported, out, ccrb_penalties=PENALTIES)
    assert "penalties" in result.tables
    assert any("sex" in line for line in result.left_out)
    funnel = read_table(out, "funnel")
    truth = true_counts(
        """SELECT category_group, strftime(CAST(received_date AS DATE), '%Y') AS year,
                  count(*) FILTER (WHERE finding = 'substantiated')
           FROM allegations GROUP BY CUBE (category_group, year)""",
        imported,
    )
    assert check_against(funnel, ["category_group", "year"], "substantiated", truth) > 50
    # The penalties file, counted by pandas straight from its own columns.
    raw = pd.read_csv(PENALTIES, dtype=str, keep_default_na=False)
    text = raw["Board Discipline Recommendation"].where(
        raw["Board Discipline Recommendation"] != "",
        raw["CCRB Substantiated Officer Disposition"].str.extract(r"\(([^)]*)\)")[0],
    )
    charges = int(text.str.contains("Charges", case=False).sum())
    penalties = read_table(out, "penalties")
    cell = penalties[(penalties["recommended"] == "charges") & (penalties["final_group"] == "All")]
    assert int(cell["value"].iloc[0]) == rounded(charges)
    total = penalties[(penalties["recommended"] == "All") & (penalties["final_group"] == "All")]
    assert int(total["value"].iloc[0]) == rounded(len(raw))


def test_a_table_widens_as_the_report_and_the_page_show_it() -> None:
    """Cells as the CSV holds them: a withheld count and a missing cell show the mark, a
    percentage shows beside every measure but the count, and an All row is a total."""
    cells = [
        {"year": "2020", "measure": "count", "measure_label": "Received", "value": "12",
         "suppressed": "false", "percent_of_first": ""},
        {"year": "2020", "measure": "referred", "measure_label": "Referred", "value": "6",
         "suppressed": "false", "percent_of_first": "50"},
        {"year": "All", "measure": "count", "measure_label": "Received", "value": "",
         "suppressed": "true", "percent_of_first": ""},
    ]  # fmt: skip
    wide = widen(cells, ["year"])
    assert wide.measures == ("Received", "Referred")
    assert [(r.keys, r.cells, r.total) for r in wide.rows] == [
        (("2020",), (("12", ""), ("6", "(50%)")), False),
        (("All",), (("[c]", ""), ("[c]", "")), True),
    ]
