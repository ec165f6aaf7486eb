"""Lookups that row-level security would refuse as Django makes them, narrowed."""

from __future__ import annotations

from typing import Any

from django.db import connections, models, router

from custodes.web.alerts.models import ForceStaff
from custodes.web.cases.models import Case

__all__ = ["case_for_break_glass", "force_staff_conflicts"]


def _bound(model: type[models.Model]) -> bool:
    connection = connections[router.db_for_read(model)]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_security_active(%s)", [model._meta.db_table])
        bound: Any = cursor.fetchone()
    return bool(bound[0])


def case_for_break_glass(reference: str) -> Case | None:
    """Return the case `reference` names, as far as break-glass may open it.

    Break-glass opens a case its user cannot see, so where row-level security binds the
    connection the lookup goes through `custodes_break_glass_case`, which returns only an
    unsealed case not about the database's user. The caller still checks both itself.
    """
    if _bound(Case):
        found = Case.objects.raw("SELECT * FROM custodes_break_glass_case(%s)", [reference])
        return next(iter(found), None)
    return Case.objects.filter(reference=reference).first()


def force_staff_conflicts(viewer_id: int) -> list[tuple[str, str]] | None:
    """Return the force staff too close to a viewer, where row-level security hides the charts.

    Need-to-know on a case opened from an audit alert is decided in the audited force's
    charts, which row-level security shows only to those who review audit alerts. Where it
    binds the connection, `custodes_audit_conflicts` answers for the viewer alone: pairs of
    force user id and "chain" or "unit", over every imported run that lists the viewer.
    None where it does not bind: the caller reads the charts itself.
    """
    if not _bound(ForceStaff):
        return None
    connection = connections[router.db_for_read(ForceStaff)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT c_user, c_kind FROM custodes_audit_conflicts(%s)", [viewer_id])
        return [(str(user_id), str(kind)) for user_id, kind in cursor.fetchall()]
