"""Police vetting's rules as data: levels, renewal, integrity reviews and re-vetting triggers.

The rules are in `vetting.toml` beside this module, each level and trigger with its source.
`load_vetting` reads and checks them (a refusal names the file and the key); the web app's
vetting asks them when a clearance is granted (its renewal and integrity-review dates), when
someone moves into a post (whether the level they hold meets the post's), and when a trigger
becomes a re-vetting task (the day it is due); and the withdrawal procedure asks them how long
an officer has to answer a notice of withdrawal assessment and to appeal (`VettingPeriod`, in
working or calendar days).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from custodes.caserules.errors import RulesFileError
from custodes.caserules.workingdays import WorkingDays

__all__ = [
    "PERIOD_KINDS",
    "TRIGGER_KINDS",
    "RandomSampling",
    "VettingLevel",
    "VettingPeriod",
    "VettingRules",
    "VettingTrigger",
    "load_vetting",
    "parse_vetting",
]

_FILE = "vetting.toml"
# The kinds of trigger custodes turns into re-vetting tasks: the rules file must give each one
# a due period and a source, and may give no other.
TRIGGER_KINDS = (
    "outcome",
    "rprp",
    "registry-match",
    "audit-alert",
    "expiry",
    "post-move",
    "external-check",
    "integrity-review",
    "declaration",
    "transfer",
    "random",
)
_SCHEMES = ("police", "national-security")
# The periods of the withdrawal procedure and of appeals: the rules file must give each one.
PERIOD_KINDS = ("representations", "withdrawal-appeal", "refusal-appeal")
_COUNTED = ("working", "calendar")


@dataclass(frozen=True)
class VettingLevel:
    """One level of clearance: how long it lasts and which post requirements it meets."""

    code: str
    title: str
    scheme: str  # "police" or "national-security"
    renewal_years: int
    integrity_review_months: int
    meets: tuple[str, ...]
    source: str
    url: str
    check: bool

    def renewal_due(self, granted_on: dt.date) -> dt.date:
        """Return the day a clearance at this level granted on `granted_on` is due renewal."""
        return _add_months(granted_on, 12 * self.renewal_years)

    def integrity_review_due(self, since: dt.date) -> dt.date:
        """Return the day the next integrity review is due after one (or the grant) on `since`."""
        return _add_months(since, self.integrity_review_months)


@dataclass(frozen=True)
class VettingTrigger:
    """One kind of trigger: what it is, how many days its task is due in, and why."""

    kind: str
    title: str
    due_days: int
    reason: str
    source: str
    url: str
    check: bool

    def due_on(self, happened_on: dt.date) -> dt.date:
        """Return the day a task raised by a trigger on `happened_on` is due."""
        return happened_on + dt.timedelta(days=self.due_days)

    def said(self) -> dict[str, Any]:
        """Return what the rules said, as a task keeps it: the period, its reason and source."""
        return {
            "trigger": self.kind,
            "due_days": self.due_days,
            "reason": self.reason,
            "source": self.source,
            "check": self.check,
        }


@dataclass(frozen=True)
class VettingPeriod:
    """One period of the withdrawal procedure or of an appeal: its days, how they are counted."""

    kind: str
    title: str
    days: int
    counted: str  # "working" or "calendar"
    reason: str
    source: str
    url: str
    check: bool

    def ends_on(self, start: dt.date, working_days: WorkingDays) -> dt.date:
        """Return the last day still in time for a period that starts on `start`.

        Counted from the day after `start`: 10 working days from a notice served on a Friday
        end on the second Friday after (holidays skipped); 14 calendar days from the 1st end on
        the 15th.
        """
        if self.counted == "working":
            return working_days.add(start, self.days)
        return start + dt.timedelta(days=self.days)

    def said(self) -> dict[str, Any]:
        """Return what the rules said, as a record keeps it: the period, its reason and source."""
        return {
            "period": self.kind,
            "days": self.days,
            "counted": self.counted,
            "reason": self.reason,
            "source": self.source,
            "check": self.check,
        }


@dataclass(frozen=True)
class RandomSampling:
    """Randomised re-vetting: the share of clearance holders chosen each month, and why."""

    share_per_month: float
    minimum: int
    reason: str
    source: str
    url: str
    check: bool
    first_month: str | None = None  # "YYYY-MM": the first month sampled, if the force set one

    def size(self, holders: int) -> int:
        """Return how many of `holders` people a month's sample takes."""
        if holders <= 0:
            return 0
        return min(holders, max(self.minimum, math.ceil(self.share_per_month * holders)))

    def said(self) -> dict[str, Any]:
        """Return what the rules said, as a month's sample keeps it."""
        return {
            "share_per_month": self.share_per_month,
            "minimum": self.minimum,
            "source": self.source,
            "check": self.check,
        }


