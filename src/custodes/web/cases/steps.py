"""Case write pages: the intake form and one form page for each step of a case's path.

Each page fetches and authorises the case in one call (`get_case_for_user`: 404 for a case the
user may not see), refuses a step the user may not take with the reason `may_take_step` gives
(403), shows what custodes says the rules require for the step, and on POST calls the one
action (`matter` or `path`) that takes it. A refused action is shown on the form (400), and
saves nothing: the actions are atomic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.models import Role, User
from custodes.web.cases import forms as f
from custodes.web.cases import matter, path, rules
from custodes.web.cases.access import (
    MATTER_ROLES,
    get_case_for_user,
    investigator_exclusions,
    may_take_step,
    show_subject,
)
from custodes.web.cases.actions import add_member
from custodes.web.cases.models import Case, CaseSubject, Decision, ListReport, Requirement
from custodes.web.cases.timeline import open_steps, timeliness_due
from custodes.web.needtoknow.charts import Charts

__all__ = ["new_case", "take_step"]

_S = Decision.Step
Cleaned = dict[str, Any]


# -- intake --------------------------------------------------------------------------------------

SUBJECTS, ALLEGATIONS = "subjects", "allegations"


def _more_rows(data: QueryDict, prefix: str) -> QueryDict:
    """Return the posted data with one more row in a formset."""
    more = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(more.get(key, "0"))
    except ValueError:
        total = 0
    more[key] = str(min(total + 1, 20))
    return more


def _intake_forms(
    data: QueryDict | None, profile: str
) -> tuple[f.IntakeForm, forms.BaseFormSet, forms.BaseFormSet]:  # type: ignore[type-arg]
    subjects = f.SubjectFormSet(data, prefix=SUBJECTS)
    count = subjects.total_form_count()
    allegations = f.AllegationFormSet(
        data, prefix=ALLEGATIONS, form_kwargs={"subjects": count, "profile": profile}
    )
    return f.IntakeForm(data, profile=profile), subjects, allegations


def _meant(formset: forms.BaseFormSet) -> list[forms.Form]:  # type: ignore[type-arg]
    """Return the rows of a formset that were filled in (or must be)."""
    return [
        form for i, form in enumerate(formset.forms) if form.has_changed() or i < formset.min_num
    ]


def _allegations_match(
    subjects: forms.BaseFormSet,  # type: ignore[type-arg]
    allegations: forms.BaseFormSet,  # type: ignore[type-arg]
    kind: str,
) -> list[matter.NewAllegation] | None:
    """Return the allegations against the subjects kept, or None after marking the errors."""
    kept = {
        i: n for n, i in enumerate(i for i, s in enumerate(subjects.forms) if s in _meant(subjects))
    }
    found: list[matter.NewAllegation] = []
    against: set[int] = set()
    ok = True
    for form in _meant(allegations):
        data = form.cleaned_data
        index = data["subject"]
        if index not in kept:
            form.add_error("subject", f"Subject {index + 1} is not named above.")
            ok = False
            continue
        against.add(index)
        found.append(
            matter.NewAllegation(
                kept[index], data["category"], data["description"], data["arose_on"]
            )
        )
    missing = [i + 1 for i in kept if i not in against]
    if missing and kind != Case.Kind.INTELLIGENCE:
        names = ", ".join(f"subject {n}" for n in missing)
        cast(Any, allegations)._non_form_errors = allegations.error_class(
            [f"Give at least one allegation against {names}."], error_class="nonform"
        )
        ok = False
    return found if ok else None


@staff_view
@require_http_methods(["GET", "POST"])
def new_case(request: HttpRequest) -> HttpResponse:
    """Take a matter in: kind, source, dates, subjects, allegations and the complainant's view."""
    user = request_user(request)
    if not user.is_active or user.role not in MATTER_ROLES:
        raise PermissionDenied("only intake handlers and those who open cases take matters in")
    profile = "england-wales"
    data: QueryDict | None = request.POST if request.method == "POST" else None
    show_errors = data is not None
    if data is not None and ("add_subject" in data or "add_allegation" in data):
        data = _more_rows(data, SUBJECTS if "add_subject" in data else ALLEGATIONS)
        show_errors = False
    intake, subjects, allegations = _intake_forms(data, profile)
    if data is None:
        intake.initial = {"came_to_attention": timezone.localdate()}
    status = 200
    if show_errors:
        status = 400
        valid = intake.is_valid() & subjects.is_valid() & allegations.is_valid()
        found = (
            _allegations_match(subjects, allegations, intake.cleaned_data.get("kind", ""))
            if valid
            else None
        )
        if valid and found is not None:
            case = _take_in(user, intake, subjects, found)
            if case is not None:
                _say_taken_in(request, case)
                return redirect("cases:detail", reference=case.reference)
    context = {
        "form": intake,
        "subjects": subjects,
        "allegations": allegations,
        "show_errors": show_errors,
    }
    response = render(request, "cases/new.html", context, status=status)
    response["X-Personal-Data"] = "1"
    return response


