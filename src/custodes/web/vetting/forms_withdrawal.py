"""Forms for withdrawal assessments, appeals and transferees: one form for each next step.

Each form checks only what a form can (a date, a choice, a length); the order of the steps and
what each needs is the actions' (`withdrawal`, `transfers`), which say why they refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms

from custodes.lists import LIMITS
from custodes.web.vetting.models import Appeal, Withdrawal

__all__ = [
    "AppealDecisionForm",
    "AppealForm",
    "BeginForm",
    "DecisionForm",
    "NoticeForm",
    "RecordForm",
    "RepresentationsForm",
    "TransferForm",
]

SEXES = [("", "Not known"), ("F", "Female"), ("M", "Male"), ("X", "Another")]
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
_LONG = 4000


class _Date(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=_Date(attrs={"autocomplete": "off"}),
    )


def _long(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=_LONG,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _short(label: str, max_length: int, *, required: bool = True, help_text: str = "") -> Any:
    # Browsers must not offer one transferee's details as a suggestion for the next.
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class BeginForm(forms.Form):
    """Why a withdrawal assessment of this clearance begins."""

    begun_on = _date("Day it began")
    reason = _long("Why the assessment begins")


class NoticeForm(forms.Form):
    """The notice served on the officer."""

    served_on = _date("Day served")
    grounds = _long(
        "Grounds given in the notice",
        help_text="What the officer is told about why their clearance may be withdrawn.",
    )
    harm_test_applied = forms.BooleanField(
        label="Some information is kept from the officer under the harm test", required=False
    )
    harm_test_grounds = _long(
        "Harm test grounds",
        required=False,
        help_text="Why disclosing it would cause harm (only if something is kept back).",
    )
    police_friend_told = forms.BooleanField(
        label="The notice tells the officer of their right to a police friend", required=False
    )


class RepresentationsForm(forms.Form):
    """The officer's representations, or that none came by the due day."""

    made = forms.TypedChoiceField(
        label="Representations",
        choices=[("yes", "Received"), ("no", "None came by the due day")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    on = _date("Day received (or day recorded, if none came)")
    summary = _long("What they said, in summary", required=False)


class DecisionForm(forms.Form):
    """The assessment's decision."""

    outcome = forms.ChoiceField(
        label="Decision", choices=Withdrawal.Outcome.choices, widget=forms.RadioSelect
    )
    decided_on = _date("Day decided")
    reason = _long("Reasons")


class AppealForm(forms.Form):
    """An appeal lodged."""

    lodged_on = _date("Day lodged")
    grounds = _long("Grounds of appeal")


class AppealDecisionForm(forms.Form):
    """An appeal's result."""

    result = forms.ChoiceField(
        label="Result", choices=Appeal.Result.choices, widget=forms.RadioSelect
    )
    heard_on = _date("Day heard")
    reason = _long("Reasons")


class RecordForm(forms.Form):
    """The former force's vetting record, received."""

    received_on = _date("Day received")
    note = _long("What the record shows")


class TransferForm(forms.Form):
    """An officer joining from another force."""

    first_name = _short("First name", LIMITS.name)
    middle_name = _short("Middle name", LIMITS.name, required=False)
    last_name = _short("Last name", LIMITS.name)
    birth_date = _date("Birth date", required=False)
    birth_year = forms.IntegerField(
        label="Birth year",
        required=False,
        min_value=EARLIEST_YEAR,
        max_value=LATEST_YEAR,
        help_text="when the full date is not known",
        widget=forms.NumberInput(attrs={"autocomplete": "off"}),
    )
    sex = forms.ChoiceField(choices=SEXES, required=False)
    former_force = _short("Former force", 120)
    former_staff_id = _short("Former force's staff id", 64)
    force_user_id = _short(
        "Staff id here", 64, required=False, help_text="if they have one in this force already"
    )
    unit = _short("Unit they join", 100, required=False)
    starts_on = _date("Start date")
    requested_on = _date(
        "Vetting record asked for on",
        required=False,
        help_text="the day the former force was asked for their vetting record; today if empty",
    )