@dataclass(frozen=True)
class VettingRules:
    """The vetting rules file, read and checked."""

    name: str
    title: str
    version: str
    levels: dict[str, VettingLevel]
    triggers: dict[str, VettingTrigger]
    random: RandomSampling
    periods: dict[str, VettingPeriod]
    country: str
    subdiv: str | None

    @property
    def working_days(self) -> WorkingDays:
        """Return the working days the periods count (the rules' country and subdivision)."""
        return _working_days(self.country, self.subdiv)

    def period(self, kind: str) -> VettingPeriod:
        """Return period `kind`, refusing one the rules do not hold."""
        if kind not in self.periods:
            raise RulesFileError(_FILE, "period", f"no period {kind!r}")
        return self.periods[kind]

    def period_ends(self, kind: str, start: dt.date) -> dt.date:
        """Return the last day still in time for period `kind` starting on `start`."""
        return self.period(kind).ends_on(start, self.working_days)

    def level(self, code: str) -> VettingLevel:
        """Return level `code`, refusing one the rules do not hold."""
        if code not in self.levels:
            raise RulesFileError(_FILE, "level", f"no level {code!r}: {', '.join(self.levels)}")
        return self.levels[code]

    def trigger(self, kind: str) -> VettingTrigger:
        """Return trigger `kind`, refusing one the rules do not hold."""
        if kind not in self.triggers:
            raise RulesFileError(_FILE, "trigger", f"no trigger {kind!r}")
        return self.triggers[kind]

    def meets(self, held: str, required: str) -> bool:
        """Say whether holding level `held` meets a post's requirement of level `required`."""
        return required in self.level(held).meets


