"""The reporter's forms: a report (public or colleague), a receipt, a follow-up.

Every label, hint and error is translatable. The forms check what a person typed and say in
plain words what is wrong, on the field it is about; `portal.actions` checks everything again
(it is the only writer). Errors and hints are tied to their fields for screen readers
(`aria-describedby`, `aria-invalid`), set by `_describe` once the form is checked.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from custodes.web.portal.actions import CONTENT_FIELDS, MAX_FILES, MAX_MESSAGE_CHARS
from custodes.web.portal.models import Category, Channel, HowMet, Mode

__all__ = [
    "CATEGORY_CHOICES",
    "HOW_MET_CHOICES",
    "MODE_CHOICES",
    "FollowUpForm",
    "ReceiptForm",
    "ReportForm",
]

# The national reporting line's categories, in plain words with a hint each.
CATEGORY_CHOICES = [
    (
        Category.ABUSE_OF_POSITION_SEXUAL.value,
        _("Using their position for sex or a relationship"),
        _(
            "For example, asking for sex or contact in return for help, or starting a "
            "relationship with a victim or witness they met through work."
        ),
    ),
    (
        Category.ABUSE_OF_PARTNER.value,
        _("Abusing a partner or family member"),
        _("Domestic abuse by an officer or member of staff, in any form."),
    ),
    (
        Category.CORRUPTION.value,
        _("Corruption"),
        _("For example, taking money or favours, or leaking information to criminals."),
    ),
    (
        Category.PERSONAL_ADVANTAGE.value,
        _("Using the job for their own gain"),
        _(
            "For example, looking up records for private reasons, or using police powers "
            "for a friend."
        ),
    ),
    (
        Category.DISCRIMINATORY_CONDUCT.value,
        _("Discrimination"),
        _(
            "Treating someone unfairly because of their race, sex, religion, disability or "
            "sexuality."
        ),
    ),
    (Category.OTHER.value, _("Something else"), _("Tell us in your own words.")),
]

HOW_MET_CHOICES = [
    (HowMet.CALL.value, _("They came when I called the police")),
    (HowMet.VICTIM.value, _("I was the victim of a crime they dealt with")),
    (HowMet.WITNESS.value, _("I was a witness")),
    (HowMet.CUSTODY.value, _("I was arrested or held in custody")),
    (HowMet.ONLINE.value, _("Online or on social media")),
    (HowMet.OTHER.value, _("Another way")),
]

MODE_CHOICES = [
    (
        Mode.ANONYMOUS.value,
        _("No: report anonymously"),
        _(
            "You do not give your name. We cannot contact you: you come back here with your "
            "receipt number to read our replies."
        ),
    ),
    (
        Mode.CONFIDENTIAL.value,
        _("Yes: report confidentially"),
        _(
            "You give your name and a safe way to reach you. Only the small team who handle "
            "reports can see them, never the officer or their colleagues."
        ),
    ),
]


def _aria(field: forms.BoundField, describes: list[str]) -> None:
    """Tie a field's hint and error to its input (or, for a group, to its fieldset)."""
    attrs = field.field.widget.attrs
    if describes:
        attrs["aria-describedby"] = " ".join(describes)
    else:
        attrs.pop("aria-describedby", None)
    if field.errors:
        attrs["aria-invalid"] = "true"
    else:
        attrs.pop("aria-invalid", None)


