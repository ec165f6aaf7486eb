"""Support organisations on the portal: two-factor sign-in, their reports and no one else's.

The portal's own URLs and signed-cookie sessions, on the database the suite runs on (SQLite,
or PostgreSQL with DATABASE_URL: there the reads go through the portal role's functions).
"""

from __future__ import annotations

import base64
import importlib
import re
import time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.oath import TOTP
from pytest_django import Settings

from custodes.crypto import new_key_line
from custodes.web.portal import handling
from custodes.web.portal import throttle as throttle_module
from custodes.web.portal.actions import organisation_reports, reporter_view, submit_report
from custodes.web.portal.models import OrganisationAccount, Report
from custodes.web.portal.org_views import PER_NAME
from custodes.web.portal.throttle import Throttle
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent

pytestmark = [pytest.mark.django_db, pytest.mark.urls("custodes.web.portal_urls")]

PASSWORD = "lantern quay harbour 77"  # noqa: S105 - a test account's password
WHAT = "PC Aldous Fenwright-Mabey texted her after the call, asking to meet"
REFUSED = "We could not sign you in."
SIGN_IN = "/organisation/sign-in/"
REPORTS = "/organisation/reports/"
NEW = "/organisation/reports/new/"


@pytest.fixture(autouse=True)
def portal_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings.FIELD_KEYS = new_key_line(1)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    settings.SESSION_SERIALIZER = "django.contrib.sessions.serializers.JSONSerializer"
    settings.PORTAL_LEAVE_URL = "https://www.bbc.co.uk/weather"
    # The portal's templates only (its 404 is not the staff app's, which links to staff pages).
    settings.TEMPLATES = importlib.import_module("custodes.web.portal_settings").TEMPLATES
    # A fresh throttle for each test (a real one: the counts of earlier tests do not carry).
    monkeypatch.setattr(throttle_module, "throttle", Throttle())
    return settings


class Worker:
    """An organisation account and its authenticator."""

    def __init__(self, organisation_name: str, username: str) -> None:
        organisation = handling.add_organisation(
            name=organisation_name, kind="sexual-violence", actor_id=None
        )
        made = handling.add_organisation_account(
            organisation,
            username=username,
            display_name=username.title(),
            password=PASSWORD,
            actor_id=None,
        )
        self.account: OrganisationAccount = made.account
        self.key = base64.b32decode(made.totp_secret)
        self.username = username

    def code(self, steps_ahead: int = 0) -> str:
        """The code the authenticator shows now (or `steps_ahead` 30-second steps later)."""
        device = TOTP(self.key, step=30)
        device.time = time.time() + 30 * steps_ahead
        return f"{device.token():06d}"


