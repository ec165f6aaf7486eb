"""Read a profile's rules file and a force's own copy of its parameters, refusing anything amiss."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType
from typing import Any

from custodes.caserules.errors import RulesFileError
from custodes.lists import LIST_TYPES

__all__ = [
    "DECISIONS",
    "Category",
    "Condition",
    "ParamChange",
    "Rule",
    "RulesFile",
    "apply_override",
    "read_rules_file",
]


@dataclass(frozen=True)
class _Decision:
    """What a decision's rules may say: their dates, conditions, effects, parameters, cases."""

    dates: frozenset[str]
    when: frozenset[str]
    flags: frozenset[str]
    gives: frozenset[str]
    params: Mapping[str, type]
    required_params: frozenset[str]
    case: frozenset[str]


_TERMS = frozenset({"all", "any", "none"})
_FACTS_CASE = frozenset(
    {
        "kind",
        "categories",
        "indications",
        "complainant_asks_recording",
        "came_to_attention",
        "arose_on",
        "became_clear",
        "due",
    }
)
_FACTS = _Decision(
    dates=frozenset({"came-to-attention", "arose"}),
    when=frozenset({"kinds"}) | _TERMS,
    flags=frozenset({"complainant-asks-recording"}),
    gives=frozenset(),
    params=MappingProxyType({}),
    required_params=frozenset(),
    case=_FACTS_CASE,
)
_OUTCOME_FLAGS = frozenset(
    {
        "final-written-warning-in-force",
        "several-unconnected",
        "exceptional-circumstances",
        "former-officer",
    }
)
#: Each decision a rule can belong to, and what its rules may say.
DECISIONS: Mapping[str, _Decision] = MappingProxyType(
    {
        "recording": _FACTS,
        "schedule-3": _FACTS,
        "referral": _FACTS,
        "local-trigger": _FACTS,
        "voluntary-referral": _FACTS,
        "referral-deadline": replace(
            _FACTS,
            dates=frozenset({"became-clear"}),
            when=frozenset(),
            params=MappingProxyType({"working_days": int}),
            required_params=frozenset({"working_days"}),
        ),
        "severity": _Decision(
            dates=frozenset({"came-to-attention"}),
            when=frozenset({"levels"}) | _TERMS,
            flags=frozenset({"final-written-warning-in-force"}),
            gives=frozenset({"proceedings"}),
            params=MappingProxyType({}),
            required_params=frozenset(),
            case=frozenset(
                {"level", "came_to_attention", "final_written_warning_in_force", "proceedings"}
            ),
        ),
        "accelerated-hearing": _Decision(
            dates=frozenset({"came-to-attention"}),
            when=_TERMS,
            flags=frozenset({"sufficient-written-evidence", "public-interest-to-leave-at-once"}),
            gives=frozenset(),
            params=MappingProxyType({}),
            required_params=frozenset(),
            case=frozenset(
                {
                    "came_to_attention",
                    "sufficient_written_evidence",
                    "public_interest_to_leave_at_once",
                }
            ),
        ),
        "timeliness": _Decision(
            dates=frozenset({"came-to-attention"}),
            when=frozenset(),
            flags=frozenset(),
            gives=frozenset({"recipients"}),
            params=MappingProxyType({"first_months": int, "then_months": int}),
            required_params=frozenset({"first_months", "then_months"}),
            case=frozenset({"came_to_attention", "until", "due"}),
        ),
        "outcome": _Decision(
            dates=frozenset({"came-to-attention", "arose"}),
            when=frozenset({"forums", "findings"}) | _TERMS,
            flags=_OUTCOME_FLAGS,
            gives=frozenset({"open", "restrict", "requires_any", "in_place_of", "condition"}),
            params=MappingProxyType({}),
            required_params=frozenset(),
            case=frozenset(
                {"forum", "finding", "arose_on", "came_to_attention", "open"}
                | {flag.replace("-", "_") for flag in _OUTCOME_FLAGS}
            ),
        ),
        "panel": _Decision(
            dates=frozenset({"held"}),
            when=frozenset(),
            flags=frozenset(),
            gives=frozenset({"members"}),
            params=MappingProxyType({}),
            required_params=frozenset(),
            case=frozenset({"held_on", "members"}),
        ),
        "list-report": _Decision(
            dates=frozenset({"event"}),
            when=frozenset({"events"}) | _TERMS,
            flags=frozenset({"no-proceedings-decided"}),
            gives=frozenset({"list", "action", "fields"}),
            params=MappingProxyType({"working_days": int, "grounds": list}),
            required_params=frozenset(),
            case=frozenset({"event", "on", "no_proceedings_decided", "sustained", "due"}),
        ),
    }
)
# Any rule may carry `enabled`, so that a force can switch it off; statutory rules do not.
_ANY_RULE_PARAMS: Mapping[str, type] = MappingProxyType({"enabled": bool})
_RULE_KEYS = frozenset(
    {
        "id",
        "decision",
        "title",
        "source",
        "url",
        "from",
        "until",
        "judged_by",
        "check",
        "note",
        "when",
        "gives",
        "params",
        "bounds",
        "case",
    }
)
_VOCABULARY = ("kinds", "indications", "levels", "forums", "findings", "outcomes", "events")
# A condition's lists of kinds, forums, … each name one of the matter's values.
_SCALARS = ("kinds", "forums", "findings", "levels", "events")


