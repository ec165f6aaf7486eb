"""An officer's history as numbers, strictly as of a date, for many dates at once, in DuckDB.

Every feature of an officer at a date T is built from what was known by T: allegations received
by T, a finding only once it was known (`finding_known_on <= T`), events dated by T. The
features of many (officer, date) pairs are computed in one pass over a table of such pairs
(`snapshots`), so training on several past dates costs one query, not one per date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from custodes.caserules import CATEGORY_GROUPS, OUTCOME_GROUPS
from custodes.history import serving_sql

__all__ = [
    "CUSTODES_EVENTS",
    "FINDINGS_COUNTED",
    "WINDOWS",
    "Feature",
    "feature_list",
    "features_sql",
    "make_snapshots",
    "snapshot_features",
]

#: The windows, in months, over which allegations, findings and events are counted; None is
#: the officer's whole history up to the date.
WINDOWS: tuple[int | None, ...] = (1, 3, 6, 12, 24, 60, None)
#: The findings counted, each only once known.
FINDINGS_COUNTED = ("substantiated", "not-substantiated", "unfounded", "exonerated", "other")
#: What only custodes knows about an officer, from its own audit, registry and vetting.
CUSTODES_EVENTS = ("access-audit-alert", "registry-match", "vetting-change", "monitored")
# Whole days of a window; a month is a twelfth of a Julian year.
_DAYS = {1: 30, 3: 91, 6: 183, 12: 365, 24: 730, 60: 1826}


@dataclass(frozen=True)
class Feature:
    """One column of the feature table: its name and what it counts, for the reasons."""

    name: str
    kind: str  # allegations, group, finding, pending, since, tenure, peers, outcome, event
    window: int | None = None  # months, None for all time
    subject: str = ""  # the group, finding, outcome group, event kind or peer group


def _suffix(window: int | None) -> str:
    return "all" if window is None else f"{window}m"


def _ident(text: str) -> str:
    return text.replace("-", "_")


def _finding_ident(finding: str) -> str:
    # "other" is also a category group: the finding's column needs a name of its own.
    return "other_finding" if finding == "other" else _ident(finding)


def feature_list() -> list[Feature]:
    """Return every feature, in the feature table's column order."""
    out: list[Feature] = []
    for w in WINDOWS:
        s = _suffix(w)
        out.append(Feature(f"allegations_{s}", "allegations", w))
        out.append(Feature(f"complaints_{s}", "complaints", w))
        out += [Feature(f"{_ident(g)}_{s}", "group", w, g) for g in CATEGORY_GROUPS]
        out += [Feature(f"{_finding_ident(f)}_{s}", "finding", w, f) for f in FINDINGS_COUNTED]
        out.append(Feature(f"pending_{s}", "pending", w))
        out += [Feature(f"{_ident(e)}_{s}", "event", w, e) for e in CUSTODES_EVENTS]
        out.append(Feature(f"other_events_{s}", "event", w, "other"))
    out += [Feature(f"outcome_{_ident(g)}", "outcome", None, g) for g in OUTCOME_GROUPS]
    out.append(Feature("days_since_allegation", "since", None, "allegation"))
    out.append(Feature("days_since_substantiated", "since", None, "substantiated"))
    out += [Feature(f"days_since_{_ident(e)}", "since", None, e) for e in CUSTODES_EVENTS]
    out.append(Feature("tenure_days", "tenure"))
    for peers in ("unit", "rank"):
        out.append(Feature(f"{peers}_rate_12m", "peer-rate", 12, peers))
        out.append(Feature(f"{peers}_ratio_12m", "peer-ratio", 12, peers))
        out.append(Feature(f"{peers}_substantiated_rate_60m", "peer-rate", 60, peers))
    return out


def _quote(term: str) -> str:
    # Only the format's own closed vocabularies reach SQL text this way, never a file's values.
    return "'" + term.replace("'", "''") + "'"


def _in(window: int | None, age: str) -> str:
    return "TRUE" if window is None else f"{age} < {_DAYS[window]}"


