"""The declaration form: what changed, and whom it concerns where it names someone."""

from __future__ import annotations

from django import forms

from custodes.web.vetting.actions import DETAILS_MAX
from custodes.web.vetting.models import Declaration

__all__ = ["DeclarationForm"]


class _Date(forms.DateInput):
    input_type = "date"


class DeclarationForm(forms.Form):
    """A change of one's own circumstances (the action checks the rest and names the field)."""

    kind = forms.ChoiceField(
        label="What changed",
        choices=Declaration.Kind.choices,
        widget=forms.RadioSelect,
    )
    details = forms.CharField(
        label="Details",
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What changed and when: names, addresses, amounts, courts, as the vetting "
        "unit will need them. Only you and the vetting unit can read this.",
    )
    changed_on = forms.DateField(
        label="When it happened",
        required=False,
        widget=_Date,
        help_text="Leave empty if you do not know the day.",
    )
    associate_person_id = forms.CharField(
        label="Their person id in the force's systems",
        required=False,
        max_length=64,
        help_text="For a partner, a household member, someone named on your vetting forms or "
        "an association: their id on the force's records, if you know it. The access audit "
        "then knows you declared them.",
    )
    association = forms.ChoiceField(
        label="How you know them",
        required=False,
        choices=Declaration.Association.choices,
    )
