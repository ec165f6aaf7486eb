"""Every rule of every profile matches its match cases and not its no-match cases."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from custodes.caserules import (
    PROFILES,
    MatterFacts,
    NotInForce,
    Profile,
    Rule,
    load_profile,
)

# The day a case's matter came to attention when the case does not say: a Monday.
DEFAULT_DAY = date(2026, 6, 1)

LOADED = {name: load_profile(name) for name in PROFILES}
CASES = [
    pytest.param(name, rule.id, case, id=f"{name}: {rule.id}: {case['name']}")
    for name, profile in LOADED.items()
    for rule in profile.rules
    for case in rule.cases
]


def run_case(profile: Profile, rule: Rule, case: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Ask the profile the case's question; return whether `rule` decided, and what was given."""
    try:
        return _ask(profile, rule, case)
    except NotInForce:
        # The rules of the case's date are not this file's: no rule of it can have decided.
        return False, {}


def _ask(profile: Profile, rule: Rule, case: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
    attention = case.get("came_to_attention", case.get("arose_on", DEFAULT_DAY))
    given: dict[str, Any] = {}
    decided: tuple[Rule, ...]
    if rule.decision in ("recording", "schedule-3"):
        recording = profile.recording(_facts(case, attention))
        decided = (
            recording.record_because
            if rule.decision == "recording"
            else (recording.schedule_3_because)
        )
    elif rule.decision in ("referral", "local-trigger", "voluntary-referral", "referral-deadline"):
        referral = profile.referral(_facts(case, attention), became_clear=case.get("became_clear"))
        decided = referral.rules
        given["due"] = referral.due
    elif rule.decision == "severity":
        severity = profile.severity(
            case["level"],
            came_to_attention=attention,
            final_written_warning_in_force=case.get("final_written_warning_in_force", False),
        )
        decided = severity.rules
        given["proceedings"] = list(severity.proceedings)
    elif rule.decision == "accelerated-hearing":
        decided = profile.accelerated_hearing(
            came_to_attention=attention,
            sufficient_written_evidence=case["sufficient_written_evidence"],
            public_interest_to_leave_at_once=case["public_interest_to_leave_at_once"],
        ).rules
    elif rule.decision == "timeliness":
        accounts = profile.timeliness_accounts(attention, case["until"])
        decided = tuple(a.rule for a in accounts)
        given["due"] = [a.due for a in accounts]
    elif rule.decision == "outcome":
        outcomes = profile.outcomes(
            case["forum"],
            case["finding"],
            arose_on=case["arose_on"],
            came_to_attention=case.get("came_to_attention"),
            final_written_warning_in_force=case.get("final_written_warning_in_force", False),
            several_unconnected=case.get("several_unconnected", False),
            exceptional_circumstances=case.get("exceptional_circumstances", False),
            former_officer=case.get("former_officer", False),
        )
        decided = outcomes.rules
        given["open"] = sorted(outcomes.open)
    elif rule.decision == "panel":
        panel = profile.hearing_panel(case["held_on"])
        decided = panel.rules
        given["members"] = list(panel.members)
    elif rule.decision == "list-report":
        reports = profile.list_reports(
            case["event"],
            case["on"],
            no_proceedings_decided=case.get("no_proceedings_decided", False),
            sustained=case.get("sustained", ()),
        )
        decided = tuple(report.rule for report in reports)
        given["due"] = next((r.due for r in reports if r.rule is rule), None)
    else:  # pragma: no cover - the loader refuses any other decision
        raise AssertionError(rule.decision)
    return rule in decided, given


def _facts(case: Mapping[str, Any], attention: date) -> MatterFacts:
    return MatterFacts(
        kind=case["kind"],
        came_to_attention=attention,
        categories=case.get("categories", ()),
        indications=case.get("indications", ()),
        complainant_asks_recording=case.get("complainant_asks_recording", False),
        arose_on=case.get("arose_on"),
    )


def test_every_rule_has_a_source_a_date_and_both_kinds_of_case() -> None:
    for profile in LOADED.values():
        for rule in profile.rules:
            assert rule.title and rule.source, rule.id
            assert {case["expect"] for case in rule.cases} == {"match", "no-match"}, rule.id


@pytest.mark.parametrize(("profile_name", "rule_id", "case"), CASES)
def test_rule_case(profile_name: str, rule_id: str, case: Mapping[str, Any]) -> None:
    profile = LOADED[profile_name]
    decided, given = run_case(profile, profile.rule(rule_id), case)
    assert decided == (case["expect"] == "match"), case["name"]
    # What the case says the decision gives (a due date, the outcomes open) must be so too.
    for key in ("due", "open", "proceedings", "members"):
        if key in case:
            expected = sorted(case[key]) if key == "open" else case[key]
            assert given[key] == expected, (case["name"], key, given[key])


def test_the_runner_notices_a_case_that_is_wrong() -> None:
    """A match case the rule does not meet fails: the parametrised test can fail."""
    profile = LOADED["england-wales"]
    rule = profile.rule("referral-serious-corruption")
    wrong = {
        "name": "a rude remark",
        "kind": "complaint",
        "categories": ["unprofessional-attitude"],
    }
    assert run_case(profile, rule, wrong)[0] is False
