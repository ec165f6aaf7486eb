"""Registry forms: searching the lists, checking an applicant, deciding a match."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db import models

from custodes.lists import LIMITS
from custodes.web.registry.models import Entry

__all__ = ["CheckForm", "DecisionForm", "SearchForm"]

ANY = [("", "Any")]
SEXES = [("", "Not known"), ("F", "Female"), ("M", "Male"), ("X", "Another")]
# Years outside this range are typing errors (the matcher refuses them too).
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


def _choices(name: str) -> list[tuple[str, str]]:
    # The model's own choices, so that a value a list may carry is always offered.
    field = Entry._meta.get_field(name)
    choices = field.choices if isinstance(field, models.Field) else None
    return [(str(value), str(label)) for value, label in choices or []]


def _split(text: str) -> list[str]:
    # The registry's own formats separate several names or numbers with ';'.
    return [part.strip() for part in text.split(";") if part.strip()]


class SearchForm(forms.Form):
    """Find entries by name, narrowed by jurisdiction, list, reason and status."""

    q = forms.CharField(label="Name", required=False, max_length=200)
    jurisdiction = forms.ChoiceField(required=False)
    list_type = forms.ChoiceField(label="List", required=False)
    reason_category = forms.ChoiceField(label="Reason", required=False)
    status = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, jurisdictions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = {
            "jurisdiction": [(j, j) for j in jurisdictions],
            "list_type": _choices("list_type"),
            "reason_category": _choices("reason_category"),
            "status": _choices("status"),
        }
        for name, values in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = ANY + values


def _text(
    label: str, max_length: int, required: bool = False, help_text: str = ""
) -> forms.CharField:
    # Browsers must not offer one applicant's details as a suggestion for the next.
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class CheckForm(forms.Form):
    """The details of one applicant to check against the registry."""

    reference = _text("Your reference", LIMITS.person_ref, help_text="e.g. the application number")
    first_name = _text("First name", LIMITS.name, required=True)
    middle_name = _text("Middle name", LIMITS.name)
    last_name = _text("Last name", LIMITS.name, required=True)
    other_names = _text("Other names", 500, help_text="earlier or married names, ;-separated")
    birth_date = forms.DateField(
        label="Birth date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d"),
    )
    birth_year = forms.IntegerField(
        label="Birth year",
        required=False,
        min_value=EARLIEST_YEAR,
        max_value=LATEST_YEAR,
        help_text="when the full date is not known",
        widget=forms.NumberInput(attrs={"autocomplete": "off"}),
    )
    sex = forms.ChoiceField(choices=SEXES, required=False)
    agency = _text("Agency", LIMITS.agency, help_text="the force or agency they served in, if any")
    badges = _text("Badge numbers", 200, help_text=";-separated")

    def clean(self) -> dict[str, Any]:
        """Refuse a birth year that contradicts the birth date."""
        data = super().clean() or {}
        born, year = data.get("birth_date"), data.get("birth_year")
        if born is not None and year is not None and born.year != year:
            self.add_error("birth_year", "The birth year is not the birth date's year.")
        return data

    def applicant(self) -> dict[str, Any]:
        """Return the applicant in the matcher's people fields."""
        data = self.cleaned_data
        return {
            "record_id": data["reference"] or "applicant",
            "first_name": data["first_name"],
            "middle_name": data["middle_name"] or None,
            "last_name": data["last_name"],
            "other_names": _split(data["other_names"]),
            "birth_date": data["birth_date"],
            "birth_year": data["birth_year"],
            "sex": data["sex"] or None,
            "agency": data["agency"] or None,
            "badges": _split(data["badges"]),
        }


class DecisionForm(forms.Form):
    """Say why a candidate is, or is not, the person checked."""

    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
