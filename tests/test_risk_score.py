"""`custodes risk score` end to end on a synthetic department: the list, its reasons, the
report, a saved model, and bad input."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from custodes.cli import app
from custodes.risk import RiskError, RiskModel, open_history, score_officers, train_model
from tests.risk_data import AS_OF, department, read_rows


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return department(tmp_path_factory.mktemp("risk") / "history")


@pytest.fixture(scope="module")
def scored(history: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scored") / "out"
    model = out.parent / "model.txt"
    result = CliRunner().invoke(
        app,
        [
            "risk",
            "score",
            str(history),
            "--as-of",
            AS_OF.isoformat(),
            "--out",
            str(out),
            "--save-model",
            str(model),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def serving_by_hand(history: Path, as_of: dt.date) -> set[str]:
    """Officers serving at `as_of`, worked out from the CSVs: appointed (or first seen) by
    then, and not yet left."""
    first_seen: dict[str, str] = {}
    for row in read_rows(history / "allegations.csv"):
        ref, day = row["officer_ref"], row["received_date"]
        first_seen[ref] = min(day, first_seen.get(ref, day))
    for row in read_rows(history / "events.csv"):
        ref, day = row["officer_ref"], row["date"]
        first_seen[ref] = min(day, first_seen.get(ref, day))
    serving = set()
    for row in read_rows(history / "officers.csv"):
        start = row["appointed_date"] or first_seen.get(row["officer_ref"], "")
        left = row["left_date"]
        if start and start <= as_of.isoformat() and (not left or left > as_of.isoformat()):
            serving.add(row["officer_ref"])
    return serving


def test_every_serving_officer_is_ranked_once_and_leavers_are_not(
    history: Path, scored: Path
) -> None:
    with (scored / "risk.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    assert header == ["rank", "officer_ref", "score", "reasons"]
    refs = [r[1] for r in rows]
    assert len(refs) == len(set(refs))
    expected = serving_by_hand(history, AS_OF)
    assert set(refs) == expected
    left = {
        r["officer_ref"]
        for r in read_rows(history / "officers.csv")
        if r["left_date"] and r["left_date"] <= AS_OF.isoformat()
    }
    assert left, "the department should have leavers before the date"
    assert not left & set(refs)
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
    scores = [float(r[2]) for r in rows]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)


def test_reasons_are_words_not_feature_names(scored: Path) -> None:
    rows = read_rows(scored / "risk.csv")
    top = rows[:20]
    assert all(r["reasons"] for r in rows)
    for row in top:
        reasons = row["reasons"].split("; ")
        assert 1 <= len(reasons) <= 3
        for reason in reasons:
            assert not re.search(r"_\d+m\b|_all\b|days_since|[a-z]+_[a-z]+", reason), reason
    # Someone at the top has allegations counted, in words, with a window.
    assert any(re.search(r"allegations? .*in the last", r["reasons"]) for r in top)


def test_officers_run_and_report_go_with_the_list(scored: Path) -> None:
    officers = read_rows(scored / "officers.csv")
    assert list(officers[0]) == [
        "officer_ref",
        "agency",
        "first_name",
        "last_name",
        "rank",
        "unit",
        "rules",
    ]
    assert {o["officer_ref"] for o in officers} == {
        r["officer_ref"] for r in read_rows(scored / "risk.csv")
    }
    run = json.loads((scored / "run.json").read_text(encoding="utf-8"))
    assert run["as_of"] == AS_OF.isoformat()
    assert run["label"] == "substantiated"
    assert run["horizon_days"] == 730
    # Every snapshot learned from had its two-year outcome window closed by the date.
    last = (AS_OF - dt.timedelta(days=730)).isoformat()
    assert max(run["trained_on"]) == last == run["held_out"]
    assert run["evaluation"]["learned_up_to"] <= (AS_OF - dt.timedelta(days=1460)).isoformat()
    assert run["model"]["library"] == "lightgbm"
    assert run["officers_scored"] == len(officers)
    flagged = sum(run["rules_flagged"].values())
    assert flagged == sum(len(o["rules"].split(";")) for o in officers if o["rules"])
    for share in ("top_1pct", "top_2pct", "top_5pct"):
        assert 0.0 <= run["evaluation"][share]["precision"] <= 1.0
    assert run["evaluation"]["pr_curve"]


def test_the_report_is_self_contained(scored: Path) -> None:
    page = (scored / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]*https?://", page, re.IGNORECASE)
    assert "vegaEmbed" in page
    assert page.count("<figure class='chart'") >= 3  # the curve, the scores, a timeline
    top = read_rows(scored / "risk.csv")[0]["officer_ref"]
    assert f"id='o-{top}'" in page


def test_the_summary_names_no_officer(scored: Path) -> None:
    """The page the web app serves to everyone who uses the list: the check, the scores' spread
    and the rules' counts, and no officer's ref or name anywhere in it, scripts included."""
    page = (scored / "summary.html").read_text(encoding="utf-8")
    assert "vegaEmbed" in page and "id='pr-curve'" in page
    for officer in read_rows(scored / "officers.csv"):
        assert officer["officer_ref"] not in page
        name = f"{officer['first_name']} {officer['last_name']}"
        assert officer["first_name"] == "" or name not in page


def test_a_saved_model_scores_the_same(history: Path, scored: Path, tmp_path: Path) -> None:
    model = scored.parent / "model.txt"
    assert model.exists() and RiskModel.sidecar_path(model).exists()
    assert b"\x80" not in model.read_bytes()[:2]  # LightGBM's text, not a pickle
    again = tmp_path / "again"
    result = CliRunner().invoke(
        app,
        [
            "risk",
            "score",
            str(history),
            "--as-of",
            AS_OF.isoformat(),
            "--out",
            str(again),
            "--model",
            str(model),
        ],
    )
    assert result.exit_code == 0, result.output
    assert read_rows(again / "risk.csv") == read_rows(scored / "risk.csv")


def test_a_model_trained_later_is_refused_for_an_earlier_date(
    history: Path, scored: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "risk",
            "score",
            str(history),
            "--as-of",
            "2017-01-01",
            "--out",
            str(tmp_path / "o"),
            "--model",
            str(scored.parent / "model.txt"),
        ],
    )
    assert result.exit_code == 1
    assert "after 2017-01-01" in result.output
    assert not (tmp_path / "o").exists()


def test_training_twice_gives_the_same_scores(history: Path) -> None:
    con = open_history(history)
    first = score_officers(con, train_model(con, AS_OF), AS_OF)
    second = score_officers(con, train_model(con, AS_OF), AS_OF)
    assert first["score"].tolist() == second["score"].tolist()
    assert first["officer_ref"].tolist() == second["officer_ref"].tolist()


def test_a_bad_history_is_refused_naming_file_line_and_column(
    history: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("officers.csv", "events.csv"):
        (bad / name).write_bytes((history / name).read_bytes())
    rows = read_rows(history / "allegations.csv")
    rows[2]["category_group"] = "fists"  # the file's line 4
    with (bad / "allegations.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["risk", "score", str(bad), "--as-of", "2018-01-01", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "allegations.csv, line 4, category_group" in result.output
    assert not out.exists()


def test_a_date_with_no_past_to_learn_from_is_refused(history: Path) -> None:
    con = open_history(history)
    with pytest.raises(RiskError, match="too little history"):
        train_model(con, dt.date(2012, 6, 1))


def test_a_bad_date_is_refused(history: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["risk", "score", str(history), "--as-of", "2018-13-01", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "not a date" in result.output