class _Described(forms.Form):
    """A form whose fields carry their hint's and error's ids once checked."""

    hints: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._describe()

    def full_clean(self) -> None:
        super().full_clean()
        self._describe()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self._describe()

    def _describe(self) -> None:
        # A bound field copies its label and hint when made: after a subclass changes them,
        # the fields are bound afresh.
        self._bound_fields_cache.clear()  # type: ignore[attr-defined]
        for name in self.fields:
            field = self[name]
            describes = []
            if field.help_text:
                describes.append(f"{field.auto_id}-hint")
            if self.is_bound and hasattr(self, "_errors") and self._errors and field.errors:
                describes.append(f"{field.auto_id}-error")
            if isinstance(field.field.widget, forms.RadioSelect):
                # The group's fieldset carries the description (see _radios.html).
                field.field.widget.attrs.pop("aria-describedby", None)
                continue
            _aria(field, describes)

    @property
    def described(self) -> dict[str, str]:
        """For each field, the ids of its hint and error (a radio group's fieldset uses them)."""
        out = {}
        for name in self.fields:
            field = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{field.auto_id}-hint")
            if self.is_bound and field.errors:
                ids.append(f"{field.auto_id}-error")
            out[name] = " ".join(ids)
        return out


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that takes several files."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files, or none; each checked again (type, size, programs) by portal.actions."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [item for item in items if item]
        for item in files:
            if not isinstance(item, UploadedFile):
                raise forms.ValidationError(_("This is not a file."), code="invalid")
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                ngettext(
                    "You can add at most %(count)d file at a time.",
                    "You can add at most %(count)d files at a time.",
                    MAX_FILES,
                )
                % {"count": MAX_FILES},
                code="too-many",
            )
        limit = int(getattr(settings, "PORTAL_FILE_MAX_BYTES", 10 * 1024 * 1024))
        for item in files:
            if item.size is not None and item.size > limit:
                raise forms.ValidationError(
                    _("“%(name)s” is too large. Each file can be at most %(size)s.")
                    % {"name": item.name, "size": file_size(limit)},
                    code="too-large",
                )
            if not item.size:
                raise forms.ValidationError(
                    _("“%(name)s” is empty.") % {"name": item.name}, code="empty"
                )
        return files


def file_size(size: int) -> str:
    """A size in words a person reads: '10 MB', '500 KB'."""
    if size >= 1024 * 1024:
        return _("%(n)s MB") % {"n": f"{size / (1024 * 1024):.3g}"}
    if size >= 1024:
        return _("%(n)s KB") % {"n": f"{size / 1024:.3g}"}
    return _("%(n)s bytes") % {"n": size}


class TextField(forms.CharField):
    """Text as typed, NUL bytes dropped (they mean nothing to a person; the actions drop them)."""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return text.replace("\x00", "") if isinstance(text, str) else text


def _text(
    label: Any, name: str, *, required: bool = False, help_text: Any = "", area: bool = False
) -> forms.CharField:
    return TextField(
        label=label,
        required=required,
        max_length=CONTENT_FIELDS[name],
        help_text=help_text,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}) if area else forms.TextInput(),
        error_messages={
            "required": _("Tell us what happened: this is the one question you must answer.")
        }
        if required
        else {},
    )


