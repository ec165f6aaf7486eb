"""Registry pages: search the lists, check an applicant, review matches and screen rosters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from custodes.errors import CustodesError
from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.models import User
from custodes.web.registry.access import (
    candidates_for_user,
    get_candidate_for_user,
    get_entry_for_user,
    get_roster_for_user,
    get_screening_for_user,
    may_review,
    may_use_registry,
    screenings_for_user,
)
from custodes.web.registry.actions import (
    check_applicant,
    decide_candidate,
    screen_roster,
)
from custodes.web.registry.forms import CheckForm, DecisionForm, SearchForm
from custodes.web.registry.models import Candidate, Entry, ListImport, Roster, Screening
from custodes.web.registry.searches import SEARCH_ACTION, SEARCH_SUBJECT, search_terms
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused

__all__ = [
    "check",
    "decide",
    "entry_detail",
    "import_detail",
    "roster_list",
    "roster_screen",
    "screening_detail",
    "screening_queue",
    "search",
]

PAGE = 50
IMPORTS_SHOWN = 20
# The most of a search box's text made into pseudonyms for the trail.
SEARCH_TEXT_KEPT = 1000
FILTERS = ("jurisdiction", "list_type", "reason_category", "status")
# The two decisions on a candidate, as they appear in URLs: the button's words, the label of
# its reason, whether it says "the same person", and what the reviewer is told once it is done.
DECISIONS: dict[str, tuple[str, str, bool, str]] = {
    "confirm": (
        "Same person — confirm",
        "Why they are the same person",
        True,
        "Confirmed as the same person; your reason is recorded.",
    ),
    "reject": (
        "Not the same person — reject",
        "Why they are not the same person",
        False,
        "Rejected as not the same person; your reason is recorded.",
    ),
}
NONE = "—"


def _require_registry(user: User) -> None:
    if not may_use_registry(user):
        raise PermissionDenied("the registry is for vetting and counter-corruption staff")


def _require_review(user: User) -> None:
    if not may_review(user):
        raise PermissionDenied("checks and match reviews are for vetting officers")


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    personal: bool = True,
) -> HttpResponse:
    user = request_user(request)
    response = render(request, template, {**context, "reviewer": may_review(user)}, status=status)
    if personal:
        # Names of listed officers, applicants and staff: no cache may keep them.
        response["X-Personal-Data"] = "1"
    return response


def _get_import_for_user(user: User, pk: int) -> ListImport:
    # Whoever may search the registry may see how its lists were read, rejected rows included.
    if not may_use_registry(user):
        raise Refused(Subject.LIST_IMPORT, pk, "does not use the registry")
    try:
        return ListImport.objects.select_related("imported_by").get(pk=pk)
    except ListImport.DoesNotExist:
        raise Refused(Subject.LIST_IMPORT, pk, "no such import") from None


def _found(form: SearchForm) -> QuerySet[Entry]:
    # Only the fields that validate are kept in cleaned_data: a bad filter is left out.
    form.is_valid()
    data = form.cleaned_data
    entries = Entry.objects.prefetch_related("services")
    for term in (data.get("q") or "").split():
        entries = entries.filter(
            Q(last_name__icontains=term)
            | Q(first_name__icontains=term)
            | Q(middle_name__icontains=term)
            | Q(other_names__icontains=term)
        )
    for name in FILTERS:
        if data.get(name):
            entries = entries.filter(**{name: data[name]})
    return entries


@staff_view
@require_http_methods(["GET"])
def search(request: HttpRequest) -> HttpResponse:
    """Search the registry by name and filters, and list the imports it was made from."""
    user = request_user(request)
    _require_registry(user)
    jurisdictions = Entry.objects.order_by("jurisdiction").values_list("jurisdiction", flat=True)
    form = SearchForm(request.GET, jurisdictions=list(jurisdictions.distinct()))
    page = Paginator(_found(form), PAGE).get_page(request.GET.get("page"))
    imports = list(ListImport.objects.select_related("imported_by")[:IMPORTS_SHOWN])
    data = form.cleaned_data
    record(
        user.pk,
        SEARCH_ACTION,
        SEARCH_SUBJECT,
        "",
        changes={
            # What was typed, as pseudonyms even where the form refused it: a search for a
            # name says who the searcher was looking for, and may be anyone's name.
            "terms": search_terms(request.GET.get("q", "")[:SEARCH_TEXT_KEPT]),
            "filters": {name: data[name] for name in FILTERS if data.get(name)},
            "page": page.number,
            "entries": [entry.pk for entry in page.object_list],
            "imports": [imported.pk for imported in imports],
        },
    )
    context = {"form": form, "page": page, "imports": imports, "imports_shown": IMPORTS_SHOWN}
    return _page(request, "registry/search.html", context)


@staff_view
@require_http_methods(["GET"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one list import and every row it rejected, with line and why; 404 otherwise."""
    user = request_user(request)
    imported = _get_import_for_user(user, pk)
    record(
        user.pk,
        Action.READ,
        Subject.LIST_IMPORT,
        imported.pk,
        changes={"rejected": len(imported.rejected)},
    )
    return _page(request, "registry/import.html", {"imported": imported})


