"""Forms of the reads pages; the search form is also how the search API reads its query parameters."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.audit.forms import CaseNumberField, PurposeField
from apps.audit.justification_rules import (
    ATTESTATION_TEXT,
    JUSTIFICATION_MAX_LENGTH,
    SEARCH_SUBJECT,
    justification_check,
)
from apps.common.errors import ApplicationError
from apps.reads.choices import CameraStatus
from apps.reads.models import Camera
from apps.reads.selectors import PAGE_OUT_OF_RANGE, READ_SEARCH_PAGE_MAX, ReadSearch, read_search_build

AREA_FIELDS_INCOMPLETE = "Give all four edges of the box (south, west, north, east)."
CIRCLE_FIELDS_INCOMPLETE = "Give the centre latitude, longitude and the radius together."
AREA_BOTH = "Give either a box or a centre with a radius, not both."

_SEARCH_ERROR_FIELDS = {
    "plate_required": "plate", "plate_illegal_characters": "plate", "plate_too_long": "plate",
    "pattern_illegal_characters": "plate", "pattern_too_vague": "plate", "pattern_too_long": "plate",
    "time_range_invalid": "end", "time_range_too_long": "start", "time_range_in_future": "start",
    "area_invalid": None, "search_needs_criterion": None,
    "vehicle_year_invalid": "vehicle_year", "vehicle_direction_invalid": "direction",
}
DIRECTIONS = [("", "— any —"), *((d, d) for d in ("N", "NE", "E", "SE", "S", "SW", "W", "NW"))]
# The colours OpenALPR agents' vehicle classifier reports (what the webhook stores).
VEHICLE_COLORS = [("", "— any —"), *((c, c) for c in ("black", "blue", "brown", "gold-beige", "green", "orange",
                                                       "purple", "red", "silver-gray", "white", "yellow"))]


class PurposeFieldsMixin(forms.Form):
    """R-PURP: the purpose list has no immigration enforcement (it is absent from Purpose). R-READ-3: both are read
    by the access log's own checks, as the API and the session read them."""

    purpose = PurposeField()
    case_number = CaseNumberField()


