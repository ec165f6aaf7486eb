"""Read the values lists share: text cells, dates in their many forms, stable record ids."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

__all__ = [
    "EARLIEST_YEAR",
    "LATEST_YEAR",
    "cell_text",
    "iso_date",
    "list_date",
    "split_values",
    "stable_ref",
]

# A date outside these years is a typing slip ("10/04/0222"), not a date a list can mean.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2099
# Excel counts days from 1899-12-30 (so that its fictitious 1900-02-29 comes out right).
_EXCEL_EPOCH = date(1899, 12, 30)
# What lists write when a date does not apply.
_NOT_APPLICABLE = {"", "n/a", "n.a", "n.a.", "na", "none", "-"}
# US lists write month/day/year, with slashes or dashes.
_US_DATE = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def cell_text(value: object) -> str:
    """Return a cell's value as text with single spaces, or "" for an empty cell."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def _plausible(day: date, text: str) -> date:
    """Return the date, or refuse one whose year no list can mean."""
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ValueError(f"{text!r} is not a date (year {day.year})")
    return day


# Distinct dates kept read: a list of 100,000 people has a few tens of thousands.
@lru_cache(maxsize=65_536)
def iso_date(text: str) -> date:
    """Return a YYYY-MM-DD date, refusing any other form."""
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not a date in YYYY-MM-DD form")
    try:
        return _plausible(date.fromisoformat(text), text)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a date: {error}") from None


def list_date(value: object) -> date | None:
    """Return a date cell as a date, None where it says not applicable; refuse anything else."""
    if isinstance(value, datetime):
        return _plausible(value.date(), str(value))
    if isinstance(value, date):
        return _plausible(value, str(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An Excel serial day number: the sheet lost the cell's date format.
        return _plausible(_EXCEL_EPOCH + timedelta(days=int(value)), str(value))
    text = cell_text(value)
    if text.lower() in _NOT_APPLICABLE:
        return None
    if _ISO_DATE.fullmatch(text):
        return iso_date(text)
    match = _US_DATE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a date")
    month, day_of_month, year = (int(part) for part in match.groups())
    try:
        parsed = date(year, month, day_of_month)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a date: {error}") from None
    return _plausible(parsed, text)


def split_values(text: str) -> tuple[str, ...]:
    """Return the ;-separated values of a field, without empty ones."""
    if ";" not in text:  # most fields hold one value or none
        one = text.strip()
        return (one,) if one else ()
    return tuple(part.strip() for part in text.split(";") if part.strip())


def stable_ref(prefix: str, *parts: str) -> str:
    """Return an id made from the entry's own content, the same on every reading."""
    # Case and spacing are normalised so that a re-typed edition of the same entry keeps its id.
    canonical = "\x1f".join(" ".join(p.split()).casefold() for p in parts)
    return f"{prefix}-{hashlib.sha256(canonical.encode()).hexdigest()[:16]}"
