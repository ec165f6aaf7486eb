"""The reporter's side of the portal: taking a report in, returning with a receipt, following up.

This is what the portal process (`custodes serve --portal`) runs, and it records nothing on
the trail: the portal host holds no trail key (so it cannot forge the staff's trail) and keeps
no exact time (which could be matched to a network's logs). The staff side records that a
report was received when it takes the report into its queue. The handlers' actions (replies,
statuses, expiry, support organisations' administration) are in `portal.handling`, which only
the staff process imports; `handler_message`, `set_status`, `expire`, `add_organisation` and
`add_organisation_account` are still importable from here, loaded only when asked for.

On PostgreSQL the portal connects as a role of its own (`CUSTODES_DB_PORTAL_ROLE`) that may
add reports, messages and files but read none of them: it reads one report, its messages and
files only through the security-definer functions that take the receipt's lookup
(`dbsecurity.policy`, "The reporting portal"), so the reporter's functions here read through
them too. What anyone types is checked here, whatever form it came through: text only, NUL
bytes removed, lengths capped, choices from their lists, files by `custodes.files`; a problem
raises `ValidationError` naming the field.
"""

from __future__ import annotations

import base64
import datetime as dt
import ntpath
import posixpath
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_otp.oath import TOTP

from custodes.files import FileRefused, ScrubberUnavailable, scrub
from custodes.files import sniff as sniff_file
from custodes.web.encryption import open_value
from custodes.web.portal.models import (
    Category,
    Channel,
    HowMet,
    Mode,
    OrganisationAccount,
    Report,
    ReportFile,
    ReportMessage,
    Status,
)
from custodes.web.portal.receipts import (
    lookups_match,
    new_receipt,
    normalise_receipt,
    receipt_lookup,
)
from custodes.web.portal.sealing import (
    new_data_key,
    open_bytes,
    open_json,
    seal_bytes,
    seal_json,
    unwrap_data_key,
    wrap_data_key,
)

__all__ = [
    "CONTENT_FIELDS",
    "MAX_FILES",
    "MAX_MESSAGE_CHARS",
    "Submitted",
    "Upload",
    "add_followup",
    "check_organisation_sign_in",
    "file_bytes",
    "open_with_receipt",
    "organisation_reports",
    "report_view",
    "reporter_view",
    "submit_report",
]

# The content's fields and the longest each may be, in characters.
CONTENT_FIELDS: dict[str, int] = {
    "what_happened": 20_000,
    "where": 500,
    "when": 200,  # as the reporter says it: free text, or a month
    "how_met": 16,  # a HowMet value
    "how_met_detail": 500,
    "officer_name": 200,
    "officer_number": 50,
    "officer_station": 200,
    "reporter_name": 200,
    "reporter_contact": 500,
    # A support organisation's own case reference, so it can match replies to its records.
    "organisation_reference": 100,
}
# Asked only of a support organisation.
_ORGANISATION_FIELDS = frozenset({"organisation_reference"})
_BOOLEAN_FIELDS = ("victim_consent",)
MAX_MESSAGE_CHARS = 10_000
MAX_FILES = 10
MAX_FILE_NAME_CHARS = 255


@dataclass(frozen=True)
class Upload:
    """A file as the reporter gave it: its name and bytes (the browser's type is not used)."""

    name: str
    data: bytes


class _UploadedFile(Protocol):  # what Django's UploadedFile offers
    name: str | None

    def read(self) -> bytes: ...


@dataclass(frozen=True)
class Submitted:
    """A report just made, and its receipt: shown to the reporter once, kept nowhere."""

    report: Report
    receipt: str


# Reading what people type.


def _text(field: str, value: object, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: "must be text"}, code="not-text")
    value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            {field: "contains characters that are not text"}, code="not-text"
        ) from None
    if len(value) > limit:
        raise ValidationError(
            {field: f"is too long: at most {limit} characters ({len(value)} given)"},
            code="too-long",
        )
    if required and not value.strip():
        raise ValidationError({field: "is required"}, code="required")
    return value


def _choice(field: str, value: object, choices: type[Any]) -> str:
    if not isinstance(value, str) or value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ValidationError({field: f"must be one of: {allowed}"}, code="invalid-choice")
    return value


