"""Admin of hot lists and hits: read-only views behind the training gate (ALPR data, R-ACC-2). Every change goes
through the pages and services (versions, confirmations), never through admin forms."""

from django.contrib import admin

from apps.hotlists.models import Hit, HotList, HotListEntry, HotListVersion
from apps.training.gate import TrainingGatedAdminMixin


class ReadOnlyAdmin(TrainingGatedAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HotList)
class HotListAdmin(ReadOnlyAdmin):
    list_display = ("name", "source", "agency", "owner", "active", "last_refreshed_at", "current_version")
    list_filter = ("source", "active")
    search_fields = ("name",)


@admin.register(HotListVersion)
class HotListVersionAdmin(ReadOnlyAdmin):
    list_display = ("hot_list", "number", "kind", "created_at", "created_by", "entry_count", "added", "changed",
                    "removed")
    list_filter = ("kind",)


@admin.register(HotListEntry)
class HotListEntryAdmin(ReadOnlyAdmin):
    list_display = ("plate_pattern", "state", "hot_list", "reason", "priority", "case_number", "expires_at",
                    "added_in", "removed_in")
    list_filter = ("reason", "is_partial")
    search_fields = ("plate_pattern", "case_number")


@admin.register(Hit)
class HitAdmin(ReadOnlyAdmin):
    list_display = ("id", "plate", "hot_list", "priority", "status", "captured_at", "camera", "confirmed_by")
    list_filter = ("status",)
    search_fields = ("plate",)