@dataclass(frozen=True)
class Condition:
    """Say which matters a rule is about: listed kinds (forums, …) and terms present or absent."""

    scalars: Mapping[str, frozenset[str]] = field(default_factory=dict)
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()

    def holds(self, scalars: Mapping[str, str], terms: frozenset[str]) -> bool:
        """Say whether a matter with these scalar values and terms meets the condition."""
        for name, allowed in self.scalars.items():
            if scalars.get(name) not in allowed:
                return False
        if not all(term in terms for term in self.all):
            return False
        if self.any and not any(term in terms for term in self.any):
            return False
        return not any(term in terms for term in self.none)

    def terms(self) -> tuple[str, ...]:
        """Return every term the condition names."""
        return self.all + self.any + self.none


@dataclass(frozen=True)
class ParamChange:
    """Record one parameter a force's own copy changed: the packaged value and its own."""

    rule: str
    param: str
    packaged: Any
    value: Any


@dataclass(frozen=True, eq=False)
class Rule:
    """One rule: what it says, its source, when it is in force, its parameters and cases."""

    id: str
    decision: str
    title: str
    source: str
    url: str | None
    in_force_from: date
    in_force_until: date | None
    judged_by: str
    check: bool
    note: str | None
    when: Condition
    gives: Mapping[str, Any]
    params: Mapping[str, Any]
    bounds: Mapping[str, Mapping[str, int]]
    cases: tuple[Mapping[str, Any], ...]
    changed: tuple[ParamChange, ...] = ()

    def __repr__(self) -> str:
        return f"Rule({self.id!r})"

    def in_force(self, day: date) -> bool:
        """Say whether the rule was in force on `day`."""
        if day < self.in_force_from:
            return False
        return self.in_force_until is None or day <= self.in_force_until

    @property
    def enabled(self) -> bool:
        """Say whether the rule applies at all (a force may switch off a local trigger)."""
        return bool(self.params.get("enabled", True))

    @property
    def citation(self) -> str:
        """Return the rule's source, with its address where one is known."""
        return f"{self.source} <{self.url}>" if self.url else self.source


@dataclass(frozen=True)
class Category:
    """An allegation category: its id, title and the group it belongs to."""

    id: str
    title: str
    group: str


@dataclass(frozen=True)
class RulesFile:
    """Everything a profile's rules file holds, checked."""

    name: str
    title: str
    version: str
    checked: date
    country: str
    subdiv: str | None
    calendar_source: str
    calendar_url: str | None
    vocabulary: Mapping[str, Mapping[str, str]]
    categories: tuple[Category, ...]
    categories_source: str
    categories_url: str | None
    categories_check: bool
    rules: tuple[Rule, ...]


