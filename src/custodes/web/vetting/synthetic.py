"""The synthetic force's vetting data (`custodes.synth.vetting`) in the web app: loaded through
the real actions, and what custodes raised checked against its truth.

`escalate_alerts` escalates the audit alerts the data says the counter-corruption unit
escalated (`escalations.csv`: the newest imported alert about each member of staff, by the
first of the given people whom need-to-know lets act on it), through the alerts' own action.
The records themselves load with `records.load_records`. `check_vetting` then compares every
re-vetting task in custodes, each named by the record it came from as the data names it (a
case's outcome or reflective practice by the case's reference, the subject's force id and
the step; a lapsed clearance and a move by their refs; an integrity review by its clearance's
ref and the day it fell due; an escalation by its ref), with the truth file: every task the
truth expects raised, and none it does not. The tasks raised by the moves as they were
recorded, and those a sweep raised, are compared with the truth's own parts when given. The
integrity reviews held that the load recorded (decided tasks) are records, not compared.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from custodes.web.accounts.models import User
from custodes.web.alerts.access import audit_conflict, may_review_audit_alerts
from custodes.web.alerts.actions import escalate_audit_alert
from custodes.web.alerts.models import AuditAlert
from custodes.web.cases.models import Decision
from custodes.web.vetting.actions import HELD
from custodes.web.vetting.models import VettingTask
from custodes.web.vetting.records import Loaded, RecordsError

__all__ = [
    "ESCALATION_FIELDS",
    "SWEPT",
    "TRUTH_FIELDS",
    "UNMODELLED",
    "VettingCheck",
    "check_vetting",
    "escalate_alerts",
    "read_truth",
]

ESCALATION_FIELDS = ("ref", "force", "force_user_id", "reason")
TRUTH_FIELDS = ("trigger", "source", "person", "happened_on", "due_on", "raised", "why")
# The triggers custodes raises tasks for from records it holds, as the truth names them: the
# truth's rows of any other kind are counted but not compared. A task of a kind not here is
# always an extra.
SWEPT = frozenset(
    {"outcome", "rprp", "registry-match", "audit-alert", "expiry", "post-move", "integrity-review"}
)
# The tasks custodes raises that the truth does not work out yet (the month's random sample,
# declarations made in custodes): counted and named in the check's lines, not compared.
UNMODELLED = frozenset({"random", "declaration"})

Key = tuple[str, str, str]


def _rows(path: Path, fields: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise RecordsError(path.name, 0, "", "missing from the folder")
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
    for column in fields:
        if column not in (reader.fieldnames or []):
            raise RecordsError(path.name, 1, column, "missing from the header")
    return [{k: (row.get(k) or "").strip() for k in fields} for row in reader]


@transaction.atomic
def escalate_alerts(path: Path, people: Sequence[User]) -> dict[str, int]:
    """Escalate the alerts `escalations.csv` names, once; return each escalation's alert.

    An alert escalated already (a second load) is left as it is. Refuses, naming the row and
    field, an escalation with no alert in any imported run, or one nobody given may act on.
    """
    found: dict[str, int] = {}
    reviewers = [p for p in people if may_review_audit_alerts(p)]
    for number, row in enumerate(_rows(path, ESCALATION_FIELDS), 2):
        alert = (
            AuditAlert.objects.filter(force_user_id=row["force_user_id"])
            .order_by("-run_id")
            .first()
        )
        if alert is None:
            raise RecordsError(
                path.name, number, "force_user_id", "no audit alert about them in any run"
            )
        if alert.status != AuditAlert.Status.ESCALATED:
            actor = next((p for p in reviewers if audit_conflict(p, alert) is None), None)
            if actor is None:
                raise RecordsError(
                    path.name, number, "force_user_id", "nobody given may act on their alert"
                )
            escalate_audit_alert(actor, alert, row["reason"])
        found[row["ref"]] = alert.pk
    return found


def read_truth(path: Path) -> list[dict[str, str]]:
    """Return the truth file's rows."""
    return _rows(path, TRUTH_FIELDS)