def _clean_content(content: object, *, channel: str, mode: str) -> dict[str, str | bool]:
    if not isinstance(content, Mapping):
        raise ValidationError({"content": "must be a set of answers"}, code="invalid")
    unknown = sorted(
        str(k) for k in content if k not in CONTENT_FIELDS and k not in _BOOLEAN_FIELDS
    )
    if unknown:
        raise ValidationError({unknown[0][:50]: "is not a question this form asks"}, code="unknown")
    clean: dict[str, str | bool] = {}
    for field, limit in CONTENT_FIELDS.items():
        value = _text(field, content.get(field), limit, required=field == "what_happened")
        if value:
            clean[field] = value
    if "how_met" in clean:
        clean["how_met"] = _choice("how_met", clean["how_met"], HowMet)
    if mode == Mode.ANONYMOUS:
        for field in ("reporter_name", "reporter_contact"):
            if field in clean:
                raise ValidationError(
                    {field: "an anonymous report carries no name or contact"}, code="anonymous"
                )
    elif not str(clean.get("reporter_name", "")).strip():
        raise ValidationError(
            {"reporter_name": "is required for a confidential report"}, code="required"
        )
    consent = content.get("victim_consent", False)
    if not isinstance(consent, bool):
        raise ValidationError({"victim_consent": "must be yes or no"}, code="invalid")
    if channel == Channel.ORGANISATION:
        if not consent:
            raise ValidationError(
                {"victim_consent": "an organisation reports only with the victim's consent"},
                code="required",
            )
        clean["victim_consent"] = True
    elif consent:
        raise ValidationError(
            {"victim_consent": "is asked only of support organisations"}, code="invalid"
        )
    else:
        asked_elsewhere = sorted(_ORGANISATION_FIELDS & set(clean))
        if asked_elsewhere:
            raise ValidationError(
                {asked_elsewhere[0]: "is asked only of support organisations"}, code="invalid"
            )
    return clean


def _message_text(text: object) -> str:
    return _text("text", text, MAX_MESSAGE_CHARS, required=True)


# Files.


def _file_name(name: object) -> str:
    text = _text("files", name, 10 * MAX_FILE_NAME_CHARS)
    # The last part of any path a browser sent, Windows' or Unix's.
    text = posixpath.basename(ntpath.basename(text)).strip()
    if not text:
        text = "file"
    return text[:MAX_FILE_NAME_CHARS]


def _read_upload(upload: Upload | _UploadedFile) -> tuple[str, bytes]:
    if isinstance(upload, Upload):
        return _file_name(upload.name), upload.data
    if hasattr(upload, "read"):
        return _file_name(getattr(upload, "name", "") or ""), upload.read()
    raise ValidationError({"files": "is not a file"}, code="invalid")


@dataclass(frozen=True)
class _CheckedFile:
    name: str
    data: bytes
    content_type: str


def _check_files(files: Iterable[Upload | _UploadedFile]) -> list[_CheckedFile]:
    items = list(files)
    if len(items) > MAX_FILES:
        raise ValidationError({"files": f"at most {MAX_FILES} files at a time"}, code="too-many")
    limit = int(getattr(settings, "PORTAL_FILE_MAX_BYTES", 10 * 1024 * 1024))
    allowed = set(getattr(settings, "PORTAL_FILE_TYPES", ()))
    checked = []
    for upload in items:
        name, data = _read_upload(upload)
        if not isinstance(data, bytes | bytearray):
            raise ValidationError({"files": f"{name} could not be read"}, code="invalid")
        data = bytes(data)
        if len(data) > limit:
            raise ValidationError(
                {"files": f"{name} is too large: at most {limit // (1024 * 1024) or 1} MB"}
                if limit >= 1024 * 1024
                else {"files": f"{name} is too large: at most {limit} bytes"},
                code="too-large",
            )
        # custodes.files reads what the bytes are (libmagic), refusing programs, scripts,
        # archives, macros and names that run; its words are the reporter's.
        try:
            kind = sniff_file(data, name)
        except FileRefused as refused:
            raise ValidationError({"files": str(refused)}, code="refused") from None
        if kind not in allowed:
            raise ValidationError(
                {
                    "files": f"{name} is not a kind of file that can be accepted here: give a "
                    "photo, a PDF, an office document or plain text"
                },
                code="file-type",
            )
        checked.append(_CheckedFile(name, data, kind))
    return checked


def _scrub(data: bytes, content_type: str, name: str) -> tuple[bytes, str]:
    """Return the cleaned copy (custodes.files, mat2) and how it went; never lose the original."""
    try:
        cleaned = scrub(data, content_type, name=name)
    except ScrubberUnavailable:
        return b"", ReportFile.Cleaning.UNAVAILABLE
    except FileRefused:  # a cleaner that cannot read a file must not lose the evidence
        return b"", ReportFile.Cleaning.FAILED
    if not cleaned:
        return b"", ReportFile.Cleaning.FAILED
    return cleaned, ReportFile.Cleaning.CLEANED


