from django.contrib import admin

from apps.retention.models import RetentionRun


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    """Read-only: runs are records of what retention did (R-RET-4)."""

    list_display = ["id", "status", "trigger", "as_of", "duration_ms", "queued_at"]
    list_filter = ["status", "trigger"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
