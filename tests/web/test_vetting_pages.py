"""The vetting unit's pages: the work queue and its filters, the backlog's counts, a task's
decision, clearances and people; and need-to-know as the attacks it stops, on pages and counts."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from custodes.web.accounts.models import Role, User
from custodes.web.cases import path
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from custodes.web.vetting.actions import (
    Who,
    decide_task,
    import_external_check,
    move_into_post,
    record_clearance,
    set_post_requirement,
    sweep,
    who,
)
from custodes.web.vetting.models import Clearance, PostRequirement, VettingTask
from custodes.web.vetting.views import source_of
from tests.web.case_helpers import Dept, days_ago, dept_fixture  # noqa: F401 - a fixture
from tests.web.conftest import csrf_post, sign_in, unmasked
from tests.web.test_case_path import At, along
from tests.web.test_postgres_case_path import acting_as
from tests.web.vetting_helpers import Staff, staff_fixture  # noqa: F401 - a fixture

REASON = "Vetting interview held; references and financial checks returned clear"
HEADER = "check,hit_ref,force,force_user_id,hit_on,summary\n"
QUEUE = "/vetting/"


@dataclass
class Desk:
    """The vetting desk's records: tasks in each state, and the constable's own records."""

    staff: Staff
    moved: VettingTask  # X300 into Public protection today: holds RV, needs MV; due today
    late: VettingTask  # X301 into Traffic 200 days ago, no clearance: overdue
    check: VettingTask  # an external check's hit on X302 in January 2025: overdue
    decided: VettingTask  # an external check's hit on X303, decided
    own: VettingTask  # an external check's hit on the constable (V100), raised yesterday
    own_clearance: Clearance  # the constable's RV, granted 11 years ago: expired

    def client(self, user: User) -> Client:
        """Return a CSRF-enforcing client signed in as `user`."""
        client = Client(enforce_csrf_checks=True)
        sign_in(client, user, self.staff.devices[user.username])
        return client


def person(force_user_id: str) -> Who:
    """Return the member of staff with the force id (XF)."""
    found = who(None, "XF", force_user_id)
    assert found is not None
    return found


def import_hits(staff: Staff, tmp: Path, name: str, rows: list[str]) -> list[VettingTask]:
    """Import an external check's hits (`force_user_id,hit_on,summary` each) as the vetter."""
    target = tmp / name
    lines = [f"PND,{name}-{n},XF,{row}" for n, row in enumerate(rows)]
    target.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return import_external_check(staff.vetter, target).created


@pytest.fixture
def desk(staff: Staff, tmp_path: Path) -> Desk:
    today = timezone.localdate()
    vetter = staff.vetter
    protection = set_post_requirement(
        vetter, "Public protection", "MV", PostRequirement.Vulnerable.PUBLIC_PROTECTION
    )
    traffic = set_post_requirement(vetter, "Traffic", "RV")
    record_clearance(
        vetter,
        person("X300"),
        "RV",
        Clearance.Status.GRANTED,
        reason=REASON,
        granted_on=today - dt.timedelta(days=400),
    )
    _, moved = move_into_post(vetter, person("X300"), protection, today)
    _, late = move_into_post(vetter, person("X301"), traffic, today - dt.timedelta(days=200))
    assert moved is not None and late is not None
    # Raised when the move was recorded, 200 days ago: its days in the queue.
    VettingTask.objects.filter(pk=late.pk).update(raised_at=timezone.now() - dt.timedelta(days=200))
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    check, decided, own = import_hits(
        staff,
        tmp_path,
        "pnd.csv",
        [
            "X302,2025-01-06,Arrested on suspicion of fraud",
            "X303,2025-02-01,Named in a civil judgment",
            f"V100,{yesterday},Named as a suspect in an assault",
        ],
    )
    decide_task(vetter, decided, VettingTask.Decision.NOT_NEEDED, REASON)
    own_clearance = record_clearance(
        vetter,
        who(staff.subject) or person("V100"),
        "RV",
        Clearance.Status.GRANTED,
        reason=REASON,
        granted_on=today - dt.timedelta(days=11 * 366),
    )
    late.refresh_from_db()
    return Desk(staff, moved, late, check, decided, own, own_clearance)


def task_ids(page: str) -> list[int]:
    """Return the tasks a queue page lists, in order."""
    return [int(pk) for pk in re.findall(r'<a href="/vetting/task/(\d+)/">', page)]