def _allegation_counts_sql() -> str:
    """Return the per-(officer, date) allegation counts: a SELECT over `snapshots`."""
    cols = []
    known = "a.finding_known_on <= s.as_of"
    for w in WINDOWS:
        s, inw = _suffix(w), _in(w, "a.age")
        cols.append(f"count(a.received_date) FILTER (WHERE {inw}) AS allegations_{s}")
        cols.append(f"count(DISTINCT a.complaint_ref) FILTER (WHERE {inw}) AS complaints_{s}")
        for g in CATEGORY_GROUPS:
            cols.append(
                f"count(*) FILTER (WHERE {inw} AND a.category_group = {_quote(g)}) "
                f"AS {_ident(g)}_{s}"
            )
        for f in FINDINGS_COUNTED:
            # "other" gathers every finding the format knows beyond the four named.
            match = (
                f"a.finding = {_quote(f)}"
                if f != "other"
                else "a.finding IN ('other', 'unidentified')"
            )
            cols.append(
                f"count(*) FILTER (WHERE {inw} AND {match} AND {known}) AS {_finding_ident(f)}_{s}"
            )
        cols.append(
            f"count(a.received_date) FILTER (WHERE {inw} AND "
            f"(a.finding_known_on IS NULL OR a.finding_known_on > s.as_of)) AS pending_{s}"
        )
    for g in OUTCOME_GROUPS:
        cols.append(
            f"count(*) FILTER (WHERE {known} AND a.outcome_group = {_quote(g)}) "
            f"AS outcome_{_ident(g)}"
        )
    cols.append("min(a.age) AS days_since_allegation")
    cols.append(
        f"min(a.age) FILTER (WHERE a.finding = 'substantiated' AND {known}) "
        "AS days_since_substantiated"
    )
    cols.append("max(a.age) AS first_allegation_age")
    return f"""
        SELECT s.officer_ref, s.as_of, {", ".join(cols)}
        FROM snapshots s
        LEFT JOIN (
            SELECT s2.officer_ref, s2.as_of, al.complaint_ref, al.received_date,
                   al.category_group, al.finding, al.finding_known_on, al.outcome_group,
                   date_diff('day', al.received_date, s2.as_of) AS age
            FROM snapshots s2
            JOIN allegations al
              ON al.officer_ref = s2.officer_ref AND al.received_date <= s2.as_of
        ) a ON a.officer_ref = s.officer_ref AND a.as_of = s.as_of
        GROUP BY s.officer_ref, s.as_of
    """  # noqa: S608


def _event_counts_sql() -> str:
    """Return the per-(officer, date) counts of events by kind: a SELECT over `snapshots`."""
    cols = []
    kinds = ", ".join(_quote(k) for k in CUSTODES_EVENTS)
    for w in WINDOWS:
        s, inw = _suffix(w), _in(w, "e.age")
        for k in CUSTODES_EVENTS:
            cols.append(
                f"count(*) FILTER (WHERE {inw} AND e.kind = {_quote(k)}) AS {_ident(k)}_{s}"
            )
        cols.append(
            f"count(*) FILTER (WHERE {inw} AND e.kind NOT IN ({kinds})) AS other_events_{s}"
        )
    for k in CUSTODES_EVENTS:
        cols.append(f"min(e.age) FILTER (WHERE e.kind = {_quote(k)}) AS days_since_{_ident(k)}")
    cols.append("max(e.age) AS first_event_age")
    return f"""
        SELECT s.officer_ref, s.as_of, {", ".join(cols)}
        FROM snapshots s
        LEFT JOIN (
            SELECT s2.officer_ref, s2.as_of, ev.kind,
                   date_diff('day', ev.date, s2.as_of) AS age
            FROM snapshots s2
            JOIN events ev ON ev.officer_ref = s2.officer_ref AND ev.date <= s2.as_of
        ) e ON e.officer_ref = s.officer_ref AND e.as_of = s.as_of
        GROUP BY s.officer_ref, s.as_of
    """  # noqa: S608


def features_sql() -> str:
    """Return a SELECT of every feature (`feature_list()`) of each row of table `snapshots`."""
    names = [f.name for f in feature_list()]
    direct = [n for n in names if not n.startswith(("unit_", "rank_")) and n != "tenure_days"]
    select = ", ".join(f"CAST({n} AS DOUBLE) AS {n}" for n in direct)
    peers = []
    for peers_of in ("unit", "rank"):
        part = f"PARTITION BY coalesce(o.{peers_of}, ''), c.as_of"
        peers += [
            f"avg(c.allegations_12m) OVER ({part}) AS {peers_of}_rate_12m",
            f"c.allegations_12m / nullif(avg(c.allegations_12m) OVER ({part}), 0) "
            f"AS {peers_of}_ratio_12m",
            f"avg(c.substantiated_60m) OVER ({part}) AS {peers_of}_substantiated_rate_60m",
        ]
    return f"""
        WITH c AS (
            SELECT * FROM ({_allegation_counts_sql()}) a
            JOIN ({_event_counts_sql()}) e USING (officer_ref, as_of)
        )
        SELECT c.officer_ref, c.as_of, {select},
               CAST(coalesce(date_diff('day', o.appointed_date, c.as_of),
                             greatest(c.first_allegation_age, c.first_event_age)) AS DOUBLE)
                 AS tenure_days,
               {", ".join(peers)}
        FROM c JOIN officers o USING (officer_ref)
        ORDER BY c.as_of, c.officer_ref
    """  # noqa: S608


def make_snapshots(con: duckdb.DuckDBPyConnection, dates: Iterable[dt.date]) -> int:
    """Fill table `snapshots` with every officer serving at each of `dates`; return its rows."""
    con.execute("CREATE OR REPLACE TABLE snapshots (officer_ref VARCHAR, as_of DATE)")
    insert = f"INSERT INTO snapshots SELECT officer_ref, $as_of FROM ({serving_sql()})"  # noqa: S608
    for day in sorted(set(dates)):
        con.execute(insert, {"as_of": day})
    rows = con.execute("SELECT count(*) FROM snapshots").fetchall()
    return int(rows[0][0])


def snapshot_features(con: duckdb.DuckDBPyConnection, dates: Sequence[dt.date]) -> pd.DataFrame:
    """Return the features of every officer serving at each of `dates`, one row per pair."""
    make_snapshots(con, dates)
    return con.execute(features_sql()).df()