def _store_files(
    report: Report,
    key: bytes,
    files: list[_CheckedFile],
    on: dt.date,
    *,
    after: int,
    message: ReportMessage | None = None,
) -> list[ReportFile]:
    """Seal and add `files` to the report, numbered on from `after` (its files so far)."""
    stored = []
    for number, checked in enumerate(files, start=after + 1):
        row = ReportFile(
            report=report,
            message=message,
            number=number,
            content_type=checked.content_type,
            size=len(checked.data),
            added_on=on,
        )
        cleaned, cleaning = _scrub(checked.data, checked.content_type, checked.name)
        row.name_sealed = seal_json(key, ReportFile, "name_sealed", row.id, checked.name)
        row.original_sealed = seal_bytes(key, ReportFile, "original_sealed", row.id, checked.data)
        row.cleaned_sealed = (
            seal_bytes(key, ReportFile, "cleaned_sealed", row.id, cleaned) if cleaned else b""
        )
        row.cleaning = cleaning
        row.save(force_insert=True)
        stored.append(row)
    return stored


# Reading as the portal's database role: only through the functions that take the receipt's
# lookup (or, for a support organisation, its account), never a query of a whole table.


def _through_functions() -> bool:
    """Return whether reads go through the portal's security-definer functions (PostgreSQL)."""
    return connection.vendor == "postgresql"


def _report_by_lookup(lookup: str) -> Report | None:
    if _through_functions():
        rows = Report.objects.raw("SELECT * FROM custodes_portal_report(%s)", [lookup])
        return next(iter(rows), None)
    return Report.objects.filter(receipt_lookup=lookup).exclude(status=Status.EXPIRED).first()


def _reporter_messages(report: Report) -> list[ReportMessage]:
    if _through_functions():
        rows = ReportMessage.objects.raw(
            "SELECT * FROM custodes_portal_messages(%s) ORDER BY number", [report.receipt_lookup]
        )
        return list(rows)
    return list(ReportMessage.objects.filter(report=report).order_by("number"))


def _reporter_files(report: Report) -> list[ReportFile]:
    if _through_functions():
        rows = ReportFile.objects.raw(
            "SELECT * FROM custodes_portal_files(%s) ORDER BY number", [report.receipt_lookup]
        )
        return list(rows)
    return list(ReportFile.objects.filter(report=report).order_by("number"))


