from django.contrib import admin

from apps.audit.models import AccessLog, AccessLogCheckpoint, DomainEvent, QueryVolumeAlert, SecurityIncident
from apps.audit.selectors import access_log_list_visible_to
from apps.training.gate import TrainingGatedAdminMixin


class ReadOnlyAdminMixin:
    """Append-only records: no add, change or delete from the admin, ever."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(TrainingGatedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("seq", "occurred_at", "username", "agency_name", "action", "purpose", "case_number",
                    "result_count")
    list_filter = ("action", "purpose")
    search_fields = ("username", "case_number")
    date_hierarchy = "occurred_at"

    def get_queryset(self, request):
        return access_log_list_visible_to(user=request.user)

    # Every screen of it is logged with the reviewer's stated purpose by the admin site (apps.audit.admin_site).


@admin.register(DomainEvent)
class DomainEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "code", "actor_username", "target_repr")
    list_filter = ("code",)
    search_fields = ("code", "actor_username", "target_repr")


@admin.register(AccessLogCheckpoint)
class AccessLogCheckpointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Signed records of access-log purges (R-AUD-1): read-only, like the log itself."""

    list_display = ["seq_from", "seq_to", "rows_purged", "cutoff", "purged_at", "actor_username", "reason"]


@admin.register(SecurityIncident)
class SecurityIncidentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """R-SEC-1: read-only here; the register's page (/audit/incidents/) writes through the services."""

    list_display = ("title", "kind", "detected_at", "detected_by", "scope_rows", "notification_decision", "status")
    list_filter = ("kind", "status", "notification_decision")
    search_fields = ("title",)


@admin.register(QueryVolumeAlert)
class QueryVolumeAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """R-SEC-2: unusual query volume by one person, one per person per window."""

    list_display = ("user", "window_start", "window_end", "query_count", "threshold", "baseline", "incident")
    search_fields = ("user__username",)
