"""Every write to the registry: importing lists and rosters, checks, screens and decisions.

Each action is atomic and on the trail. Importing a list screens every current roster against
the entries it added or changed, and raises an alert to vetting for each candidate found,
likely or weaker (marked so). A pair (the roster's force, person_ref, entry) already decided
is not raised again: while the details compared are those it was decided on, a new candidate
of the pair carries the decision, naming the candidate it was made on.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router, transaction
from django.utils import timezone

from custodes.errors import CustodesError
from custodes.linkage import people_table
from custodes.lists import (
    LIMITS,
    ListRead,
    ListRecord,
    read_ccrb,
    read_generic,
    read_roster,
    read_virginia,
    too_long,
)
from custodes.web.accounts.models import User
from custodes.web.alerts.models import Alert
from custodes.web.needtoknow.charts import org_chart
from custodes.web.needtoknow.rls import insert_unread_many, row_security_binds
from custodes.web.needtoknow.rule import conflict
from custodes.web.registry import bulk
from custodes.web.registry.access import IMPORT_ROLES, get_candidate_for_user, may_review
from custodes.web.registry.matching import (
    THRESHOLD,
    forget_matcher,
    listed_details,
    registry_matcher,
    roster_person,
    shown,
)
from custodes.web.registry.models import (
    Candidate,
    Entry,
    ListImport,
    Roster,
    RosterPerson,
    Screening,
    Service,
)
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "ImportOutcome",
    "RegistryCheckError",
    "RegistryImportError",
    "check_applicant",
    "decide_candidate",
    "import_list",
    "load_roster",
    "screen_roster",
]


class RegistryImportError(CustodesError):
    """A list or roster that cannot be taken in; nothing of it was stored."""


class RegistryCheckError(CustodesError):
    """An applicant's details that cannot be checked as given; nothing was stored."""


@dataclass(frozen=True)
class ImportOutcome:
    """What an import changed, and the matches it raised against held rosters."""

    list_import: ListImport
    screenings: list[Screening]
    alerts: int


def _actor_id(actor: User | None) -> int | None:
    return None if actor is None else actor.pk


def _fingerprint(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _read(source: str, paths: Sequence[Path], mapping: dict[str, str] | None) -> ListRead:
    if source == ListImport.Source.VIRGINIA:
        return read_virginia(paths[0])
    if source == ListImport.Source.CCRB:
        if len(paths) not in (2, 3):
            raise RegistryImportError("ccrb needs the departure letters and penalties files")
        return read_ccrb(paths[0], paths[1], paths[2] if len(paths) == 3 else None)
    if source == ListImport.Source.GENERIC:
        return read_generic(paths[0], mapping)
    raise RegistryImportError(f"unknown list source {source!r}")


# An entry's fields as a list gives them, in the order they are written (see _values).
_VALUE_FIELDS = (
    "source_ref",
    "list_type",
    "jurisdiction",
    "first_name",
    "middle_name",
    "last_name",
    "other_names",
    "birth_date",
    "birth_year",
    "sex",
    "reason",
    "reason_category",
    "action_date",
    "status",
    "source",
    "extra",
)
_SERVICE_FIELDS = ("agency", "agency_raw", "badge", "start", "end")
# Changed entries' services deleted so many entries at a time: under SQLite's default limit of
# 999 bound values a statement.
_BATCH = 900


def _values(record: ListRecord) -> dict[str, Any]:
    return {
        "source_ref": record.source_ref,
        "list_type": record.list_type,
        "jurisdiction": record.jurisdiction,
        "first_name": record.first_name,
        "middle_name": record.middle_name or "",
        "last_name": record.last_name,
        "other_names": list(record.other_names),
        "birth_date": record.birth_date,
        "birth_year": record.birth_year,
        "sex": record.sex or "",
        "reason": record.reason,
        "reason_category": record.reason_category,
        "action_date": record.action_date,
        "status": record.status,
        "source": record.source,
        "extra": dict(record.extra),
    }


# json.dumps(..., sort_keys=True, default=str), made once: the same text, without a new
# encoder for each of 100,000 entries.
_CONTENT = json.JSONEncoder(sort_keys=True, default=str)


def _content(values: dict[str, Any], services: list[dict[str, Any]]) -> str:
    text = _CONTENT.encode([values, services])
    return hashlib.sha256(text.encode()).hexdigest()


def _services(record: ListRecord) -> list[dict[str, Any]]:
    return [
        {
            "agency": s.agency,
            "agency_raw": s.agency_raw,
            "badge": s.badge or "",
            "start": s.start,
            "end": s.end,
        }
        for s in record.services
    ]


def _batches(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + _BATCH] for i in range(0, len(items), _BATCH)]


