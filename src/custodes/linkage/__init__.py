"""Identity matching on Splink: check people against a registry of barred officers."""

from __future__ import annotations

from custodes.linkage.errors import LinkageError, ModelFileError, PeopleTableError
from custodes.linkage.matcher import SCREEN_SCHEMA, Candidate, Matcher
from custodes.linkage.schema import PEOPLE_SCHEMA, people_table, validate_people
from custodes.linkage.synthetic import PeopleConfig, PeopleResult, generate_people
from custodes.linkage.tiers import LIKELY, WEAKER

__all__ = [
    "LIKELY",
    "PEOPLE_SCHEMA",
    "SCREEN_SCHEMA",
    "WEAKER",
    "Candidate",
    "LinkageError",
    "Matcher",
    "ModelFileError",
    "PeopleConfig",
    "PeopleResult",
    "PeopleTableError",
    "generate_people",
    "people_table",
    "validate_people",
]
