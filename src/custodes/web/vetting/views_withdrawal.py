"""Pages for withdrawal assessments, appeals and transferees: each record with its stages and
one form for its next step. Thin: every read goes through `access`, every write through an
action (`withdrawal`, `transfers`), whose refusals are shown above the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from custodes.caserules import load_vetting
from custodes.errors import CustodesError
from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.models import User
from custodes.web.needtoknow.charts import Charts
from custodes.web.registry.models import Candidate
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.vetting.access import (
    get_appeal_for_user,
    get_clearance_for_user,
    get_transfer_for_user,
    get_withdrawal_for_user,
    may_use_vetting,
    transfers_for_user,
    withdrawals_for_user,
)
from custodes.web.vetting.forms_withdrawal import (
    AppealDecisionForm,
    AppealForm,
    BeginForm,
    DecisionForm,
    NoticeForm,
    RecordForm,
    RepresentationsForm,
    TransferForm,
)
from custodes.web.vetting.models import Appeal, Clearance, Transfer, Withdrawal
from custodes.web.vetting.transfers import (
    receive_record,
    recheck_transfer,
    record_transfer,
    transfer_status,
)
from custodes.web.vetting.withdrawal import (
    Step,
    begin_withdrawal,
    decide_appeal,
    decide_withdrawal,
    lodge_appeal,
    next_step,
    record_representations,
    serve_notice,
)

__all__ = [
    "appeal_detail",
    "appeal_new",
    "transfer_detail",
    "transfer_list",
    "transfer_new",
    "transfer_recheck",
    "transfer_record",
    "withdrawal_begin",
    "withdrawal_detail",
    "withdrawal_list",
]

Form = Any  # one of the forms above


def _require_vetting(user: User) -> None:
    if not may_use_vetting(user):
        raise PermissionDenied("vetting is for vetting officers with a force user id")


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    # Names, grounds and representations about a member of staff: no cache may keep them.
    response["X-Personal-Data"] = "1"
    return response


def _refused(form: Form, exc: ValidationError | CustodesError | PermissionDenied) -> None:
    """Put an action's refusal above the form, in its own words."""
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(exc))


def _run(request: HttpRequest, form: Form, act: Callable[[dict[str, Any]], object]) -> bool:
    """Run a valid form through its action; False (errors on the form) if either refuses."""
    if not form.is_valid():
        return False
    try:
        done = act(form.cleaned_data)
    except (ValidationError, CustodesError) as exc:
        _refused(form, exc)
        return False
    return done is not None


# --- Withdrawal assessments ------------------------------------------------------------------

_STEP_FORMS: dict[str, type[Form]] = {
    Step.NOTICE: NoticeForm,
    Step.REPRESENTATIONS: RepresentationsForm,
    Step.DECISION: DecisionForm,
    Step.APPEAL: AppealForm,
    Step.APPEAL_DECISION: AppealDecisionForm,
}
_STEP_TITLES = {
    Step.NOTICE: "Serve the notice",
    Step.REPRESENTATIONS: "Record the officer's representations",
    Step.DECISION: "Decide",
    Step.APPEAL: "Record an appeal lodged",
    Step.APPEAL_DECISION: "Record the appeal's result",
}
_DONE = {
    Step.NOTICE: "Notice recorded as served. It is on the trail.",
    Step.REPRESENTATIONS: "Representations recorded. It is on the trail.",
    Step.DECISION: "Decision recorded. It is on the trail.",
    Step.APPEAL: "Appeal recorded as lodged. It is on the trail.",
    Step.APPEAL_DECISION: "Appeal's result recorded. It is on the trail.",
}


def _initial(step: str) -> dict[str, Any]:
    today = timezone.localdate()
    field = {
        Step.NOTICE: "served_on",
        Step.REPRESENTATIONS: "on",
        Step.DECISION: "decided_on",
        Step.APPEAL: "lodged_on",
        Step.APPEAL_DECISION: "heard_on",
    }[step]
    return {field: today}