def _lock(report: Report) -> None:
    """Hold the report for this transaction, so two messages at once take different numbers.

    An advisory lock on PostgreSQL (the portal's role may not lock a row it cannot read; the
    staff side takes the same lock); SQLite writes one transaction at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [str(report.pk)]
            )


# Reports.


def _today() -> dt.date:
    return timezone.localdate()


def _new_reference() -> str:
    return "R-" + base64.b32encode(secrets.token_bytes(5)).decode("ascii")


def _key(report: Report) -> bytes:
    return unwrap_data_key(Report, report.pk, report.data_key_encrypted)


def _refuse_expired(report: Report) -> None:
    if report.status == Status.EXPIRED:
        raise ValidationError({"report": "has expired: its content was deleted"}, code="expired")


def _active_account(username: str) -> OrganisationAccount | None:
    """Return the account of this name if its organisation may report (for its sign-in)."""
    if _through_functions():
        rows = OrganisationAccount.objects.raw(
            "SELECT * FROM custodes_portal_account(%s)", [username[:150]]
        )
        return next(iter(rows), None)
    return (
        OrganisationAccount.objects.filter(username=username[:150], organisation__active=True)
        .select_related("organisation")
        .first()
    )


@transaction.atomic
def submit_report(
    *,
    channel: str,
    mode: str,
    category: str,
    content: dict[str, Any],
    files: Iterable[Upload | _UploadedFile] = (),
    organisation_account: OrganisationAccount | None = None,
) -> Submitted:
    """Take a report in: seal its content and files under a new data key; return its receipt.

    Nothing goes on the trail: the staff side records that it was received when it takes it in.
    """
    channel = _choice("channel", channel, Channel)
    mode = _choice("mode", mode, Mode)
    category = _choice("category", category, Category)
    if channel == Channel.ORGANISATION:
        if organisation_account is None:
            raise ValidationError(
                {"organisation_account": "a support organisation reports from its account"},
                code="required",
            )
        current = _active_account(organisation_account.username)
        if current is None or current.pk != organisation_account.pk or not current.active:
            raise ValidationError(
                {"organisation_account": "this organisation can no longer report"},
                code="inactive",
            )
    elif organisation_account is not None:
        raise ValidationError(
            {"organisation_account": "only the organisation channel reports from an account"},
            code="invalid",
        )
    clean = _clean_content(content, channel=channel, mode=mode)
    checked = _check_files(files)

    today = _today()
    days = int(getattr(settings, "PORTAL_ACKNOWLEDGE_DAYS", 7))
    receipt = new_receipt()
    key = new_data_key()
    for attempt in range(5):
        report = Report(
            reference=_new_reference(),
            channel=channel,
            mode=mode,
            category=category,
            status=Status.NEW,
            organisation_account=organisation_account,
            receipt_lookup=receipt_lookup(receipt),
            received_on=today,
            status_on=today,
            acknowledge_by=today + dt.timedelta(days=days),
        )
        report.data_key_encrypted = wrap_data_key(Report, report.id, key)
        report.content_sealed = seal_json(key, Report, "content_sealed", report.id, clean)
        try:
            # The portal's role cannot look for a reference already taken: the unique
            # constraint says so, and another random one is drawn (40 bits: almost never).
            with transaction.atomic():
                report.save(force_insert=True)
            break
        except IntegrityError:
            if attempt == 4:
                raise
    _store_files(report, key, checked, today, after=0)
    return Submitted(report, receipt)


def open_with_receipt(receipt: str) -> Report | None:
    """Return the report a receipt (as typed: spaces and dashes allowed) opens, or None."""
    digits = normalise_receipt(receipt) if isinstance(receipt, str) else None
    # The same work for a malformed receipt as for a wrong one: the time says nothing.
    computed = receipt_lookup(digits or "0" * 16)
    found = _report_by_lookup(computed)
    if digits is None or found is None or found.receipt_lookup is None:
        return None
    if not lookups_match(found.receipt_lookup, computed) or found.status == Status.EXPIRED:
        return None
    return found


def organisation_reports(account: OrganisationAccount) -> list[Report]:
    """Return the reports every account of `account`'s organisation made, oldest first.

    A support organisation follows its reports together: a colleague answers while the worker
    who made one is away. Nothing while the account or its organisation is disabled; never an
    expired report, nor another organisation's.
    """
    if _through_functions():
        rows = Report.objects.raw(
            "SELECT * FROM custodes_portal_account_reports(%s) ORDER BY received_on, reference",
            [account.pk],
        )
        return list(rows)
    current = (
        OrganisationAccount.objects.filter(pk=account.pk, active=True, organisation__active=True)
        .values_list("organisation_id", flat=True)
        .first()
    )
    if current is None:
        return []
    return list(
        Report.objects.filter(organisation_account__organisation_id=current)
        .exclude(status=Status.EXPIRED)
        .order_by("received_on", "reference")
    )


def _view(report: Report, messages: list[ReportMessage], files: list[ReportFile]) -> dict[str, Any]:
    key = _key(report)
    files_by_message: dict[Any, list[dict[str, Any]]] = {}
    for f in files:
        files_by_message.setdefault(f.message_id, []).append(
            {
                "id": f.id,
                "name": open_json(key, ReportFile, "name_sealed", f.id, f.name_sealed),
                "content_type": f.content_type,
                "size": f.size,
                "cleaning": f.cleaning,
                "added_on": f.added_on,
            }
        )
    shown = [
        {
            "id": m.id,
            "number": m.number,
            "sender": m.sender,
            "question": m.question,
            "text": open_json(key, ReportMessage, "body_sealed", m.id, m.body_sealed),
            "sent_on": m.sent_on,
            "files": files_by_message.get(m.id, []),
        }
        for m in messages
    ]
    return {
        "id": report.id,
        "reference": report.reference,
        "channel": report.channel,
        "mode": report.mode,
        "category": report.category,
        "status": report.status,
        "received_on": report.received_on,
        "acknowledge_by": report.acknowledge_by,
        "content": open_json(key, Report, "content_sealed", report.id, report.content_sealed),
        "messages": shown,
        "files": files_by_message.get(None, []),
    }


def report_view(report: Report) -> dict[str, Any]:
    """Return a report opened, as the staff side reads it: content, messages, files' names.

    Read with the staff app's role (row-level security decides which reports it may); the
    staff side records its own READ. The portal uses `reporter_view`.
    """
    _refuse_expired(report)
    messages = list(ReportMessage.objects.filter(report=report).order_by("number"))
    files = list(ReportFile.objects.filter(report=report).order_by("number"))
    return _view(report, messages, files)


def reporter_view(report: Report) -> dict[str, Any]:
    """Return what a returning reporter sees (content, messages, file names) of the report
    their receipt opened (`open_with_receipt`), read through the receipt's lookup."""
    _refuse_expired(report)
    return _view(report, _reporter_messages(report), _reporter_files(report))


