"""One audit alert (`/alerts/audit/<pk>/`): its evidence, and dismiss, escalate or open a case."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils.html import escape

from custodes.audit.catalogue import load_catalogue
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.actions import (
    dismiss_audit_alert,
    escalate_audit_alert,
    open_case_from_audit_alert,
)
from custodes.web.alerts.models import AuditAlert, AuditRun
from custodes.web.cases.actions import add_member, grant_access
from custodes.web.cases.models import Case, CaseAccess
from custodes.web.trail.models import TrailEvent
from tests.web.audit_helpers import (
    AuditFolders,
    add_user,
    import_run,
    make_audit_folders,
    staff_around,
)
from tests.web.conftest import Org, csrf_post

REASON = "Look-ups match a safeguarding referral the officer was asked to check"


@pytest.fixture
def run(db: None, tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    """Import the session's real audit run."""
    folders: AuditFolders = make_audit_folders(tmp_path_factory)
    return import_run(folders)


@pytest.fixture
def alert(run: AuditRun) -> AuditAlert:
    """Return the alert ranked first."""
    return AuditAlert.objects.get(run=run, rank=1)


@pytest.fixture
def analyst(org: Org, alert: AuditAlert) -> User:
    """Return an analyst with no conflict with the alert's subject."""
    return add_user(org, "analyst", Role.CC_ANALYST, "acu-north", staff_around(alert).stranger)


def url(alert: AuditAlert, action: str = "") -> str:
    """Return the alert's page, or one of its actions."""
    return f"/alerts/audit/{alert.pk}/{action}/" if action else f"/alerts/audit/{alert.pk}/"


def triage(client: Client, alert: AuditAlert, action: str, reason: str | None = REASON) -> Any:
    """Post one of the triage forms, with the CSRF token."""
    return csrf_post(client, url(alert, action), {} if reason is None else {"reason": reason})


def fresh(alert: AuditAlert) -> AuditAlert:
    """Read the alert again."""
    return AuditAlert.objects.get(pk=alert.pk)


def conflicted(org: Org, alert: AuditAlert) -> list[User]:
    """Return analysts who are the subject, their manager, and in their unit."""
    around = staff_around(alert)
    return [
        add_user(org, f"too-close-{n}", Role.CC_ANALYST, "acu-north", force_user_id)
        for n, force_user_id in enumerate((around.subject, around.manager, around.unit_mate))
    ]


def test_the_analyst_sees_the_alert_its_reasons_and_evidence(
    org: Org, alert: AuditAlert, analyst: User
) -> None:
    """The page shows the summary, each reason by its title and every look-up behind it."""
    response = org.client(analyst).get(url(alert))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert alert.summary in text
    catalogue = load_catalogue()
    assert alert.reason_ids
    for reason in alert.reason_ids:
        assert f"{escape(catalogue.signal(reason).title)} ({reason})" in text
    evidence = list(alert.evidence.all())
    assert evidence
    for row in evidence:
        assert row.event_id in text
        assert not row.person or row.person in text
    for action in ("dismiss", "escalate", "open-case"):
        assert f'action="{url(alert, action)}"' in text


def test_reading_the_evidence_is_on_the_trail(org: Org, alert: AuditAlert, analyst: User) -> None:
    """Each view of the alert records the read of the alert and of its evidence."""
    client = org.client(analyst)
    client.get(url(alert))
    client.get(url(alert))
    reads = TrailEvent.objects.filter(
        actor_id=analyst.pk, subject_id=str(alert.pk), action="read"
    ).values_list("subject_type", "changes")
    assert sorted(t for t, _ in reads) == ["audit-alert"] * 2 + ["audit-evidence"] * 2
    rows = alert.evidence.count()
    assert all(c == {"rows": rows} for t, c in reads if t == "audit-evidence")


