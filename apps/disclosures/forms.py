"""The partner requester's pages: the written request (R-SHR-3) and the answer to a request for information."""

from __future__ import annotations

import re

from django import forms

from apps.agreements.choices import ImmigrationBasis
from apps.agreements.documents import document_validate
from apps.audit.choices import Purpose
from apps.common.errors import ApplicationError
from apps.disclosures.choices import STAFF_ENTERED, AttachmentKind, ReceivedVia
from apps.disclosures.services.submission import TEXT_MAX_CHARS

_PLATE_SPLIT = re.compile(r"[\s,;]+")
_DT = {"type": "datetime-local"}


def _document_field(form, name: str, kind: str):
    upload = form.cleaned_data.get(name)
    if upload:
        try:
            document_validate(upload, field=AttachmentKind(kind).label.lower())
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from error
    return upload


class DisclosureRequestForm(forms.Form):
    requesting_person_name = forms.CharField(label="Requesting person", max_length=200)
    requesting_person_title = forms.CharField(label="Title / rank", max_length=200, required=False)
    requesting_person_email = forms.EmailField(label="E-mail", required=False)
    requesting_person_phone = forms.CharField(label="Phone", max_length=40, required=False)
    purpose = forms.ChoiceField(label="Intended purpose", choices=[("", "— choose —"), *Purpose.choices],
                                help_text="Only the purposes the policy authorizes (civil immigration enforcement is "
                                          "never a purpose).")
    purpose_details = forms.CharField(label="How the data will be used", required=False,
                                      max_length=TEXT_MAX_CHARS["purpose_details"],
                                      widget=forms.Textarea(attrs={"rows": 3}))
    case_number = forms.CharField(label="Case / incident number", max_length=64)
    legal_basis = forms.CharField(label="Legal basis", widget=forms.Textarea(attrs={"rows": 3}),
                                  max_length=TEXT_MAX_CHARS["legal_basis"],
                                  help_text="The authority under which your agency asks (statute, warrant, order…).")
    plates = forms.CharField(
        label="Plates", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or more, separated by spaces, commas or new lines. Partial plates: ? for one unknown "
                  "character, * for any number (e.g. 7AB?12*).")
    time_from = forms.DateTimeField(label="From", widget=forms.DateTimeInput(attrs=_DT, format="%Y-%m-%dT%H:%M"))
    time_to = forms.DateTimeField(label="To", widget=forms.DateTimeInput(attrs=_DT, format="%Y-%m-%dT%H:%M"))
    area_description = forms.CharField(label="Area (description)", max_length=300, required=False)
    area_latitude = forms.FloatField(label="Latitude", required=False, min_value=-90, max_value=90)
    area_longitude = forms.FloatField(label="Longitude", required=False, min_value=-180, max_value=180)
    area_radius_km = forms.FloatField(label="Radius (km)", required=False, min_value=0.01, max_value=200)
    immigration_related = forms.TypedChoiceField(
        label="Is this request related in any way to civil immigration enforcement?",
        choices=[("no", "No"), ("yes", "Yes")], coerce=lambda value: value == "yes", widget=forms.RadioSelect,
        help_text="If yes, ALPR data is released only under a judicial warrant (attach it) or a state or county law "
                  "that expressly requires the disclosure (cite it); otherwise the request is refused (SB 54).")
    immigration_basis = forms.ChoiceField(label="Basis", choices=ImmigrationBasis.choices, required=False)
    immigration_law_citation = forms.CharField(label="Law that requires the disclosure", required=False,
                                               max_length=TEXT_MAX_CHARS["immigration_law_citation"],
                                               widget=forms.Textarea(attrs={"rows": 2}))
    judicial_warrant = forms.FileField(label="Judicial warrant", required=False,
                                       help_text="PDF, JPEG or PNG.")
    court_order = forms.FileField(label="Court order", required=False, help_text="PDF, JPEG or PNG.")
    supporting_document = forms.FileField(label="Other supporting document", required=False,
                                          help_text="PDF, JPEG or PNG.")
    requester_attested = forms.BooleanField(
        label="I attest that this request is accurate, that the data will be used only for the stated purpose by "
              "authorized people of my agency, and that it will not be re-shared or used for civil immigration "
              "enforcement.")

    def clean_plates(self):
        return [plate for plate in _PLATE_SPLIT.split(self.cleaned_data.get("plates") or "") if plate]

    def clean_judicial_warrant(self):
        return _document_field(self, "judicial_warrant", AttachmentKind.JUDICIAL_WARRANT)

    def clean_court_order(self):
        return _document_field(self, "court_order", AttachmentKind.COURT_ORDER)

    def clean_supporting_document(self):
        return _document_field(self, "supporting_document", AttachmentKind.SUPPORTING)

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        attachments = [(AttachmentKind.JUDICIAL_WARRANT, data.pop("judicial_warrant")),
                       (AttachmentKind.COURT_ORDER, data.pop("court_order")),
                       (AttachmentKind.SUPPORTING, data.pop("supporting_document"))]
        return {**data, "attachments": [(kind, upload) for kind, upload in attachments if upload]}


class StaffEnteredRequestForm(DisclosureRequestForm):
    """R-SHR-9: a written request that arrived on paper or by e-mail, entered by records staff with the document
    attached. The person who enters it cannot review or authorize it (the service refuses)."""

    agency = forms.ModelChoiceField(label="Requesting agency", queryset=None,
                                    help_text="The agency named in the written request.")
    received_via = forms.ChoiceField(label="Arrived", widget=forms.RadioSelect, choices=[
        (value, label) for value, label in ReceivedVia.choices if value in STAFF_ENTERED])
    received_on = forms.DateField(label="Received on", widget=forms.DateInput(attrs={"type": "date"}))
    document = forms.FileField(label="The written request as received",
                               help_text="The scanned letter or the e-mail saved as PDF (PDF, JPEG or PNG). It is "
                                         "stored with its SHA-256 and shown to the reviewing custodian.")

    field_order = ["agency", "received_via", "received_on", "document"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from apps.agencies.models import Agency

        self.fields["agency"].queryset = Agency.objects.filter(is_deploying_agency=False).order_by("name")
        del self.fields["requester_attested"]  # a paper request carries its own signature; staff attest nothing
        self.fields["legal_basis"].help_text = "The authority the written request gives (statute, warrant, order…)."
        self.fields["requesting_person_name"].label = "Requesting person (as signed)"

    def clean_document(self):
        return _document_field(self, "document", AttachmentKind.WRITTEN_REQUEST)

    def service_arguments(self) -> dict:
        arguments = super().service_arguments()
        arguments.pop("requester_attested", None)
        return arguments


class InfoResponseForm(forms.Form):
    message = forms.CharField(label="Your answer", max_length=TEXT_MAX_CHARS["message"],
                              widget=forms.Textarea(attrs={"rows": 4}))
    document = forms.FileField(label="Document (optional)", required=False, help_text="PDF, JPEG or PNG.")
    judicial_warrant = forms.FileField(
        label="Judicial warrant (optional)", required=False,
        help_text="For a request on the civil-immigration path (SB 54): the warrant the custodian must examine.")

    def clean_document(self):
        return _document_field(self, "document", AttachmentKind.INFO_RESPONSE)

    def clean_judicial_warrant(self):
        return _document_field(self, "judicial_warrant", AttachmentKind.JUDICIAL_WARRANT)
