"""Given names and their nicknames (Bob -> Robert, Peggy -> Margaret, Bill -> William).

The table is the hand-curated English names and nicknames list of the `nicknames` package
(Carlton Northern and Nick Crews, Apache-2.0, https://github.com/carltonnorthern/nicknames),
which ships it as package data; how common each given name is comes from the 1990 US Census
lists shipped in `custodes/linkage/data`. Nothing is downloaded.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache
from importlib.resources import files

import nicknames

__all__ = ["canonical_first_name", "first_name_forms"]


@cache
def _table() -> tuple[dict[str, frozenset[str]], dict[str, int]]:
    """Return each nickname's formal names and how many nicknames each formal name has."""
    formal: dict[str, set[str]] = defaultdict(set)
    children: dict[str, int] = defaultdict(int)
    for triplet in nicknames.name_triplets():
        if triplet.relationship != "has_nickname":
            continue
        formal[triplet.name2].add(triplet.name1)
        children[triplet.name1] += 1
    return {k: frozenset(v) for k, v in formal.items()}, dict(children)


@cache
def _frequency() -> dict[str, float]:
    """Return the share of people with each given name, women and men together."""
    share: dict[str, float] = defaultdict(float)
    data = files("custodes.linkage").joinpath("data")
    for name in ("first_names_female.csv", "first_names_male.csv"):
        with data.joinpath(name).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                share[row["name"]] += float(row["percent"])
    return dict(share)


def first_name_forms(key: str) -> frozenset[str]:
    """Return the name itself and every formal name it is a nickname of."""
    # Only one step up: going down as well would make Robert and William "the same"
    # through Bill, which is a nickname of both.
    formal, _ = _table()
    return frozenset({key}) | formal.get(key, frozenset())


def canonical_first_name(key: str) -> str:
    """Return one formal name for a given name, the same for a name and its nicknames."""
    _, children = _table()
    share = _frequency()
    # The commonest of the forms is the likeliest one meant: Bob -> Robert, and Mary stays
    # Mary although the list also records Mary as a nickname of the rarer Marietta.
    return min(first_name_forms(key), key=lambda n: (-share.get(n, 0.0), -children.get(n, 0), n))
