"""Find the members of staff a report names: in custodes' accounts and the newest imported
chart of each force, by force user id, warrant or collar number, and name (RapidFuzz), all at
once. What is held: an account's name, force and force user id; a chart's force user ids and
units; the names and warrant numbers case management recorded for its subjects.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Max
from rapidfuzz import fuzz

from custodes.web.cases.models import CaseSubject
from custodes.web.needtoknow.models import ForceStaff

__all__ = ["NAME_THRESHOLD", "Found", "Person", "StaffList", "normalise_name", "normalise_number"]

# How alike (0-100) a name must be to count as a match. Low rather than high: a false match
# only hides a report from one more person; a missed one shows it to the person it names.
NAME_THRESHOLD = 85.0
SURNAME_THRESHOLD = 90.0
STATION_THRESHOLD = 80.0

# Ranks and titles a reporter writes before a name: not part of it.
_TITLES = frozenset(
    [
        "pc",
        "dc",
        "ps",
        "ds",
        "sgt",
        "sergeant",
        "constable",
        "detective",
        "inspector",
        "insp",
        "di",
        "dci",
        "ch",
        "chief",
        "supt",
        "superintendent",
        "officer",
        "pcso",
        "special",
        "sc",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "police",
        "the",
    ]
)


def normalise_name(text: str) -> str:
    """Return a name as compared: accents off, lower case, letters only, ranks dropped."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = re.findall(r"[^\W\d_]+", text)
    return " ".join(w for w in words if w not in _TITLES)


def normalise_number(text: str) -> str:
    """Return an id or number as compared: letters and digits only, upper case."""
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@dataclass
class Person:
    """One member of staff as the staff list knows them."""

    user_id: int | None
    force: str
    force_user_id: str | None
    unit: str = ""
    names: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    shown_name: str = ""


@dataclass(frozen=True)
class Found:
    """A member of staff a report names, how, and how closely."""

    person: Person
    how: str  # a NamedStaff.How value
    score: float
    station_matched: bool
    ambiguous: bool


def _name_score(given: str, held: str) -> tuple[float, str]:
    """Return how alike two normalised names are (0-100), and whether by the whole name or
    the surname alone."""
    said, known = given.split(), held.split()
    if not said or not known:
        return 0.0, "name"
    if len(said) == 1:
        return float(fuzz.ratio(said[0], known[-1])), "surname"
    whole = float(fuzz.token_sort_ratio(given, held))
    surname = float(fuzz.ratio(said[-1], known[-1]))
    first, held_first = said[0], known[0]
    # "D Reeve", "Dan Reeve" for Daniel Reeve: the surname alike and the forename its start.
    if surname >= SURNAME_THRESHOLD and (
        held_first.startswith(first) or first.startswith(held_first)
    ):
        whole = max(whole, surname)
    return whole, "name"


class StaffList:
    """Everyone a report could name, loaded once for a batch of reports."""

    def __init__(self) -> None:
        self.people: list[Person] = []
        by_account: dict[int, Person] = {}
        by_force_id: dict[tuple[str, str], Person] = {}
        users = get_user_model().objects.values_list(
            "pk", "first_name", "last_name", "force", "force_user_id", "unit"
        )
        for pk, first, last, force, force_user_id, unit in users:
            person = Person(pk, force, force_user_id, unit)
            full = f"{first} {last}".strip()
            if full:
                person.names.add(normalise_name(full))
                person.shown_name = full
            if force_user_id:
                by_force_id[(force, force_user_id)] = person
            by_account[pk] = person
            self.people.append(person)
        # The newest imported chart of each force.
        newest = ForceStaff.objects.values("force").annotate(run=Max("run_id"))
        for row in newest:
            staff = ForceStaff.objects.filter(run_id=row["run"]).values_list(
                "force", "user_id", "unit"
            )
            for force, user_id, unit in staff:
                if (force, user_id) in by_force_id:
                    continue  # an account holds them: one person, by account and id
                person = Person(None, force, user_id, unit)
                by_force_id[(force, user_id)] = person
                self.people.append(person)
        # Names and warrant numbers case management recorded for its subjects.
        held = CaseSubject.objects.values_list(
            "user_id", "force", "force_user_id", "first_name", "last_name", "warrant_number"
        )
        for account_id, force, force_user_id, first, last, number in held:
            found: Person | None = by_account.get(account_id) if account_id is not None else None
            if found is None and force_user_id:
                found = by_force_id.get((force, force_user_id))
                if found is None:
                    found = Person(None, force, force_user_id)
                    by_force_id[(force, force_user_id)] = found
                    self.people.append(found)
            if found is None:
                continue
            person = found
            full = f"{first} {last}".strip()
            if full:
                person.names.add(normalise_name(full))
                person.shown_name = person.shown_name or full
            if number:
                person.numbers.add(normalise_number(number))

    def match(self, name: str = "", number: str = "", station: str = "") -> list[Found]:
        """Return everyone the name, number and station a report gave may mean."""
        wanted_name = normalise_name(name)
        wanted_number = normalise_number(number)
        wanted_digits = _digits(number)
        wanted_station = normalise_name(station)
        hits: list[tuple[Person, str, float]] = []
        for person in self.people:
            best: tuple[str, float] | None = None
            if wanted_number:
                if person.force_user_id and normalise_number(person.force_user_id) == wanted_number:
                    best = ("force-user-id", 100.0)
                elif wanted_number in person.numbers or (
                    len(wanted_digits) >= 3
                    and any(_digits(n) == wanted_digits for n in person.numbers)
                ):
                    best = ("number", 100.0)
            if best is None and wanted_name:
                score, how = max(
                    (_name_score(wanted_name, held) for held in person.names),
                    default=(0.0, "name"),
                )
                threshold = SURNAME_THRESHOLD if how == "surname" else NAME_THRESHOLD
                if score >= threshold:
                    best = (how, score)
            if best is not None:
                hits.append((person, *best))
        ambiguous = len(hits) > 1
        return [
            Found(person, how, score, self._station(wanted_station, person), ambiguous)
            for person, how, score in hits
        ]

    @staticmethod
    def _station(station: str, person: Person) -> bool:
        unit = normalise_name(person.unit.replace("-", " "))
        return bool(station and unit) and fuzz.partial_ratio(station, unit) >= STATION_THRESHOLD
