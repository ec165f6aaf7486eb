"""The registry as the matcher sees it, loaded once per process and reloaded when it changes."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
from django.db.models import Count, Max

from custodes.linkage import Matcher, people_table
from custodes.web.registry.models import Entry, RosterPerson

__all__ = [
    "THRESHOLD",
    "entry_person",
    "forget_matcher",
    "listed_details",
    "registry_matcher",
    "roster_person",
    "shown",
]

# Candidates below this are not shown: a reviewer's time goes to pairs likelier than not.
THRESHOLD = 0.5

_lock = threading.Lock()
_cached: tuple[tuple[int, int, int], Matcher] | None = None


def _person(
    record_id: str, who: Entry | RosterPerson, agency: str, badges: list[str]
) -> dict[str, Any]:
    # Entries and roster people keep names and birth in the same fields, blanks as "".
    return {
        "record_id": record_id,
        "first_name": who.first_name,
        "middle_name": who.middle_name or None,
        "last_name": who.last_name,
        "other_names": list(who.other_names),
        "birth_date": who.birth_date,
        "birth_year": who.birth_year,
        "sex": who.sex or None,
        "agency": agency or None,
        "badges": badges,
    }


def entry_person(entry: Entry, badges: list[str], agency: str) -> dict[str, Any]:
    """Return a registry entry in the matcher's people fields."""
    return {**_person(str(entry.pk), entry, agency, badges), "list_record_ref": entry.key}


def roster_person(person: RosterPerson) -> dict[str, Any]:
    """Return a held roster's person in the matcher's people fields."""
    return _person(person.person_ref, person, person.agency, list(person.badges))


def _matched(entry: Entry) -> dict[str, Any]:
    # An entry's services are prefetched: its badges, and its last agency as the current one.
    services = list(entry.services.all())
    badges = [s.badge for s in services if s.badge]
    return entry_person(entry, badges, services[-1].agency if services else "")


def _registry(entries: Iterable[Entry]) -> pa.Table:
    return people_table(_matched(entry) for entry in entries)


def shown(person: dict[str, Any]) -> dict[str, Any]:
    """Return matcher fields as they are kept beside a candidate: dates as text."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in person.items()}


def listed_details(entry_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Return each entry's details as the matcher compares them, by entry id."""
    entries = Entry.objects.prefetch_related("services").filter(pk__in=list(entry_ids))
    return {entry.pk: shown(_matched(entry)) for entry in entries}


def forget_matcher() -> None:
    """Drop the cached matcher: the registry is about to change."""
    global _cached
    with _lock:
        if _cached is not None:
            _cached[1].close()
        _cached = None


@contextmanager
def registry_matcher() -> Iterator[Matcher | None]:
    """Hold the matcher over the whole registry (None if it is empty) for one piece of work."""
    global _cached
    # A withdrawn entry is off the list: no check or screen finds it.
    entries = (
        Entry.objects.filter(withdrawn_at__isnull=True).prefetch_related("services").order_by("pk")
    )
    # The registry changes only by import (custodes' own reports among them), which adds entries
    # or moves their last change on; a withdrawal moves it on too.
    totals = entries.aggregate(n=Count("pk"), changed=Max("last_change_id"), last=Max("pk"))
    version = (totals["n"], totals["changed"] or 0, totals["last"] or 0)
    # One DuckDB connection serves every check, and it is not for two threads at once.
    with _lock:
        if version[0] == 0:
            yield None
            return
        if _cached is None or _cached[0] != version:
            if _cached is not None:
                _cached[1].close()
            _cached = None
            _cached = (version, Matcher(_registry(entries), threshold=THRESHOLD))
        yield _cached[1]
