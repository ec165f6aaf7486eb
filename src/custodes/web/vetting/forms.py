"""Vetting's forms: the work queue's filters, a task's decision, and a clearance decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from custodes.caserules import load_vetting
from custodes.web.vetting.models import Clearance, VettingTask

__all__ = ["SORTS", "STATUSES", "ClearanceForm", "DecisionForm", "QueueFilter"]

STATUSES = (("open", "Open"), ("decided", "Decided"), ("all", "Open and decided"))
SORTS = (
    ("due", "Due soonest"),
    ("waiting", "Longest in the queue"),
    ("unit", "Unit, then due"),
)
NO_LEVEL = "none"


def level_choices() -> list[tuple[str, str]]:
    """Return the rules file's levels as choices: code, and the code with its title."""
    return [(code, f"{code}: {level.title}") for code, level in load_vetting().levels.items()]


class _Date(forms.DateInput):
    input_type = "date"


class QueueFilter(forms.Form):
    """Which tasks the queue shows, and in what order; a value not offered is ignored."""

    unit = forms.ChoiceField(required=False)
    level = forms.ChoiceField(label="Level held", required=False)
    trigger = forms.ChoiceField(
        required=False, choices=[("", "Any trigger"), *VettingTask.Trigger.choices]
    )
    status = forms.ChoiceField(required=False, choices=STATUSES)
    overdue = forms.BooleanField(label="Overdue only", required=False)
    sort = forms.ChoiceField(label="Order", required=False, choices=SORTS)

    def __init__(self, *args: Any, units: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit: Any = self.fields["unit"]
        unit.choices = [("", "Any unit"), *((u, u) for u in units)]
        level: Any = self.fields["level"]
        level.choices = [
            ("", "Any, or none"),
            *level_choices(),
            (NO_LEVEL, "No clearance held"),
        ]

    def chosen(self) -> dict[str, Any]:
        """Return the filters chosen, each field that is not valid left at its default."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "unit": data.get("unit", "") if "unit" not in self.errors else "",
            "level": data.get("level", "") if "level" not in self.errors else "",
            "trigger": data.get("trigger", "") if "trigger" not in self.errors else "",
            "status": (data.get("status") or "open") if "status" not in self.errors else "open",
            "overdue": bool(data.get("overdue")) if "overdue" not in self.errors else False,
            "sort": (data.get("sort") or "due") if "sort" not in self.errors else "due",
        }


class DecisionForm(forms.Form):
    """A task's decision, and the reason for it."""

    decision = forms.ChoiceField(choices=VettingTask.Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What was looked at and why it leads to this decision. It is on the trail.",
    )


class ClearanceForm(forms.Form):
    """A vetting decision about the person at one level."""

    level = forms.ChoiceField()
    status = forms.ChoiceField(choices=Clearance.Status.choices, label="Decision")
    granted_on = forms.DateField(
        label="Granted on",
        required=False,
        widget=_Date,
        help_text="For a granted clearance: its renewal and integrity-review dates follow from it.",
    )
    conditions = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    unit = forms.CharField(
        max_length=100,
        required=False,
        help_text="The person's unit now; left empty, their account's.",
    )
    reason = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level: Any = self.fields["level"]
        level.choices = level_choices()

    def clean(self) -> dict[str, Any]:
        """Refuse a grant with no day or one to come."""
        data = super().clean() or {}
        granted_on = data.get("granted_on")
        if data.get("status") == Clearance.Status.GRANTED:
            if granted_on is None:
                self.add_error("granted_on", "A granted clearance needs the day it was granted.")
            elif granted_on > timezone.localdate():
                self.add_error("granted_on", "The day it was granted cannot be to come.")
        elif granted_on is not None:
            self.add_error("granted_on", "Only a granted clearance has a day it was granted.")
        return data


class ReviewHeldForm(forms.Form):
    """An annual integrity review held on the clearance's holder, and what it found."""

    held_on = forms.DateField(
        label="Held on",
        widget=_Date,
        help_text="The next review falls due a period after it.",
    )
    reason = forms.CharField(
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the review looked at and found. It is on the trail.",
    )