def test_those_too_close_get_404_and_their_probing_is_recorded(org: Org, alert: AuditAlert) -> None:
    """The subject, their manager and their unit are told there is no such alert; the trail
    keeps every refused try, with why, and no read."""
    too_close = conflicted(org, alert)
    for user in too_close:
        client = org.client(user)
        assert client.get(url(alert)).status_code == 404, user.username
        for action in ("dismiss", "escalate", "open-case"):
            assert triage(client, alert, action).status_code == 404, (user.username, action)
    assert fresh(alert).status == AuditAlert.Status.NEW
    events = TrailEvent.objects.filter(subject_type="audit-alert", subject_id=str(alert.pk))
    assert set(events.values_list("action", flat=True)) == {"refused"}
    for user in too_close:
        refused = events.filter(actor_id=user.pk)
        assert refused.count() == 4, user.username
        assert set(refused.values_list("reason", flat=True)) <= {
            "the record is about you",
            "the subject is in your line-management chain",
            "the subject is in your unit",
        }
    assert not TrailEvent.objects.filter(subject_type="audit-evidence").exists()


def test_the_outsider_gets_404(org: Org, alert: AuditAlert) -> None:
    """A PSD investigator may not see audit alerts or act on them."""
    client = org.client(org.outsider)
    assert client.get(url(alert)).status_code == 404
    assert triage(client, alert, "dismiss").status_code == 404
    assert fresh(alert).status == AuditAlert.Status.NEW


def test_an_alert_that_does_not_exist_is_404(org: Org, run: AuditRun, analyst: User) -> None:
    """Asking for a missing alert looks the same as asking for a forbidden one."""
    assert org.client(analyst).get("/alerts/audit/999999/").status_code == 404


def test_dismissing_needs_a_reason_and_is_recorded(
    org: Org, alert: AuditAlert, analyst: User
) -> None:
    """Dismiss with a reason: the status, who and why are kept and put on the trail."""
    client = org.client(analyst)
    response = triage(client, alert, "dismiss", reason="  ")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert fresh(alert).status == AuditAlert.Status.NEW
    response = triage(client, alert, "dismiss")
    assert response.status_code == 302
    assert response["Location"] == url(alert)
    done = fresh(alert)
    assert (done.status, done.triage_reason, done.triaged_by) == ("dismissed", REASON, analyst)
    assert done.triaged_at is not None
    event = TrailEvent.objects.get(action="dismiss")
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        analyst.pk,
        "audit-alert",
        str(alert.pk),
    )
    assert event.reason == REASON
    assert event.changes == {"status": ["new", "dismissed"]}
    page = client.get(url(alert)).content.decode()
    assert "Alert dismissed" in page
    assert 'action="' + url(alert, "escalate") not in page  # decided: no more forms


def test_escalating_needs_a_reason_and_is_recorded(
    org: Org, alert: AuditAlert, analyst: User
) -> None:
    """Escalate for intelligence development with a reason; it can be dismissed later."""
    client = org.client(analyst)
    assert triage(client, alert, "escalate", reason=None).status_code == 400
    assert not TrailEvent.objects.filter(action="escalate").exists()
    assert triage(client, alert, "escalate").status_code == 302
    assert fresh(alert).status == AuditAlert.Status.ESCALATED
    assert TrailEvent.objects.get(action="escalate").reason == REASON
    # Escalated twice is refused; dismissing after development is not.
    again = triage(client, alert, "escalate")
    assert again.status_code == 400
    assert "already escalated" in again.content.decode()
    assert triage(client, alert, "dismiss").status_code == 302
    assert fresh(alert).status == AuditAlert.Status.DISMISSED


def test_a_dismissed_alert_cannot_be_reopened_by_another_action(
    org: Org, alert: AuditAlert, analyst: User
) -> None:
    """Once dismissed, neither escalation nor a case can be made from it here."""
    dismiss_audit_alert(analyst, alert, REASON)
    client = org.client(analyst)
    for action in ("escalate", "open-case"):
        response = triage(client, alert, action)
        assert response.status_code == 400
        assert "already dismissed" in response.content.decode()
    assert not Case.objects.filter(audit_alerts=alert).exists()


def test_a_post_without_the_csrf_token_is_refused(
    org: Org, alert: AuditAlert, analyst: User
) -> None:
    """A forged form post changes nothing."""
    client = org.client(analyst)
    assert client.post(url(alert, "dismiss"), {"reason": REASON}).status_code == 403
    assert fresh(alert).status == AuditAlert.Status.NEW