def waiting(page: str) -> dict[str, int]:
    """Return the backlog's headline counts on the queue page, by their words (singular)."""
    found = re.findall(r'<span class="count">(\d+)</span> ([^<]+)</a>', page)
    return {re.sub(r"^(\w+ ?\w+?)s\b", r"\1", words.strip()): int(n) for n, words in found}


def unit_row(page: str, unit: str) -> list[str] | None:
    """Return the backlog page's counts in the row of `unit`, or None if it has no row."""
    match = re.search(
        rf">{re.escape(unit)}</a>(?: <span[^>]*>[^<]*</span>)?</th>(.*?)</tr>", page, re.S
    )
    return re.findall(r'<td class="n[^"]*">([^<]*)</td>', match.group(1)) if match else None


def test_the_queue_lists_open_tasks_with_level_due_marks_the_backlog_and_its_chart(
    desk: Desk,
) -> None:
    client = desk.client(desk.staff.vetter)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    # Soonest due first: the two overdue (January 2025's hit, then Traffic's move), then today's.
    assert task_ids(page) == [desk.check.pk, desk.late.pk, desk.moved.pk, desk.own.pk]
    assert '<a href="/vetting/" aria-current="page">Vetting</a>' in page
    rows = dict(zip(task_ids(page), re.findall(r"<tr class=.*?</tr>", page, re.S), strict=True))
    assert "Overdue by 200 days" in rows[desk.late.pk]
    assert '<td data-label="Days in queue" class="n">200</td>' in rows[desk.late.pk]
    assert "Due today" in rows[desk.moved.pk] and ">RV</abbr>" in rows[desk.moved.pk]
    assert "Public protection" in rows[desk.moved.pk]
    assert "Due in 27 days (within 30 days)" in rows[desk.own.pk]
    assert '>RV</abbr> <span class="warn">expired</span>' in rows[desk.own.pk]
    assert "vet-subject" in rows[desk.own.pk]  # the account the force id belongs to
    assert '<td data-label="Level held">None</td>' in rows[desk.late.pk]
    assert waiting(page) == {
        "task overdue": 2,
        "task waiting, not yet due": 2,
        "clearance expired": 1,
        "integrity review overdue": 1,  # X300's RV, granted 400 days ago, never reviewed
        "renewal due within 90 days": 0,
    }
    assert "a median of 0 days; the longest, 200 days" in page
    # The chart is drawn on the server, inline, with its figures as text: no script at all.
    assert "<svg" in page and "<script" not in page
    assert 'role="img" aria-labelledby="chart-title" aria-describedby="chart-words"' in page
    assert "Today: 4 open, 2 overdue." in page
    listed = TrailEvent.objects.filter(actor_id=desk.staff.vetter.pk, action=Action.LIST).latest(
        "seq"
    )
    assert listed.subject_type == Subject.PAGE and listed.changes["tasks"] == task_ids(page)

    def shown(**query: str) -> list[int]:
        found = client.get(QUEUE, query)
        assert found.status_code == 200
        return task_ids(found.content.decode())

    assert shown(trigger="post-move") == [desk.late.pk, desk.moved.pk]
    assert shown(unit="Traffic") == [desk.late.pk]
    assert shown(overdue="on") == [desk.check.pk, desk.late.pk]
    assert shown(level="RV") == [desk.moved.pk, desk.own.pk]
    assert shown(level="none") == [desk.check.pk, desk.late.pk]
    assert shown(status="decided") == [desk.decided.pk]
    assert len(shown(status="all")) == 5
    assert shown(sort="waiting")[0] == desk.late.pk
    assert shown(sort="unit")[0] == desk.check.pk  # no unit recorded: first
    assert shown(unit="Traffic", level="RV") == []
    # A value not offered is ignored, not an error.
    assert shown(unit="Nowhere", trigger="nothing", sort="x") == task_ids(page)


def test_the_backlog_counts_by_unit_and_level(desk: Desk) -> None:
    page = desk.client(desk.staff.vetter).get("/vetting/backlog/").content.decode()
    # expired, review, 30, 60, 90, tasks overdue, waiting, median, longest
    assert unit_row(page, "response-1") == ["1", "0", "0", "0", "0", "0", "1", "0", "0"]
    assert unit_row(page, "Traffic") == ["0", "0", "0", "0", "0", "1", "0", "200", "200"]
    assert unit_row(page, "Public protection") == ["0", "0", "0", "0", "0", "0", "1", "0", "0"]
    assert unit_row(page, "RV") == ["1", "1", "0", "0", "0", "0", "2", "0", "0"]
    assert "<svg" in page and "<script" not in page


