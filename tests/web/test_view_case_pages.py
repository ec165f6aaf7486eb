"""The case list's filters, search and pages; the case page's timeline and steps; and each
user's "My work": what a user sees, through the real actions and the real pages, and what
need-to-know keeps from the subject, their sergeant, a colleague in their unit, an outsider,
the oversight body and anyone not named on a sealed case."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from custodes.web.accounts.models import User
from custodes.web.cases import path
from custodes.web.cases.actions import add_member, open_case
from custodes.web.cases.matter import NewAllegation, NewSubject, take_in
from custodes.web.cases.models import Case, Decision, ListReport, Requirement
from custodes.web.cases.timeline import timeliness_due
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from tests.web.case_helpers import (
    REASON,
    Dept,
    days_ago,
    dept_fixture,  # noqa: F401 - a fixture
    subject_of,
    take_in_apsp,
)

LIST = "/cases/"
WORK = "/cases/my-work/"
CATEGORY_TITLE = "Abuse of position for a sexual purpose"


@dataclass
class Load:
    """A small caseload: each case at a different place on its path."""

    investigated: Case  # recorded, NOT referred (a departure), investigator appointed, a year on
    fresh: Case  # just taken in: recording and the mandatory referral open, the referral overdue
    closed: Case  # intelligence, closed
    dismissed: Case  # referred, heard, the officer dismissed: a barred-list report due
    sealed: Case


def build(d: Dept) -> Load:
    """Carry each case through the real actions."""
    a = take_in_apsp(d, "PSD-2026-0100", came=400)
    path.decide_recording(d.authority, a, record_it=True, reason=REASON)
    path.decide_referral(d.authority, a, refer=False, reason=REASON)
    path.assess_severity(d.authority, subject_of(a), level="gross-misconduct", reason=REASON)
    path.appoint_investigator(d.authority, a, d.investigator, REASON)

    b = take_in(
        d.intake,
        "PSD-2026-0200",
        "Tipped off a suspect about a planned search",
        kind=Case.Kind.CONDUCT,
        source=Case.Source.COLLEAGUE,
        came_to_attention=days_ago(20),
        subjects=[NewSubject(user=d.pc, rank="PC")],
        allegations=[NewAllegation(0, "obstruction-of-justice", "Told him of the search")],
    )
    add_member(d.intake, b, d.authority)
    b = take_in_apsp(d, "PSD-2026-0250", came=20)

    c = open_case(d.authority, "PSD-2026-0300", "Intelligence about a vehicle check", d.pc)
    path.close_case(d.authority, c, REASON)

    e = take_in_apsp(d, "PSD-2026-0400", came=20)
    s = subject_of(e)
    path.decide_recording(d.authority, e, record_it=True, reason=REASON)
    path.decide_referral(d.authority, e, refer=True, reason=REASON)
    path.assess_severity(d.authority, s, level="gross-misconduct", reason=REASON)
    path.appoint_investigator(d.authority, e, d.investigator, REASON)
    path.serve_notice(d.investigator, s, days_ago(1))
    path.submit_report(d.investigator, e, REASON, days_ago(0))
    s.refresh_from_db()
    path.decide_case_to_answer(d.authority, s, answer=True, level="gross-misconduct", reason=REASON)
    s.refresh_from_db()
    path.arrange_proceedings(d.authority, s, forum="hearing", held_on=days_ago(0), reason=REASON)
    s.refresh_from_db()
    path.record_outcome(
        d.authority,
        s,
        finding="gross-misconduct",
        outcome="dismissal-without-notice",
        reason=REASON,
    )
    sealed = open_case(d.authority, "PSD-2026-0900", "A sealed matter", d.pc, sealed=True)
    for case in (a, b, c, e, sealed):
        case.refresh_from_db()
    return Load(a, b, c, e, sealed)


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


@pytest.fixture
def load(d: Dept) -> Load:
    """Return the caseload, built through the real actions."""
    return build(d)


def get(client: Client, url: str, status: int = 200) -> str:
    """GET a page, check its status, and return its text."""
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def listed(text: str) -> list[str]:
    """Return the references the case list shows, in order."""
    return re.findall(r'<td data-label="Reference"><a href="/cases/([^/]+)/">', text)


def row_of(text: str, reference: str) -> str:
    """Return the list's row for one case."""
    found = re.search(
        rf'<tr[^>]*>\s*<td data-label="Reference"><a href="/cases/{reference}/">.*?</tr>',
        text,
        re.S,
    )
    assert found is not None, reference
    return found.group(0)


