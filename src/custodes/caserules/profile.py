"""A jurisdiction profile: its rules as data, and the decisions case management asks of them."""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from custodes.caserules.errors import (
    CaseRulesError,
    FactsError,
    NotInForce,
    NotInProfile,
    RulesFileError,
)
from custodes.caserules.facts import MatterFacts
from custodes.caserules.rules import (
    Category,
    ParamChange,
    Rule,
    RulesFile,
    apply_override,
    read_rules_file,
)
from custodes.caserules.workingdays import WorkingDays

__all__ = [
    "PROFILES",
    "AcceleratedHearing",
    "ListReport",
    "OutcomeOption",
    "Outcomes",
    "Panel",
    "Profile",
    "Recording",
    "Referral",
    "Severity",
    "TimelinessAccount",
    "load_profile",
]

#: The profiles shipped with custodes, each a rules file in this package.
PROFILES = ("england-wales", "us-ccrb")

# How a case's dates are named when saying why a rule was not in force: of one matter, and of
# the matters a rule covers.
_ONE = {
    "came-to-attention": "came to attention on",
    "arose": "arose on",
    "became-clear": "became clear on",
    "held": "was heard on",
    "event": "happened on",
}
_MANY = {
    "came-to-attention": "came to attention",
    "arose": "arose",
    "became-clear": "became clear",
    "held": "were heard",
    "event": "happened",
}


@dataclass(frozen=True)
class Recording:
    """Whether a complaint (or conduct or DSI matter) must be recorded, and under Schedule 3."""

    must_record: bool
    schedule_3: bool
    record_because: tuple[Rule, ...]
    schedule_3_because: tuple[Rule, ...]

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Return every rule that decided, each once."""
        return _unique(self.record_because + self.schedule_3_because)


@dataclass(frozen=True)
class Referral:
    """Whether a matter must be referred to the oversight body, on what grounds and by when.

    `mandatory`: a statutory criterion is met (`criteria`). `local_triggers`: the force's own
    triggers met. `required`: either; `due` is then the last day to refer by (its end), from
    `deadline`. `voluntary`: the rule under which any other matter may still be referred, with a
    reason.
    """

    mandatory: bool
    criteria: tuple[Rule, ...]
    local_triggers: tuple[Rule, ...]
    became_clear: date
    due: date | None
    deadline: Rule | None
    voluntary: Rule | None

    @property
    def required(self) -> bool:
        """Say whether the matter is to be referred, by law or by the force's own trigger."""
        return self.mandatory or bool(self.local_triggers)

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Return every rule that decided."""
        extra = tuple(r for r in (self.deadline, self.voluntary) if r is not None)
        return self.criteria + self.local_triggers + extra


@dataclass(frozen=True)
class Severity:
    """The forms of proceedings a severity assessment is likely to lead to."""

    level: str
    proceedings: tuple[str, ...]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class AcceleratedHearing:
    """Whether the special conditions for an accelerated hearing are met, and which are not."""

    allowed: bool
    missing: tuple[str, ...]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class TimelinessAccount:
    """One written account owed on an investigation not finished within a period."""

    number: int
    period_start: date
    period_end: date
    due: date
    recipients: tuple[str, ...]
    rule: Rule


@dataclass(frozen=True)
class OutcomeOption:
    """One outcome: whether it is open, on what condition, and if not, why not."""

    outcome: str
    title: str
    open: bool
    condition: str | None
    why_not: str | None
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Outcomes:
    """Every outcome of the profile, open or not, for one forum and finding."""

    forum: str
    finding: str
    options: tuple[OutcomeOption, ...]
    rules: tuple[Rule, ...]

    @property
    def open(self) -> tuple[str, ...]:
        """Return the outcomes open."""
        return tuple(o.outcome for o in self.options if o.open)

    def option(self, outcome: str) -> OutcomeOption:
        """Return what the rules say of one outcome."""
        for option in self.options:
            if option.outcome == outcome:
                return option
        raise FactsError(f"{outcome!r} is not an outcome of this profile")


@dataclass(frozen=True)
class Panel:
    """Who sits on a misconduct hearing held on a day."""

    held_on: date
    members: tuple[str, ...]
    rule: Rule

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Return the rule that decided."""
        return (self.rule,)


