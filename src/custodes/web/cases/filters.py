"""The case list's filters: a GET form, checked on the server, and the query it makes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from custodes.web.accounts.models import User
from custodes.web.cases import rules
from custodes.web.cases.access import INVESTIGATOR_ROLES
from custodes.web.cases.models import Case

__all__ = ["PAGE_SIZE", "PROFILES", "CaseFilterForm"]

PAGE_SIZE = 25
# The profiles whose categories the filter offers.
PROFILES = ("england-wales", "us-ccrb")
NONE = "none"


def _categories() -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for name in PROFILES:
        try:
            profile = rules.profile(name)
        except ValidationError:
            continue
        for category in profile.categories():
            found.setdefault(category.id, category.title)
    return sorted(found.items(), key=lambda item: item[1].lower())


def _investigators() -> list[tuple[str, str]]:
    people = User.objects.filter(role__in=list(INVESTIGATOR_ROLES)).order_by(
        "last_name", "first_name", "username"
    )
    shown = [(str(u.pk), f"{u.get_full_name() or u.username} ({u.unit})") for u in people]
    return [(NONE, "None appointed"), *shown]


class CaseFilterForm(forms.Form):
    """What the case list may be narrowed to; every value checked against what it may be."""

    q = forms.CharField(
        label="Reference",
        required=False,
        max_length=32,
        help_text="The whole reference, or how it begins.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. PSD-2026", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label="Kind", required=False)
    category = forms.ChoiceField(label="Allegation", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Open or closed"), ("open", "Open"), ("closed", "Closed")],
    )
    stage = forms.ChoiceField(label="Stage", required=False)
    overdue = forms.ChoiceField(
        label="Deadlines",
        required=False,
        choices=[("", "Any"), ("yes", "Something overdue"), ("no", "Nothing overdue")],
    )
    investigator = forms.ChoiceField(label="Investigator", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["kind"].choices = [("", "Any kind"), *Case.Kind.choices]
        fields["category"].choices = [("", "Any allegation"), *_categories()]
        fields["stage"].choices = [("", "Any stage"), *Case.Stage.choices]
        fields["investigator"].choices = [("", "Anyone"), *_investigators()]
        for field in fields.values():
            field.error_messages["invalid_choice"] = "“%(value)s” is not one of the choices."

    def clean_q(self) -> str:
        """Return the reference searched for, stripped; refuse what no reference holds."""
        q = str(self.cleaned_data.get("q") or "").strip()
        if q and not all(c.isalnum() or c in "-_/." for c in q):
            raise ValidationError("A reference has only letters, digits and - _ / .")
        return q

    def used(self) -> dict[str, str]:
        """Return the filters in use, by name (valid forms only)."""
        return {k: v for k, v in self.cleaned_data.items() if v}

    def narrow(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        """Return `cases` narrowed by every filter the database can apply (all but overdue)."""
        data = self.cleaned_data
        if data.get("q"):
            cases = cases.filter(reference__istartswith=data["q"])
        if data.get("kind"):
            cases = cases.filter(kind=data["kind"])
        if data.get("category"):
            cases = cases.filter(Q(allegations__category=data["category"]))
        if data.get("status") == "open":
            cases = cases.filter(closed_at__isnull=True)
        elif data.get("status") == "closed":
            cases = cases.filter(closed_at__isnull=False)
        if data.get("stage"):
            cases = cases.filter(stage=data["stage"])
        if data.get("investigator") == NONE:
            cases = cases.filter(investigator__isnull=True)
        elif data.get("investigator"):
            cases = cases.filter(investigator_id=int(data["investigator"]))
        return cases