def _existing(source: str, keys: dict[str, ListRecord]) -> dict[str, tuple[int, str]]:
    """Return each stored entry among the keys: its id and content hash.

    One pass over the source's entries (their keys all begin with it) rather than a look-up
    per key: a national list asks for 100,000 keys at once.
    """
    stored = Entry.objects.filter(key__startswith=f"{source}:")
    rows = stored.values_list("key", "pk", "content").iterator(chunk_size=10_000)
    return {key: (pk, content) for key, pk, content in rows if key in keys}


@functools.cache
def _rules(
    model: type[Entry] | type[Service], names: tuple[str, ...]
) -> tuple[list[tuple[str, int | None, frozenset[str] | None, bool]], list[str]]:
    """Return the fields' rules: each text field's most characters, allowed values and whether
    it may be blank; and the JSON fields, whose text may not hold NUL either."""
    texts, json_fields = [], []
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, models.CharField | models.TextField):
            allowed = frozenset(str(v) for v, _ in field.flatchoices) if field.choices else None
            texts.append((name, field.max_length, allowed, field.blank))
        elif isinstance(field, models.JSONField):
            json_fields.append(name)
    return texts, json_fields


def _texts(value: Any) -> list[str]:
    """Return the text in a JSON field's value: other names, a list's own columns."""
    if isinstance(value, dict):
        return [str(k) for k in value] + [str(v) for v in value.values()]
    return [str(v) for v in value] if isinstance(value, list) else []


def _check(
    file_name: str, line: int, values: dict[str, Any], services: list[dict[str, Any]]
) -> None:
    """Refuse the whole file if an entry would not fit the registry, naming its row and field.

    The readers refuse such rows first; this is the registry's own guard (lengths, allowed
    values, required fields, and no NUL, which PostgreSQL cannot keep), cheap enough to run on
    100,000 entries at once.
    """
    for model, fields in ((Entry, values), *((Service, s) for s in services)):
        texts, json_fields = _rules(model, tuple(fields))
        for name, limit, allowed, blank in texts:
            value = fields[name]
            if not value:
                why = None if blank else "is empty; the field is required"
            elif limit is not None and len(value) > limit:
                why = too_long(value, limit)
            elif allowed is not None and value not in allowed:
                why = f"{value!r} is not one of {', '.join(sorted(allowed))}"
            else:
                why = (
                    "holds a NUL character, which the registry cannot keep"
                    if "\x00" in value
                    else None
                )
            if why is not None:
                # The transaction rolls back: nothing of the file is kept.
                raise RegistryImportError(f"{file_name}, line {line}: {name}: {why}")
        for name in json_fields:
            if any("\x00" in text for text in _texts(fields[name])):
                why = "holds a NUL character, which the registry cannot keep"
                raise RegistryImportError(f"{file_name}, line {line}: {name}: {why}")