def _add_months(day: dt.date, months: int) -> dt.date:
    """Return `day` moved on by `months`, on the month's last day where it is shorter."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")  # pragma: no cover


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RulesFileError(_FILE, f"{where}.{key}", "must be non-empty text")
    return value.strip()


def _whole(table: dict[str, Any], key: str, where: str, least: int) -> int:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise RulesFileError(_FILE, f"{where}.{key}", f"must be a whole number of at least {least}")
    return value


def _levels(data: dict[str, Any]) -> dict[str, VettingLevel]:
    levels: dict[str, VettingLevel] = {}
    for n, raw in enumerate(data.get("level", []), 1):
        where = f"level[{n}]"
        code = _text(raw, "code", where)
        where = f"level {code}"
        if code in levels:
            raise RulesFileError(_FILE, where, "is given twice")
        scheme = _text(raw, "scheme", where)
        if scheme not in _SCHEMES:
            raise RulesFileError(_FILE, f"{where}.scheme", f"must be one of {', '.join(_SCHEMES)}")
        meets = raw.get("meets")
        if not isinstance(meets, list) or not all(isinstance(m, str) for m in meets):
            raise RulesFileError(_FILE, f"{where}.meets", "must be a list of level codes")
        if code not in meets:
            raise RulesFileError(_FILE, f"{where}.meets", "must include the level itself")
        levels[code] = VettingLevel(
            code=code,
            title=_text(raw, "title", where),
            scheme=scheme,
            renewal_years=_whole(raw, "renewal_years", where, 1),
            integrity_review_months=_whole(raw, "integrity_review_months", where, 1),
            meets=tuple(meets),
            source=_text(raw, "source", where),
            url=str(raw.get("url", "")),
            check=bool(raw.get("check", False)),
        )
    for code, level in levels.items():
        unknown = [m for m in level.meets if m not in levels]
        if unknown:
            raise RulesFileError(_FILE, f"level {code}.meets", f"no level {unknown[0]!r}")
    if not levels:
        raise RulesFileError(_FILE, "level", "no levels")
    return levels


def _triggers(data: dict[str, Any]) -> dict[str, VettingTrigger]:
    triggers: dict[str, VettingTrigger] = {}
    for n, raw in enumerate(data.get("trigger", []), 1):
        kind = _text(raw, "kind", f"trigger[{n}]")
        where = f"trigger {kind}"
        if kind not in TRIGGER_KINDS:
            raise RulesFileError(_FILE, where, f"is not one of {', '.join(TRIGGER_KINDS)}")
        if kind in triggers:
            raise RulesFileError(_FILE, where, "is given twice")
        triggers[kind] = VettingTrigger(
            kind=kind,
            title=_text(raw, "title", where),
            due_days=_whole(raw, "due_days", where, 0),
            reason=_text(raw, "reason", where),
            source=_text(raw, "source", where),
            url=str(raw.get("url", "")),
            check=bool(raw.get("check", False)),
        )
    missing = [k for k in TRIGGER_KINDS if k not in triggers]
    if missing:
        raise RulesFileError(_FILE, "trigger", f"no due period for {', '.join(missing)}")
    return triggers


def _periods(data: dict[str, Any]) -> dict[str, VettingPeriod]:
    periods: dict[str, VettingPeriod] = {}
    for n, raw in enumerate(data.get("period", []), 1):
        kind = _text(raw, "kind", f"period[{n}]")
        where = f"period {kind}"
        if kind not in PERIOD_KINDS:
            raise RulesFileError(_FILE, where, f"is not one of {', '.join(PERIOD_KINDS)}")
        if kind in periods:
            raise RulesFileError(_FILE, where, "is given twice")
        counted = _text(raw, "counted", where)
        if counted not in _COUNTED:
            raise RulesFileError(_FILE, f"{where}.counted", f"must be one of {', '.join(_COUNTED)}")
        periods[kind] = VettingPeriod(
            kind=kind,
            title=_text(raw, "title", where),
            days=_whole(raw, "days", where, 1),
            counted=counted,
            reason=_text(raw, "reason", where),
            source=_text(raw, "source", where),
            url=str(raw.get("url", "")),
            check=bool(raw.get("check", False)),
        )
    missing = [k for k in PERIOD_KINDS if k not in periods]
    if missing:
        raise RulesFileError(_FILE, "period", f"no period for {', '.join(missing)}")
    return periods


@cache
def _working_days(country: str, subdiv: str | None) -> WorkingDays:
    return WorkingDays(country, subdiv)


def _place(head: dict[str, Any]) -> tuple[str, str | None]:
    """Return the country and subdivision whose working days count, refusing unknown ones."""
    country = _text(head, "country", "rules")
    subdiv = head.get("subdiv")
    if subdiv is not None and (not isinstance(subdiv, str) or not subdiv.strip()):
        raise RulesFileError(_FILE, "rules.subdiv", "must be non-empty text when given")
    try:
        _working_days(country, subdiv)
    except NotImplementedError as error:
        where = f"{country}-{subdiv}" if subdiv else country
        raise RulesFileError(_FILE, "rules.country", f"no holidays known for {where}") from error
    return country, subdiv


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _random(data: dict[str, Any]) -> RandomSampling:
    raw = data.get("random")
    if not isinstance(raw, dict):
        raise RulesFileError(_FILE, "random", "missing: the share of holders sampled each month")
    share = raw.get("share_per_month")
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        raise RulesFileError(_FILE, "random.share_per_month", "must be a number above 0, at most 1")
    first = raw.get("first_month")
    if first is not None and (not isinstance(first, str) or not _MONTH.fullmatch(first)):
        raise RulesFileError(_FILE, "random.first_month", "must be a month, YYYY-MM")
    return RandomSampling(
        share_per_month=float(share),
        minimum=_whole(raw, "minimum", "random", 0),
        reason=_text(raw, "reason", "random"),
        source=_text(raw, "source", "random"),
        url=str(raw.get("url", "")),
        check=bool(raw.get("check", False)),
        first_month=first,
    )


def parse_vetting(text: str) -> VettingRules:
    """Read and check vetting rules from TOML text, refusing anything out of place."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesFileError(_FILE, "", f"not TOML: {error}") from error
    head = data.get("rules")
    if not isinstance(head, dict):
        raise RulesFileError(_FILE, "rules", "missing")
    country, subdiv = _place(head)
    return VettingRules(
        name=_text(head, "name", "rules"),
        title=_text(head, "title", "rules"),
        version=_text(head, "version", "rules"),
        levels=_levels(data),
        triggers=_triggers(data),
        periods=_periods(data),
        country=country,
        subdiv=subdiv,
        random=_random(data),
    )


@cache
def load_vetting() -> VettingRules:
    """Return the packaged vetting rules (read once)."""
    return parse_vetting(files("custodes.caserules").joinpath(_FILE).read_text(encoding="utf-8"))