def _take_step(user: User, withdrawal: Withdrawal, step: str, data: dict[str, Any]) -> object:
    """Run the action for the assessment's next step with the form's data."""
    if step == Step.NOTICE:
        return serve_notice(
            user,
            withdrawal,
            grounds=data["grounds"],
            police_friend_told=data["police_friend_told"],
            harm_test_applied=data["harm_test_applied"],
            harm_test_grounds=data["harm_test_grounds"],
            served_on=data["served_on"],
        )
    if step == Step.REPRESENTATIONS:
        return record_representations(
            user, withdrawal, made=data["made"], summary=data["summary"], on=data["on"]
        )
    if step == Step.DECISION:
        return decide_withdrawal(
            user,
            withdrawal,
            Withdrawal.Outcome(data["outcome"]),
            data["reason"],
            decided_on=data["decided_on"],
        )
    appeal = Appeal.objects.filter(withdrawal=withdrawal).first()
    if step == Step.APPEAL:
        decision = withdrawal.withdrawn_clearance
        if decision is None:
            raise ValidationError("only a withdrawal can be appealed")
        return lodge_appeal(user, decision, data["grounds"], lodged_on=data["lodged_on"])
    if appeal is None:
        raise ValidationError("no appeal is recorded")
    return decide_appeal(
        user,
        appeal,
        upheld=data["result"] == Appeal.Result.UPHELD,
        reason=data["reason"],
        heard_on=data["heard_on"],
    )


def _withdrawal_page(
    request: HttpRequest, withdrawal: Withdrawal, form: Form | None = None, status: int = 200
) -> HttpResponse:
    step = next_step(withdrawal, recordable=True)
    if form is None and step is not None:
        form = _STEP_FORMS[step](initial=_initial(step))
    context = {
        "withdrawal": withdrawal,
        "clearance": withdrawal.clearance,
        "appeal": Appeal.objects.filter(withdrawal=withdrawal).first(),
        "step": step,
        "step_title": _STEP_TITLES.get(step or ""),
        # The period is over: only an appeal lodged by its last day may still be recorded.
        "late": step == Step.APPEAL and next_step(withdrawal) is None,
        "form": form,
        "periods": {
            "representations": load_vetting().period("representations"),
            "appeal": load_vetting().period("withdrawal-appeal"),
        },
        "stages": list(Withdrawal.Stage),
        "reached": list(Withdrawal.Stage).index(Withdrawal.Stage(withdrawal.stage)),
    }
    return _page(request, "vetting/withdrawal/detail.html", context, status)


@staff_view
@require_http_methods(["GET"])
def withdrawal_list(request: HttpRequest) -> HttpResponse:
    """List the withdrawal assessments the user may see, with each one's next step."""
    user = request_user(request)
    _require_vetting(user)
    found = list(withdrawals_for_user(user, Charts()).select_related("clearance")[:500])
    rows = [(w, next_step(w)) for w in found]
    shown = {"shown": [w.pk for w in found]}
    record(user.pk, Action.LIST, Subject.WITHDRAWALS, "all", changes=shown)
    return _page(request, "vetting/withdrawal/list.html", {"rows": rows, "titles": _STEP_TITLES})


