"""Alert forms."""

from django import forms

__all__ = ["TriageForm"]


class TriageForm(forms.Form):
    """Say why an audit alert is dismissed, escalated or made a case."""

    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
