"""Identity matching on Splink: check people against a registry of barred officers."""

from __future__ import annotations

from custodes.linkage.errors import LinkageError, ModelFileError, PeopleTableError
from custodes.linkage.matcher import SCREEN_SCHEMA, Candidate, Matcher
from custodes.linkage.schema import PEOPLE_SCHEMA, people_table, validate_people

__all__ = [
    "PEOPLE_SCHEMA",
    "SCREEN_SCHEMA",
    "Candidate",
    "LinkageError",
    "Matcher",
    "ModelFileError",
    "PeopleTableError",
    "people_table",
    "validate_people",
]
