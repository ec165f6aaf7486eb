"""The registry as the matcher sees it, loaded once per process and reloaded when it changes."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db.models import Count, Max, QuerySet

from custodes.linkage import Matcher, people_table
from custodes.web.registry.models import Entry, RosterPerson, Service

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


# The fields entries and roster people both keep, blanks as "", as the matcher takes them.
_PERSON_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "other_names",
    "birth_date",
    "birth_year",
    "sex",
)


def _person(
    record_id: str, who: Mapping[str, Any], agency: str, badges: list[str]
) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "first_name": who["first_name"],
        "middle_name": who["middle_name"] or None,
        "last_name": who["last_name"],
        "other_names": list(who["other_names"]),
        "birth_date": who["birth_date"],
        "birth_year": who["birth_year"],
        "sex": who["sex"] or None,
        "agency": agency or None,
        "badges": badges,
    }


def _fields(who: Entry | RosterPerson) -> dict[str, Any]:
    return {name: getattr(who, name) for name in _PERSON_FIELDS}


def entry_person(entry: Entry, badges: list[str], agency: str) -> dict[str, Any]:
    """Return a registry entry in the matcher's people fields."""
    return {**_person(str(entry.pk), _fields(entry), agency, badges), "list_record_ref": entry.key}


def roster_person(person: RosterPerson) -> dict[str, Any]:
    """Return a held roster's person in the matcher's people fields."""
    return _person(person.person_ref, _fields(person), person.agency, list(person.badges))


def _matched(entries: QuerySet[Entry]) -> dict[int, dict[str, Any]]:
    """Return the entries in the matcher's people fields, by id, in the entries' order.

    Read as rows, not model objects: the registry is loaded whole for every screen. An
    entry's badges are all its services' numbers, and its last service's agency is its current
    one.
    """
    services: dict[int, tuple[list[str], str]] = {}
    rows = Service.objects.filter(entry__in=entries.values("pk")).order_by("entry_id", "pk")
    for entry_id, agency, badge in rows.values_list("entry_id", "agency", "badge"):
        badges, _ = services.setdefault(entry_id, ([], ""))
        if badge:
            badges.append(badge)
        services[entry_id] = (badges, agency)
    people: dict[int, dict[str, Any]] = {}
    for pk, key, *values in entries.values_list("pk", "key", *_PERSON_FIELDS):
        badges, agency = services.get(pk, ([], ""))
        who = dict(zip(_PERSON_FIELDS, values, strict=True))
        people[pk] = {**_person(str(pk), who, agency, badges), "list_record_ref": key}
    return people


def shown(person: dict[str, Any]) -> dict[str, Any]:
    """Return matcher fields as they are kept beside a candidate: dates as text."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in person.items()}


def listed_details(entry_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Return each entry's details as the matcher compares them, by entry id."""
    entries = Entry.objects.filter(pk__in=list(entry_ids))
    return {pk: shown(person) for pk, person in _matched(entries).items()}


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
    entries = Entry.objects.filter(withdrawn_at__isnull=True).order_by("pk")
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
            registry = people_table(_matched(entries).values())
            _cached = (version, Matcher(registry, threshold=THRESHOLD))
        yield _cached[1]
