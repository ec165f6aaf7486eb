"""Sign in and sign out."""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from custodes.web.accounts.forms import SignInForm
from custodes.web.accounts.signin import sign_in

__all__ = ["sign_in_view", "sign_out_view"]


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def sign_in_view(request: HttpRequest) -> HttpResponse:
    """Show the sign-in form and sign the user in with password and TOTP code."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = sign_in(
            request,
            form.cleaned_data["username"],
            form.cleaned_data["password"],
            form.cleaned_data["otp_token"],
        )
        if user is not None:
            return redirect("home")
        form.add_error(None, "Those details are not right. Check them and try again.")
    return render(request, "accounts/sign_in.html", {"form": form})


@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponse:
    """Sign the user out."""
    logout(request)
    return redirect("accounts:login")