class _Reader:
    """Read values out of a parsed TOML file, naming the file and key in every refusal."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, problem: str) -> RulesFileError:
        """Return the refusal of `key`, for the caller to raise."""
        return RulesFileError(self.file, key, problem)

    def table(self, data: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        """Return a sub-table (empty when absent)."""
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(_join(path, key), "must be a table")
        return value

    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str:
        """Return non-empty text ("" for an optional key that is absent)."""
        value = data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(_join(path, key), "must be non-empty text")
        return value

    def day(self, data: Mapping[str, Any], key: str, path: str) -> date:
        """Return a date."""
        value = data.get(key)
        # A TOML date-time is a datetime, itself a date: only a plain date will do.
        if type(value) is not date:
            raise self.fail(_join(path, key), "must be a date, such as 2020-02-01")
        return value

    def names(self, value: Any, key: str) -> tuple[str, ...]:
        """Return a list of names as a tuple."""
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of names")
        return tuple(value)

    def only(self, data: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
        """Refuse any key but those allowed: a misspelt key must not be silently ignored."""
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.fail(_join(path, unknown[0]), "is not a key this table may have")


def _join(path: str, key: str) -> str:
    """Return the dotted key of `key` within `path`."""
    return f"{path}.{key}" if path else key


def _parse(text: str, file: str) -> dict[str, Any]:
    """Parse TOML, refusing text that is not."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesFileError(file, "", f"not valid TOML: {exc}") from None


def read_rules_file(text: str, file: str) -> RulesFile:
    """Read and check a profile's rules file; `file` names it in every refusal."""
    data = _parse(text, file)
    r = _Reader(file)
    r.only(
        data,
        frozenset({"profile", "calendar", "vocabulary", "categories", "category", "rule"}),
        "",
    )
    profile = r.table(data, "profile", "")
    r.only(profile, frozenset({"name", "title", "version", "checked"}), "profile")
    calendar = r.table(data, "calendar", "")
    r.only(calendar, frozenset({"country", "subdiv", "source", "url"}), "calendar")
    vocabulary = _vocabulary(r, r.table(data, "vocabulary", ""))
    categories_meta = r.table(data, "categories", "")
    r.only(categories_meta, frozenset({"source", "url", "check"}), "categories")
    categories = _categories(r, data.get("category", []))
    terms = _known_terms(r, vocabulary, categories)
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        raise r.fail("rule", "the file must define its rules as [[rule]] tables")
    rules = tuple(
        _rule(r, raw, i, vocabulary, categories, terms) for i, raw in enumerate(raw_rules)
    )
    ids = [rule.id for rule in rules]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise r.fail(f"rule.{repeated[0]}", "is defined twice")
    _refuse_cycles(r, rules)
    return RulesFile(
        name=r.text(profile, "name", "profile"),
        title=r.text(profile, "title", "profile"),
        version=r.text(profile, "version", "profile"),
        checked=r.day(profile, "checked", "profile"),
        country=r.text(calendar, "country", "calendar"),
        subdiv=r.text(calendar, "subdiv", "calendar", required=False) or None,
        calendar_source=r.text(calendar, "source", "calendar"),
        calendar_url=r.text(calendar, "url", "calendar", required=False) or None,
        vocabulary=vocabulary,
        categories=categories,
        categories_source=r.text(categories_meta, "source", "categories"),
        categories_url=r.text(categories_meta, "url", "categories", required=False) or None,
        categories_check=categories_meta.get("check", False) is True,
        rules=rules,
    )


def _vocabulary(r: _Reader, raw: Mapping[str, Any]) -> Mapping[str, Mapping[str, str]]:
    """Read the profile's terms and their words: kinds, indications, forums, …"""
    r.only(raw, frozenset(_VOCABULARY), "vocabulary")
    out: dict[str, Mapping[str, str]] = {}
    for group in _VOCABULARY:
        table = r.table(raw, group, "vocabulary")
        for term in table:
            r.text(table, term, f"vocabulary.{group}")
        out[group] = MappingProxyType(dict(table))
    return MappingProxyType(out)


def _categories(r: _Reader, raw: Any) -> tuple[Category, ...]:
    """Read the allegation categories."""
    if not isinstance(raw, list) or not raw:
        raise r.fail("category", "the file must list its allegation categories as [[category]]")
    out = []
    for i, item in enumerate(raw):
        path = f"category[{i}]"
        if not isinstance(item, dict):
            raise r.fail(path, "must be a table")
        r.only(item, frozenset({"id", "title", "group"}), path)
        out.append(
            Category(
                id=r.text(item, "id", path),
                title=r.text(item, "title", path),
                group=r.text(item, "group", path),
            )
        )
    ids = [c.id for c in out]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise r.fail(f"category.{repeated[0]}", "is listed twice")
    return tuple(out)


