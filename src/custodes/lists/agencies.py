"""Give every spelling of a police agency's name one canonical form, as its jurisdiction names it.

Every jurisdiction gets the same spelling rules: abbreviations spelt out, one kind of apostrophe,
case and spaces, and the aliases no rule can reach. A jurisdiction with an agency directory
(Virginia, `US-VA`) has its agencies' names taken from it too, misspellings included: a name is
looked for in a directory only when the list is that jurisdiction's, so a department elsewhere
that happens to resemble a Virginia agency keeps its own name. Each distinct (name,
jurisdiction) is worked out once per process; a list repeats the same few names thousands of
times.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources

from rapidfuzz import fuzz, process

__all__ = [
    "ALIASES",
    "DIRECTORIES",
    "directory_names",
    "normalise_agency",
    "split_agencies",
]

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

#: Names no spelling rule can reach, whatever the list's jurisdiction: an agency's informal
#: name, and its own.
ALIASES: dict[str, str] = {
    "NYPD": "New York City Police Department",
    "New York Police Department": "New York City Police Department",
}
#: The jurisdictions whose agencies custodes knows by a directory: the directory's file beside
#: this module, and the aliases that lead into it (names that mean that jurisdiction's agency
#: only on its own lists: "Department of State Police" is Virginia's on Virginia's list).
DIRECTORIES: dict[str, tuple[str, dict[str, str]]] = {
    "US-VA": (
        "virginia_agencies.txt",
        {
            # The Virginia list's earlier name for the state police.
            "Department of State Police": "Virginia State Police",
            "Virginia Department of Motor Vehicles": "Department Of Motor Vehicles",
            "Virginia Department of Motor Vehicles: Law Enforcement Division": (
                "Department Of Motor Vehicles"
            ),
        },
    ),
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
# A word, with its possessive ("SHERIFF'S" is capitalised as "Sheriff's", not "Sheriff'S").
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
# Closeness (RapidFuzz's ratio, 0-100: the share of characters two names have in common) a
# misspelt name must reach to be taken for a directory name, and the lead the closest name
# must have over the next: two agencies that fit as well are not guessed between.
_TYPO_CUTOFF = 90.0
_TYPO_LEAD = 2.0
# Distinct names kept worked out; a list names a few hundred agencies at most.
_CACHED = 65_536


def _tidy(name: str) -> str:
    """Return the name with one apostrophe, one space, expanded abbreviations and " - "."""
    text = unicodedata.normalize("NFKC", name)
    # Curly quotes, backticks (DCJS writes "Sheriff`s"), cp1252's 0x92 and the replacement
    # character left by a mis-decoded curly quote are all the possessive apostrophe.
    text = re.sub(r"[\u2018\u2019\u0060\u00b4\u0092]|\ufffd(?=s\b)", "'", text)
    text = " ".join(text.split()).strip(" ,;")
    if text.isupper() or text.islower():
        # A name all in capitals or all in small letters is written as names are, before
        # abbreviations are spelt out ("FAIRFAX CO. PD", "fairfax county so").
        text = _WORD.sub(lambda word: word[0].capitalize(), text)
    text = re.sub(r"\s*-\s+|\s+-\s*|(?<=[a-z])-(?=[A-Z])", " - ", text)
    for short, full in ABBREVIATIONS:
        text = re.sub(rf"(?<![\w'])({short})(?![\w'])", full, text, flags=re.IGNORECASE)
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


def _directory(jurisdiction: str | None) -> str | None:
    """Return the jurisdiction's code if custodes has a directory of its agencies, else None."""
    code = (jurisdiction or "").strip().upper()
    return code if code in DIRECTORIES else None


@cache
def directory_names(jurisdiction: str = "US-VA") -> tuple[str, ...]:
    """Return the canonical names of a jurisdiction's agencies (Virginia's: DCJS directory)."""
    file_name = DIRECTORIES[jurisdiction][0]
    text = resources.files(__package__).joinpath(file_name).read_text("utf-8")
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))


@cache
def _indexes(jurisdiction: str) -> tuple[dict[str, str | None], ...]:
    """Index canonical names by each stage's key; None marks a key two agencies share."""
    indexes: list[dict[str, str | None]] = []
    for stage in _STAGES:
        index: dict[str, str | None] = {}
        for name in directory_names(jurisdiction):
            key = stage(_key(name))
            index[key] = None if key in index and index[key] != name else name
        indexes.append(index)
    return tuple(indexes)


@cache
def _keys(jurisdiction: str) -> tuple[tuple[str, ...], ...]:
    """Return each stage's index keys, in a sequence RapidFuzz can search."""
    return tuple(tuple(index) for index in _indexes(jurisdiction))


@cache
def _aliases(jurisdiction: str | None) -> dict[str, str]:
    """Index the aliases that hold in the jurisdiction by key."""
    aliases = {**ALIASES, **(DIRECTORIES[jurisdiction][1] if jurisdiction else {})}
    return {_key(alias): name for alias, name in aliases.items()}


def _closest(key: str, index: dict[str, str | None], keys: tuple[str, ...]) -> str | None:
    """Return the one directory name the key is a misspelling of, if there is exactly one."""
    close = process.extract(key, keys, scorer=fuzz.ratio, limit=2, score_cutoff=_TYPO_CUTOFF)
    if not close:
        return None
    if len(close) == 2 and close[0][1] - close[1][1] < _TYPO_LEAD:
        return None  # two agencies fit as well: guessing would merge them
    return index[close[0][0]]


@lru_cache(maxsize=_CACHED)
def _resolve(name: str, jurisdiction: str | None) -> str | None:
    """Return the canonical name the name stands for, or None if it stands for none."""
    key = _key(name)
    aliases = _aliases(jurisdiction)
    if key in aliases:
        return aliases[key]
    if jurisdiction is None:
        return None
    indexes = _indexes(jurisdiction)
    for stage, index in zip(_STAGES, indexes, strict=True):
        staged = stage(key)
        if staged in index:
            return index[staged]  # None when ambiguous: a looser stage would not help
    # A misspelling is looked for only after every exact match has failed.
    keys = _keys(jurisdiction)
    return _closest(_loose(key), indexes[1], keys[1]) or _closest(
        _loosest(key), indexes[2], keys[2]
    )


@lru_cache(maxsize=_CACHED)
def normalise_agency(name: str, jurisdiction: str | None) -> str:
    """Return the agency's canonical name: its jurisdiction's directory's if known, else tidied.

    `jurisdiction` is the list's (`US-VA`, `GB-EAW`, ...), or None where it is not known (a
    roster that does not say): then only the spelling rules and the general aliases apply.
    """
    if not name.strip():
        return ""
    resolved = _resolve(name, _directory(jurisdiction))
    return _tidy(resolved) if resolved else _tidy(name)


@lru_cache(maxsize=_CACHED)
def split_agencies(name: str, jurisdiction: str | None) -> tuple[str, ...]:
    """Split "A Police Department & B Police Department" into its agencies, if both are known.

    Only a directory knows that both parts are agencies: elsewhere the cell is kept whole.
    """
    directory = _directory(jurisdiction)
    if directory is None or not name.strip() or _resolve(name, directory):
        return (name,)
    parts = tuple(p for p in re.split(r"\s+(?:&|and)\s+|\s*[/;]\s*", name) if p.strip())
    # "King & Queen County Sheriff's Office" resolves whole; a split is kept only when every
    # part is a known agency on its own.
    if len(parts) > 1 and all(_resolve(p, directory) for p in parts):
        return parts
    return (name,)
