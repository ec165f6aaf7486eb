"""Load the organisation chart of custodes' users for need-to-know decisions."""

from __future__ import annotations

from custodes.web.accounts.models import User
from custodes.web.need_to_know import OrgChart

__all__ = ["org_chart"]


def org_chart() -> OrgChart:
    """Return every user's line manager and unit."""
    rows = User.objects.values_list("pk", "line_manager_id", "unit")
    return OrgChart(
        manager={pk: manager for pk, manager, _ in rows},
        unit={pk: unit for pk, _, unit in rows},
    )
