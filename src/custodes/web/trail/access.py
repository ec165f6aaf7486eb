"""Who may read the trail itself: those who audit custodes' own users."""

from __future__ import annotations

from custodes.web.accounts.models import Role, User

__all__ = ["TRAIL_ROLES", "may_read_trail"]

# The oversight body audits what custodes' own users read and did; on PostgreSQL row-level
# security shows the trail's rows to no one else through the application's role.
TRAIL_ROLES = {Role.OVERSIGHT_REVIEWER}


def may_read_trail(user: User) -> bool:
    """Say whether `user` may read the trail's events."""
    return user.is_active and user.role in TRAIL_ROLES
