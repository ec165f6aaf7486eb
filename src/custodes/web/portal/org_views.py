"""A support organisation's pages: sign-in with two factors, its reports, a report, a new one.

A worker signs in with their account name, password and a 6-digit code from their
authenticator (`actions.check_organisation_sign_in`: a code works once). A wrong name, a wrong
password and a wrong or used code all get the same refusal, after the same work. Attempts are
throttled in memory (`throttle`): per account name tried, and for all names together; never
by the client's address.

The session (a signed cookie, idle expiry by the portal's settings) holds only the account's
id. Every page reads the account afresh: a disabled account, or an organisation that may no
longer report, is signed out at its next request. An account sees every report of its own
organisation (any of its accounts), and no other: any other reference is a 404, the same as a
reference that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from custodes.web.portal import actions, throttle
from custodes.web.portal.forms import FollowUpForm
from custodes.web.portal.models import (
    Category,
    Channel,
    OrganisationAccount,
    Report,
    Status,
)
from custodes.web.portal.org_forms import ORG_REFERENCE_FIELD, OrgReportForm, OrgSignInForm
from custodes.web.portal.views import STATUS_WORDS, CappedMemoryUpload

__all__ = [
    "ACCOUNT_KEY",
    "org_report",
    "org_report_new",
    "org_reports",
    "org_sign_in",
    "org_sign_out",
    "organisation_reports",
]

# The session's one key: the signed-in account's id.
ACCOUNT_KEY = "portal_org_account"
_NOTICE_KEY = "portal_org_notice"

# Attempts per account name tried, and for all names together, in their windows (seconds).
PER_NAME = (5, 900)
ALL_NAMES = (60, 60)

REFUSED = _(
    "We could not sign you in. Check your account name, your password and the code from your "
    "authenticator app, then try again with a new code."
)
THROTTLED = _(
    "There have been too many attempts to sign in just now. Wait 15 minutes, then try again "
    "with a new code from your authenticator app."
)


def _signed_in(request: HttpRequest) -> OrganisationAccount | None:
    """Return the session's account if it may still sign in; otherwise end the session."""
    value = request.session.get(ACCOUNT_KEY)
    if value is None:
        return None
    account = (
        OrganisationAccount.objects.select_related("organisation")
        .filter(pk=value if isinstance(value, int) else -1)
        .first()
    )
    if account is None or not account.active or not account.organisation.active:
        request.session.flush()
        return None
    return account


def _sign_in_page() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("portal:org-sign-in"))


def organisation_reports(account: OrganisationAccount) -> list[Report]:
    """Return the reports an account follows (`actions.organisation_reports`: on PostgreSQL,
    read through the portal role's function, never a query of the reports table)."""
    return [
        r
        for r in actions.organisation_reports(account)
        if r.channel == Channel.ORGANISATION and r.status != Status.EXPIRED
    ]


def _report_for(account: OrganisationAccount, reference: str) -> Report:
    """Fetch and authorise in one: the organisation's report, or 404 as for a missing one."""
    for report in organisation_reports(account):
        if report.reference == reference:
            return report
    raise Http404


@require_http_methods(["GET", "HEAD", "POST"])
def org_sign_in(request: HttpRequest) -> HttpResponse:
    """Sign in with account name, password and the authenticator's code."""
    context: dict[str, Any] = {"title": _("Sign in for support organisations")}
    if request.method != "POST":
        if _signed_in(request) is not None:
            return HttpResponseRedirect(reverse("portal:org-reports"))
        context["form"] = OrgSignInForm()
        context["notice"] = request.session.pop(_NOTICE_KEY, "")
        return render(request, "portal/org/sign_in.html", context)
    form = OrgSignInForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "portal/org/sign_in.html", context, status=400)
    name = form.cleaned_data["username"].strip().lower()[:150]
    # Both budgets count every attempt, whatever its outcome and whether the name exists.
    per_name = throttle.allow("portal-org-sign-in", f"name:{name}", *PER_NAME)
    overall = throttle.allow("portal-org-sign-in", "all", *ALL_NAMES)
    if not (per_name and overall):
        form.add_error(None, THROTTLED)
        return render(request, "portal/org/sign_in.html", context, status=429)
    account = actions.check_organisation_sign_in(
        name, form.cleaned_data["password"], form.cleaned_data["code"]
    )
    if account is None:
        form.add_error(None, REFUSED)
        return render(request, "portal/org/sign_in.html", context, status=400)
    # A new session: nothing of a visit before the sign-in (a reporter's open report) carries.
    request.session.flush()
    request.session[ACCOUNT_KEY] = account.pk
    return HttpResponseRedirect(reverse("portal:org-reports"))


