"""Give every spelling of a police agency's name one canonical form."""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache
from importlib import resources

__all__ = ["ALIASES", "directory_names", "normalise_agency", "split_agencies"]

#: Abbreviations as lists write them, and what they stand for (whole words, any case).
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"PD", "Police Department"),
    (r"Police\s+Dept\.?", "Police Department"),
    (r"Dept\.?", "Department"),
    (r"SO", "Sheriff's Office"),
    (r"Co\.?(?=\s+(Sheriff|Police|Jail))", "County"),
    (r"Comm\.(?=\s+College)", "Community"),
    (r"Va\.?", "Virginia"),
    (r"Univ\.?", "University"),
    (r"Sheriffs", "Sheriff's"),
)

#: Names no spelling rule can reach: the agency's old or informal name, and its own.
ALIASES: dict[str, str] = {
    # The Virginia list's earlier name for the state police.
    "Department of State Police": "Virginia State Police",
    "Virginia Department of Motor Vehicles": "Department Of Motor Vehicles",
    "Virginia Department of Motor Vehicles: Law Enforcement Division": (
        "Department Of Motor Vehicles"
    ),
    "NYPD": "New York City Police Department",
    "New York Police Department": "New York City Police Department",
}

# Different words for the one police force of a town ("Hampton Police Division", "Henrico
# County Division of Police", "Petersburg Bureau of Police"): the key treats them as one.
_POLICE_FORCE = re.compile(r"\b(police division|division of police|(police )?bureau of police)\b")
# Words that lists add or leave out of the same agency's name ("Richmond City Police
# Department" is "Richmond Police Department"; "Piedmont Regional Jail Authority").
_LOOSE_WORDS = re.compile(r"\b(city of|city|campus|authority|the)\b")
# Virginia has both a county and a city of the same name (Roanoke, Richmond, Fairfax, ...):
# "county" is only dropped as a last resort, and only where that leaves one agency.
_COUNTY = re.compile(r"\bcounty\b")
_SMALL_WORDS = {"of", "and", "the", "for", "at", "in"}
# Closeness (difflib ratio) a misspelt name must reach to be taken for a directory name.
_TYPO_CUTOFF = 0.9


def _tidy(name: str) -> str:
    """Return the name with one apostrophe, one space, expanded abbreviations and " - "."""
    text = unicodedata.normalize("NFKC", name)
    # Curly quotes, backticks (DCJS writes "Sheriff`s"), cp1252's 0x92 and the replacement
    # character left by a mis-decoded curly quote are all the possessive apostrophe.
    text = re.sub(r"[\u2018\u2019\u0060\u00b4\u0092]|\ufffd(?=s\b)", "'", text)
    text = " ".join(text.split()).strip(" ,;")
    text = re.sub(r"\s*-\s+|\s+-\s*|(?<=[a-z])-(?=[A-Z])", " - ", text)
    for short, full in ABBREVIATIONS:
        text = re.sub(rf"(?<![\w'])({short})(?![\w'])", full, text, flags=re.IGNORECASE)
    if text.isupper() or text.islower():
        text = text.title()
    words = text.split(" ")
    return " ".join([words[0], *(w.lower() if w.lower() in _SMALL_WORDS else w for w in words[1:])])


def _key(name: str) -> str:
    """Return the name reduced to what tells agencies apart, for comparison."""
    text = _tidy(name).casefold().replace("'", "").replace("&", " and ")
    text = " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())
    return _POLICE_FORCE.sub("police department", text)


def _loose(key: str) -> str:
    """Return the key without the words lists add or leave out."""
    return " ".join(_LOOSE_WORDS.sub(" ", key).split())


def _loosest(key: str) -> str:
    """Return the loose key without "county" either."""
    return " ".join(_COUNTY.sub(" ", _loose(key)).split())


def _exact(key: str) -> str:
    return key


_STAGES = (_exact, _loose, _loosest)


@cache
def directory_names() -> tuple[str, ...]:
    """Return the canonical names of Virginia's criminal justice agencies (DCJS directory)."""
    text = resources.files(__package__).joinpath("virginia_agencies.txt").read_text("utf-8")
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))


@cache
def _indexes() -> tuple[dict[str, str | None], ...]:
    """Index canonical names by each stage's key; None marks a key two agencies share."""
    indexes: list[dict[str, str | None]] = []
    for stage in _STAGES:
        index: dict[str, str | None] = {}
        for name in directory_names():
            key = stage(_key(name))
            index[key] = None if key in index and index[key] != name else name
        indexes.append(index)
    return tuple(indexes)


@cache
def _aliases() -> dict[str, str]:
    """Index the aliases by key."""
    return {_key(alias): name for alias, name in ALIASES.items()}


def _closest(key: str, index: dict[str, str | None]) -> str | None:
    """Return the one directory name the key is a misspelling of, if there is exactly one."""
    close = difflib.get_close_matches(key, list(index), n=2, cutoff=_TYPO_CUTOFF)
    if not close:
        return None
    if len(close) == 2:
        first, second = (difflib.SequenceMatcher(None, key, c).ratio() for c in close)
        if first - second < 0.02:  # two agencies fit as well: guessing would merge them
            return None
    return index[close[0]]


def _resolve(name: str) -> str | None:
    """Return the canonical name the name stands for, or None if it stands for none."""
    key = _key(name)
    if key in _aliases():
        return _aliases()[key]
    indexes = _indexes()
    for stage, index in zip(_STAGES, indexes, strict=True):
        staged = stage(key)
        if staged in index:
            return index[staged]  # None when ambiguous: a looser stage would not help
    # A misspelling is looked for only after every exact match has failed.
    return _closest(_loose(key), indexes[1]) or _closest(_loosest(key), indexes[2])


def normalise_agency(name: str) -> str:
    """Return the canonical name of the agency: the directory's where known, else tidied."""
    if not name.strip():
        return ""
    resolved = _resolve(name)
    return _tidy(resolved) if resolved else _tidy(name)


def split_agencies(name: str) -> tuple[str, ...]:
    """Split "A Police Department & B Police Department" into its agencies, if both are known."""
    if not name.strip() or _resolve(name):
        return (name,)
    parts = tuple(p for p in re.split(r"\s+(?:&|and)\s+|\s*[/;]\s*", name) if p.strip())
    # "King & Queen County Sheriff's Office" resolves whole; a split is kept only when every
    # part is a known agency on its own.
    if len(parts) > 1 and all(_resolve(p) for p in parts):
        return parts
    return (name,)
