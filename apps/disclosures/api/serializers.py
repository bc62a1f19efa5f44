from __future__ import annotations

from rest_framework import serializers

from apps.agreements.choices import ImmigrationBasis
from apps.audit.choices import Purpose
from apps.disclosures.links import package_download_url
from apps.disclosures.models import DisclosureRequest
from apps.disclosures.selectors import release_download_eligibility, requester_view_of
from apps.disclosures.services.submission import TEXT_MAX_CHARS


class DisclosureRequestInputSerializer(serializers.Serializer):
    """A written request (R-SHR-3). The agency comes from the caller's account; ``agency`` may be sent only to say
    the same (anything else is refused)."""

    agency = serializers.IntegerField(required=False, help_text="Optional; must be your own agency's id.")
    requesting_person_name = serializers.CharField(max_length=200)
    requesting_person_title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    requesting_person_email = serializers.EmailField(required=False, allow_blank=True, default="")
    requesting_person_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    purpose_details = serializers.CharField(required=False, allow_blank=True, default="",
                                            max_length=TEXT_MAX_CHARS["purpose_details"])
    case_number = serializers.CharField(max_length=64)
    legal_basis = serializers.CharField(max_length=TEXT_MAX_CHARS["legal_basis"])
    plates = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list,
                                   help_text="Full or partial plates (? one unknown character, * any number).")
    time_from = serializers.DateTimeField()
    time_to = serializers.DateTimeField()
    area_description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    area_latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    area_longitude = serializers.FloatField(required=False, allow_null=True, default=None)
    area_radius_km = serializers.FloatField(required=False, allow_null=True, default=None)
    immigration_related = serializers.BooleanField(
        help_text="Is the request related in any way to civil immigration enforcement? (R-SHR-5)")
    immigration_basis = serializers.ChoiceField(choices=ImmigrationBasis.choices, required=False, allow_blank=True,
                                                default="")
    immigration_law_citation = serializers.CharField(required=False, allow_blank=True, default="",
                                                     max_length=TEXT_MAX_CHARS["immigration_law_citation"])
    requester_attested = serializers.BooleanField()
    judicial_warrant = serializers.FileField(required=False, allow_null=True, default=None)
    court_order = serializers.FileField(required=False, allow_null=True, default=None)
    supporting_document = serializers.FileField(required=False, allow_null=True, default=None)


class StaffEnteredRequestInputSerializer(DisclosureRequestInputSerializer):
    """R-SHR-9: a written request that arrived on paper or by e-mail, entered by records staff with the document as
    received (multipart). The requesting agency is named (it is not the caller's)."""

    agency = serializers.IntegerField(help_text="The id of the agency the written request came from.")
    received_via = serializers.ChoiceField(choices=[("paper", "On paper"), ("email", "By e-mail")])
    received_on = serializers.DateField()
    document = serializers.FileField(help_text="The written request as received: PDF, JPEG or PNG.")
    requester_attested = None


class StaffEnteredRequestOutputSerializer(serializers.ModelSerializer):
    """What records staff see of the request they entered (R-SHR-9)."""

    reference = serializers.CharField(read_only=True)
    agency = serializers.CharField(source="agency.name")
    entered_by = serializers.CharField(source="entered_by.get_username")
    document_sha256 = serializers.SerializerMethodField()

    class Meta:
        model = DisclosureRequest
        fields = ["id", "reference", "agency", "status", "received_via", "received_on", "entered_by", "case_number",
                  "document_sha256", "submitted_at"]

    def get_document_sha256(self, obj) -> str:
        document = obj.attachments.filter(kind="written_request").first()
        return document.sha256 if document else ""


class InfoResponseInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=TEXT_MAX_CHARS["message"])
    document = serializers.FileField(required=False, allow_null=True, default=None)
    judicial_warrant = serializers.FileField(required=False, allow_null=True, default=None,
                                             help_text="For a request on the civil-immigration path (SB 54).")


class DisclosureRequestOutputSerializer(serializers.ModelSerializer):
    """What the requester sees: never a count of reads before a release; "closed" and the legal reason for an
    ineligible requester (R-SHR-6)."""

    reference = serializers.CharField(read_only=True)
    agency = serializers.CharField(source="agency.name")
    status = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    package = serializers.SerializerMethodField()
    immigration_screening = serializers.SerializerMethodField(
        help_text="R-SHR-5a: why the request follows the immigration path (the terms its words matched); empty if not.")

    class Meta:
        model = DisclosureRequest
        fields = ["id", "reference", "agency", "requesting_person_name", "requesting_person_title", "purpose",
                  "purpose_details", "case_number", "legal_basis", "plates", "time_from", "time_to",
                  "area_description", "area_latitude", "area_longitude", "area_radius_km", "immigration_related",
                  "immigration_basis", "immigration_law_citation", "immigration_screen_terms", "immigration_screening",
                  "submitted_at", "status", "status_label",
                  "reason", "released_at", "package"]

    def get_immigration_screening(self, obj) -> str:
        from apps.disclosures.services.submission import disclosure_request_screening_message

        return disclosure_request_screening_message(obj)

    def get_status(self, obj) -> str:
        return requester_view_of(obj)["status"]

    def get_status_label(self, obj) -> str:
        return requester_view_of(obj)["label"]

    def get_reason(self, obj) -> str:
        return requester_view_of(obj)["reason"]

    def get_package(self, obj) -> dict | None:
        package = getattr(obj, "package", None)
        if package is None:
            return None
        out = {"status": package.status, "progress": package.progress}
        if package.ready and obj.status == "released":
            user = self.context["request"].user
            request = self.context["request"]
            check = release_download_eligibility(disclosure_request=obj)  # R-SHR-8: live, like the download
            if not check.eligible:
                out.update(read_count=package.read_count, refused=" ".join(check.reasons))
                return out
            out.update(read_count=package.read_count, sha256=package.file_sha256, bytes=package.file_size,
                       download_url=request.build_absolute_uri(package_download_url(package=package, user=user,
                                                                                    api=True)))
        return out
