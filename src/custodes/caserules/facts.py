"""The facts of a matter that the rules decide on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from custodes.caserules.errors import FactsError

__all__ = ["MatterFacts"]


@dataclass(frozen=True, init=False)
class MatterFacts:
    """Hold what is known of a matter: its kind, allegations, indications and dates.

    `kind` is one of the profile's kinds (england-wales: complaint, conduct,
    recordable-conduct, dsi, intelligence); `categories` are allegation categories
    (`Profile.categories()`); `indications` are what the matter alleges or indicates
    (`Profile.vocabulary["indications"]`, e.g. serious-assault, chief-officer, call-in,
    police-perpetrated-domestic-abuse). `arose_on` is when the conduct happened, where known;
    rules judged by it fall back on `came_to_attention`.
    """

    kind: str
    came_to_attention: date
    categories: frozenset[str] = field(default_factory=frozenset)
    indications: frozenset[str] = field(default_factory=frozenset)
    complainant_asks_recording: bool = False
    arose_on: date | None = None

    def __init__(
        self,
        kind: str,
        came_to_attention: date,
        categories: Iterable[str] = (),
        indications: Iterable[str] = (),
        complainant_asks_recording: bool = False,
        arose_on: date | None = None,
    ) -> None:
        # A bare string would be taken letter by letter; refuse it rather than guess.
        for name, value in (("categories", categories), ("indications", indications)):
            if isinstance(value, str):
                raise FactsError(f"{name} must be a collection of names, not the string {value!r}")
        if arose_on is not None and arose_on > came_to_attention:
            raise FactsError(
                f"arose on {arose_on}, after it came to attention ({came_to_attention})"
            )
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "came_to_attention", came_to_attention)
        object.__setattr__(self, "categories", frozenset(categories))
        object.__setattr__(self, "indications", frozenset(indications))
        object.__setattr__(self, "complainant_asks_recording", complainant_asks_recording)
        object.__setattr__(self, "arose_on", arose_on)

    @property
    def arose(self) -> date:
        """Return the day the matter arose, or the day it came to attention if not known."""
        return self.arose_on if self.arose_on is not None else self.came_to_attention
