"""The audit alert queue (`/alerts/audit/`): best first, never about oneself, chain or unit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from custodes.web.accounts.models import Role
from custodes.web.alerts.actions import dismiss_audit_alert
from custodes.web.alerts.models import AuditAlert, AuditRun
from tests.web.audit_helpers import (
    QUEUE,
    AuditFolders,
    add_user,
    import_reorganised_run,
    import_run,
    listed,
    make_audit_folders,
    staff_around,
    visible_to,
)
from tests.web.conftest import Org, csrf_post


@pytest.fixture
def run(db: None, tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    """Import the session's real audit run."""
    folders: AuditFolders = make_audit_folders(tmp_path_factory)
    return import_run(folders)


def top(run: AuditRun) -> AuditAlert:
    """Return the alert ranked first."""
    return AuditAlert.objects.get(run=run, rank=1)


def analyst_client(org: Org, force_user_id: str, username: str = "analyst") -> Client:
    """Sign in an analyst known in the force as `force_user_id`."""
    analyst = add_user(org, username, Role.CC_ANALYST, "acu-north", force_user_id)
    return org.client(analyst)


def test_the_analyst_sees_the_queue_best_first(org: Org, run: AuditRun) -> None:
    """Every alert the analyst may see is listed in rank order, the best first."""
    alert = top(run)
    stranger = staff_around(alert).stranger
    client = analyst_client(org, stranger)
    pks = listed(client)
    assert pks == visible_to(run, stranger)
    assert pks[0] == alert.pk
    ranks = dict(AuditAlert.objects.filter(run=run).values_list("pk", "rank"))
    assert [ranks[pk] for pk in pks] == sorted(ranks[pk] for pk in pks)
    assert len(pks) > 50  # more than one page
    page = client.get(QUEUE).content.decode()
    assert alert.summary in page
    assert "Next</a>" in page


def test_the_lead_sees_it_too(org: Org, run: AuditRun) -> None:
    """Counter-corruption leads share the queue once their force user id is known."""
    alert = top(run)
    org.lead.force_user_id = staff_around(alert).stranger
    org.lead.save(update_fields=["force_user_id"])
    assert alert.pk in listed(org.client(org.lead))


def test_nobody_sees_an_alert_about_themselves(org: Org, run: AuditRun) -> None:
    """An analyst whose force user id is the subject's does not see the alert."""
    alert = top(run)
    pks = listed(analyst_client(org, alert.force_user_id), "all")
    assert alert.pk not in pks
    assert pks  # the rest of the queue is still there


def test_the_subjects_line_manager_does_not_see_it(org: Org, run: AuditRun) -> None:
    """The chain above the subject in the force's org chart is kept out."""
    alert = top(run)
    pks = listed(analyst_client(org, staff_around(alert).manager), "all")
    assert alert.pk not in pks
    assert pks


def test_someone_the_subject_manages_does_not_see_it(org: Org, run: AuditRun) -> None:
    """The chain works both ways: an alert about your manager is kept from you."""
    managed = AuditAlert.objects.filter(
        run=run, force_user_id__in=run.staff.values("line_manager_id")
    ).first()
    assert managed is not None, "no alert about a manager in this run"
    report = run.staff.filter(line_manager_id=managed.force_user_id).first()
    assert report is not None
    assert managed.pk not in listed(analyst_client(org, report.user_id), "all")


def test_the_subjects_unit_does_not_see_it(org: Org, run: AuditRun) -> None:
    """Someone in the subject's unit, outside their chain, does not see the alert."""
    alert = top(run)
    pks = listed(analyst_client(org, staff_around(alert).unit_mate), "all")
    assert alert.pk not in pks
    assert pks


def test_custodes_own_chart_applies_too(org: Org, run: AuditRun) -> None:
    """If the subject has a custodes account, its line management counts as well."""
    alert = top(run)
    around = staff_around(alert)
    boss = add_user(org, "boss", Role.CC_LEAD, "acu-command", around.stranger)
    add_user(org, "subject-account", Role.INTAKE_HANDLER, "response", alert.force_user_id, boss)
    assert alert.pk not in listed(org.client(boss), "all")


