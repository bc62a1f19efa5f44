"""Forms of the shift pages. Shape only; the rules are the services'. No form has a time field, and a post that
carries one is refused (times of record are the server's)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.agencies.shift_windows import SHIFT_CHOICES, shift_at
from apps.hotlists.forms import ServerTimeFormMixin


class SignOnForm(ServerTimeFormMixin, forms.Form):
    affixed = forms.BooleanField(required=False, label="Camera properly affixed to the vehicle")
    undamaged = forms.BooleanField(required=False, label="Inspected: no damage")
    inspection_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                      label="Inspection note", help_text="Required if the unit fails inspection.")


class SignOffForm(ServerTimeFormMixin, forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="Required when signing off before the end of the shift.")


class ShiftChoiceForm(forms.Form):
    """Which shift a report shows: the current one unless another is chosen (R-OPS-1)."""

    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    shift = forms.ChoiceField(choices=SHIFT_CHOICES, required=False)

    def chosen(self):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        current_day, current_shift = shift_at(timezone.now())
        return data.get("day") or current_day, data.get("shift") or current_shift


class GapReviewForm(ServerTimeFormMixin, forms.Form):
    day = forms.DateField(widget=forms.HiddenInput)
    shift = forms.ChoiceField(choices=SHIFT_CHOICES, widget=forms.HiddenInput)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Review note",
                           help_text="What you found and did about each gap (e.g. “Park on leave; Unit 12 to shop”).")


class LeavePeriodForm(forms.Form):
    """A supervisor records a team member's leave (R-AUD-3: searches made on leave are flagged)."""

    person = forms.ModelChoiceField(queryset=None, label="Team member")
    first_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False, max_length=200, help_text="E.g. “annual leave” (no medical details).")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = actor.direct_reports.filter(is_active=True).order_by("username")
