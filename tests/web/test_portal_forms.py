"""The reporter's forms under hostile input, through Django's test client and the portal's URLs.

Whatever is sent (very long text, any unicode, markup, NUL bytes, wrong or missing or extra
fields, broken bytes), the portal never answers 500: either the field says what is wrong, or
the report reads back exactly what was meant (NUL bytes dropped), and markup is always shown
escaped. Runs on SQLite and PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import html
import re
import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from custodes.web.portal import throttle as throttle_module
from custodes.web.portal.actions import CONTENT_FIELDS, open_with_receipt, reporter_view
from custodes.web.portal.forms import ReportForm
from custodes.web.portal.models import Report

pytestmark = pytest.mark.django_db

PORTAL = {
    "ROOT_URLCONF": "custodes.web.portal_urls",
    "CSRF_FAILURE_VIEW": "django.views.csrf.csrf_failure",  # as portal_settings has it
    "PORTAL_SUBMISSIONS_PER_WINDOW": 1_000_000,
    "PORTAL_RECEIPT_CHECKS_PER_WINDOW": 1_000_000,
}
RECEIPT = re.compile(r'<span class="receipt__group">(\d{4})</span>')
HOSTILE_PIECES = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "&amp; &lt;b&gt; &#x3C;script&#x3E;",
    "{{ request }} {% debug %}",
    "\u202eevil\u202c",  # right-to-left override
    "שלום عليكم",
    "e\u0301\u0308 a\u20dd",  # combining marks
    "👮🏽\u200d♀️ 🚓",
    "\x00",
    "\\ud800\\udfff",  # surrogates, escaped (a lone surrogate cannot be sent as UTF-8)
    "\r\n\t",
    "Robert'); DROP TABLE portal_report;--",
]
hostile_text = st.lists(
    st.one_of(
        st.sampled_from(HOSTILE_PIECES),
        st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
    ),
    max_size=8,
).map("".join)


@pytest.fixture
def client() -> Iterator[Client]:
    throttle_module.throttle = throttle_module.Throttle()
    with override_settings(**PORTAL):
        yield Client()


def receipt_of(body: str) -> str:
    groups = RECEIPT.findall(body)
    assert len(groups) == 4, body[:3000]
    return "".join(groups)


def report_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "form_token": "",
        "category": "abuse-of-position-sexual",
        "what_happened": "He came to my flat after I called about a burglary.",
        "mode": "anonymous",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def no_raw_markup(body: str, sent: str) -> None:
    """Markup that was sent is on the page only escaped."""
    for tag in ("<script>", "<img src=x", "<b>"):
        if tag in sent:
            assert tag not in body.replace('<script src="', ""), tag


def read_back(receipt: str) -> dict[str, Any]:
    report = open_with_receipt(receipt)
    assert report is not None
    return reporter_view(report)


@hsettings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    what=hostile_text,
    where=hostile_text,
    officer=hostile_text,
    anonymous=st.booleans(),
    name=hostile_text,
)
def test_a_hostile_report_is_refused_on_its_field_or_reads_back_as_meant(
    client: Client, what: str, where: str, officer: str, anonymous: bool, name: str
) -> None:
    data = report_data(
        what_happened=what,
        where=where,
        officer_name=officer,
        mode="anonymous" if anonymous else "confidential",
        reporter_name=name,
    )
    response = client.post("/report/public/", data)
    body = response.content.decode()
    assert response.status_code in (200, 400), body[:2000]
    for value in (what, where, officer, name):
        no_raw_markup(body, value)
    meant = {k: v.replace("\x00", "") for k, v in data.items()}
    if response.status_code == 400:
        # A clear error, tied to the field it is about.
        errors = re.findall(r'id="id_(\w+)-error"', body)
        assert errors, body[:3000]
        if not meant["what_happened"].strip():
            assert "what_happened" in errors
            assert "Tell us what happened" in body
        if not anonymous and not meant["reporter_name"].strip():
            assert "reporter_name" in errors
        assert 'aria-invalid="true"' in body or 'class="field field--error"' in body
        return
    view = read_back(receipt_of(body))
    content = view["content"]
    assert content["what_happened"] == meant["what_happened"]
    assert content.get("where", "") == meant["where"]
    assert content.get("officer_name", "") == meant["officer_name"]
    if anonymous:
        assert "reporter_name" not in content  # typed, then anonymous chosen: not kept
    else:
        assert content["reporter_name"] == meant["reporter_name"]
    assert view["channel"] == "public" and view["category"] == "abuse-of-position-sexual"


# The organisation's own reference is asked only on the organisation's form (test_portal_org).
@pytest.mark.parametrize(
    "field",
    sorted(set(CONTENT_FIELDS) & set(ReportForm.base_fields) - {"reporter_name", "how_met"}),
)
def test_too_long_text_is_refused_on_its_field_in_words(client: Client, field: str) -> None:
    limit = CONTENT_FIELDS[field]
    data = report_data(**{field: "é" * (limit + 1)})
    if field == "reporter_contact":
        data.update(mode="confidential", reporter_name="A")
    response = client.post("/report/public/", data)
    body = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in body
    assert f"at most {limit:,}".replace(",", "") in body.replace(",", "")
    assert Report.objects.count() == 0


def test_the_longest_allowed_text_is_kept_whole(client: Client) -> None:
    text = ("Ω<b>&" * 5000)[: CONTENT_FIELDS["what_happened"]]
    response = client.post("/report/public/", report_data(what_happened=text))
    assert response.status_code == 200
    assert read_back(receipt_of(response.content.decode()))["content"]["what_happened"] == text


@pytest.mark.parametrize(
    "data",
    [
        {},  # nothing at all
        {"category": "everything", "what_happened": "x", "mode": "anonymous"},
        {"category": "corruption", "what_happened": "x", "mode": "secret"},
        {"category": "corruption", "what_happened": "x"},  # no mode
        {"category": "corruption", "what_happened": "x", "mode": "anonymous", "how_met": "bribe"},
        {"category": "corruption", "what_happened": "x", "mode": "confidential"},  # no name
    ],
)
def test_wrong_or_missing_fields_get_an_error_not_a_failure(
    client: Client, data: dict[str, Any]
) -> None:
    response = client.post("/report/public/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Something needs changing before you send" in body
    assert re.search(r'id="id_\w+-error"', body)
    assert Report.objects.count() == 0


def test_extra_fields_are_ignored_and_nothing_else_is_kept(client: Client) -> None:
    data = report_data(
        status="closed",
        received_on="2020-01-01",
        channel="organisation",
        victim_consent="on",
        receipt_lookup="0" * 64,
        files="not a file",
    )
    response = client.post("/report/public/", data)
    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.status, report.channel) == ("new", "public")
    assert "victim_consent" not in read_back(receipt_of(response.content.decode()))["content"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"what_happened": 1, "category": null}'),
        ("text/plain", b"\x00\xff\xfe"),
        ("multipart/form-data; boundary=zz", b"--zz\r\nbroken"),
        (
            "application/x-www-form-urlencoded",
            b"category=corruption&mode=anonymous&what_happened=%ED%A0%80%FF%00ok",
        ),
    ],
)
def test_malformed_bodies_never_fail(client: Client, content_type: str, body: bytes) -> None:
    response = client.generic("POST", "/report/public/", body, content_type=content_type)
    assert response.status_code in (200, 400)
    if response.status_code == 200:  # broken bytes read as U+FFFD, the NUL dropped
        view = read_back(receipt_of(response.content.decode()))
        assert view["content"]["what_happened"].endswith("ok")
        assert "\x00" not in view["content"]["what_happened"]


def test_a_file_is_kept_and_a_program_or_oversized_file_refused_in_words(client: Client) -> None:
    note = SimpleUploadedFile("note <b>.txt", b"He texted me at 2am.\n", "text/plain")
    response = client.post("/report/public/", report_data(files=[note]))
    assert response.status_code == 200
    view = read_back(receipt_of(response.content.decode()))
    assert [f["name"] for f in view["files"]] == ["note <b>.txt"]

    program = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg")
    response = client.post("/report/public/", report_data(files=[program]))
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_files-error"' in body
    assert "“photo.jpg” cannot be accepted. We take photos, PDFs" in html.unescape(body)
    assert "dosexec" not in body  # the checker's words are not the reporter's

    with override_settings(PORTAL_FILE_MAX_BYTES=1000):
        big = SimpleUploadedFile("big.txt", b"a" * 5000, "text/plain")
        response = client.post("/report/public/", report_data(files=[big]))
    body = response.content.decode()
    assert response.status_code == 400
    assert "“big.txt” is too large. Each file can be at most 1000 bytes." in html.unescape(body)
    assert Report.objects.count() == 1


def test_the_receipt_is_shown_once_and_a_resend_makes_no_second_report(client: Client) -> None:
    page = client.get("/report/colleague/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token
    data = report_data(form_token=token.group(1), category="corruption")
    first = client.post("/report/colleague/", data)
    receipt = receipt_of(first.content.decode())
    assert receipt not in str(first.cookies) and receipt not in str(first.headers)
    # The back button and "send again": the same form, the same token.
    again = client.post("/report/colleague/", data)
    assert again.status_code == 200
    assert "already" in again.content.decode() and not RECEIPT.search(again.content.decode())
    assert Report.objects.count() == 1
    assert Report.objects.get().channel == "colleague"
    # No page shows it again.
    for path in ("/", "/return/", "/report/colleague/"):
        assert receipt[:4] + "</span>" not in client.get(path).content.decode()


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.one_of(hostile_text, st.from_regex(r"\d{4} ?\d{4} ?\d{4} ?\d{4}", fullmatch=True)))
def test_any_wrong_receipt_gets_the_same_answer(client: Client, typed: str) -> None:
    response = client.post("/return/", {"receipt": typed})
    body = response.content.decode()
    assert response.status_code == 400
    if typed.replace("\x00", "").strip():
        assert "We could not open a report with that receipt number." in body
    else:
        assert "Type your receipt number." in body
    assert 'aria-describedby="id_receipt-hint id_receipt-error"' in body
    no_raw_markup(body, typed)
    assert client.get("/your-report/").status_code == 302  # nothing opened


@hsettings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=hostile_text)
def test_a_hostile_follow_up_reads_back_as_meant(client: Client, text: str) -> None:
    sent = client.post("/report/public/", report_data())
    receipt = receipt_of(sent.content.decode())
    spaced = " ".join(receipt[i : i + 4] for i in range(0, 16, 4))
    assert client.post("/return/", {"receipt": spaced}).status_code == 302
    response = client.post("/your-report/", {"text": text})
    meant = text.replace("\x00", "")
    if not meant.strip():
        assert response.status_code == 400
        assert 'id="id_text-error"' in response.content.decode()
        return
    assert response.status_code == 302
    page = client.get("/your-report/").content.decode()
    no_raw_markup(page, text)
    assert "Your message has been sent" in page
    messages = read_back(receipt)["messages"]
    assert [m["text"] for m in messages] == [meant]
    client.post("/your-report/close/")
    assert client.get("/your-report/").status_code == 302


def test_receipt_checks_are_throttled_on_one_budget_for_everyone(client: Client) -> None:
    receipt = receipt_of(client.post("/report/public/", report_data()).content.decode())
    with override_settings(PORTAL_RECEIPT_CHECKS_PER_WINDOW=3):
        answers = [client.post("/return/", {"receipt": "1111222233334444"}) for _ in range(3)]
        assert [a.status_code for a in answers] == [400, 400, 400]
        # Over the budget, even the right receipt waits: a guesser learns nothing either way.
        over = client.post("/return/", {"receipt": receipt})
        assert over.status_code == 429
        assert "Please wait a minute" in over.content.decode()
        assert client.get("/your-report/").status_code == 302
    throttle_module.throttle = throttle_module.Throttle()  # the next window
    assert client.post("/return/", {"receipt": receipt}).status_code == 302


def test_submissions_are_throttled_and_what_was_typed_is_kept(client: Client) -> None:
    with override_settings(PORTAL_SUBMISSIONS_PER_WINDOW=1):
        assert client.post("/report/public/", report_data()).status_code == 200
        refused = client.post("/report/public/", report_data(what_happened="Second one <i>"))
    body = refused.content.decode()
    assert refused.status_code == 429
    assert "wait a minute" in body and "Second one &lt;i&gt;" in body
    assert Report.objects.count() == 1


def test_a_wrong_receipt_and_a_malformed_one_take_the_same_time(client: Client) -> None:
    def timed(typed: str) -> float:
        start = time.perf_counter()
        assert client.post("/return/", {"receipt": typed}).status_code == 400
        return time.perf_counter() - start

    wrong = statistics.median(timed("9876 5432 1098 7654") for _ in range(5))
    malformed = statistics.median(timed("not a receipt at all") for _ in range(5))
    # Both pay for the memory-hard hash: a malformed one is not answered faster.
    assert malformed > 0.5 * wrong and wrong > 0.5 * malformed, (wrong, malformed)


def test_an_open_report_closes_when_the_session_is_idle(client: Client) -> None:
    receipt = receipt_of(client.post("/report/public/", report_data()).content.decode())
    with override_settings(
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        SESSION_COOKIE_AGE=1,
        SESSION_EXPIRE_AT_BROWSER_CLOSE=True,
    ):
        client.cookies.clear()
        assert client.post("/return/", {"receipt": receipt}).status_code == 302
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        assert receipt not in cookie.value
        assert not cookie["expires"] and not cookie["max-age"]  # gone when the browser closes
        assert client.get("/your-report/").status_code == 200
        time.sleep(2.1)
        assert client.get("/your-report/").status_code == 302  # idle: closed


def test_a_large_file_is_read_in_memory_and_kept_whole(client: Client) -> None:
    data = b"line of a long chat log\n" * 180_000  # 4.3 MB: Django would spill it to disk
    with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1024):
        response = client.post(
            "/report/public/",
            report_data(files=[SimpleUploadedFile("chat.txt", data, "text/plain")]),
        )
    assert response.status_code == 200
    view = read_back(receipt_of(response.content.decode()))
    assert [(f["name"], f["size"]) for f in view["files"]] == [("chat.txt", len(data))]


@pytest.mark.parametrize("path", ["/report/public/", "/report/colleague/", "/your-report/"])
def test_the_forms_that_take_files_still_check_csrf(path: str) -> None:
    with override_settings(**PORTAL):
        response = Client(enforce_csrf_checks=True).post(path, report_data())
    assert response.status_code == 403
    assert Report.objects.count() == 0
