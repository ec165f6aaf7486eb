"""Normalise names: case, accents, punctuation, particles and double surnames."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["PARTICLES", "fold", "name_key", "name_parts"]

# Letters that Unicode does not decompose into a base letter and an accent.
_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)
# Surname particles: two surnames sharing only "van" or "de" are not evidence of anything.
PARTICLES = frozenset(
    {"al", "da", "das", "de", "del", "della", "der", "des", "di", "dos", "du", "el", "la", "le"}
    | {"st", "ten", "ter", "van", "von"}
)
_APOSTROPHES = re.compile(r"['’‘`´]")
_SEPARATORS = re.compile(r"[^a-z]+")


def fold(text: str | None) -> str:
    """Return text lower-cased, without accents, with every non-letter run as one space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_TRANSLITERATE))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    # O'Brien and D'Arcy are written with and without the apostrophe: drop it, never split.
    bare = _APOSTROPHES.sub("", bare)
    return _SEPARATORS.sub(" ", bare).strip()


def name_key(text: str | None) -> str | None:
    """Return the name as one run of plain letters (e.g. "Smith-Jones" -> "smithjones")."""
    key = fold(text).replace(" ", "")
    return key or None


def name_parts(text: str | None) -> list[str]:
    """Return the parts of a double or compound name, without particles, in order."""
    words = fold(text).split()
    parts = [w for w in words if w not in PARTICLES and len(w) > 1]
    return parts or [w for w in words if len(w) > 1]
