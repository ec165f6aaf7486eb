"""What the case rules (`custodes.caserules`) say of a case, in the words the timeline keeps.

Cases never decide the law themselves: each step asks its profile here and keeps what it said
(`Said`: whether something is required, by when, and under which rules with their sources and
the rules' version) beside the decision a person made. A force's own copy of the parameters is
the file `settings.CASE_RULES_FILE` names, if any.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from custodes.caserules import (
    CaseRulesError,
    ListReport,
    MatterFacts,
    Outcomes,
    Profile,
    Recording,
    Referral,
    Rule,
    TimelinessAccount,
    load_profile,
)
from custodes.web.cases.models import Case, CaseSubject

__all__ = [
    "Said",
    "accelerated_hearing",
    "facts",
    "hearing_panel",
    "list_reports",
    "outcomes",
    "profile",
    "recording",
    "referral",
    "rules_json",
    "severity",
    "timeliness_accounts",
    "vocabulary",
]


def profile(name: str) -> Profile:
    """Return the profile `name`, with the force's own parameters where it keeps a copy."""
    own = getattr(settings, "CASE_RULES_FILE", None)
    try:
        return load_profile(name, override=Path(own) if own else None)
    except CaseRulesError as exc:
        raise ValidationError(str(exc)) from None


def vocabulary(case: Case, group: str) -> dict[str, str]:
    """Return one group of the case's profile's words (kinds, forums, …), or its categories."""
    rules = profile(case.profile)
    if group == "categories":
        return {c.id: c.title for c in rules.categories()}
    return dict(rules.vocabulary.get(group, {}))


def rules_json(rules: Iterable[Rule]) -> list[dict[str, Any]]:
    """Return rules as the timeline keeps them: id, what each says, its source."""
    return [
        {"id": r.id, "title": r.title, "source": r.citation, "check": r.check}
        for r in dict.fromkeys(rules)
    ]


@dataclass(frozen=True)
class Said:
    """What custodes said the rules required, kept beside a decision."""

    profile: Profile
    decision: str
    required: bool
    rules: tuple[Rule, ...] = ()
    due_on: dt.date | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Return what was said, with the rules' sources and the profile's version."""
        return {
            "profile": self.profile.name,
            "version": self.profile.version,
            "digest": self.profile.digest,
            "decision": self.decision,
            "required": self.required,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "rules": rules_json(self.rules),
            **self.details,
        }


def _ask(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Ask the rules; a question they cannot answer is the asker's error, said plainly."""
    try:
        return call(*args, **kwargs)
    except CaseRulesError as exc:
        raise ValidationError(str(exc)) from None


def facts(case: Case, *, complainant_asks: bool | None = None) -> MatterFacts:
    """Return the facts of a case as the rules take them: kind, allegations' categories,
    indications, the complainant's wish and the dates."""
    categories = set(case.allegations.values_list("category", flat=True))
    asks = case.complainant_wants_recording if complainant_asks is None else complainant_asks
    arose = case.arose_on
    allegation_dates = [d for d in case.allegations.values_list("arose_on", flat=True) if d]
    if arose is None and allegation_dates:
        arose = min(allegation_dates)
    matter: MatterFacts = _ask(
        MatterFacts,
        case.kind,
        case.came_to_attention,
        categories=sorted(categories),
        indications=sorted(case.indications),
        complainant_asks_recording=bool(asks),
        arose_on=arose if arose is None or arose <= case.came_to_attention else None,
    )
    return matter


def recording(case: Case, matter: MatterFacts) -> tuple[Recording, Said]:
    """Say whether the matter must be recorded, and handled under Schedule 3."""
    rules = profile(case.profile)
    found: Recording = _ask(rules.recording, matter)
    return found, Said(
        rules,
        "recording",
        found.must_record,
        found.rules,
        details={
            "must_record": found.must_record,
            "schedule_3": found.schedule_3,
            "record_because": rules_json(found.record_because),
            "schedule_3_because": rules_json(found.schedule_3_because),
        },
    )