@staff_view
@require_http_methods(["GET"])
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one entry as its list gives it, and the matches naming it the user may review."""
    user = request_user(request)
    entry = get_entry_for_user(user, pk)
    candidates = [c for c in candidates_for_user(user) if c.entry_id == entry.pk]
    shown = [c.pk for c in candidates]
    record(user.pk, Action.READ, Subject.REGISTRY_ENTRY, entry.pk, changes={"candidates": shown})
    context = {"entry": entry, "extra": sorted(entry.extra.items()), "candidates": candidates}
    return _page(request, "registry/entry.html", context)


@staff_view
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Check one applicant against the whole registry; the candidates wait for review."""
    user = request_user(request)
    _require_review(user)
    if request.method != "POST":
        return _page(request, "registry/check.html", {"form": CheckForm()}, personal=False)
    form = CheckForm(request.POST)
    if form.is_valid():
        try:
            screening = check_applicant(user, form.applicant())
        except CustodesError as exc:
            form.add_error(None, str(exc))
        else:
            # No names in the message: messages may travel in a cookie.
            messages.success(
                request, f"Checked against {screening.entries:,} entries: {_found_text(screening)}"
            )
            return redirect("registry:screening", pk=screening.pk)
    return _page(request, "registry/check.html", {"form": form}, status=400)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _found_text(screening: Screening) -> str:
    """Say what a check found, likely and weaker, in words that name nobody."""
    likely = screening.candidates.filter(strength=Candidate.Strength.LIKELY).count()
    weaker = screening.candidates.filter(strength=Candidate.Strength.WEAKER).count()
    weaker_text = _plural(weaker, "weaker candidate", "weaker candidates")
    if likely:
        text = f"{_plural(likely, 'likely candidate', 'likely candidates')} to review"
        if weaker:
            text += f", and {weaker_text} (the names agree; too little else is known)"
        return f"{text}."
    if weaker:
        return (
            f"no candidate above p={screening.threshold:.2f}, but {weaker_text} to review: "
            "an entry whose names agree, with too little else known to say more."
        )
    return f"no candidate above p={screening.threshold:.2f}, and no entry whose names agree."


@staff_view
@require_http_methods(["GET"])
def screening_queue(request: HttpRequest) -> HttpResponse:
    """List the matches waiting for review, likely then weaker, and the screenings."""
    user = request_user(request)
    _require_review(user)
    pending = candidates_for_user(user, status=Candidate.Status.PENDING)
    # Counted from what the reviewer may see: a match kept from them must not show as a number.
    to_review = Counter(c.screening_id for c in pending)
    screenings = screenings_for_user(user)
    runners = dict(
        User.objects.filter(pk__in={s.run_by_id for s in screenings}).values_list("pk", "username")
    )
    likely = Paginator([c for c in pending if c.likely], PAGE).get_page(request.GET.get("page"))
    weaker = Paginator([c for c in pending if not c.likely], PAGE).get_page(
        request.GET.get("weaker")
    )
    record(
        user.pk,
        Action.LIST,
        Subject.REGISTRY_QUEUE,
        "",
        changes={
            "page": likely.number,
            "candidates": [c.pk for c in likely.object_list],
            "weaker_page": weaker.number,
            "weaker": [c.pk for c in weaker.object_list],
            "screenings": [s.pk for s in screenings],
        },
    )
    context = {
        "page": likely,
        "weaker": weaker,
        "screenings": [
            (s, runners.get(s.run_by_id) if s.run_by_id else None, to_review[s.pk])
            for s in screenings
        ],
    }
    return _page(request, "registry/screenings.html", context)


@dataclass(frozen=True)
class ShownCandidate:
    """A candidate as its screening's page shows it."""

    candidate: Candidate
    why: list[str]
    compared: list[tuple[str, str, str]]
    forms: list[tuple[str, str, str, DecisionForm]]


def _joined(values: object, sep: str = ", ") -> str:
    if isinstance(values, list | tuple):
        return sep.join(str(v) for v in values if v) or NONE
    return str(values) if values else NONE


def _compared(candidate: Candidate) -> list[tuple[str, str, str]]:
    """Return the checked person's details beside the entry's, field by field."""
    person, entry = candidate.person, candidate.entry
    services = list(entry.services.all())
    name = " ".join(
        str(person[k]) for k in ("first_name", "middle_name", "last_name") if person.get(k)
    )
    return [
        ("Name", name or NONE, entry.full_name),
        ("Other names", _joined(person.get("other_names")), _joined(entry.other_names)),
        ("Birth date", _joined(person.get("birth_date")), _joined(entry.birth_date)),
        ("Birth year", _joined(person.get("birth_year")), _joined(entry.birth_year)),
        ("Sex", _joined(person.get("sex")), _joined(entry.sex)),
        ("Agency", _joined(person.get("agency")), _joined([s.agency for s in services], "; ")),
        ("Badges", _joined(person.get("badges")), _joined([s.badge for s in services])),
    ]