@transaction.atomic
def import_list(
    actor: User | None,
    source: str,
    paths: Sequence[Path],
    mapping: dict[str, str] | None = None,
) -> ImportOutcome:
    """Read a published list into the registry; re-importing the same list changes nothing.

    Written in bulk, in one transaction: every entry the list adds or changes is checked before
    any is written, and a file refused for one row (named with its field) leaves nothing.
    """
    if actor is not None and actor.role not in IMPORT_ROLES:
        raise PermissionDenied("only vetting staff and administrators import lists")
    if row_security_binds(Entry, router.db_for_write(Entry)):
        # It compares every entry and screens every held roster, raising an alert for each
        # match: a role that sees part of them would miss some without a word.
        raise RegistryImportError(
            "row-level security binds this database role, which sees only part of the "
            "registry and its rosters; import lists with the tables' owner's DATABASE_URL"
        )
    with _cycles_left_for_later():
        return _import_list(actor, source, paths, mapping)


@contextmanager
def _cycles_left_for_later() -> Iterator[None]:
    """Pause Python's cycle collector while a list is imported, and resume it after.

    Reading and writing 100,000 entries makes millions of objects, none in a reference
    cycle, and the collector would walk all of them again and again as they pile up: a third
    of a national list's import time. Collection resumes (and catches up) when it is done.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _import_list(
    actor: User | None, source: str, paths: Sequence[Path], mapping: dict[str, str] | None
) -> ImportOutcome:
    read = _read(source, paths, mapping)  # a file that cannot be read raises before any write
    forget_matcher()
    now = timezone.now()
    imported = ListImport.objects.create(
        source=source,
        file_name=", ".join(p.name for p in paths),
        fingerprint=_fingerprint(paths),
        imported_at=now,
        imported_by=actor,
        read=len(read.records),
        added=0,
        changed=0,
        unchanged=0,
        rejected=[dataclasses.asdict(r) for r in read.rejected],
    )
    keys = {f"{source}:{r.source_ref}": r for r in read.records}
    if len(keys) != len(read.records):
        raise RegistryImportError(f"{imported.file_name}: two records share a record id")
    existing = _existing(source, keys)
    # Each added or changed entry: its key, id (None if new), fields and services.
    written: list[tuple[str, int | None, list[Any], list[dict[str, Any]]]] = []
    for key, rec in keys.items():
        values, services = _values(rec), _services(rec)
        content = _content(values, services)
        stored = existing.get(key)
        if stored is not None and stored[1] == content:
            continue
        _check(imported.file_name, rec.line, values, services)
        fields = [values[name] for name in _VALUE_FIELDS]
        written.append((key, None if stored is None else stored[0], [*fields, content], services))
    ids = _write(imported, written)
    imported.added = sum(1 for _, pk, _, _ in written if pk is None)
    imported.changed = len(written) - imported.added
    imported.unchanged = len(keys) - len(written)
    imported.save(update_fields=["added", "changed", "unchanged"])
    record(
        _actor_id(actor),
        Action.REGISTRY_IMPORT,
        Subject.LIST_IMPORT,
        imported.pk,
        changes={
            "file": imported.file_name,
            "read": imported.read,
            "added": imported.added,
            "changed": imported.changed,
            "rejected": len(imported.rejected),
        },
    )
    screenings, alerts = _screen_held_rosters(actor, imported, ids)
    forget_matcher()
    return ImportOutcome(imported, screenings, alerts)


def _write(
    imported: ListImport, written: list[tuple[str, int | None, list[Any], list[dict[str, Any]]]]
) -> list[int]:
    """Add the new entries, change the changed ones, and put back their services; return ids."""
    columns = [*_VALUE_FIELDS, "content", "last_change"]
    this = imported.pk
    new = [[key, *row, this, this] for key, pk, row, _ in written if pk is None]
    bulk.insert(Entry, ["key", *columns, "first_import"], new)
    ids = dict(Entry.objects.filter(first_import=imported).values_list("key", "pk"))
    changed = [pk for _, pk, _, _ in written if pk is not None]
    bulk.update(Entry, columns, [[*row, this, pk] for _, pk, row, _ in written if pk is not None])
    for batch in _batches(changed):
        Service.objects.filter(entry_id__in=batch).delete()
    bulk.insert(
        Service,
        ["entry", *_SERVICE_FIELDS],
        [
            [ids[key] if pk is None else pk, *(s[name] for name in _SERVICE_FIELDS)]
            for key, pk, _, services in written
            for s in services
        ],
    )
    return [ids[key] if pk is None else pk for key, pk, _, _ in written]


def _screen_held_rosters(
    actor: User | None, imported: ListImport, touched: list[int]
) -> tuple[list[Screening], int]:
    """Screen every current roster against the entries an import added or changed."""
    # Inside the import's transaction: a list is in the registry only with its alerts raised.
    if not touched:
        return [], 0
    screenings, alerts = [], 0
    new = {str(pk) for pk in touched}
    for roster in Roster.objects.filter(current=True).order_by("pk"):
        screening, found = _screen(actor, roster, Screening.Kind.NEW_LIST, imported, new)
        screenings.append(screening)
        # A pair already decided carries its decision; one already waiting with an open alert
        # is already in front of vetting.
        waiting = _alerted_pairs(roster.force, found)
        for candidate in found:
            if candidate.status != Candidate.Status.PENDING:
                continue
            if (candidate.person_ref, candidate.entry_id) in waiting:
                continue
            Alert.objects.create(
                kind=Alert.Kind.REGISTRY_MATCH,
                about_user=candidate.subject,
                subject_type="registry-candidate",
                subject_id=str(candidate.pk),
                summary=_alert_summary(roster, candidate),
                raised_at=timezone.now(),
            )
            alerts += 1
    return screenings, alerts


def _alert_summary(roster: Roster, candidate: Candidate) -> str:
    entry = candidate.entry
    listed = f"{entry.jurisdiction} {entry.list_type}, p={candidate.match_probability:.2f}"
    text = f"{roster.force} {candidate.person_ref} may be {entry.full_name} ({listed})"
    if not candidate.likely:
        # A weaker candidate still goes to vetting, or a list naming a member of staff with
        # no birth date would raise nothing; it says plainly how little it rests on.
        text = f"Weaker (names agree, little else known): {text}"
    return text[:300]


def _alerted_pairs(force: str, found: list[Candidate]) -> set[tuple[str, int]]:
    """Return the pairs among those found that wait, on an earlier candidate, with an alert."""
    pairs = {(c.person_ref, c.entry_id) for c in found}
    earlier = Candidate.objects.filter(
        force=force,
        status=Candidate.Status.PENDING,
        person_ref__in={ref for ref, _ in pairs},
        entry_id__in={entry for _, entry in pairs},
    ).exclude(pk__in=[c.pk for c in found])
    open_alerts = set(
        Alert.objects.filter(
            kind=Alert.Kind.REGISTRY_MATCH,
            subject_type="registry-candidate",
            subject_id__in=[str(pk) for pk in earlier.values_list("pk", flat=True)],
            status=Alert.Status.OPEN,
        ).values_list("subject_id", flat=True)
    )
    return {
        (c.person_ref, c.entry_id)
        for c in earlier.only("pk", "person_ref", "entry_id")
        if str(c.pk) in open_alerts and (c.person_ref, c.entry_id) in pairs
    }


# How the trail names each kind of screen.
_SCREENED = {
    Screening.Kind.CHECK: Action.REGISTRY_CHECK,
    Screening.Kind.SCREEN: Action.REGISTRY_SCREEN,
    Screening.Kind.NEW_LIST: Action.REGISTRY_NEW_LIST,
}


def _screen(
    actor: User | None,
    roster: Roster,
    kind: Screening.Kind,
    imported: ListImport | None = None,
    only: set[str] | None = None,
) -> tuple[Screening, list[Candidate]]:
    people = {p.person_ref: p for p in roster.people.all()}
    started = time.perf_counter()
    with registry_matcher() as matcher:
        entries = 0 if matcher is None else Entry.objects.filter(withdrawn_at__isnull=True).count()
        found = (
            pa.table({"person_ref": [], "entry_id": []})
            if matcher is None or not people
            else matcher.screen(people_table(roster_person(p) for p in people.values()))
        )
    rows = [r for r in found.to_pylist() if only is None or r["entry_id"] in only]
    listed = listed_details({int(r["entry_id"]) for r in rows})
    # Under row-level security the runner cannot see, nor read back, the matches about
    # themselves, their chain and their unit: the candidates go in undecided and unread, and
    # the database carries the pairs' decisions (custodes_registry_carry).
    hidden = row_security_binds(Candidate, router.db_for_write(Candidate))
    pairs = {(r["person_ref"], int(r["entry_id"])) for r in rows}
    decided = {} if hidden else _decisions(roster.force, pairs)
    screening = Screening.objects.create(
        kind=kind,
        roster=roster,
        list_import=imported,
        run_at=timezone.now(),
        run_by=actor,
        threshold=THRESHOLD,
        people=len(people),
        entries=entries,
        seconds=round(time.perf_counter() - started, 3),
    )
    accounts = dict(
        User.objects.filter(force=roster.force, force_user_id__in=list(people)).values_list(
            "force_user_id", "pk"
        )
    )
    candidates = [
        _carried(
            Candidate(
                screening=screening,
                entry_id=int(r["entry_id"]),
                roster_person=people[r["person_ref"]],
                force=roster.force,
                person_ref=r["person_ref"],
                person=shown(roster_person(people[r["person_ref"]])),
                listed=listed[int(r["entry_id"])],
                subject_id=accounts.get(r["person_ref"]),
                match_probability=r["match_probability"],
                match_weight=r["match_weight"],
                explanation=r["explanation"],
                strength=r["strength"],
            ),
            decided.get((r["person_ref"], int(r["entry_id"]))),
        )
        for r in rows
    ]
    carried: list[list[int | None]]
    if hidden:
        insert_unread_many(candidates)
        carried = _carry_in_database(screening)
    else:
        candidates = Candidate.objects.bulk_create(candidates)
        carried = [[c.pk, c.decided_on_id] for c in candidates if c.carried]
    record(
        _actor_id(actor),
        _SCREENED[kind],
        Subject.SCREENING,
        screening.pk,
        changes={
            "roster": roster.pk,
            "people": len(people),
            "candidates": len(candidates),
            "weaker": sum(1 for c in candidates if not c.likely),
            # Each [new candidate, candidate the pair was decided on]: the decision carried.
            "carried": carried,
        },
    )
    # bulk_create leaves related objects unloaded; the alerts above read the entry.
    return screening, list(Candidate.objects.filter(screening=screening).select_related("entry"))


def _carry_in_database(screening: Screening) -> list[list[int | None]]:
    """Carry each pair's decision to a roster screen's new candidates, as `_carried` does, in
    the database, which sees the decisions kept from the screen's runner; return each
    candidate given a decision with the one it was made on."""
    connection = connections[router.db_for_write(Candidate)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c_candidate, c_decided_on FROM custodes_registry_carry(%s)", [screening.pk]
        )
        return [[int(pk), int(on)] for pk, on in cursor.fetchall()]


def _decisions(force: str, pairs: set[tuple[str, int]]) -> dict[tuple[str, int], Candidate]:
    """Return the latest decided candidate of each pair that has one."""
    if not pairs:
        return {}
    found = (
        Candidate.objects.filter(
            force=force,
            person_ref__in={ref for ref, _ in pairs},
            entry_id__in={entry for _, entry in pairs},
        )
        .exclude(status=Candidate.Status.PENDING)
        .order_by("-screening__run_at", "-pk")
    )
    latest: dict[tuple[str, int], Candidate] = {}
    for candidate in found:
        pair = (candidate.person_ref, candidate.entry_id)
        if pair in pairs:
            latest.setdefault(pair, candidate)
    return latest


def _carried(candidate: Candidate, decided: Candidate | None) -> Candidate:
    """Carry a pair's decision to a new candidate while the details compared are the same."""
    if decided is None:
        return candidate
    # The candidate the reviewer decided, however many screens ago.
    candidate.decided_on_id = decided.decided_on_id if decided.carried else decided.pk
    # Anything compared that has changed since (a new surname, a birth date added to the
    # list) may change the answer: the pair waits for a reviewer again, who sees the earlier
    # decision beside it. Details not kept (found before they were) count as unchanged.
    if decided.person != candidate.person or decided.listed not in (None, candidate.listed):
        return candidate
    candidate.status = decided.status
    candidate.decided_by_id = decided.decided_by_id
    candidate.decided_at = decided.decided_at
    candidate.decision_reason = decided.decision_reason
    return candidate


