"""The vetting unit's pages: the work queue with its backlog, a task, a clearance, a person."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from custodes.caserules import load_vetting
from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.models import User
from custodes.web.alerts.access import audit_conflict, may_review_audit_alerts
from custodes.web.alerts.models import AuditAlert
from custodes.web.cases.access import decide
from custodes.web.cases.models import Decision
from custodes.web.needtoknow.charts import Charts
from custodes.web.registry.access import may_use_registry
from custodes.web.registry.models import Entry
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.vetting.access import (
    VETTING_ROLES,
    Person,
    clearances_for_user,
    get_clearance_for_user,
    get_person_for_user,
    get_task_for_user,
    may_use_vetting,
    record_conflict,
    tasks_for_user,
)
from custodes.web.vetting.actions import (
    Who,
    decide_task,
    record_clearance,
    record_integrity_review,
)
from custodes.web.vetting.backlog import (
    Backlog,
    ClearanceFacts,
    Week,
    clearance_facts,
    count_backlog,
    due_band,
    held_levels,
    holding,
    integrity_review_due,
    task_facts,
    weekly,
    with_held_level,
)
from custodes.web.vetting.chart import backlog_svg
from custodes.web.vetting.forms import (
    NO_LEVEL,
    ClearanceForm,
    DecisionForm,
    QueueFilter,
    ReviewHeldForm,
)
from custodes.web.vetting.models import Clearance, Posting, VettingTask

__all__ = [
    "backlog",
    "clearance_detail",
    "person_detail",
    "person_record",
    "queue",
    "task_decide",
    "task_detail",
]

QUEUE_PAGE = 50
_ORDER = {"due": ("due_on", "pk"), "waiting": ("raised_at", "pk"), "unit": ("unit", "due_on", "pk")}


def _require_role(user: User) -> None:
    if user.role not in VETTING_ROLES:
        raise PermissionDenied("vetting is for vetting officers")


def _personal(response: HttpResponse) -> HttpResponse:
    response["X-Personal-Data"] = "1"
    return response


@dataclass(frozen=True)
class Due:
    """How a task stands against its due day, in words as well as a mark."""

    band: str  # "overdue", "30", "60", "90", "later", or "decided"
    words: str


def due_of(task: VettingTask, on: dt.date) -> Due:
    """Return how the task stands against its due day on `on`."""
    if task.status != VettingTask.Status.OPEN:
        return Due("decided", f"Decided {task.decided_at:%Y-%m-%d}" if task.decided_at else "")
    band = due_band(task.due_on, on)
    days = (task.due_on - on).days
    if band == "overdue":
        return Due(band, f"Overdue by {-days} day{'s' if days != -1 else ''}")
    if days == 0:
        return Due(band, "Due today")
    within = f" (within {band} days)" if band != "later" else ""
    return Due(band, f"Due in {days} day{'s' if days != 1 else ''}{within}")


def days_in_queue(task: VettingTask, on: dt.date) -> int:
    """Return the days the task has been (or was) in the queue."""
    end = timezone.localdate(task.decided_at) if task.decided_at else on
    return max(0, (end - timezone.localdate(task.raised_at)).days)


def _expired(held: ClearanceFacts | None, on: dt.date) -> bool:
    return held is not None and held.renewal_due is not None and held.renewal_due <= on


@dataclass(frozen=True)
class Overview:
    """What the pages show of the backlog: the counts, and the weeks with their chart."""

    backlog: Backlog
    weeks: list[Week]
    chart: str
    units: list[str]


def _overview(user: User, charts: Charts, on: dt.date) -> Overview:
    """Count the backlog over what `user` may see (need-to-know applies to counts too)."""
    tasks = task_facts(tasks_for_user(user, charts, open_only=False))
    clearances = clearance_facts(clearances_for_user(user, charts))
    weeks = weekly(tasks, on)
    units = sorted({t.unit for t in tasks if t.unit}, key=str.casefold)
    return Overview(count_backlog(tasks, clearances, on), weeks, backlog_svg(weeks), units)


def _levels() -> dict[str, str]:
    return {code: level.title for code, level in load_vetting().levels.items()}


def _filtered(
    tasks: QuerySet[VettingTask], chosen: dict[str, Any], on: dt.date
) -> QuerySet[VettingTask]:
    if chosen["status"] != "all":
        tasks = tasks.filter(status=chosen["status"])
    if chosen["overdue"]:
        tasks = tasks.filter(status=VettingTask.Status.OPEN, due_on__lt=on)
    if chosen["unit"]:
        tasks = tasks.filter(unit=chosen["unit"])
    if chosen["trigger"]:
        tasks = tasks.filter(trigger=chosen["trigger"])
    if chosen["level"]:
        tasks = holding(tasks, None if chosen["level"] == NO_LEVEL else chosen["level"])
    return with_held_level(tasks).select_related("user").order_by(*_ORDER[chosen["sort"]])


@staff_view
@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    """List the tasks the officer may see, with the backlog and its chart; filters and pages."""
    user = request_user(request)
    _require_role(user)
    on = timezone.localdate()
    context: dict[str, Any] = {"known": may_use_vetting(user), "on": on}
    if not context["known"]:
        return render(request, "vetting/queue.html", context)
    charts = Charts()
    overview = _overview(user, charts, on)
    form = QueueFilter(request.GET, units=overview.units)
    chosen = form.chosen()
    shown = _filtered(tasks_for_user(user, charts, open_only=False), chosen, on)
    page = Paginator(shown, QUEUE_PAGE).get_page(request.GET.get("page"))
    tasks: list[VettingTask] = list(page.object_list)
    levels = _levels()
    # The level each task's person holds, as `with_held_level` put it on the task.
    rows = [
        (t, due_of(t, on), days_in_queue(t, on), levels.get(getattr(t, "held_level", "") or "", ""))
        for t in tasks
    ]
    record(
        user.pk,
        Action.LIST,
        Subject.PAGE,
        request.path[:64],
        changes={**chosen, "page": page.number, "tasks": [t.pk for t in tasks]},
    )
    defaults = {"status": "open", "sort": "due"}
    kept = {k: v for k, v in chosen.items() if v and defaults.get(k) != v}
    query = urlencode({k: "on" if v is True else v for k, v in kept.items()})
    context.update(
        overview=overview,
        total=overview.backlog.total,
        form=form,
        chosen=chosen,
        page=page,
        rows=rows,
        query=query,
    )
    return _personal(render(request, "vetting/queue.html", context))


@staff_view
@require_http_methods(["GET"])
def backlog(request: HttpRequest) -> HttpResponse:
    """Show the backlog by unit and by level, over what the officer may see."""
    user = request_user(request)
    _require_role(user)
    on = timezone.localdate()
    context: dict[str, Any] = {"known": may_use_vetting(user), "on": on}
    if context["known"]:
        overview = _overview(user, Charts(), on)
        found, levels = overview.backlog, _levels()
        context.update(
            overview=overview,
            backlog=found,
            tables=[
                ("By unit", [(row, "") for row in found.by_unit], "unit"),
                ("By level", [(row, levels.get(row.name, "")) for row in found.by_level], "level"),
            ],
        )
    return _personal(render(request, "vetting/backlog.html", context))


@dataclass(frozen=True)
class Source:
    """The record a task's trigger came from: named always, linked only where the viewer may
    open it."""

    words: str
    url: str | None = None


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _case_decision(user: User, source_id: str) -> Source | None:
    try:
        decision_id = uuid.UUID(source_id)
    except ValueError:
        return None
    decision = Decision.objects.select_related("case").filter(pk=decision_id).first()
    if decision is None:
        return None
    case = decision.case
    words = (
        f"Case {case.reference}: {decision.get_step_display().lower()} "
        f"on {decision.decided_at:%Y-%m-%d}"
    )
    url = reverse("cases:detail", args=[case.reference])
    return Source(words, url if decide(user, case).allowed else None)


def _registry_entry(user: User, source_id: str) -> Source | None:
    pk = _number(source_id)
    entry = Entry.objects.filter(pk=pk).first() if pk is not None else None
    if entry is None:
        return None
    words = f"Registry entry {entry.pk} ({entry.get_list_type_display()}, {entry.source})"
    url = reverse("registry:entry", args=[entry.pk])
    return Source(words, url if may_use_registry(user) else None)


def _audit_alert(user: User, source_id: str) -> Source | None:
    pk = _number(source_id)
    alert = AuditAlert.objects.select_related("run").filter(pk=pk).first() if pk else None
    if alert is None:
        return None
    words = f"Access-audit alert {alert.rank} of the run imported {alert.run.imported_at:%Y-%m-%d}"
    may = may_review_audit_alerts(user) and audit_conflict(user, alert) is None
    return Source(words, reverse("alerts:audit-detail", args=[alert.pk]) if may else None)


def _clearance(user: User, source_id: str) -> Source | None:
    pk = _number(source_id)
    clearance = Clearance.objects.filter(pk=pk).first() if pk is not None else None
    if clearance is None:
        return None
    words = f"{clearance.level} clearance decided {clearance.decided_at:%Y-%m-%d}"
    may = record_conflict(user, clearance) is None
    return Source(words, reverse("vetting:clearance", args=[clearance.pk]) if may else None)


def _posting(_user: User, source_id: str) -> Source | None:
    pk = _number(source_id)
    posting = Posting.objects.select_related("post").filter(pk=pk).first() if pk else None
    if posting is None:
        return None
    return Source(f"The move into {posting.post.name} from {posting.starts_on:%Y-%m-%d}")


def _external_check(_user: User, source_id: str) -> Source | None:
    check, _, ref = source_id.partition(":")
    return Source(f"External check {check}, hit {ref}")


_SOURCES: dict[str, Callable[[User, str], Source | None]] = {
    "case-decision": _case_decision,
    "registry-entry": _registry_entry,
    "audit-alert": _audit_alert,
    "clearance": _clearance,
    "posting": _posting,
    "external-check": _external_check,
}


def source_of(user: User, task: VettingTask) -> Source:
    """Name the task's source record, with a link only if `user` may open it."""
    name = _SOURCES.get(task.source_type)
    found = name(user, task.source_id) if name is not None else None
    return found or Source(f"{task.source_type} {task.source_id}")


