from __future__ import annotations

import re

from django import forms

from apps.audit.choices import Purpose
from apps.audit.forms import CaseNumberField, PurposeField
from apps.holds.choices import HoldGround, ScopeKind

READ_ID_MAX_DIGITS = 19  # a read number is a bigint: anything longer is no read

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class HoldRequestForm(forms.Form):
    """The written request (policy 004 §VI): case number, reason, ground, contact, scope. The service checks again."""

    case_number = CaseNumberField(label="Case number", required=True)
    ground = forms.ChoiceField(choices=HoldGround.choices)
    purpose = PurposeField(choices=Purpose.choices, initial=Purpose.PROSECUTION_OR_EXONERATION, required=True,
                           help_text="The authorized purpose under which the held reads will be accessed.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Specific reason for the retention")
    contact = forms.CharField(max_length=200, label="Your contact (phone, e-mail)")
    concurrence_by = forms.CharField(max_length=150, required=False, label="Concurring Division Chief / Director",
                                     help_text="Executive direction only.")
    concurrence_statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                            label="Their written concurrence", help_text="Executive direction only.")
    evidence_booking_number = forms.CharField(
        max_length=64, required=False, label="Evidence booking item number",
        help_text="If the data is already downloaded onto portable media and booked into evidence (R-RET-3a).")
    scope_kind = forms.ChoiceField(choices=ScopeKind.choices, widget=forms.RadioSelect, initial=ScopeKind.SEARCH,
                                   label="Scope")
    read_ids = forms.CharField(required=False, label="Read numbers",
                               help_text="Selected reads: their numbers, separated by commas or spaces.")
    plate = forms.CharField(max_length=32, required=False, help_text="Full or partial plate (e.g. 7ABC123, 7AB?12*).")
    time_from = forms.DateTimeField(required=False, widget=_DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    time_to = forms.DateTimeField(required=False, widget=_DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    cameras = forms.MultipleChoiceField(required=False, choices=(), widget=forms.SelectMultiple(attrs={"size": 5}),
                                        help_text="None selected: every camera.")

    def __init__(self, *args, cameras=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cameras"].choices = [(str(camera.pk), camera.name) for camera in cameras]

    def clean_read_ids(self):
        raw = self.cleaned_data.get("read_ids") or ""
        parts = [part for part in re.split(r"[\s,;]+", raw.strip()) if part]
        if any(not part.isdigit() or len(part) > READ_ID_MAX_DIGITS for part in parts):
            raise forms.ValidationError("Read numbers are whole numbers, separated by commas or spaces.")
        return [int(part) for part in parts]


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ShareForm(forms.Form):
    username = forms.CharField(max_length=150, label="Share with (username)")
