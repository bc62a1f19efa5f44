"""The form fields that read a stated purpose and case number, and the forms of the security incident register."""

from django import forms

from apps.accounts.models import User
from apps.audit.choices import IncidentKind, NotificationDecision, Purpose
from apps.audit.services import CASE_NUMBER_MAX_LENGTH, case_number_validate, purpose_validate
from apps.common.errors import ApplicationError


class _ChokePointMixin:
    """A field whose value is read by the audit app's one check (its parsing, its messages and codes), not by the
    field's own rules, so a page, the API and the access log mean the same by it. ``optional``: empty is allowed
    (a back-search that is not asked for); otherwise empty gets the check's "required" message. ``required`` only
    marks the input for the browser."""

    check = None

    def __init__(self, *, optional: bool = False, required: bool = False, **kwargs):
        self.optional = optional
        super().__init__(required=required and not optional, **kwargs)

    def clean(self, value):
        value = self.to_python(value)
        if self.optional and not value:
            return ""
        try:
            return self.check(value)
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code=error.code) from error


class PurposeField(_ChokePointMixin, forms.ChoiceField):
    """R-PURP: a purpose chosen from the authorized list and read by ``purpose_validate`` (stripped; an unknown one
    gets its message naming SB 54), as the API and the session read it."""

    check = staticmethod(purpose_validate)

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", [("", "— choose the purpose —"), *Purpose.choices])
        kwargs.setdefault("label", "Purpose")
        super().__init__(**kwargs)


class CaseNumberField(_ChokePointMixin, forms.CharField):
    """R-READ-3: a case or incident number read by ``case_number_validate`` (stripped; its length and characters)."""

    check = staticmethod(case_number_validate)

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Case / incident number")
        super().__init__(max_length=CASE_NUMBER_MAX_LENGTH, **kwargs)


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
