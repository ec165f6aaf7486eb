"""Early intervention's threshold rules, as data (rules.toml): what each flags, why, and its cases.

Each rule is read from the packaged `rules.toml` (or a force's own copy) and run over a DuckDB
connection that `custodes.history.load_history` has loaded with the tables `officers`,
`allegations` and `events`. Every rule keeps the as-of rule: at a date T it sees only
allegations received by T, findings known by T (`finding_known_on <= T`) and events dated by
T, and it flags only officers serving at T (`custodes.history.serving_sql`).
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, Literal

import duckdb

from custodes.caserules import CATEGORY_GROUPS, FINDINGS
from custodes.errors import EngineError
from custodes.history import serving_sql
from custodes.risk.errors import RiskError

__all__ = [
    "RULES_FILE",
    "RULE_KINDS",
    "ThresholdRule",
    "ThresholdRulesError",
    "case_rows",
    "describe_rule",
    "load_rules",
    "rule_flags",
    "rule_sql",
]

RULES_FILE = "rules.toml"
RULE_KINDS = (
    "count",
    "peer-rate",
    "monitored",
    "sexual",
    "dishonesty-sustained",
    "custodes-signal",
)
Kind = Literal[
    "count", "peer-rate", "monitored", "sexual", "dishonesty-sustained", "custodes-signal"
]
CUSTODES_SIGNALS = ("access-audit-alert", "registry-match", "vetting-change")

# The keys every rule has, and the parameters each kind may set (with whether it must).
_COMMON = ("id", "title", "kind", "rationale", "source", "us_default", "case")
_PARAMS: Mapping[str, Mapping[str, bool]] = {
    "count": {
        "days": True,
        "min_count": True,
        "groups": False,
        "findings": False,
        "counts": False,
        "dated_by": False,
    },
    "peer-rate": {
        "percentile": True,
        "min_peers": True,
        "days": False,
        "groups": False,
        "min_count": False,
    },
    "monitored": {"kinds": False, "end_kinds": False},
    "sexual": {"days": False},
    "dishonesty-sustained": {"days": False},
    "custodes-signal": {"days": True, "kinds": False},
}


class ThresholdRulesError(RiskError):
    """A threshold rules file is refused; names the file and the key at fault."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        where = f"{file}: {key}: " if key else f"{file}: "
        super().__init__(where + problem)
        self.file = file
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class ThresholdRule:
    """One threshold rule: what it flags, with its parameters filled in for its kind.

    `days` is the look-back window ending at the as-of date (None: any time); `groups` and
    `findings` narrow the allegations counted (empty: all); `counts` is "allegations" or
    "complaints" (distinct complaint_ref); `dated_by` is "received" (the window holds the
    received date) or "finding" (it holds the day the finding was known). `kinds` and
    `end_kinds` are event kinds (a start and what ends it, for "monitored").
    """

    id: str
    title: str
    kind: Kind
    rationale: str
    source: str
    us_default: bool
    days: int | None = None
    min_count: int = 1
    groups: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    counts: Literal["allegations", "complaints"] = "allegations"
    dated_by: Literal["received", "finding"] = "received"
    percentile: float = 0.0
    min_peers: int = 0
    kinds: tuple[str, ...] = ()
    end_kinds: tuple[str, ...] = ()
    cases: tuple[dict[str, Any], ...] = field(default=(), compare=False, repr=False)


