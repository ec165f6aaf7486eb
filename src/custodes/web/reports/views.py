"""Report pages: the queue (with reports about the same member of staff together), one report
with its actions, and its files. Each page takes new reports in first where it sees every row
(`actions.take_in_where_seen`: SQLite; on PostgreSQL the owner's timer does), and fetches and
authorises in one call (`access.py`): a report the user may not see is a 404."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.models import User
from custodes.web.portal.actions import report_view
from custodes.web.portal.models import Channel, HowMet, Report, ReportFile, Status
from custodes.web.portal.retention import Due
from custodes.web.portal.retention import warnings as retention_warnings
from custodes.web.reports import actions
from custodes.web.reports.access import (
    HANDLING_ROLES,
    INTELLIGENCE_ROLES,
    ORIGINAL_ROLES,
    REPORT_ROLES,
    ShownStaff,
    get_report_for_user,
    may_act,
    reports_for_user,
    show_named,
)
from custodes.web.reports.forms import (
    ActionForm,
    CaseForm,
    IntelligenceForm,
    MessageForm,
    QueueFilterForm,
    ReasonForm,
    RouteForm,
    SafeguardingForm,
)
from custodes.web.reports.models import Handling, Intake, NamedStaff
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused

__all__ = ["Group", "Row", "acknowledgement", "act", "detail", "file_view", "queue", "waiting"]


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def acknowledgement(report: Report, today: dt.date) -> tuple[str, bool]:
    """Return the acknowledgement deadline in words, and whether it is overdue."""
    if report.status != Status.NEW:
        return "Acknowledged", False
    left = (report.acknowledge_by - today).days
    if left < 0:
        return f"Overdue: was due {report.acknowledge_by:%Y-%m-%d}, {_days(-left)} ago", True
    if left == 0:
        return f"Due today ({report.acknowledge_by:%Y-%m-%d})", False
    return f"Due by {report.acknowledge_by:%Y-%m-%d}, in {_days(left)}", False


@dataclass(frozen=True)
class Row:
    """One report as the queue shows it."""

    report: Report
    named: list[ShownStaff]
    deadline: str
    overdue: bool


@dataclass(frozen=True)
class Group:
    """Reports that name the same member of staff: people who each thought they were alone."""

    people: list[ShownStaff]
    reports: list[Report]

    @property
    def headline(self) -> str:
        """Return the group in words."""
        who = [
            p.name + (f" ({', '.join(x for x in (p.role, p.unit) if x)})" if p.role else "")
            for p in self.people
        ]
        names = who[0] if len(who) == 1 else ", ".join(who[:-1]) + " or " + who[-1]
        tail = "" if len(who) == 1 else " (the name fits each of them)"
        return f"{len(self.reports)} reports from different people name {names}{tail}"


def _shown(report: Report) -> list[ShownStaff]:
    return [show_named(n) for n in report.named_staff.all()]


def _groups(reports: list[Report]) -> list[Group]:
    together: dict[tuple[int | None, str | None], tuple[NamedStaff, list[Report]]] = {}
    for report in reports:
        if report.status == Status.EXPIRED:
            continue
        for named in report.named_staff.all():
            _first, found = together.setdefault(named.key, (named, []))
            if report not in found:
                found.append(report)
    # One group for the same reports: an ambiguous name fits several people at once.
    by_reports: dict[tuple[object, ...], list[NamedStaff]] = {}
    for named, found in together.values():
        if len(found) > 1:
            by_reports.setdefault(tuple(r.pk for r in found), []).append(named)
    groups = []
    for people in by_reports.values():
        found = together[people[0].key][1]
        groups.append(Group([show_named(n) for n in people], found))
    return sorted(groups, key=lambda g: (-len(g.reports), g.people[0].name))


def waiting(user: User) -> tuple[int, int, int]:
    """Return how many new reports, how many overdue for acknowledgement, and how many whose
    retention ends within `RETENTION_WARNING_DAYS`, `user` may see (for the home page); takes
    new reports in first where it sees every row."""
    if user.role not in REPORT_ROLES:
        return 0, 0, 0
    actions.take_in_where_seen()
    today = timezone.localdate()
    new = reports_for_user(user, Report.objects.filter(status=Status.NEW))
    ending = retention_ending(user, today)
    return len(new), sum(1 for r in new if r.acknowledge_by < today), len(ending)


# How long before a report's content is deleted its handlers are told.
RETENTION_WARNING_DAYS = 30


def retention_ending(user: User, today: dt.date, seen: Iterable[Report] | None = None) -> list[Due]:
    """Return the reports `user` may see (`seen`, if already fetched) whose retention ends
    within RETENTION_WARNING_DAYS (or has ended, awaiting `custodes portal expire`)."""
    ending = retention_warnings(today, RETENTION_WARNING_DAYS)
    if not ending:
        return []
    if seen is None:
        seen = reports_for_user(user, Report.objects.filter(pk__in=[d.report.pk for d in ending]))
    ids = {r.pk for r in seen}
    return [d for d in ending if d.report.pk in ids]


def _narrow(form: QueueFilterForm) -> Any:
    among = Report.objects.prefetch_related("named_staff__user")
    for name in ("status", "channel", "category"):
        value = form.cleaned_data.get(name)
        if value:
            among = among.filter(**{name: value})
    return among


@staff_view
@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    """List the reports the user may see, newest deadline first, with the grouped view."""
    user = request_user(request)
    if user.role not in REPORT_ROLES:
        raise PermissionDenied("your role does not handle reports")
    actions.take_in_where_seen()
    today = timezone.localdate()
    form = QueueFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "today": today}
    if not form.is_valid():
        record(user.pk, Action.LIST, Subject.REPORT, "", changes={"reports": []})
        return render(request, "reports/queue.html", {**context, "rows": []}, status=400)
    reports = reports_for_user(user, _narrow(form))
    rows = []
    for report in reports:
        deadline, overdue = acknowledgement(report, today)
        rows.append(Row(report, _shown(report), deadline, overdue))
    wanted = form.cleaned_data.get("overdue")
    if wanted:
        rows = [r for r in rows if r.overdue is (wanted == "yes")]
    rows.sort(key=lambda r: (not r.overdue, r.report.status != Status.NEW, r.report.acknowledge_by))
    everything = reports_for_user(user, Report.objects.prefetch_related("named_staff__user"))
    groups = _groups(everything)
    ending = retention_ending(user, today, everything)
    record(
        user.pk,
        Action.LIST,
        Subject.REPORT,
        "",
        changes={
            "reports": [str(r.report.pk) for r in rows],
            "grouped": sorted({str(r.pk) for g in groups for r in g.reports}),
            "retention_ending": [str(d.report.pk) for d in ending],
            "filters": form.used(),
        },
    )
    context |= {
        "rows": rows,
        "groups": groups,
        "filtered": bool(form.used()),
        "ending": ending,
        "warning_days": RETENTION_WARNING_DAYS,
    }
    return render(request, "reports/queue.html", context)


def _named_choices(report: Report) -> list[tuple[int, str]]:
    choices = []
    for shown in _shown(report):
        words = shown.name
        if shown.role or shown.unit:
            words += f" ({', '.join(p for p in (shown.role, shown.unit) if p)})"
        if shown.named.ambiguous:
            words += " — an ambiguous match"
        choices.append((shown.named.pk, words))
    return choices


def _forms(report: Report, bound: ActionForm | None = None) -> dict[str, ActionForm]:
    named = _named_choices(report)
    everyone = [pk for pk, _ in named if not NamedStaff.objects.get(pk=pk).ambiguous] or [
        pk for pk, _ in named
    ]
    category = actions.default_category(report)
    kind = "conduct" if report.channel == Channel.COLLEAGUE else "complaint"
    made: dict[str, ActionForm] = {
        "message": MessageForm(),
        "route": RouteForm(),
        "case": CaseForm(
            named=named, initial={"kind": kind, "category": category, "subjects": everyone}
        ),
        "intelligence": IntelligenceForm(
            named=named, initial={"category": category, "subjects": everyone}
        ),
        "safeguarding": SafeguardingForm(),
        "close": ReasonForm(),
    }
    if bound is not None:
        made[bound.action] = bound
    return made


def _page(
    request: HttpRequest, user: User, report: Report, bound: ActionForm | None = None
) -> HttpResponse:
    today = timezone.localdate()
    deadline, overdue = acknowledgement(report, today)
    opened = None if report.status == Status.EXPIRED else report_view(report)
    intake = Intake.objects.select_related("case").get(pk=report.pk)
    closed = report.status in (Status.CLOSED, Status.EXPIRED)
    context = {
        "report": report,
        "opened": opened,
        "how_met": _how_met(opened),
        "deadline": deadline,
        "overdue": overdue,
        "named": _shown(report),
        "handlings": Handling.objects.filter(report=report).select_related("by", "case"),
        "intake": intake,
        "case": intake.case,
        "forms": _forms(report, bound),
        "may_handle": not closed and may_act(user, report, HANDLING_ROLES) is None,
        "may_intelligence": not closed and may_act(user, report, INTELLIGENCE_ROLES) is None,
        "may_original": user.role in ORIGINAL_ROLES,
        "may_download": user.role in INTELLIGENCE_ROLES,
        "has_case": intake.case_id is not None,
    }
    return render(request, "reports/detail.html", context, status=400 if bound else 200)


def _how_met(opened: dict[str, Any] | None) -> str:
    value = (opened or {}).get("content", {}).get("how_met", "")
    return str(HowMet(value).label) if value in HowMet.values else ""


@staff_view
@require_http_methods(["GET"])
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Show one report the user may see, decrypted, with its named staff and actions; else 404."""
    user = request_user(request)
    actions.take_in_where_seen()
    report = get_report_for_user(user, reference)
    return _page(request, user, report)