def test_deciding_a_task_records_the_decision_and_a_trail_event(desk: Desk) -> None:
    client = desk.client(desk.staff.vetter)
    url = f"/vetting/task/{desk.moved.pk}/"
    page = client.get(url).content.decode()
    assert "The move into Public protection from" in page
    assert "is due on the day it happened" in page  # what the rules said
    assert 'action="/vetting/task/' in page
    blank = csrf_post(client, url + "decide/", {"decision": "stands", "reason": " "})
    assert blank.status_code == 400 and "This field is required." in blank.content.decode()
    done = csrf_post(client, url + "decide/", {"decision": "conditions", "reason": REASON})
    assert done.status_code == 302 and done["Location"] == url
    page = client.get(url).content.decode()
    assert "The clearance stands with conditions" in page and REASON in page
    assert "Record the decision</button>" not in page
    event = TrailEvent.objects.filter(action=Action.VETTING_DECIDE).latest("seq")
    assert (event.actor_id, event.subject_id) == (desk.staff.vetter.pk, str(desk.moved.pk))
    assert event.reason == REASON and event.changes == {"decision": "conditions"}
    again = csrf_post(client, url + "decide/", {"decision": "stands", "reason": REASON})
    assert again.status_code == 400 and "decided already" in again.content.decode()
    assert VettingTask.objects.get(pk=desk.moved.pk).decision == "conditions"
    # The source of an external check's task is named.
    page = client.get(f"/vetting/task/{desk.check.pk}/").content.decode()
    assert "External check PND, hit pnd.csv-0" in page


def test_a_clearance_decision_is_recorded_from_the_persons_page(desk: Desk) -> None:
    client = desk.client(desk.staff.vetter)
    url = f"/vetting/person/{desk.late.person}/"
    page = client.get(url).content.decode()
    assert "No clearance held" in page and desk.late.summary in page and "Traffic" in page
    form = {"level": "RV", "status": "granted", "reason": REASON, "unit": "Traffic"}
    missing = csrf_post(client, url + "clearance/", form)
    assert missing.status_code == 400
    assert "A granted clearance needs the day it was granted." in missing.content.decode()
    today = timezone.localdate()
    done = csrf_post(client, url + "clearance/", {**form, "granted_on": today.isoformat()})
    assert done.status_code == 302
    clearance = Clearance.objects.get(person=desk.late.person)
    assert done["Location"] == f"/vetting/clearance/{clearance.pk}/"
    assert (clearance.level, clearance.unit, clearance.decided_by) == (
        "RV",
        "Traffic",
        desk.staff.vetter,
    )
    page = client.get(done["Location"]).content.decode()
    assert f"{clearance.renewal_due:%-d %B %Y}" in page and "Recruitment vetting" in page
    event = TrailEvent.objects.filter(action=Action.VETTING_CLEARANCE).latest("seq")
    assert event.subject_id == str(clearance.pk) and event.reason == REASON
    page = client.get(url).content.decode()
    assert f'href="/vetting/clearance/{clearance.pk}/">RV</a>' in page  # the level held now


