"""Candidates found before pairs were kept get their roster's force, so decisions carry."""

from __future__ import annotations

import importlib
from pathlib import Path

from django.apps import apps

from custodes.web.accounts.models import Role, User
from custodes.web.registry.actions import (
    check_applicant,
    decide_candidate,
    import_list,
    load_roster,
    screen_roster,
)
from custodes.web.registry.models import Candidate
from tests.web.audit_helpers import add_user
from tests.web.conftest import Org

MIGRATION = "custodes.web.registry.migrations.0002_candidate_strength_and_pairs"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"


def test_a_decision_made_before_the_upgrade_is_carried_after_it(org: Org) -> None:
    vetter: User = add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")
    roster = load_roster(vetter, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    import_list(vetter, "generic", [FIXTURES / "new-list.csv"])
    check_applicant(vetter, {"first_name": "Margaret", "last_name": "Holloway"})
    # As candidates were stored before: no force, no details of the entry kept.
    Candidate.objects.update(force="", listed=None)
    importlib.import_module(MIGRATION)._pairs(apps, None)
    found = Candidate.objects.get(screening__roster=roster)
    assert found.force == "XF"
    assert Candidate.objects.get(screening__kind="check").force == ""
    decide_candidate(vetter, found, same=True, reason="Same birth date and maiden name")
    (again,) = screen_roster(vetter, roster).candidates.all()
    assert (again.status, again.decided_on) == (Candidate.Status.CONFIRMED, found)
