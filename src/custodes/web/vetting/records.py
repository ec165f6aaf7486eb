"""A force's vetting records loaded from CSV files, through the actions, all or nothing.

A folder holds `posts.csv` (each post's required level, and its access to vulnerable people,
as set on a day: a post named again is changed on that later day), `clearances.csv` (every
vetting decision: granted, refused, withdrawn or expired, with its day) and `postings.csv`
(moves into posts). Every row of every file is read and checked before anything is written,
and the first fault names its file, row (the header is row 1) and field. Then the decisions
are recorded in the order of their days, and the posts and moves in theirs (a post's change
before a move on the same day), each through its action (`record_clearance`,
`set_post_requirement`, `move_into_post`), so the trail has every one and a move that needs
re-vetting raises its task at once. A grant known only by its year (`2014`) is taken as
1 January, so its renewal is never found later than it was due, and its reason says so.

`integrity-reviews.csv` (clearance: a ref in `clearances.csv`; held_on), if the folder has
it, holds the annual integrity reviews held: each is recorded, after the decisions, through
`record_integrity_review` (a decided integrity-review task on the day), so the sweep raises a
review only where one is due after the last held.

A folder whose posts are all there already is taken as loaded: nothing is written again, and
the records are found by their fields (`Loaded.already`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from custodes.caserules import RulesFileError, load_vetting
from custodes.errors import CustodesError
from custodes.web.accounts.models import User
from custodes.web.vetting.actions import (
    Who,
    move_into_post,
    record_clearance,
    record_integrity_review,
    set_post_requirement,
    who,
)
from custodes.web.vetting.models import Clearance, Posting, PostRequirement, VettingTask

__all__ = [
    "CLEARANCE_FIELDS",
    "POSTING_FIELDS",
    "POST_FIELDS",
    "REVIEW_FIELDS",
    "Loaded",
    "RecordsError",
    "load_records",
]

POST_FIELDS = ("name", "required_level", "vulnerable", "reason", "set_on")
CLEARANCE_FIELDS = (
    "ref",
    "force",
    "force_user_id",
    "level",
    "status",
    "granted_on",
    "decided_on",
    "unit",
    "conditions",
    "reason",
)
POSTING_FIELDS = ("ref", "force", "force_user_id", "post", "starts_on")
REVIEW_FIELDS = ("clearance", "held_on")
REVIEWS = "integrity-reviews.csv"
CLEARANCES = "clearances.csv"
_LIMITS = {"force": 32, "force_user_id": 64, "unit": 100, "name": 120, "post": 120}


class RecordsError(CustodesError):
    """A vetting records folder is refused; names the file, the row and the field."""

    def __init__(self, file: str, row: int, field_: str, problem: str) -> None:
        where = f"{file}: row {row}" + (f", field {field_!r}" if field_ else "")
        super().__init__(f"{where}: {problem}")
        self.file, self.row, self.field, self.problem = file, row, field_, problem


@dataclass(frozen=True)
class _Post:
    row: int
    name: str
    level: str
    vulnerable: str
    reason: str
    set_on: dt.date


@dataclass(frozen=True)
class _Clearance:
    row: int
    ref: str
    force: str
    force_user_id: str
    level: str
    status: str
    granted_on: dt.date | None
    year_only: bool
    decided_on: dt.date
    unit: str
    conditions: str
    reason: str


@dataclass(frozen=True)
class _Posting:
    row: int
    ref: str
    force: str
    force_user_id: str
    post: str
    starts_on: dt.date


@dataclass(frozen=True)
class _Review:
    row: int
    clearance: str  # its ref
    held_on: dt.date


@dataclass
class Loaded:
    """What loading made (or found, when it was loaded before): each record by its ref."""

    already: bool = False
    posts: dict[str, int] = field(default_factory=dict)  # post name -> pk
    clearances: dict[str, int] = field(default_factory=dict)  # ref -> pk
    postings: dict[str, int] = field(default_factory=dict)  # ref -> pk
    raised: list[VettingTask] = field(default_factory=list)  # by moves, at once
    reviews: list[VettingTask] = field(default_factory=list)  # the integrity reviews held


class _Rows:
    """One CSV file's rows, each value checked where it is read."""

    def __init__(self, path: Path, fields: tuple[str, ...]) -> None:
        self.name = path.name
        if not path.is_file():
            raise RecordsError(self.name, 0, "", "missing from the folder")
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise RecordsError(self.name, 0, "", f"not UTF-8 text ({error.reason})") from error
        self.reader = csv.DictReader(io.StringIO(text, newline=""))
        header = self.reader.fieldnames or []
        for column in fields:
            if column not in header:
                raise RecordsError(self.name, 1, column, "missing from the header")
        self.fields = fields
        self.row = 1
        self.values: dict[str, str] = {}

    def each(self) -> Iterator[_Rows]:
        """Go through the rows, this object standing for the one being read."""
        for number, raw in enumerate(self.reader, 2):
            self.row = number
            if None in raw:
                raise RecordsError(self.name, self.row, "", "more values than the header names")
            self.values = {k: (raw.get(k) or "").strip() for k in self.fields}
            for column, most in _LIMITS.items():
                if len(self.values.get(column, "")) > most:
                    self.fail(column, f"longer than {most} characters")
            yield self

    def fail(self, column: str, problem: str) -> NoReturn:
        raise RecordsError(self.name, self.row, column, problem)

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.values[column]
        if required and not value:
            self.fail(column, "empty")
        return value

    def day(self, column: str, *, required: bool = True, future: bool = False) -> dt.date | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.fail(column, f"{value!r} is not a date (YYYY-MM-DD)")
        if not future and day > timezone.localdate():
            self.fail(column, "after today")
        return day

    def level(self, column: str) -> str:
        value = self.text(column)
        try:
            return load_vetting().level(value).code
        except RulesFileError:
            self.fail(column, f"no level {value!r} in the vetting rules")

    def choice(self, column: str, choices: Iterable[str]) -> str:
        value = self.values[column]
        allowed = list(choices)
        if value not in allowed:
            names = ", ".join(a or "(empty)" for a in allowed)
            self.fail(column, f"{value!r} is not one of {names}")
        return value

    def unique_value(self, column: str, value: str, seen: dict[str, int]) -> None:
        if value in seen:
            self.fail(column, f"the same as row {seen[value]}")
        seen[value] = self.row

    def unique(self, column: str, seen: dict[str, int]) -> str:
        value = self.text(column)
        if value in seen:
            self.fail(column, f"the same as row {seen[value]}")
        seen[value] = self.row
        return value