@transaction.atomic
def load_roster(
    actor: User | None, name: str, force: str, path: Path, jurisdiction: str | None = None
) -> Roster:
    """Hold a roster (current staff) so that every new list is checked against it.

    `jurisdiction` is where the roster's agencies are: in one with a directory (US-VA) their
    names are the directory's, as on that jurisdiction's lists; None applies spelling alone.
    """
    if actor is not None and not may_review(actor):
        raise PermissionDenied("only vetting staff hold rosters")
    read = read_roster(path, jurisdiction=jurisdiction)
    if read.rejected:
        # A roster with people missing would leave them unchecked without anyone knowing.
        shown = "; ".join(str(r) for r in read.rejected[:20])
        raise RegistryImportError(f"{path.name}: {len(read.rejected)} rows refused: {shown}")
    roster = Roster.objects.create(
        name=name, force=force, file_name=path.name, loaded_at=timezone.now(), loaded_by=actor
    )
    RosterPerson.objects.bulk_create(
        RosterPerson(
            roster=roster,
            person_ref=p.person_ref,
            first_name=p.first_name,
            middle_name=p.middle_name or "",
            last_name=p.last_name,
            other_names=list(p.other_names),
            birth_date=p.birth_date,
            birth_year=p.birth_year,
            sex=p.sex or "",
            agency=p.agency or "",
            badges=list(p.badges),
        )
        for p in read.people
    )
    record(
        _actor_id(actor),
        Action.REGISTRY_ROSTER,
        Subject.ROSTER,
        roster.pk,
        changes={"name": name, "force": force, "people": len(read.people)},
    )
    return roster