def file_bytes(report_file: ReportFile, *, cleaned: bool = True) -> bytes:
    """Return a file's cleaned copy (or, with cleaned=False, the original kept as evidence).

    For the staff side. Raises `ValidationError` if a cleaned copy is asked for and there is
    none.
    """
    report = report_file.report
    _refuse_expired(report)
    key = _key(report)
    if cleaned:
        if not report_file.cleaned_sealed:
            raise ValidationError({"file": "has no cleaned copy"}, code="not-cleaned")
        return open_bytes(
            key, ReportFile, "cleaned_sealed", report_file.id, report_file.cleaned_sealed
        )
    return open_bytes(
        key, ReportFile, "original_sealed", report_file.id, report_file.original_sealed
    )


def _add_message(
    report: Report, *, sender: str, question: bool, text: str, on: dt.date, after: int
) -> tuple[ReportMessage, bytes]:
    """Seal and add a message numbered after the report's `after` messages (report locked)."""
    key = _key(report)
    message = ReportMessage(
        report=report, number=after + 1, sender=sender, question=question, sent_on=on
    )
    message.body_sealed = seal_json(key, ReportMessage, "body_sealed", message.id, text)
    message.save(force_insert=True)
    return message, key


@transaction.atomic
def add_followup(
    report: Report, text: str, files: Iterable[Upload | _UploadedFile] = ()
) -> ReportMessage:
    """Add a reporter's follow-up (an answer, more detail) and any files, to their report.

    `report` is the one their receipt opened. Nothing goes on the trail.
    """
    _refuse_expired(report)
    clean = _message_text(text)
    checked = _check_files(files)
    today = _today()
    _lock(report)
    message, key = _add_message(
        report,
        sender=ReportMessage.Sender.REPORTER,
        question=False,
        text=clean,
        on=today,
        after=max((m.number for m in _reporter_messages(report)), default=0),
    )
    after = max((f.number for f in _reporter_files(report)), default=0)
    _store_files(report, key, checked, today, after=after, message=message)
    return message


# Support organisations' sign-in (their accounts are set up by staff: `portal.handling`).

_TOTP_STEP = 30
# A password hash to check against when no account has the name, so a missing name takes as
# long as a wrong password.
_NO_ACCOUNT_HASH: list[str] = []


def _take_step(account: OrganisationAccount, step: int) -> bool:
    """Record that the TOTP step was used, if no later one was; return whether it was fresh."""
    if _through_functions():
        with connection.cursor() as cursor:
            cursor.execute("SELECT custodes_portal_account_step(%s, %s)", [account.pk, step])
            (fresh,) = cursor.fetchone()
        return bool(fresh)
    updated = OrganisationAccount.objects.filter(pk=account.pk, totp_last_step__lt=step).update(
        totp_last_step=step
    )
    return updated == 1


@transaction.atomic
def check_organisation_sign_in(
    username: str, password: str, code: str, *, at: float | None = None
) -> OrganisationAccount | None:
    """Return the account if the password and the TOTP code are right (a code works once).

    Nothing goes on the trail (the portal holds no trail key): throttling, in memory, is the
    portal's guard against guessing.
    """
    name = username.strip().lower() if isinstance(username, str) else ""
    account = _active_account(name)
    if account is None:
        if not _NO_ACCOUNT_HASH:
            _NO_ACCOUNT_HASH.append(make_password(secrets.token_urlsafe(16)))
        check_password(str(password), _NO_ACCOUNT_HASH[0])
        return None
    password_ok = isinstance(password, str) and check_password(password, account.password_hash)
    step: int | None = None
    if password_ok and account.totp_secret_encrypted and isinstance(code, str):
        secret = open_value(
            OrganisationAccount,
            "totp_secret_encrypted",
            account.pk,
            account.totp_secret_encrypted,
        )
        totp = TOTP(base64.b32decode(secret), step=_TOTP_STEP)
        totp.time = time.time() if at is None else at
        digits = code.replace(" ", "")
        well_formed = digits.isascii() and digits.isdigit() and len(digits) == 6
        if well_formed and totp.verify(int(digits), tolerance=1, min_t=account.totp_last_step + 1):
            step = int(totp.t())
    if step is None or not account.active or not _take_step(account, step):
        return None
    account.totp_last_step = step
    return account