_FORMS: dict[str, type[ActionForm]] = {
    "message": MessageForm,
    "route": RouteForm,
    "case": CaseForm,
    "intelligence": IntelligenceForm,
    "safeguarding": SafeguardingForm,
    "close": ReasonForm,
}


def _apply(error: ValidationError, form: ActionForm) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for e in errors:
                text = " ".join(e.messages)
                form.add_error(name if name in form.fields else None, text)
    else:
        for text in error.messages:
            form.add_error(None, text)


def _done(user: User, report: Report, action: str, form: ActionForm) -> str:
    data = form.cleaned_data if action != "acknowledge" else {}
    if action == "acknowledge":
        actions.acknowledge(user, report)
        return "Acknowledged. The reporter sees it acknowledged."
    if action == "message":
        actions.send_message(user, report, data["text"], question=data["question"])
        return "Sent. The reporter reads it on the portal with their receipt."
    if action == "route":
        actions.route(user, report, data["force"], data["reason"])
        return f"Routed to {data['force']}."
    if action == "case":
        case = actions.open_case(
            user,
            report,
            kind=data["kind"],
            category=data["category"],
            reason=data["reason"],
            subjects=data["subjects"],
        )
        return f"Opened case {case.reference}."
    if action == "intelligence":
        case = actions.open_intelligence(
            user,
            report,
            category=data["category"],
            reason=data["reason"],
            subjects=data["subjects"],
        )
        return f"Opened intelligence record {case.reference}."
    if action == "safeguarding":
        actions.safeguarding_referral(user, report, data["agency"], data["reason"])
        return f"Recorded the safeguarding referral to {data['agency']}."
    actions.close(user, report, data["reason"])
    return "Closed."


