"""Vetting's rules as data: every level and trigger has a source and a period, and the file is
checked when it is read."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files

import pytest

from custodes.caserules import PERIOD_KINDS, TRIGGER_KINDS, RulesFileError, load_vetting
from custodes.caserules.vetting import parse_vetting

LEVELS = ("RV", "MV", "NPPV1", "NPPV2", "NPPV3", "CTC", "SC", "DV")


def _text() -> str:
    return files("custodes.caserules").joinpath("vetting.toml").read_text(encoding="utf-8")


def test_every_level_and_trigger_kind_has_a_source_and_a_period() -> None:
    rules = load_vetting()
    assert tuple(rules.levels) == LEVELS
    for level in rules.levels.values():
        assert level.source and level.renewal_years > 0, level.code
        assert level.integrity_review_months == 12, level.code  # annual integrity review
        assert level.code in level.meets
    assert {rules.levels[c].scheme for c in ("CTC", "SC", "DV")} == {"national-security"}
    assert set(rules.triggers) == set(TRIGGER_KINDS)
    for trigger in rules.triggers.values():
        assert trigger.source and trigger.reason and trigger.due_days >= 0, trigger.kind


def test_renewal_follows_the_spec_and_clamps_to_the_month() -> None:
    rules = load_vetting()
    assert rules.level("RV").renewal_years == 10 and rules.level("RV").check
    assert rules.level("MV").renewal_due(dt.date(2020, 3, 1)) == dt.date(2027, 3, 1)
    assert rules.level("RV").renewal_due(dt.date(2016, 2, 29)) == dt.date(2026, 2, 28)
    assert rules.level("NPPV3").integrity_review_due(dt.date(2024, 1, 31)) == dt.date(2025, 1, 31)
    assert rules.meets("MV", "RV") and not rules.meets("RV", "MV")
    assert rules.meets("DV", "SC") and not rules.meets("SC", "DV")


def test_a_task_falls_due_after_its_triggers_days() -> None:
    rules = load_vetting()
    outcome = rules.trigger("outcome")
    assert outcome.due_on(dt.date(2026, 1, 1)) == dt.date(2026, 1, 1) + dt.timedelta(
        days=outcome.due_days
    )
    assert outcome.said()["source"] == outcome.source


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('kind = "external-check"', 'kind = "rumour"', "trigger rumour"),
        ("due_days = 14", "due_days = -1", "trigger registry-match.due_days"),
        ('meets = ["SC", "CTC"]', 'meets = ["SC", "XX"]', "level SC.meets"),
        ('meets = ["NPPV1"]', 'meets = ["NPPV2"]', "level NPPV1.meets"),
        ("renewal_years = 7\n", "renewal_years = 0\n", "level MV.renewal_years"),
    ],
)
def test_a_bad_rules_file_names_the_key(old: str, new: str, key: str) -> None:
    text = _text()
    assert old in text
    with pytest.raises(RulesFileError) as raised:
        parse_vetting(text.replace(old, new, 1))
    assert raised.value.key == key and raised.value.file == "vetting.toml"


def test_a_trigger_without_a_period_is_refused() -> None:
    text = _text()
    cut = text.index('[[trigger]]\nkind = "expiry"')
    end = text.index("[[trigger]]", cut + 5)
    with pytest.raises(RulesFileError, match="no due period for expiry"):
        parse_vetting(text[:cut] + text[end:])


def test_the_withdrawal_and_appeal_periods_are_counted_as_the_rules_say() -> None:
    rules = load_vetting()
    assert set(rules.periods) == set(PERIOD_KINDS)
    for period in rules.periods.values():
        assert period.source and period.reason and period.days > 0, period.kind
        assert period.check, period.kind  # none is confirmed in the Regulations' text yet
        assert period.said()["source"] == period.source
    representations = rules.period("representations")
    assert (representations.days, representations.counted) == (10, "working")
    # Served on Friday 19 December 2025: Christmas Day, Boxing Day and New Year's Day are not
    # working days, so the tenth working day after is Wednesday 7 January 2026, not Friday 2nd.
    assert rules.period_ends("representations", dt.date(2025, 12, 19)) == dt.date(2026, 1, 7)
    # Served on a Friday with no holiday near: the second Friday after.
    assert rules.period_ends("representations", dt.date(2026, 3, 6)) == dt.date(2026, 3, 20)
    assert rules.period_ends("withdrawal-appeal", dt.date(2026, 3, 6)) == dt.date(2026, 3, 20)
    refusal = rules.period("refusal-appeal")
    assert (refusal.days, refusal.counted) == (14, "calendar")
    assert rules.period_ends("refusal-appeal", dt.date(2026, 2, 20)) == dt.date(2026, 3, 6)
    with pytest.raises(RulesFileError, match="no period 'rumour'"):
        rules.period("rumour")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('kind = "refusal-appeal"', 'kind = "rumour-appeal"', "period rumour-appeal"),
        ("days = 14\ncounted", "days = 0\ncounted", "period refusal-appeal.days"),
        ('counted = "calendar"', 'counted = "lunar"', "period refusal-appeal.counted"),
        ('country = "GB"', 'country = "XX"', "rules.country"),
    ],
)
def test_a_bad_period_or_place_names_the_key(old: str, new: str, key: str) -> None:
    text = _text()
    assert old in text
    with pytest.raises(RulesFileError) as raised:
        parse_vetting(text.replace(old, new, 1))
    assert raised.value.key == key


def test_a_missing_period_is_refused() -> None:
    text = _text()
    cut = text.index('[[period]]\nkind = "withdrawal-appeal"')
    end = text.index("[[period]]", cut + 5)
    with pytest.raises(RulesFileError, match="no period for withdrawal-appeal"):
        parse_vetting(text[:cut] + text[end:])


def test_the_random_sample_is_a_share_rounded_up_never_below_the_minimum() -> None:
    random = load_vetting().random
    assert (random.share_per_month, random.minimum) == (0.01, 1)
    assert random.source and random.reason and random.check and random.first_month is None
    assert [random.size(n) for n in (0, 1, 30, 100, 101, 1000)] == [0, 1, 1, 1, 2, 10]


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("share_per_month = 0.01", "share_per_month = 0", "random.share_per_month"),
        ("share_per_month = 0.01", "share_per_month = 1.5", "random.share_per_month"),
        ("share_per_month = 0.01", 'share_per_month = "1%"', "random.share_per_month"),
        ("minimum = 1", "minimum = -1", "random.minimum"),
        ("minimum = 1", 'minimum = 1\nfirst_month = "2026-13"', "random.first_month"),
        ("[random]", "[sampling]", "random"),
    ],
)
def test_a_bad_random_sample_rule_names_the_key(old: str, new: str, key: str) -> None:
    text = _text()
    assert old in text
    with pytest.raises(RulesFileError) as raised:
        parse_vetting(text.replace(old, new, 1))
    assert raised.value.key == key


def test_a_force_may_set_the_first_month_sampled() -> None:
    rules = parse_vetting(_text().replace("minimum = 1", 'minimum = 1\nfirst_month = "2026-04"'))
    assert rules.random.first_month == "2026-04"
