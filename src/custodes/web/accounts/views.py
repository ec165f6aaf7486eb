"""Sign in and sign out; the administrators' page for lock-outs and force user ids."""

from __future__ import annotations

import math

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from custodes.web.accounts.access import (
    get_account_for_admin,
    locked_accounts,
    locked_addresses,
    locked_other_names,
    require_account_admin,
    without_force_user_id,
)
from custodes.web.accounts.actions import set_force_user_id, unlock_address, unlock_name
from custodes.web.accounts.decorators import request_user, staff_view
from custodes.web.accounts.forms import AddressForm, ForceUserIdForm, SignInForm
from custodes.web.accounts.models import User
from custodes.web.accounts.signin import sign_in, sign_out_request
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.refused import Refused

__all__ = [
    "manage_view",
    "set_force_user_id_view",
    "sign_in_view",
    "sign_out_view",
    "unlock_account_view",
    "unlock_address_view",
]

NOT_RIGHT = "Those details are not right. Check them and try again."


def _next_page(request: HttpRequest) -> str:
    """Return where `?next=` asks to go after signing in, if it is on this site; else home."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url("home")


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def sign_in_view(request: HttpRequest) -> HttpResponse:
    """Show the sign-in form and sign the user in with password and TOTP code."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["username"]
        attempt = sign_in(
            request, name, form.cleaned_data["password"], form.cleaned_data["otp_token"]
        )
        if attempt.user is not None:
            return redirect(_next_page(request))
        if attempt.locks:
            now = timezone.now()
            locks = [
                (lock, math.ceil((lock.until - now).total_seconds() / 60)) for lock in attempt.locks
            ]
            context = {"locks": locks, "name": name, "address": attempt.address}
            return render(request, "accounts/locked_out.html", context, status=429)
        form.add_error(None, NOT_RIGHT)
    return render(request, "accounts/sign_in.html", {"form": form})


@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponse:
    """Sign the user out, on the trail."""
    sign_out_request(request)
    return redirect("accounts:login")


def _manage_page(
    request: HttpRequest,
    admin: User,
    failed: tuple[int, ForceUserIdForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    accounts = list(User.objects.order_by("username"))
    forms = {
        a.pk: ForceUserIdForm(
            initial={"force_user_id": a.force_user_id or ""}, auto_id=f"id_{a.pk}_%s"
        )
        for a in accounts
    }
    if failed is not None:
        forms[failed[0]] = failed[1]
    for account in accounts:
        # Named for screen readers; the row already shows whose it is.
        widget = forms[account.pk].fields["force_user_id"].widget
        widget.attrs["aria-label"] = f"Force user id of {account.username}"
    locked = locked_accounts()
    addresses = locked_addresses()
    missing = list(without_force_user_id())
    context = {
        "locked": locked,
        "addresses": addresses,
        "other_names": locked_other_names(),
        "rows": [(a, forms[a.pk]) for a in accounts],
        "missing": missing,
        "missing_ids": {a.pk for a in missing},
    }
    # What the page showed an administrator: which accounts and addresses were locked.
    record(
        admin.pk,
        Action.LIST,
        Subject.ACCOUNTS,
        "",
        changes={
            "locked": [lo.throttle.user_id for lo in locked],
            "addresses": [lo.throttle.key for lo in addresses],
        },
    )
    return render(request, "accounts/manage.html", context, status=status)


@staff_view
@require_http_methods(["GET"])
def manage_view(request: HttpRequest) -> HttpResponse:
    """Show administrators the lock-outs in force and every account's force user id."""
    admin = request_user(request)
    require_account_admin(admin)
    return _manage_page(request, admin)


@staff_view
@require_http_methods(["POST"])
def unlock_account_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Lift an account's lock-out; 404 as for a missing account."""
    admin = request_user(request)
    account = get_account_for_admin(admin, pk, purpose=Action.UNLOCK)
    if unlock_name(admin, account.username) is None:
        messages.info(request, f"{account.username} was not locked out.")
    else:
        messages.success(request, f"{account.username} may sign in again; the unlock is recorded.")
    return redirect("accounts:manage")


@staff_view
@require_http_methods(["POST"])
def unlock_address_view(request: HttpRequest) -> HttpResponse:
    """Lift an address's lock-out; 404 unless it is locked."""
    admin = request_user(request)
    require_account_admin(admin)
    form = AddressForm(request.POST)
    if not form.is_valid():
        raise Refused(Subject.ADDRESS, "", "not a network address", Action.UNLOCK)
    address = form.cleaned_data["address"]
    if unlock_address(admin, address) is None:
        raise Refused(Subject.ADDRESS, address, "not locked out", Action.UNLOCK)
    messages.success(request, f"Sign-ins from {address} are allowed again; the unlock is recorded.")
    return redirect("accounts:manage")


@staff_view
@require_http_methods(["POST"])
def set_force_user_id_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record or clear an account's force user id; 404 as for a missing account."""
    admin = request_user(request)
    account = get_account_for_admin(admin, pk, purpose=Action.UPDATE)
    form = ForceUserIdForm(request.POST, auto_id=f"id_{account.pk}_%s")
    if form.is_valid():
        try:
            set_force_user_id(admin, account, form.cleaned_data["force_user_id"])
        except ValidationError as exc:
            form.add_error("force_user_id", exc)
        else:
            value = account.force_user_id or "none"
            messages.success(request, f"{account.username}'s force user id is now {value}.")
            return redirect("accounts:manage")
    return _manage_page(request, admin, (account.pk, form), status=400)