def test_a_later_run_that_puts_the_analyst_over_the_subject_hides_the_older_alert(
    org: Org, run: AuditRun, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """A tie any imported run shows counts: a reorganisation hides the older alerts too."""
    old = top(run)
    viewer = staff_around(old).stranger
    client = analyst_client(org, viewer)
    assert old.pk in listed(client)
    # A month later the force reorganises: the analyst now line-manages the subject.
    folders = make_audit_folders(tmp_path_factory)
    later = import_reorganised_run(folders, tmp_path, old.force_user_id, viewer)
    new = AuditAlert.objects.get(run=later, force_user_id=old.force_user_id)
    shown = listed(client, "all")
    assert old.pk not in shown and new.pk not in shown
    # Worked out independently: an alert shows when its subject is clear in both charts.
    clear = [
        {AuditAlert.objects.get(pk=pk).force_user_id for pk in visible_to(r, viewer)}
        for r in (run, later)
    ]
    alerts = AuditAlert.objects.order_by("-run_id", "rank")
    assert shown == [a.pk for a in alerts if a.force_user_id in clear[0] & clear[1]]
    assert len(shown) > 50
    # Nor can the analyst open or act on the older alert.
    assert client.get(f"/alerts/audit/{old.pk}/").status_code == 404
    reason = {"reason": "Nothing in it: I know the officer"}
    assert csrf_post(client, f"/alerts/audit/{old.pk}/dismiss/", reason).status_code == 404
    assert AuditAlert.objects.get(pk=old.pk).status == AuditAlert.Status.NEW


def test_an_analyst_not_known_in_the_force_sees_nothing(org: Org, run: AuditRun) -> None:
    """Without a force user id need-to-know cannot be applied, so no alert is shown."""
    client = org.client(org.lead)
    response = client.get(QUEUE)
    assert response.status_code == 200
    text = response.content.decode()
    assert "no force user id" in text
    assert listed(client, "all") == []


def test_the_queue_filters_by_status(org: Org, run: AuditRun) -> None:
    """A dismissed alert leaves the new queue and shows under dismissed and all."""
    alert = top(run)
    stranger = add_user(org, "analyst", Role.CC_ANALYST, "acu-north", staff_around(alert).stranger)
    dismiss_audit_alert(stranger, alert, "Explained: a safeguarding enquiry")
    client = org.client(stranger)
    assert alert.pk not in listed(client, "new")
    assert listed(client, "dismissed") == [alert.pk]
    assert listed(client, "escalated") == []
    assert alert.pk in listed(client, "all")
    # An unknown status falls back to the new alerts rather than showing everything.
    assert listed(client, "nonsense") == listed(client, "new")


def test_the_nav_and_the_alerts_page_link_to_it(org: Org, run: AuditRun) -> None:
    """Counter-corruption staff find the queue from every page and from /alerts/."""
    client = analyst_client(org, "nobody-in-the-run")
    home = client.get("/").content.decode()
    assert f'href="{QUEUE}"' in home
    alerts = client.get("/alerts/").content.decode()
    assert alerts.count(f'href="{QUEUE}"') == 2  # the nav and the page itself


def test_the_outsider_is_refused_with_403(org: Org, run: AuditRun) -> None:
    """Investigators, including the outsider, may not open the queue or see its link."""
    for user in (org.outsider, org.owner, org.subject):
        client = org.client(user)
        assert client.get(QUEUE).status_code == 403, user.username
        assert f'href="{QUEUE}"' not in client.get("/").content.decode()


def test_not_signed_in_is_sent_to_sign_in(db: None) -> None:
    """An anonymous visitor is redirected to the sign-in page."""
    response = Client(enforce_csrf_checks=True).get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/alerts/audit/"


def test_only_get_is_allowed(org: Org, run: AuditRun) -> None:
    """Without the token a POST is refused; with it, POST is still not a method it takes."""
    client = analyst_client(org, "nobody-in-the-run")
    assert client.post(QUEUE).status_code == 403
    token = client.cookies["csrftoken"].value
    assert client.post(QUEUE, {"csrfmiddlewaretoken": token}).status_code == 405


def numbers(client: Client, status: str = "all") -> list[int]:
    """Return the numbers the queue shows in its first column, over all its pages."""
    found: list[int] = []
    page = 1
    while True:
        text = client.get(QUEUE, {"status": status, "page": str(page)}).content.decode()
        found += [int(n) for n in re.findall(r'href="/alerts/audit/\d+/">(\d+)</a>', text)]
        if "Next</a>" not in text:
            return found
        page += 1


def test_the_numbers_do_not_show_where_alerts_about_the_viewer_are_hidden(
    org: Org, run: AuditRun
) -> None:
    """The subject of the top alert sees the queue numbered 1, 2, 3 … with no gap where their
    own alert (or their chain's, or their unit's) is hidden; the alert pages say the same."""
    alert = top(run)
    client = analyst_client(org, alert.force_user_id)
    pks = listed(client, "all")
    assert alert.pk not in pks
    ranks = dict(AuditAlert.objects.filter(run=run).values_list("pk", "rank"))
    hidden = len(ranks) - len(pks)
    assert hidden >= 1
    assert numbers(client) == list(range(1, len(pks) + 1))
    second = client.get(f"/alerts/audit/{pks[0]}/").content.decode()
    assert f"Audit alert 1 of the {len(pks)} you may see" in second
    assert f"rank {ranks[pks[0]]}" not in second
