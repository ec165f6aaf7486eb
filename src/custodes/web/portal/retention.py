"""How long a report is kept, by its outcome and channel; warnings before; expiry when due.

The rules are data (`retention.toml`, each with its source); a force changes a parameter in
a copy of its own (`settings.PORTAL_RETENTION_FILE`, or `override=` here), read in the case
rules' way (`custodes.caserules`): every refusal is a `RulesFileError` naming the file and the
key, and what the copy changed is listed as `ParamChange`s.

- `retention_due(report)`: the day the report's content is to be deleted, or None while it is
  still being handled (or already expired). A handler's own decision (`Report.retain_until`)
  comes first; otherwise the rule for its status, counted from the day it reached that status
  (the trail's record of the change; the day it was received if the trail has none).
- `warnings(on, days_before)`: the reports whose retention ends within that many days of `on`
  (or has already ended), soonest first: for the handlers' queue and home page.
- `expire_due(on, actor_id)`: expire every report due by `on` through `handling.expire`, all or
  nothing; each expiry is on the trail, and the report's row stays, saying that it expired.
  It runs as the tables' owner (`custodes portal expire`, on the owner's timer), and refuses
  where row-level security would hide reports or the trail's status events from it.

Staff side only: it reads the trail, which the portal's own process does not hold.
"""

from __future__ import annotations

import calendar
import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from custodes.caserules import ParamChange, RulesFileError
from custodes.errors import CustodesError
from custodes.web.needtoknow.rls import row_security_binds
from custodes.web.portal import handling
from custodes.web.portal.models import Category, Channel, Report, Status

__all__ = [
    "PACKAGED",
    "Due",
    "ExpiryError",
    "ParamChange",
    "RetentionRule",
    "RetentionRules",
    "RulesFileError",
    "add_months",
    "apply_override",
    "configured_rules",
    "expire_due",
    "load_retention",
    "read_rules",
    "retention_due",
    "status_dates",
    "warnings",
]

PACKAGED = Path(__file__).with_name("retention.toml")
# The statuses a report can be kept under once handled; new and acknowledged reports are
# still being handled and have no retention date, expired ones have no content left.
_OUTCOMES = frozenset(
    {Status.CLOSED, Status.ROUTED, Status.CASE_OPENED, Status.INTELLIGENCE, Status.SAFEGUARDING}
)
_RULE_KEYS = frozenset(
    {"id", "statuses", "title", "source", "url", "check", "note", "params", "bounds", "groups"}
)


@dataclass(frozen=True)
class RetentionRule:
    """One outcome's retention: the statuses it covers, its source, its parameters."""

    id: str
    statuses: tuple[str, ...]
    title: str
    source: str
    url: str
    check: bool
    note: str
    params: Mapping[str, int]
    bounds: Mapping[str, tuple[int, int]]
    # For MoPI-grouped rules: the report's category -> its group (group_N_years applies).
    groups: Mapping[str, int]

    def months(self, report: Report) -> int:
        """Return how many months a report under this rule is kept."""
        if self.groups:
            return self.params[f"group_{self.groups[report.category]}_years"] * 12
        if "years" in self.params:
            return self.params["years"] * 12
        return self.params[f"{report.channel}_months"]


@dataclass(frozen=True)
class RetentionRules:
    """The rules in force: the packaged file, with a force's own parameters if it keeps a copy."""

    rules: tuple[RetentionRule, ...]
    force: str | None = None
    changes: tuple[ParamChange, ...] = ()

    def rule_for(self, status: str) -> RetentionRule | None:
        """Return the rule for a status, or None (a report still being handled, or expired)."""
        for rule in self.rules:
            if status in rule.statuses:
                return rule
        return None


@dataclass(frozen=True)
class Due:
    """A report, the day its content is to be deleted, and the rule that says so."""

    report: Report
    due: dt.date
    rule: str  # a rule id, or "decision" for a handler's own retention date


# Reading the rules.


def _fail(file: str, key: str, problem: str) -> RulesFileError:
    return RulesFileError(file, key, problem)


