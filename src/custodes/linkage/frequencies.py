"""How common each name (and each sex) is: the registry's own counts, steadied by the census.

Agreeing on a rare name counts for more than agreeing on a common one (Splink's
term-frequency adjustment). Counting names in the registry alone fails on a small registry:
on a list of two entries each name and sex is "half the people", so Daniel Okafor's exact
name, birth date, sex and agency scored p=0.47. Each value's share is therefore the registry's
count plus a fixed number of pseudo-entries spread as a prior spreads them, so that a small
list leans on the prior and a large one on itself:

    share(v) = (count(v) + PSEUDO_ENTRIES * prior(v)) / (entries + PSEUDO_ENTRIES)

The prior of a name is its share in the 1990 US Census (`data/`); a name the census does not
list is rarer than any it does, so it gets the least listed share. Sex has the shares of a
police workforce.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from functools import cache
from importlib.resources import files

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["PSEUDO_ENTRIES", "SEX_SHARES", "census_shares", "term_frequencies"]

#: How many registry entries the census counts for.
PSEUDO_ENTRIES = 100
#: The shares of recorded sex in a police workforce (a quarter women or fewer).
SEX_SHARES: Mapping[str, float] = {"M": 0.75, "F": 0.24, "X": 0.01}


def _read(name: str, scale: float) -> dict[str, float]:
    with files("custodes.linkage").joinpath("data", name).open(encoding="utf-8") as f:
        return {row["name"]: float(row["percent"]) * scale for row in csv.DictReader(f)}


@cache
def census_shares(column: str) -> Mapping[str, float]:
    """Return each value's share of people, as the model's prepared columns key it."""
    if column == "first_name":
        # Per cent of women and of men; people are about half of each.
        shares = _read("first_names_female.csv", 0.005)
        for name, share in _read("first_names_male.csv", 0.005).items():
            shares[name] = shares.get(name, 0.0) + share
        return shares
    if column == "last_name":
        return _read("surnames.csv", 0.01)
    if column == "sex":
        return SEX_SHARES
    raise ValueError(f"no prior shares for the column {column!r}")


def term_frequencies(prepared: pa.Table, column: str) -> pa.Table:
    """Return Splink's lookup table (`column`, `tf_column`) for a prepared registry."""
    counts = pc.value_counts(pc.drop_null(prepared.column(column)).combine_chunks())
    values = counts.field("values").to_pylist()
    seen = counts.field("counts").to_pylist()
    entries = sum(seen)
    census = census_shares(column)
    unlisted = min(census.values())
    shares = [
        (n + PSEUDO_ENTRIES * census.get(v, unlisted)) / (entries + PSEUDO_ENTRIES)
        for v, n in zip(values, seen, strict=True)
    ]
    return pa.table(
        {column: pa.array(values, type=pa.string()), f"tf_{column}": pa.array(shares, pa.float64())}
    )
