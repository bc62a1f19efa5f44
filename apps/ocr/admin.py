"""OCR jobs in the admin, for the ALPR System Administrator (``ocr.view_ocrjob``): which uploads are queued, running,
done or failed, why a photo failed, how long it took and how often it was attempted (a rerun after a killed worker
shows as attempts > 1).

Bookkeeping only, read-only: no plates, no candidates, no photos. Those are read data, seen by the uploader on the
job page (and by investigators through the logged, purpose-gated search, R-READ-3), never here. Status changes only
through ``apps.ocr.services``.
"""

from __future__ import annotations

from django.contrib import admin

from apps.audit.admin import ReadOnlyAdminMixin
from apps.ocr.models import OcrItem, OcrJob
from apps.training.gate import TrainingGatedAdminMixin

ITEM_FIELDS = ("position", "original_name", "status", "error", "size_bytes", "width", "height", "engine_version",
               "attempts", "review_status", "started_at", "finished_at", "ocr_ms")


class OcrItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OcrItem
    fields = ITEM_FIELDS
    readonly_fields = ITEM_FIELDS
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("ocr.view_ocrjob")  # a job's photos are part of the job's bookkeeping


@admin.register(OcrJob)
class OcrJobAdmin(TrainingGatedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "uploaded_by", "status", "photo_count", "done_count", "failed_count",
                    "reads_count", "engine_name", "duration")
    list_filter = ("status", "engine_name")
    search_fields = ("uploaded_by__username", "case_number")
    date_hierarchy = "created_at"
    list_select_related = ("uploaded_by",)
    fields = ("uploaded_by", "camera", "status", "error", "case_number", "engine_name", "photo_count", "done_count",
              "failed_count", "reads_count", "created_at", "started_at", "finished_at")
    readonly_fields = fields
    inlines = [OcrItemInline]

    @admin.display(description="duration (s)")
    def duration(self, job: OcrJob):
        seconds = job.duration_seconds
        return "—" if seconds is None else f"{seconds:.1f}"
