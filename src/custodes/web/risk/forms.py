"""Early intervention's forms: a case from an entry, and a plan's start, review and close."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from custodes.web.accounts.models import User
from custodes.web.risk.models import InterventionPlan

__all__ = ["SHARES", "CaseForm", "CloseForm", "PlanForm", "ReviewForm"]

# The top shares of the list a viewer may take, in percent.
SHARES = (1, 2, 5, 10)


class _Date(forms.DateInput):
    input_type = "date"


class _Owner(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        name = user.get_full_name() or user.username
        return f"{name} · {user.get_role_display()} · {user.unit}"


class CaseForm(forms.Form):
    """Say why a case is opened about the officer."""

    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(forms.Form):
    """What will be done, by when, when it is reviewed, and who owns it."""

    actions = forms.CharField(
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What will be done: supervision, training, a change of duties, welfare …",
    )
    deadline = forms.DateField(widget=_Date)
    review_on = forms.DateField(label="Review on", widget=_Date)
    owner = _Owner(queryset=User.objects.none(), empty_label=None)

    def __init__(self, *args: Any, owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner: Any = self.fields["owner"]
        owner.queryset = owners


class ReviewForm(forms.Form):
    """What the review found, when the plan is next reviewed, and any new deadline."""

    notes = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    next_review_on = forms.DateField(label="Next review on", widget=_Date)
    deadline = forms.DateField(
        label="New deadline", required=False, widget=_Date, help_text="Leave empty to keep it."
    )


class CloseForm(forms.Form):
    """How the plan ended."""

    outcome = forms.ChoiceField(choices=InterventionPlan.Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="What came of it", max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
