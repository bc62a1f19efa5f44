from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin

from apps.training.models import Course, TrainingRecord


@admin.register(Course)
class CourseAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    show_auditlog_history_link = True
    list_display = ("title", "code", "kind", "validity_days", "covers_sb34", "covers_sb54", "covers_agency_policy",
                    "active")
    list_filter = ("kind", "active")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrainingRecord)
class TrainingRecordAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Completions are recorded here one by one, or for many people at once from the People list action."""

    show_auditlog_history_link = True
    list_display = ("person", "course", "completed_on", "instructor", "recorded_by")
    list_filter = ("course", "completed_on")
    search_fields = ("person__username", "person__last_name", "instructor")
    autocomplete_fields = ("person",)
    readonly_fields = ("recorded_by", "recorded_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False
