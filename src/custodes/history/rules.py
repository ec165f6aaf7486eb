"""Mapping rules as data: a source's words to the officer-history format's groups, by ordered
regular expressions read from a TOML file (such as the packaged `ccrb.toml`)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from custodes.caserules import CATEGORY_GROUPS, FINDINGS, OUTCOME_GROUPS, HistoryError

__all__ = ["MappingRules", "Rule", "load_rules", "packaged_rules"]

# What each list of rules maps to, and the key naming the target in a rule.
_TABLES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "category_group": ("group", CATEGORY_GROUPS),
    "finding": ("finding", FINDINGS),
    "left": ("group", OUTCOME_GROUPS),
    # An empty group is an outcome not decided yet: the row's outcome_group stays empty.
    "outcome_group": ("group", (*OUTCOME_GROUPS, "")),
}
# A penalty of several parts: "Suspen. days: 20 + Vacation days: 15", "CD A / Instructions".
_PARTS = re.compile(r" \+ | / ")


@dataclass(frozen=True)
class Rule:
    """One rule: the values its pattern finds map to `target`."""

    pattern: re.Pattern[str]
    target: str


@dataclass(frozen=True)
class MappingRules:
    """A source's mapping rules, each table an ordered list where the first match wins."""

    file: str
    tables: Mapping[str, tuple[Rule, ...]]
    severity: tuple[str, ...]

    def _first(self, table: str, value: str) -> str | None:
        for rule in self.tables.get(table, ()):
            if rule.pattern.search(value):
                return rule.target
        return None

    def category_group(self, category: str) -> str | None:
        """Return the `category_group` of a category, or None when no rule maps it."""
        return self._first("category_group", category)

    def finding(self, finding: str) -> str | None:
        """Return the format's `finding` for a source's finding, or None when unmapped."""
        return self._first("finding", finding)

    def left(self, finding: str) -> str | None:
        """Return the outcome group a finding implies of its own (leaving under investigation)."""
        return self._first("left", finding)

    def outcome_group(self, outcome: str) -> str | None:
        """Return the `outcome_group` of an outcome ("" when not decided yet), the most severe
        of its parts; None when a part is unmapped."""
        groups = []
        for part in _PARTS.split(outcome.strip()):
            group = self._first("outcome_group", part.strip())
            if group is None:
                return None
            groups.append(group)
        if not groups:
            return None
        order = {g: i for i, g in enumerate(("", *self.severity))}
        return max(groups, key=lambda g: order.get(g, 0))


def _rules(file: str, table: str, raw: Any) -> tuple[Rule, ...]:
    key, allowed = _TABLES[table]
    if not isinstance(raw, list):
        raise HistoryError(f"{file}: {table} must be a list of rules ([[{table}]])")
    rules = []
    for i, item in enumerate(raw, start=1):
        where = f"{file}: {table} rule {i}"
        if not isinstance(item, dict) or set(item) != {"pattern", key}:
            raise HistoryError(f"{where} must have exactly the keys pattern and {key}")
        target = item[key]
        if target not in allowed:
            raise HistoryError(f"{where}: {target!r} is not one of: {', '.join(allowed)}")
        try:
            pattern = re.compile(item["pattern"])
        except (re.error, TypeError) as exc:
            raise HistoryError(f"{where}: pattern is not a regular expression: {exc}") from None
        rules.append(Rule(pattern, target))
    return tuple(rules)


def load_rules(text: str, file: str) -> MappingRules:
    """Read mapping rules from TOML text; refuse (naming the file and rule) a bad one."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HistoryError(f"{file} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {*_TABLES, "outcome"})
    if unknown:
        raise HistoryError(f"{file}: {unknown[0]!r} is not a table of mapping rules")
    tables = {name: _rules(file, name, data[name]) for name in _TABLES if name in data}
    severity = tuple(data.get("outcome", {}).get("severity", OUTCOME_GROUPS))
    if sorted(severity) != sorted(OUTCOME_GROUPS):
        raise HistoryError(
            f"{file}: outcome.severity must order each of: {', '.join(OUTCOME_GROUPS)}"
        )
    return MappingRules(file=file, tables=tables, severity=severity)


def packaged_rules(name: str, mapping: Path | None = None) -> MappingRules:
    """Return the rules in `mapping`, or else the packaged `<name>.toml`."""
    if mapping is not None:
        try:
            return load_rules(mapping.read_text(encoding="utf-8"), str(mapping))
        except (OSError, UnicodeDecodeError) as exc:
            raise HistoryError(f"{mapping} cannot be read: {exc}") from None
    text = files("custodes.history").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return load_rules(text, f"{name}.toml")
