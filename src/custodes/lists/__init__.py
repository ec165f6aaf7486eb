"""Read published registry lists (decertifications, bars, departures) into one record shape."""

from __future__ import annotations

from custodes.lists.agencies import normalise_agency
from custodes.lists.ccrb import read_ccrb
from custodes.lists.csvtable import spreadsheet_safe
from custodes.lists.generic import read_generic, read_roster
from custodes.lists.reasons import REASON_CATEGORIES, categorise
from custodes.lists.records import (
    LIMITS,
    LIST_TYPES,
    STATUSES,
    ListFormatError,
    ListRead,
    ListRecord,
    Rejected,
    RosterPerson,
    RosterRead,
    Service,
    too_long,
)
from custodes.lists.virginia import read_virginia

__all__ = [
    "LIMITS",
    "LIST_TYPES",
    "REASON_CATEGORIES",
    "STATUSES",
    "ListFormatError",
    "ListRead",
    "ListRecord",
    "Rejected",
    "RosterPerson",
    "RosterRead",
    "Service",
    "categorise",
    "normalise_agency",
    "read_ccrb",
    "read_generic",
    "read_roster",
    "read_virginia",
    "spreadsheet_safe",
    "too_long",
]