def load_rules(text: str | None = None, *, file: str = RULES_FILE) -> tuple[ThresholdRule, ...]:
    """Read and check threshold rules (the packaged rules.toml unless `text` is given)."""
    if text is None:
        text = files("custodes.risk").joinpath(RULES_FILE).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThresholdRulesError(file, "", f"is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"rule"})
    if unknown:
        raise ThresholdRulesError(file, unknown[0], "is not a table of a threshold rules file")
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ThresholdRulesError(file, "rule", "there must be at least one [[rule]]")
    rules = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_rules, start=1):
        rule = _rule(raw, file, i)
        if rule.id in seen:
            raise ThresholdRulesError(file, f"rule {rule.id!r}", "the id is used twice")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def _rule(raw: dict[str, Any], file: str, number: int) -> ThresholdRule:
    """Read one [[rule]] table, refusing (by the rule's id, or its place) any bad key."""
    rule_id = raw.get("id")
    where = f"rule {rule_id!r}" if isinstance(rule_id, str) and rule_id else f"rule #{number}"

    def refuse(key: str, problem: str) -> ThresholdRulesError:
        return ThresholdRulesError(file, f"{where}.{key}", problem)

    for key in ("id", "title", "rationale", "source"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise refuse(key, "must be given as text")
    if not isinstance(raw.get("us_default"), bool):
        raise refuse("us_default", "must be true or false")
    kind = raw.get("kind")
    if kind not in RULE_KINDS:
        raise refuse("kind", f"{kind!r} is not one of: {', '.join(RULE_KINDS)}")
    allowed = _PARAMS[kind]
    for key in raw:
        if key not in _COMMON and key not in allowed:
            raise refuse(key, f"is not a parameter of a {kind} rule")
    for key, required in allowed.items():
        if required and key not in raw:
            raise refuse(key, f"a {kind} rule must set it")
    days = _whole(raw, "days", refuse, least=1) if "days" in raw else None
    values: dict[str, Any] = {"days": days}
    if kind == "count":
        values |= {
            "min_count": _whole(raw, "min_count", refuse, least=1),
            "groups": _words(raw, "groups", CATEGORY_GROUPS, refuse),
            "findings": _words(raw, "findings", FINDINGS, refuse),
            "counts": _choice(raw, "counts", ("allegations", "complaints"), refuse),
            "dated_by": _choice(raw, "dated_by", ("received", "finding"), refuse),
        }
        if values["dated_by"] == "finding" and not values["findings"]:
            raise refuse("dated_by", '"finding" needs the findings counted')
    elif kind == "peer-rate":
        percentile = raw["percentile"]
        if (
            isinstance(percentile, bool)
            or not isinstance(percentile, int | float)
            or not math.isfinite(percentile)
            or not 0 <= percentile < 100
        ):
            raise refuse("percentile", f"{percentile!r} is not a number in [0, 100)")
        values |= {
            "percentile": float(percentile),
            "min_peers": _whole(raw, "min_peers", refuse, least=1),
            "groups": _words(raw, "groups", CATEGORY_GROUPS, refuse),
            "min_count": _whole(raw, "min_count", refuse, least=1) if "min_count" in raw else 1,
        }
    elif kind == "monitored":
        values |= {
            "kinds": _words(raw, "kinds", None, refuse) or ("monitored", "intervention"),
            "end_kinds": _words(raw, "end_kinds", None, refuse)
            or ("monitoring-ended", "intervention-ended"),
        }
    elif kind == "sexual":
        values |= {"groups": ("sexual",)}
    elif kind == "dishonesty-sustained":
        values |= {
            "groups": ("dishonesty",),
            "findings": ("substantiated",),
            "dated_by": "finding",
        }
    else:
        values |= {"kinds": _words(raw, "kinds", None, refuse) or CUSTODES_SIGNALS}
    cases = raw.get("case", [])
    if not isinstance(cases, list):
        raise refuse("case", "must be a list of [[rule.case]] tables")
    for i, case in enumerate(cases, start=1):
        _check_case(case, f"{where}.case #{i}", file)
    return ThresholdRule(
        id=raw["id"],
        title=raw["title"],
        kind=kind,
        rationale=raw["rationale"],
        source=raw["source"],
        us_default=raw["us_default"],
        cases=tuple(cases),
        **values,
    )


def _whole(raw: Mapping[str, Any], key: str, refuse: Any, *, least: int) -> int:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise refuse(key, f"{value!r} is not a whole number of at least {least}")
    return value


def _words(
    raw: Mapping[str, Any], key: str, allowed: Sequence[str] | None, refuse: Any
) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise refuse(key, "must be a list of text values")
    if allowed is not None:
        wrong = [v for v in value if v not in allowed]
        if wrong:
            raise refuse(key, f"{wrong[0]!r} is not one of: {', '.join(allowed)}")
    return tuple(value)


def _choice(raw: Mapping[str, Any], key: str, allowed: Sequence[str], refuse: Any) -> Any:
    value = raw.get(key, allowed[0])
    if value not in allowed:
        raise refuse(key, f"{value!r} is not one of: {', '.join(allowed)}")
    return value


# -- cases: tiny histories written in the rules file ---------------------------------------------

_CASE_KEYS = {"name", "expect", "officer", "as_of", "officers", "allegations", "events"}
_ROW_KEYS = {
    "officers": {"ref", "rank", "unit", "appointed_day", "left_day", "copies"},
    "allegations": {
        "officer",
        "received_day",
        "group",
        "finding",
        "closed_day",
        "complaint",
        "copies",
    },
    "events": {"officer", "day", "kind"},
}
_ROW_NEEDS = {
    "officers": ("ref",),
    "allegations": ("officer", "received_day"),
    "events": (
        "officer",
        "day",
        "kind",
    ),
}


def _check_case(case: Any, where: str, file: str) -> None:
    """Refuse a case whose keys or rows the case writer would not understand."""
    if not isinstance(case, dict):
        raise ThresholdRulesError(file, where, "must be a table")
    unknown = sorted(set(case) - _CASE_KEYS)
    if unknown:
        raise ThresholdRulesError(file, f"{where}.{unknown[0]}", "is not a key of a case")
    if not isinstance(case.get("name"), str):
        raise ThresholdRulesError(file, f"{where}.name", "must be given as text")
    if case.get("expect") not in ("match", "no-match"):
        raise ThresholdRulesError(file, f"{where}.expect", 'must be "match" or "no-match"')
    for table, keys in _ROW_KEYS.items():
        rows = case.get(table, [])
        if not isinstance(rows, list):
            raise ThresholdRulesError(file, f"{where}.{table}", "must be a list of tables")
        for j, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise ThresholdRulesError(file, f"{where}.{table} #{j}", "must be a table")
            bad = sorted(set(row) - keys)
            if bad:
                raise ThresholdRulesError(
                    file, f"{where}.{table} #{j}.{bad[0]}", f"is not a key of {table} in a case"
                )
            missing = [k for k in _ROW_NEEDS[table] if k not in row]
            if missing:
                raise ThresholdRulesError(
                    file, f"{where}.{table} #{j}.{missing[0]}", "must be given"
                )


def case_rows(
    case: Mapping[str, Any], as_of: dt.date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Return a rule case's officers, allegations and events as history rows, days from `as_of`.

    `copies = n` on an officer makes officers ref1..refn; on an allegation, n allegations.
    An officer is appointed ten years before `as_of` unless the case says otherwise.
    """

    def day(offset: int | None) -> dt.date | None:
        return None if offset is None else as_of + dt.timedelta(days=offset)

    officers: list[dict[str, Any]] = []
    for row in case.get("officers", []):
        copies = row.get("copies")
        refs = (
            [row["ref"]] if copies is None else [f"{row['ref']}{i}" for i in range(1, copies + 1)]
        )
        for ref in refs:
            officers.append(
                {
                    "officer_ref": ref,
                    "agency": "case",
                    "rank": row.get("rank"),
                    "unit": row.get("unit"),
                    "appointed_date": day(row.get("appointed_day", -3650)),
                    "left_date": day(row.get("left_day")),
                    "left_reason": "resigned" if "left_day" in row else None,
                }
            )
    allegations: list[dict[str, Any]] = []
    for row in case.get("allegations", []):
        for _ in range(row.get("copies", 1)):
            n = len(allegations) + 1
            group = row.get("group", "other")
            allegations.append(
                {
                    "allegation_ref": f"a{n}",
                    "complaint_ref": row.get("complaint", f"c{n}"),
                    "officer_ref": row["officer"],
                    "received_date": day(row["received_day"]),
                    "closed_date": day(row.get("closed_day")),
                    "category": group,
                    "category_group": group,
                    "finding": row.get("finding", "open"),
                }
            )
    events = [
        {"officer_ref": row["officer"], "date": day(row["day"]), "kind": row["kind"]}
        for row in case.get("events", [])
    ]
    return officers, allegations, events


# -- the SQL -------------------------------------------------------------------------------------


def _allegations_sql(rule: ThresholdRule, *, windowed: bool) -> str:
    """Return a SELECT of the allegations a rule counts as of `$as_of` (the as-of rule kept)."""
    conditions = ["received_date <= $as_of"]
    if rule.findings:
        conditions += ["finding_known_on <= $as_of", "list_contains($findings, finding)"]
    if rule.groups:
        conditions.append("list_contains($groups, category_group)")
    if windowed and rule.days is not None:
        dated = "finding_known_on" if rule.dated_by == "finding" else "received_date"
        conditions.append(f"{dated} > CAST($as_of AS DATE) - CAST($days AS INTEGER)")
    where = " AND ".join(conditions)
    return f"SELECT officer_ref, complaint_ref FROM allegations WHERE {where}"  # noqa: S608


def count_sql(rule: ThresholdRule) -> str:
    """Return a SELECT of the officers with at least `$min_count` of the rule's allegations."""
    counted = "count(DISTINCT complaint_ref)" if rule.counts == "complaints" else "count(*)"
    return f"""
        SELECT officer_ref FROM ({_allegations_sql(rule, windowed=True)})
        GROUP BY officer_ref
        HAVING {counted} >= $min_count
    """  # noqa: S608


def peer_rate_sql(rule: ThresholdRule) -> str:
    """Return a SELECT of the serving officers whose allegation rate is above the rule's
    percentile among their peers (same rank and unit; the same rank, or everyone serving,
    where that group is smaller than `$min_peers`)."""
    if rule.days is None:
        # Per year of service; under a year counts as a year, so a new officer's one
        # allegation is not read as a high yearly rate.
        rate = "n / greatest(date_diff('day', started, $as_of) / 365.25, 1.0)"
    else:
        rate = "n * 365.25 / $days"
    return f"""
        WITH serving AS ({serving_sql()}),
        started AS (
            SELECT officer_ref, min(day) AS first_seen FROM (
                SELECT officer_ref, received_date AS day FROM allegations
                WHERE received_date <= $as_of
                UNION ALL
                SELECT officer_ref, date AS day FROM events WHERE date <= $as_of
            ) GROUP BY officer_ref
        ),
        counted AS (
            SELECT officer_ref, count(*) AS n FROM ({_allegations_sql(rule, windowed=True)})
            GROUP BY officer_ref
        ),
        rates AS (
            SELECT s.officer_ref, o.rank, o.unit, coalesce(c.n, 0) AS n,
                   coalesce(o.appointed_date, f.first_seen) AS started
            FROM serving s
            JOIN officers o USING (officer_ref)
            LEFT JOIN started f USING (officer_ref)
            LEFT JOIN counted c USING (officer_ref)
        ),
        rated AS (SELECT *, {rate} AS rate FROM rates),
        unit_peers AS (
            SELECT rank, unit, count(*) AS size, quantile_cont(rate, $fraction) AS bar
            FROM rated WHERE rank IS NOT NULL AND unit IS NOT NULL GROUP BY rank, unit
        ),
        rank_peers AS (
            SELECT rank, count(*) AS size, quantile_cont(rate, $fraction) AS bar
            FROM rated WHERE rank IS NOT NULL GROUP BY rank
        ),
        all_peers AS (SELECT quantile_cont(rate, $fraction) AS bar FROM rated)
        SELECT r.officer_ref
        FROM rated r
        LEFT JOIN unit_peers u ON u.rank = r.rank AND u.unit = r.unit
        LEFT JOIN rank_peers k ON k.rank = r.rank
        CROSS JOIN all_peers a
        WHERE r.n >= $min_count
          AND r.rate > CASE
                WHEN u.size >= $min_peers THEN u.bar
                WHEN k.size >= $min_peers THEN k.bar
                ELSE a.bar
              END
    """  # noqa: S608


def monitored_sql() -> str:
    """Return a SELECT of the officers with a monitoring start dated by `$as_of` that no end
    dated on or after it (and by `$as_of`) closes."""
    return """
        SELECT DISTINCT s.officer_ref
        FROM events s
        WHERE list_contains($kinds, s.kind) AND s.date <= $as_of
          AND NOT EXISTS (
            SELECT 1 FROM events e
            WHERE e.officer_ref = s.officer_ref AND list_contains($end_kinds, e.kind)
              AND e.date >= s.date AND e.date <= $as_of
          )
    """


def signal_sql() -> str:
    """Return a SELECT of the officers with an event of `$kinds` in the `$days` up to `$as_of`."""
    return """
        SELECT DISTINCT officer_ref FROM events
        WHERE list_contains($kinds, kind) AND date <= $as_of
          AND date > CAST($as_of AS DATE) - CAST($days AS INTEGER)
    """


def rule_sql(rule: ThresholdRule) -> tuple[str, dict[str, Any]]:
    """Return a SELECT of the officer_refs `rule` flags among those serving at `$as_of`, and
    the values it binds (all but `as_of`)."""
    if rule.kind == "peer-rate":
        flagged = peer_rate_sql(rule)
    elif rule.kind == "monitored":
        flagged = monitored_sql()
    elif rule.kind == "custodes-signal":
        flagged = signal_sql()
    else:
        flagged = count_sql(rule)
    sql = f"""
        SELECT DISTINCT f.officer_ref
        FROM ({flagged}) f
        JOIN ({serving_sql()}) s USING (officer_ref)
    """  # noqa: S608
    names = {
        "days": rule.days,
        "min_count": rule.min_count,
        "groups": list(rule.groups),
        "findings": list(rule.findings),
        "fraction": rule.percentile / 100,
        "min_peers": rule.min_peers,
        "kinds": list(rule.kinds),
        "end_kinds": list(rule.end_kinds),
    }
    params = {name: value for name, value in names.items() if f"${name}" in sql}
    return sql, params


def rule_flags(
    con: duckdb.DuckDBPyConnection, rules: Iterable[ThresholdRule], as_of: dt.date
) -> dict[str, set[str]]:
    """Return, for each rule's id, the officer_refs it flags among those serving at `as_of`."""
    flags: dict[str, set[str]] = {}
    for rule in rules:
        sql, params = rule_sql(rule)
        try:
            rows = con.execute(sql, {**params, "as_of": as_of}).fetchall()
        except duckdb.Error as exc:
            raise EngineError(f"threshold rule {rule.id!r} failed: {exc}", sql) from None
        flags[rule.id] = {str(row[0]) for row in rows}
    return flags


# -- in words ------------------------------------------------------------------------------------


def _period(days: int | None) -> str:
    if days is None:
        return "at any time"
    if days % 365 == 0:
        years = days // 365
        return "in 12 months" if years == 1 else f"in {years * 12} months"
    return f"in {days} days"


def _allegations(rule: ThresholdRule, many: bool) -> str:
    noun = "complaint" if rule.counts == "complaints" else "allegation"
    noun += "s" if many else ""
    if rule.findings:
        noun = f"{' or '.join(rule.findings)} {noun}"
    if rule.groups:
        noun = f"{' or '.join(rule.groups)} {noun}"
    return noun


def describe_rule(rule: ThresholdRule) -> str:
    """Return what `rule` flags, in one line of words (for a flagged officer's reasons)."""
    if rule.kind == "count":
        text = f"{rule.min_count} or more {_allegations(rule, rule.min_count > 1)}"
        if rule.dated_by == "finding":
            return f"{text} found {_period(rule.days)}"
        return f"{text} {_period(rule.days)}"
    if rule.kind == "peer-rate":
        what = _allegations(rule, True)
        per = "per year of service" if rule.days is None else _period(rule.days)
        return (
            f"{what} {per} above the {_ordinal(rule.percentile)} percentile of peers of the "
            f"same rank and unit (the same rank where fewer than {rule.min_peers})"
        )
    if rule.kind == "monitored":
        return f"an open {' or '.join(rule.kinds)} record, not yet ended"
    if rule.kind == "sexual":
        return f"an allegation of sexual misconduct {_period(rule.days)}"
    if rule.kind == "dishonesty-sustained":
        return f"a substantiated finding of dishonesty {_period(rule.days)}"
    return f"{_listed([k.replace('-', ' ') for k in rule.kinds])} {_period(rule.days)}"


def _listed(words: Sequence[str]) -> str:
    """Return "an a, b or c" for a list of things."""
    text = words[-1] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
    return ("an " if text[:1] in "aeiou" else "a ") + text


def _ordinal(percentile: float) -> str:
    number = f"{percentile:g}"
    if number.endswith(("11", "12", "13")) or "." in number:
        return f"{number}th"
    return number + {"1": "st", "2": "nd", "3": "rd"}.get(number[-1], "th")