def _granted(rows: _Rows) -> tuple[dt.date | None, bool]:
    """Return the grant day, and whether only its year was given (taken as 1 January)."""
    value = rows.text("granted_on", required=False)
    if len(value) == 4 and value.isdigit():
        day = dt.date(int(value), 1, 1)
        if day > timezone.localdate():
            rows.fail("granted_on", "after today")
        return day, True
    return rows.day("granted_on", required=False), False


def _read(folder: Path) -> tuple[list[_Post], list[_Clearance], list[_Posting]]:
    """Read and check the three files; the first fault names its place."""
    posts: list[_Post] = []
    for r in _Rows(folder / "posts.csv", POST_FIELDS).each():
        posts.append(
            _Post(
                r.row,
                r.text("name"),
                r.level("required_level"),
                r.choice("vulnerable", PostRequirement.Vulnerable.values),
                r.text("reason", required=False),
                r.day("set_on") or dt.date.min,
            )
        )
    named = {p.name for p in posts}
    clearances: list[_Clearance] = []
    refs: dict[str, int] = {}
    for r in _Rows(folder / CLEARANCES, CLEARANCE_FIELDS).each():
        ref = r.unique("ref", refs)
        status = r.choice("status", Clearance.Status.values)
        granted_on, year_only = _granted(r)
        if (status == Clearance.Status.GRANTED) != (granted_on is not None):
            r.fail("granted_on", "a granted clearance has its day, and only a granted one")
        clearances.append(
            _Clearance(
                r.row,
                ref,
                r.text("force"),
                r.text("force_user_id"),
                r.level("level"),
                status,
                granted_on,
                year_only,
                r.day("decided_on") or dt.date.min,
                r.text("unit", required=False),
                r.text("conditions", required=False),
                r.text("reason"),
            )
        )
    postings: list[_Posting] = []
    refs = {}
    for r in _Rows(folder / "postings.csv", POSTING_FIELDS).each():
        ref = r.unique("ref", refs)
        post = r.text("post")
        if post not in named and not PostRequirement.objects.filter(name=post).exists():
            r.fail("post", f"no post {post!r} in posts.csv or custodes")
        postings.append(
            _Posting(
                r.row,
                ref,
                r.text("force"),
                r.text("force_user_id"),
                post,
                r.day("starts_on", future=True) or dt.date.min,
            )
        )
    return posts, clearances, postings