@transaction.atomic
def screen_roster(actor: User | None, roster: Roster) -> Screening:
    """Screen a held roster against the whole registry."""
    if actor is not None and not may_review(actor):
        raise PermissionDenied("only vetting staff run screens")
    return _screen(actor, roster, Screening.Kind.SCREEN)[0]


@transaction.atomic
def check_applicant(actor: User | None, applicant: dict[str, Any]) -> Screening:
    """Check one applicant against the whole registry and keep the candidates for review."""
    if actor is not None and not may_review(actor):
        raise PermissionDenied("only vetting staff run hiring checks")
    person = {**applicant, "record_id": str(applicant.get("record_id") or "applicant")}
    _fits(person)
    table = people_table([person])  # refuses a malformed applicant, naming the field
    started = time.perf_counter()
    with registry_matcher() as matcher:
        entries = 0 if matcher is None else Entry.objects.filter(withdrawn_at__isnull=True).count()
        found = [] if matcher is None else matcher.check(table)
    screening = Screening.objects.create(
        kind=Screening.Kind.CHECK,
        run_at=timezone.now(),
        run_by=actor,
        threshold=THRESHOLD,
        people=1,
        entries=entries,
        seconds=round(time.perf_counter() - started, 3),
    )
    listed = listed_details(int(c.registry_id) for c in found)
    Candidate.objects.bulk_create(
        Candidate(
            screening=screening,
            entry_id=int(c.registry_id),
            person_ref=person["record_id"],
            person=shown(person),
            listed=listed[int(c.registry_id)],
            match_probability=c.match_probability,
            match_weight=c.match_weight,
            explanation=c.explanation,
            strength=c.strength,
        )
        for c in found
    )
    record(
        _actor_id(actor),
        Action.REGISTRY_CHECK,
        Subject.SCREENING,
        screening.pk,
        changes={"candidates": len(found), "weaker": sum(1 for c in found if not c.likely)},
    )
    return screening