def test_those_too_close_and_outsiders_get_404s_and_the_constable_is_not_counted(
    desk: Desk,
) -> None:
    """The constable, their manager, a vetting officer in their unit and a PSD investigator:
    each page about the constable is a 404 (and on the trail), and the queue and the counts
    leave them out, so the colleague learns nothing of their own unit's backlog."""
    staff = desk.staff
    pages = [
        f"/vetting/task/{desk.own.pk}/",
        f"/vetting/clearance/{desk.own_clearance.pk}/",
        f"/vetting/person/{desk.own.person}/",
    ]
    posts = [
        (f"/vetting/task/{desk.own.pk}/decide/", {"decision": "stands", "reason": REASON}),
        (
            f"/vetting/person/{desk.own.person}/clearance/",
            {"level": "RV", "status": "withdrawn", "reason": REASON},
        ),
    ]
    vetter = desk.client(staff.vetter)
    assert [vetter.get(url).status_code for url in pages] == [200, 200, 200]
    for user in staff.refused:
        client = desk.client(user)
        assert [client.get(url).status_code for url in pages] == [404, 404, 404], user
        assert [csrf_post(client, url, data).status_code for url, data in posts] == [404, 404]
        refused = TrailEvent.objects.filter(actor_id=user.pk, action=Action.REFUSED)
        assert refused.count() == 5, user
        queue = client.get(QUEUE)
        if user == staff.outsider:
            assert queue.status_code == 403
            assert 'href="/vetting/"' not in client.get("/").content.decode()
            continue
        page = queue.content.decode()
        assert task_ids(page) == [desk.check.pk, desk.late.pk, desk.moved.pk], user
        assert desk.own.person not in page and "vet-subject" not in page.split("<main")[1]
        counts = waiting(page)
        assert (counts["task overdue"], counts["task waiting, not yet due"]) == (2, 1), user
        assert counts["clearance expired"] == 0, user
        assert "Today: 3 open, 2 overdue." in page
        backlog = client.get("/vetting/backlog/").content.decode()
        assert unit_row(backlog, "response-1") is None, user
        assert "Not recorded" in backlog  # the hit on X302, whose unit nobody recorded
    assert VettingTask.objects.get(pk=desk.own.pk).status == VettingTask.Status.OPEN
    assert Clearance.objects.filter(person=desk.own.person).count() == 1


def test_the_queue_is_paged(desk: Desk, tmp_path: Path) -> None:
    rows = [f"P{n:03d},2025-03-01,Hit {n}" for n in range(60)]
    import_hits(desk.staff, tmp_path, "many.csv", rows)
    client = desk.client(desk.staff.vetter)
    first = client.get(QUEUE, {"trigger": "external-check"}).content.decode()
    assert len(task_ids(first)) == 50 and "62 tasks shown; 1–50 here." in first
    assert 'href="?trigger=external-check&amp;page=2" rel="next"' in first
    second = client.get(QUEUE, {"trigger": "external-check", "page": "2"}).content.decode()
    assert len(task_ids(second)) == 12
    assert not set(task_ids(first)) & set(task_ids(second))


def test_a_task_from_a_case_names_the_case_but_links_it_only_for_those_on_it(
    dept: Dept,
) -> None:
    """A vetting officer is rarely on the case whose outcome raised the task: it is named, not
    linked (the link would be a 404 and a refusal on the trail)."""
    d = dept
    case, subject = along(d, At.ANSWERED)
    path.arrange_proceedings(
        d.authority, subject, forum="meeting", held_on=days_ago(0), reason=REASON
    )
    path.record_outcome(
        d.authority, subject, finding="misconduct", outcome="final-written-warning", reason=REASON
    )
    (task,) = sweep(timezone.localdate()).created
    vetter = d.make("case-vetter", Role.VETTING_OFFICER, "vetting", force_user_id="V950")
    client = Client(enforce_csrf_checks=True)
    sign_in(client, vetter, d.org.devices["case-vetter"])
    page = client.get(f"/vetting/task/{task.pk}/").content.decode()
    assert f"Case {case.reference}: recorded an outcome on" in page
    assert f'href="/cases/{case.reference}/"' not in page
    # The case's own team sees the link: the source resolves for whoever may open it.
    assert source_of(d.investigator, task).url == f"/cases/{case.reference}/"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_the_pages_show_the_same_as_the_applications_role_under_row_level_security(
    desk: Desk,
) -> None:
    """The queue, its counts and the pages about the constable, read as the app's role (whose
    rows row-level security decides) and as the owner (whose it does not): the same."""
    staff = desk.staff
    addresses = [
        f"/vetting/task/{desk.own.pk}/",
        f"/vetting/clearance/{desk.own_clearance.pk}/",
        f"/vetting/person/{desk.own.person}/",
        f"/vetting/task/{desk.check.pk}/",
    ]

    def seen(client: Client) -> tuple[list[int], dict[str, int], list[int], str]:
        page = client.get(QUEUE).content.decode()
        statuses = [client.get(address).status_code for address in addresses]
        backlog = unmasked(client.get("/vetting/backlog/").content).decode()
        return task_ids(page), waiting(page), statuses, backlog

    for user, statuses in ((staff.vetter, [200, 200, 200, 200]), (staff.colleague, [404] * 3)):
        client = desk.client(user)
        as_owner = seen(client)
        with acting_as(user):
            as_app = seen(client)
        assert as_app == as_owner, user
        assert as_owner[2][: len(statuses)] == statuses, user