def referral(case: Case, matter: MatterFacts, became_clear: dt.date) -> tuple[Referral, Said]:
    """Say whether the matter must be referred, on which criteria, and by when."""
    rules = profile(case.profile)
    found: Referral = _ask(rules.referral, matter, became_clear=became_clear)
    return found, Said(
        rules,
        "referral",
        found.required,
        found.rules,
        due_on=found.due,
        details={
            "mandatory": found.mandatory,
            "criteria": rules_json(found.criteria),
            "local_triggers": rules_json(found.local_triggers),
            "became_clear": found.became_clear.isoformat(),
            "voluntary": rules_json([found.voluntary] if found.voluntary else []),
        },
    )


def severity(case: Case, level: str, *, final_written_warning_in_force: bool) -> Said:
    """Say which proceedings a severity assessment at `level` is likely to lead to."""
    rules = profile(case.profile)
    found = _ask(
        rules.severity,
        level,
        came_to_attention=case.came_to_attention,
        final_written_warning_in_force=final_written_warning_in_force,
    )
    return Said(
        rules,
        "severity",
        True,
        found.rules,
        details={"level": level, "proceedings": list(found.proceedings)},
    )


def accelerated_hearing(
    case: Case, *, sufficient_written_evidence: bool, public_interest_to_leave_at_once: bool
) -> Said:
    """Say whether the special conditions for an accelerated hearing are met."""
    rules = profile(case.profile)
    found = _ask(
        rules.accelerated_hearing,
        came_to_attention=case.came_to_attention,
        sufficient_written_evidence=sufficient_written_evidence,
        public_interest_to_leave_at_once=public_interest_to_leave_at_once,
    )
    return Said(
        rules,
        "accelerated-hearing",
        found.allowed,
        found.rules,
        details={"missing": list(found.missing)},
    )


def hearing_panel(case: Case, held_on: dt.date) -> dict[str, Any]:
    """Return who sits on a misconduct hearing held on `held_on`, where the profile says."""
    rules = profile(case.profile)
    try:
        panel = rules.hearing_panel(held_on)
    except CaseRulesError:
        return {}
    return {"members": list(panel.members), "panel_rules": rules_json(panel.rules)}


def timeliness_accounts(case: Case, until: dt.date) -> tuple[TimelinessAccount, ...]:
    """Return the timeliness accounts owed on the case's investigation by `until`."""
    rules = profile(case.profile)
    if until < case.came_to_attention:
        return ()
    try:
        return tuple(rules.timeliness_accounts(case.came_to_attention, until))
    except CaseRulesError:
        # A profile without timeliness rules (the US one) owes none.
        return ()


def outcomes(
    case: Case,
    subject: CaseSubject,
    forum: str,
    finding: str,
    *,
    final_written_warning_in_force: bool,
    several_unconnected: bool,
    exceptional_circumstances: bool,
    former_officer: bool | None = None,
) -> tuple[Outcomes, Said]:
    """Return every outcome open (or not, and why) to a forum's finding on one subject
    (a former officer, by default, if they have left)."""
    rules = profile(case.profile)
    arose = case.arose_on or case.came_to_attention
    found: Outcomes = _ask(
        rules.outcomes,
        forum,
        finding,
        arose_on=arose,
        came_to_attention=case.came_to_attention,
        final_written_warning_in_force=final_written_warning_in_force,
        several_unconnected=several_unconnected,
        exceptional_circumstances=exceptional_circumstances,
        former_officer=subject.former if former_officer is None else former_officer,
    )
    return found, Said(
        rules,
        "outcome",
        True,
        found.rules,
        details={
            "forum": forum,
            "finding": finding,
            "open": list(found.open),
            "conditions": {o.outcome: o.condition for o in found.options if o.open and o.condition},
        },
    )


def list_reports(
    case: Case, event: str, on: dt.date, *, no_proceedings_decided: bool = False
) -> tuple[tuple[ListReport, ...], Profile]:
    """Return the list reports an event on `on` requires under the case's profile."""
    rules = profile(case.profile)
    sustained = sorted(set(case.allegations.values_list("category", flat=True)))
    found = _ask(
        rules.list_reports,
        event,
        on,
        no_proceedings_decided=no_proceedings_decided,
        sustained=sustained,
    )
    return tuple(found), rules
