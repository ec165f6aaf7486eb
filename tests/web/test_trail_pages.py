"""The footer's promise: every staff page opened, or refused, leaves an event on the trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from custodes.web.accounts.models import Role, User
from custodes.web.alerts.models import AuditAlert
from custodes.web.registry.actions import check_applicant, import_list, load_roster
from custodes.web.registry.models import Candidate, Entry, ListImport, Roster, Screening
from custodes.web.risk.actions import create_plan, import_risk_run
from custodes.web.risk.models import RiskEntry
from custodes.web.trail.models import TrailEvent
from custodes.web.vetting.actions import (
    Who,
    declare,
    move_into_post,
    record_clearance,
    set_post_requirement,
)
from custodes.web.vetting.models import Clearance
from custodes.web.vetting.transfers import record_transfer
from custodes.web.vetting.withdrawal import begin_withdrawal, lodge_appeal
from tests.web.audit_helpers import add_user, import_run, make_audit_folders, staff_around
from tests.web.conftest import Org
from tests.web.report_helpers import report_about
from tests.web.risk_helpers import Officer, write_run

FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"
FOOTER = "Every page you open here, and every page refused you, is recorded in the trail."
# Routes that only take a POST (each records its own write) or are not staff pages at all.
NOT_PAGES = {
    "accounts/sign-in/",
    "accounts/sign-out/",
    "accounts/manage/<int:pk>/unlock/",
    "accounts/manage/unlock-address/",
    "accounts/manage/<int:pk>/force-user-id/",
    "alerts/audit/<int:pk>/<str:action>/",
    "cases/<str:reference>/parties/",
    "registry/candidates/<int:pk>/<str:action>/",
    "registry/rosters/<int:pk>/screen/",
    "vetting/transfers/<int:pk>/recheck/",
    "vetting/transfers/<int:pk>/record/",
    "reports/<str:reference>/act/<str:action>/",
    # A file download, not a page; it records its own read (tests/web/test_reports_actions.py).
    "reports/<str:reference>/files/<uuid:file_id>/<str:copy>/",
    "risk/entries/<int:pk>/open-case/",
    "risk/plans/<int:pk>/review/",
    "risk/plans/<int:pk>/close/",
    # A risk run's own report, served whole (not a custodes page, so no footer); it records
    # its own read (tests/web/test_risk_report.py).
    "risk/runs/<int:pk>/report/",
    "vetting/task/<int:pk>/decide/",
    "vetting/person/<str:key>/clearance/",
    "vetting/clearance/<int:pk>/review/",
    # The public statistics page and its files: not staff pages, they read no record and
    # record nothing (tests/web/test_stats_page.py).
    "statistics/",
    "statistics/<path:name>",
}


def routes(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> Iterator[str]:
    """Yield every route of the staff app, as resolve() names it."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern)


@dataclass(frozen=True)
class Place:
    """Records for every page to show, and the people to show them to."""

    analyst: User
    vetter: User
    admin: User
    alert: AuditAlert
    entry: Entry
    imported: ListImport
    screening: Screening
    candidate: Candidate
    roster: Roster
    risk_lead: User  # a lead known in the force, with a risk run to work
    risk_entry: int
    risk_plan: int
    report: str = ""  # a portal report's reference
    vetting: dict[str, int | str] = field(default_factory=dict)  # vetting records, by what


