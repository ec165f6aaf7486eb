"""Need-to-know: who may see a record about a member of staff. Every app decides through here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

__all__ = ["Conflict", "OrgChart", "conflict"]


class Conflict(Enum):
    """Why a viewer is too close to the subject of a record to see it unasked."""

    SELF = "the record is about you"
    CHAIN = "the subject is in your line-management chain"
    UNIT = "the subject is in your unit"


@dataclass(frozen=True)
class OrgChart:
    """Line managers and units of staff, by user id."""

    manager: Mapping[int, int | None]
    unit: Mapping[int, str]

    def above(self, user_id: int) -> set[int]:
        """Return everyone above `user_id` in the line-management chain."""
        seen: set[int] = set()
        current = self.manager.get(user_id)
        while current is not None and current not in seen and current != user_id:
            seen.add(current)
            current = self.manager.get(current)
        return seen


def conflict(viewer_id: int, subject_id: int | None, chart: OrgChart) -> Conflict | None:
    """Return the conflict between a viewer and a record's subject, or None if there is none."""
    if subject_id is None:
        return None
    if viewer_id == subject_id:
        return Conflict.SELF
    # Both ways: your managers are off limits, and so are the people you manage.
    if subject_id in chart.above(viewer_id) or viewer_id in chart.above(subject_id):
        return Conflict.CHAIN
    viewer_unit = chart.unit.get(viewer_id)
    if viewer_unit and viewer_unit == chart.unit.get(subject_id):
        return Conflict.UNIT
    return None