def test_an_unknown_action_is_404(org: Org, alert: AuditAlert, analyst: User) -> None:
    """Only the three triage actions exist."""
    assert triage(org.client(analyst), alert, "delete").status_code == 404


def test_the_page_takes_only_get(org: Org, alert: AuditAlert, analyst: User) -> None:
    """The alert page is read-only; actions have their own addresses."""
    assert csrf_post(org.client(analyst), url(alert), {}).status_code == 405


def test_opening_a_case_about_a_custodes_user(org: Org, alert: AuditAlert, analyst: User) -> None:
    """The case is about the custodes account with the subject's force id, and is linked."""
    account = add_user(org, "pc-jones", Role.INTAKE_HANDLER, "response-west", alert.force_user_id)
    client = org.client(analyst)
    assert triage(client, alert, "open-case", reason="").status_code == 400
    assert not Case.objects.filter(audit_alerts=alert).exists()
    response = triage(client, alert, "open-case")
    assert response.status_code == 302
    case = Case.objects.get(audit_alerts=alert)
    assert response["Location"] == f"/cases/{case.reference}/"
    assert (case.subject, case.opened_by) == (account, analyst)
    assert case.title.startswith("Access audit: ")
    assert CaseAccess.objects.filter(case=case, user=analyst, kind="member").exists()
    done = fresh(alert)
    assert (done.status, done.case) == (AuditAlert.Status.CASE_OPENED, case)
    event = TrailEvent.objects.get(action="open-case")
    assert event.changes == {"status": ["new", "case-opened"], "case_id": str(case.pk)}
    assert TrailEvent.objects.filter(action="create", subject_type="case").exists()
    assert client.get(response["Location"]).status_code == 200
    assert case.reference in client.get(url(alert)).content.decode()


def test_opening_a_case_with_no_custodes_account(
    org: Org, alert: AuditAlert, analyst: User
) -> None:
    """A subject without a custodes account gives a case with no subject account."""
    open_case_from_audit_alert(analyst, alert, REASON)
    assert Case.objects.get(audit_alerts=alert).subject is None