@pytest.fixture
def place(org: Org, tmp_path_factory: pytest.TempPathFactory) -> Place:
    run = import_run(make_audit_folders(tmp_path_factory))
    alert = AuditAlert.objects.get(run=run, rank=1)
    analyst = add_user(org, "analyst", Role.CC_ANALYST, "acu-north", staff_around(alert).stranger)
    vetter = add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")
    admin = add_user(org, "admin", Role.ADMINISTRATOR, "it-services")
    roster = load_roster(None, "Exampleshire staff", "XF", FIXTURES / "roster.csv")
    imported = import_list(None, "generic", [FIXTURES / "new-list.csv"]).list_import
    candidate = Candidate.objects.select_related("screening", "entry").first()
    assert candidate is not None
    screening = check_applicant(vetter, {"first_name": "Jo", "last_name": "Bloggs"})
    report = report_about("Nobody On The Staff List").report
    risk_lead = add_user(org, "risk-lead", Role.CC_LEAD, "acu-risk", "U-RISK-1")
    risk_dir = write_run(
        tmp_path_factory.mktemp("risk"), [Officer("XF:U500", "Ann", "Other", "traffic", 0.5)]
    )
    risk_entry = RiskEntry.objects.get(run=import_risk_run(None, risk_dir).run)
    soon = timezone.localdate() + dt.timedelta(days=10)
    plan = create_plan(risk_lead, risk_entry, "Supervision", soon, soon, risk_lead)
    vetting = _vetting_records(vetter)
    return Place(
        analyst,
        vetter,
        admin,
        alert,
        candidate.entry,
        imported,
        screening,
        candidate,
        roster,
        risk_lead,
        risk_entry.pk,
        plan.pk,
        report.reference,
        vetting,
    )


def _vetting_records(vetter: User) -> dict[str, int | str]:
    """Make a withdrawal assessment, a refusal's appeal and a transfer, about no one near, and
    a declaration of the vetting officer's own."""

    def clearance(fid: str, status: Clearance.Status) -> Clearance:
        granted = status == Clearance.Status.GRANTED
        on = dt.date(2020, 1, 6) if granted else None
        return record_clearance(
            vetter, Who(None, "XF", fid), "RV", status, reason="Checks", granted_on=on
        )

    granted = clearance("V301", Clearance.Status.GRANTED)
    appealed = clearance("V302", Clearance.Status.REFUSED)
    transfer = record_transfer(
        vetter,
        first_name="Ann",
        last_name="Other",
        former_force="Eastmoor Police",
        former_staff_id="EM-1",
        starts_on=timezone.localdate() + dt.timedelta(days=30),
    )
    post = set_post_requirement(vetter, "Firearms", "MV")
    _, task = move_into_post(vetter, Who(None, "XF", "V301"), post, timezone.localdate())
    assert task is not None
    return {
        "task": task.pk,
        "clearance": granted.pk,
        "withdrawal": begin_withdrawal(vetter, granted, "Adverse intelligence").pk,
        "refused": clearance("V303", Clearance.Status.REFUSED).pk,
        "appeal": lodge_appeal(vetter, appealed, "Grounds").pk,
        "transfer": transfer.pk,
        "declaration": str(declare(vetter, "address", "Moved to 3 Elm Row").pk),
    }


