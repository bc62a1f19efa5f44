"""Admin forms for agreements: uploads are decoded (apps.agreements.documents) before any service runs."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.agreements.documents import document_validate
from apps.agreements.models import Agreement
from apps.common.errors import ApplicationError


def _pdf_field_clean(form: forms.Form, name: str, label: str):
    upload = form.cleaned_data.get(name)
    if upload:
        try:
            document_validate(upload, field=label, allowed=("pdf",))
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from error
    return upload


class AgreementAdminForm(forms.ModelForm):
    signed_document_upload = forms.FileField(
        required=False, label="Signed agreement (PDF)",
        help_text="The agreement as signed by both agencies. It is checked to be a real, readable PDF.",
    )

    class Meta:
        model = Agreement
        fields = ["partner_agency", "title", "start_date", "sunset_date", "notes",
                  "partner_attests_authorized_users", "partner_attests_accuracy", "partner_attests_hotlist_refresh",
                  "partner_attests_no_immigration", "partner_attests_no_resharing",
                  "agency_attests_authorized_users", "agency_attests_accuracy", "agency_attests_hotlist_refresh",
                  "agency_attests_no_immigration", "agency_attests_no_resharing"]

    def clean_signed_document_upload(self):
        return _pdf_field_clean(self, "signed_document_upload", "signed agreement")


class TerminateForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Why sharing stops now.")


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="I confirm", required=True)


class RenewalApplicationForm(forms.Form):
    application_document = forms.FileField(label="Renewal application (PDF)")
    received_on = forms.DateField(initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    applicant_name = forms.CharField(max_length=200, help_text="Who applied for the partner agency.")

    def clean_application_document(self):
        return _pdf_field_clean(self, "application_document", "renewal application")


class RenewalReviewForm(forms.Form):
    """The renewal checklist (R-SHR-2) and the decision, recorded by the signed-in person."""

    compliance_confirmed = forms.BooleanField(
        required=False, label="The partner complies with current law and this agency's policy")
    compliance_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    ag_list_checked_on = forms.DateField(
        label="Attorney General's SB 34 non-compliance list checked on", initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}))
    ag_list_partner_listed = forms.BooleanField(required=False, label="The partner IS on that list")
    decision = forms.ChoiceField(choices=[("", "Record the checklist only"), ("approve", "Renew the agreement"),
                                          ("refuse", "Refuse the renewal")], required=False)
    new_sunset_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                      help_text="Default: one year from today (the maximum).")
    signed_document = forms.FileField(required=False, label="New signed agreement (PDF), if re-signed")
    decision_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text="Required when refusing.")

    def clean_signed_document(self):
        return _pdf_field_clean(self, "signed_document", "signed agreement")