@dataclass(frozen=True)
class ListReport:
    """A report to a list (barred, advisory, decertification …) that an event requires."""

    event: str
    on: date
    list: str
    action: str
    due: date | None
    fields: tuple[str, ...]
    rule: Rule


class Profile:
    """A jurisdiction's rules, with a force's own parameters applied, and its working days."""

    def __init__(
        self,
        rules_file: RulesFile,
        working_days: WorkingDays,
        digest: str,
        force: str | None = None,
    ) -> None:
        self._file = rules_file
        self.name = rules_file.name
        self.title = rules_file.title
        self.version = rules_file.version
        self.checked = rules_file.checked
        #: SHA-256 of the rules file and any force's copy: what a decision was made under.
        self.digest = digest
        #: The force whose copy changed parameters, as its copy names it.
        self.force = force
        self.working_days = working_days
        self.vocabulary: Mapping[str, Mapping[str, str]] = rules_file.vocabulary
        #: Every rule, with its source, dates, parameters and cases, for display.
        self.rules: tuple[Rule, ...] = rules_file.rules
        self._by_id = {rule.id: rule for rule in self.rules}

    def __repr__(self) -> str:
        own = f", force={self.force!r}" if self.force else ""
        return f"Profile({self.name!r}, version={self.version!r}{own})"

    @property
    def decisions(self) -> tuple[str, ...]:
        """Return the decisions this profile has rules for."""
        return tuple(dict.fromkeys(rule.decision for rule in self.rules))

    @property
    def changes(self) -> tuple[ParamChange, ...]:
        """Return each parameter the force's copy changed from the packaged profile."""
        return tuple(change for rule in self.rules for change in rule.changed)

    @property
    def calendar_source(self) -> str:
        """Return where the working days' definition comes from."""
        url = self._file.calendar_url
        return f"{self._file.calendar_source} <{url}>" if url else self._file.calendar_source

    def rule(self, rule_id: str) -> Rule:
        """Return the rule with `rule_id`."""
        try:
            return self._by_id[rule_id]
        except KeyError:
            raise CaseRulesError(f"{self.name} has no rule {rule_id!r}") from None

    def categories(self) -> tuple[Category, ...]:
        """Return the allegation categories, in the file's order."""
        return self._file.categories

    @property
    def categories_source(self) -> str:
        """Return where the allegation categories come from."""
        url = self._file.categories_url
        source = self._file.categories_source + (" (check)" if self._file.categories_check else "")
        return f"{source} <{url}>" if url else source

    def label(self, group: str, term: str) -> str:
        """Return the words for a term of the vocabulary (or a category's title)."""
        if group == "categories":
            for category in self.categories():
                if category.id == term:
                    return category.title
        elif term in self.vocabulary.get(group, {}):
            return self.vocabulary[group][term]
        raise FactsError(f"{term!r} is not one of {self.name}'s {group}")

    # -- decisions on a matter's facts ------------------------------------------------------

    def recording(self, facts: MatterFacts) -> Recording:
        """Decide whether a matter must be recorded, and handled under Schedule 3."""
        self._check_facts(facts)
        memo: dict[str, tuple[Rule, ...]] = {}
        record = self._facts_rules("recording", facts, memo)
        schedule_3 = self._facts_rules("schedule-3", facts, memo) if self._has("schedule-3") else ()
        return Recording(
            must_record=bool(record),
            schedule_3=bool(schedule_3),
            record_because=record,
            schedule_3_because=schedule_3,
        )

    def referral(self, facts: MatterFacts, became_clear: date | None = None) -> Referral:
        """Decide whether a matter must be referred, on which criteria, and by when.

        `became_clear` is the day it first became clear that the matter must be referred
        (by default the day it came to attention); the deadline runs from it.
        """
        self._check_facts(facts)
        clear = facts.came_to_attention if became_clear is None else became_clear
        if clear < facts.came_to_attention:
            raise FactsError(f"became clear on {clear}, before it came to attention")
        memo: dict[str, tuple[Rule, ...]] = {}
        criteria = self._facts_rules("referral", facts, memo)
        local = (
            self._facts_rules("local-trigger", facts, memo) if self._has("local-trigger") else ()
        )
        due = deadline = voluntary = None
        if criteria or local:
            deadline = self._in_force("referral-deadline", {"became-clear": clear})[-1]
            due = self.working_days.add(clear, int(deadline.params["working_days"]))
        elif self._has("voluntary-referral"):
            open_to = self._facts_rules("voluntary-referral", facts, memo)
            voluntary = open_to[0] if open_to else None
        return Referral(
            mandatory=bool(criteria),
            criteria=criteria,
            local_triggers=local,
            became_clear=clear,
            due=due,
            deadline=deadline,
            voluntary=voluntary,
        )

    # -- investigation ----------------------------------------------------------------------

    def severity(
        self, level: str, *, came_to_attention: date, final_written_warning_in_force: bool = False
    ) -> Severity:
        """Return the forms of proceedings a severity assessment at `level` is likely to lead to."""
        self._known("levels", level)
        flags = _flags(final_written_warning_in_force=final_written_warning_in_force)
        rules = self._applied(
            "severity", {"came-to-attention": came_to_attention}, {"level": level}, flags
        )
        proceedings = tuple(
            dict.fromkeys(p for rule in rules for p in rule.gives.get("proceedings", ()))
        )
        return Severity(level=level, proceedings=proceedings, rules=rules)

    def accelerated_hearing(
        self,
        *,
        came_to_attention: date,
        sufficient_written_evidence: bool,
        public_interest_to_leave_at_once: bool,
    ) -> AcceleratedHearing:
        """Decide whether a gross-misconduct case may go to an accelerated hearing."""
        flags = _flags(
            sufficient_written_evidence=sufficient_written_evidence,
            public_interest_to_leave_at_once=public_interest_to_leave_at_once,
        )
        in_force = self._in_force("accelerated-hearing", {"came-to-attention": came_to_attention})
        rules = tuple(r for r in in_force if r.enabled and r.when.holds({}, flags))
        missing = tuple(dict.fromkeys(t for r in in_force for t in r.when.all if t not in flags))
        return AcceleratedHearing(allowed=bool(rules), missing=missing, rules=rules)

    def timeliness_accounts(
        self, came_to_attention: date, until: date
    ) -> tuple[TimelinessAccount, ...]:
        """Return the written accounts owed on an investigation still open on `until`.

        Each is owed "as soon as practicable" after its period ends; `due` is the first day
        after the period. Periods run in calendar months: 12 months beginning with the day the
        matter came to attention, then 6 months beginning with the day after.
        """
        if until < came_to_attention:
            raise FactsError(f"until {until} is before it came to attention ({came_to_attention})")
        accounts: list[TimelinessAccount] = []
        for rule in self._in_force("timeliness", {"came-to-attention": came_to_attention}):
            if not rule.enabled:
                continue
            start, months = came_to_attention, int(rule.params["first_months"])
            while True:
                end = _period_end(start, months)
                due = end + timedelta(days=1)
                if due > until:
                    break
                accounts.append(
                    TimelinessAccount(
                        number=len(accounts) + 1,
                        period_start=start,
                        period_end=end,
                        due=due,
                        recipients=tuple(rule.gives.get("recipients", ())),
                        rule=rule,
                    )
                )
                start, months = due, int(rule.params["then_months"])
        return tuple(accounts)

    # -- outcomes ---------------------------------------------------------------------------

    def outcomes(
        self,
        forum: str,
        finding: str,
        *,
        arose_on: date,
        came_to_attention: date | None = None,
        final_written_warning_in_force: bool = False,
        several_unconnected: bool = False,
        exceptional_circumstances: bool = False,
        former_officer: bool = False,
    ) -> Outcomes:
        """Return every outcome, open or not (and why not), for a forum's finding.

        Which regime applies is judged by the day the matter came to attention (by default the
        day it arose); the presumption of dismissal by the day it arose.
        """
        self._known("forums", forum)
        self._known("findings", finding)
        attention = arose_on if came_to_attention is None else came_to_attention
        if attention < arose_on:
            raise FactsError(f"came to attention on {attention}, before it arose ({arose_on})")
        dates = {"came-to-attention": attention, "arose": arose_on}
        flags = _flags(
            final_written_warning_in_force=final_written_warning_in_force,
            several_unconnected=several_unconnected,
            exceptional_circumstances=exceptional_circumstances,
            former_officer=former_officer,
        )
        scalars = {"forum": forum, "finding": finding}
        applied = self._applied("outcome", dates, scalars, flags)
        serving = {
            outcome: self._outcome(outcome, applied, scalars, dates, flags)
            for outcome in self.vocabulary["outcomes"]
        }
        instead = [r for r in applied if "in_place_of" in r.gives]
        options = []
        for option in serving.values():
            for rule in instead:
                option = _for_former_officer(option, rule, serving)
            options.append(option)
        return Outcomes(forum=forum, finding=finding, options=tuple(options), rules=applied)

    def _outcome(
        self,
        outcome: str,
        applied: tuple[Rule, ...],
        scalars: Mapping[str, str],
        dates: Mapping[str, date],
        flags: frozenset[str],
    ) -> OutcomeOption:
        """Decide one outcome for a serving officer: granted, gated, restricted or not open."""
        title = self.vocabulary["outcomes"][outcome]
        grants = [
            r
            for r in applied
            if outcome in r.gives.get("open", ()) and "in_place_of" not in r.gives
        ]
        if not grants:
            why = self._why_not_granted(outcome, scalars, dates, flags)
            return OutcomeOption(outcome, title, False, None, why, ())
        unconditional = [r for r in grants if not r.gives.get("requires_any")]
        gated = [r for r in grants if set(r.gives.get("requires_any", ())) & flags]
        if not unconditional and not gated:
            rule = grants[0]
            why = f"{rule.gives['condition']} ({rule.source})"
            return OutcomeOption(outcome, title, False, None, why, tuple(grants))
        condition = None if unconditional else str(gated[0].gives["condition"])
        used = tuple(unconditional or gated)
        for rule in applied:
            if outcome not in rule.gives.get("restrict", ()):
                continue
            used += (rule,)
            if not set(rule.gives["requires_any"]) & flags:
                why = f"{rule.gives['condition']} ({rule.source})"
                return OutcomeOption(outcome, title, False, None, why, used)
            condition = str(rule.gives["condition"])
        return OutcomeOption(outcome, title, True, condition, None, used)

    def _why_not_granted(
        self,
        outcome: str,
        scalars: Mapping[str, str],
        dates: Mapping[str, date],
        flags: frozenset[str],
    ) -> str:
        """Say why no rule opens an outcome: out of force, another situation, or never here."""
        for rule in self.rules:
            if rule.decision != "outcome" or outcome not in rule.gives.get("open", ()):
                continue
            if not all(scalars.get(k) in v for k, v in rule.when.scalars.items()):
                continue
            day = dates[rule.judged_by]
            if not rule.in_force(day):
                return f"{rule.title}: only for matters that {_span(rule)} ({rule.source})"
            if not rule.enabled:
                return f"{rule.title}: switched off in {self.force or 'this'} force's rules"
            return f"{rule.title} ({rule.source})"
        forum = self.vocabulary["forums"][scalars["forum"]]
        finding = self.vocabulary["findings"][scalars["finding"]]
        return f"not open to a {forum.lower()} on a finding of {finding.lower()}"

    def hearing_panel(self, held_on: date) -> Panel:
        """Return who sits on a misconduct hearing held on `held_on`."""
        rule = self._in_force("panel", {"held": held_on})[-1]
        return Panel(held_on=held_on, members=tuple(rule.gives.get("members", ())), rule=rule)

    # -- lists ------------------------------------------------------------------------------

    def list_reports(
        self,
        event: str,
        on: date,
        *,
        no_proceedings_decided: bool = False,
        sustained: Iterable[str] = (),
    ) -> tuple[ListReport, ...]:
        """Return the list reports an event on `on` requires, each with its due date.

        `sustained` are the categories of allegations found proved (a state's decertification
        grounds); `no_proceedings_decided` says it was decided, before a resignation or
        retirement, that no proceedings would be brought.
        """
        self._known("events", event)
        proved = frozenset(sustained)
        for category in sorted(proved):
            self._known("categories", category)
        flags = _flags(no_proceedings_decided=no_proceedings_decided)
        reports = []
        for rule in self._applied("list-report", {"event": on}, {"event": event}, flags):
            grounds = rule.params.get("grounds")
            if grounds is not None and not proved & set(grounds):
                continue
            days = rule.params.get("working_days")
            reports.append(
                ListReport(
                    event=event,
                    on=on,
                    list=str(rule.gives["list"]),
                    action=str(rule.gives["action"]),
                    due=None if days is None else self.working_days.within(int(days), on),
                    fields=tuple(rule.gives.get("fields", ())),
                    rule=rule,
                )
            )
        return tuple(reports)

    # -- the machinery ----------------------------------------------------------------------

    def _has(self, decision: str) -> bool:
        """Say whether the profile has any rule for `decision`."""
        return any(rule.decision == decision for rule in self.rules)

    def _in_force(self, decision: str, dates: Mapping[str, date]) -> tuple[Rule, ...]:
        """Return the decision's rules in force on the case's dates, or refuse to decide."""
        rules = [rule for rule in self.rules if rule.decision == decision]
        if not rules:
            raise NotInProfile(f"{self.name} has no {decision} rules")
        found = tuple(rule for rule in rules if rule.in_force(dates[rule.judged_by]))
        if not found:
            spans = "; ".join(sorted({_span(rule) for rule in rules}))
            raised = " and ".join(f"{_ONE[k]} {v}" for k, v in dates.items())
            raise NotInForce(
                f"{self.name} has no {decision} rule in force for a matter that {raised}: "
                f"its rules cover matters that {spans}"
            )
        return found

    def _applied(
        self,
        decision: str,
        dates: Mapping[str, date],
        scalars: Mapping[str, str],
        terms: frozenset[str],
    ) -> tuple[Rule, ...]:
        """Return the decision's rules in force, switched on and met by the matter."""
        return tuple(
            rule
            for rule in self._in_force(decision, dates)
            if rule.enabled and rule.when.holds(scalars, terms)
        )

    def _facts_rules(
        self, decision: str, facts: MatterFacts, memo: dict[str, tuple[Rule, ...]]
    ) -> tuple[Rule, ...]:
        """Return the decision's rules that the facts meet, deciding what they depend on."""
        if decision in memo:
            return memo[decision]
        dates = {"came-to-attention": facts.came_to_attention, "arose": facts.arose}
        in_force = self._in_force(decision, dates)
        terms = set(facts.categories | facts.indications)
        if facts.complainant_asks_recording:
            terms.add("complainant-asks-recording")
        for rule in in_force:
            for term in rule.when.terms():
                other = term.removeprefix("decision:")
                if other != term and self._facts_rules(other, facts, memo):
                    terms.add(term)
        found = tuple(
            rule
            for rule in in_force
            if rule.enabled and rule.when.holds({"kind": facts.kind}, frozenset(terms))
        )
        memo[decision] = found
        return found

    def _check_facts(self, facts: MatterFacts) -> None:
        """Refuse facts with a kind, category or indication the profile does not know."""
        self._known("kinds", facts.kind)
        for category in sorted(facts.categories):
            self._known("categories", category)
        for indication in sorted(facts.indications):
            self._known("indications", indication)

    def _known(self, group: str, term: str) -> None:
        """Refuse a term that is not in the profile's vocabulary."""
        if group == "categories":
            known: Collection[str] = {c.id for c in self.categories()}
        else:
            known = self.vocabulary[group]
        if term not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise FactsError(f"{term!r} is not one of {self.name}'s {group} ({listed})")


