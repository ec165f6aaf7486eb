"""The need-to-know rule: who is too close to the subject of a record to see it unasked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

__all__ = ["Conflict", "OrgChart", "conflict", "conflicts"]


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


def conflicts(viewer_id: int, chart: OrgChart) -> dict[int, Conflict]:
    """Return everyone in the chart `conflict` finds the viewer too close to, and why."""
    # One pass over the chart instead of one walk per member: a force's chart is large.
    reports: dict[int, list[int]] = {}
    for user_id, manager in chart.manager.items():
        if manager is not None:
            reports.setdefault(manager, []).append(user_id)
    below: set[int] = set()
    waiting = list(reports.get(viewer_id, ()))
    while waiting:
        user_id = waiting.pop()
        if user_id not in below:
            below.add(user_id)
            waiting.extend(reports.get(user_id, ()))
    found: dict[int, Conflict] = {}
    viewer_unit = chart.unit.get(viewer_id)
    if viewer_unit:
        found.update((u, Conflict.UNIT) for u, unit in chart.unit.items() if unit == viewer_unit)
    # Chain outranks unit, and self outranks both, as in `conflict`.
    found.update(dict.fromkeys(chart.above(viewer_id) | below, Conflict.CHAIN))
    found[viewer_id] = Conflict.SELF
    return found
