"""The reporter's pages: start, report (public or colleague), the receipt, coming back.

What these pages keep, and where:

- the receipt is shown once, in the answer to the report's POST (never redirected to, never
  in a URL, a cookie, the session or a log); the page is not cached (PortalHeadersMiddleware
  sends `Cache-Control: no-store`), and nothing on the site shows it again;
- a returning reporter's report is kept open for this browser only, by the report's id in the
  signed-cookie session (never the receipt), which ends when the browser closes or after the
  idle time (SESSION_COOKIE_AGE, saved on every request);
- files are read into memory only, each cut off just past the size limit (so the limit can be
  reported) and never written to a temporary file on disk;
- submissions and receipt checks are throttled in memory on a global budget
  (`portal.throttle`), never on the client's address.

Every write goes through `portal.actions`.
"""

from __future__ import annotations

import io
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from custodes.web.portal import actions, throttle
from custodes.web.portal.actions import MAX_FILES
from custodes.web.portal.forms import (
    CATEGORY_CHOICES,
    HOW_MET_CHOICES,
    FollowUpForm,
    ReceiptForm,
    ReportForm,
)
from custodes.web.portal.models import Channel, HowMet, Report, Status
from custodes.web.portal.receipts import format_receipt

__all__ = ["close_report", "report", "return_to_report", "start", "your_report"]

# The session's keys: the open report's id, reports' form tokens already sent, a notice.
REPORT_KEY = "portal_report"
SENT_KEY = "portal_sent"
NOTICE_KEY = "portal_notice"
_SENT_KEPT = 5

CHANNELS = {Channel.PUBLIC.value, Channel.COLLEAGUE.value}

STATUS_WORDS = {
    Status.NEW: _("Received. Our team will read it soon."),
    Status.ACKNOWLEDGED: _("Our team has read your report."),
    Status.ROUTED: _("Passed to the police force concerned, to be looked into."),
    Status.CASE_OPENED: _("An investigation has been opened."),
    Status.INTELLIGENCE: _("Kept as information, to be looked at with other reports."),
    Status.SAFEGUARDING: _("We have asked for someone's safety to be protected."),
    Status.CLOSED: _("Closed."),
}


ANSWERS = [
    ("what_happened", _("What happened")),
    ("where", _("Where")),
    ("when", _("When")),
    ("how_met", _("How you met them")),
    ("how_met_detail", _("More about how you met them")),
    ("officer_name", _("Their name")),
    ("officer_number", _("Their collar or staff number")),
    ("officer_station", _("Their station, force or team")),
    ("reporter_name", _("Your name")),
    ("reporter_contact", _("How to contact you")),
]


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _submission_allowed() -> bool:
    return throttle.allow(
        "portal-submit",
        "all",
        _limit("PORTAL_SUBMISSIONS_PER_WINDOW", 60),
        _limit("PORTAL_SUBMISSION_WINDOW_SECONDS", 600),
    )


def _receipt_check_allowed() -> bool:
    return throttle.allow(
        "portal-receipt",
        "all",
        _limit("PORTAL_RECEIPT_CHECKS_PER_WINDOW", 30),
        _limit("PORTAL_RECEIPT_WINDOW_SECONDS", 60),
    )


class CappedMemoryUpload(FileUploadHandler):
    """Read each file into memory only, keeping at most one byte past the size limit.

    Django's default handlers write a large upload to a temporary file: the plaintext of a
    reporter's evidence on the server's disk. This one never does; a file over the limit keeps
    its real size (so the form can say it is too large) but not its bytes, and files past the
    most a form takes are not kept at all.
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.cap = _limit("PORTAL_FILE_MAX_BYTES", 10 * 1024 * 1024) + 1
        self.count = 0
        self.buffer = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.count += 1
        self.buffer = io.BytesIO()
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = self.cap - self.buffer.tell()
        if room > 0 and self.count <= MAX_FILES + 1:
            self.buffer.write(raw_data[:room])

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def _memory_uploads(request: HttpRequest) -> None:
    # Before anything reads the body (the CSRF check does): hence csrf_exempt outside and
    # csrf_protect inside, as Django's documentation on changing upload handlers shows.
    request.upload_handlers = [CappedMemoryUpload(request)]


def _field_errors(form: Any, error: ValidationError) -> None:
    """Put what portal.actions refused on the field it names (or on the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, _action_message(field, message))
    else:
        for message in error.messages:
            form.add_error(None, message)


