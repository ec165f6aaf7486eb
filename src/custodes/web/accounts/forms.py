"""Account forms: signing in, and what administrators change."""

from __future__ import annotations

from django import forms

from custodes.web.accounts.throttle import address_key

__all__ = ["AddressForm", "ForceUserIdForm", "SignInForm"]


class SignInForm(forms.Form):
    """Username, password and the six-digit code from the user's authenticator."""

    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(strip=False, widget=forms.PasswordInput)
    otp_token = forms.RegexField(
        label="Authenticator code",
        regex=r"^\d{6}$",
        error_messages={"invalid": "Enter the six-digit code from your authenticator."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ForceUserIdForm(forms.Form):
    """The account's id in the force's own systems; empty clears it."""

    force_user_id = forms.CharField(label="Force user id", max_length=64, required=False)


class AddressForm(forms.Form):
    """A network address whose lock-out an administrator lifts."""

    address = forms.CharField(max_length=64)

    def clean_address(self) -> str:
        """Return the address as it is throttled under."""
        key = address_key(self.cleaned_data["address"].removesuffix("/64").strip())
        if key is None:
            raise forms.ValidationError("Not a network address.")
        return key