def _reviews(folder: Path, clearances: list[_Clearance]) -> list[_Review]:
    """Read and check the integrity reviews held, if the folder has them."""
    if not (folder / REVIEWS).is_file():
        return []
    by_ref = {c.ref: c for c in clearances}
    reviews: list[_Review] = []
    seen: dict[str, int] = {}
    for r in _Rows(folder / REVIEWS, REVIEW_FIELDS).each():
        ref = r.text("clearance")
        made = by_ref.get(ref)
        if made is None:
            r.fail("clearance", f"no clearance {ref!r} in {CLEARANCES}")
        if made.status != Clearance.Status.GRANTED or made.granted_on is None:
            r.fail("clearance", f"{ref} is not a granted clearance")
        held_on = r.day("held_on") or dt.date.min
        if held_on < made.granted_on:
            r.fail("held_on", f"before {ref} was granted ({made.granted_on.isoformat()})")
        if held_on >= load_vetting().level(made.level).renewal_due(made.granted_on):
            r.fail("held_on", f"on or after {ref} was due renewal")
        r.unique_value("held_on", f"{ref}:{held_on.isoformat()}", seen)
        reviews.append(_Review(r.row, ref, held_on))
    return reviews


def _reason(row: _Clearance) -> str:
    if row.year_only and row.granted_on is not None and str(row.granted_on.year) not in row.reason:
        return f"{row.reason} (granted in {row.granted_on.year}; taken as 1 January)"
    return row.reason


def load_records(actor: User | None, folder: Path) -> Loaded:
    """Load a force's vetting records from `folder`, all or nothing (see the module's text).

    `actor` is the vetting officer who loads them, or None for the command line (the owner).
    Raises `RecordsError`, naming file, row and field, before anything is written.
    """
    posts, clearances, postings = _read(folder)
    reviews = _reviews(folder, clearances)
    names = list(dict.fromkeys(p.name for p in posts))
    there = dict(PostRequirement.objects.filter(name__in=names).values_list("name", "pk"))
    if names and len(there) == len(names):
        return _found(there, clearances, postings)
    return _load(actor, posts, clearances, postings, reviews)


def _person(row: _Clearance | _Posting, accounts: dict[tuple[str, str], int] | None = None) -> Who:
    """Return whom a row names, as `actions.who` finds them by force id (tied to the account
    that holds it, if one does); `accounts` holds them all, read once, for a large folder."""
    if accounts is None:
        found = who(None, row.force, row.force_user_id)
        if found is not None:
            return found
    account = (accounts or {}).get((row.force, row.force_user_id))
    return Who(account, row.force, row.force_user_id)


def _accounts() -> dict[tuple[str, str], int]:
    # One account at most holds a force's id (accounts' unique constraint).
    held = User.objects.filter(force_user_id__isnull=False)
    return {
        (force, str(fid)): pk for pk, force, fid in held.values_list("pk", "force", "force_user_id")
    }