# -- the list -----------------------------------------------------------------------------------


def test_the_list_shows_each_case_by_its_people_and_deadlines(d: Dept, load: Load) -> None:
    """Each row says the matter, its subject by name, rank and unit, its allegations, its
    investigator by name, and when its next step is due, in words as well as colour."""
    text = get(d.org.client(d.authority), LIST)
    assert set(listed(text)) == {
        "PSD-2026-0100",
        "PSD-2026-0200",
        "PSD-2026-0250",
        "PSD-2026-0300",
        "PSD-2026-0400",
        "PSD-2026-0900",
    }
    a = row_of(text, "PSD-2026-0100")
    assert "Complaint · Investigation" in a
    assert (
        "Daniel Reeve" in a and "PC" in a and "Police officer" not in a and "response-south-1" in a
    )
    assert CATEGORY_TITLE in a
    assert "investigator (PSD investigator, psd-3)" in a
    owed = timeliness_due(load.investigated, timezone.localdate())
    assert owed, "a year on, a timeliness account is owed"
    assert owed[0].isoformat() in a and "Overdue" in a and 'class="overdue"' in a
    fresh = row_of(text, "PSD-2026-0250")
    referral = load.fresh.requirements.get(kind=Requirement.Kind.REFERRAL)
    assert referral.due_on is not None and referral.due_on < timezone.localdate()
    assert referral.due_on.isoformat() in fresh and "Overdue" in fresh
    assert "None appointed" in fresh
    closed = row_of(text, "PSD-2026-0300")
    assert "closed" in closed and "Overdue" not in closed
    dismissed = row_of(text, "PSD-2026-0400")
    report = ListReport.objects.get(case=load.dismissed)
    assert report.due_on is not None and report.due_on.isoformat() in dismissed
    assert "Overdue" not in dismissed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=conduct", {"PSD-2026-0200"}),
        ("kind=intelligence", {"PSD-2026-0300", "PSD-2026-0900"}),
        ("category=obstruction-of-justice", {"PSD-2026-0200"}),
        ("category=abuse-of-position-sexual", {"PSD-2026-0100", "PSD-2026-0250", "PSD-2026-0400"}),
        ("status=closed", {"PSD-2026-0300"}),
        ("status=open&kind=intelligence", {"PSD-2026-0900"}),
        ("stage=investigation", {"PSD-2026-0100"}),
        ("stage=outcome", {"PSD-2026-0400"}),
        ("overdue=yes", {"PSD-2026-0100", "PSD-2026-0250"}),
        ("overdue=no", {"PSD-2026-0200", "PSD-2026-0300", "PSD-2026-0400", "PSD-2026-0900"}),
        ("investigator=none&kind=complaint", {"PSD-2026-0250"}),
        ("q=PSD-2026-0100", {"PSD-2026-0100"}),
        ("q=psd-2026-02", {"PSD-2026-0200", "PSD-2026-0250"}),
        ("q=2026-0100", set()),
    ],
)
def test_each_filter_and_the_search_narrow_the_list(
    d: Dept, load: Load, query: str, expected: set[str]
) -> None:
    """Each filter, alone or with another, shows exactly the cases it names; the search finds
    a reference whole or by how it begins, never by its middle."""
    client = d.org.client(d.authority)
    text = get(client, f"{LIST}?{query}")
    assert set(listed(text)) == expected, query
    if not expected:
        assert "No case you can see matches these filters." in text


