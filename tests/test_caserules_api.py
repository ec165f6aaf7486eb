"""The case rules' decisions on the spec's worked examples, their dates and a force's own copy."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custodes.caserules import (
    FactsError,
    MatterFacts,
    NotInForce,
    NotInProfile,
    RulesFileError,
    load_profile,
)
from custodes.caserules.rules import read_rules_file
from custodes.errors import CustodesError

EW = load_profile("england-wales")
US = load_profile("us-ccrb")
APSP = MatterFacts(
    kind="complaint",
    came_to_attention=date(2026, 12, 23),
    categories=["abuse-of-position-sexual"],
)


# -- the spec's worked examples ------------------------------------------------------------


def test_an_apsp_complaint_is_recorded_and_referred_as_serious_corruption() -> None:
    recording = EW.recording(APSP)
    assert recording.must_record and recording.schedule_3
    assert [r.id for r in recording.schedule_3_because] == ["schedule-3-referral"]

    referral = EW.referral(APSP, became_clear=date(2026, 12, 24))
    assert referral.mandatory and referral.required
    (criterion,) = referral.criteria
    assert criterion.id == "referral-serious-corruption"
    assert "abuse of position for a sexual purpose" in criterion.title
    assert "reg 4(1)(a)(iii)" in criterion.source
    assert criterion.url == "https://www.legislation.gov.uk/uksi/2020/2/regulation/4"
    # Christmas Day (Friday), the weekend and Boxing Day observed (Monday 28th) are skipped.
    assert referral.due == date(2026, 12, 29)
    assert referral.deadline is not None and referral.deadline.check
    assert referral.voluntary is None


def test_a_gross_misconduct_hearing_from_june_2025_presumes_dismissal() -> None:
    outcomes = EW.outcomes("hearing", "gross-misconduct", arose_on=date(2025, 6, 1))
    assert outcomes.open == ("dismissal-without-notice",)
    warning = outcomes.option("final-written-warning")
    assert not warning.open
    assert warning.why_not is not None
    assert "exceptional circumstances" in warning.why_not and "SI 2025/558" in warning.why_not
    assert "written-warning" not in outcomes.open

    exceptional = EW.outcomes(
        "hearing", "gross-misconduct", arose_on=date(2025, 6, 1), exceptional_circumstances=True
    )
    assert set(exceptional.open) == {
        "dismissal-without-notice",
        "final-written-warning",
        "reduction-in-rank",
    }
    assert exceptional.option("final-written-warning").condition == (
        "only for exceptional circumstances, recorded (presumption of dismissal)"
    )
    assert exceptional.option("dismissal-without-notice").condition is None


def test_a_dismissal_produces_a_barred_list_report_due_in_five_working_days() -> None:
    (report,) = EW.list_reports("dismissed", date(2026, 6, 1))
    assert (report.list, report.action) == ("barred", "add")
    assert report.due == date(2026, 6, 5)  # Monday to Friday: the day itself counts
    assert "date of birth" in report.fields
    assert any("Standards of Professional Behaviour" in f for f in report.fields)
    assert "reg 3" in report.rule.source


def test_a_resignation_under_investigation_goes_on_the_advisory_list_until_proceedings_end() -> (
    None
):
    (added,) = EW.list_reports("resigned-under-investigation", date(2026, 6, 3))
    assert (added.list, added.action, added.due) == ("advisory", "add", date(2026, 6, 9))

    (removed,) = EW.list_reports("proceedings-ended-without-dismissal-finding", date(2026, 9, 1))
    assert (removed.list, removed.action) == ("advisory", "remove")

    # Found that they would have been dismissed: barred instead; the College itself takes the
    # advisory entry off (Police Act 1996 s 88L(5)), so no removal report is due.
    (barred,) = EW.list_reports("would-have-been-dismissed", date(2026, 9, 1))
    assert (barred.list, barred.action) == ("barred", "add")

    assert (
        EW.list_reports(
            "resigned-under-investigation", date(2026, 6, 3), no_proceedings_decided=True
        )
        == ()
    )


def test_a_former_officer_can_only_be_found_one_who_would_have_been_dismissed() -> None:
    outcomes = EW.outcomes(
        "hearing", "gross-misconduct", arose_on=date(2025, 6, 1), former_officer=True
    )
    assert outcomes.open == ("would-have-been-dismissed",)
    why = outcomes.option("dismissal-without-notice").why_not
    assert why is not None and why.startswith("a former officer can only be found")


def test_a_misconduct_hearing_dismisses_only_with_a_live_final_written_warning() -> None:
    plain = EW.outcomes("hearing", "misconduct", arose_on=date(2024, 3, 1))
    assert set(plain.open) == {"written-warning", "final-written-warning"}
    why = plain.option("dismissal-with-notice").why_not
    assert why is not None and why.startswith("only where a final written warning was in force")

    warned = EW.outcomes(
        "hearing", "misconduct", arose_on=date(2024, 3, 1), final_written_warning_in_force=True
    )
    assert "dismissal-with-notice" in warned.open and "reduction-in-rank" in warned.open


def test_management_action_is_kept_for_historical_records_only() -> None:
    now = EW.outcomes("meeting", "misconduct", arose_on=date(2024, 3, 1))
    why = now.option("management-action").why_not
    assert why is not None and "until 2020-01-31" in why
    then = EW.outcomes("meeting", "misconduct", arose_on=date(2018, 5, 1))
    assert then.open == ("management-action",)


# -- rules in force by the case's own dates ------------------------------------------------


def test_the_presumption_of_dismissal_goes_by_the_day_the_matter_arose() -> None:
    # Heard long after 28 May 2025, but the conduct was on the 27th: no presumption.
    before = EW.outcomes(
        "hearing",
        "gross-misconduct",
        arose_on=date(2025, 5, 27),
        came_to_attention=date(2025, 9, 1),
    )
    assert "final-written-warning" in before.open
    assert "outcome-presumption-of-dismissal" not in {r.id for r in before.rules}
    after = EW.outcomes("hearing", "gross-misconduct", arose_on=date(2025, 5, 28))
    assert after.open == ("dismissal-without-notice",)


def test_the_hearing_panel_changes_on_7_may_2024() -> None:
    assert EW.hearing_panel(date(2024, 5, 6)).members[0] == "legally qualified chair"
    since = EW.hearing_panel(date(2024, 5, 7))
    assert since.members[0].startswith("chair: the chief officer")
    assert since.rule.source.endswith("(SI 2024/521)")


def test_a_matter_from_before_the_2020_regime_is_not_judged_by_its_rules() -> None:
    old = MatterFacts("complaint", date(2019, 11, 4), categories=["abuse-of-position-sexual"])
    with pytest.raises(NotInForce, match=r"came to attention on 2019-11-04.*from 2020-02-01"):
        EW.referral(old)
    with pytest.raises(NotInForce):
        EW.severity("gross-misconduct", came_to_attention=date(2019, 11, 4))


def test_a_decision_the_us_profile_does_not_make_is_refused() -> None:
    with pytest.raises(NotInProfile, match="us-ccrb has no referral rules"):
        US.referral(MatterFacts("complaint", date(2026, 6, 1), categories=["sexual-misconduct"]))


# -- working days --------------------------------------------------------------------------


def _next_working_day_by_hand(day: date, bank: holidays.HolidayBase) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5 or day in bank:
        day += timedelta(days=1)
    return day


def test_working_days_are_england_and_wales_bank_holidays_from_the_library() -> None:
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(2025, 2029))
    assert date(2026, 12, 25) in bank and date(2026, 12, 28) in bank  # Boxing Day observed
    day = date(2025, 1, 1)
    while day < date(2028, 12, 1):
        assert EW.working_days.next_working_day(day) == _next_working_day_by_hand(day, bank)
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("became_clear", "due"),
    [
        (date(2026, 12, 24), date(2026, 12, 29)),  # Christmas, weekend, Boxing Day observed
        (date(2026, 4, 2), date(2026, 4, 7)),  # Good Friday, weekend, Easter Monday
        (date(2026, 8, 28), date(2026, 9, 1)),  # a Friday before the late summer bank holiday
        (date(2026, 6, 6), date(2026, 6, 8)),  # a Saturday: Monday is the next working day
        # St Andrew's Day is a Scottish bank holiday, not one in England and Wales.
        (date(2026, 11, 27), date(2026, 11, 30)),
    ],
)
def test_the_referral_deadline_skips_weekends_and_bank_holidays(
    became_clear: date, due: date
) -> None:
    facts = MatterFacts("conduct", date(2026, 1, 5), indications=["serious-assault"])
    assert EW.referral(facts, became_clear=became_clear).due == due


def test_five_working_days_begin_with_the_day_of_the_event() -> None:
    days = EW.working_days
    assert days.within(5, date(2026, 6, 1)) == date(2026, 6, 5)  # Monday: that week
    assert days.within(5, date(2026, 6, 6)) == date(2026, 6, 12)  # Saturday: the next week
    assert days.within(5, date(2026, 12, 23)) == date(2026, 12, 31)
    assert days.holiday(date(2026, 12, 28)) == "Boxing Day (observed)"


@settings(deadline=None, max_examples=200)
@given(
    day=st.dates(min_value=date(2018, 1, 1), max_value=date(2035, 12, 31)),
    n=st.integers(min_value=1, max_value=10),
)
def test_n_working_days_beginning_with_a_day_hold_exactly_n_working_days(day: date, n: int) -> None:
    last = EW.working_days.within(n, day)
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(day.year, last.year + 1))
    span = [day + timedelta(days=i) for i in range((last - day).days + 1)]
    working = [d for d in span if d.weekday() < 5 and d not in bank]
    # The period holds exactly n working days, and ends on the last of them.
    assert len(working) == n and working[-1] == last


def test_the_us_profile_counts_us_federal_holidays() -> None:
    days = US.working_days
    assert days.next_working_day(date(2026, 11, 25)) == date(2026, 11, 27)  # Thanksgiving
    assert days.is_working_day(date(2026, 2, 12))  # Lincoln's Birthday: New York only
    new_york = load_profile("us-ccrb", override='profile = "us-ccrb"\n[calendar]\nsubdiv = "NY"\n')
    assert not new_york.working_days.is_working_day(date(2026, 2, 12))


# -- timeliness ----------------------------------------------------------------------------


def test_timeliness_accounts_fall_due_after_12_months_then_every_6() -> None:
    accounts = EW.timeliness_accounts(date(2025, 3, 10), until=date(2027, 3, 10))
    assert [a.due for a in accounts] == [date(2026, 3, 10), date(2026, 9, 10), date(2027, 3, 10)]
    first = accounts[0]
    assert (first.period_start, first.period_end) == (date(2025, 3, 10), date(2026, 3, 9))
    assert first.recipients == ("local policing body", "IOPC")
    assert "reg 19" in first.rule.source
    assert EW.timeliness_accounts(date(2025, 3, 10), until=date(2026, 3, 9)) == ()


# -- a force's own copy --------------------------------------------------------------------

OWN = """
profile = "england-wales"
force = "Example Constabulary"