@require_POST
@csrf_protect
def org_sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out: the session ends and the browser is told to forget the site."""
    request.session.flush()
    response = render(request, "portal/org/signed_out.html", {"title": _("You have signed out")})
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


def _status_words(report: Report) -> Any:
    words: dict[str, Any] = {str(k): v for k, v in STATUS_WORDS.items()}
    return words.get(report.status, report.get_status_display())


def _category_words() -> dict[str, Any]:
    from custodes.web.portal.forms import CATEGORY_CHOICES

    words: dict[str, Any] = dict(Category.choices)
    words.update({value: label for value, label, _hint in CATEGORY_CHOICES})
    return words


@require_safe
def org_reports(request: HttpRequest) -> HttpResponse:
    """Every report of the organisation: reference, category, status, date, new replies."""
    account = _signed_in(request)
    if account is None:
        return _sign_in_page()
    categories = _category_words()
    rows = []
    reports = sorted(organisation_reports(account), key=lambda r: (r.received_on, r.reference))
    for report in reversed(reports):
        messages = actions.reporter_view(report)["messages"]
        # A reply is new until the organisation writes after it: the replies awaiting it.
        last_ours = max((m["number"] for m in messages if m["sender"] == "reporter"), default=0)
        new_replies = sum(
            1 for m in messages if m["sender"] == "handler" and m["number"] > last_ours
        )
        rows.append(
            {
                "reference": report.reference,
                "category": categories.get(report.category, report.category),
                "status": _status_words(report),
                "received_on": report.received_on,
                "new_replies": new_replies,
                "by_me": report.organisation_account_id == account.pk,
            }
        )
    return render(
        request,
        "portal/org/reports.html",
        {
            "title": _("Your organisation's reports"),
            "account": account,
            "rows": rows,
            "notice": request.session.pop(_NOTICE_KEY, ""),
        },
    )


def _memory_uploads(request: HttpRequest) -> None:
    # Before anything reads the body (the CSRF check does): files stay in memory, capped.
    request.upload_handlers = [CappedMemoryUpload(request)]


def _errors_onto(form: Any, error: ValidationError) -> None:
    """Put what portal.actions refused on the field it names (or on the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                if field in form.fields:
                    text = message if field == "files" else f"{_('This answer')} {message}."
                    form.add_error(field, text)
                else:
                    form.add_error(None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def org_report_new(request: HttpRequest) -> HttpResponse:
    """The organisation's report form, for a victim, with their consent."""
    _memory_uploads(request)
    return _org_report_new(request)


@csrf_protect
def _org_report_new(request: HttpRequest) -> HttpResponse:
    account = _signed_in(request)
    if account is None:
        return _sign_in_page()
    context: dict[str, Any] = {"title": _("Report for someone you support"), "account": account}
    if request.method != "POST":
        context["form"] = OrgReportForm()
        return render(request, "portal/org/report_form.html", context)
    form = OrgReportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "portal/org/report_form.html", context, status=400)
    try:
        submitted = actions.submit_report(
            channel=Channel.ORGANISATION,
            mode=form.cleaned_data["mode"],
            category=form.cleaned_data["category"],
            content=form.content(),
            files=form.cleaned_data["files"],
            organisation_account=account,
        )
    except ValidationError as error:
        _errors_onto(form, error)
        return render(request, "portal/org/report_form.html", context, status=400)
    # The organisation follows the report through its account: the receipt is not needed,
    # and is shown to nobody.
    request.session[_NOTICE_KEY] = "sent"
    return HttpResponseRedirect(
        reverse("portal:org-report", kwargs={"reference": submitted.report.reference})
    )


def _org_reference(content: dict[str, Any]) -> str:
    """The organisation's own case reference: its own answer, or the end of what happened."""
    if content.get(ORG_REFERENCE_FIELD):
        return str(content[ORG_REFERENCE_FIELD])
    marker = f"\n\n{_('Our case reference')}: "
    what = str(content.get("what_happened", ""))
    return what.rsplit(marker, 1)[1] if marker in what else ""


def _answers(content: dict[str, Any]) -> list[tuple[Any, str]]:
    """What was reported, each answer under the question the form asked."""
    form = OrgReportForm()
    how_met = dict(form.fields["how_met"].choices)  # type: ignore[attr-defined]
    out: list[tuple[Any, str]] = []
    for name, field in form.fields.items():
        value = content.get(name)
        if name in ("mode", "category", "files", "victim_consent", ORG_REFERENCE_FIELD):
            continue
        if isinstance(value, str) and value:
            out.append(
                (field.label, str(how_met.get(value, value)) if name == "how_met" else value)
            )
    if content.get("victim_consent"):
        out.append((_("Consent"), str(_("The person supported agreed to the report."))))
    return out


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def org_report(request: HttpRequest, reference: str) -> HttpResponse:
    """One of the organisation's reports: what was sent, replies; answer and add files."""
    _memory_uploads(request)
    return _org_report(request, reference)


@csrf_protect
def _org_report(request: HttpRequest, reference: str) -> HttpResponse:
    account = _signed_in(request)
    if account is None:
        return _sign_in_page()
    report = _report_for(account, reference)
    status = 200
    if request.method == "POST":
        form = FollowUpForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                actions.add_followup(report, form.cleaned_data["text"], form.cleaned_data["files"])
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                request.session[_NOTICE_KEY] = "answered"
                url = reverse("portal:org-report", kwargs={"reference": report.reference})
                return HttpResponseRedirect(url + "#messages")
        status = 400
    else:
        form = FollowUpForm()
    view = actions.reporter_view(report)
    content = view["content"]
    return render(
        request,
        "portal/org/report.html",
        {
            "title": _("Report %(reference)s") % {"reference": report.reference},
            "account": account,
            "report": view,
            "content": content,
            "org_reference": _org_reference(content),
            "category": _category_words().get(report.category, report.category),
            "status_words": _status_words(report),
            "messages": view["messages"],
            "answers": _answers(content),
            "form": form,
            "notice": request.session.pop(_NOTICE_KEY, ""),
        },
        status=status,
    )