def _parse(text: str, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(file, "", f"not valid TOML: {exc}") from None


def _only(data: Mapping[str, Any], allowed: frozenset[str], path: str, file: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        key = f"{path}.{unknown[0]}" if path else unknown[0]
        raise _fail(file, key, "is not a key this table may have")


def _years_or_months(value: object) -> bool:
    return type(value) is int  # a TOML integer; bool is not one


def _read_rule(raw: object, where: str, file: str) -> RetentionRule:
    if not isinstance(raw, dict):
        raise _fail(file, where, "must be a table")
    _only(raw, _RULE_KEYS, where, file)
    for key in ("id", "title", "source"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise _fail(file, f"{where}.{key}", "must be non-empty text")
    statuses = raw.get("statuses")
    if not isinstance(statuses, list) or not statuses:
        raise _fail(file, f"{where}.statuses", "must list the statuses the rule applies to")
    for status in statuses:
        if status not in _OUTCOMES:
            allowed = ", ".join(sorted(_OUTCOMES))
            raise _fail(file, f"{where}.statuses", f"{status!r} is not one of: {allowed}")
    params = raw.get("params", {})
    bounds_raw = raw.get("bounds", {})
    groups_raw = raw.get("groups", {})
    for key, table in (("params", params), ("bounds", bounds_raw), ("groups", groups_raw)):
        if not isinstance(table, dict):
            raise _fail(file, f"{where}.{key}", "must be a table")
    for name, value in params.items():
        if not _years_or_months(value) or value < 1:
            raise _fail(file, f"{where}.params.{name}", "must be a whole number, at least 1")
    bounds: dict[str, tuple[int, int]] = {}
    for name, pair in bounds_raw.items():
        if name not in params:
            raise _fail(file, f"{where}.bounds.{name}", "bounds a parameter the rule lacks")
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(_years_or_months(v) for v in pair)
            or not pair[0] <= params[name] <= pair[1]
        ):
            raise _fail(file, f"{where}.bounds.{name}", "must be [lowest, highest] around it")
        bounds[name] = (pair[0], pair[1])
    groups: dict[str, int] = {}
    if groups_raw:
        for category in Category.values:
            group = groups_raw.get(category)
            if not _years_or_months(group) or f"group_{group}_years" not in params:
                raise _fail(
                    file,
                    f"{where}.groups.{category}",
                    "must name a group the rule has a group_N_years parameter for",
                )
            groups[category] = group
        _only(groups_raw, frozenset(Category.values), f"{where}.groups", file)
    elif "years" not in params:
        for channel in Channel.values:
            if f"{channel}_months" not in params:
                raise _fail(
                    file,
                    f"{where}.params",
                    f"needs {channel}_months (or years, or MoPI groups)",
                )
    return RetentionRule(
        id=raw["id"],
        statuses=tuple(statuses),
        title=raw["title"],
        source=raw["source"],
        url=str(raw.get("url", "")),
        check=bool(raw.get("check", False)),
        note=str(raw.get("note", "")),
        params=MappingProxyType(dict(params)),
        bounds=MappingProxyType(bounds),
        groups=MappingProxyType(groups),
    )


def read_rules(text: str, file: str) -> RetentionRules:
    """Read and check a retention rules file; `file` names it in every refusal."""
    data = _parse(text, file)
    _only(data, frozenset({"retention", "rule"}), "", file)
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail(file, "rule", "the file must define its rules as [[rule]] tables")
    rules = tuple(_read_rule(raw, f"rule[{i}]", file) for i, raw in enumerate(raw_rules))
    seen: dict[str, str] = {}
    for rule in rules:
        for status in rule.statuses:
            if status in seen:
                raise _fail(file, f"rule.{rule.id}", f"{status!r} is {seen[status]}'s already")
            seen[status] = rule.id
    missing = sorted(_OUTCOMES - set(seen))
    if missing:
        raise _fail(file, "rule", f"no rule for the status {missing[0]!r}")
    return RetentionRules(rules)


def apply_override(rules: RetentionRules, text: str, file: str) -> RetentionRules:
    """Apply a force's own copy of the parameters: `force = "…"`, `[rules.<id>] name = value`."""
    data = _parse(text, file)
    _only(data, frozenset({"force", "rules"}), "", file)
    force = data.get("force")
    if force is not None and (not isinstance(force, str) or not force.strip()):
        raise _fail(file, "force", "must be non-empty text")
    changes_raw = data.get("rules", {})
    if not isinstance(changes_raw, dict):
        raise _fail(file, "rules", "must be a table")
    by_id = {rule.id: rule for rule in rules.rules}
    replaced: dict[str, RetentionRule] = {}
    changes: list[ParamChange] = []
    for rule_id, params in changes_raw.items():
        key = f"rules.{rule_id}"
        rule = by_id.get(rule_id)
        if rule is None:
            raise _fail(file, key, f"no retention rule has this id (they are: {', '.join(by_id)})")
        if not isinstance(params, dict) or not params:
            raise _fail(file, key, "must be a table of the rule's parameters")
        merged = dict(rule.params)
        for name, value in params.items():
            where = f"{key}.{name}"
            if name not in rule.params:
                offered = ", ".join(sorted(rule.params))
                raise _fail(file, where, f"is not a parameter of this rule (it has: {offered})")
            if not _years_or_months(value):
                raise _fail(file, where, "must be a whole number")
            low, high = rule.bounds.get(name, (1, 1200))
            if not low <= value <= high:
                raise _fail(file, where, f"must be from {low} to {high} ({value} given)")
            if value != rule.params[name]:
                changes.append(ParamChange(rule_id, name, rule.params[name], value))
            merged[name] = value
        replaced[rule_id] = replace(rule, params=MappingProxyType(merged))
    return RetentionRules(
        tuple(replaced.get(rule.id, rule) for rule in rules.rules),
        force=force,
        changes=tuple(changes),
    )


@cache
def _packaged() -> RetentionRules:
    return read_rules(PACKAGED.read_text(encoding="utf-8"), PACKAGED.name)


def load_retention(override: Path | str | None = None) -> RetentionRules:
    """Return the packaged rules, with a force's own copy (a `Path`, or its TOML text) applied."""
    if override is None:
        return _packaged()
    if isinstance(override, Path):
        try:
            text = override.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(str(override), "", f"cannot be read: {exc}") from None
        return apply_override(_packaged(), text, str(override))
    return apply_override(_packaged(), override, "force copy")


def configured_rules() -> RetentionRules:
    """Return the rules with the force's copy that `settings.PORTAL_RETENTION_FILE` names."""
    own = getattr(settings, "PORTAL_RETENTION_FILE", None)
    return load_retention(Path(own) if own else None)


# Dates.


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day `months` later (the month's last day when it has no such day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def status_dates(reports: Iterable[Report]) -> dict[Any, dt.date]:
    """Return, for each report, the day it reached its current status (`Report.status_on`,
    which `handling.set_status` keeps; the day it was received where it has none)."""
    return {r.pk: r.status_on or r.received_on for r in reports}


def _due(report: Report, rules: RetentionRules, since: dt.date) -> Due | None:
    if report.status == Status.EXPIRED:
        return None
    if report.retain_until is not None:
        return Due(report, report.retain_until, "decision")
    rule = rules.rule_for(report.status)
    if rule is None:
        return None
    return Due(report, add_months(since, rule.months(report)), rule.id)


def retention_due(report: Report, rules: RetentionRules | None = None) -> dt.date | None:
    """Return the day a report's content is to be deleted, or None if it has no such day yet."""
    rules = configured_rules() if rules is None else rules
    due = _due(report, rules, status_dates([report])[report.pk])
    return None if due is None else due.due


def _all_due(rules: RetentionRules) -> list[Due]:
    candidates = list(
        Report.objects.exclude(status=Status.EXPIRED)
        .filter(Q(retain_until__isnull=False) | Q(status__in=sorted(_OUTCOMES)))
        .select_related("organisation_account__organisation")
    )
    since = status_dates(candidates)
    found = [_due(report, rules, since[report.pk]) for report in candidates]
    return sorted((d for d in found if d is not None), key=lambda d: (d.due, d.report.reference))


def warnings(on: dt.date, days_before: int, rules: RetentionRules | None = None) -> list[Due]:
    """Return the reports whose retention ends within `days_before` days of `on`, soonest first.

    Those already past their day (not yet expired by `expire_due`) are included, first.
    """
    if days_before < 0:
        raise ValueError("days_before must not be negative")
    rules = configured_rules() if rules is None else rules
    until = on + dt.timedelta(days=days_before)
    return [d for d in _all_due(rules) if d.due <= until]


class ExpiryError(CustodesError):
    """Expiry cannot see every report here: nothing was expired."""


# What expiry reads: every report (each knows the day it reached its status).
_EXPIRY_READS = (Report,)


@transaction.atomic
def expire_due(
    on: dt.date, actor_id: int | None, rules: RetentionRules | None = None
) -> list[Report]:
    """Expire every report whose retention ended by `on`: all of them, or (on an error) none.

    Each goes through `handling.expire` (content, messages, files and the data key deleted; the
    row kept, saying it expired and when; the trail records it, with `actor_id`, None for a
    scheduled run). A report already expired is not touched again.
    """
    hidden = [model._meta.db_table for model in _EXPIRY_READS if row_security_binds(model)]
    if hidden:
        # As the application's role it would see only some reports, and date them from the
        # day received when the trail is hidden: it would expire some reports too early and
        # leave others kept for ever, saying nothing.
        raise ExpiryError(
            f"row-level security hides rows of {', '.join(hidden)} from this database role; "
            "run expiry as the tables' owner (`custodes portal expire` with the owner's "
            "DATABASE_URL)"
        )
    rules = configured_rules() if rules is None else rules
    expired = []
    for due in _all_due(rules):
        if due.due > on:
            break
        # Lock the row and read it afresh: another run may have expired it meanwhile.
        report = Report.objects.select_for_update().get(pk=due.report.pk)
        if report.status == Status.EXPIRED:
            continue
        expired.append(handling.expire(report, on=on, handler_id=actor_id))
    return expired
