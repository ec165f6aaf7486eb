"""Declaring changes of circumstance: a member of staff's own page, and one declaration.

Anyone signed in whose account has an id in the force's systems declares changes of their own
circumstances here and sees the declarations they made, never anyone else's. A declaration's
page opens to its declarer and, through need-to-know, to a vetting officer (its task's reader);
to anyone else it is a 404, as for one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.vetting.access import declarations_of, get_declaration_for_user, may_declare
from custodes.web.vetting.actions import declaration_details, declare
from custodes.web.vetting.forms_declare import DeclarationForm
from custodes.web.vetting.models import VettingTask

__all__ = ["declaration_detail", "declare_page"]


def _add(form: DeclarationForm, exc: ValidationError) -> None:
    """Put a validation error's messages on the fields it names, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _personal(response: HttpResponse) -> HttpResponse:
    response["X-Personal-Data"] = "1"
    return response


@staff_view
@require_http_methods(["GET", "POST"])
def declare_page(request: HttpRequest) -> HttpResponse:
    """Declare a change of one's own circumstances; list the declarations one made."""
    user = request_user(request)
    if not may_declare(user):
        raise PermissionDenied("declaring needs your id in the force's systems on your account")
    status = 200
    if request.method == "POST":
        form = DeclarationForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                declare(
                    user,
                    data["kind"],
                    data["details"],
                    associate_person_id=data["associate_person_id"],
                    association=data["association"],
                    changed_on=data["changed_on"],
                )
            except ValidationError as exc:
                _add(form, exc)
            else:
                messages.success(
                    request, "Declared. The vetting unit has it; the declaration is on the trail."
                )
                return redirect("vetting-declare:page")
    else:
        form = DeclarationForm()
    mine = list(declarations_of(user))
    record(
        user.pk,
        Action.LIST,
        Subject.DECLARATION,
        "",
        changes={"declarations": [str(d.pk) for d in mine]},
    )
    return _personal(
        render(
            request,
            "vetting/declare/page.html",
            {"form": form, "declarations": mine},
            status=status,
        )
    )


@staff_view
@require_http_methods(["GET"])
def declaration_detail(request: HttpRequest, pk: object) -> HttpResponse:
    """Show one declaration to its declarer or a vetting officer who may see it; else 404."""
    user = request_user(request)
    declaration = get_declaration_for_user(user, pk)
    own = declaration.user_id == user.pk
    # The task is shown to a vetting officer, never to the declarer: nobody sees a re-vetting
    # task about themselves (and row-level security shows them none).
    task = None
    if not own:
        task = VettingTask.objects.filter(
            trigger=VettingTask.Trigger.DECLARATION,
            source_type="declaration",
            source_id=str(declaration.pk),
        ).first()
    context = {
        "declaration": declaration,
        "details": declaration_details(user, declaration),
        "task": task,
        "own": own,
    }
    return _personal(render(request, "vetting/declare/detail.html", context))
