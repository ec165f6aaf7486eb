"""Case forms."""

from typing import Any, cast

from django import forms
from django.utils import timezone

from custodes.web.accounts.models import Role, User
from custodes.web.cases import rules
from custodes.web.cases.matter import NewSubject
from custodes.web.cases.models import Case, CaseParty, CaseSubject
from custodes.web.cases.parties import CONTACT_MAX, NAME_MAX
from custodes.web.cases.timeline import REASON_MIN

__all__ = [
    "AllegationFormSet",
    "BreakGlassForm",
    "IntakeForm",
    "PartyForm",
    "StepForm",
    "SubjectFormSet",
    "staff_label",
]


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


# -- intake and the steps of a case's path ------------------------------------------------------

REASON_HELP = (
    "The law asks for the reason for this decision: say it in your own words "
    f"(at least {REASON_MIN} characters). It is kept on the case's timeline."
)
YES_NO = [("yes", "Yes"), ("no", "No")]
UNKNOWN_YES_NO = [("", "Not asked yet"), ("yes", "Yes"), ("no", "No")]


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _text(
    label: str, max_length: int, *, required: bool = False, help_text: str = "", rows: int = 0
) -> forms.CharField:
    widget: forms.Widget = (
        forms.Textarea(attrs={"rows": rows})
        if rows
        else forms.TextInput(attrs={"autocomplete": "off"})
    )
    return forms.CharField(
        label=label, max_length=max_length, required=required, help_text=help_text, widget=widget
    )


def _reason(label: str = "Reason", what: str = "this decision", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=4000,
        min_length=REASON_MIN,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": f"Give the reason for {what}: the law asks for it.",
            "min_length": (
                f"Give the reason for {what} in at least {REASON_MIN} characters: "
                "a word or two does not say why."
            ),
        },
    )


def _yes_no(label: str, *, required: bool = True, unknown: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=UNKNOWN_YES_NO if unknown else YES_NO,
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=required,
        widget=forms.Select() if unknown else forms.RadioSelect(),
        error_messages={"required": f"Answer: {label.rstrip('?')}?"},
    )


def _choices(words: dict[str, str], blank: str | None = None) -> list[tuple[str, str]]:
    found = list(words.items())
    return [("", blank), *found] if blank is not None else found


