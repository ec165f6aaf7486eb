"""A support organisation's forms: its sign-in, and a report for a victim, with consent.

The report form is the reporter's (`forms.ReportForm`: the same questions, checks and
accessibility), asked of a worker about the victim they support, with two more questions: the
victim's consent (required; the form says what it covers) and the organisation's own case
reference (optional).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from custodes.web.portal.actions import CONTENT_FIELDS
from custodes.web.portal.forms import ReportForm as _ReportForm
from custodes.web.portal.forms import TextField, _Described
from custodes.web.portal.models import Channel, HowMet, Mode

__all__ = ["CONSENT_COVERS", "ORG_REFERENCE_FIELD", "OrgReportForm", "OrgSignInForm"]

# Where the organisation's own case reference is kept in the sealed content.
ORG_REFERENCE_FIELD = "organisation_reference"
_ORG_REFERENCE_CHARS = 100

# What the victim agrees to, shown beside the consent box, so the worker can read it to them.
CONSENT_COVERS = [
    _("that you send this report to the police's confidential reporting team for them;"),
    _("that the team may read what you write and any files, and use them to look into it;"),
    _(
        "that the team may reply and ask questions through your organisation's account, "
        "and that your organisation reads their replies;"
    ),
    _(
        "if they give their name, that the team may contact them, in the way they chose, "
        "and that their name may be needed if a case is opened;"
    ),
    _("that they can ask you to withdraw the report at any time."),
]


class _CodeInput(forms.TextInput):
    """A code's box, empty again after a refusal: a used or wrong code is not shown back."""

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        return super().get_context(name, None, attrs)


class OrgSignInForm(_Described):
    """An organisation worker's sign-in: name, password and the authenticator's code."""

    username = forms.CharField(
        label=_("Account name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
        error_messages={"required": _("Type your account name.")},
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=1000,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Type your password.")},
    )
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("The 6 numbers your authenticator app shows for this account just now."),
        max_length=20,
        widget=_CodeInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": _("Type the code from your authenticator app.")},
    )


class OrgReportForm(_ReportForm):
    """A report by a support organisation's worker, for a victim, with the victim's consent."""

    victim_consent = forms.BooleanField(
        label=_("The person I support agrees to this report being made, as described above"),
        required=True,
        error_messages={
            "required": _(
                "We can take a report from an organisation only with the victim's consent. "
                "Tick the box once they have agreed."
            )
        },
    )
    organisation_reference = TextField(
        label=_("Your organisation's own case reference (if you want to give it)"),
        help_text=_(
            "So that you can match our replies to your records. Do not put the victim's name here."
        ),
        max_length=_ORG_REFERENCE_CHARS,
        required=False,
        strip=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["channel"] = Channel.ORGANISATION
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["what_happened"].help_text = _(
            "What the person you support told you, in their words where you can: what was "
            "said or done, where, who else was there, whether it happened more than once."
        )
        fields["how_met"].label = _("How did they meet the officer or member of staff?")
        fields["how_met_detail"].label = _("Anything more about how they met them")
        fields["mode"].label = _("Does the person you support want to give their name?")
        fields["reporter_name"].label = _("Their name (only if they report confidentially)")
        fields["reporter_name"].help_text = _("Leave this empty if they want to stay anonymous.")
        fields["reporter_contact"].label = _(
            "A safe way to contact them, or to contact them through you"
        )
        fields["reporter_contact"].help_text = _(
            "For example, through your service only, or a number only they see and when it is "
            "safe to call."
        )
        self._describe()

    @property
    def consent_covers(self) -> list[Any]:
        """What the consent covers, to show (and read out) beside the box."""
        return CONSENT_COVERS

    def content(self) -> dict[str, Any]:
        """The answers as `portal.actions.submit_report` takes them, with the consent."""
        content: dict[str, Any] = dict(super().content())
        content["victim_consent"] = bool(self.cleaned_data.get("victim_consent"))
        reference = str(self.cleaned_data.get(ORG_REFERENCE_FIELD) or "").replace("\x00", "")
        if reference:
            if ORG_REFERENCE_FIELD in CONTENT_FIELDS:
                content[ORG_REFERENCE_FIELD] = reference
            else:
                # Until portal.actions keeps it as a question of its own: at the end of the
                # account of what happened, sealed with it.
                content["what_happened"] = (
                    f"{content['what_happened']}\n\n{_('Our case reference')}: {reference}"
                )
        if content.get("how_met") == HowMet.WORK.value:  # never set for this channel
            content.pop("how_met")
        if self.cleaned_data.get("mode") != Mode.CONFIDENTIAL:
            content.pop("reporter_name", None)
            content.pop("reporter_contact", None)
        return content