@staff_view
@require_http_methods(["POST"])
def act(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """Take one action on a report: the form checked here, the action checked again."""
    user = request_user(request)
    report = get_report_for_user(user, reference)
    if action != "acknowledge" and action not in _FORMS:
        raise Refused(Subject.REPORT, report.pk, f"no such action {action[:32]!r}")
    named = _named_choices(report)
    if action == "acknowledge":
        form: ActionForm = ActionForm(request.POST)
        form.action = "acknowledge"
    elif action in ("case", "intelligence"):
        form = _FORMS[action](request.POST, named=named)
    else:
        form = _FORMS[action](request.POST)
    if not form.is_valid():
        return _page(request, user, report, form)
    try:
        with_words = _done(user, report, action, form)
    except ValidationError as error:
        if action == "acknowledge":
            messages.error(request, " ".join(error.messages))
            return redirect("reports:detail", reference=report.reference)
        _apply(error, form)
        return _page(request, user, report, form)
    messages.success(request, with_words)
    return redirect("reports:detail", reference=report.reference)


@staff_view
@require_http_methods(["GET"])
def file_view(request: HttpRequest, reference: str, file_id: uuid.UUID, copy: str) -> HttpResponse:
    """Download a report's file: the cleaned copy, or (for the lead) the original."""
    user = request_user(request)
    report = get_report_for_user(user, reference)
    found = ReportFile.objects.filter(report=report, pk=file_id).first()
    if found is None or copy not in ("cleaned", "original"):
        raise Refused(Subject.REPORT, report.pk, "no such file")
    try:
        data = actions.download(user, found, original=copy == "original")
    except ValidationError as error:
        raise Refused(Subject.REPORT, report.pk, " ".join(error.messages)) from None
    names = {f["id"]: f["name"] for f in _all_files(report)}
    name = str(names.get(found.id, f"file-{found.number}"))
    if copy == "original":
        name = f"original-{name}"
    response = HttpResponse(data, content_type=found.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _all_files(report: Report) -> list[dict[str, Any]]:
    opened = report_view(report)
    found = list(opened["files"])
    for message in opened["messages"]:
        found += message["files"]
    return found