@dataclass
class VettingCheck:
    """What custodes raised of the synthetic force's triggers, against the truth."""

    expected: int = 0
    raised: int = 0
    missed: list[Key] = field(default_factory=list)  # expected, not raised
    extra: list[Key] = field(default_factory=list)  # raised, not expected
    when: list[str] = field(default_factory=list)  # raised at the move or by the sweep wrongly
    not_compared: dict[str, int] = field(default_factory=dict)  # truth rows custodes cannot raise
    unmodelled: dict[str, int] = field(default_factory=dict)  # tasks the truth does not hold
    held: int = 0  # integrity reviews held, recorded as decided tasks (not compared)

    @property
    def ok(self) -> bool:
        """Say whether custodes raised exactly the tasks the truth expects."""
        return not self.missed and not self.extra and not self.when

    def lines(self) -> list[str]:
        """Return the comparison, in words."""
        lines = [
            f"re-vetting tasks expected {self.expected}, raised {self.raised}; "
            f"expected but not raised {len(self.missed)}; raised but not expected "
            f"{len(self.extra)}"
        ]
        lines += self.when
        if self.held:
            lines.append(f"{self.held} integrity reviews held recorded (decided; not compared)")
        lines += [
            f"{n} {trigger} tasks in the truth not compared: custodes does not raise them yet"
            for trigger, n in sorted(self.not_compared.items())
        ]
        lines += [
            f"{n} {trigger} tasks raised, not compared: the truth does not hold them yet"
            for trigger, n in sorted(self.unmodelled.items())
        ]
        return lines


def _named(
    tasks: Iterable[VettingTask], loaded: Loaded, escalated: dict[str, int]
) -> dict[int, Key]:
    """Name each task as the data names the record it came from."""
    refs = {
        "clearance": {str(pk): ref for ref, pk in loaded.clearances.items()},
        "posting": {str(pk): ref for ref, pk in loaded.postings.items()},
        "audit-alert": {str(pk): ref for ref, pk in escalated.items()},
    }
    tasks = list(tasks)
    decisions = {
        str(d.pk): f"{d.case.reference}/{d.subject.force_user_id if d.subject else ''}/{d.step}"
        for d in Decision.objects.filter(
            pk__in=[t.source_id for t in tasks if t.source_type == "case-decision"]
        ).select_related("case", "subject")
    }
    refs["case-decision"] = decisions
    named: dict[int, Key] = {}
    for task in tasks:
        source = refs.get(task.source_type, {}).get(task.source_id)
        if source is None and task.trigger == VettingTask.Trigger.INTEGRITY_REVIEW:
            # An integrity review raised by the sweep: `<clearance pk>:<review day>`.
            pk, _, day = task.source_id.partition(":")
            ref = refs.get(task.source_type, {}).get(pk)
            source = f"{ref}:{day}" if ref is not None else None
        named[task.pk] = (
            str(task.trigger),
            source or f"{task.source_type}:{task.source_id}",
            task.person,
        )
    return named


def check_vetting(
    truth: list[dict[str, str]],
    loaded: Loaded,
    escalated: dict[str, int],
    *,
    at_move: Sequence[VettingTask] | None = None,
    swept: Sequence[VettingTask] | None = None,
) -> VettingCheck:
    """Compare every re-vetting task in custodes with the truth; and, when given, the tasks
    the moves raised as they were recorded and those a sweep raised with the truth's parts."""
    result = VettingCheck()
    compared = [row for row in truth if row["trigger"] in SWEPT]
    result.not_compared = dict(Counter(r["trigger"] for r in truth if r["trigger"] not in SWEPT))
    expected = {(r["trigger"], r["source"], r["person"]) for r in compared}
    # The reviews held that the load recorded are records, not tasks raised: not compared.
    compared_tasks = VettingTask.objects.exclude(trigger__in=UNMODELLED).exclude(source_type=HELD)
    named = _named(compared_tasks, loaded, escalated)
    result.held = VettingTask.objects.filter(source_type=HELD).count()
    result.unmodelled = dict(
        Counter(
            VettingTask.objects.filter(trigger__in=UNMODELLED).values_list("trigger", flat=True)
        )
    )
    raised = set(named.values())
    result.expected, result.raised = len(expected), len(named)
    result.missed = sorted(expected - raised)
    result.extra = sorted(raised - expected)
    for part, tasks in (("move", at_move), ("sweep", swept)):
        if tasks is None:
            continue
        wanted = {(r["trigger"], r["source"], r["person"]) for r in compared if r["raised"] == part}
        got = {named[t.pk] for t in tasks if t.pk in named}
        how = "when the move was recorded" if part == "move" else "by the sweep"
        for key in sorted(got - wanted):
            result.when.append(f"{' '.join(key)}: raised {how}, not expected then")
        for key in sorted(wanted - got):
            result.when.append(f"{' '.join(key)}: expected {how}, not raised then")
    return result
