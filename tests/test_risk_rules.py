"""Threshold rules as data: every rule's cases, the as-of rule, bad rules files refused by key,
and the rules on a generated department against an independent count in pandas."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from custodes.caserules import write_history
from custodes.history import load_history
from custodes.risk.rules import (
    RULE_KINDS,
    ThresholdRule,
    ThresholdRulesError,
    case_rows,
    describe_rule,
    load_rules,
    rule_flags,
)
from custodes.synth import generate_history

AS_OF = dt.date(2020, 6, 30)
RULES = load_rules()
CASES = [
    pytest.param(rule, case, id=f"{rule.id}: {case['name']}")
    for rule in RULES
    for case in rule.cases
]


def _load(folder: Path, rows: tuple[list[Any], list[Any], list[Any]]) -> duckdb.DuckDBPyConnection:
    write_history(folder, *rows)
    con = duckdb.connect()
    load_history(folder, con)
    return con


@pytest.mark.parametrize(("rule", "case"), CASES)
def test_each_rule_matches_its_cases(
    tmp_path: Path, rule: ThresholdRule, case: dict[str, Any]
) -> None:
    con = _load(tmp_path / "h", case_rows(case, AS_OF))
    flagged = rule_flags(con, [rule], AS_OF)[rule.id]
    officer = case.get("officer", "o1")
    assert (officer in flagged) == (case["expect"] == "match"), sorted(flagged)


def test_every_kind_has_a_rule_and_every_rule_cases_both_ways() -> None:
    assert {r.kind for r in RULES} == set(RULE_KINDS)
    for rule in RULES:
        assert {c["expect"] for c in rule.cases} == {"match", "no-match"}, rule.id
        assert rule.source.strip() and rule.rationale.strip()
    defaults = {r.id for r in RULES if r.us_default}
    assert "complaints-3-in-180-days" in defaults
    assert "sexual-any" not in defaults


def test_rules_described_in_words() -> None:
    words = {r.id: describe_rule(r) for r in RULES}
    assert words["complaints-3-in-180-days"] == "3 or more complaints in 180 days"
    assert words["force-4-in-12-months"] == "4 or more force allegations in 12 months"
    assert words["substantiated-2-in-24-months"] == (
        "2 or more substantiated allegations found in 24 months"
    )
    assert words["sexual-any"] == "an allegation of sexual misconduct at any time"
    assert "95th percentile of peers" in words["peer-rate-12-months"]
    assert all("\n" not in text and text for text in words.values())


def _history_with_a_late_record(late: dict[str, Any]) -> dict[str, Any]:
    """Return a case history where o1 is flagged by several rules, plus one record `late`."""
    return {
        "officers": [
            {"ref": "o1", "rank": "police-officer", "unit": "u1"},
            {"ref": "p", "rank": "police-officer", "unit": "u1", "copies": 12},
        ],
        "allegations": [
            {
                "officer": "o1",
                "received_day": -100,
                "group": "force",
                "complaint": "k1",
                "copies": 2,
            },
            {"officer": "o1", "received_day": -50, "group": "sexual"},
            {"officer": "p1", "received_day": -500, "finding": "substantiated", "closed_day": -40},
            late,
        ],
        "events": [{"officer": "p2", "day": -10, "kind": "monitored"}],
    }


@pytest.mark.parametrize(
    "late",
    [
        # an allegation received after as_of: would make o1's third complaint and p3's first
        {"officer": "o1", "received_day": 1, "group": "force"},
        {"officer": "p3", "received_day": 10, "group": "sexual"},
        # a finding known only after as_of: would be p1's second substantiated and dishonesty
        {
            "officer": "p1",
            "received_day": -400,
            "group": "dishonesty",
            "finding": "substantiated",
            "closed_day": 5,
        },
    ],
    ids=["o1-allegation-after", "sexual-after", "finding-known-after"],
)
def test_a_later_record_changes_no_flag_as_of_before_it(
    tmp_path: Path, late: dict[str, Any]
) -> None:
    without = _history_with_a_late_record({"officer": "p4", "received_day": -3000})
    with_late = _history_with_a_late_record(late)
    before = rule_flags(_load(tmp_path / "a", case_rows(without, AS_OF)), RULES, AS_OF)
    after = rule_flags(_load(tmp_path / "b", case_rows(with_late, AS_OF)), RULES, AS_OF)
    assert before == after
    assert before["sexual-any"] == {"o1"} and before["monitored"] == {"p2"}
    # The same late record does count once its day has come.
    later = AS_OF + dt.timedelta(days=30)
    flags_later = rule_flags(_load(tmp_path / "c", case_rows(with_late, AS_OF)), RULES, later)
    assert flags_later != rule_flags(_load(tmp_path / "d", case_rows(without, AS_OF)), RULES, later)


GOOD = """
[[rule]]
id = "r1"
title = "t"
kind = "count"
days = 180
min_count = 3
rationale = "why"
source = "where"
us_default = true
"""


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (("days = 180", "days = 0"), "rule 'r1'.days"),
        (("min_count = 3", "min_count = 2.5"), "rule 'r1'.min_count"),
        (("days = 180\n", ""), "rule 'r1'.days"),
        (('kind = "count"', 'kind = "tally"'), "rule 'r1'.kind"),
        (("us_default = true", 'us_default = "yes"'), "rule 'r1'.us_default"),
        (('source = "where"', 'source = ""'), "rule 'r1'.source"),
        (("days = 180", "days = 180\npercentile = 90"), "rule 'r1'.percentile"),
        (("days = 180", 'days = 180\ngroups = ["sex"]'), "rule 'r1'.groups"),
        (("days = 180", 'days = 180\ncounts = "people"'), "rule 'r1'.counts"),
        (("days = 180", 'days = 180\ndated_by = "finding"'), "rule 'r1'.dated_by"),
        (('id = "r1"', 'id = ""'), "rule #1.id"),
    ],
)
def test_a_bad_rules_file_is_refused_naming_the_key(change: tuple[str, str], key: str) -> None:
    text = GOOD.replace(*change)
    with pytest.raises(ThresholdRulesError, match=re.escape(f"rules.toml: {key}:")):
        load_rules(text)


@pytest.mark.parametrize(
    ("case", "key"),
    [
        ('name = "c"\nexpect = "maybe"', "case #1.expect"),
        ('name = "c"\nexpect = "match"\nofficers = [{ ref = "o1", shoe = 9 }]', "officers #1.shoe"),
        ('name = "c"\nexpect = "match"\nallegations = [{ officer = "o1" }]', "received_day"),
        ('name = "c"\nexpect = "match"\nweather = "rain"', "case #1.weather"),
    ],
)
def test_a_bad_case_is_refused_naming_it(case: str, key: str) -> None:
    text = GOOD + "  [[rule.case]]\n" + case + "\n"
    with pytest.raises(ThresholdRulesError, match=re.escape(key)):
        load_rules(text, file="mine.toml")


def test_other_bad_files() -> None:
    with pytest.raises(ThresholdRulesError, match="not valid TOML"):
        load_rules("[[rule]\n")
    with pytest.raises(ThresholdRulesError, match="at least one"):
        load_rules("")
    with pytest.raises(ThresholdRulesError, match="used twice"):
        load_rules(GOOD + GOOD)
    with pytest.raises(ThresholdRulesError, match="signal: is not a table"):
        load_rules(GOOD + "[signal]\nx = 1\n")


@pytest.fixture(scope="module")
def department(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dept") / "history"
    generate_history(folder, officers=1500, years=12, seed=7, end=dt.date(2020, 12, 31))
    return folder


def test_count_rules_agree_with_pandas_on_a_generated_department(department: Path) -> None:
    con = duckdb.connect()
    load_history(department, con)
    as_of = dt.date(2018, 3, 31)
    flags = rule_flags(con, RULES, as_of)
    officers = pd.read_csv(department / "officers.csv", parse_dates=["appointed_date", "left_date"])
    allegations = pd.read_csv(
        department / "allegations.csv", parse_dates=["received_date", "closed_date"]
    )
    events = pd.read_csv(department / "events.csv", parse_dates=["date"])
    t = pd.Timestamp(as_of)
    first_seen = (
        pd.concat(
            [
                allegations[["officer_ref", "received_date"]].rename(
                    columns={"received_date": "d"}
                ),
                events[["officer_ref", "date"]].rename(columns={"date": "d"}),
            ]
        )
        .groupby("officer_ref")["d"]
        .min()
    )
    start = officers["appointed_date"].fillna(officers["officer_ref"].map(first_seen))
    serving = set(
        officers.loc[
            (start <= t) & (officers["left_date"].isna() | (officers["left_date"] > t)),
            "officer_ref",
        ]
    )

    def counted(
        days: int, least: int, group: str | None = None, complaints: bool = False
    ) -> set[str]:
        a = allegations[
            (allegations["received_date"] <= t)
            & (allegations["received_date"] > t - pd.Timedelta(days=days))
        ]
        if group:
            a = a[a["category_group"] == group]
        per = (
            a.groupby("officer_ref")["complaint_ref"].nunique()
            if complaints
            else a.groupby("officer_ref").size()
        )
        return set(per[per >= least].index) & serving

    assert flags["complaints-3-in-180-days"] == counted(180, 3, complaints=True)
    assert flags["complaints-3-in-12-months"] == counted(365, 3, complaints=True)
    assert flags["force-4-in-12-months"] == counted(365, 4, group="force")
    assert flags["complaints-3-in-12-months"], "the department has officers the rule flags"

    known = allegations["closed_date"].fillna(allegations["received_date"] + pd.Timedelta(days=365))
    known = known.where(allegations["finding"] != "open")
    sustained = (
        allegations[
            (allegations["finding"] == "substantiated")
            & (known <= t)
            & (known > t - pd.Timedelta(days=730))
            & (allegations["received_date"] <= t)
        ]
        .groupby("officer_ref")
        .size()
    )
    assert flags["substantiated-2-in-24-months"] == set(sustained[sustained >= 2].index) & serving
    sexual = allegations[
        (allegations["category_group"] == "sexual") & (allegations["received_date"] <= t)
    ]
    assert flags["sexual-any"] == set(sexual["officer_ref"]) & serving
    assert flags["sexual-any"], "the department has sexual-misconduct allegations by then"
    for rule_id, flagged in flags.items():
        assert flagged <= serving, rule_id


def test_the_docs_list_every_rule_in_its_words() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "risk-rules.md").read_text("utf-8")
    for rule in RULES:
        # The rules table's row (the kinds table above it may start with the same word).
        rows = [line for line in docs.splitlines() if line.startswith(f"| `{rule.id}` |")]
        row = rows[-1] if rows else ""
        assert row, f"docs/risk-rules.md has no row for {rule.id}"
        assert describe_rule(rule).split(" (the same rank")[0] in row, rule.id
        assert row.rstrip(" |").endswith("yes" if rule.us_default else "no"), rule.id