class ReadSearchForm(PurposeFieldsMixin, forms.Form):
    plate = forms.CharField(
        max_length=20, required=False, label="Plate",
        help_text="Full plate, or partial: ? is exactly one unknown character, * any number (e.g. 7AB?12*).",
    )
    start = forms.DateTimeField(
        required=False, label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(required=False, label="To", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    camera = forms.ModelMultipleChoiceField(queryset=Camera.objects.none(), required=False, label="Cameras")
    south = forms.FloatField(required=False, min_value=-90, max_value=90)
    west = forms.FloatField(required=False, min_value=-180, max_value=180)
    north = forms.FloatField(required=False, min_value=-90, max_value=90)
    east = forms.FloatField(required=False, min_value=-180, max_value=180)
    center_lat = forms.FloatField(required=False, min_value=-90, max_value=90, label="Centre latitude")
    center_lon = forms.FloatField(required=False, min_value=-180, max_value=180, label="Centre longitude")
    radius_km = forms.FloatField(required=False, min_value=0.01, max_value=200, label="Radius (km)")
    misread_tolerant = forms.BooleanField(
        required=False, label="Misread-tolerant",
        help_text="Also match the usual OCR confusions (O/0, I/1, B/8, S/5, Z/2, G/6), the alternate readings of "
                  "uploaded photos and the plates reads carried before a correction; such matches are marked.",
    )
    # Vehicle attributes (issue #21): combine with a full or partial plate; without a plate the search is plate-less.
    vehicle_color = forms.ChoiceField(choices=VEHICLE_COLORS, required=False, label="Colour")
    vehicle_make = forms.CharField(max_length=40, required=False, label="Make", help_text="e.g. toyota")
    vehicle_model = forms.CharField(max_length=60, required=False, label="Model", help_text="e.g. camry")
    vehicle_body_type = forms.CharField(max_length=30, required=False, label="Body type",
                                        help_text="e.g. sedan-standard, suv-standard, pickup-standard")
    vehicle_year = forms.IntegerField(required=False, min_value=1900, max_value=2100, label="Model year")
    direction = forms.ChoiceField(choices=DIRECTIONS, required=False, label="Direction of travel")
    page = forms.IntegerField(required=False, min_value=1, max_value=READ_SEARCH_PAGE_MAX, widget=forms.HiddenInput,
                              error_messages={"min_value": PAGE_OUT_OF_RANGE, "max_value": PAGE_OUT_OF_RANGE,
                                              "invalid": PAGE_OUT_OF_RANGE})
    # R-PURP-2: a search without a plate (by area, camera or vehicle) needs a written justification and the attestation.
    justification = forms.CharField(
        required=False, max_length=JUSTIFICATION_MAX_LENGTH, label="Justification (searches without a plate)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when no plate is given: what links this area, camera or vehicle to the case. Kept in the "
                  "access log and reviewed by a supervisor.",
    )
    attestation = forms.BooleanField(required=False, label=ATTESTATION_TEXT)

    field_order = ["plate", "start", "end", "camera", "purpose", "case_number"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["camera"].queryset = Camera.objects.order_by("name")
        self.search: ReadSearch | None = None

    def clean(self):
        data = super().clean()
        # The page is a hidden field: its error is said above the form, where the person sees it.
        for message in self._errors.pop("page", []):
            self.add_error(None, message)
        box = [data.get(name) for name in ("south", "west", "north", "east")]
        circle = [data.get(name) for name in ("center_lat", "center_lon", "radius_km")]
        bbox = tuple(box) if all(v is not None for v in box) else None
        center = tuple(circle) if all(v is not None for v in circle) else None
        if bbox is None and any(v is not None for v in box):
            self.add_error(None, AREA_FIELDS_INCOMPLETE)
        if center is None and any(v is not None for v in circle):
            self.add_error(None, CIRCLE_FIELDS_INCOMPLETE)
        if bbox and center:
            self.add_error(None, AREA_BOTH)
        if self.errors:
            return data
        try:
            self.search = read_search_build(
                plate=data.get("plate") or "", start=data.get("start"), end=data.get("end"),
                camera_ids=[camera.pk for camera in data.get("camera") or []], bbox=bbox, circle=center,
                tolerant=bool(data.get("misread_tolerant")),
                vehicle={"color": data.get("vehicle_color"), "make": data.get("vehicle_make"),
                         "model": data.get("vehicle_model"), "body_type": data.get("vehicle_body_type"),
                         "year": data.get("vehicle_year"), "direction": data.get("direction")},
            )
        except ApplicationError as exc:
            self.add_error(_SEARCH_ERROR_FIELDS.get(exc.code), forms.ValidationError(exc.message, code=exc.code))
            return data
        if self.search.plate is None:
            try:
                data["justification"] = justification_check(
                    justification=data.get("justification") or "", attested=bool(data.get("attestation")),
                    subject=SEARCH_SUBJECT)
            except ApplicationError as exc:
                field = "attestation" if exc.code == "attestation_required" else "justification"
                self.add_error(field, forms.ValidationError(exc.message, code=exc.code))
        return data

    def justification_fields(self) -> dict:
        """The R-PURP-2 arguments of the search selectors."""
        return {"justification": self.cleaned_data.get("justification") or "",
                "attested": bool(self.cleaned_data.get("attestation"))}

    def missing_purpose_error(self) -> ApplicationError | None:
        """For the API: a purpose/case problem, or a plate-less search without its justification or attestation
        (R-PURP-2), as the portal's error (400, a code saying what is missing)."""
        for name in ("purpose", "case_number", "justification", "attestation"):
            if name in self.errors:
                error = self.errors.as_data()[name][0]
                return ApplicationError(error.messages[0], code=error.code or "invalid",
                                        extra={"fields": {key: list(value) for key, value in self.errors.items()}})
        return None


class ReadCorrectionForm(forms.Form):
    corrected_plate = forms.CharField(max_length=20, label="Corrected plate")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why (what the image shows)")


class CameraStatusForm(forms.Form):
    status = forms.ChoiceField(choices=CameraStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What happened")
    effective_at = forms.DateTimeField(
        required=False, label="Since (leave empty for now)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean_effective_at(self):
        value = self.cleaned_data.get("effective_at")
        return value or timezone.now()
