from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from apps.reads.choices import CameraKind, CameraStatus, ItemStatus, WebhookStatus
from apps.reads.links import read_image_url
from apps.reads.models import Camera, CameraStatusReport, Read, ReadCorrection


class CameraOutputSerializer(serializers.ModelSerializer):
    agency = serializers.StringRelatedField()
    assigned_officer = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Camera
        fields = ["id", "name", "kind", "agency", "location_description", "latitude", "longitude",
                  "assigned_officer", "external_id", "status", "status_changed_at", "commissioned_at",
                  "last_heartbeat_at", "agent_version", "agent_status", "not_reporting_since"]


class CameraInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=CameraKind.choices)
    location_description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180, default=None)
    assigned_officer = serializers.CharField(required=False, allow_null=True, default=None,
                                             help_text="Username of the officer (mobile units).")
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    commissioned_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CameraUpdateSerializer(CameraInputSerializer):
    name = serializers.CharField(max_length=120, required=False)
    kind = None


class CameraStatusReportSerializer(serializers.ModelSerializer):
    reported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CameraStatusReport
        fields = ["id", "status", "previous_status", "effective_at", "reason", "reported_by", "reported_at",
                  "reads_flagged"]


class CameraStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CameraStatus.choices)
    reason = serializers.CharField()
    effective_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ReadCorrectionOutputSerializer(serializers.ModelSerializer):
    corrected_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReadCorrection
        fields = ["id", "previous_plate", "corrected_plate", "reason", "corrected_by", "corrected_at"]


class ReadCorrectionInputSerializer(serializers.Serializer):
    corrected_plate = serializers.CharField(max_length=20)
    reason = serializers.CharField()
    # The correction is logged under these (R-AUD-1a); else the query's ``purpose``/``case_number``, else the session's.
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=64)
    case_number = serializers.CharField(required=False, allow_blank=True, max_length=200, trim_whitespace=False)


class ReadOutputSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="plate_current")
    corrected = serializers.BooleanField(source="is_corrected")
    camera = serializers.SerializerMethodField()
    vehicle_image_url = serializers.SerializerMethodField()
    plate_crop_url = serializers.SerializerMethodField()
    # When the read was archived (R-RET-1): flagged one by one or passed by the archive watermark.
    archived_at = serializers.DateTimeField(source="archived_on", read_only=True, allow_null=True)

    class Meta:
        model = Read
        fields = ["id", "plate", "plate_read", "plate_normalized", "corrected", "region", "captured_at", "camera",
                  "source", "latitude", "longitude", "confidence", "flagged_out_of_service", "archived_at",
                  "vehicle_image_url", "plate_crop_url", "vehicle_color", "vehicle_make", "vehicle_model",
                  "vehicle_body_type", "vehicle_year_min", "vehicle_year_max", "direction"]

    @extend_schema_field(inline_serializer("ReadCamera", fields={
        "id": serializers.IntegerField(), "name": serializers.CharField(), "kind": serializers.CharField()}))
    def get_camera(self, read) -> dict:
        return {"id": read.camera_id, "name": read.camera.name, "kind": read.camera.kind}

    def _url(self, read, kind):
        request = self.context["request"]
        url = read_image_url(read=read, kind=kind, user=request.user, context=self.context["access"])
        return request.build_absolute_uri(url) if url else None

    @extend_schema_field(serializers.URLField(allow_null=True, read_only=True))
    def get_vehicle_image_url(self, read) -> str | None:
        return self._url(read, "vehicle_image")

    @extend_schema_field(serializers.URLField(allow_null=True, read_only=True))
    def get_plate_crop_url(self, read) -> str | None:
        return self._url(read, "plate_crop")


class ReadDetailOutputSerializer(ReadOutputSerializer):
    corrections = ReadCorrectionOutputSerializer(many=True, read_only=True)

    class Meta(ReadOutputSerializer.Meta):
        fields = [*ReadOutputSerializer.Meta.fields, "source_read_id", "received_at", "metadata", "corrections"]


# --- Camera ingest answers (documentation of the OpenAPI schema: the views return the service's dicts as they are,
# so the ingest fast path pays for no serializer).

class IngestDifferenceSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="plate, captured_at, region, latitude, longitude, confidence, metadata, "
                                            "vehicle_image or plate_crop (images: whether there is one).")
    stored = serializers.JSONField(help_text="The value of the read already stored under this read_id.")
    sent = serializers.JSONField(help_text="The value in this request (stored nowhere).")


class _IngestItemFields(serializers.Serializer):
    read_id = serializers.CharField(required=False, help_text="The camera's id for the read, as deduplicated.")
    id = serializers.IntegerField(required=False, help_text="The stored read: new (stored) or earlier (duplicate, "
                                                            "conflict).")
    code = serializers.CharField(required=False, help_text="rejected / conflict: a stable machine-readable code.")
    message = serializers.CharField(required=False, help_text="rejected / conflict: what is wrong, for a person.")
    differences = IngestDifferenceSerializer(many=True, required=False,
                                             help_text="conflict: each field that differs from the stored read.")


class IngestItemResultSerializer(_IngestItemFields):
    index = serializers.IntegerField(help_text="Position of the read in the request.")
    status = serializers.ChoiceField(choices=ItemStatus.choices, help_text=(
        "stored; duplicate (already stored with the same content: a retry is safe); conflict (this read_id is "
        "already stored with other content: the stored read is kept, this one is not stored); rejected."))


class IngestBatchResultSerializer(serializers.Serializer):
    batch_id = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    conflicts = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = IngestItemResultSerializer(many=True)


class OpenAlprWebhookResultSerializer(_IngestItemFields):
    status = serializers.ChoiceField(choices=WebhookStatus.choices,
                                     help_text="As for a batch item, or ignored (a data type other than alpr_group).")
    batch_id = serializers.IntegerField(required=False)
    index = serializers.IntegerField(required=False)
    data_type = serializers.CharField(required=False, help_text="ignored: the data type received.")
    superseded_by = serializers.IntegerField(required=False, help_text="preview: the read of its final group, when "
                                                                       "that was stored first.")
    agent_status = serializers.CharField(required=False, help_text="heartbeat: the stream status recorded.")
    duplicate = serializers.BooleanField(required=False, help_text="alert_recorded: this alert was already recorded.")