def _known_terms(
    r: _Reader, vocabulary: Mapping[str, Mapping[str, str]], categories: tuple[Category, ...]
) -> frozenset[str]:
    """Return the terms a condition may name: indications and categories, never both at once."""
    indications = set(vocabulary["indications"])
    both = sorted(indications & {c.id for c in categories})
    if both:
        raise r.fail(f"vocabulary.indications.{both[0]}", "is also a category's id")
    return frozenset(indications | {c.id for c in categories})


def _rule(
    r: _Reader,
    raw: Any,
    index: int,
    vocabulary: Mapping[str, Mapping[str, str]],
    categories: tuple[Category, ...],
    terms: frozenset[str],
) -> Rule:
    """Read and check one [[rule]]."""
    if not isinstance(raw, dict):
        raise r.fail(f"rule[{index}]", "must be a table")
    rule_id = r.text(raw, "id", f"rule[{index}]")
    path = f"rule.{rule_id}"
    r.only(raw, _RULE_KEYS, path)
    decision_name = r.text(raw, "decision", path)
    decision = DECISIONS.get(decision_name)
    if decision is None:
        raise r.fail(f"{path}.decision", f"{decision_name!r} is not one of {sorted(DECISIONS)}")
    judged_by = r.text(raw, "judged_by", path)
    if judged_by not in decision.dates:
        raise r.fail(
            f"{path}.judged_by",
            f"a {decision_name} rule is judged by one of {sorted(decision.dates)}",
        )
    start = r.day(raw, "from", path)
    until = r.day(raw, "until", path) if "until" in raw else None
    if until is not None and until < start:
        raise r.fail(f"{path}.until", f"{until} is before it took effect ({start})")
    check = raw.get("check", False)
    if not isinstance(check, bool):
        raise r.fail(f"{path}.check", "must be true or false")
    when = _condition(r, r.table(raw, "when", path), f"{path}.when", decision, vocabulary, terms)
    gives = _gives(r, r.table(raw, "gives", path), f"{path}.gives", decision, vocabulary)
    params = dict(r.table(raw, "params", path))
    allowed = {**decision.params, **_ANY_RULE_PARAMS}
    for name, value in params.items():
        _check_param(r, f"{path}.params.{name}", allowed.get(name), value, categories)
    missing = sorted(decision.required_params - set(params))
    if missing:
        raise r.fail(f"{path}.params", f"needs {', '.join(missing)}")
    bounds = _bounds(r, r.table(raw, "bounds", path), f"{path}.bounds", params)
    cases = raw.get("case", [])
    if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
        raise r.fail(f"{path}.case", "must be [[rule.case]] tables")
    for i, case in enumerate(cases):
        _check_case(r, case, f"{path}.case[{i}]", decision)
    if {case["expect"] for case in cases} != {"match", "no-match"}:
        raise r.fail(f"{path}.case", "needs at least one match and one no-match case")
    return Rule(
        id=rule_id,
        decision=decision_name,
        title=r.text(raw, "title", path),
        source=r.text(raw, "source", path),
        url=r.text(raw, "url", path, required=False) or None,
        in_force_from=start,
        in_force_until=until,
        judged_by=judged_by,
        check=check,
        note=r.text(raw, "note", path, required=False) or None,
        when=when,
        gives=MappingProxyType(gives),
        params=MappingProxyType(params),
        bounds=MappingProxyType(bounds),
        cases=tuple(MappingProxyType(c) for c in cases),
    )


def _condition(
    r: _Reader,
    raw: Mapping[str, Any],
    path: str,
    decision: _Decision,
    vocabulary: Mapping[str, Mapping[str, str]],
    terms: frozenset[str],
) -> Condition:
    """Read a rule's `when`, refusing terms and values the profile does not know."""
    r.only(raw, decision.when, path)
    scalars: dict[str, frozenset[str]] = {}
    for key in _SCALARS:
        if key in raw:
            names = r.names(raw[key], f"{path}.{key}")
            unknown = [n for n in names if n not in vocabulary[key]]
            if unknown:
                raise r.fail(f"{path}.{key}", f"{unknown[0]!r} is not in vocabulary.{key}")
            scalars[key.removesuffix("s")] = frozenset(names)
    known = terms | decision.flags | {f"decision:{name}" for name in DECISIONS}
    found: dict[str, tuple[str, ...]] = {}
    for key in ("all", "any", "none"):
        names = r.names(raw.get(key, []), f"{path}.{key}")
        unknown = [n for n in names if n not in known]
        if unknown:
            raise r.fail(
                f"{path}.{key}",
                f"{unknown[0]!r} is not an indication, a category, a decision or one of "
                f"this decision's questions ({', '.join(sorted(decision.flags)) or 'none'})",
            )
        found[key] = names
    return Condition(
        scalars=MappingProxyType(scalars), all=found["all"], any=found["any"], none=found["none"]
    )