def _take_in(
    user: User,
    intake: f.IntakeForm,
    subjects: forms.BaseFormSet,  # type: ignore[type-arg]
    allegations: list[matter.NewAllegation],
) -> Case | None:
    data = intake.cleaned_data
    wants = data["complainant_wants_recording"]
    named = [form.new_subject() for form in _meant(subjects)]  # type: ignore[attr-defined]
    record_type = data["source_record_type"]
    try:
        with transaction.atomic():
            case = matter.take_in(
                user,
                None,
                data["title"],
                kind=data["kind"],
                source=data["source"],
                came_to_attention=data["came_to_attention"],
                arose_on=data["arose_on"],
                subjects=named,
                allegations=allegations,
                source_record=(record_type, data["source_record_id"]) if record_type else None,
                indications=data["indications"],
                complainant_view=data["complainant_view"],
                complainant_wants_recording=wants,
            )
            if data["authority"] is not None and data["authority"] != user:
                add_member(user, case, data["authority"])
            return case
    except (ValidationError, PermissionDenied) as exc:
        intake.add_error(None, _words(exc))
        return None


def _say_taken_in(request: HttpRequest, case: Case) -> None:
    messages.success(request, f"Taken in as {case.reference}.")
    if case.referral_due is not None:
        how = "must be referred" if case.referral_mandatory else "is to be referred (local trigger)"
        messages.warning(
            request,
            f"The rules say this matter {how} to the oversight body by "
            f"{case.referral_due:%d %B %Y}.",
        )


def _words(exc: ValidationError | PermissionDenied) -> list[str]:
    """Return an action's refusal in words, each a sentence."""
    said = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
    return [s + ("" if s.endswith((".", "!", "?")) else ".") for s in said]


# -- the steps -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a step is about, as the page found it."""

    subject: CaseSubject | None = None
    report: ListReport | None = None


@dataclass(frozen=True)
class StepPage:
    """One step's page: its form, what it is about, the call, and what the rules say."""

    form: type[forms.Form]
    title: str
    button: str
    run: Callable[[User, Case, Target, Cleaned], Decision | object]
    about: str = "case"  # "case", "subject" or "report"
    explain: Callable[[HttpRequest, User, Case, Target, forms.Form], dict[str, Any]] | None = None
    reason_kept: bool = True


def _rules_list(found: Any) -> list[dict[str, str]]:
    return [{"title": r.title, "source": r.citation} for r in found]


# Each `_explain_*` returns what the page shows of the rules for the step.