def _action_message(field: str, message: str) -> str:
    # portal.actions says what is wrong after the field's name ("is too long: …"); files'
    # messages are sentences that start with the file's name, some in the words of the file
    # checker ("application/x-dosexec"): a refused kind of file is said here in plain words.
    if field == "files":
        for marker in (" was refused", " is not a kind of file", " is a program"):
            if marker in message:
                return str(
                    _(
                        "“%(name)s” cannot be accepted. We take photos, PDFs, office documents "
                        "and plain text, but not programs or documents with macros."
                    )
                    % {"name": message.split(marker, 1)[0]}
                )
        return message[:1].upper() + message[1:].rstrip(".") + "."
    return f"{_('This answer')} {message.rstrip('.')}."


@require_safe
def start(request: HttpRequest) -> HttpResponse:
    """Who this is for, what happens next, anonymous or confidential, and the channels."""
    return render(
        request,
        "portal/start.html",
        {
            "title": _("Report a police officer or member of staff"),
            "acknowledge_days": _limit("PORTAL_ACKNOWLEDGE_DAYS", 7),
        },
    )


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, channel: str) -> HttpResponse:
    """The report form for a channel; on success, the receipt, once."""
    if channel not in CHANNELS:
        raise Http404
    _memory_uploads(request)
    return _report(request, channel)


@csrf_protect
def _report(request: HttpRequest, channel: str) -> HttpResponse:
    template = "portal/report.html"
    if request.method != "POST":
        form = ReportForm(channel=channel)
        return render(request, template, _report_context(form, channel, secrets.token_urlsafe(16)))
    token = str(request.POST.get("form_token", ""))[:64] or secrets.token_urlsafe(16)
    if token in request.session.get(SENT_KEY, []):
        # The same form sent twice (a refresh, or the back button): one report, one receipt.
        return render(request, "portal/already_sent.html", {"title": _("Your report was sent")})
    form = ReportForm(request.POST, request.FILES, channel=channel)
    if not form.is_valid():
        return render(request, template, _report_context(form, channel, token), status=400)
    if not _submission_allowed():
        form.add_error(
            None,
            _(
                "Many reports are being sent just now, so we cannot take yours this minute. "
                "Please wait a minute, then press “Send my report” again. What you wrote is "
                "still here; files need choosing again."
            ),
        )
        return render(request, template, _report_context(form, channel, token), status=429)
    try:
        submitted = actions.submit_report(
            channel=channel,
            mode=form.cleaned_data["mode"],
            category=form.cleaned_data["category"],
            content=form.content(),
            files=form.cleaned_data["files"],
        )
    except ValidationError as error:
        _field_errors(form, error)
        return render(request, template, _report_context(form, channel, token), status=400)
    sent = [*request.session.get(SENT_KEY, []), token][-_SENT_KEPT:]
    request.session[SENT_KEY] = sent
    groups = format_receipt(submitted.receipt).split(" ")
    return render(
        request,
        "portal/receipt.html",
        {
            "title": _("Your report has been sent"),
            "receipt_groups": groups,
            "acknowledge_by": submitted.report.acknowledge_by,
            "mode": submitted.report.mode,
        },
    )


