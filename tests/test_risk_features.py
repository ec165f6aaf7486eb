"""Features strictly as of a date: counted by hand on a small history, and unchanged (with the
scores) when records dated later are added."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from custodes.caserules import write_history
from custodes.history import load_history
from custodes.risk import score_history, snapshot_features
from tests.risk_data import AS_OF, department, read_rows, with_later_records

T = dt.date(2018, 1, 1)


def allegation(
    ref: str, officer: str, received: str, group: str, finding: str, closed: str = ""
) -> dict[str, Any]:
    return {
        "allegation_ref": ref,
        "complaint_ref": f"c-{ref}",
        "officer_ref": officer,
        "received_date": dt.date.fromisoformat(received),
        "closed_date": dt.date.fromisoformat(closed) if closed else None,
        "category": group,
        "category_group": group,
        "finding": finding,
    }


@pytest.fixture
def small(tmp_path: Path) -> pd.DataFrame:
    officers: list[dict[str, Any]] = [
        {
            "officer_ref": "o1",
            "agency": "pd",
            "unit": "u1",
            "rank": "po",
            "appointed_date": dt.date(2010, 1, 1),
        },
        {
            "officer_ref": "o2",
            "agency": "pd",
            "unit": "u1",
            "rank": "po",
            "appointed_date": dt.date(2015, 6, 1),
        },
        {"officer_ref": "o3", "agency": "pd", "unit": "u1", "rank": "po"},
        {
            "officer_ref": "o4",
            "agency": "pd",
            "unit": "u1",
            "rank": "po",
            "appointed_date": dt.date(2011, 1, 1),
            "left_date": dt.date(2017, 1, 1),
        },
    ]
    allegations: list[dict[str, Any]] = [
        allegation("a1", "o1", "2017-12-15", "force", "open"),
        allegation("a2", "o1", "2017-06-01", "discourtesy", "substantiated", "2017-11-01"),
        # Substantiated, but only after the date: pending at T.
        allegation("a3", "o1", "2017-03-01", "force", "substantiated", "2018-03-01"),
        allegation("a4", "o1", "2014-01-01", "abuse-of-authority", "exonerated", "2014-06-01"),
        # No closed date: the finding is taken as known a year after it was received.
        allegation("a5", "o1", "2016-02-01", "force", "not-substantiated"),
        allegation("a6", "o3", "2016-01-01", "force", "unfounded", "2016-05-01"),
        allegation("a7", "o4", "2016-06-01", "force", "substantiated", "2016-09-01"),
        # Received after the date.
        allegation("a8", "o1", "2018-01-02", "sexual", "substantiated", "2018-02-01"),
    ]
    events: list[dict[str, Any]] = [
        {"officer_ref": "o1", "date": dt.date(2017, 11, 1), "kind": "access-audit-alert"},
        {"officer_ref": "o1", "date": dt.date(2015, 1, 1), "kind": "monitored"},
        {"officer_ref": "o1", "date": dt.date(2018, 1, 5), "kind": "registry-match"},
    ]
    write_history(tmp_path / "h", officers, allegations, events)
    con = duckdb.connect()
    load_history(tmp_path / "h", con)
    return snapshot_features(con, [T]).set_index("officer_ref")


def test_allegations_are_counted_by_window_group_and_known_finding(small: pd.DataFrame) -> None:
    o1 = small.loc["o1"]
    counts = {w: o1[f"allegations_{w}"] for w in ("1m", "3m", "6m", "12m", "24m", "60m", "all")}
    assert counts == {"1m": 1, "3m": 1, "6m": 1, "12m": 3, "24m": 4, "60m": 5, "all": 5}
    assert o1["force_12m"] == 2
    assert o1["sexual_all"] == 0
    assert o1["substantiated_12m"] == 1  # a3's finding came after the date
    assert o1["pending_12m"] == 2
    assert o1["not_substantiated_24m"] == 1
    assert o1["exonerated_all"] == 1
    assert o1["days_since_allegation"] == 17
    assert o1["days_since_substantiated"] == 214


def test_events_tenure_and_peers(small: pd.DataFrame) -> None:
    o1 = small.loc["o1"]
    assert o1["access_audit_alert_3m"] == 1
    assert o1["days_since_access_audit_alert"] == 61
    assert o1["monitored_all"] == 1
    assert o1["monitored_12m"] == 0
    assert o1["registry_match_all"] == 0  # dated after T
    assert o1["tenure_days"] == 2922
    assert small.loc["o3", "tenure_days"] == 731  # first seen, no appointment date
    # o1, o2 and o3 serve in u1 (o4 has left): 3 allegations in 12 months among three.
    assert o1["unit_rate_12m"] == pytest.approx(1.0)
    assert o1["unit_ratio_12m"] == pytest.approx(3.0)
    assert set(small.index) == {"o1", "o2", "o3"}


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("asof")
    history = department(base / "history", officers=800)
    return history, with_later_records(history, base / "later", AS_OF)


def test_records_after_the_date_change_no_feature_before_it(
    histories: tuple[Path, Path],
) -> None:
    history, later = histories
    dates = [dt.date(2014, 1, 1), dt.date(2016, 7, 1), AS_OF]
    frames = []
    for folder in (history, later):
        con = duckdb.connect()
        load_history(folder, con)
        frames.append(snapshot_features(con, dates))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    # The added records are read: a date after them sees them.
    after = []
    for folder in (history, later):
        con = duckdb.connect()
        load_history(folder, con)
        after.append(snapshot_features(con, [dt.date(2018, 6, 1)]))
    assert after[1]["sexual_all"].sum() > after[0]["sexual_all"].sum()
    assert after[1]["access_audit_alert_12m"].sum() > after[0]["access_audit_alert_12m"].sum()


def test_records_after_the_date_change_no_score_before_it(
    histories: tuple[Path, Path], tmp_path: Path
) -> None:
    history, later = histories
    score_history(history, AS_OF, tmp_path / "a")
    score_history(later, AS_OF, tmp_path / "b")
    assert read_rows(tmp_path / "a" / "risk.csv") == read_rows(tmp_path / "b" / "risk.csv")
