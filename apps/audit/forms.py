"""Forms of the security incident register (R-SEC-1)."""

from django import forms

from apps.accounts.models import User
from apps.audit.choices import IncidentKind, NotificationDecision

DATETIME_INPUT = {"widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                  "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]}


class IncidentOpenForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=IncidentKind.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    detected_at = forms.DateTimeField(required=False, label="Detected at", help_text="Leave empty for now.",
                                      **DATETIME_INPUT)
    detected_by = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True).order_by("username"),
                                         required=False, label="Detected by", help_text="Leave empty for yourself.")


class IncidentScopeForm(forms.Form):
    """R-SEC-1: the account and window whose accesses are in scope."""

    user = forms.ModelChoiceField(queryset=User.objects.order_by("username"), label="Account")
    start = forms.DateTimeField(label="From", **DATETIME_INPUT)
    end = forms.DateTimeField(label="Until", **DATETIME_INPUT)


class IncidentDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[c for c in NotificationDecision.choices if c[0]], label="Notification")
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reasons")
    notified_on = forms.DateField(required=False, label="Notifications sent on",
                                  widget=forms.DateInput(attrs={"type": "date"}))


class IncidentCloseForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="How it was resolved")