def _flags(**answers: bool) -> frozenset[str]:
    """Return the questions answered yes, named as the rules name them."""
    return frozenset(name.replace("_", "-") for name, yes in answers.items() if yes)


def _for_former_officer(
    option: OutcomeOption, rule: Rule, serving: Mapping[str, OutcomeOption]
) -> OutcomeOption:
    """Replace what a serving officer could be given with what a former officer can be."""
    why = f"{rule.gives['condition']} ({rule.source})"
    if option.outcome in rule.gives["open"]:
        dismissal = [serving[o] for o in rule.gives["in_place_of"] if serving[o].open]
        if dismissal:
            used = (rule, *dismissal[0].rules)
            return OutcomeOption(option.outcome, option.title, True, None, None, used)
        return OutcomeOption(
            option.outcome,
            option.title,
            False,
            None,
            f"{why}, and dismissal would not have been open",
            (rule,),
        )
    return OutcomeOption(option.outcome, option.title, False, None, why, (rule,))


def _period_end(start: date, months: int) -> date:
    """Return the last day of a period of `months` calendar months beginning with `start`.

    It ends the day before the same day of the month `months` later; where that month has no
    such day (a period from 31 August or 29 February), on that month's last day.
    """
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    last = calendar.monthrange(year, month)[1]
    if start.day <= last:
        return date(year, month, start.day) - timedelta(days=1)
    return date(year, month, last)