def _task_page(
    request: HttpRequest,
    user: User,
    task: VettingTask,
    form: DecisionForm | None,
    status: int = 200,
) -> HttpResponse:
    on = timezone.localdate()
    held = held_levels(clearance_facts(Clearance.objects.filter(person=task.person))).get(
        task.person
    )
    context = {
        "task": task,
        "due": due_of(task, on),
        "days": days_in_queue(task, on),
        "source": source_of(user, task),
        "held": held,
        "held_expired": _expired(held, on),
        "held_title": _levels().get(held.level, "") if held is not None else "",
        "form": form or DecisionForm(),
        "is_open": task.status == VettingTask.Status.OPEN,
    }
    return _personal(render(request, "vetting/task.html", context, status=status))


@staff_view
@require_http_methods(["GET"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a task: its facts, what the rules said, its source, and its decision; else 404."""
    user = request_user(request)
    return _task_page(request, user, get_task_for_user(user, pk), None)


def _add(form: Any, exc: ValidationError) -> None:
    """Put a validation error's messages on the fields it names, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@staff_view
@require_http_methods(["POST"])
def task_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the task's decision with its reason; 404 unless the officer may see it."""
    user = request_user(request)
    task = get_task_for_user(user, pk, purpose=Action.VETTING_DECIDE)
    form = DecisionForm(request.POST)
    if form.is_valid():
        choice = VettingTask.Decision(form.cleaned_data["decision"])
        try:
            decide_task(user, task, choice, form.cleaned_data["reason"])
        except ValidationError as exc:
            _add(form, exc)
        else:
            messages.success(request, "Decision recorded. It is on the trail.")
            return redirect("vetting:task", pk=task.pk)
    task.refresh_from_db()
    return _task_page(request, user, task, form, status=400)


def _next_review(clearance: Clearance) -> dt.date | None:
    """Return the day the holder's next integrity review is due, by the backlog's rule."""
    if clearance.status != Clearance.Status.GRANTED:
        return None
    facts = clearance_facts(Clearance.objects.filter(pk=clearance.pk))[0]
    held = VettingTask.objects.filter(
        trigger=VettingTask.Trigger.INTEGRITY_REVIEW,
        person=clearance.person,
        decided_at__isnull=False,
    ).values_list("decided_at", flat=True)
    days = [timezone.localdate(moment) for moment in held]
    return integrity_review_due(facts, max(days) if days else None)


def _clearance_page(
    request: HttpRequest,
    clearance: Clearance,
    form: ReviewHeldForm | None,
    status: int = 200,
) -> HttpResponse:
    same_level = Clearance.objects.filter(person=clearance.person, level=clearance.level)
    context = {
        "clearance": clearance,
        "level": load_vetting().levels.get(clearance.level),
        "others": list(same_level.exclude(pk=clearance.pk).order_by("-decided_at", "-pk")),
        "on": timezone.localdate(),
        "next_review": _next_review(clearance),
        "review_form": form or ReviewHeldForm(),
    }
    return _personal(render(request, "vetting/clearance.html", context, status=status))


@staff_view
@require_http_methods(["GET"])
def clearance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one clearance decision, and the person's decisions at its level; else 404."""
    user = request_user(request)
    return _clearance_page(request, get_clearance_for_user(user, pk), None)


@staff_view
@require_http_methods(["POST"])
def clearance_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an integrity review held on the clearance's holder; 404 unless the officer may
    see the clearance."""
    user = request_user(request)
    clearance = get_clearance_for_user(user, pk, purpose=Action.VETTING_DECIDE)
    form = ReviewHeldForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            made = record_integrity_review(user, clearance, data["held_on"], data["reason"])
        except ValidationError as exc:
            _add(form, exc)
        else:
            messages.success(
                request,
                "Integrity review recorded. It is on the trail."
                if made is not None
                else "That review was recorded before: nothing was added.",
            )
            return redirect("vetting:clearance", pk=clearance.pk)
    return _clearance_page(request, clearance, form, status=400)


def _person_page(
    request: HttpRequest,
    user: User,
    person: Person,
    form: ClearanceForm | None,
    status: int = 200,
) -> HttpResponse:
    on = timezone.localdate()
    clearances = list(
        Clearance.objects.filter(person=person.key)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")
    )
    tasks = list(VettingTask.objects.filter(person=person.key).order_by("-raised_at", "-pk"))
    postings = list(Posting.objects.filter(person=person.key).select_related("post"))
    held = held_levels(clearance_facts(Clearance.objects.filter(person=person.key))).get(person.key)
    account = User.objects.filter(pk=person.user_id).first() if person.user_id else None
    record(
        user.pk,
        Action.LIST,
        Subject.PAGE,
        request.path[:64],
        changes={
            "clearances": [c.pk for c in clearances],
            "tasks": [t.pk for t in tasks],
            "postings": [p.pk for p in postings],
        },
    )
    if form is None:
        level = request.GET.get("level", "")
        form = ClearanceForm(initial={"level": level, "unit": person.unit})
    context = {
        "person": person,
        "account": account,
        "clearances": clearances,
        "tasks": [(t, due_of(t, on)) for t in tasks],
        "postings": postings,
        "held": held,
        "held_expired": _expired(held, on),
        "levels": _levels(),
        "form": form,
        "on": on,
    }
    return _personal(render(request, "vetting/person.html", context, status=status))


@staff_view
@require_http_methods(["GET"])
def person_detail(request: HttpRequest, key: str) -> HttpResponse:
    """Show a person's clearances, tasks and moves, and a form for a new decision; else 404."""
    user = request_user(request)
    return _person_page(request, user, get_person_for_user(user, key), None)


@staff_view
@require_http_methods(["POST"])
def person_record(request: HttpRequest, key: str) -> HttpResponse:
    """Record a clearance decision about the person; 404 unless the officer may see them."""
    user = request_user(request)
    person = get_person_for_user(user, key, purpose=Action.VETTING_CLEARANCE)
    form = ClearanceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            clearance = record_clearance(
                user,
                Who(person.user_id, person.force, person.force_user_id),
                data["level"],
                Clearance.Status(data["status"]),
                reason=data["reason"],
                granted_on=data["granted_on"],
                conditions=data["conditions"],
                unit=data["unit"],
            )
        except ValidationError as exc:
            _add(form, exc)
        else:
            messages.success(request, "Clearance decision recorded. It is on the trail.")
            return redirect("vetting:clearance", pk=clearance.pk)
    return _person_page(request, user, person, form, status=400)
