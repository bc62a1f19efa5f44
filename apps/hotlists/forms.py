"""Forms of the hot-list pages. They validate shape; the rules (patterns, expiry, transitions) are the services'."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from apps.agencies.shift_windows import SHIFTS, shift_at
from apps.audit.choices import Purpose
from apps.audit.forms import CaseNumberField, PurposeField
from apps.audit.justification_rules import ATTESTATION_TEXT
from apps.common.server_time import CLIENT_TIME_REFUSED, client_time_fields
from apps.hotlists.choices import (
    CONFIRMATION_CHOICES,
    CONFIRMATION_RESULT_CHOICES,
    EntryErrorKind,
    EntryReason,
    ExigentReviewOutcome,
    HitAction,
    HotListSource,
    Priority,
    RefreshPolicy,
)

UPLOAD_REQUIRED = "Choose a CSV file to upload."
BACK_SEARCH_NEEDS_PURPOSE = "A back-search is a query of ALPR data: give its purpose and case number (R-READ-3)."


class HotListForm(forms.Form):
    name = forms.CharField(max_length=120)
    source = forms.ChoiceField(choices=HotListSource.choices)
    agency = forms.ModelChoiceField(queryset=None, required=False,
                                    help_text="The partner agency (partner lists); empty for our own or DOJ lists.")
    owner = forms.ModelChoiceField(queryset=None, help_text="Alerted when the list goes stale.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    refresh_policy = forms.ChoiceField(choices=RefreshPolicy.choices)
    default_entry_days = forms.IntegerField(min_value=1, max_value=3650, required=False,
                                            help_text="Expiry of entries given without one. Empty: always required.")

    def __init__(self, *args, **kwargs):
        from apps.accounts.models import User
        from apps.agencies.models import Agency

        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(is_deploying_agency=False).order_by("name")
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("last_name", "username")


class EntryAddForm(forms.Form):
    plate = forms.CharField(max_length=32, help_text="Full plate, or partial: ? one unknown character, * any run "
                                                     "(e.g. 7AB?12*).")
    state = forms.CharField(max_length=2, required=False)
    reason = forms.ChoiceField(choices=EntryReason.choices)
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.NORMAL)
    case_number = forms.CharField(max_length=64, required=False)
    expires = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              help_text="Last day the entry matches. Empty: the list's default.")
    justification = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text="Reason “other”: a written justification of at least 20 characters "
                                              "(R-PURP-2).")
    attestation = forms.BooleanField(required=False, label=ATTESTATION_TEXT,
                                     help_text="Required when the reason is “other” (R-PURP-2).")
    vehicle_description = forms.CharField(max_length=200, required=False)
    back_search_days = forms.IntegerField(
        min_value=0, required=False, initial=0, label="Back-search the last N days",
        help_text="Optional: look for earlier sightings (an audited query: give purpose and case number).")
    purpose = PurposeField(choices=[("", "—"), *Purpose.choices], optional=True)
    search_case_number = CaseNumberField(optional=True, label="Case number for the back-search")

    def clean(self):
        data = super().clean()
        days = data.get("back_search_days") or 0
        limit = settings.PORTAL["READ_SEARCH_PARTIAL_MAX_DAYS"]
        if days > limit:
            self.add_error("back_search_days", f"At most {limit} days.")
        if days and (not data.get("purpose") or not (data.get("search_case_number") or "").strip()):
            self.add_error("purpose", BACK_SEARCH_NEEDS_PURPOSE)
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        expires = ""
        if data.get("expires"):
            expires = timezone.make_aware(datetime.combine(data["expires"], time(23, 59, 59))).isoformat()
        return {"plate": data["plate"], "state": data.get("state") or "", "reason": data["reason"],
                "priority": data["priority"], "case_number": data.get("case_number") or "", "expires": expires,
                "justification": data["justification"], "vehicle_description": data.get("vehicle_description") or "",
                "attested": bool(data.get("attestation"))}


class EntryRemoveForm(forms.Form):
    reason = forms.CharField(label="Why is it removed?", widget=forms.Textarea(attrs={"rows": 2}))


class BackSearchForm(forms.Form):
    days = forms.IntegerField(min_value=1, initial=30)
    purpose = PurposeField(choices=Purpose.choices, required=True)
    case_number = CaseNumberField(label="Case number", required=True)

    def clean_days(self):
        days = self.cleaned_data["days"]
        limit = settings.PORTAL["READ_SEARCH_PARTIAL_MAX_DAYS"]
        if days > limit:
            raise forms.ValidationError(f"At most {limit} days.")
        return days


class ImportUploadForm(forms.Form):
    file = forms.FileField(error_messages={"required": UPLOAD_REQUIRED})


class ImportApplyForm(forms.Form):
    skip_invalid_lines = forms.BooleanField(required=False, label="Skip the lines with errors")
    note = forms.CharField(required=False, max_length=500, label="Why (recorded with the new version)")
    attestation = forms.BooleanField(required=False, label=ATTESTATION_TEXT)


class EntryErrorForm(forms.Form):
    """R-HOT-7: what was wrong with an entry."""

    kind = forms.ChoiceField(choices=EntryErrorKind.choices, label="What is wrong")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Describe the error",
                                  max_length=2000)


class EntryErrorResolveForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="How was it resolved?", max_length=2000)


class ReferralSentForm(forms.Form):
    via = forms.CharField(max_length=200, label="Sent how (e-mail to…, CLETS message…)")


class QualityReviewForm(forms.Form):
    """R-HOT-7: a periodic data-quality review (who and when are the server's)."""

    hot_list = forms.ModelChoiceField(queryset=None, required=False, empty_label="All lists",
                                      label="List reviewed")
    scope = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                            help_text="What was checked: entries, period, method (e.g. every entry older than 90 days "
                                      "checked against the case file).")
    entries_checked = forms.IntegerField(min_value=0, initial=0)
    errors_found = forms.IntegerField(min_value=0, initial=0)
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                               help_text="What was found and done; “no errors found” is a finding.")

    def __init__(self, *args, hot_lists=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hot_list"].queryset = hot_lists


class ServerTimeFormMixin:
    """Refuse a form post that carries a time of its own: the time of record is the server's (R-HOT-4a)."""

    def clean(self):
        cleaned = super().clean()
        for name in client_time_fields(self.data):
            self.add_error(None, CLIENT_TIME_REFUSED.format(field=name))
        return cleaned


class HitConfirmForm(ServerTimeFormMixin, forms.Form):
    method = forms.ChoiceField(choices=CONFIRMATION_CHOICES, label="Confirmed with",
                               help_text="Stolen vehicle or plate: dispatch/communications or CLETS only.")
    result = forms.ChoiceField(choices=CONFIRMATION_RESULT_CHOICES, widget=forms.RadioSelect)
    reference = forms.CharField(required=False, max_length=120, label="Dispatcher or reference",
                                help_text="The dispatcher's name or ID, or the CLETS message number "
                                          "(required for a stolen vehicle or plate).")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HitExigentForm(ServerTimeFormMixin, forms.Form):
    action = forms.ChoiceField(choices=HitAction.choices)
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Exigent circumstances",
                                    help_text="What made it impossible to confirm with dispatch or CLETS first.")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExigentReviewForm(ServerTimeFormMixin, forms.Form):
    outcome = forms.ChoiceField(choices=ExigentReviewOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Review note")


class HitNoteForm(ServerTimeFormMixin, forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class HitActionForm(ServerTimeFormMixin, forms.Form):
    action = forms.ChoiceField(choices=HitAction.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class UsageForm(forms.Form):
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    shift = forms.ChoiceField(choices=[("day", "Day 06–14"), ("swing", "Swing 14–22"), ("night", "Night 22–06"),
                                       ("all", "Whole day")], required=False)

    def window(self) -> tuple[datetime, datetime, str]:
        """The shift chosen; by default the one in progress (R-OPS-1: at 03:00 that is the previous day's night,
        never an empty day shift still to come)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        current_day, current_shift = shift_at(timezone.now())
        day = data.get("day") or current_day
        shift = data.get("shift") or current_shift
        midnight = timezone.make_aware(datetime.combine(day, time(0, 0)))
        if shift == "all":
            return midnight, midnight + timedelta(days=1), shift
        start_hour, end_hour = SHIFTS[shift]
        return midnight + timedelta(hours=start_hour), midnight + timedelta(hours=end_hour), shift