@transaction.atomic
def _load(
    actor: User | None,
    posts: list[_Post],
    clearances: list[_Clearance],
    postings: list[_Posting],
    reviews: list[_Review],
) -> Loaded:
    loaded = Loaded()
    accounts = _accounts()
    for row in sorted(clearances, key=lambda c: (c.decided_on, c.row)):
        person = _person(row, accounts)
        made = record_clearance(
            actor,
            person,
            row.level,
            Clearance.Status(row.status),
            reason=_reason(row),
            granted_on=row.granted_on,
            conditions=row.conditions,
            unit=row.unit,
        )
        loaded.clearances[row.ref] = made.pk
    for review in sorted(reviews, key=lambda r: (r.held_on, r.row)):
        clearance = Clearance.objects.get(pk=loaded.clearances[review.clearance])
        try:
            task = record_integrity_review(
                actor,
                clearance,
                review.held_on,
                "Integrity review held (loaded from the force's records)",
            )
        except (ValidationError, PermissionDenied) as error:
            problem = "; ".join(getattr(error, "messages", [str(error)]))
            # The whole load is one transaction: raising here writes none of it.
            raise RecordsError(REVIEWS, review.row, "held_on", problem) from error
        if task is not None:
            loaded.reviews.append(task)
    events: list[tuple[dt.date, int, int, _Post | _Posting]] = [
        (p.set_on, 0, p.row, p) for p in posts
    ] + [(m.starts_on, 1, m.row, m) for m in postings]
    for _day, _kind, _row, item in sorted(events, key=lambda e: e[:3]):
        if isinstance(item, _Post):
            post = set_post_requirement(
                actor,
                item.name,
                item.level,
                PostRequirement.Vulnerable(item.vulnerable),
                reason=item.reason,
            )
            loaded.posts[item.name] = post.pk
            continue
        person = _person(item, accounts)
        target = PostRequirement.objects.get(name=item.post)
        posting, task = move_into_post(actor, person, target, item.starts_on)
        loaded.postings[item.ref] = posting.pk
        if task is not None:
            loaded.raised.append(task)
    return loaded


def _pairs(
    rows: dict[str, tuple[Any, ...]], stored: Iterable[tuple[int, tuple[Any, ...]]]
) -> dict[str, int]:
    """Match file rows (ref -> key, in load order) to stored records (pk, key) with the same
    key, in order: the n-th row with a key is the n-th record stored with it."""
    pks: dict[tuple[Any, ...], list[int]] = {}
    for pk, key in sorted(stored):
        pks.setdefault(key, []).append(pk)
    found: dict[str, int] = {}
    for ref, key in rows.items():
        if pks.get(key):
            found[ref] = pks[key].pop(0)
    return found


def _found(there: dict[str, int], clearances: list[_Clearance], postings: list[_Posting]) -> Loaded:
    """Return the records a folder loaded before, found by their fields."""

    accounts = _accounts()

    def person(row: _Clearance | _Posting) -> str:
        return _person(row, accounts).key

    ordered = sorted(clearances, key=lambda c: (c.decided_on, c.row))
    decided = {c.ref: (person(c), c.level, c.status, c.granted_on) for c in ordered}
    people = {key[0] for key in decided.values()}
    stored = Clearance.objects.filter(person__in=people).values_list(
        "pk", "person", "level", "status", "granted_on"
    )
    moves = {m.ref: (person(m), m.post, m.starts_on) for m in postings}
    names = {pk: name for name, pk in there.items()}
    stored_moves = Posting.objects.filter(post_id__in=names).values_list(
        "pk", "person", "post_id", "starts_on"
    )
    return Loaded(
        already=True,
        posts=dict(there),
        clearances=_pairs(decided, ((pk, tuple(key)) for pk, *key in stored)),
        postings=_pairs(moves, ((pk, (p, names[post], on)) for pk, p, post, on in stored_moves)),
    )
