"""Alerts raised when other apps say something happened: break-glass use on a case."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from custodes.web.accounts.models import User
from custodes.web.alerts.models import Alert
from custodes.web.cases.models import Case
from custodes.web.needtoknow.rls import insert_unread
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = ["raise_break_glass_alert"]


def raise_break_glass_alert(sender: Any, *, actor: User, case: Case, **kwargs: Any) -> Alert:
    """Raise the alert to counter-corruption that `actor` broke the glass into `case`."""
    alert = Alert(
        kind=Alert.Kind.BREAK_GLASS,
        about_user=actor,
        subject_type="case",
        subject_id=str(case.pk),
        case=case,
        summary=f"{actor.username} used break-glass on case {case.reference}",
        raised_at=timezone.now(),
    )
    # The alert is about its writer, whom row-level security does not let read it back.
    insert_unread(alert)
    record(actor.pk, Action.CREATE, Subject.ALERT, alert.pk, changes={"kind": alert.kind})
    return alert