def _gives(
    r: _Reader,
    raw: Mapping[str, Any],
    path: str,
    decision: _Decision,
    vocabulary: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """Read what a rule gives when it applies, checked against the vocabulary."""
    r.only(raw, decision.gives, path)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{path}.{key}"
        if key in ("open", "restrict", "in_place_of"):
            names = r.names(value, where)
            unknown = [n for n in names if n not in vocabulary["outcomes"]]
            if unknown:
                raise r.fail(where, f"{unknown[0]!r} is not in vocabulary.outcomes")
            out[key] = names
        elif key == "requires_any":
            names = r.names(value, where)
            unknown = [n for n in names if n not in decision.flags]
            if unknown:
                raise r.fail(where, f"{unknown[0]!r} is not one of {sorted(decision.flags)}")
            out[key] = names
        elif key == "proceedings":
            names = r.names(value, where)
            unknown = [n for n in names if n not in vocabulary["forums"]]
            if unknown:
                raise r.fail(where, f"{unknown[0]!r} is not in vocabulary.forums")
            out[key] = names
        elif key in ("members", "recipients", "fields"):
            out[key] = r.names(value, where)
        elif key == "list":
            if value not in LIST_TYPES:
                raise r.fail(where, f"{value!r} is not a registry list type {LIST_TYPES}")
            out[key] = value
        elif key == "action":
            if value not in ("add", "remove"):
                raise r.fail(where, "must be 'add' or 'remove'")
            out[key] = value
        else:  # condition
            out[key] = r.text(raw, key, path)
    if ("requires_any" in out or "restrict" in out or "in_place_of" in out) and not out.get(
        "condition"
    ):
        raise r.fail(f"{path}.condition", "must say, in words, when the outcomes are open")
    if "restrict" in out and "requires_any" not in out:
        raise r.fail(f"{path}.requires_any", "a restriction must say what lifts it")
    if decision.gives >= {"list", "action"} and not {"list", "action"} <= set(out):
        raise r.fail(path, "a list report needs its list and its action")
    return out


def _check_param(
    r: _Reader, key: str, kind: type | None, value: Any, categories: tuple[Category, ...]
) -> None:
    """Refuse a parameter that is unknown or of the wrong type."""
    if kind is None:
        raise r.fail(key, "is not a parameter of this rule")
    if kind is list:
        names = r.names(value, key)
        unknown = [n for n in names if n not in {c.id for c in categories}]
        if unknown:
            raise r.fail(key, f"{unknown[0]!r} is not an allegation category")
    elif type(value) is not kind:  # bool is an int in Python; neither stands for the other
        raise r.fail(key, f"must be {'true or false' if kind is bool else 'a whole number'}")


def _bounds(
    r: _Reader, raw: Mapping[str, Any], path: str, params: Mapping[str, Any]
) -> dict[str, Mapping[str, int]]:
    """Read the bounds a force's value must keep within, and hold the packaged value to them."""
    out: dict[str, Mapping[str, int]] = {}
    for name, limits in raw.items():
        where = f"{path}.{name}"
        if name not in params or type(params[name]) is not int:
            raise r.fail(where, "bounds only a whole-number parameter of this rule")
        if not isinstance(limits, dict):
            raise r.fail(where, "must be a table with min and max")
        r.only(limits, frozenset({"min", "max"}), where)
        for end, limit in limits.items():
            if type(limit) is not int:
                raise r.fail(f"{where}.{end}", "must be a whole number")
        out[name] = MappingProxyType(dict(limits))
        _within(r, f"{path.rsplit('.', 1)[0]}.params.{name}", params[name], out[name])
    for name, value in params.items():
        if type(value) is int and name not in out and value < 0:
            raise r.fail(f"{path.rsplit('.', 1)[0]}.params.{name}", "must not be negative")
    return out


def _within(r: _Reader, key: str, value: int, limits: Mapping[str, int]) -> None:
    """Refuse a value outside its bounds."""
    low, high = limits.get("min"), limits.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"{'' if low is None else low}–{'' if high is None else high}"
        raise r.fail(key, f"{value} is outside what the law allows here ({span})")


def _check_case(r: _Reader, case: Mapping[str, Any], path: str, decision: _Decision) -> None:
    """Refuse a case with a key its decision does not read, so that no typo passes unseen."""
    r.only(case, decision.case | {"name", "expect"}, path)
    r.text(case, "name", path)
    if case.get("expect") not in ("match", "no-match"):
        raise r.fail(f"{path}.expect", "must be 'match' or 'no-match'")


def _refuse_cycles(r: _Reader, rules: tuple[Rule, ...]) -> None:
    """Refuse decisions that depend on each other in a circle (recording → referral → …)."""
    needs: dict[str, set[str]] = {}
    present = {rule.decision for rule in rules}
    for rule in rules:
        for term in rule.when.terms():
            if term.startswith("decision:"):
                other = term.removeprefix("decision:")
                if other not in present:
                    raise r.fail(f"rule.{rule.id}.when", f"no rule of this file decides {other!r}")
                needs.setdefault(rule.decision, set()).add(other)

    def visit(decision: str, trail: tuple[str, ...]) -> None:
        if decision in trail:
            raise r.fail("rule", f"decisions depend on each other: {' → '.join(trail)}")
        for other in sorted(needs.get(decision, ())):
            visit(other, (*trail, decision))

    for decision in sorted(needs):
        visit(decision, ())


def apply_override(rules_file: RulesFile, text: str, file: str) -> tuple[RulesFile, str | None]:
    """Apply a force's own copy of the parameters; return the rules and the force's name.

    The copy names the profile it changes, and under `[rules.<rule id>]` the parameters it
    sets; `[calendar] subdiv` may name the subdivision whose holidays it keeps. Anything else,
    an unknown rule or parameter, a value of the wrong type or outside the rule's bounds, is
    refused, naming `file` and the key.
    """
    data = _parse(text, file)
    r = _Reader(file)
    r.only(data, frozenset({"profile", "force", "rules", "calendar"}), "")
    named = r.text(data, "profile", "")
    if named != rules_file.name:
        raise r.fail("profile", f"this copy is for {named!r}, not {rules_file.name!r}")
    force = r.text(data, "force", "", required=False) or None
    calendar = r.table(data, "calendar", "")
    r.only(calendar, frozenset({"subdiv"}), "calendar")
    subdiv = rules_file.subdiv
    if "subdiv" in calendar:
        subdiv = r.text(calendar, "subdiv", "calendar")
    by_id = {rule.id: rule for rule in rules_file.rules}
    changes = r.table(data, "rules", "")
    replaced: dict[str, Rule] = {}
    for rule_id, params in changes.items():
        key = f"rules.{rule_id}"
        rule = by_id.get(rule_id)
        if rule is None:
            raise r.fail(key, f"no rule of {rules_file.name} has this id")
        if not isinstance(params, dict) or not params:
            raise r.fail(key, "must be a table of the rule's parameters")
        merged = dict(rule.params)
        changed = []
        for name, value in params.items():
            where = f"{key}.{name}"
            if name not in rule.params:
                offered = ", ".join(sorted(rule.params)) or "none"
                raise r.fail(where, f"is not a parameter of this rule (it has: {offered})")
            kind = type(rule.params[name])
            _check_param(r, where, kind, value, rules_file.categories)
            if kind is int:
                if value < 0:
                    raise r.fail(where, "must not be negative")
                if name in rule.bounds:
                    _within(r, where, value, rule.bounds[name])
            if value != rule.params[name]:
                changed.append(ParamChange(rule_id, name, rule.params[name], value))
            merged[name] = value
        replaced[rule_id] = replace(rule, params=MappingProxyType(merged), changed=tuple(changed))
    rules = tuple(replaced.get(rule.id, rule) for rule in rules_file.rules)
    return replace(rules_file, rules=rules, subdiv=subdiv), force