@staff_view
@require_http_methods(["GET", "POST"])
def withdrawal_begin(request: HttpRequest, pk: int) -> HttpResponse:
    """Begin a withdrawal assessment of a clearance; 404 unless the user may see it."""
    user = request_user(request)
    purpose = Action.VETTING_WITHDRAWAL if request.method == "POST" else Action.READ
    clearance = get_clearance_for_user(user, pk, purpose=purpose)
    form = BeginForm(request.POST or None, initial={"begun_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                withdrawal = begin_withdrawal(
                    user, clearance, data["reason"], begun_on=data["begun_on"]
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, "Withdrawal assessment begun. It is on the trail.")
                return redirect("vetting_withdrawal:withdrawal", pk=withdrawal.pk)
    context = {"clearance": clearance, "form": form}
    return _page(request, "vetting/withdrawal/begin.html", context, status)


@staff_view
@require_http_methods(["GET", "POST"])
def withdrawal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an assessment's stages and the form for its next step; take that step on POST."""
    user = request_user(request)
    if request.method != "POST":
        return _withdrawal_page(request, get_withdrawal_for_user(user, pk))
    withdrawal = get_withdrawal_for_user(user, pk)
    step = next_step(withdrawal, recordable=True)
    posted = request.POST.get("step", "")
    if step is None or posted != step:
        # A form from a page opened before someone else took the step: say so, show it now.
        messages.error(
            request,
            "That step is not the assessment's next one (taken already, or not yet due): "
            "the page shows where it stands now.",
        )
        return _withdrawal_page(request, withdrawal, status=409)
    form = _STEP_FORMS[step](request.POST)
    if _run(request, form, lambda data: _take_step(user, withdrawal, step, data)):
        messages.success(request, _DONE[step])
        return redirect("vetting_withdrawal:withdrawal", pk=withdrawal.pk)
    withdrawal.refresh_from_db()
    return _withdrawal_page(request, withdrawal, form=form, status=400)


# --- Appeals against a refusal (a withdrawal's appeal is on its assessment's page) -----------


@staff_view
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an appeal lodged against a refused (or withdrawn) clearance."""
    user = request_user(request)
    purpose = Action.VETTING_APPEAL if request.method == "POST" else Action.READ
    clearance = get_clearance_for_user(user, pk, purpose=purpose)
    withdrawal = Withdrawal.objects.filter(withdrawn_clearance=clearance).first()
    if withdrawal is not None:
        # Appealed on the assessment's page, where its period is shown with its stages.
        return redirect("vetting_withdrawal:withdrawal", pk=withdrawal.pk)
    existing = Appeal.objects.filter(decision=clearance).first()
    if existing is not None:
        return redirect("vetting_withdrawal:appeal", pk=existing.pk)
    form = AppealForm(request.POST or None, initial=_initial(Step.APPEAL))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal = lodge_appeal(user, clearance, data["grounds"], lodged_on=data["lodged_on"])
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _DONE[Step.APPEAL])
                return redirect("vetting_withdrawal:appeal", pk=appeal.pk)
    rules = load_vetting()
    withdrawn = clearance.status == Clearance.Status.WITHDRAWN
    kind = "withdrawal-appeal" if withdrawn else "refusal-appeal"
    decided = timezone.localdate(clearance.decided_at)
    context = {
        "clearance": clearance,
        "form": form,
        "period": rules.period(kind),
        "due": rules.period_ends(kind, decided),
        "appealable": clearance.status in (Clearance.Status.REFUSED, Clearance.Status.WITHDRAWN),
    }
    return _page(request, "vetting/withdrawal/appeal_new.html", context, status)


@staff_view
@require_http_methods(["GET", "POST"])
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an appeal and, until it has one, the form for its result."""
    user = request_user(request)
    purpose = Action.VETTING_APPEAL_DECIDED if request.method == "POST" else Action.READ
    appeal = get_appeal_for_user(user, pk, purpose=purpose)
    if appeal.withdrawal_id is not None and request.method != "POST":
        return redirect("vetting_withdrawal:withdrawal", pk=appeal.withdrawal_id)
    form: Form | None = None
    status = 200
    if not appeal.result:
        form = AppealDecisionForm(request.POST or None, initial=_initial(Step.APPEAL_DECISION))
    if request.method == "POST":
        status = 400
        if form is None:
            messages.error(request, "The appeal's result is recorded already.")
            return redirect("vetting_withdrawal:appeal", pk=appeal.pk)
        decided = _run(
            request,
            form,
            lambda data: decide_appeal(
                user,
                appeal,
                upheld=data["result"] == Appeal.Result.UPHELD,
                reason=data["reason"],
                heard_on=data["heard_on"],
            ),
        )
        if decided:
            messages.success(request, _DONE[Step.APPEAL_DECISION])
            return redirect("vetting_withdrawal:appeal", pk=appeal.pk)
    context = {"appeal": appeal, "form": form}
    return _page(request, "vetting/withdrawal/appeal.html", context, status)


# --- Transferees ------------------------------------------------------------------------------


@staff_view
@require_http_methods(["GET"])
def transfer_list(request: HttpRequest) -> HttpResponse:
    """List the transferees the user may see, soonest start first, each with where it stands."""
    user = request_user(request)
    _require_vetting(user)
    today = timezone.localdate()
    found = list(transfers_for_user(user, Charts()).select_related("screening")[:500])
    rows = [(t, transfer_status(t, today)) for t in found]
    record(user.pk, Action.LIST, Subject.TRANSFERS, "all", changes={"shown": [t.pk for t in found]})
    late = sum(1 for _, s in rows if s.state == "not cleared before start")
    return _page(request, "vetting/transfer/list.html", {"rows": rows, "late": late})


@staff_view
@require_http_methods(["GET", "POST"])
def transfer_new(request: HttpRequest) -> HttpResponse:
    """Record an officer transferring in; the registry's check runs at once."""
    user = request_user(request)
    _require_vetting(user)
    form = TransferForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                transfer = record_transfer(
                    user,
                    first_name=data["first_name"],
                    middle_name=data["middle_name"],
                    last_name=data["last_name"],
                    birth_date=data["birth_date"],
                    birth_year=data["birth_year"],
                    sex=data["sex"],
                    former_force=data["former_force"],
                    former_staff_id=data["former_staff_id"],
                    force_user_id=data["force_user_id"] or None,
                    unit=data["unit"],
                    starts_on=data["starts_on"],
                    requested_on=data["requested_on"],
                )
            except (ValidationError, CustodesError, PermissionDenied) as exc:
                # Too close to the transferee (by their id here or their former force's): the
                # officer is told so on the form, as they are told of any other refusal.
                _refused(form, exc)
            else:
                # No names in the message: messages may travel in a cookie.
                messages.success(request, "Transfer recorded and checked against the registry.")
                return redirect("vetting_withdrawal:transfer", pk=transfer.pk)
    return _page(request, "vetting/transfer/new.html", {"form": form}, status)


def _transfer_page(
    request: HttpRequest, transfer: Transfer, form: Form | None = None, status: int = 200
) -> HttpResponse:
    candidates = []
    if transfer.screening is not None:
        candidates = list(
            Candidate.objects.filter(screening=transfer.screening).select_related("entry")
        )
    if form is None and transfer.record_received_on is None:
        form = RecordForm(initial={"received_on": timezone.localdate()})
    context = {
        "transfer": transfer,
        "status": transfer_status(transfer),
        "candidates": candidates,
        "form": form,
    }
    return _page(request, "vetting/transfer/detail.html", context, status)


@staff_view
@require_http_methods(["GET"])
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a transfer: the check and its candidates, the record, the task, where it stands."""
    user = request_user(request)
    return _transfer_page(request, get_transfer_for_user(user, pk))


@staff_view
@require_http_methods(["POST"])
def transfer_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    """Check the transferee against the registry again."""
    user = request_user(request)
    transfer = get_transfer_for_user(user, pk, purpose=Action.VETTING_TRANSFER_CHECK)
    recheck_transfer(user, transfer)
    messages.success(request, "Checked against the registry again. It is on the trail.")
    return redirect("vetting_withdrawal:transfer", pk=transfer.pk)


@staff_view
@require_http_methods(["POST"])
def transfer_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the former force's vetting record received."""
    user = request_user(request)
    transfer = get_transfer_for_user(user, pk, purpose=Action.VETTING_TRANSFER_RECORD)
    form = RecordForm(request.POST)
    received = _run(
        request,
        form,
        lambda data: receive_record(user, transfer, data["note"], received_on=data["received_on"]),
    )
    if received:
        messages.success(request, "Vetting record recorded as received. It is on the trail.")
        return redirect("vetting_withdrawal:transfer", pk=transfer.pk)
    transfer.refresh_from_db()
    return _transfer_page(request, transfer, form=form, status=400)
