"""The queue's filters and the forms of a handler's actions: checked on the server, with
errors a handler can act on. The actions check everything again (`actions.py`)."""

from __future__ import annotations

from typing import Any

from django import forms

from custodes.web.cases.models import Case
from custodes.web.cases.rules import vocabulary
from custodes.web.portal.actions import MAX_MESSAGE_CHARS
from custodes.web.portal.models import Category, Channel, Status

__all__ = [
    "ActionForm",
    "CaseForm",
    "IntelligenceForm",
    "MessageForm",
    "QueueFilterForm",
    "ReasonForm",
    "RouteForm",
    "SafeguardingForm",
]

_ANY = [("", "Any")]


class QueueFilterForm(forms.Form):
    """Narrow the queue by status, channel, category and overdue acknowledgement."""

    status = forms.ChoiceField(choices=_ANY + list(Status.choices), required=False)
    channel = forms.ChoiceField(choices=_ANY + list(Channel.choices), required=False)
    category = forms.ChoiceField(choices=_ANY + list(Category.choices), required=False)
    overdue = forms.ChoiceField(
        label="Acknowledgement",
        choices=[("", "Any"), ("yes", "Overdue"), ("no", "Not overdue")],
        required=False,
    )

    def used(self) -> dict[str, str]:
        """Return the filters given, for the trail and the page's links."""
        return {k: v for k, v in self.cleaned_data.items() if v}


class ActionForm(forms.Form):
    """The base of the report page's forms: errors are shown beside the form that made them."""

    action = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Each form's fields named apart: the page holds several, each with its reason.
        kwargs.setdefault("prefix", self.action or None)
        super().__init__(*args, **kwargs)


class MessageForm(ActionForm):
    """Reply to the reporter, or ask them a question."""

    action = "message"
    text = forms.CharField(
        label="Message to the reporter",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_MESSAGE_CHARS,
        help_text="The reporter reads it on the portal with their receipt. Write plainly.",
    )
    question = forms.BooleanField(
        label="This is a question the reporter is asked to answer", required=False
    )


class ReasonForm(ActionForm):
    """A decision with its reason: close."""

    action = "close"
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class RouteForm(ReasonForm):
    """Route the report to another force."""

    action = "route"
    force = forms.CharField(label="Force it goes to", max_length=200)
    field_order = ["force", "reason"]


class SafeguardingForm(ReasonForm):
    """Record a safeguarding referral."""

    action = "safeguarding"
    agency = forms.CharField(
        label="Agency referred to",
        max_length=200,
        help_text="For example the local authority's adult or children's safeguarding team.",
    )
    field_order = ["agency", "reason"]


def _category_choices() -> list[tuple[str, str]]:
    titles = vocabulary(Case(profile="england-wales"), "categories")
    return [("", "Choose a category"), *list(titles.items())]


class CaseForm(ReasonForm):
    """Open a case from the report: its kind, the allegation's category, its subjects."""

    action = "case"
    kind = forms.ChoiceField(
        label="Kind of matter",
        choices=[
            (Case.Kind.COMPLAINT, Case.Kind.COMPLAINT.label),
            (Case.Kind.CONDUCT, Case.Kind.CONDUCT.label),
        ],
    )
    category = forms.ChoiceField(label="Allegation category", choices=())
    subjects = forms.TypedMultipleChoiceField(
        label="Subjects (the staff the report names)",
        coerce=int,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one member of staff the report names."},
    )
    field_order = ["kind", "category", "subjects", "reason"]

    def __init__(self, *args: Any, named: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _category_choices()  # type: ignore[attr-defined]
        self.fields["subjects"].choices = named  # type: ignore[attr-defined]


class IntelligenceForm(CaseForm):
    """Keep the report as an intelligence record."""

    action = "intelligence"

    def __init__(self, *args: Any, named: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, named=named, **kwargs)
        del self.fields["kind"]
