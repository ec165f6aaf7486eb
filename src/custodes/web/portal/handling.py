"""The handlers' side of the portal's records: replies, statuses, expiry, support organisations.

Called only from the staff process (the staff `reports` app, retention, the organisations'
administration), with the handler's user id, and each on the trail as every staff write is.
The portal process never imports this module: it holds no trail key and writes no trail event
(`portal.actions`, the reporter's side, records nothing). `record_received` is what the staff
side records when it takes a report into its queue: that a report came in, and the day.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from custodes.web.encryption import seal
from custodes.web.portal.actions import (
    _add_message,
    _choice,
    _lock,
    _message_text,
    _refuse_expired,
    _text,
    _today,
)
from custodes.web.portal.models import (
    Organisation,
    OrganisationAccount,
    Report,
    ReportFile,
    ReportMessage,
    Status,
)
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "NewAccount",
    "add_organisation",
    "add_organisation_account",
    "disable_organisation_account",
    "expire",
    "handler_message",
    "record_received",
    "set_status",
]


def record_received(report: Report, *, actor_id: int | None = None) -> None:
    """Put on the trail that a report came in, and the day only (never who sent it, or when).

    For the staff side, when it takes the report into its queue; the portal records nothing.
    """
    record(
        actor_id,
        Action.REPORT_RECEIVED,
        Subject.REPORT,
        report.id,
        changes={"received_on": report.received_on.isoformat()},
    )


@transaction.atomic
def handler_message(report: Report, *, handler_id: int, text: str, question: bool) -> ReportMessage:
    """Add a handler's reply (or, with question=True, a question) for the reporter to read."""
    _refuse_expired(report)
    clean = _message_text(text)
    if not isinstance(question, bool):
        raise ValidationError({"question": "must be yes or no"}, code="invalid")
    today = _today()
    _lock(report)
    count = ReportMessage.objects.filter(report=report).count()
    message, _ = _add_message(
        report,
        sender=ReportMessage.Sender.HANDLER,
        question=question,
        text=clean,
        on=today,
        after=count,
    )
    record(
        handler_id,
        Action.REPORT_MESSAGE,
        Subject.REPORT,
        report.id,
        changes={"message": str(message.id), "question": question},
    )
    return message


@transaction.atomic
def set_status(report: Report, status: str, *, handler_id: int, reason: str) -> Report:
    """Move a report to another status (not "expired": see `expire`), with the handler's reason."""
    status = _choice("status", status, Status)
    if status == Status.EXPIRED:
        raise ValidationError({"status": "a report expires only by `expire`"}, code="invalid")
    _refuse_expired(report)
    reason = _text("reason", reason, 2000, required=True)
    before = report.status
    report.status = status
    report.status_on = timezone.localdate()
    report.save(update_fields=["status", "status_on"])
    record(
        handler_id,
        Action.REPORT_STATUS,
        Subject.REPORT,
        report.id,
        reason=reason,
        changes={"status": [before, status]},
    )
    return report


@transaction.atomic
def expire(report: Report, *, on: dt.date, handler_id: int | None = None) -> Report:
    """Delete a report's content, messages and files; keep only that it existed and expired.

    The data key goes too, so any copy of the sealed content (a backup) can no longer be
    opened. `handler_id` is None when custodes' retention expires it.
    """
    if not isinstance(on, dt.date):
        raise ValidationError({"on": "must be a date"}, code="invalid")
    _refuse_expired(report)
    _lock(report)
    ReportFile.objects.filter(report=report).delete()
    ReportMessage.objects.filter(report=report).delete()
    before = report.status
    report.content_sealed = b""
    report.data_key_encrypted = ""
    report.receipt_lookup = None
    report.status = Status.EXPIRED
    report.status_on = report.expired_on = on
    report.save(
        update_fields=[
            "content_sealed",
            "data_key_encrypted",
            "receipt_lookup",
            "status",
            "status_on",
            "expired_on",
        ]
    )
    record(
        handler_id,
        Action.REPORT_EXPIRED,
        Subject.REPORT,
        report.id,
        changes={"status": [before, Status.EXPIRED], "expired_on": on.isoformat()},
    )
    return report


# Support organisations and their accounts (set up by staff; the portal signs them in).

_TOTP_KEY_BYTES = 20


@dataclass(frozen=True)
class NewAccount:
    """An organisation account just made, and its TOTP secret (base32) to enrol once."""

    account: OrganisationAccount
    totp_secret: str


@transaction.atomic
def add_organisation(*, name: str, kind: str, actor_id: int | None) -> Organisation:
    """Add a support organisation that may report for victims."""
    name = _text("name", name, 200, required=True).strip()
    kind = _choice("kind", kind, Organisation.Kind)
    if Organisation.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "an organisation has this name already"}, code="taken")
    organisation = Organisation.objects.create(name=name, kind=kind, added_on=_today())
    record(actor_id, Action.CREATE, Subject.ORGANISATION, organisation.pk, changes={"kind": kind})
    return organisation


@transaction.atomic
def add_organisation_account(
    organisation: Organisation,
    *,
    username: str,
    display_name: str,
    password: str,
    actor_id: int | None,
) -> NewAccount:
    """Add a sign-in for an organisation's worker: an Argon2 password and a sealed TOTP key."""
    username = _text("username", username, 150, required=True).strip().lower()
    display_name = _text("display_name", display_name, 200, required=True).strip()
    password = _text("password", password, 1000, required=True)
    if len(password) < 12:
        raise ValidationError({"password": "is too short: at least 12 characters"}, code="short")
    if OrganisationAccount.objects.filter(username=username).exists():
        raise ValidationError({"username": "is taken"}, code="taken")
    totp_secret = base64.b32encode(secrets.token_bytes(_TOTP_KEY_BYTES)).decode("ascii")
    account = OrganisationAccount.objects.create(
        organisation=organisation,
        username=username,
        display_name=display_name,
        password_hash=make_password(password),
        added_on=_today(),
    )
    account.totp_secret_encrypted = seal(
        OrganisationAccount, "totp_secret_encrypted", account.pk, totp_secret
    )
    account.save(update_fields=["totp_secret_encrypted"])
    record(
        actor_id,
        Action.CREATE,
        Subject.ORGANISATION_ACCOUNT,
        account.pk,
        changes={"organisation": organisation.pk},
    )
    return NewAccount(account, totp_secret)


@transaction.atomic
def disable_organisation_account(
    account: OrganisationAccount, *, actor_id: int | None, reason: str
) -> OrganisationAccount:
    """Stop an organisation's account signing in, with the reason, on the trail.

    Its reports stay with its organisation (its colleagues still follow them). An account
    already disabled is refused, so the trail holds one event per change.
    """
    reason = _text("reason", reason, 2000, required=True).strip()
    # Locked and read afresh: two disables at once record one change.
    locked = OrganisationAccount.objects.select_for_update().get(pk=account.pk)
    if not locked.active:
        raise ValidationError({"account": "is disabled already"}, code="done")
    locked.active = False
    locked.save(update_fields=["active"])
    record(
        actor_id,
        Action.UPDATE,
        Subject.ORGANISATION_ACCOUNT,
        locked.pk,
        reason=reason,
        changes={"active": [True, False]},
    )
    account.active = False
    return locked