def staff_label(user: User) -> str:
    """Return a member of staff as a choice shows them: name, role and unit."""
    full = user.get_full_name()
    name = f"{full} ({user.username})" if full else user.username
    return f"{name} · {user.get_role_display()} · {user.unit}"


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of members of staff, each shown by name, role and unit."""

    def label_from_instance(self, obj: Any) -> str:
        """Return the member of staff as `staff_label` shows them."""
        return staff_label(obj)


class IntakeForm(forms.Form):
    """A matter as the intake handler takes it in: what it is, where from, when, and what the
    complainant wants; its subjects and allegations are formsets beside it."""

    kind = forms.ChoiceField(label="Kind of matter")
    title = _text("Title", 200, required=True, help_text="a line saying what it is about")
    source = forms.ChoiceField(label="Where it came from", choices=Case.Source.choices)
    source_record_type = forms.ChoiceField(
        label="The record it came from",
        required=False,
        choices=[
            ("", "None"),
            ("audit-alert", "An access-audit alert"),
            ("registry-candidate", "A registry candidate"),
            ("portal-report", "A report made on the portal"),
            ("letter", "A letter or email"),
            ("call", "A telephone call"),
        ],
    )
    source_record_id = _text("Its number", 64, help_text="the alert, candidate or report's id")
    came_to_attention = _date("Came to attention on")
    arose_on = _date(
        "Arose on", required=False, help_text="when what is alleged happened, if known"
    )
    indications = forms.MultipleChoiceField(
        label="What else it indicates",
        required=False,
        widget=forms.CheckboxSelectMultiple(),
        help_text="the rules read these with the allegations to say whether it must be referred",
    )
    complainant_view = _text("The complainant's view of how it should be handled", 4000, rows=3)
    complainant_wants_recording = _yes_no(
        "Does the complainant want it recorded?", required=False, unknown=True
    )
    authority = StaffChoiceField(
        label="Appropriate authority to decide it",
        queryset=User.objects.none(),
        required=False,
        help_text="put on the case's team to record, refer and assess it",
    )

    def __init__(self, *args: Any, profile: str = "england-wales", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        words = rules.profile(profile).vocabulary
        cast(forms.ChoiceField, self.fields["kind"]).choices = _choices(dict(words["kinds"]))
        cast(forms.ChoiceField, self.fields["indications"]).choices = _choices(
            dict(words["indications"])
        )
        cast(StaffChoiceField, self.fields["authority"]).queryset = User.objects.filter(
            is_active=True, role=Role.APPROPRIATE_AUTHORITY
        ).order_by("last_name", "username")

    def clean(self) -> dict[str, Any]:
        """Refuse dates the matter cannot have, and a record number without its kind."""
        data = super().clean() or {}
        came, arose = data.get("came_to_attention"), data.get("arose_on")
        if came is not None and came > timezone.localdate():
            self.add_error("came_to_attention", "A matter cannot come to attention after today.")
        if came is not None and arose is not None and arose > came:
            self.add_error("arose_on", "A matter cannot arise after it came to attention.")
        if data.get("source_record_id") and not data.get("source_record_type"):
            self.add_error("source_record_type", "Say what kind of record the number is.")
        if data.get("source_record_type") and not data.get("source_record_id"):
            self.add_error("source_record_id", "Give the record's number.")
        return data


class SubjectForm(forms.Form):
    """A member of staff the matter is about: by custodes account, or by force and force id."""

    account = _text(
        "Custodes account (username)",
        150,
        help_text="if they have one; otherwise give their force user id",
    )
    force = _text("Force", 32, help_text="the force that knows them by the id below")
    force_user_id = _text("Force user id", 64)
    first_name = _text("First name", 100)
    last_name = _text("Last name", 100)
    rank = _text("Rank", 64, help_text="e.g. PC, DS, Inspector")
    warrant_number = _text("Warrant or staff number", 32)
    birth_date = _date("Birth date", required=False)
    status = forms.ChoiceField(label="Status", choices=CaseSubject.Status.choices)
    unit = _text("Unit", 100)
    senior_officer = forms.BooleanField(
        label="Senior officer (above chief superintendent)", required=False
    )

    def clean(self) -> dict[str, Any]:
        """Find the account named; refuse a subject named neither by account nor force id."""
        data = super().clean() or {}
        username = (data.get("account") or "").strip()
        data["user"] = None
        if username:
            found = User.objects.filter(username=username).first()
            if found is None:
                self.add_error("account", f"No custodes account is called {username!r}.")
            data["user"] = found
        elif not (data.get("force_user_id") or "").strip() and (
            self.has_changed() or not self.empty_permitted
        ):
            self.add_error(
                "force_user_id",
                "Name them by their custodes account or by their force user id.",
            )
        born = data.get("birth_date")
        if born is not None and born >= timezone.localdate():
            self.add_error("birth_date", "A birth date is before today.")
        return data

    def new_subject(self) -> NewSubject:
        """Return the subject as `take_in` and `name_subject` take them."""
        data = self.cleaned_data
        return NewSubject(
            user=data["user"],
            force=data["force"].strip(),
            force_user_id=data["force_user_id"].strip() or None,
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=data["birth_date"],
            status=data["status"],
            rank=data["rank"],
            warrant_number=data["warrant_number"],
            unit=data["unit"],
            senior_officer=data["senior_officer"],
        )


class BaseSubjectFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """The subjects of a matter: at least one, each once."""

    def clean(self) -> None:
        """Refuse the same member of staff named twice."""
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            if not form.has_changed():
                continue
            data = form.cleaned_data
            key = data["account"].strip() or data["force_user_id"].strip()
            if key in seen:
                raise forms.ValidationError(f"{key} is named twice as a subject.")
            seen.add(key)


SubjectFormSet = forms.formset_factory(
    SubjectForm, formset=BaseSubjectFormSet, extra=0, min_num=1, validate_min=True
)


class AllegationForm(forms.Form):
    """One allegation against one of the subjects, in a category of the profile."""

    subject = forms.TypedChoiceField(label="Against", coerce=int)
    category = forms.ChoiceField(label="Category")
    description = _text("What is alleged", 4000, rows=2)
    arose_on = _date("Arose on", required=False)

    def __init__(
        self, *args: Any, subjects: int = 1, profile: str = "england-wales", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["subject"]).choices = [
            (str(i), f"Subject {i + 1}") for i in range(max(subjects, 1))
        ]
        categories = {c.id: c.title for c in rules.profile(profile).categories()}
        cast(forms.ChoiceField, self.fields["category"]).choices = _choices(
            categories, "Choose a category"
        )
        self.fields["category"].error_messages["required"] = "Choose the allegation's category."


AllegationFormSet = forms.formset_factory(AllegationForm, extra=0, min_num=1, validate_min=True)


# -- one form per step --------------------------------------------------------------------------


class StepForm(forms.Form):
    """A step's form: the subject or list report it is about, where it is about one."""

    def __init__(
        self,
        *args: Any,
        case: Case,
        subjects: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        if "subject" in self.fields and subjects is not None:
            cast(forms.ChoiceField, self.fields["subject"]).choices = subjects
        self.setup()

    def setup(self) -> None:
        """Set the choices that depend on the case (its profile's words)."""

    def words(self, group: str) -> dict[str, str]:
        """Return one group of the case's profile's words."""
        return rules.vocabulary(self.case, group)


def _subject_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Subject", error_messages={"invalid_choice": "Choose a subject of this case."}
    )