def test_the_investigator_filter_names_the_appointed(d: Dept, load: Load) -> None:
    """Filtering by the investigator shows the cases they were appointed to."""
    text = get(d.org.client(d.authority), f"{LIST}?investigator={d.investigator.pk}")
    assert set(listed(text)) == {"PSD-2026-0100", "PSD-2026-0400"}
    # The form offers them by name, and keeps the choice.
    assert f'<option value="{d.investigator.pk}" selected>investigator (psd-3)</option>' in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("kind=bogus", "Kind: “bogus” is not one of the choices."),
        ("stage=finished", "Stage: “finished” is not one of the choices."),
        ("status=maybe", "Status: “maybe” is not one of the choices."),
        ("overdue=1", "Deadlines: “1” is not one of the choices."),
        ("category=made-up", "Allegation: “made-up” is not one of the choices."),
        ("investigator=99999", "Investigator: “99999” is not one of the choices."),
        ("q=%3Cscript%3E", "Reference: A reference has only letters, digits and - _ / ."),
        ("q=" + "P" * 40, "Reference: Ensure this value has at most 32 characters (it has 40)."),
    ],
)
def test_a_bad_filter_value_is_explained_not_a_crash(
    d: Dept, load: Load, query: str, message: str
) -> None:
    """A value the form does not offer is refused with words, and no case is shown for it."""
    text = get(d.org.client(d.authority), f"{LIST}?{query}", status=400)
    assert "These filters could not be used" in text
    assert message in text.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert listed(text) == []
    assert "<script>" not in text


def test_the_list_pages_by_25_keeping_the_filters(d: Dept) -> None:
    """Thirty cases make two pages; the links keep the filter, and a page past the end shows
    the last page."""
    for n in range(30):
        open_case(d.authority, f"PSD-2025-{1000 + n}", f"Look-up number {n}", d.pc)
    client = d.org.client(d.authority)
    first = get(client, f"{LIST}?q=PSD-2025-1&kind=intelligence")
    assert len(listed(first)) == 25
    assert "30 cases match" in first and "1–25 shown" in first
    assert 'href="?q=PSD-2025-1&amp;kind=intelligence&amp;page=2"' in first
    second = get(client, f"{LIST}?q=PSD-2025-1&kind=intelligence&page=2")
    assert len(listed(second)) == 5
    assert set(listed(first)).isdisjoint(listed(second))
    assert 'href="?q=PSD-2025-1&amp;kind=intelligence&amp;page=1"' in second
    assert listed(get(client, f"{LIST}?q=PSD-2025-1&page=99")) == listed(second)
    assert listed(get(client, f"{LIST}?q=PSD-2025-1&page=abc")) == listed(first)


def test_the_list_is_recorded_with_what_it_showed(d: Dept, load: Load) -> None:
    """The trail names the cases the page showed, and the filters used."""
    get(d.org.client(d.authority), f"{LIST}?kind=conduct")
    event = TrailEvent.objects.filter(
        actor_id=d.authority.pk, action=Action.LIST, subject_type=Subject.CASES
    ).latest("id")
    assert event.changes["cases"] == [str(Case.objects.get(reference="PSD-2026-0200").pk)]
    assert event.changes["filters"] == {"kind": "conduct"}


# -- the case page ------------------------------------------------------------------------------


def test_the_case_page_tells_the_timeline_with_who_and_what_the_rules_said(
    d: Dept, load: Load
) -> None:
    """Every decision in order, by name, role and unit; the referral not made is marked as a
    departure, with its reason and the criteria the rules said were met."""
    text = get(d.org.client(d.authority), f"/cases/{load.investigated.reference}/")
    decisions = list(load.investigated.decisions.order_by("decided_at", "id"))
    positions = [text.index(dec.summary) for dec in decisions]
    assert positions == sorted(positions)
    assert "By authority (Appropriate authority, psd-command)" in text
    assert "By intake (Intake handler, psd-intake)" in text
    referral = load.investigated.decisions.get(step=Decision.Step.REFERRAL)
    assert referral.departs
    entries = text.split('<li class="entry')
    departing = [e for e in entries if "Departs from the rules" in e]
    assert len(departing) == 1 and referral.summary in departing[0]
    assert REASON in departing[0]
    criteria = referral.rules["criteria"]
    assert criteria and all(
        c["id"] in departing[0] and escape(c["source"]) in departing[0] for c in criteria
    )
    # The matter's own account: not referred although mandatory, and the criteria.
    assert "Mandatory" in text and "not referred" in text
    # The subject, their allegations, and what is open: the timeliness account overdue.
    assert "Daniel Reeve" in text and "XF4471" not in text.split('id="subjects"')[0]
    owed = timeliness_due(load.investigated, timezone.localdate())[0]
    open_part = text.split('id="open"')[1].split("</section>")[0]
    assert "Give the timeliness account" in open_part and owed.isoformat() in open_part
    assert "Overdue" in open_part and "working day" in open_part


