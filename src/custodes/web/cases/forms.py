"""Case forms."""

from django import forms

from custodes.web.cases.models import CaseParty
from custodes.web.cases.parties import CONTACT_MAX, NAME_MAX

__all__ = ["BreakGlassForm", "PartyForm"]


class BreakGlassForm(forms.Form):
    """Ask for break-glass access to a case, with the reason."""

    reference = forms.CharField(max_length=32)
    reason = forms.CharField(
        min_length=10, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PartyForm(forms.Form):
    """Add a victim, reporter or witness to a case."""

    role = forms.ChoiceField(choices=CaseParty.Role.choices)
    # Browsers must not offer one victim's name as a suggestion on another case.
    name = forms.CharField(
        max_length=NAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    contact = forms.CharField(
        max_length=CONTACT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
    )