class ReportForm(_Described):
    """A report from a member of the public or a colleague."""

    category = forms.ChoiceField(
        label=_("What is it about?"),
        help_text=_("Choose the one that fits best. If you are not sure, choose “Something else”."),
        choices=[(value, label) for value, label, _hint in CATEGORY_CHOICES],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the report is about.")},
    )
    what_happened = _text(
        _("What happened?"),
        "what_happened",
        required=True,
        area=True,
        help_text=_(
            "In your own words. Include anything you think matters: what was said or done, "
            "who else was there, whether it happened more than once."
        ),
    )
    where = _text(
        _("Where did it happen? (if you want to say)"),
        "where",
        help_text=_("A town, a street, a police station, a website."),
    )
    when = _text(
        _("When did it happen? (if you want to say)"),
        "when",
        help_text=_("A date, a month or roughly, for example “spring 2024” or “over two years”."),
    )
    how_met = forms.ChoiceField(
        label=_("How did you meet the officer or member of staff? (if you want to say)"),
        choices=HOW_MET_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    how_met_detail = _text(
        _("Anything more about how you met them (if you want to say)"), "how_met_detail"
    )
    officer_name = _text(
        _("Their name, if you know it"), "officer_name", help_text=_("Part of a name helps too.")
    )
    officer_number = _text(
        _("Their collar or staff number, if you know it"),
        "officer_number",
        help_text=_("Often shown on the shoulder of a uniform."),
    )
    officer_station = _text(
        _("Their police station, force or team, if you know it"), "officer_station"
    )
    mode = forms.ChoiceField(
        label=_("Do you want to give your name?"),
        choices=[(value, label) for value, label, _hint in MODE_CHOICES],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to report anonymously or confidentially.")},
    )
    reporter_name = _text(
        _("Your name (only if you report confidentially)"),
        "reporter_name",
        help_text=_("Leave this empty to stay anonymous."),
    )
    reporter_contact = _text(
        _("A safe way to contact you (only if you report confidentially)"),
        "reporter_contact",
        area=True,
        help_text=_(
            "A phone number or email address that only you see, and when it is safe to call, "
            "for example “text only, weekdays before 3pm”."
        ),
    )
    # Named as portal.actions names it; a declared field, not BaseForm's uploaded `files`.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Photos, screenshots or documents (if you have any)"),
        help_text="",  # set in __init__ from the settings
    )

    def __init__(self, *args: Any, channel: str = Channel.PUBLIC, **kwargs: Any) -> None:
        self.channel = channel
        super().__init__(*args, **kwargs)
        limit = int(getattr(settings, "PORTAL_FILE_MAX_BYTES", 10 * 1024 * 1024))
        self.fields["files"].help_text = _(
            "Photos, PDFs, office documents or plain text; up to %(count)d files, each at "
            "most %(size)s. We remove hidden details (such as where a photo was taken) from "
            "the copy our team reads."
        ) % {"count": MAX_FILES, "size": file_size(limit)}
        if channel == Channel.COLLEAGUE:
            # A colleague knows them from work: the question is not asked.
            del self.fields["how_met"]
            del self.fields["how_met_detail"]
            self.fields["officer_name"].label = _("Their name")
            self.fields["officer_station"].label = _("Their station, unit or team")
            self.fields["what_happened"].help_text = _(
                "What you saw or heard, when, and who else knows. You do not need proof: "
                "tell us what you know."
            )
        self._describe()

    def _options(self, name: str, hints: dict[str, Any]) -> list[tuple[Any, Any]]:
        return [(radio, hints.get(str(radio.data["value"]), "")) for radio in self[name]]

    @property
    def category_options(self) -> list[tuple[Any, Any]]:
        """The category's radio buttons, each with its hint."""
        return self._options("category", {v: hint for v, _label, hint in CATEGORY_CHOICES})

    @property
    def mode_options(self) -> list[tuple[Any, Any]]:
        """Anonymous or confidential, each with what it means."""
        return self._options("mode", {v: hint for v, _label, hint in MODE_CHOICES})

    def clean_what_happened(self) -> str:
        text = str(self.cleaned_data.get("what_happened", ""))
        if not text.strip():  # only spaces or line breaks
            raise forms.ValidationError(
                _("Tell us what happened: this is the one question you must answer."),
                code="required",
            )
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = str(data.get("reporter_name", "")).replace("\x00", "")
        if data.get("mode") == Mode.CONFIDENTIAL and not name.strip():
            self.add_error("reporter_name", _("Give your name, or choose to report anonymously."))
        return data

    def content(self) -> dict[str, str]:
        """The answers, as portal.actions.submit_report takes them (NUL bytes removed)."""
        data = self.cleaned_data
        content = {}
        for name in CONTENT_FIELDS:
            value = data.get(name)
            if isinstance(value, str) and value.replace("\x00", ""):
                content[name] = value.replace("\x00", "")
        if self.channel == Channel.COLLEAGUE:
            content["how_met"] = HowMet.WORK.value
        if data.get("mode") != Mode.CONFIDENTIAL:
            # Anonymous: a name or contact typed before choosing is not kept.
            content.pop("reporter_name", None)
            content.pop("reporter_contact", None)
        return content


class ReceiptForm(_Described):
    """A returning reporter's receipt."""

    receipt = TextField(
        label=_("Your receipt number"),
        help_text=_(
            "The 16 numbers you were given when you sent your report. Spaces do not matter."
        ),
        # No length check of its own: anything that is not a receipt gets the one answer.
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"required": _("Type your receipt number.")},
    )


class FollowUpForm(_Described):
    """A returning reporter's answer or more detail, with files."""

    text = TextField(
        label=_("Your message"),
        help_text=_("Answer our question, or tell us anything more."),
        max_length=MAX_MESSAGE_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write your message before sending it.")},
    )
    files = MultipleFileField(label=_("Add photos or documents (if you have any)"))  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = int(getattr(settings, "PORTAL_FILE_MAX_BYTES", 10 * 1024 * 1024))
        self.fields["files"].help_text = _("Up to %(count)d files, each at most %(size)s.") % {
            "count": MAX_FILES,
            "size": file_size(limit),
        }
        self._describe()

    def clean_text(self) -> str:
        text = str(self.cleaned_data["text"]).replace("\x00", "")
        if not text.strip():
            raise forms.ValidationError(_("Write your message before sending it."), code="required")
        return text
