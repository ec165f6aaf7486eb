"""Declared associations as the access audit reads them (`declared_associations`).

A member of staff who declares an association (a partner, family, a friend, a notifiable
association) and names the associate's person id in the force's systems gives the audit a
reason for looking that person up. `write_associations` writes a force's declarations as the
audit's table (spec/force-extract.md), to pass to `custodes audit --declared FILE` beside the
force's own extract. Only declarations made by staff with an id in the force's systems are
written: the audit knows staff by that id alone.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from custodes.audit import arrow_schema
from custodes.web.accounts.models import User
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.vetting.models import Declaration

__all__ = ["ASSOCIATION_COLUMNS", "association_rows", "write_associations"]

# The audit's own columns for the table, in its order: user_id, person_id, kind, declared_at.
ASSOCIATION_COLUMNS = tuple(arrow_schema("declared_associations").names)


def association_rows(force: str) -> list[tuple[str, str, str, str]]:
    """Return the force's declared associations as the audit's rows, earliest first.

    The same association declared twice is one row, from the day it was first declared.
    """
    declared = (
        Declaration.objects.filter(force=force, force_user_id__isnull=False)
        .exclude(associate_person_id="")
        .exclude(association="")
        .exclude(force_user_id="")
        .order_by("declared_on", "recorded_at")
        .values_list("force_user_id", "associate_person_id", "association", "declared_on")
    )
    rows: dict[tuple[str, str, str], str] = {}
    for user_id, person_id, kind, declared_on in declared:
        rows.setdefault((str(user_id), person_id, kind), declared_on.isoformat())
    return [(*key, day) for key, day in rows.items()]


@transaction.atomic
def write_associations(actor: User | None, force: str, out: Path) -> int:
    """Write the force's declared associations to `out` (CSV) whole; return the rows written.

    On the trail as the force's associations written out, with the count, never the rows.
    """
    if not force.strip():
        raise ValueError("name the force")
    rows = association_rows(force.strip())
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ASSOCIATION_COLUMNS)
        # Ids and dates as they are, for the audit to join on: not altered for spreadsheets
        # (a person id was checked, when declared, to start with a letter or digit).
        writer.writerows(rows)
    try:
        record(
            actor.pk if actor is not None else None,
            Action.VETTING_ASSOCIATIONS,
            Subject.DECLARED_ASSOCIATIONS,
            force.strip(),
            changes={"file": out.name, "rows": len(rows)},
        )
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)  # a reader never sees half a file
    return len(rows)