def _span(rule: Rule) -> str:
    """Say which matters a rule covers: '… from 2020-02-01' or '… from X until Y'."""
    until = f" until {rule.in_force_until}" if rule.in_force_until else ""
    return f"{_MANY[rule.judged_by]} from {rule.in_force_from}{until}"


def _unique(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    """Return the rules in order, each once."""
    return tuple({id(rule): rule for rule in rules}.values())


@lru_cache(maxsize=8)
def _packaged(name: str) -> tuple[RulesFile, str]:
    """Read and check a packaged profile once per process."""
    file = f"{name}.toml"
    text = files("custodes.caserules").joinpath(file).read_text(encoding="utf-8")
    rules_file = read_rules_file(text, file)
    if rules_file.name != name:
        raise RulesFileError(file, "profile.name", f"names {rules_file.name!r}, not {name!r}")
    return rules_file, text


@lru_cache(maxsize=32)
def _build(name: str, own_text: str | None, own_file: str) -> Profile:
    """Build a profile once per rules text and force copy: the web app asks on every page."""
    rules_file, text = _packaged(name)
    force = None
    if own_text is not None:
        rules_file, force = apply_override(rules_file, own_text, own_file)
    try:
        working_days = WorkingDays(rules_file.country, rules_file.subdiv)
    except NotImplementedError:
        where = f"{rules_file.country} subdivision {rules_file.subdiv!r}"
        raise RulesFileError(
            own_file if own_text is not None else f"{name}.toml",
            "calendar.subdiv",
            f"the holidays library has no calendar for {where}",
        ) from None
    digest = hashlib.sha256(text.encode("utf-8"))
    if own_text is not None:
        digest.update(b"\0" + own_text.encode("utf-8"))
    return Profile(rules_file, working_days, digest.hexdigest(), force)


def load_profile(name: str, override: Path | str | None = None) -> Profile:
    """Load a packaged profile, with a force's own parameters from `override` if given.

    `override` is the force's copy: a `Path` to a TOML file, or its TOML text. Every refusal
    names the file (or "force copy" for text) and the key.
    """
    if name not in PROFILES:
        raise CaseRulesError(f"no profile {name!r}; the profiles are {', '.join(PROFILES)}")
    if override is None:
        return _build(name, None, "")
    if isinstance(override, Path):
        try:
            text = override.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RulesFileError(str(override), "", f"cannot be read: {exc}") from None
        return _build(name, text, str(override))
    return _build(name, override, "force copy")