def test_when_open_case_refuses_nothing_changes(
    org: Org, alert: AuditAlert, analyst: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the case cannot be opened the alert stays as it was and the refusal is shown."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionDenied("you cannot open a case about yourself, your chain or your unit")

    monkeypatch.setattr("custodes.web.alerts.actions.open_case", refuse)
    response = triage(org.client(analyst), alert, "open-case")
    assert response.status_code == 403
    assert "you cannot open a case about yourself" in response.content.decode()
    assert fresh(alert).status == AuditAlert.Status.NEW
    assert fresh(alert).case is None
    assert not TrailEvent.objects.filter(action="open-case").exists()


def test_the_actions_refuse_those_too_close_even_when_called_directly(
    org: Org, alert: AuditAlert
) -> None:
    """The action functions check need-to-know themselves, not only the views."""
    for user in conflicted(org, alert):
        for act in (dismiss_audit_alert, escalate_audit_alert, open_case_from_audit_alert):
            with pytest.raises(PermissionDenied):
                act(user, alert, REASON)
    with pytest.raises(PermissionDenied):
        dismiss_audit_alert(org.outsider, alert, REASON)
    assert fresh(alert).status == AuditAlert.Status.NEW
    assert not Case.objects.filter(audit_alerts=alert).exists()


def case_page(client: Client, case: Case) -> int:
    """Return the status of the case's page as `client` asks for it."""
    return int(client.get(f"/cases/{case.reference}/").status_code)


def test_a_case_opened_from_an_alert_keeps_the_force_charts_need_to_know(
    org: Org, alert: AuditAlert, analyst: User
) -> None:
    """The subject's force manager and unit stay out though the subject has no account."""
    around = staff_around(alert)
    manager = add_user(org, "boss", Role.PSD_INVESTIGATOR, "psd-3", around.manager)
    mate = add_user(org, "mate", Role.PSD_INVESTIGATOR, "psd-4", around.unit_mate)
    case = open_case_from_audit_alert(analyst, alert, REASON)
    assert case.subject is None
    clients = {user: org.client(user) for user in (manager, mate)}
    for user, client in clients.items():
        # On the case team, as with custodes' own chart the conflict still keeps them out.
        add_member(org.lead, case, user)
        assert case_page(client, case) == 404, user.username
        assert case.reference not in client.get("/cases/").content.decode()
    page = org.client(analyst).get(f"/cases/{case.reference}/").content.decode()
    assert f"{alert.force} staff {escape(alert.force_user_id)}, no custodes account" in page
    # A recorded grant lets a conflicted investigator in, as it does for custodes' chart.
    grant_access(org.lead, case, mate, "The only investigator cleared for the matter")
    assert case_page(clients[mate], case) == 200
    assert case_page(clients[manager], case) == 404
    assert (case.subject_force, case.subject_force_user_id) == (alert.force, alert.force_user_id)


def test_a_case_about_an_account_holder_keeps_the_force_charts_need_to_know(
    org: Org, alert: AuditAlert, analyst: User
) -> None:
    """The subject's custodes account adds custodes' chart; the force's chart still counts."""
    account = add_user(org, "pc-jones", Role.INTAKE_HANDLER, "response-west", alert.force_user_id)
    manager = add_user(org, "boss", Role.PSD_INVESTIGATOR, "psd-3", staff_around(alert).manager)
    case = open_case_from_audit_alert(analyst, alert, REASON)
    assert case.subject == account
    add_member(org.lead, case, manager)
    assert case_page(org.client(manager), case) == 404


def test_the_subject_under_another_spelling_of_the_force_is_the_cases_subject(
    org: Org, alert: AuditAlert, analyst: User
) -> None:
    """The case is about the account holding the subject's id, however its force is spelt."""
    subject = add_user(
        org, "pc-jones", Role.PSD_INVESTIGATOR, "psd-9", alert.force_user_id, force="XF-2"
    )
    case = open_case_from_audit_alert(analyst, alert, REASON)
    assert case.subject == subject
    client = org.client(subject)
    data = {"reference": case.reference, "reason": "Checking something on this case"}
    refused = csrf_post(client, "/cases/break-glass/", data)
    assert "no such case, or it cannot be opened by break-glass" in refused.content.decode()
    assert case_page(client, case) == 404
    assert not CaseAccess.objects.filter(case=case, user=subject).exists()


def test_every_holder_of_the_subjects_force_id_is_the_subject(
    org: Org, alert: AuditAlert, analyst: User
) -> None:
    """A second account holding the subject's id cannot break the glass or be granted it."""
    account = add_user(org, "pc-jones", Role.INTAKE_HANDLER, "response-west", alert.force_user_id)
    other = add_user(
        org, "pc-jones-2", Role.PSD_INVESTIGATOR, "psd-9", alert.force_user_id, force="XF-2"
    )
    case = open_case_from_audit_alert(analyst, alert, REASON)
    assert case.subject == account  # the alert's own force first
    client = org.client(other)
    data = {"reference": case.reference, "reason": "Checking something on this case"}
    refused = csrf_post(client, "/cases/break-glass/", data)
    assert "no such case, or it cannot be opened by break-glass" in refused.content.decode()
    with pytest.raises(PermissionDenied):
        grant_access(org.lead, case, other, "Needs to see it")
    add_member(org.lead, case, other)
    assert case_page(client, case) == 404


def test_the_subject_cannot_grant_the_case_about_them(
    org: Org, alert: AuditAlert, analyst: User
) -> None:
    """A lead who holds the subject's force id grants nobody access, as PostgreSQL has it."""
    case = open_case_from_audit_alert(analyst, alert, REASON)
    subject_lead = add_user(org, "subject-lead", Role.CC_LEAD, "elsewhere", alert.force_user_id)
    friend = add_user(org, "friend", Role.PSD_INVESTIGATOR, "psd-9")
    with pytest.raises(PermissionDenied):
        grant_access(subject_lead, case, friend, "Please look at this for me")
    assert not CaseAccess.objects.filter(case=case, user=friend).exists()