def _explain_recording(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    found, _ = rules.recording(case, rules.facts(case))
    return {
        "must_record": found.must_record,
        "schedule_3": found.schedule_3,
        "record_because": _rules_list(found.record_because),
        "schedule_3_because": _rules_list(found.schedule_3_because),
    }


def _became_clear(case: Case) -> dt.date:
    opened = case.requirements.filter(kind=Requirement.Kind.REFERRAL).order_by("opened_at").first()
    if opened is not None and opened.rules.get("became_clear"):
        return dt.date.fromisoformat(opened.rules["became_clear"])
    return case.came_to_attention


def _explain_referral(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    found, _ = rules.referral(case, rules.facts(case), _became_clear(case))
    today = timezone.localdate()
    return {
        "referral": found,
        "criteria": _rules_list(found.criteria),
        "local_triggers": _rules_list(found.local_triggers),
        "deadline": _rules_list([found.deadline] if found.deadline else []),
        "voluntary": _rules_list([found.voluntary] if found.voluntary else []),
        "overdue": found.due is not None and today > found.due,
    }


def _explain_severity(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    levels = []
    profile = rules.profile(case.profile)
    for level, title in rules.vocabulary(case, "levels").items():
        said = rules.severity(case, level, final_written_warning_in_force=False)
        likely = [profile.label("forums", p) for p in said.details["proceedings"]]
        levels.append({"title": title, "likely": likely, "sources": _rules_list(said.rules)})
    current = ""
    if target.subject is not None and target.subject.severity:
        current = profile.label("levels", target.subject.severity)
    return {"levels": levels, "current": current}


def _explain_appointment(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    charts = Charts()
    chosen = form.data.get("investigator") or request.GET.get("candidate")
    candidates = User.objects.filter(is_active=True, role=Role.PSD_INVESTIGATOR).order_by(
        "last_name", "username"
    )
    barred = []
    chosen_barred: list[str] = []
    chosen_label = ""
    for candidate in candidates:
        why = investigator_exclusions(case, candidate, charts)
        if str(candidate.pk) == chosen:
            chosen_barred, chosen_label = why, f.staff_label(candidate)
        if why:
            barred.append({"who": f.staff_label(candidate), "why": why})
    return {
        "barred": barred,
        "chosen_barred": chosen_barred,
        "chosen_label": chosen_label,
        "current": case.investigator,
    }


def _explain_timeliness(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    try:
        draft = path.draft_timeliness_account(case)
    except ValidationError as exc:
        return {"none_due": _words(exc)}
    if not form.is_bound:
        form.initial = {
            "due_on": draft.due_on,
            "progress": "\n".join(draft.progress),
            "next_steps": "\n".join(draft.next_steps),
            "delay_reasons": draft.delay_reasons,
        }
    return {"draft": draft}


def _explain_report(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    waiting = case.requirements.filter(
        kind=Requirement.Kind.NOTICE, status=Requirement.Status.OPEN
    ).select_related("subject")
    return {
        "notices_waiting": [show_subject(r.subject).name for r in waiting if r.subject],
        "accounts_owed": timeliness_due(case, timezone.localdate()),
    }


def _explain_proceedings(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    said = rules.accelerated_hearing(
        case, sufficient_written_evidence=True, public_interest_to_leave_at_once=True
    )
    subject = target.subject
    return {
        "accelerated_sources": _rules_list(said.rules),
        "case_to_answer": None if subject is None else subject.case_to_answer,
    }


def _finding_default(case: Case, subject: CaseSubject) -> str:
    decided = (
        case.decisions.filter(step=_S.CASE_TO_ANSWER, subject=subject)
        .order_by("-decided_at")
        .first()
    )
    level = decided.details.get("level") if decided is not None else None
    return str(level or subject.severity or "")


def _explain_outcome(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    subject = target.subject
    if subject is None:
        return {}
    source = form.data if form.is_bound else request.GET
    finding = source.get("finding", _finding_default(case, subject))
    flags = {
        name: bool(source.get(name))
        for name in (
            "final_written_warning_in_force",
            "several_unconnected",
            "exceptional_circumstances",
        )
    }
    forum = subject.forum or ("none" if subject.case_to_answer is False else "")
    context: dict[str, Any] = {"forum": forum, "finding": finding, "flags": flags}
    if forum:
        context["forum_title"] = rules.vocabulary(case, "forums").get(forum, forum)
    if not finding or not forum or finding not in rules.vocabulary(case, "findings"):
        return context
    found, _ = rules.outcomes(case, subject, forum, finding, **flags)
    context["options"] = found.options
    context["finding_title"] = rules.vocabulary(case, "findings")[finding]
    offered = [
        (o.outcome, o.title + (f" ({o.condition})" if o.condition else ""))
        for o in found.options
        if o.open
    ]
    if not offered:
        offered = [("", "No outcome: the rules open none")]
    if isinstance(form, f.OutcomeForm):
        form.offer(offered)
        # The finding and circumstances are chosen above, where the outcomes open are shown:
        # the form carries them as chosen, so what it offers always matches them.
        for name in ("finding", *flags):
            form.fields[name].widget = forms.HiddenInput()
    if not form.is_bound:
        form.initial.update({"finding": finding, **flags})
        if len(offered) == 1:
            form.initial["outcome"] = offered[0][0]
    return context


def _explain_list_report(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    report = target.report
    if report is None:
        return {}
    return {
        "report": report,
        "fields": sorted(report.fields.items()),
        "late": report.due_on is not None and timezone.localdate() > report.due_on,
    }


def _explain_closure(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    return {"still_open": open_steps(case)}


def _explain_left(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    return {"advisory": True}


def _explain_revision(
    request: HttpRequest, user: User, case: Case, target: Target, form: forms.Form
) -> dict[str, Any]:
    if not form.is_bound:
        form.initial = {"indications": list(case.indications)}
    return {}


def _subject(target: Target) -> CaseSubject:
    if target.subject is None:
        raise ValidationError("choose a subject of this case")
    return target.subject


def _bool_or_none(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _rprp_actions(data: Cleaned) -> list[path.RprpAction]:
    return [
        path.RprpAction(data[f"action_{n}"], data[f"deadline_{n}"])
        for n in (1, 2, 3)
        if data.get(f"action_{n}")
    ]


PAGES: dict[str, StepPage] = {
    _S.INTAKE: StepPage(
        f.RevisionForm,
        "Revise what the matter indicates",
        "Save what it indicates",
        lambda u, c, t, d: matter.revise_indications(u, c, d["indications"], d["reason"]),
        explain=_explain_revision,
    ),
    _S.SUBJECT: StepPage(
        f.NameSubjectForm,
        "Name another subject",
        "Name them as a subject",
        lambda u, c, t, d: matter.name_subject(u, c, d["new_subject"], d["reason"]),
        reason_kept=False,
    ),
    _S.ALLEGATION: StepPage(
        f.AddAllegationForm,
        "Add an allegation",
        "Add the allegation",
        lambda u, c, t, d: matter.add_allegation(
            u, _subject(t), d["category"], d["description"], d["arose_on"]
        ),
        about="subject",
        reason_kept=False,
    ),
    _S.RECORDING: StepPage(
        f.RecordingForm,
        "Decide whether to record the matter",
        "Record the decision",
        lambda u, c, t, d: path.decide_recording(
            u,
            c,
            record_it=d["record_it"],
            reason=d["reason"],
            complainant_view=d["complainant_view"] or None,
            complainant_wants_recording=d["complainant_wants_recording"],
            schedule_3=_bool_or_none(d["schedule_3"]),
            kind=d["kind"] or None,
        ),
        explain=_explain_recording,
    ),
    _S.REFERRAL: StepPage(
        f.ReferralForm,
        "Decide whether to refer the matter",
        "Record the referral decision",
        lambda u, c, t, d: path.decide_referral(u, c, refer=d["refer"], reason=d["reason"]),
        explain=_explain_referral,
    ),
    _S.SEVERITY: StepPage(
        f.SeverityForm,
        "Assess the severity",
        "Record the assessment",
        lambda u, c, t, d: path.assess_severity(
            u,
            _subject(t),
            level=d["level"],
            reason=d["reason"],
            final_written_warning_in_force=d["final_written_warning_in_force"],
            consulted=d["consulted"],
            officer_notified=d["officer_notified"],
            harm_test=d["harm_test"],
        ),
        about="subject",
        explain=_explain_severity,
    ),
    _S.APPOINTMENT: StepPage(
        f.AppointmentForm,
        "Appoint the investigator",
        "Appoint",
        lambda u, c, t, d: path.appoint_investigator(u, c, d["investigator"], d["reason"]),
        explain=_explain_appointment,
    ),
    _S.NOTICE: StepPage(
        f.NoticeForm,
        "Serve the notice of investigation",
        "Record the notice served",
        lambda u, c, t, d: path.serve_notice(u, _subject(t), d["served_on"], d["reason"]),
        about="subject",
        reason_kept=False,
    ),
    _S.TIMELINESS: StepPage(
        f.TimelinessForm,
        "Give the timeliness account",
        "Give the account",
        lambda u, c, t, d: path.give_timeliness_account(
            u,
            c,
            d["due_on"],
            progress=d["progress"],
            expected_end=d["expected_end"],
            delay_reasons=d["delay_reasons"],
            next_steps=d["next_steps"],
        ),
        explain=_explain_timeliness,
        reason_kept=False,
    ),
    _S.REPORT: StepPage(
        f.ReportForm,
        "Submit the investigation report",
        "Submit the report",
        lambda u, c, t, d: path.submit_report(u, c, d["summary"], d["ended_on"]),
        explain=_explain_report,
    ),
    _S.CASE_TO_ANSWER: StepPage(
        f.CaseToAnswerForm,
        "Decide whether there is a case to answer",
        "Record the decision",
        lambda u, c, t, d: path.decide_case_to_answer(
            u, _subject(t), answer=d["answer"], reason=d["reason"], level=d["level"] or None
        ),
        about="subject",
    ),
    _S.PROCEEDINGS: StepPage(
        f.ProceedingsForm,
        "Arrange proceedings",
        "Arrange them",
        lambda u, c, t, d: path.arrange_proceedings(
            u,
            _subject(t),
            forum=d["forum"],
            held_on=d["held_on"],
            reason=d["reason"],
            sufficient_written_evidence=d["sufficient_written_evidence"],
            public_interest_to_leave_at_once=d["public_interest_to_leave_at_once"],
        ),
        about="subject",
        explain=_explain_proceedings,
    ),
    _S.OUTCOME: StepPage(
        f.OutcomeForm,
        "Record the finding and outcome",
        "Record the outcome",
        lambda u, c, t, d: path.record_outcome(
            u,
            _subject(t),
            finding=d["finding"],
            outcome=d["outcome"],
            reason=d["reason"],
            decided_on=d["decided_on"],
            final_written_warning_in_force=d["final_written_warning_in_force"],
            several_unconnected=d["several_unconnected"],
            exceptional_circumstances=d["exceptional_circumstances"],
        ),
        about="subject",
        explain=_explain_outcome,
    ),
    _S.RPRP: StepPage(
        f.RprpForm,
        "Begin reflective practice",
        "Begin it",
        lambda u, c, t, d: path.start_rprp(
            u, _subject(t), actions=_rprp_actions(d), review_on=d["review_on"], reason=d["reason"]
        ),
        about="subject",
    ),
    _S.RPRP_REVIEW: StepPage(
        f.RprpReviewForm,
        "Review reflective practice",
        "Record the review",
        lambda u, c, t, d: path.review_rprp(
            u, _subject(t), completed=d["completed"], reason=d["reason"]
        ),
        about="subject",
    ),
    _S.LEFT_SERVICE: StepPage(
        f.LeftServiceForm,
        "Record a subject leaving the service",
        "Record it",
        lambda u, c, t, d: path.record_leaving(
            u, _subject(t), left_on=d["left_on"], how=d["how"], reason=d["reason"]
        ),
        about="subject",
        explain=_explain_left,
    ),
    _S.APPEAL: StepPage(
        f.AppealForm,
        "Record an appeal",
        "Record the appeal",
        lambda u, c, t, d: path.lodge_appeal(
            u, _subject(t), lodged_on=d["lodged_on"], grounds=d["grounds"]
        ),
        about="subject",
    ),
    _S.APPEAL_DECIDED: StepPage(
        f.AppealDecidedForm,
        "Record an appeal's result",
        "Record the result",
        lambda u, c, t, d: path.decide_appeal(
            u,
            _subject(t),
            allowed=d["allowed"],
            reason=d["reason"],
            outcome=d["outcome"] or None,
            exceptional_circumstances=_bool_or_none(d["exceptional_circumstances"]),
        ),
        about="subject",
    ),
    _S.LIST_REPORT: StepPage(
        f.ListReportForm,
        "Send a list report",
        "Record it as sent",
        lambda u, c, t, d: path.send_list_report(u, _report(t), d["sent_on"]),
        about="report",
        explain=_explain_list_report,
        reason_kept=False,
    ),
    _S.CLOSURE: StepPage(
        f.ClosureForm,
        "Close the case",
        "Close the case",
        lambda u, c, t, d: path.close_case(u, c, d["reason"]),
        explain=_explain_closure,
    ),
}
# Steps whose page has its own partial saying what the rules require.
EXPLAINED = frozenset(step for step, page in PAGES.items() if page.explain is not None)


def _report(target: Target) -> ListReport:
    if target.report is None:
        raise ValidationError("choose a list report of this case that is to be sent")
    return target.report


def _subject_choices(case: Case) -> list[tuple[str, str]]:
    found = []
    for subject in case.subjects.select_related("user"):
        shown = show_subject(subject)
        words = " · ".join(p for p in (shown.name, shown.role, shown.unit) if p)
        found.append((str(subject.pk), words))
    return found


def _report_choices(case: Case) -> list[tuple[str, str]]:
    found = []
    for report in case.list_reports.filter(status=ListReport.Status.DUE).select_related("subject"):
        due = f", due {report.due_on:%d %B %Y}" if report.due_on else ""
        found.append(
            (
                str(report.pk),
                f"{report.list_type} list: {report.get_action_display().lower()} — "
                f"{show_subject(report.subject).name}{due}",
            )
        )
    return found


def _target(page: StepPage, case: Case, form: forms.Form, request: HttpRequest) -> Target:
    """Return what the step is about: as posted, else as the link asked, else the only one."""
    field = {"subject": "subject", "report": "report"}.get(page.about)
    if field is None:
        return Target()
    choices = [value for value, _ in form.fields[field].choices]  # type: ignore[attr-defined]
    wanted = form.data.get(field) if form.is_bound else request.GET.get(field)
    if wanted not in choices:
        wanted = choices[0] if len(choices) == 1 else None
    if not form.is_bound and wanted:
        form.initial[field] = wanted
    if wanted is None:
        return Target()
    if page.about == "subject":
        return Target(subject=CaseSubject.objects.select_related("user").get(pk=wanted, case=case))
    return Target(report=ListReport.objects.select_related("subject").get(pk=wanted, case=case))


@staff_view
@require_http_methods(["GET", "POST"])
def take_step(request: HttpRequest, reference: str, step: str) -> HttpResponse:
    """Show one step's form with what the rules require; take the step on POST."""
    user = request_user(request)
    case = get_case_for_user(user, reference)
    page = PAGES.get(step)
    if page is None:
        raise Http404("no such step")
    why = may_take_step(user, case, step)
    if why is not None:
        raise PermissionDenied(why)
    data = request.POST if request.method == "POST" else None
    kwargs: dict[str, Any] = {"case": case, "subjects": _subject_choices(case)}
    if page.about == "report":
        kwargs["reports"] = _report_choices(case)
    form = page.form(data, **kwargs)
    target = _target(page, case, form, request)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            try:
                done = page.run(user, case, target, form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _words(exc))
            else:
                summary = done.summary if isinstance(done, Decision) else Decision.Step(step).label
                messages.success(request, f"{summary}. It is on the case's timeline.")
                return redirect("cases:detail", reference=case.reference)
    explained: dict[str, Any] = {}
    if page.explain is not None:
        try:
            explained = page.explain(request, user, case, target, form)
        except ValidationError as exc:
            explained = {"rules_error": _words(exc)}
    context = {
        "case": case,
        "step": step,
        "page": page,
        "form": form,
        "target": target,
        "shown_subject": show_subject(target.subject) if target.subject else None,
        "explained": explained,
        "partial": f"cases/steps/{step}.html" if step in EXPLAINED else None,
        "today": timezone.localdate(),
    }
    response = render(request, "cases/step.html", context, status=status)
    response["X-Personal-Data"] = "1"
    return response
