"""Forms of the OCR pages (the upload form is also how the upload API reads its fields)."""

from __future__ import annotations

from django import forms
from django.conf import settings

from apps.audit.forms import CaseNumberField, PurposeField
from apps.ocr.services.uploads import UPLOAD_LOCATION_INCOMPLETE, UPLOAD_NO_PHOTOS, UPLOAD_TOO_MANY


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by really decoding it in the service, not here."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class OcrUploadForm(forms.Form):
    photos = MultipleFileField(
        required=False, allow_empty_file=True, label="Photos (JPEG or PNG)",  # an empty file fails its own item
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "multiple": True}),
    )
    captured_at = forms.DateTimeField(
        required=False, label="Taken at (if known)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty to use the upload time.",
    )
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    purpose = PurposeField(
        optional=True,
        help_text="With the case number, the purpose under which you will see the plates read (R-AUD-1a).",
    )
    case_number = CaseNumberField(optional=True)
    note = forms.CharField(max_length=500, required=False, label="Where the photos come from",
                           widget=forms.TextInput(attrs={"placeholder": "e.g. witness's phone, doorbell camera"}))

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        limit = settings.PORTAL["OCR_UPLOAD_MAX_PHOTOS"]
        if not photos:
            raise forms.ValidationError(UPLOAD_NO_PHOTOS, code="upload_no_photos")
        if len(photos) > limit:
            raise forms.ValidationError(UPLOAD_TOO_MANY.format(limit=limit, count=len(photos)), code="upload_too_many")
        return photos

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", forms.ValidationError(UPLOAD_LOCATION_INCOMPLETE, code="location_incomplete"))
        return data


class OcrCorrectionForm(forms.Form):
    corrected_plate = forms.CharField(max_length=20, label="Plate in the photo")
    reason = forms.CharField(max_length=500, label="Why",
                             widget=forms.TextInput(attrs={"placeholder": "e.g. photo shows 8, OCR read B"}))