def test_the_steps_offered_are_those_the_user_may_take(d: Dept, load: Load) -> None:
    """The authority is offered the list report (by report) and the appeal (by subject); the
    investigator the notice and timeliness account on their case; the intake handler only
    what intake does."""
    e = load.dismissed
    s = subject_of(e)
    report = ListReport.objects.get(case=e)
    text = get(d.org.client(d.authority), f"/cases/{e.reference}/")
    steps = text.split('id="steps"')[1].split("</aside>")[0]
    assert f'href="/cases/{e.reference}/steps/list-report/?report={report.pk}"' in steps
    assert f'href="/cases/{e.reference}/steps/appeal/?subject={s.pk}"' in steps
    assert "/steps/notice/" not in steps and "/steps/referral/" not in steps
    a = load.investigated
    mine = get(d.org.client(d.investigator), f"/cases/{a.reference}/")
    steps = mine.split('id="steps"')[1].split("</aside>")[0]
    assert f'href="/cases/{a.reference}/steps/notice/?subject={subject_of(a).pk}"' in steps
    assert f'href="/cases/{a.reference}/steps/timeliness/"' in steps
    assert "/steps/appointment/" not in steps and "/steps/closure/" not in steps
    intake = get(d.org.client(d.intake), f"/cases/{a.reference}/")
    steps = intake.split('id="steps"')[1].split("</aside>")[0]
    assert f'href="/cases/{a.reference}/steps/subject/"' in steps
    assert "/steps/notice/" not in steps and "/steps/recording/" not in steps


# -- my work ------------------------------------------------------------------------------------


def work_rows(text: str) -> list[str]:
    """Return My work's rows, in order."""
    body = text.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in text else ""
    return re.findall(r"<tr.*?</tr>", body, re.S)


def test_my_work_lists_the_authoritys_due_steps_overdue_first(d: Dept, load: Load) -> None:
    """The authority's work: the overdue referral first, then the barred-list report by its
    due day, then what has no day; each with its case, subject, day and a link to the step."""
    today = timezone.localdate()
    text = get(d.org.client(d.authority), WORK)
    rows = work_rows(text)
    referral = load.fresh.requirements.get(kind=Requirement.Kind.REFERRAL)
    report = ListReport.objects.get(case=load.dismissed)
    assert referral.due_on is not None and report.due_on is not None
    assert "Decide on the mandatory referral" in rows[0] and "PSD-2026-0250" in rows[0]
    assert referral.due_on.isoformat() in rows[0] and "Overdue" in rows[0]
    assert "working day" in rows[0] and "overdue" in rows[0]
    listed_reports = [i for i, r in enumerate(rows) if "list report" in r]
    assert len(listed_reports) == 1
    r = rows[listed_reports[0]]
    assert "PSD-2026-0400" in r and "Daniel Reeve" in r and report.due_on.isoformat() in r
    assert f"/cases/PSD-2026-0400/steps/list-report/?report={report.pk}" in r
    assert "Overdue" not in r and ("left" in r or "due today" in r.lower())
    dated = [
        dt.date.fromisoformat(m)
        for row in rows
        for m in re.findall(r'<td data-label="Due">(\d{4}-\d\d-\d\d)', row)
    ]
    overdue = [x < today for x in dated]
    assert overdue == sorted(overdue, reverse=True)
    assert dated[: overdue.count(True)] == sorted(dated[: overdue.count(True)])
    assert dated[overdue.count(True) :] == sorted(dated[overdue.count(True) :])
    # Timeliness accounts and notices are the investigator's, not the authority's.
    assert "timeliness" not in text and "notice" not in text.lower().split("<main>")[-1]


