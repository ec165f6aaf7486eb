"""Publishing statistics from every case: the one write of the statistics app.

`publish_cases` counts custodes' own cases (`stats.records.case_records`), publishes them under
disclosure control (`custodes.stats.publish`: the 10-5 rule by default, every suppressed cell
checked by an attacker, against the previous publication too when there is one) and records
the publication on the trail: where it went, its tables and how many cells were withheld,
never a count. It is an operator's command (`custodes stats publish --cases`), run on the
server with the database's owner, as `custodes cases export` is.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from custodes.folders import swap_folder
from custodes.stats import PublishResult, Rule, publish, read_publication
from custodes.web.cases.export import operator
from custodes.web.stats.records import StatsError, case_records
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = ["SOURCE", "publish_cases"]

#: What a publication from the cases names as its source.
SOURCE = "custodes cases"


def publish_cases(
    out: Path, *, rule: Rule | None = None, previous: Path | None = None
) -> PublishResult:
    """Publish statistics of every case, as of today, into folder `out` (replacing an earlier
    publication there), all or nothing, and record it on the trail.

    With `previous` (an earlier publication's folder), the cases are also counted as they
    stood at its date, so that no withheld cell can be worked out by setting the two side by
    side. Raises StatsError or custodes.stats' PublishError, writing nothing, when it cannot.
    """
    today = timezone.localdate()
    before: dt.date | None = None
    if previous is not None:
        meta = read_publication(previous)
        before = dt.date.fromisoformat(str(meta["as_of"]))
    records = case_records(as_of=today)
    if not len(records.allegations):
        raise StatsError("there are no allegations to count yet; nothing was published")
    previous_records = case_records(as_of=before) if before is not None else None
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}-") as tmp:
        staged = Path(tmp) / "publication"
        result = publish(
            staged,
            records,
            source=SOURCE,
            as_of=today,
            rule=rule,
            previous=previous,
            previous_records=previous_records,
        )
        # On the trail, then in place: a publication the trail lacks is never left behind.
        with transaction.atomic():
            record(
                None,
                Action.PUBLISH_STATISTICS,
                Subject.STATISTICS,
                "",
                changes=_changes(out, result, today, before),
            )
            swap_folder(staged, out)
    result.out = out
    return result


def _changes(
    out: Path, result: PublishResult, today: dt.date, before: dt.date | None
) -> dict[str, Any]:
    """Return what the trail keeps of a publication: never a count, only what was withheld."""
    return {
        "scope": "every case (an operator's statistic, not limited by need-to-know)",
        "by": operator(),
        "out": str(out),
        "as_of": today.isoformat(),
        "previous": before.isoformat() if before is not None else None,
        "tables": list(result.tables),
        "cells": result.cells,
        "suppressed": dict(result.suppressed),
        "left_out": list(result.left_out),
    }
