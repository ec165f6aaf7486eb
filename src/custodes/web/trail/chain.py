"""Append to the trail and verify its chain of keyed hashes."""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from custodes.errors import CustodesError
from custodes.web.needtoknow.rls import insert_unread, row_security_binds
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent

__all__ = [
    "GENESIS",
    "Break",
    "EventCount",
    "TrailHiddenError",
    "event_hash",
    "record",
    "require_whole_trail",
    "verify",
]

GENESIS = "0" * 64
_LOCK_KEY = 0x637573746F646573  # "custodes": one advisory lock serialises appends on PostgreSQL
# How many events the current request (or other unit of work) has recorded: see `EventCount`.
_recorded: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "custodes_trail_recorded", default=None
)


def _key() -> bytes:
    return hashlib.sha256(b"custodes-trail\x00" + settings.TRAIL_KEY.encode()).digest()


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Return the keyed hash of an event's fields chained to the previous event's hash."""
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(_key(), f"{prev_hash}|{body}".encode(), hashlib.sha256).hexdigest()


def _fields(e: TrailEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at.isoformat(timespec="microseconds"),
        "actor_id": e.actor_id,
        "action": e.action,
        "subject_type": e.subject_type,
        "subject_id": e.subject_id,
        "reason": e.reason,
        "changes": e.changes,
    }


def _head() -> tuple[int, str] | None:
    """Return the last event's sequence number and hash, or None for an empty trail."""
    if connection.vendor == "postgresql":
        # Row-level security hides the rows from most of the application's users; this
        # function gives anyone the head alone (migration dbsecurity 0008).
        with connection.cursor() as cursor:
            cursor.execute("SELECT h_seq, h_hash FROM custodes_trail_head()")
            row = cursor.fetchone()
        return None if row is None else (int(row[0]), str(row[1]))
    return TrailEvent.objects.order_by("-seq").values_list("seq", "hash").first()


def record(
    actor_id: int | None,
    action: Action,
    subject_type: Subject,
    subject_id: object,
    *,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> TrailEvent:
    """Append one event to the trail inside the caller's transaction."""
    # The closed set, at run time too: a kind of event nobody looks for is a lost event.
    action, subject_type = Action(action), Subject(subject_type)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = _head()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        event = TrailEvent(
            seq=seq,
            at=timezone.now(),
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            reason=reason,
            changes=changes or {},
            prev_hash=prev,
        )
        event.hash = event_hash(prev, _fields(event))
        # Without reading the row back: row-level security shows the trail's rows only to
        # those who audit custodes' own users, not to everyone who appends.
        insert_unread(event)
    tally = _recorded.get()
    if tally is not None:
        tally[0] += 1
    return event


class EventCount:
    """Count the events recorded inside a `with` block (`count` after it)."""

    def __enter__(self) -> EventCount:
        self._tally = [0]
        self._token = _recorded.set(self._tally)
        return self

    def __exit__(self, *exc: object) -> None:
        _recorded.reset(self._token)

    @property
    def count(self) -> int:
        """Return how many events were recorded in the block."""
        return self._tally[0]


@dataclass(frozen=True)
class Break:
    """A place where the chain does not hold, and what that means."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"event #{self.seq}: {self.problem}"


def _walk(events: Iterable[TrailEvent]) -> Iterator[Break]:
    expected_seq, prev = 1, GENESIS
    for e in events:
        if e.seq != expected_seq:
            yield Break(e.seq, f"events #{expected_seq}–#{e.seq - 1} are missing (deleted)")
        if e.prev_hash != prev:
            yield Break(e.seq, "does not follow the event before it (deleted or reordered)")
        if event_hash(e.prev_hash, _fields(e)) != e.hash:
            yield Break(e.seq, "its contents do not match its hash (edited)")
        expected_seq, prev = e.seq + 1, e.hash


class TrailHiddenError(CustodesError):
    """Row-level security hides the trail's rows from this database role."""


def require_whole_trail(using: str = "default") -> None:
    """Refuse where row-level security hides the trail's rows: a check of none would pass."""
    if row_security_binds(TrailEvent._meta.db_table, using):
        raise TrailHiddenError(
            "row-level security hides the trail's rows from this database role: verify, "
            "checkpoint and export it with the tables' owner's DATABASE_URL"
        )


def verify(using: str = "default") -> list[Break]:
    """Walk the whole trail in order and return every break in its chain."""
    require_whole_trail(using)
    return list(_walk(TrailEvent.objects.using(using).order_by("seq").iterator(chunk_size=2000)))
