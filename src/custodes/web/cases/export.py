"""Export every case to the officer-history format (../shared/spec/officer-history.md), which
early intervention and statistics read whatever the source.

Each subject of a case is an officer (`officer_ref`: their force and force user id, or their
custodes account); each allegation a row, its category mapped to the format's group and the
subject's finding and outcome to the format's (the mapping is the profile's data, in
`custodes.caserules`); and the dated facts custodes holds about them are events: the access-audit
alert or registry match a case came from, and each list report. Pseudonymised, every reference
is a keyed HMAC (`custodes.crypto.pseudonym`) under a key the operator gives, the same for the
same officer or case in every export with that key, and names and birth years are left out.

This is an operator's export, from a shell on the server with the database's owner: it reads
every case, whoever may see it on the web, and the trail records it as such.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from custodes.caserules import HistoryError, HistoryMapping, history_mapping, write_history
from custodes.crypto import pseudonym
from custodes.errors import CustodesError
from custodes.web.cases.models import Allegation, Case, CaseSubject, ListReport
from custodes.web.needtoknow.rls import row_security_binds
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "KEY_MIN_BYTES",
    "SOURCES",
    "CaseExport",
    "ExportError",
    "every_case",
    "export_cases",
    "officer_key",
    "operator",
    "read_key",
    "subject_standing",
]

#: How a case's source becomes the format's `source`. A support organisation speaks for a
#: member of the public; the reporting portal takes reports from the public and from colleagues.
SOURCES: dict[str, str] = {
    Case.Source.PUBLIC: "public",
    Case.Source.COLLEAGUE: "colleague",
    Case.Source.SUPPORT_ORGANISATION: "public",
    Case.Source.AUDIT_ALERT: "audit",
    Case.Source.REGISTRY_MATCH: "internal",
    Case.Source.PORTAL: "other",
    Case.Source.OTHER: "other",
}
# The case's source that is also a dated fact about its subject, as an event's kind.
SOURCE_EVENTS: dict[str, tuple[str, str]] = {
    Case.Source.AUDIT_ALERT: ("access-audit-alert", "an access-audit alert"),
    Case.Source.REGISTRY_MATCH: ("registry-match", "a registry match"),
}
# Where custodes records no finding in the profile's words: nothing proved at proceedings, or
# no case to answer, is "not-substantiated"; a case closed before anything was decided about a
# subject is "other"; anything else is still "open".
NOT_PROVED = "not-substantiated"
CLOSED_UNDECIDED = "other"
OPEN = "open"
#: The shortest key a pseudonymised export takes (`openssl rand -base64 32` makes 44 characters).
KEY_MIN_BYTES = 32
_PURPOSE = "officer-history"
_REF_LENGTH = 24


class ExportError(CustodesError):
    """The cases cannot be exported as asked; nothing was written."""


@dataclass
class CaseExport:
    """Where an export went, how many rows each table holds, and whether it is pseudonymised."""

    out: Path
    cases: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    pseudonymised: bool = False


def read_key(path: Path) -> bytes:
    """Read a pseudonymisation key from `path`, refusing (naming the file) one that cannot be
    read or is too short to be a secret."""
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise ExportError(f"{path}: the key file cannot be read: {exc.strerror}") from None
    if len(key) < KEY_MIN_BYTES:
        raise ExportError(
            f"{path}: the key is {len(key)} bytes; a pseudonymisation key needs at least "
            f"{KEY_MIN_BYTES} (make one with `openssl rand -base64 32 > {path.name}`)"
        )
    return key


def officer_key(subject: CaseSubject) -> str:
    """Return who a subject is across cases: their force and force user id, else their account."""
    if subject.force_user_id:
        return f"{subject.force or 'unknown'}:{subject.force_user_id}"
    return f"account:{subject.user_id}"


class _Refs:
    """References as the export writes them: as custodes keeps them, or keyed pseudonyms."""

    def __init__(self, key: bytes | None) -> None:
        self.key = key

    def __call__(self, kind: str, value: str) -> str:
        if self.key is None:
            return value
        return pseudonym(self.key, value, purpose=f"{_PURPOSE}:{kind}", length=_REF_LENGTH)


def _day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def _left_under_investigation(case: Case, subject: CaseSubject) -> str | None:
    """Return the profile's event for a subject who resigned or retired under investigation
    (after the matter came to attention, before their proceedings ended), or None."""
    if subject.left_on is None or subject.left_how not in (
        CaseSubject.Left.RESIGNED,
        CaseSubject.Left.RETIRED,
    ):
        return None
    ended = subject.proceedings_ended_on
    if case.came_to_attention <= subject.left_on and (ended is None or ended > subject.left_on):
        return f"{subject.left_how}-under-investigation"
    return None


def subject_standing(case: Case, subject: CaseSubject, mapping: HistoryMapping) -> dict[str, Any]:
    """Return an allegation's closed date, finding, outcome and outcome group in the history
    format's words, from where its subject stands (statistics count them the same way)."""
    closed = subject.proceedings_ended_on or _day(case.closed_at)
    decided = subject.outcome_on is not None
    no_case = subject.case_to_answer is False and subject.proceedings_ended_on is not None
    if decided:
        finding = mapping.finding_of(subject.finding) if subject.finding else NOT_PROVED
    elif no_case:
        finding = NOT_PROVED
    else:
        finding = CLOSED_UNDECIDED if closed else OPEN
    outcome, group = "", ""
    left = _left_under_investigation(case, subject)
    if subject.outcome:
        outcome, group = subject.outcome, mapping.outcome_group_of(subject.outcome)
    elif left is not None:
        outcome, group = left, mapping.left_group_of(left)
    elif decided or no_case:
        group = "none"
    return {
        "closed_date": closed,
        "finding": finding,
        "outcome": outcome or None,
        "outcome_group": group or None,
    }


