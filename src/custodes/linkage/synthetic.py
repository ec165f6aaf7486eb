"""A synthetic registry of barred officers and a roster to check against it, with the truth.

Names are drawn with their real frequency from the 1990 US Census lists in `data/` (public
domain, as shipped by the `names` PyPI package: the 10,000 commonest surnames and every given
name), so distinct people collide on common names as they do in real lists. People on the
roster who are on the registry carry one planted corruption each, named in the truth; people
who are not include hard negatives (a registry entry's common name and a close birth date)
and reused badge numbers at the same agency. Equal configs give identical tables.

Two shapes. "standard": a published list of barred officers from many agencies (full birth
dates mostly, other names sometimes listed) against applicants. "rosters": what a
department's roster of one year against its roster of the next is like, as seen on real
rosters: a few large agencies; birth years only, worked out from an age and so one out in
many pairs; one badge number per person, kept across the years by most; given names drawn
from the commonest only; several people sharing a full name; surname changes never listed
as another name, the new surname often that of a namesake on the registry; and strangers
with an entry's name at its agency, under another number, some with no birth year.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import nicknames
import numpy as np
import pyarrow as pa

from custodes.linkage.names import fold
from custodes.linkage.schema import PEOPLE_SCHEMA, validate_people

__all__ = [
    "CORRUPTIONS",
    "ROSTER_CORRUPTIONS",
    "SHAPES",
    "PeopleConfig",
    "PeopleResult",
    "generate_people",
]

# One planted difference per matching pair; the weights are each kind's share of matches.
CORRUPTIONS: dict[str, float] = {
    "exact": 0.10,
    "typo": 0.12,
    "nickname": 0.10,
    "nickname_typo": 0.06,
    "surname_change_listed": 0.08,
    "surname_change_unlisted": 0.08,
    "double_surname": 0.05,
    "accents_punctuation": 0.05,
    "missing_middle": 0.08,
    "birth_date_typo": 0.12,
    "birth_year_only": 0.08,
    "swapped_names": 0.08,
    "middle_name_used": 0.03,
}
# The rosters shape: a year's roster against the next one's. No full birth dates (so no date
# typos), no other names listed, middle names as initials (so never used as the first name).
ROSTER_CORRUPTIONS: dict[str, float] = {
    "exact": 0.30,
    "typo": 0.12,
    "nickname": 0.06,
    "nickname_typo": 0.02,
    "surname_change_unlisted": 0.16,
    "double_surname": 0.04,
    "accents_punctuation": 0.04,
    "missing_middle": 0.12,
    "swapped_names": 0.04,
}
SHAPES = ("standard", "rosters")
_SHAPE_CORRUPTIONS = {"standard": CORRUPTIONS, "rosters": ROSTER_CORRUPTIONS}
# Small differences any matching pair may also carry, whatever its planted corruption.
_NOISE = {"middle_name_differs": 0.02, "middle_name_typo": 0.02, "sex_differs": 0.01}
_DOUBLE_SURNAME_SHARE = 0.04
_MIDDLE_NAME_SHARE = 0.7
_YEAR_ONLY_SHARE = 0.08
_NO_BIRTH_SHARE = 0.01
_NO_SEX_SHARE = 0.03
_SAME_AGENCY_SHARE = 0.4  # an applicant's last agency is often the one that barred them
_AGENCIES = 400
_MEN_SURNAME_CHANGE = 0.1  # how much rarer a change of surname is for a man
_MAIDEN_AS_MIDDLE_SHARE = 0.3  # of new surnames, the old one kept as the middle name
_FIRST_BORN, _LAST_BORN = dt.date(1955, 1, 1), dt.date(2003, 12, 31)
# The rosters shape (see the module's docstring); the shares are of people or of true pairs.
_ROSTER_AGENCIES = 12
_ROSTER_GIVEN_NAMES = 100  # the commonest given names of each sex, drawn by their frequency
_ROSTER_NO_BIRTH_YEAR = 0.03
_ROSTER_YEAR_DRIFT = 0.25  # a year worked out from an age, one out between the two rosters
# Of a department's officers who changed surname between two real rosters, few were men:
# the earlier model, which could not find a man under a new surname, found 33 of 46.
_ROSTER_MEN_SURNAME_CHANGE = 0.03
_ROSTER_SAME_AGENCY = 0.99  # few move to another department within a year
_ROSTER_BADGE_KEPT = 0.95  # of those at the same agency: a new number on promotion
_ROSTER_NAMESAKES = 0.06  # registry entries given another entry's full name
_ROSTER_NEW_NAME_OF_NAMESAKE = 0.5  # a new surname that a namesake at the agency already has
_ROSTER_STRANGER_SAME_AGENCY = 0.8
_ROSTER_STRANGER_NO_BIRTH_YEAR = 0.3
# Published lists keep accents and apostrophes that rosters and forms often drop.
_DISPLAY = {
    "alvarez": "Álvarez",
    "diaz": "Díaz",
    "garcia": "García",
    "gomez": "Gómez",
    "gonzalez": "González",
    "hernandez": "Hernández",
    "jimenez": "Jiménez",
    "lopez": "López",
    "martinez": "Martínez",
    "munoz": "Muñoz",
    "nunez": "Núñez",
    "pena": "Peña",
    "perez": "Pérez",
    "ramirez": "Ramírez",
    "rodriguez": "Rodríguez",
    "sanchez": "Sánchez",
    "obrien": "O'Brien",
    "oconnell": "O'Connell",
    "oconnor": "O'Connor",
    "odonnell": "O'Donnell",
    "ohara": "O'Hara",
    "okeefe": "O'Keefe",
    "oleary": "O'Leary",
    "oneal": "O'Neal",
    "oneil": "O'Neil",
    "oneill": "O'Neill",
    "orourke": "O'Rourke",
    "jose": "José",
    "renee": "Renée",
    "zoe": "Zoë",
    "chloe": "Chloë",
    "andre": "André",
}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class PeopleConfig:
    """Describe one synthetic registry and roster; equal configs give identical tables.

    `shape` is "standard" (a published list against applicants) or "rosters" (a department's
    roster against next year's, with the difficulties of real rosters; see the module).
    """

    registry: int = 2000
    roster: int = 500
    on_registry: float = 0.2
    hard_negatives: float = 0.05
    reused_badges: float = 0.05
    seed: int = 0
    # Empty: the shape's own weights (CORRUPTIONS, or ROSTER_CORRUPTIONS for "rosters").
    corruptions: dict[str, float] = field(default_factory=dict)
    shape: str = "standard"

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"shape is one of {', '.join(SHAPES)}, not {self.shape!r}")
        if not self.corruptions:
            object.__setattr__(self, "corruptions", dict(_SHAPE_CORRUPTIONS[self.shape]))
        if self.registry < 10 or self.roster < 1:
            raise ValueError("a registry needs at least 10 entries and a roster one person")
        if not 0 <= self.on_registry <= 1 or self.on_registry * self.roster > self.registry:
            raise ValueError("on_registry is a share of the roster no larger than the registry")
        if self.hard_negatives < 0 or self.reused_badges < 0:
            raise ValueError("hard_negatives and reused_badges are shares, not negative")
        if self.hard_negatives + self.reused_badges > 1:
            raise ValueError("hard_negatives and reused_badges together exceed the roster")
        unknown = set(self.corruptions) - set(CORRUPTIONS)
        if unknown or not self.corruptions or min(self.corruptions.values()) < 0:
            raise ValueError(f"corruptions are non-negative weights over {sorted(CORRUPTIONS)}")


@dataclass(frozen=True)
class PeopleResult:
    """A registry, a roster, and which roster person is which registry entry."""

    registry: pa.Table
    roster: pa.Table
    truth: pa.Table  # person_ref, entry_id, corruption
    decoys: pa.Table  # person_ref, entry_id, decoy: different people made to look alike

    def truth_pairs(self) -> set[tuple[str, str]]:
        """Return the true (person_ref, entry_id) pairs."""
        return set(
            zip(
                self.truth.column("person_ref").to_pylist(),
                self.truth.column("entry_id").to_pylist(),
                strict=True,
            )
        )


@dataclass(frozen=True)
class _Names:
    """Name lists with cumulative shares for drawing by frequency."""

    female: tuple[list[str], np.ndarray]
    male: tuple[list[str], np.ndarray]
    surnames: tuple[list[str], np.ndarray]
    nicknames: dict[str, list[str]]
    given_share: dict[str, float]  # each given name's share of people
    surname_share: dict[str, float]  # each surname's share of people


def _read(name: str) -> tuple[list[str], np.ndarray]:
    with files("custodes.linkage").joinpath("data", name).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    shares = np.array([float(r["percent"]) for r in rows])
    return [r["name"] for r in rows], np.cumsum(shares) / shares.sum()


@cache
def _names() -> _Names:
    female, male = _read("first_names_female.csv"), _read("first_names_male.csv")
    share: dict[str, float] = {}
    for names, cumulative in (female, male):
        for name, step in zip(names, np.diff(cumulative, prepend=0.0), strict=True):
            share[name] = share.get(name, 0.0) + float(step)
    nick: dict[str, list[str]] = {}
    for t in nicknames.name_triplets():
        # The list also records some pairs backwards (Bob "has nickname" Robert): a nickname
        # is the rarer of the two names.
        rarer = share.get(t.name2, 0.0) < share.get(t.name1, 0.0)
        if t.relationship == "has_nickname" and len(t.name2) > 1 and rarer:
            nick.setdefault(t.name1, []).append(t.name2)
    surnames = _read("surnames.csv")
    last_share = dict(zip(surnames[0], np.diff(surnames[1], prepend=0.0).tolist(), strict=True))
    return _Names(
        female=female,
        male=male,
        surnames=surnames,
        nicknames={k: sorted(v) for k, v in nick.items()},
        given_share=share,
        surname_share=last_share,
    )


def _commonest(pool: tuple[list[str], np.ndarray], count: int) -> tuple[list[str], np.ndarray]:
    """Return the pool cut to its `count` commonest names, drawn with their own frequencies."""
    names, cumulative = pool
    kept = cumulative[:count]
    return names[:count], kept / kept[-1]


def _draw(pool: tuple[list[str], np.ndarray], rng: np.random.Generator) -> str:
    names, cumulative = pool
    return names[min(int(np.searchsorted(cumulative, rng.random(), side="right")), len(names) - 1)]


def _display(key: str, rng: np.random.Generator, *, published: bool = False) -> str:
    if published and key in _DISPLAY and rng.random() < 0.8:
        return _DISPLAY[key]
    if key.startswith("mc") and len(key) > 3:
        return "Mc" + key[2:].capitalize()
    return key.capitalize()


def _typo(text: str, rng: np.random.Generator) -> str:
    """Return the text with one keying error, rarely in its first letter."""
    if len(text) < 3:
        return text + _LETTERS[int(rng.integers(26))]
    low = 0 if rng.random() < 0.05 else 1
    i = int(rng.integers(low, len(text) - 1))
    kind = int(rng.integers(4))
    chars = list(text)
    if kind == 0:  # substitution
        chars[i] = _LETTERS[(_LETTERS.find(chars[i].lower()) + int(rng.integers(1, 26))) % 26]
    elif kind == 1:  # deletion
        del chars[i]
    elif kind == 2:  # a doubled key
        chars.insert(i, chars[i].lower())
    else:  # neighbours swapped
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    out = "".join(chars)
    return out[0].upper() + out[1:].lower() if out else text


def _random_day(rng: np.random.Generator) -> dt.date:
    span = (_LAST_BORN - _FIRST_BORN).days
    return _FIRST_BORN + dt.timedelta(days=int(rng.integers(span + 1)))


def _date_typo(day: dt.date, rng: np.random.Generator) -> dt.date:
    """Return a birth date as mistyped: one digit, day and month swapped, or the wrong day."""
    choice = rng.random()
    if choice < 0.3 and day.day <= 12 and day.day != day.month:
        return dt.date(day.year, day.day, day.month)
    if choice < 0.75:
        text = day.isoformat()
        for _ in range(50):
            i = int(rng.choice([2, 3, 5, 6, 8, 9]))
            digit = str(int(rng.integers(10)))
            try:
                typed = dt.date.fromisoformat(text[:i] + digit + text[i + 1 :])
            except ValueError:
                continue
            if typed != day and _FIRST_BORN.year - 5 <= typed.year <= _LAST_BORN.year + 5:
                return typed
    for _ in range(50):
        other = dt.date(day.year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        if other != day:
            return other
    return day + dt.timedelta(days=1)


class _Maker:
    """Draw people and their records with one random generator."""

    def __init__(self, rng: np.random.Generator, shape: str = "standard") -> None:
        self.rng = rng
        self.names = _names()
        self.rosters = shape == "rosters"
        self.female, self.male = self.names.female, self.names.male
        if self.rosters:
            self.female = _commonest(self.female, _ROSTER_GIVEN_NAMES)
            self.male = _commonest(self.male, _ROSTER_GIVEN_NAMES)
        self.agency_count = _ROSTER_AGENCIES if self.rosters else _AGENCIES
        weights = 1.0 / np.arange(1, self.agency_count + 1) ** 0.9
        self.agency_cumulative = np.cumsum(weights) / weights.sum()
        self.agencies = [self._agency_name(i) for i in range(self.agency_count)]
        self.next_badge = [100 + int(rng.integers(900)) for _ in range(self.agency_count)]
        # The rosters shape: each (first name, sex, agency)'s surnames on the registry.
        self.namesakes: dict[tuple[str, str | None, int], list[str]] = {}

    def _agency_name(self, i: int) -> str:
        town = _draw(self.names.surnames, self.rng).capitalize()
        kind = ("Police Department", "County Sheriff's Office", "Police", "Constabulary")[i % 4]
        return f"{town} {kind}"

    def agency(self) -> int:
        return min(
            int(np.searchsorted(self.agency_cumulative, self.rng.random(), side="right")),
            self.agency_count - 1,
        )

    def badge(self, agency: int) -> str:
        # Agencies hand out numbers in sequence, so old numbers come round again elsewhere.
        self.next_badge[agency] += 1 + int(self.rng.integers(3))
        return str(self.next_badge[agency])

    def given(self, sex: str) -> str:
        if sex == "F" or (sex == "X" and self.rng.random() < 0.5):
            return _draw(self.female, self.rng)
        return _draw(self.male, self.rng)

    def surname(self) -> str:
        return _draw(self.names.surnames, self.rng)

    def person(self, record_id: str) -> dict[str, Any]:
        if self.rosters:
            return self.roster_person(record_id)
        rng = self.rng
        u = rng.random()
        sex = "F" if u < 0.24 else ("M" if u < 0.985 else "X")
        first = self.given(sex)
        middle = self.given(sex) if rng.random() < _MIDDLE_NAME_SHARE else None
        if middle == first:
            middle = None
        last = _display(self.surname(), rng, published=True)
        if rng.random() < _DOUBLE_SURNAME_SHARE:
            other = _display(self.surname(), rng, published=True)
            last = f"{last}-{other}" if rng.random() < 0.7 else f"{last} {other}"
        born: dt.date | None = _random_day(rng)
        year: int | None = born.year if born else None
        v = rng.random()
        if v < _NO_BIRTH_SHARE:
            born, year = None, None
        elif v < _NO_BIRTH_SHARE + _YEAR_ONLY_SHARE:
            born = None
        agency = self.agency()
        badges = [self.badge(agency)]
        if rng.random() < 0.2:
            badges.insert(0, self.badge(self.agency()))
        return {
            "record_id": record_id,
            "first_name": _display(first, rng, published=True),
            "middle_name": _display(middle, rng) if middle else None,
            "last_name": last,
            "other_names": [],
            "birth_date": born,
            "birth_year": year,
            "sex": None if rng.random() < _NO_SEX_SHARE else sex,
            "agency": self.agencies[agency],
            "agency_index": agency,
            "badges": badges,
        }

    def roster_person(self, record_id: str) -> dict[str, Any]:
        """Return a person as a department's roster lists them: birth year, one badge."""
        rng = self.rng
        u = rng.random()
        sex = "F" if u < 0.24 else ("M" if u < 0.985 else "X")
        first = self.given(sex)
        # Rosters carry the middle initial, if anything.
        middle = self.given(sex)[0] if rng.random() < _MIDDLE_NAME_SHARE else None
        last = _display(self.surname(), rng)
        if rng.random() < _DOUBLE_SURNAME_SHARE:
            last = f"{last}-{_display(self.surname(), rng)}"
        year = None if rng.random() < _ROSTER_NO_BIRTH_YEAR else _random_day(rng).year
        agency = self.agency()
        return {
            "record_id": record_id,
            "first_name": _display(first, rng),
            "middle_name": middle.upper() if middle else None,
            "last_name": last,
            "other_names": [],
            "birth_date": None,
            "birth_year": year,
            "sex": sex,  # a personnel roster records everyone's
            "agency": self.agencies[agency],
            "agency_index": agency,
            "badges": [self.badge(agency)],
        }

    def index_namesakes(self, registry: list[dict[str, Any]]) -> None:
        """Share full names among some entries, then index surnames by given name and agency."""
        rng = self.rng
        for i in np.flatnonzero(rng.random(len(registry)) < _ROSTER_NAMESAKES):
            other = registry[int(rng.integers(len(registry)))]
            entry = registry[int(i)]
            for field_name in ("first_name", "last_name", "sex"):
                entry[field_name] = other[field_name]
        for entry in registry:
            key = (entry["first_name"], entry["sex"], entry["agency_index"])
            self.namesakes.setdefault(key, []).append(entry["last_name"])

    def namesake_surname(self, person: dict[str, Any]) -> str | None:
        """Return the surname of someone else on the registry with this given name at the agency."""
        key = (person["first_name"], person["sex"], person["agency_index"])
        others = [n for n in self.namesakes.get(key, []) if n != person["last_name"]]
        return others[int(self.rng.integers(len(others)))] if others else None


def _plain(text: str) -> str:
    """Return a name as a roster typed without accents or apostrophes."""
    return " ".join(w.capitalize() for w in fold(text).split()) or text


def _copy_for_roster(entry: dict[str, Any], record_id: str, maker: _Maker) -> dict[str, Any]:
    rng = maker.rng
    person = dict(entry, record_id=record_id, other_names=list(entry["other_names"]))
    if maker.rosters:
        return _next_year(person, maker)
    if rng.random() >= _SAME_AGENCY_SHARE:
        agency = maker.agency()
        person["agency"], person["agency_index"] = maker.agencies[agency], agency
        person["badges"] = [maker.badge(agency)]
    elif rng.random() < 0.5:
        person["badges"] = [maker.badge(entry["agency_index"])]
    return person


def _next_year(person: dict[str, Any], maker: _Maker) -> dict[str, Any]:
    """Return a roster person as the next year's roster lists them."""
    rng = maker.rng
    if rng.random() >= _ROSTER_SAME_AGENCY:
        agency = maker.agency()
        person["agency"], person["agency_index"] = maker.agencies[agency], agency
        person["badges"] = [maker.badge(agency)]
    elif rng.random() >= _ROSTER_BADGE_KEPT:
        person["badges"] = [maker.badge(person["agency_index"])]
    if person["birth_year"] is not None and rng.random() < _ROSTER_YEAR_DRIFT:
        person["birth_year"] += 1 if rng.random() < 0.5 else -1
    return person


def _nickname(first: str, rng: np.random.Generator) -> str | None:
    options = _names().nicknames.get(first.lower())
    return options[int(rng.integers(len(options)))].capitalize() if options else None


def _corrupt(person: dict[str, Any], kind: str, maker: _Maker) -> str:
    """Apply one kind of corruption to a roster copy; return the kind actually applied."""
    rng = maker.rng
    if kind in ("nickname", "nickname_typo"):
        nick = _nickname(person["first_name"], rng)
        if nick is None:
            kind = "typo"
        else:
            person["first_name"] = nick
            if kind == "nickname_typo":
                person["last_name"] = _typo(_plain(person["last_name"]), rng)
            return kind
    if kind == "typo":
        key = "first_name" if rng.random() < 0.5 else "last_name"
        person[key] = _typo(_plain(person[key]), rng)
    elif kind in ("surname_change_listed", "surname_change_unlisted") and maker.rosters:
        # Never listed, the middle initial kept; often a name a namesake already has.
        namesake = (
            maker.namesake_surname(person) if rng.random() < _ROSTER_NEW_NAME_OF_NAMESAKE else None
        )
        person["last_name"] = namesake or _display(maker.surname(), rng)
    elif kind in ("surname_change_listed", "surname_change_unlisted"):
        old = person["last_name"]
        person["last_name"] = _display(maker.surname(), rng)
        if kind == "surname_change_listed":
            person["other_names"].append(old)
        if rng.random() < _MAIDEN_AS_MIDDLE_SHARE:
            person["middle_name"] = _plain(old)
    elif kind == "double_surname":
        parts = _plain(person["last_name"]).split()
        if len(parts) == 1:
            # The roster has the double surname the registry entry was published without.
            person["last_name"] = f"{parts[0]}-{_display(maker.surname(), rng)}"
        else:
            person["last_name"] = parts[int(rng.integers(len(parts)))]
    elif kind == "accents_punctuation":
        person["first_name"] = _plain(person["first_name"])
        person["last_name"] = _plain(person["last_name"]).upper()
    elif kind == "missing_middle":
        if person["middle_name"] and rng.random() < 0.3:
            person["middle_name"] = person["middle_name"][0]
        else:
            person["middle_name"] = None
    elif kind == "birth_date_typo":
        if person["birth_date"] is None:
            return _corrupt(person, "typo", maker)
        person["birth_date"] = _date_typo(person["birth_date"], rng)
        person["birth_year"] = person["birth_date"].year
    elif kind == "birth_year_only":
        person["birth_date"] = None
        if person["birth_year"] is not None and rng.random() < 0.15:
            # A year worked out from an age is often one out.
            person["birth_year"] += 1 if rng.random() < 0.5 else -1
    elif kind == "middle_name_used":
        if not person["middle_name"] or len(person["middle_name"]) < 2:
            return _corrupt(person, "nickname", maker)
        person["first_name"], person["middle_name"] = person["middle_name"], None
    elif kind == "swapped_names":
        person["first_name"], person["last_name"] = person["last_name"], person["first_name"]
    return kind


def _add_noise(person: dict[str, Any], maker: _Maker) -> None:
    """Add the background differences of real records to a roster copy."""
    rng = maker.rng
    if person["middle_name"] and len(person["middle_name"]) > 1:
        if rng.random() < _NOISE["middle_name_differs"]:
            person["middle_name"] = maker.given(person["sex"] or "X").capitalize()
        elif rng.random() < _NOISE["middle_name_typo"]:
            person["middle_name"] = _typo(person["middle_name"], rng)
    if person["sex"] in ("F", "M") and rng.random() < _NOISE["sex_differs"]:
        person["sex"] = "M" if person["sex"] == "F" else "F"


def _hard_negative(entry: dict[str, Any], record_id: str, maker: _Maker) -> dict[str, Any]:
    """Return a different person with an entry's name and a birth date close to theirs."""
    rng = maker.rng
    person = maker.person(record_id)
    if maker.rosters:
        return _stranger(entry, person, maker)
    person["first_name"], person["last_name"] = entry["first_name"], entry["last_name"]
    person["sex"] = entry["sex"]
    if person["sex"] is not None:
        person["middle_name"] = (
            maker.given(person["sex"]).capitalize() if rng.random() < 0.7 else None
        )
    base = entry["birth_date"] or (
        dt.date(entry["birth_year"], 7, 1) if entry["birth_year"] else None
    )
    if base is not None:
        shift = int(rng.integers(2, 181)) * (1 if rng.random() < 0.5 else -1)
        person["birth_date"] = base + dt.timedelta(days=shift)
        person["birth_year"] = person["birth_date"].year
    return person


def _stranger(entry: dict[str, Any], person: dict[str, Any], maker: _Maker) -> dict[str, Any]:
    """Return a stranger with an entry's full name, mostly at its agency under another number."""
    rng = maker.rng
    for key in ("first_name", "last_name", "sex"):
        person[key] = entry[key]
    if rng.random() < _ROSTER_STRANGER_SAME_AGENCY:
        agency = entry["agency_index"]
        person["agency"], person["agency_index"] = entry["agency"], agency
        person["badges"] = [maker.badge(agency)]
    if rng.random() < _ROSTER_STRANGER_NO_BIRTH_YEAR or entry["birth_year"] is None:
        person["birth_year"] = None
    else:
        person["birth_year"] = entry["birth_year"] + int(rng.integers(-3, 4))
    return person


def _reused_badge(entry: dict[str, Any], record_id: str, maker: _Maker) -> dict[str, Any]:
    """Return a different person at an entry's agency who was given the entry's old badge."""
    person = maker.person(record_id)
    person["agency"], person["agency_index"] = entry["agency"], entry["agency_index"]
    person["badges"] = [entry["badges"][-1]]
    return person


def _commonness(entry: dict[str, Any], names: _Names) -> float:
    """Return how often the entry's full name should occur among unrelated people."""
    first, last = fold(entry["first_name"]), fold(entry["last_name"])
    return names.given_share.get(first, 1e-5) * names.surname_share.get(last, 1e-5)


def _choose_entries(
    registry: list[dict[str, Any]], matched: int, hard: int, reused: int, maker: _Maker
) -> np.ndarray:
    """Pick the entries copied onto the roster, then those given look-alikes and reused badges."""
    rng = maker.rng
    order = rng.permutation(len(registry))
    copied, rest = order[:matched], order[matched:]
    # Namesakes come from common names, as they do among real people: Bayes says two
    # people with a rare full name and a close birth date are almost surely one.
    weights = np.array([_commonness(registry[int(i)], maker.names) for i in rest])
    alike = rng.choice(rest, size=hard, replace=False, p=weights / weights.sum())
    left = np.setdiff1d(rest, alike)
    badged = rng.choice(left, size=reused, replace=False)
    return np.concatenate([copied, alike, badged])


def _table(records: list[dict[str, Any]]) -> pa.Table:
    columns = {name: [r[name] for r in records] for name in PEOPLE_SCHEMA.names}
    return validate_people(pa.Table.from_pydict(columns, schema=PEOPLE_SCHEMA))


def generate_people(config: PeopleConfig) -> PeopleResult:
    """Make a registry, a roster and the true pairs between them."""
    rng = np.random.default_rng(config.seed)
    maker = _Maker(rng, config.shape)
    registry = [maker.person(f"R{i:07d}") for i in range(1, config.registry + 1)]
    if maker.rosters:
        maker.index_namesakes(registry)
    else:
        for entry in registry:
            # Lists sometimes publish a former name or alias beside the current one.
            if entry["sex"] == "F" and rng.random() < 0.05:
                entry["other_names"] = [_display(maker.surname(), rng)]

    matched = round(config.on_registry * config.roster)
    hard = round(config.hard_negatives * (config.roster - matched))
    reused = round(config.reused_badges * (config.roster - matched))
    kinds = list(config.corruptions)
    weights = np.array([config.corruptions[k] for k in kinds], dtype=float)
    surname_change = np.array([k.startswith("surname_change") for k in kinds])
    chosen = _choose_entries(registry, matched, hard, reused, maker)

    roster: list[dict[str, Any]] = []
    truth: list[tuple[str, str, str]] = []
    decoys: list[tuple[str, str, str]] = []
    order = rng.permutation(config.roster)
    ids = [f"P{int(i) + 1:07d}" for i in order]
    for n in range(config.roster):
        record_id = ids[n]
        if n < matched:
            entry = registry[int(chosen[n])]
            person = _copy_for_roster(entry, record_id, maker)
            # Mostly women change surname on marriage.
            men = _ROSTER_MEN_SURNAME_CHANGE if maker.rosters else _MEN_SURNAME_CHANGE
            w = weights * np.where(surname_change & (entry["sex"] == "M"), men, 1)
            kind = kinds[int(rng.choice(len(kinds), p=w / w.sum()))]
            truth.append((record_id, entry["record_id"], _corrupt(person, kind, maker)))
            _add_noise(person, maker)
        elif n < matched + hard:
            entry = registry[int(chosen[n])]
            person = _hard_negative(entry, record_id, maker)
            decoys.append((record_id, entry["record_id"], "same_name_close_birth"))
        elif n < matched + hard + reused:
            entry = registry[int(chosen[n])]
            person = _reused_badge(entry, record_id, maker)
            decoys.append((record_id, entry["record_id"], "reused_badge"))
        else:
            person = maker.person(record_id)
        roster.append(person)
    roster.sort(key=lambda r: str(r["record_id"]))
    truth.sort()
    decoys.sort()
    return PeopleResult(
        registry=_table(registry),
        roster=_table(roster),
        truth=pa.table(
            {
                "person_ref": [t[0] for t in truth],
                "entry_id": [t[1] for t in truth],
                "corruption": [t[2] for t in truth],
            }
        ),
        decoys=pa.table(
            {
                "person_ref": [d[0] for d in decoys],
                "entry_id": [d[1] for d in decoys],
                "decoy": [d[2] for d in decoys],
            },
            schema=pa.schema(
                [("person_ref", pa.string()), ("entry_id", pa.string()), ("decoy", pa.string())]
            ),
        ),
    )
