"""Tidy people's names as lists print them: suffixes, initials, earlier names, stray marks."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["middle_initials", "split_last_name", "tidy_name"]

# Generational suffixes lists glue to the surname ("Claiborne, III", "Allen Jr., ").
_SUFFIX = re.compile(r"[\s,]+(jr|sr|ii|iii|iv|v)\.?$", re.IGNORECASE)
# An earlier or other surname in brackets after the surname ("Jones(Spriggs)").
_BRACKETED = re.compile(r"\s*\(([^)]*)\)\s*")
_APOSTROPHES = re.compile(r"[\u2018\u2019\u0060\u00b4\u0092]")
_HYPHEN = re.compile(r"\s*-\s*")
_INITIALS = re.compile(r"[.\s]+")
# Distinct names kept tidied: a list of 100,000 people has far fewer distinct names.
_CACHED = 65_536


@lru_cache(maxsize=_CACHED)
def tidy_name(text: str) -> str:
    """Return the name with one kind of apostrophe, single spaces and no stray punctuation."""
    name = unicodedata.normalize("NFKC", text)
    # Curly quotes and cp1252's 0x92 (a curly quote mis-decoded) are the name's apostrophe.
    name = _APOSTROPHES.sub("'", name)
    name = " ".join(name.split()).strip(" ,;")
    return _HYPHEN.sub("-", name)  # "Nelson- Haas" is the surname Nelson-Haas


@lru_cache(maxsize=_CACHED)
def split_last_name(text: str) -> tuple[str, str | None, tuple[str, ...]]:
    """Return the surname, its generational suffix and any bracketed other surnames."""
    name = tidy_name(text)
    others = tuple(tidy_name(o) for o in _BRACKETED.findall(name) if o.strip())
    name = tidy_name(_BRACKETED.sub(" ", name))
    match = _SUFFIX.search(name)
    if match and match.start() > 0:
        suffix = match.group(1)
        suffix = suffix.upper() if suffix.lower().strip("iv") == "" else suffix.title() + "."
        return tidy_name(name[: match.start()]), suffix, others
    return name, None, others


@lru_cache(maxsize=_CACHED)
def middle_initials(text: str) -> str | None:
    """Return a middle name as written, or its initials without dots ("I.A." is "I A")."""
    name = tidy_name(text)
    if not name:
        return None
    letters = [part for part in _INITIALS.split(name) if part]
    if all(len(part) == 1 for part in letters):
        return " ".join(part.upper() for part in letters)
    return name