def _decision_forms(
    candidate: Candidate, failed: tuple[int, str, DecisionForm] | None
) -> list[tuple[str, str, str, DecisionForm]]:
    forms = []
    for action, (button, label, _, _) in DECISIONS.items():
        if failed is not None and failed[:2] == (candidate.pk, action):
            form = failed[2]
        else:
            form = DecisionForm(auto_id=f"id_{candidate.pk}_{action}_%s")
        forms.append((action, button, label, form))
    return forms


def _screening_page(
    request: HttpRequest,
    user: User,
    screening: Screening,
    failed: tuple[int, str, DecisionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    candidates = candidates_for_user(user, screening)
    prefetch_related_objects([c.entry for c in candidates], "services")
    prefetch_related_objects(candidates, "decided_by", "decided_on__decided_by")
    shown = [
        ShownCandidate(
            candidate=c,
            why=[part.strip() for part in c.explanation.split(";") if part.strip()],
            compared=_compared(c),
            forms=_decision_forms(c, failed) if c.status == Candidate.Status.PENDING else [],
        )
        for c in candidates
    ]
    # Who looked at matches about staff, and at which, is itself a record the trail keeps.
    record(
        user.pk,
        Action.READ,
        Subject.SCREENING,
        screening.pk,
        changes={"candidates": [c.pk for c in candidates]},
    )
    # Shown above the candidates too: a match decided meanwhile has no forms to show them in.
    problems = [] if failed is None else [str(e) for e in failed[2].non_field_errors()]
    context = {
        "screening": screening,
        "shown": [item for item in shown if item.candidate.likely],
        "weaker": [item for item in shown if not item.candidate.likely],
        "problems": problems,
    }
    return _page(request, "registry/screening.html", context, status=status)


@staff_view
@require_http_methods(["GET"])
def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one screening's candidates for review; 404 unless the user may review matches."""
    user = request_user(request)
    return _screening_page(request, user, get_screening_for_user(user, pk))


@staff_view
@require_http_methods(["GET"])
def candidate(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the reviewer to a candidate on its screening's page; 404 unless they may review it."""
    # Alerts name a candidate; its place to be reviewed is its screening, whose page records
    # the read, so the trail says here only that an alert was followed.
    found = get_candidate_for_user(request_user(request), pk, purpose=Action.FOLLOW_ALERT)
    url = reverse("registry:screening", kwargs={"pk": found.screening_id})
    return redirect(f"{url}#candidate-{found.pk}")


@staff_view
@require_http_methods(["POST"])
def decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Confirm or reject one candidate, with a reason; 404 unless the user may review it."""
    if action not in DECISIONS:
        raise Http404("No such action")
    user = request_user(request)
    candidate = get_candidate_for_user(user, pk)
    form = DecisionForm(request.POST, auto_id=f"id_{candidate.pk}_{action}_%s")
    _, _, same, done = DECISIONS[action]
    if form.is_valid():
        try:
            decide_candidate(user, candidate, same=same, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done)
            url = reverse("registry:screening", kwargs={"pk": candidate.screening_id})
            return redirect(f"{url}#candidate-{candidate.pk}")
    return _screening_page(
        request, user, candidate.screening, (candidate.pk, action, form), status=400
    )


@staff_view
@require_http_methods(["GET"])
def roster_list(request: HttpRequest) -> HttpResponse:
    """List the rosters held for screening, each with a button to screen it now."""
    user = request_user(request)
    _require_review(user)
    rosters = list(
        Roster.objects.select_related("loaded_by").annotate(
            size=Count("people", distinct=True), last_screened=Max("screenings__run_at")
        )
    )
    record(user.pk, Action.LIST, Subject.ROSTERS, "", changes={"rosters": [r.pk for r in rosters]})
    return _page(request, "registry/rosters.html", {"rosters": rosters}, personal=False)


@staff_view
@require_http_methods(["POST"])
def roster_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """Screen a held roster against the whole registry now; 404 unless the user may."""
    user = request_user(request)
    screening = screen_roster(user, get_roster_for_user(user, pk))
    found = candidates_for_user(user, screening)
    waiting = [c for c in found if c.status == Candidate.Status.PENDING]
    likely = sum(1 for c in waiting if c.likely)
    text = (
        f"Screened {screening.people:,} people against {screening.entries:,} entries: "
        f"{_plural(likely, 'likely candidate', 'likely candidates')} and "
        f"{_plural(len(waiting) - likely, 'weaker candidate', 'weaker candidates')} "
        "for you to review"
    )
    carried = len(found) - len(waiting)
    if carried:
        text += f"; {_plural(carried, 'pair', 'pairs')} already decided kept the decision"
    messages.success(request, f"{text}.")
    return redirect("registry:screening", pk=screening.pk)
