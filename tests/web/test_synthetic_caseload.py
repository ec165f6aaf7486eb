"""The synthetic caseload, loaded through the real actions: custodes flags every matter that
meets a mandatory referral criterion with the right deadline, reports every planted failure
and nothing that was not planted; each role sees its part, and loading twice adds nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from custodes.synth import Caseload, Failure, generate_caseload
from custodes.web.accounts.models import User
from custodes.web.cases import path
from custodes.web.cases.access import cases_for_user, decide
from custodes.web.cases.models import Case, Decision, Requirement
from custodes.web.cases.synthetic import check_caseload, load_caseload
from custodes.web.demo import make_demo

# Small enough for the suite, big enough to hold every sort of matter and failure.
MATTERS = 40


@pytest.fixture(name="caseload")
def caseload_fixture() -> Caseload:
    return generate_caseload(today=timezone.localdate(), matters=MATTERS, seed=3)


@pytest.fixture(name="people")
def people_fixture(db: None) -> dict[str, User]:
    make_demo()
    return {u.username: u for u in User.objects.all()}


def test_custodes_reports_exactly_what_was_planted(
    caseload: Caseload, people: dict[str, User]
) -> None:
    """Every mandatory matter flagged with its deadline; every planted failure reported;
    none reported that was not planted."""
    made = load_caseload(caseload, people)
    assert made.made == MATTERS
    result = check_caseload(caseload)
    kinds = {f.kind for f in caseload.failures()}
    assert len(kinds) == 7  # every sort of failure is in the caseload
    assert result.mandatory == sum(m.mandatory for m in caseload.matters) > 5
    assert result.flagged_right == result.mandatory, result.wrong_flags
    assert result.wrong_flags == []
    assert result.reported_planted == result.planted == len(caseload.failures())
    assert result.missed == [] and result.extra == []
    assert result.ok


def test_the_check_fails_when_a_flag_is_missed_or_extra(
    caseload: Caseload, people: dict[str, User]
) -> None:
    """A truth that plants one failure more, or one less, is caught; so is a matter whose
    mandatory flag is lost."""
    load_caseload(caseload, people)
    first = next(m for m in caseload.matters if m.failures)
    fewer = replace(
        caseload,
        matters=tuple(replace(m, failures=()) if m is first else m for m in caseload.matters),
    )
    assert check_caseload(fewer).extra == sorted(f.key for f in first.failures)
    clean = next(m for m in caseload.matters if not m.failures and m.stage == "closed")
    invented = Failure("referral-overdue", clean.reference, "", None)
    more = replace(
        caseload,
        matters=tuple(
            replace(m, failures=(invented,)) if m is clean else m for m in caseload.matters
        ),
    )
    assert check_caseload(more).missed == [invented.key]
    mandatory = next(m for m in caseload.matters if m.mandatory)
    with transaction.atomic():
        Case.objects.filter(reference=mandatory.reference).update(
            referral_due=mandatory.referral_due + dt.timedelta(days=1)  # type: ignore[operator]
        )
        result = check_caseload(caseload)
        assert result.flagged_right == result.mandatory - 1 and not result.ok
        transaction.set_rollback(True)


def test_loading_again_adds_nothing(caseload: Caseload, people: dict[str, User]) -> None:
    """A second load finds every matter there and makes no case and no decision."""
    load_caseload(caseload, people)
    cases, decisions = Case.objects.count(), Decision.objects.count()
    again = load_caseload(caseload, people)
    assert (again.made, again.already) == (0, MATTERS)
    assert (Case.objects.count(), Decision.objects.count()) == (cases, decisions)


def test_historical_steps_keep_their_day_and_refuse_nothing_they_should_not(
    caseload: Caseload, people: dict[str, User]
) -> None:
    """The timeline keeps each step's own day and the real time it was entered; a late
    referral says how late; a closed matter has nothing open."""
    load_caseload(caseload, people)
    late = next(f for f in caseload.failures() if f.kind == "referral-late")
    referral = Decision.objects.get(case__reference=late.reference, step=Decision.Step.REFERRAL)
    assert referral.details["late"] is True
    assert referral.decided_at.date() > late.due  # type: ignore[operator]
    assert "entered_at" in referral.details
    assert referral.decided_at.date() < timezone.localdate() or late.due is None
    for case in Case.objects.filter(stage=Case.Stage.CLOSED):
        assert not case.requirements.filter(status=Requirement.Status.OPEN).exists()


def test_each_role_sees_its_part(caseload: Caseload, people: dict[str, User]) -> None:
    """The authority sees every matter to decide, each investigator the cases they were
    appointed to, the intake handler what they took in, the reviewer only referred matters
    (read-only), the lead the counter-corruption matters; an outsider none of them."""
    load_caseload(caseload, people)
    synthetic = {m.reference for m in caseload.matters}

    def seen(name: str) -> set[str]:
        return {c.reference for c in cases_for_user(people[name])} & synthetic

    assert seen("authority") == synthetic
    assert seen("intake") == synthetic
    appointed = set(
        Case.objects.filter(
            reference__in=synthetic, investigator=people["investigator"]
        ).values_list("reference", flat=True)
    )
    assert appointed and seen("investigator") == appointed
    referred = set(
        Case.objects.filter(reference__in=synthetic, referred_at__isnull=False).values_list(
            "reference", flat=True
        )
    )
    assert referred and seen("reviewer") == referred
    some = Case.objects.get(reference=next(iter(referred)))
    assert decide(people["reviewer"], some).read_only
    lead = {m.reference for m in caseload.matters if m.counter_corruption}
    assert lead and seen("lead") == lead
    assert seen("outsider") == set()
    # The reviewer writes nothing: the path refuses them.
    with pytest.raises(PermissionDenied):
        path.close_case(people["reviewer"], some, "The reviewer tries to close it")