def test_my_work_gives_the_investigator_their_timeliness_account(d: Dept, load: Load) -> None:
    """The investigator sees the overdue timeliness account and the notice on the case they
    were appointed to, and none of the authority's work."""
    text = get(d.org.client(d.investigator), WORK)
    rows = work_rows(text)
    owed = timeliness_due(load.investigated, timezone.localdate())[0]
    assert "Give the timeliness account" in rows[0] and owed.isoformat() in rows[0]
    assert "Overdue" in rows[0]
    assert 'href="/cases/PSD-2026-0100/steps/timeliness/"' in rows[0]
    assert any("Serve the notice" in r and "Daniel Reeve" in r for r in rows)
    assert "referral" not in text and "list report" not in text
    assert "PSD-2026-0250" not in text


def test_my_work_is_counted_on_the_home_page_and_in_the_navigation(d: Dept, load: Load) -> None:
    """Home says how many steps are overdue or due this week, linking to My work; the
    navigation has it for the authority and the investigator, not for intake."""
    client = d.org.client(d.authority)
    text = get(client, "/")
    found = re.search(
        r'<a href="/cases/my-work/"><strong class="count">(\d+)</strong> case steps? overdue', text
    )
    assert found is not None
    page = get(client, WORK)
    assert int(found.group(1)) == len(re.findall(r'<tr class="[^"]*soon', page)) >= 2
    assert '<a href="/cases/my-work/">My work</a>' in text
    intake = d.org.client(d.intake)
    assert "My work" not in get(intake, "/")
    get(intake, WORK, status=403)


# -- need-to-know, as attacks ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["pc", "sergeant", "pc_peer", "outsider"])
def test_those_too_close_or_not_on_the_case_see_none_of_it(d: Dept, load: Load, who: str) -> None:
    """The subject, their sergeant, a colleague in their unit and an outsider of the
    investigator's role: no case in the list, whatever the filter or search, each case page a
    404 like a missing one, and no work."""
    user: User = getattr(d, who)
    client = d.org.client(user)
    for query in ("", "?q=PSD-2026", "?overdue=yes", "?category=abuse-of-position-sexual"):
        text = get(client, LIST + query)
        assert not [r for r in listed(text) if r.startswith("PSD-2026")], (who, query)
        assert "Daniel Reeve" not in text
    for case in (load.investigated, load.fresh, load.closed, load.dismissed, load.sealed):
        text = get(client, f"/cases/{case.reference}/", status=404)
        assert case.title not in text
    work = client.get(WORK)
    if work.status_code == 200:
        assert "PSD-2026" not in work.content.decode()
    else:
        assert work.status_code == 403


def test_the_oversight_body_reads_only_what_was_referred(d: Dept, load: Load) -> None:
    """Before referral the reviewer sees nothing; after, the case is listed and readable, with
    no step to take and no form to add to it, and nothing in their work."""
    client = d.org.client(d.reviewer)
    assert set(listed(get(client, LIST))) == {"PSD-2026-0400"}
    get(client, f"/cases/{load.fresh.reference}/", status=404)
    get(client, f"/cases/{load.investigated.reference}/", status=404)
    path.decide_recording(d.authority, load.fresh, record_it=True, reason=REASON)
    path.decide_referral(d.authority, load.fresh, refer=True, reason=REASON)
    assert set(listed(get(client, LIST))) == {"PSD-2026-0250", "PSD-2026-0400"}
    for case in (load.fresh, load.dismissed):
        text = get(client, f"/cases/{case.reference}/")
        assert 'id="read-only"' in text
        assert "/steps/" not in text
        assert "Add a party" not in text
        assert "Nothing: the oversight body reads referred matters." in text
    assert "Departs from the rules" not in get(client, f"/cases/{load.dismissed.reference}/")
    assert "My work" not in get(client, "/")
    get(client, WORK, status=403)


def test_a_sealed_case_is_seen_only_by_those_named(d: Dept, load: Load) -> None:
    """The investigator, not named on the sealed case, neither lists nor opens it; the
    authority who opened it does."""
    investigator = d.org.client(d.investigator)
    assert "PSD-2026-0900" not in listed(get(investigator, f"{LIST}?q=PSD-2026-09"))
    get(investigator, "/cases/PSD-2026-0900/", status=404)
    assert listed(get(d.org.client(d.authority), f"{LIST}?q=PSD-2026-09")) == ["PSD-2026-0900"]
