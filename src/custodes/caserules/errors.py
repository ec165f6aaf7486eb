"""The errors the case rules raise, under custodes' one hierarchy."""

from __future__ import annotations

from custodes.errors import CustodesError

__all__ = ["CaseRulesError", "FactsError", "NotInForce", "NotInProfile", "RulesFileError"]


class CaseRulesError(CustodesError):
    """Base of every error the case rules raise."""


class RulesFileError(CaseRulesError):
    """A rules file (packaged or a force's own copy) is refused; names the file and the key."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        where = f"{file}: {key}: " if key else f"{file}: "
        super().__init__(where + problem)
        self.file = file
        self.key = key
        self.problem = problem


class NotInProfile(CaseRulesError):
    """The profile has no rules for this decision (the US profile has no IOPC referral)."""


class NotInForce(CaseRulesError):
    """None of the profile's rules for this decision was in force on the case's date."""


class FactsError(CaseRulesError, ValueError):
    """An input the profile cannot take: a term it does not know, or dates out of order."""