def _report_context(form: ReportForm, channel: str, token: str) -> dict[str, Any]:
    limit = _limit("PORTAL_FILE_MAX_BYTES", 10 * 1024 * 1024)
    return {
        "form": form,
        "channel": channel,
        "form_token": token,
        "max_bytes": limit,
        "title": _("Report a police officer or member of staff")
        if channel == Channel.PUBLIC
        else _("Speak up about a colleague"),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def return_to_report(request: HttpRequest) -> HttpResponse:
    """Come back with the receipt: the same answer, in the same time, for any wrong receipt."""
    if request.method != "POST":
        if _open_report(request) is not None:
            return HttpResponseRedirect(reverse("portal:your-report"))
        notice = request.session.pop(NOTICE_KEY, "")
        return render(
            request,
            "portal/return.html",
            {"form": ReceiptForm(), "notice": notice, "title": _("Come back to your report")},
        )
    form = ReceiptForm(request.POST)
    context = {"form": form, "title": _("Come back to your report")}
    if not form.is_valid():
        return render(request, "portal/return.html", context, status=400)
    if not _receipt_check_allowed():
        form.add_error(
            "receipt",
            _(
                "Many people are checking receipt numbers just now. Please wait a minute, "
                "then try again."
            ),
        )
        return render(request, "portal/return.html", context, status=429)
    # Malformed or wrong: open_with_receipt does the same work, and we say the same thing.
    found = actions.open_with_receipt(form.cleaned_data["receipt"])
    if found is None:
        form.add_error(
            "receipt",
            _(
                "We could not open a report with that receipt number. Check each number and "
                "try again."
            ),
        )
        return render(request, "portal/return.html", context, status=400)
    request.session.cycle_key()
    request.session[REPORT_KEY] = str(found.pk)
    return HttpResponseRedirect(reverse("portal:your-report"))


def _open_report(request: HttpRequest) -> Report | None:
    value = request.session.get(REPORT_KEY)
    if not isinstance(value, str):
        return None
    try:
        pk = uuid.UUID(value)
    except ValueError:
        return None
    found = Report.objects.filter(pk=pk).exclude(status=Status.EXPIRED).first()
    if found is None or found.channel not in CHANNELS:
        return None
    return found


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def your_report(request: HttpRequest) -> HttpResponse:
    """The open report: what was sent, our replies and questions; answer and add files."""
    _memory_uploads(request)
    return _your_report(request)


@csrf_protect
def _your_report(request: HttpRequest) -> HttpResponse:
    found = _open_report(request)
    if found is None:
        request.session.pop(REPORT_KEY, None)
        if request.method == "POST":
            request.session[NOTICE_KEY] = str(
                _("Your report closed after a while without use. Type your receipt number again.")
            )
        return HttpResponseRedirect(reverse("portal:return"))
    if request.method == "POST":
        form = FollowUpForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                actions.add_followup(found, form.cleaned_data["text"], form.cleaned_data["files"])
            except ValidationError as error:
                _field_errors(form, error)
            else:
                request.session[NOTICE_KEY] = "sent"
                return HttpResponseRedirect(reverse("portal:your-report") + "#messages")
        status = 400
    else:
        form = FollowUpForm()
        status = 200
    view = actions.reporter_view(found)
    messages = view["messages"]
    # A question waiting for an answer: the last message, if it is the team's question.
    last = messages[-1] if messages else None
    last_question = last if last and last["sender"] == "handler" and last["question"] else None
    return render(
        request,
        "portal/your_report.html",
        {
            "title": _("Your report"),
            "report": view,
            "messages": messages,
            "last_question": last_question,
            "status_words": STATUS_WORDS.get(view["status"], ""),
            "category": {v: label for v, label, _hint in CATEGORY_CHOICES}.get(
                view["category"], ""
            ),
            "answers": _answers(view["content"]),
            "form": form,
            "sent": request.session.pop(NOTICE_KEY, "") == "sent",
            "idle_minutes": max(1, _limit("SESSION_COOKIE_AGE", 900) // 60),
        },
        status=status,
    )


def _answers(content: dict[str, Any]) -> list[tuple[Any, str]]:
    how_met = dict(HOW_MET_CHOICES)
    how_met[HowMet.WORK.value] = _("At work")
    shown = []
    for name, label in ANSWERS:
        value = content.get(name)
        if isinstance(value, str) and value:
            shown.append((label, str(how_met.get(value, value)) if name == "how_met" else value))
    return shown


@require_POST
@csrf_protect
def close_report(request: HttpRequest) -> HttpResponse:
    """Close the report in this browser: the session goes; the receipt opens it again."""
    request.session.flush()
    return render(
        request, "portal/closed.html", {"title": _("Your report is closed on this device")}
    )