def _fits(person: dict[str, Any]) -> None:
    """Refuse an applicant's reference or name longer than the registry keeps."""
    values = [("reference", person["record_id"], LIMITS.person_ref)]
    values += [(k, person.get(k) or "", LIMITS.name) for k in _NAME_FIELDS]
    for field, value, limit in values:
        why = too_long(str(value), limit)
        if why is not None:
            raise RegistryCheckError(f"{field.replace('_', ' ')} {why}")


_NAME_FIELDS = ("first_name", "middle_name", "last_name")


@transaction.atomic
def decide_candidate(actor: User, candidate: Candidate, *, same: bool, reason: str) -> Candidate:
    """Confirm (the same person) or reject (not the same person) a candidate, with a reason."""
    # Fetched again through need-to-know, and locked: two reviewers must not both decide it.
    get_candidate_for_user(actor, candidate.pk, purpose=Action.DECIDE)
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if not reason.strip():
        raise ValidationError("give a reason")
    if locked.status != Candidate.Status.PENDING:
        raise ValidationError(f"the match is already {locked.get_status_display().lower()}")
    locked.status = Candidate.Status.CONFIRMED if same else Candidate.Status.REJECTED
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.decision_reason = reason.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    action = Action.REGISTRY_CONFIRM if same else Action.REGISTRY_REJECT
    record(
        actor.pk,
        action,
        Subject.REGISTRY_CANDIDATE,
        locked.pk,
        reason=locked.decision_reason,
        changes={"status": [Candidate.Status.PENDING.value, locked.status]},
    )
    decided = [locked.pk]
    # The same pair found by earlier screens, still waiting: one answer decides them all, and
    # each is on the trail as decided with this one.
    chart = org_chart()
    for twin in _pending_twins(locked):
        if conflict(actor.pk, twin.subject_id, chart) is not None:
            continue
        twin.status, twin.decided_on = locked.status, locked
        twin.decided_by, twin.decided_at = actor, locked.decided_at
        twin.decision_reason = locked.decision_reason
        twin.save(
            update_fields=["status", "decided_by", "decided_at", "decision_reason", "decided_on"]
        )
        record(
            actor.pk,
            action,
            Subject.REGISTRY_CANDIDATE,
            twin.pk,
            reason=locked.decision_reason,
            changes={"status": [Candidate.Status.PENDING.value, twin.status], "with": locked.pk},
        )
        decided.append(twin.pk)
    Alert.objects.filter(
        kind=Alert.Kind.REGISTRY_MATCH,
        subject_type="registry-candidate",
        subject_id__in=[str(pk) for pk in decided],
    ).update(status=Alert.Status.CLOSED)
    return locked


def _pending_twins(candidate: Candidate) -> list[Candidate]:
    """Return, locked, the other pending candidates of a roster candidate's pair."""
    if not candidate.force:
        return []  # an applicant check's reference names no one for certain
    return list(
        Candidate.objects.select_for_update()
        .filter(
            force=candidate.force,
            person_ref=candidate.person_ref,
            entry_id=candidate.entry_id,
            status=Candidate.Status.PENDING,
        )
        .exclude(pk=candidate.pk)
        .order_by("pk")
    )
