from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from apps.ocr.models import OcrItem, OcrJob


class OcrJobInputSerializer(serializers.Serializer):
    photos = serializers.ListField(child=serializers.FileField(allow_empty_file=True), allow_empty=True,
                                   required=False, help_text="One or more JPEG/PNG files (repeat the field).")
    captured_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180, default=None)
    case_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class OcrItemOutputSerializer(serializers.ModelSerializer):
    plate = serializers.SerializerMethodField()
    alternates = serializers.SerializerMethodField()
    # The API keeps the name clients know; the column is the tracked-job kit's ``queued_at`` (issue #18).
    created_at = serializers.DateTimeField(source="queued_at", read_only=True)

    class Meta:
        model = OcrItem
        fields = ["id", "position", "original_name", "status", "error", "width", "height", "size_bytes",
                  "engine_version", "candidates", "read", "plate", "alternates", "review_status", "attempts",
                  "created_at", "started_at", "finished_at", "ocr_ms"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_plate(self, item) -> str | None:
        return item.read.plate_current if item.read_id else None

    @extend_schema_field(inline_serializer("OcrAlternate", many=True, fields={
        "text": serializers.CharField(), "confidence": serializers.FloatField(allow_null=True),
        "box": serializers.ListField(child=serializers.IntegerField()), "rank": serializers.IntegerField()}))
    def get_alternates(self, item) -> list:
        if not item.read_id:
            return []
        return [{"text": alt.text, "confidence": alt.confidence, "box": alt.box, "rank": alt.rank}
                for alt in item.read.alternates.all()]


class OcrJobOutputSerializer(serializers.ModelSerializer):
    items = OcrItemOutputSerializer(many=True, read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = OcrJob
        fields = ["id", "status", "case_number", "captured_at", "latitude", "longitude", "note", "engine_name",
                  "photo_count", "done_count", "failed_count", "reads_count", "progress_percent", "error",
                  "created_at", "started_at", "finished_at", "items"]


class OcrJobSummarySerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = OcrJob
        fields = ["id", "status", "case_number", "photo_count", "done_count", "failed_count", "reads_count",
                  "progress_percent", "error", "created_at", "started_at", "finished_at"]