[rules.local-police-perpetrated-domestic-abuse]
enabled = false

[rules.referral-deadline]
working_days = 0
"""
ABUSE = MatterFacts(
    "conduct",
    date(2026, 6, 3),
    indications=["police-perpetrated-domestic-abuse", "criminal-offence"],
)


def test_the_domestic_abuse_trigger_is_on_unless_a_force_switches_it_off(tmp_path: Path) -> None:
    packaged = EW.referral(ABUSE)
    assert not packaged.mandatory and packaged.required
    assert [r.id for r in packaged.local_triggers] == ["local-police-perpetrated-domestic-abuse"]
    assert packaged.due == date(2026, 6, 4)

    path = tmp_path / "example.toml"
    path.write_text(OWN, encoding="utf-8")
    own = load_profile("england-wales", override=path)
    referral = own.referral(ABUSE)
    assert not referral.required and referral.due is None
    assert referral.voluntary is not None  # it may still be referred, with a reason
    assert own.force == "Example Constabulary"
    assert own.digest != EW.digest
    assert {(c.rule, c.param, c.packaged, c.value) for c in own.changes} == {
        ("local-police-perpetrated-domestic-abuse", "enabled", True, False),
        ("referral-deadline", "working_days", 1, 0),
    }


def test_a_forces_deadline_applies_to_its_referrals() -> None:
    own = load_profile("england-wales", override=OWN)
    # Zero working days after: the end of the day it became clear, if a working day.
    assert own.referral(APSP, became_clear=date(2026, 12, 23)).due == date(2026, 12, 23)
    assert own.referral(APSP, became_clear=date(2026, 12, 25)).due == date(2026, 12, 29)


def test_a_state_sets_its_own_decertification_grounds() -> None:
    assert US.list_reports("dismissed", date(2026, 6, 1), sustained=["force"]) == ()
    own = load_profile(
        "us-ccrb",
        override='profile = "us-ccrb"\n[rules.decertification-report]\n'
        'grounds = ["sexual-misconduct", "force"]\n',
    )
    (report,) = own.list_reports("dismissed", date(2026, 6, 1), sustained=["force"])
    assert report.list == "decertification" and report.due is None


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        (
            'profile = "england-wales"\n[rules.no-such-rule]\nenabled = false\n',
            "rules.no-such-rule",
            "no rule of england-wales has this id",
        ),
        (
            'profile = "england-wales"\n[rules.referral-deadline]\nworking_dayz = 2\n',
            "rules.referral-deadline.working_dayz",
            "is not a parameter of this rule",
        ),
        # The law's criteria carry no switch: a force cannot turn one off.
        (
            'profile = "england-wales"\n[rules.referral-serious-corruption]\nenabled = false\n',
            "rules.referral-serious-corruption.enabled",
            "(it has: none)",
        ),
        (
            'profile = "england-wales"\n[rules.referral-deadline]\nworking_days = true\n',
            "rules.referral-deadline.working_days",
            "must be a whole number",
        ),
        (
            'profile = "england-wales"\n[rules.local-police-perpetrated-domestic-abuse]\n'
            'enabled = "no"\n',
            "rules.local-police-perpetrated-domestic-abuse.enabled",
            "must be true or false",
        ),
        # A statutory deadline may be made shorter, never longer than the law's five days.
        (
            'profile = "england-wales"\n[rules.barred-list-dismissal]\nworking_days = 10\n',
            "rules.barred-list-dismissal.working_days",
            "outside what the law allows here (1–5)",
        ),
        (
            'profile = "england-wales"\n[rules.referral-deadline]\nworking_days = -1\n',
            "rules.referral-deadline.working_days",
            "must not be negative",
        ),
        ('profile = "us-ccrb"\n', "profile", "this copy is for 'us-ccrb', not 'england-wales'"),
        (
            'profile = "england-wales"\nreferral_deadline = 2\n',
            "referral_deadline",
            "is not a key this table may have",
        ),
        (
            'profile = "england-wales"\n[calendar]\nsubdiv = "XX"\n',
            "calendar.subdiv",
            "no calendar for GB subdivision 'XX'",
        ),
        ("[rules\n", "", "not valid TOML"),
    ],
)
def test_a_forces_copy_is_refused_naming_the_file_and_key(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    path = tmp_path / "our-rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesFileError) as caught:
        load_profile("england-wales", override=path)
    error = caught.value
    assert isinstance(error, CustodesError)
    assert error.file == str(path) and error.key == key
    assert problem in str(error) and str(error).startswith(f"{path}: ")


def test_a_force_copy_given_as_text_is_named_as_such() -> None:
    with pytest.raises(RulesFileError, match=r"^force copy: rules.nope: "):
        load_profile("england-wales", override='profile = "england-wales"\n[rules.nope]\nx = 1\n')


def test_an_unreadable_copy_and_an_unknown_profile_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesFileError, match="cannot be read"):
        load_profile("england-wales", override=tmp_path / "missing.toml")
    with pytest.raises(CustodesError, match="no profile 'scotland'"):
        load_profile("scotland")


# -- the packaged files are held to their format -------------------------------------------

HELD_6_MAY = '  name = "a hearing held on 6 May 2024"\n  held_on = 2024-05-06\n'
PACKAGED = (Path(__file__).parents[1] / "src/custodes/caserules/england-wales.toml").read_text(
    encoding="utf-8"
)


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (
            (
                'source = "Force policy: a local referral trigger, not a statutory criterion '
                '(spec §3)"\n',
                "",
            ),
            "rule.local-police-perpetrated-domestic-abuse.source",
            "must be non-empty text",
        ),
        (
            ('any = ["serious-assault"]', 'any = ["serious-assualt"]'),
            "rule.referral-serious-assault.when.any",
            "'serious-assualt' is not an indication",
        ),
        (
            ("from = 2024-05-07", "from = 2024-05-07T09:00:00"),
            "rule.panel-chief-officer-chair.from",
            "must be a date",
        ),
        (
            ("until = 2024-05-06", "until = 2019-05-06"),
            "rule.panel-legally-qualified-chair.until",
            "before it took effect",
        ),
        (
            (
                'restrict = ["final-written-warning", "reduction-in-rank"]',
                'restrict = ["final-written-warning", "demotion"]',
            ),
            "rule.outcome-presumption-of-dismissal.gives.restrict",
            "'demotion' is not in",
        ),
        (
            (
                'list = "barred", action = "add", fields = ["full name", "police force concerned", '
                '"date of birth", "status (officer, special, staff, or former)", "rank and warrant '
                'number, or staff number", "reasons, with the conduct and the Standards of '
                'Professional Behaviour breached", "date of the dismissal"',
                'list = "blacklist", action = "add", fields = ["full name"',
            ),
            "rule.barred-list-dismissal.gives.list",
            "not a registry list type",
        ),
        (
            ('judged_by = "held"', 'judged_by = "arose"'),
            "rule.panel-legally-qualified-chair.judged_by",
            "a panel rule is judged by one of",
        ),
        (
            (
                HELD_6_MAY + '  expect = "no-match"',
                HELD_6_MAY + '  expect = "match"',
            ),
            "rule.panel-chief-officer-chair.case",
            "needs at least one match and one no-match case",
        ),
        (
            (
                'when = { kinds = ["complaint"], any = ["decision:schedule-3"] }',
                'when = { kinds = ["complaint"], any = ["decision:recording"] }',
            ),
            "rule",
            "decisions depend on each other: recording",
        ),
    ],
)
def test_a_broken_rules_file_is_refused(change: tuple[str, str], key: str, problem: str) -> None:
    old, new = change
    assert old in PACKAGED, old
    with pytest.raises(RulesFileError) as caught:
        read_rules_file(PACKAGED.replace(old, new, 1), "england-wales.toml")
    assert caught.value.key == key, str(caught.value)
    assert problem in str(caught.value)


# -- the vocabulary and the facts ----------------------------------------------------------


def test_abuse_of_position_for_a_sexual_purpose_is_a_category_of_its_own() -> None:
    categories = {c.id: c for c in EW.categories()}
    apsp = categories["abuse-of-position-sexual"]
    assert apsp.title == "Abuse of position for a sexual purpose"
    assert "abuse-of-position-financial" in categories  # corruption in general is another
    us = {c.id: c for c in US.categories()}
    assert {"force", "abuse-of-authority", "discourtesy", "offensive-language"} <= set(us)
    assert us["sexual-misconduct"].group == "FADO: abuse of authority"


def test_facts_the_profile_does_not_know_are_refused() -> None:
    with pytest.raises(FactsError, match="'abuse-of-position-sexuel' is not one of"):
        EW.referral(MatterFacts("complaint", date(2026, 6, 1), ["abuse-of-position-sexuel"]))
    with pytest.raises(FactsError, match="'grievance' is not one of england-wales's kinds"):
        EW.recording(MatterFacts("grievance", date(2026, 6, 1)))
    with pytest.raises(FactsError, match="not the string"):
        MatterFacts("complaint", date(2026, 6, 1), categories="abuse-of-position-sexual")
    with pytest.raises(FactsError, match="after it came to attention"):
        MatterFacts("complaint", date(2026, 6, 1), arose_on=date(2026, 6, 2))
    with pytest.raises(FactsError, match="'tribunal' is not one of"):
        EW.outcomes("tribunal", "misconduct", arose_on=date(2024, 3, 1))


def test_intelligence_is_not_recorded_or_referred_until_it_is_a_matter() -> None:
    intelligence = MatterFacts("intelligence", date(2026, 6, 1), ["abuse-of-position-sexual"])
    assert not EW.recording(intelligence).must_record
    referral = EW.referral(intelligence)
    assert not referral.required and referral.voluntary is None
    conduct = MatterFacts("conduct", date(2026, 6, 1), ["abuse-of-position-sexual"])
    assert EW.recording(conduct).must_record and EW.referral(conduct).mandatory


def test_every_rule_can_be_listed_with_its_source_for_display() -> None:
    for profile in (EW, US):
        for rule in profile.rules:
            assert rule.citation.startswith(rule.source)
            assert rule.url is None or rule.url.startswith("https://")
    assert EW.rule("referral-deadline").check
    assert EW.rule("outcome-presumption-of-dismissal").in_force_from == date(2025, 5, 28)
    assert EW.decisions[:3] == ("recording", "schedule-3", "referral")
    assert EW.label("outcomes", "rprp") == "Reflective practice review process"
    assert "Banking and Financial Dealings Act 1971" in EW.calendar_source
