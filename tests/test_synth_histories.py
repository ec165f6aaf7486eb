"""The synthetic department with known risk: in the officer-history format, deterministic by
seed, shaped like a real department, and with a truth a good ranking can be checked against."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from custodes.caserules import check_history
from custodes.history import load_history
from custodes.synth import HistoryTruth, generate_history

END = dt.date(2021, 12, 31)


@pytest.fixture(scope="module")
def department(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, HistoryTruth]:
    folder = tmp_path_factory.mktemp("synth") / "history"
    truth = generate_history(folder, officers=6000, years=20, seed=11, end=END)
    return folder, truth


@pytest.fixture(scope="module")
def tables(department: tuple[Path, HistoryTruth]) -> dict[str, pd.DataFrame]:
    folder, _ = department
    dates = {
        "officers": ["appointed_date", "left_date"],
        "allegations": ["received_date", "closed_date", "incident_date"],
        "events": ["date"],
    }
    return {
        name: pd.read_csv(
            folder / f"{name}.csv", parse_dates=columns, keep_default_na=False, na_values=[""]
        )
        for name, columns in dates.items()
    }


def test_the_folder_meets_the_format_and_loads(department: tuple[Path, HistoryTruth]) -> None:
    folder, truth = department
    assert check_history(folder) == []
    con = duckdb.connect()
    counts = load_history(folder, con)
    assert counts["officers"] == 6000 == len(truth.officers)
    assert counts["allegations"] > 6000 and counts["events"] > 1000


def test_the_same_seed_writes_the_same_files(
    tmp_path: Path, department: tuple[Path, HistoryTruth]
) -> None:
    first = generate_history(tmp_path / "a", officers=800, years=8, seed=5, end=END)
    second = generate_history(tmp_path / "b", officers=800, years=8, seed=5, end=END)
    other = generate_history(tmp_path / "c", officers=800, years=8, seed=6, end=END)
    for name in ("officers.csv", "allegations.csv", "events.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()
    pd.testing.assert_frame_equal(first.officers, second.officers)
    assert not first.officers.equals(other.officers)


def test_parquet_holds_the_same_history_as_csv(tmp_path: Path) -> None:
    generate_history(tmp_path / "csv", officers=500, years=6, seed=3, end=END)
    generate_history(tmp_path / "pq", officers=500, years=6, seed=3, end=END, fmt="parquet")
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == [
        "allegations.parquet",
        "events.parquet",
        "officers.parquet",
    ]
    counts = []
    for name in ("csv", "pq"):
        con = duckdb.connect()
        load_history(tmp_path / name, con)
        counts.append(
            con.execute(
                "SELECT count(*), count(closed_date), min(received_date), sum(hash(officer_ref)) "
                "FROM allegations"
            ).fetchall()
        )
    assert counts[0] == counts[1]


def test_units_vary_from_a_handful_to_hundreds(tables: dict[str, pd.DataFrame]) -> None:
    sizes = tables["officers"]["unit"].value_counts()
    assert sizes.min() == 5
    assert sizes.max() >= 15 * sizes.median()
    assert sizes.max() > 300


def test_hiring_across_the_years_and_leavers_of_every_kind(tables: dict[str, pd.DataFrame]) -> None:
    officers = tables["officers"]
    hired = officers["appointed_date"].dt.year.value_counts()
    assert all(hired.get(year, 0) > 50 for year in range(2002, 2021))
    reasons = officers["left_reason"].value_counts()
    assert {"resigned", "retired", "dismissed"} <= set(reasons.index)
    assert officers["left_date"].isna().sum() > 1000, "many still serving at the end"
    assert set(officers["sex"].dropna()) == {"F", "M", "X"}
    assert officers["race"].value_counts(normalize=True).iloc[0] < 0.6
    # Shared names, and older appointments known only by their year.
    names = officers.groupby(["first_name", "last_name"]).size()
    assert (names > 1).sum() > 30
    new_year = officers["appointed_date"].dt.strftime("%m-%d") == "01-01"
    assert new_year.mean() > 0.05


def test_findings_come_late_and_some_are_still_open(tables: dict[str, pd.DataFrame]) -> None:
    a = tables["allegations"]
    closed = a.dropna(subset=["closed_date"])
    delay = (closed["closed_date"] - closed["received_date"]).dt.days
    usual = closed["finding"] != "other"
    assert delay[usual].between(90, 730).all()
    assert (a["finding"] == "open").sum() > 100
    assert a.loc[a["finding"] == "open", "closed_date"].isna().all()
    assert (
        a.loc[a["finding"] == "open", "received_date"] > pd.Timestamp(END) - pd.Timedelta(days=800)
    ).mean() > 0.8
    assert set(a["category_group"]) == {
        "force",
        "abuse-of-authority",
        "discourtesy",
        "discrimination",
        "dishonesty",
        "domestic-abuse",
        "sexual",
        "other",
    }
    assert a.loc[a["finding"] == "substantiated", "outcome_group"].notna().all()
    assert (a["outcome_group"] == "resigned-under-investigation").any()
    assert a.groupby("complaint_ref").size().max() > 1, "complaints with several allegations"


def test_nothing_is_received_after_an_officer_left(tables: dict[str, pd.DataFrame]) -> None:
    left = tables["officers"].set_index("officer_ref")["left_date"]
    a = tables["allegations"]
    assert not (a["received_date"] >= a["officer_ref"].map(left)).any()
    e = tables["events"]
    assert not (e["date"] >= e["officer_ref"].map(left)).any()


def test_sexual_allegations_are_concentrated_among_the_high_risk(
    department: tuple[Path, HistoryTruth], tables: dict[str, pd.DataFrame]
) -> None:
    _, truth = department
    high = set(truth.officers.loc[truth.officers["high_risk"], "officer_ref"])
    assert 0.03 < len(high) / len(truth.officers) < 0.1
    a = tables["allegations"]
    sexual = a[a["category_group"] == "sexual"]
    assert len(sexual) > 50
    assert sexual["officer_ref"].isin(high).mean() > 0.6
    rates = (
        a.assign(high=a["officer_ref"].isin(high))
        .groupby("high")["finding"]
        .apply(lambda f: (f == "substantiated").mean())
    )
    assert rates[True] > 2 * rates[False]


def test_custodes_signals_only_in_the_last_years_and_more_for_the_high_risk(
    department: tuple[Path, HistoryTruth], tables: dict[str, pd.DataFrame]
) -> None:
    _, truth = department
    e = tables["events"]
    signals = e[e["kind"].isin(["access-audit-alert", "registry-match", "vetting-change"])]
    assert signals["date"].min() >= pd.Timestamp(END) - pd.Timedelta(days=6 * 366)
    assert {"monitored", "monitoring-ended", "commendation"} <= set(e["kind"])
    high = set(truth.officers.loc[truth.officers["high_risk"], "officer_ref"])
    alerts = e[e["kind"] == "access-audit-alert"]
    assert alerts["officer_ref"].isin(high).mean() > 0.4


def test_race_shapes_posting_but_not_risk(department: tuple[Path, HistoryTruth]) -> None:
    _, truth = department
    o = truth.officers
    by_race = o.groupby("race").agg(
        exposure=("exposure", "mean"),
        high=("high_risk", "mean"),
        risk=("risk_before", "mean"),
        n=("officer_ref", "size"),
    )
    big = by_race[by_race["n"] > 400]
    assert big["exposure"].max() > 1.15 * big["exposure"].min()
    assert (big["high"] - o["high_risk"].mean()).abs().max() < 0.025
    assert (big["risk"] / o["risk_before"].mean()).between(0.9, 1.1).all()


def test_a_plain_count_is_fooled_by_exposure_and_the_truth_is_not(
    department: tuple[Path, HistoryTruth], tables: dict[str, pd.DataFrame]
) -> None:
    _, truth = department
    as_of = dt.date(2016, 12, 31)
    t = pd.Timestamp(as_of)
    serving = truth.serving_at(as_of)
    high = truth.high_risk_at(as_of)
    assert high and high <= serving
    a = tables["allegations"]
    past = a[(a["received_date"] <= t) & (a["received_date"] > t - pd.Timedelta(days=730))]
    count = past.groupby("officer_ref").size().reindex(sorted(serving), fill_value=0)
    risk = truth.risk_at(as_of).reindex(sorted(serving))
    k = len(serving) // 50  # the top 2%
    by_count = set(count.sort_values(ascending=False, kind="stable").index[:k])
    by_risk = set(risk.sort_values(ascending=False, kind="stable").index[:k])
    future = a[(a["received_date"] > t) & (a["received_date"] <= t + pd.Timedelta(days=730))]
    harmed = set(future.loc[future["finding"] == "substantiated", "officer_ref"])
    assert len(by_risk & high) > 0.8 * k
    assert len(by_risk & harmed) > 1.5 * len(by_count & harmed)
    # The plain count's top is drawn to the busy units.
    exposure = truth.officers.set_index("officer_ref")["exposure"]
    assert exposure[list(by_count)].mean() > 1.3 * exposure[list(serving)].mean()


def test_too_small_a_department_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 10 officers"):
        generate_history(tmp_path / "x", officers=3)
    assert not (tmp_path / "x").exists()
