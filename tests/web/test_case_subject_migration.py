"""Cases opened from audit alerts before the subject's force id was kept get it from their alert."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from custodes.web.accounts.models import Role
from custodes.web.alerts.access import may_review_audit_alerts
from custodes.web.alerts.models import AuditAlert, AuditRun
from custodes.web.cases.access import decide
from custodes.web.cases.actions import add_member, open_case
from custodes.web.cases.models import Case
from tests.web.audit_helpers import add_user, import_run, make_audit_folders, staff_around
from tests.web.conftest import Org

MIGRATION = "custodes.web.cases.migrations.0002_case_subject_in_force"


@pytest.fixture
def run(db: None, tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    """Import the session's real audit run."""
    return import_run(make_audit_folders(tmp_path_factory))


def test_a_case_opened_from_an_alert_before_gets_its_subjects_force_id(
    org: Org, run: AuditRun
) -> None:
    alert = AuditAlert.objects.get(run=run, rank=1)
    around = staff_around(alert)
    analyst = add_user(org, "analyst", Role.CC_ANALYST, "acu-north", around.stranger)
    manager = add_user(org, "boss", Role.PSD_INVESTIGATOR, "psd-3", around.manager)
    assert may_review_audit_alerts(analyst)
    # As the action made them before: a case about no account, linked from its alert.
    old = open_case(analyst, "AUDIT-1-00001", "Access audit: look-ups", None)
    AuditAlert.objects.filter(pk=alert.pk).update(case=old, status="case-opened")
    other = open_case(analyst, "PSD-2025-0002", "Not from an alert", None)
    add_member(org.lead, old, manager)
    assert decide(manager, old).allowed
    importlib.import_module(MIGRATION).from_alerts(apps, None)
    old.refresh_from_db()
    assert (old.subject_force, old.subject_force_user_id) == (alert.force, alert.force_user_id)
    assert not decide(manager, old).allowed
    assert Case.objects.get(pk=other.pk).subject_force_user_id is None