def pages(org: Org, place: Place) -> list[tuple[User, str]]:
    """Return (who, address) for a GET of every staff page, each by someone who may use it."""
    return [
        (org.owner, "/"),
        (org.owner, "/cases/"),
        (org.owner, f"/cases/{org.case.reference}/"),
        (org.owner, "/cases/break-glass/"),
        (org.owner, "/cases/my-work/"),
        (org.owner, "/cases/new/"),
        (org.owner, f"/cases/{org.case.reference}/steps/subject/"),
        (place.analyst, "/alerts/"),
        (place.analyst, "/alerts/audit/"),
        (place.analyst, f"/alerts/audit/{place.alert.pk}/"),
        (place.vetter, "/registry/"),
        (place.vetter, f"/registry/imports/{place.imported.pk}/"),
        (place.vetter, f"/registry/entries/{place.entry.pk}/"),
        (place.vetter, "/registry/check/"),
        (place.vetter, "/registry/screenings/"),
        (place.vetter, f"/registry/screenings/{place.screening.pk}/"),
        (place.vetter, f"/registry/candidates/{place.candidate.pk}/"),
        (place.vetter, "/registry/rosters/"),
        (place.admin, "/accounts/manage/"),
        (place.analyst, "/reports/"),
        (place.analyst, f"/reports/{place.report}/"),
        (place.risk_lead, "/risk/"),
        (place.risk_lead, f"/risk/entries/{place.risk_entry}/"),
        (place.risk_lead, f"/risk/entries/{place.risk_entry}/plan/"),
        (place.risk_lead, f"/risk/plans/{place.risk_plan}/"),
        (place.vetter, "/vetting/"),
        (place.vetter, "/vetting/backlog/"),
        (place.vetter, f"/vetting/task/{place.vetting['task']}/"),
        (place.vetter, f"/vetting/clearance/{place.vetting['clearance']}/"),
        (place.vetter, "/vetting/person/force:XF:V301/"),
        (place.vetter, "/vetting/withdrawals/"),
        (place.vetter, f"/vetting/withdrawals/{place.vetting['withdrawal']}/"),
        (place.vetter, f"/vetting/clearances/{place.vetting['clearance']}/withdrawal/"),
        (place.vetter, f"/vetting/clearances/{place.vetting['refused']}/appeal/"),
        (place.vetter, f"/vetting/appeals/{place.vetting['appeal']}/"),
        (place.vetter, "/vetting/transfers/"),
        (place.vetter, "/vetting/transfers/new/"),
        (place.vetter, f"/vetting/transfers/{place.vetting['transfer']}/"),
        (place.vetter, "/vetting/declare/"),
        (place.vetter, f"/vetting/declare/{place.vetting['declaration']}/"),
    ]


def events_by(user: User) -> int:
    """Count the trail events with `user` as their actor."""
    return TrailEvent.objects.filter(actor_id=user.pk).count()


def test_the_pages_here_are_every_staff_page(org: Org, place: Place) -> None:
    """A new page must join the list below, so the footer stays true."""
    covered = {resolve(path.split("?")[0]).route for _, path in pages(org, place)}
    assert set(routes()) - NOT_PAGES - covered == set()


def test_every_page_opened_leaves_an_event(org: Org, place: Place) -> None:
    """Each GET of each staff page adds at least one event by the person who opened it."""
    clients: dict[int, Client] = {}
    for user, path in pages(org, place):
        if user.pk not in clients:
            clients[user.pk] = org.client(user)
        client = clients[user.pk]
        before = events_by(user)
        response = client.get(path, follow=False)
        assert response.status_code in (200, 302), (path, response.status_code)
        assert events_by(user) > before, path
        if response.status_code == 200:
            assert FOOTER in response.content.decode(), path


def test_every_page_refused_leaves_an_event_with_why(org: Org, place: Place) -> None:
    """A page refused for the role (403) or a record refused (404) is recorded as refused."""
    client = org.client(org.outsider)
    for path, status in (
        ("/alerts/", 403),
        ("/alerts/audit/", 403),
        ("/registry/", 403),
        (f"/alerts/audit/{place.alert.pk}/", 404),
        (f"/registry/entries/{place.entry.pk}/", 404),
        ("/cases/NO-SUCH-CASE/", 404),
    ):
        before = events_by(org.outsider)
        response = client.get(path)
        assert response.status_code == status, path
        assert FOOTER in response.content.decode(), path
        latest = TrailEvent.objects.filter(actor_id=org.outsider.pk).order_by("-seq").first()
        assert events_by(org.outsider) == before + 1, path
        assert latest is not None and latest.action == "refused" and latest.reason, path


def test_list_pages_record_what_they_listed(org: Org, place: Place) -> None:
    """The case list, the queue and home name, by id, what they put in front of the reader."""
    client = org.client(place.analyst)
    client.get("/alerts/audit/")
    listed = TrailEvent.objects.get(actor_id=place.analyst.pk, subject_type="audit-queue")
    assert listed.action == "list"
    assert place.alert.pk in listed.changes["alerts"]
    owner = org.client(org.owner)
    owner.get("/cases/")
    cases = TrailEvent.objects.get(actor_id=org.owner.pk, subject_type="cases")
    assert cases.changes["cases"] == [str(org.case.pk)]