def sign_in(client: Client, worker: Worker, *, code: str | None = None, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(
        SIGN_IN,
        {"username": worker.username, "password": password, "code": code or worker.code()},
    )


def report_for(worker: Worker, what: str = WHAT) -> Report:
    return submit_report(
        channel="organisation",
        mode="anonymous",
        category="abuse-of-position-sexual",
        content={"what_happened": what, "victim_consent": True},
        organisation_account=worker.account,
    ).report


def without_tokens(page: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", page)


@pytest.fixture
def rape_crisis() -> Worker:
    return Worker("Northmoor Rape Crisis", "t.adeyemi")


@pytest.fixture
def other_service() -> Worker:
    return Worker("Eastcliff Domestic Abuse Service", "r.lindqvist")


def test_the_right_password_and_code_sign_in(rape_crisis: Worker) -> None:
    client = Client()
    response = sign_in(client, rape_crisis)
    assert response.status_code == 302 and response["Location"] == REPORTS
    page = client.get(REPORTS)
    assert page.status_code == 200
    assert b"Northmoor Rape Crisis" in page.content
    assert b"has not made a report yet" in page.content


def test_every_wrong_part_gets_the_same_refusal(rape_crisis: Worker) -> None:
    attempts: list[dict[str, str | None]] = [
        {"username": rape_crisis.username, "password": "wrong password here", "code": None},
        {"username": rape_crisis.username, "password": PASSWORD, "code": "000000"},
        {"username": "nobody.here", "password": PASSWORD, "code": None},
        {"username": rape_crisis.username, "password": PASSWORD, "code": "12345"},
    ]
    pages = []
    for attempt in attempts:
        client = Client()
        response = client.post(
            SIGN_IN,
            {
                "username": attempt["username"],
                "password": attempt["password"],
                "code": attempt["code"] or rape_crisis.code(),
            },
        )
        assert response.status_code == 400
        assert REFUSED.encode() in response.content
        assert client.get(REPORTS).status_code == 302  # not signed in
        pages.append(without_tokens(response.content))
    # What they typed is not echoed differently: only the name field keeps its value.
    assert len({p.replace(b"nobody.here", b"t.adeyemi") for p in pages}) == 1


def test_a_code_works_once(rape_crisis: Worker) -> None:
    code = rape_crisis.code()
    assert sign_in(Client(), rape_crisis, code=code).status_code == 302
    again = sign_in(Client(), rape_crisis, code=code)
    assert again.status_code == 400 and REFUSED.encode() in again.content
    # The next step's code (the authenticator's next one) still works.
    assert sign_in(Client(), rape_crisis, code=rape_crisis.code(1)).status_code == 302


def test_guessing_one_account_is_throttled(rape_crisis: Worker, other_service: Worker) -> None:
    limit = PER_NAME[0]
    for _ in range(limit):
        response = sign_in(Client(), rape_crisis, code="999999")
        assert response.status_code == 400
    # Now even the right password and code are not tried for this name.
    throttled = sign_in(Client(), rape_crisis)
    assert throttled.status_code == 429
    assert b"too many attempts" in throttled.content
    # Another organisation's worker is not locked out by it.
    assert sign_in(Client(), other_service).status_code == 302


def test_the_global_budget_holds_across_names(
    rape_crisis: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custodes.web.portal import org_views

    monkeypatch.setattr(org_views, "ALL_NAMES", (3, 60))
    for n in range(3):
        assert (
            Client()
            .post(SIGN_IN, {"username": f"guess{n}", "password": "x" * 12, "code": "123456"})
            .status_code
            == 400
        )
    assert sign_in(Client(), rape_crisis).status_code == 429


def test_an_account_sees_its_reports_and_never_another_organisations(
    rape_crisis: Worker, other_service: Worker
) -> None:
    ours = report_for(rape_crisis)
    theirs = report_for(other_service, "Sgt Pellow-Marchetti followed her home")
    client = Client()
    sign_in(client, rape_crisis)
    listing = client.get(REPORTS)
    assert ours.reference.encode() in listing.content
    assert theirs.reference.encode() not in listing.content
    page = client.get(f"{REPORTS}{ours.reference}/")
    assert page.status_code == 200 and WHAT.encode() in page.content
    # Guessing the other organisation's reference (or any) is the same 404 as a missing one.
    for guess in (theirs.reference, "R-AAAAAAAA", str(theirs.pk), "../"):
        response = client.get(f"{REPORTS}{guess}/")
        assert response.status_code == 404, guess
        assert b"Pellow-Marchetti" not in response.content
    assert client.post(f"{REPORTS}{theirs.reference}/", {"text": "Hello"}).status_code == 404
    assert len(reporter_view(Report.objects.get(pk=theirs.pk))["messages"]) == 0


def test_a_colleague_in_the_same_organisation_follows_the_report(
    rape_crisis: Worker, other_service: Worker
) -> None:
    colleague = handling.add_organisation_account(
        rape_crisis.account.organisation,
        username="m.castellanos",
        display_name="Mercedes Castellanos",
        password=PASSWORD,
        actor_id=None,
    )
    report = report_for(rape_crisis)
    theirs = report_for(other_service, "Sgt Pellow-Marchetti followed her home")
    client = Client()
    worker = Worker.__new__(Worker)
    worker.username, worker.key = "m.castellanos", base64.b32decode(colleague.totp_secret)
    sign_in(client, worker)
    assert report.reference.encode() in client.get(REPORTS).content
    page = client.get(f"{REPORTS}{report.reference}/")
    assert page.status_code == 200 and WHAT.encode() in page.content
    answered = client.post(f"{REPORTS}{report.reference}/", {"text": "She can talk on Monday"})
    assert answered.status_code == 302
    # Another organisation's report is still a 404, for the colleague as for the author.
    assert theirs.reference.encode() not in client.get(REPORTS).content
    assert client.get(f"{REPORTS}{theirs.reference}/").status_code == 404
    # Once the author's account is disabled its reports stay with the organisation; once the
    # colleague's is, the colleague sees none of them.
    handling.disable_organisation_account(rape_crisis.account, actor_id=None, reason="Left")
    assert report.reference.encode() in client.get(REPORTS).content
    handling.disable_organisation_account(colleague.account, actor_id=None, reason="Left too")
    assert client.get(REPORTS).status_code == 302
    assert organisation_reports(OrganisationAccount.objects.get(pk=colleague.account.pk)) == []


def test_disabling_an_account_is_on_the_trail_with_its_reason(rape_crisis: Worker) -> None:
    handling.disable_organisation_account(
        rape_crisis.account, actor_id=None, reason="Worker left the service"
    )
    event = TrailEvent.objects.get(
        subject_type=Subject.ORGANISATION_ACCOUNT,
        subject_id=str(rape_crisis.account.pk),
        action=Action.UPDATE,
    )
    assert event.reason == "Worker left the service"
    assert event.changes == {"active": [True, False]}
    assert not OrganisationAccount.objects.get(pk=rape_crisis.account.pk).active
    with pytest.raises(ValidationError):
        handling.disable_organisation_account(rape_crisis.account, actor_id=None, reason="Again")
    assert sign_in(Client(), rape_crisis).status_code == 400


def test_the_organisations_own_reference_is_kept_as_its_own_answer(
    rape_crisis: Worker,
) -> None:
    client = Client()
    sign_in(client, rape_crisis)
    made = submit_report(
        channel="organisation",
        mode="anonymous",
        category="abuse-of-position-sexual",
        content={
            "what_happened": WHAT,
            "victim_consent": True,
            "organisation_reference": "NRC-2291",
        },
        organisation_account=rape_crisis.account,
    ).report
    content = reporter_view(Report.objects.get(pk=made.pk))["content"]
    assert content["organisation_reference"] == "NRC-2291"
    assert content["what_happened"] == WHAT  # not appended to the account any more
    page = client.get(f"{REPORTS}{made.reference}/")
    assert b"NRC-2291" in page.content
    # A public reporter is not asked it, and cannot give it.
    with pytest.raises(ValidationError):
        submit_report(
            channel="public",
            mode="anonymous",
            category="corruption",
            content={"what_happened": "x", "organisation_reference": "NRC-1"},
        )


def test_a_public_reporters_session_never_sees_an_organisations_list(
    rape_crisis: Worker,
) -> None:
    org_report = report_for(rape_crisis)
    public = submit_report(
        channel="public",
        mode="anonymous",
        category="corruption",
        content={"what_happened": "An officer took a bribe on Quayside"},
    )
    client = Client()
    opened = client.post("/return/", {"receipt": public.receipt})
    assert opened.status_code == 302
    assert client.get("/your-report/").status_code == 200  # the reporter's own report opens
    for path in (REPORTS, NEW, f"{REPORTS}{org_report.reference}/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == SIGN_IN, path
    # And an organisation's report's receipt, if anyone had it, opens nothing on the public side.
    assert client.get("/your-report/").status_code == 200


def _form(**extra: str) -> dict[str, str]:
    return {
        "category": "abuse-of-position-sexual",
        "what_happened": WHAT,
        "where": "Northmoor",
        "how_met": "victim",
        "mode": "anonymous",
        **extra,
    }


def test_consent_is_required(rape_crisis: Worker) -> None:
    client = Client()
    sign_in(client, rape_crisis)
    form = client.get(NEW)
    assert form.status_code == 200
    assert b"they can ask you to withdraw the report at any time" in form.content
    refused = client.post(NEW, _form())
    assert refused.status_code == 400
    assert b"only with the victim&#x27;s consent" in refused.content
    assert not Report.objects.filter(channel="organisation").exists()

    sent = client.post(NEW, _form(victim_consent="on", organisation_reference="NRC-2291"))
    assert sent.status_code == 302
    report = Report.objects.get(channel="organisation")
    assert sent["Location"] == f"{REPORTS}{report.reference}/"
    assert report.organisation_account_id == rape_crisis.account.pk
    content = reporter_view(report)["content"]
    assert content["victim_consent"] is True
    assert "NRC-2291" in str(content)
    page = client.get(sent["Location"])
    assert b"The report has been sent" in page.content and b"NRC-2291" in page.content


def test_replies_are_read_and_answered(rape_crisis: Worker) -> None:
    report = report_for(rape_crisis)
    handling.handler_message(report, handler_id=9, text="Can she say which night?", question=True)
    client = Client()
    sign_in(client, rape_crisis)
    assert b"1 new reply" in client.get(REPORTS).content
    page = client.get(f"{REPORTS}{report.reference}/")
    assert b"Can she say which night?" in page.content
    answered = client.post(f"{REPORTS}{report.reference}/", {"text": "The Friday, 3 May"})
    assert answered.status_code == 302
    texts = [m["text"] for m in reporter_view(Report.objects.get(pk=report.pk))["messages"]]
    assert texts == ["Can she say which night?", "The Friday, 3 May"]
    assert b"1 new reply" not in client.get(REPORTS).content


def test_a_disabled_account_is_signed_out(rape_crisis: Worker) -> None:
    client = Client()
    sign_in(client, rape_crisis)
    assert client.get(REPORTS).status_code == 200
    OrganisationAccount.objects.filter(pk=rape_crisis.account.pk).update(active=False)
    assert client.get(REPORTS).status_code == 302
    assert sign_in(Client(), rape_crisis, code=rape_crisis.code(1)).status_code == 400


def test_sign_out_ends_the_session(rape_crisis: Worker) -> None:
    client = Client()
    sign_in(client, rape_crisis)
    out = client.post("/organisation/sign-out/")
    assert out.status_code == 200
    assert "cookies" in out["Clear-Site-Data"]
    assert client.get(REPORTS).status_code == 302


def test_the_session_holds_only_the_account_id(rape_crisis: Worker, settings: Settings) -> None:
    from django.core import signing

    client = Client()
    sign_in(client, rape_crisis)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    data = signing.loads(
        cookie,
        salt="django.contrib.sessions.backends.signed_cookies",
        serializer=signing.JSONSerializer,
    )
    assert data == {"portal_org_account": rape_crisis.account.pk}


def test_an_idle_session_expires(rape_crisis: Worker, settings: Settings) -> None:
    settings.SESSION_COOKIE_AGE = 1
    client = Client()
    sign_in(client, rape_crisis)
    time.sleep(2.2)
    assert client.get(REPORTS).status_code == 302