class RevisionForm(StepForm):
    """Say again what the matter indicates."""

    indications = forms.MultipleChoiceField(
        label="What it indicates", required=False, widget=forms.CheckboxSelectMultiple()
    )
    reason = _reason(what="revising what it indicates")

    def setup(self) -> None:
        cast(forms.ChoiceField, self.fields["indications"]).choices = _choices(
            self.words("indications")
        )


class NameSubjectForm(SubjectForm):
    """Name another subject, with a reason."""

    reason = _text("Why they are a subject", 4000, rows=2)

    def __init__(self, *args: Any, case: Case, subjects: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case

    def clean(self) -> dict[str, Any]:
        """Return the subject as `name_subject` takes them, once the fields are valid."""
        data = super().clean()
        if not self.errors:
            data["new_subject"] = self.new_subject()
        return data


class AddAllegationForm(StepForm):
    """Add an allegation against a subject."""

    subject = _subject_field()
    category = forms.ChoiceField(label="Category")
    description = _text("What is alleged", 4000, rows=3)
    arose_on = _date("Arose on", required=False)

    def setup(self) -> None:
        cast(forms.ChoiceField, self.fields["category"]).choices = _choices(
            self.words("categories"), "Choose a category"
        )


class RecordingForm(StepForm):
    """Decide whether to record the matter, with the complainant's view."""

    record_it = _yes_no("Record the matter?")
    schedule_3 = forms.ChoiceField(
        label="Handle it under Schedule 3",
        required=False,
        choices=[("", "As the rules say"), ("yes", "Yes"), ("no", "No")],
    )
    kind = forms.ChoiceField(label="Kind of matter", required=False)
    complainant_view = _text("The complainant's view of how it should be handled", 4000, rows=3)
    complainant_wants_recording = _yes_no(
        "Does the complainant want it recorded?", required=False, unknown=True
    )
    reason = _reason(what="the recording decision")

    def setup(self) -> None:
        cast(forms.ChoiceField, self.fields["kind"]).choices = _choices(
            self.words("kinds"), "As it is"
        )
        self.fields["complainant_view"].initial = self.case.complainant_view
        wants = self.case.complainant_wants_recording
        self.fields["complainant_wants_recording"].initial = (
            "" if wants is None else ("yes" if wants else "no")
        )


class ReferralForm(StepForm):
    """Decide whether to refer the matter to the oversight body."""

    refer = _yes_no("Refer the matter?")
    reason = _reason(what="the referral decision")


class SeverityForm(StepForm):
    """Assess (or revise) the severity of one subject's conduct."""

    subject = _subject_field()
    level = forms.ChoiceField(label="Severity", widget=forms.RadioSelect())
    final_written_warning_in_force = forms.BooleanField(
        label="A final written warning is in force", required=False
    )
    consulted = forms.BooleanField(
        label="Consulted before revising it", required=False, help_text="needed for a revision"
    )
    officer_notified = forms.BooleanField(
        label="The officer has been told of the revision", required=False
    )
    harm_test = forms.BooleanField(
        label="The harm test applies (the officer is not told)", required=False
    )
    reason = _reason(what="the severity assessment")

    def setup(self) -> None:
        field = cast(forms.ChoiceField, self.fields["level"])
        field.choices = _choices(self.words("levels"))
        field.error_messages["required"] = "Choose the severity."


class AppointmentForm(StepForm):
    """Appoint the investigator."""

    investigator = StaffChoiceField(
        label="Investigator",
        queryset=User.objects.none(),
        error_messages={"required": "Choose the investigator to appoint."},
    )
    reason = _reason(what="the appointment")

    def setup(self) -> None:
        field = cast(StaffChoiceField, self.fields["investigator"])
        field.queryset = User.objects.filter(is_active=True, role=Role.PSD_INVESTIGATOR).order_by(
            "last_name", "username"
        )


class NoticeForm(StepForm):
    """Record the notice of investigation served on a subject."""

    subject = _subject_field()
    served_on = _date("Served on")
    reason = _text("Notes", 4000, rows=2)


class TimelinessForm(StepForm):
    """Give the timeliness account custodes drafted."""

    due_on = forms.DateField(widget=forms.HiddenInput())
    progress = _text("Progress so far", 8000, required=True, rows=8)
    expected_end = _date("Expected end of the investigation")
    delay_reasons = _text("Reasons for delay", 4000, required=True, rows=3)
    next_steps = _text("Next steps", 4000, required=True, rows=4)


class ReportForm(StepForm):
    """Submit the investigation report."""

    summary = _reason("What the report found", "the investigation report", rows=6)
    ended_on = _date("The investigation ended on")


class CaseToAnswerForm(StepForm):
    """Decide whether a subject has a case to answer."""

    subject = _subject_field()
    answer = _yes_no("Is there a case to answer?")
    level = forms.ChoiceField(
        label="Of",
        required=False,
        help_text="with a case to answer: misconduct or gross misconduct; with none, "
        "practice requiring improvement leads to reflective practice",
    )
    reason = _reason(what="the case-to-answer decision")

    def setup(self) -> None:
        cast(forms.ChoiceField, self.fields["level"]).choices = _choices(self.words("levels"), "—")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("answer") and not data.get("level"):
            self.add_error(
                "level", "Say whether the case to answer is of misconduct or gross misconduct."
            )
        return data


class ProceedingsForm(StepForm):
    """Arrange a misconduct meeting, hearing or accelerated hearing."""

    subject = _subject_field()
    forum = forms.ChoiceField(label="Proceedings", widget=forms.RadioSelect())
    held_on = _date("To be held on")
    sufficient_written_evidence = forms.BooleanField(
        label="There is sufficient written evidence to establish gross misconduct",
        required=False,
        help_text="a special condition of an accelerated hearing",
    )
    public_interest_to_leave_at_once = forms.BooleanField(
        label="It is in the public interest that the officer ceases to be one at once",
        required=False,
        help_text="a special condition of an accelerated hearing",
    )
    reason = _reason(what="arranging proceedings")

    def setup(self) -> None:
        field = cast(forms.ChoiceField, self.fields["forum"])
        field.choices = [(k, v) for k, v in self.words("forums").items() if k != "none"]
        field.error_messages["required"] = "Choose the form of proceedings."


class OutcomeForm(StepForm):
    """Record the finding and outcome of a subject's proceedings."""

    subject = _subject_field()
    finding = forms.ChoiceField(label="Finding", required=False)
    final_written_warning_in_force = forms.BooleanField(
        label="A final written warning was in force", required=False
    )
    several_unconnected = forms.BooleanField(
        label="Several unconnected matters were found", required=False
    )
    exceptional_circumstances = forms.BooleanField(
        label="Exceptional circumstances were found", required=False
    )
    outcome = forms.ChoiceField(label="Outcome", required=False, widget=forms.RadioSelect())
    decided_on = _date("Decided on")
    reason = _reason(what="the outcome")

    def setup(self) -> None:
        cast(forms.ChoiceField, self.fields["finding"]).choices = _choices(
            self.words("findings"), "Nothing proved"
        )
        cast(forms.ChoiceField, self.fields["outcome"]).choices = _choices(
            self.words("outcomes"), "No outcome"
        )

    def offer(self, open_outcomes: list[tuple[str, str]]) -> None:
        """Show only the outcomes the rules open to the forum and finding."""
        cast(forms.ChoiceField, self.fields["outcome"]).choices = open_outcomes


class RprpForm(StepForm):
    """Begin reflective practice: the development report's actions, deadlines and review."""

    subject = _subject_field()
    action_1 = _text("First action", 1000, required=True)
    deadline_1 = _date("Its deadline")
    action_2 = _text("Second action", 1000)
    deadline_2 = _date("Its deadline", required=False)
    action_3 = _text("Third action", 1000)
    deadline_3 = _date("Its deadline", required=False)
    review_on = _date("Reviewed on")
    reason = _reason(what="reflective practice")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in (2, 3):
            if data.get(f"action_{n}") and not data.get(f"deadline_{n}"):
                self.add_error(f"deadline_{n}", "Give this action's deadline.")
        return data


class RprpReviewForm(StepForm):
    """Record the review of a subject's reflective practice."""

    subject = _subject_field()
    completed = _yes_no("Were the actions completed?")
    reason = _reason(what="the review")


class LeftServiceForm(StepForm):
    """Record that a subject resigned or retired."""

    subject = _subject_field()
    how = forms.ChoiceField(
        label="How they left",
        choices=[
            (CaseSubject.Left.RESIGNED, "Resigned"),
            (CaseSubject.Left.RETIRED, "Retired"),
        ],
        widget=forms.RadioSelect(),
    )
    left_on = _date("Left on")
    reason = _reason(what="recording it")


class AppealForm(StepForm):
    """Record an appeal against a subject's outcome."""

    subject = _subject_field()
    lodged_on = _date("Lodged on")
    grounds = _reason("Grounds of appeal", "the appeal")


class AppealDecidedForm(StepForm):
    """Record an appeal's result."""

    subject = _subject_field()
    allowed = _yes_no("Was the appeal allowed?")
    outcome = forms.ChoiceField(
        label="The outcome it gave", required=False, help_text="when the appeal was allowed"
    )
    exceptional_circumstances = forms.ChoiceField(
        label="Exceptional circumstances",
        required=False,
        choices=[("", "As the proceedings found"), ("yes", "Found"), ("no", "Not found")],
    )
    reason = _reason(what="the appeal's result")

    def setup(self) -> None:
        cast(forms.ChoiceField, self.fields["outcome"]).choices = _choices(
            self.words("outcomes"), "—"
        )


class ListReportForm(StepForm):
    """Record a list report sent to the list's keeper."""

    report = forms.ChoiceField(
        label="Report",
        error_messages={"invalid_choice": "Choose a report of this case that is to be sent."},
    )
    sent_on = _date("Sent on")

    def __init__(self, *args: Any, reports: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["report"]).choices = reports


class ClosureForm(StepForm):
    """Close the case."""

    reason = _reason(what="closing the case")
