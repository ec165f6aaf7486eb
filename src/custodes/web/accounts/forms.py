"""The sign-in form: password and a TOTP code, both required."""

from __future__ import annotations

from django import forms

__all__ = ["SignInForm"]


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