def _officer(subject: CaseSubject, ref: str, pseudonymised: bool) -> dict[str, Any]:
    account = subject.user
    first = subject.first_name or (account.first_name if account is not None else "")
    last = subject.last_name or (account.last_name if account is not None else "")
    agency = subject.force or (account.force if account is not None else "") or "unknown"
    birth = subject.birth_date
    return {
        "officer_ref": ref,
        "agency": agency,
        "first_name": None if pseudonymised else first or None,
        "last_name": None if pseudonymised else last or None,
        "birth_year": None if pseudonymised or birth is None else birth.year,
        "rank": subject.rank or None,
        "unit": subject.unit or None,
        "left_date": subject.left_on,
        "left_reason": subject.left_how or None,
    }


def _merge(earlier: dict[str, Any] | None, later: dict[str, Any]) -> dict[str, Any]:
    """Return one officer from two cases' subjects: the later case's values where it has them
    (a departure recorded in either case stands; an appeal that undoes one clears it there)."""
    if earlier is None:
        return later
    merged = dict(earlier)
    merged.update({k: v for k, v in later.items() if v is not None})
    return merged


def _tables(
    refs: _Refs,
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the number of cases and the three tables' rows, from every case."""
    pseudonymised = refs.key is not None
    cases = list(
        Case.objects.order_by("came_to_attention", "opened_at", "pk").prefetch_related(
            "subjects__user"
        )
    )
    allegations: dict[object, list[Allegation]] = {}
    for allegation in Allegation.objects.order_by("added_at", "pk"):
        allegations.setdefault(allegation.subject_id, []).append(allegation)
    reports: dict[object, list[ListReport]] = {}
    for report in ListReport.objects.order_by("produced_at", "pk"):
        reports.setdefault(report.subject_id, []).append(report)
    officers: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for case in cases:
        mapping = history_mapping(case.profile)
        complaint = refs("complaint", case.reference)
        subjects = list(case.subjects.all())
        for subject in subjects:
            officer = refs("officer", officer_key(subject))
            officers[officer] = _merge(
                officers.get(officer), _officer(subject, officer, pseudonymised)
            )
            where = subject_standing(case, subject, mapping)
            for allegation in allegations.get(subject.pk, []):
                rows.append(
                    {
                        "allegation_ref": refs("allegation", str(allegation.pk)),
                        "complaint_ref": complaint,
                        "officer_ref": officer,
                        "received_date": case.came_to_attention,
                        "incident_date": allegation.arose_on or case.arose_on,
                        "source": SOURCES.get(case.source, "other"),
                        "category": allegation.category,
                        "category_group": mapping.group_of(allegation.category),
                        **where,
                    }
                )
            for report in reports.get(subject.pk, []):
                state = report.get_status_display().lower()
                events.append(
                    {
                        "officer_ref": officer,
                        "date": _day(report.produced_at),
                        "kind": "list-report",
                        "detail": f"{report.list_type} list, {report.get_action_display()}: "
                        f"{report.event} on {report.event_on.isoformat()} ({state}); "
                        f"complaint {complaint}",
                    }
                )
        if case.source in SOURCE_EVENTS and subjects:
            kind, words = SOURCE_EVENTS[case.source]
            about = _source_subject(case, subjects)
            record_id = (
                ""
                if pseudonymised or not case.source_record_id
                else (f" {case.source_record_type or 'record'} {case.source_record_id}")
            )
            events.append(
                {
                    "officer_ref": refs("officer", officer_key(about)),
                    "date": case.came_to_attention,
                    "kind": kind,
                    "detail": f"{words}{record_id} opened complaint {complaint}",
                }
            )
    events.sort(key=lambda e: (e["date"], e["officer_ref"], e["kind"]))
    return len(cases), list(officers.values()), rows, events


def _source_subject(case: Case, subjects: list[CaseSubject]) -> CaseSubject:
    """Return the subject an alert or match was about: the one the case was opened about."""
    for subject in subjects:
        if (case.subject_id is not None and subject.user_id == case.subject_id) or (
            case.subject_force_user_id and subject.force_user_id == case.subject_force_user_id
        ):
            return subject
    return subjects[0]


@contextmanager
def every_case(error: type[CustodesError] = ExportError, what: str = "export") -> Iterator[None]:
    """Read every table from one moment (so no allegation names an officer the reader lacks),
    read-only; refuse, raising `error`, a database role that row-level security binds (it would
    silently see only some cases): an operator's reading needs the owner's DATABASE_URL."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if row_security_binds(Case):
            raise error(
                f"row-level security hides cases from this database role; {what} with the "
                "owner's DATABASE_URL"
            )
        yield


def operator() -> str:
    """Return who ran an operator's command (this export, a publication): the account on the
    server, and the server."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = f"uid {os.getuid()}"
    return f"{who}@{socket.gethostname()}"


def export_cases(out: Path, *, fmt: str = "csv", key: bytes | None = None) -> CaseExport:
    """Write every case into folder `out` in the officer-history format, all at once or not at
    all, and record the export on the trail. With `key`, references are keyed pseudonyms and
    names and birth years are left out."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} already exists and is not an empty folder; nothing was written")
    if key is not None and len(key) < KEY_MIN_BYTES:
        raise ExportError(f"a pseudonymisation key needs at least {KEY_MIN_BYTES} bytes")
    refs = _Refs(key)
    with every_case():
        cases, officers, allegations, events = _tables(refs)
    try:
        rows = write_history(out, officers, allegations, events, fmt=fmt)
    except HistoryError as exc:
        raise ExportError(str(exc)) from None
    done = CaseExport(out, cases, rows, pseudonymised=key is not None)
    changes: dict[str, Any] = {
        "scope": "every case (an operator's export, not limited by need-to-know)",
        "by": operator(),
        "out": str(out.resolve()),
        "format": fmt,
        "cases": cases,
        "rows": rows,
        "pseudonymised": done.pseudonymised,
    }
    if key is not None:
        # Which key, without the key: exports with the same fingerprint share pseudonyms.
        changes["key_fingerprint"] = pseudonym(key, "key", purpose=f"{_PURPOSE}:fingerprint")
    try:
        record(None, Action.EXPORT_CASES, Subject.CASES, "", changes=changes)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # not on the trail: not left behind either
        raise
    return done
