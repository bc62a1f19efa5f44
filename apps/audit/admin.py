from django.contrib import admin

from apps.audit.choices import SystemPurpose
from apps.audit.models import AccessLog, AccessLogCheckpoint, DomainEvent
from apps.audit.selectors import access_log_list_visible_to
from apps.audit.services import access_log_record
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

    def changelist_view(self, request, extra_context=None):
        blocked = self._gate(request)
        if blocked is not None:
            return blocked
        access_log_record(
            user=request.user, action="audit.access_log.review", data_elements={"admin": True, **request.GET.dict()},
            purpose=SystemPurpose.OVERSIGHT_AUDIT, case_number="access-log-review", result_count=None,
            request=request, allow_system_purpose=True,
        )
        return super().changelist_view(request, extra_context)


@admin.register(DomainEvent)
class DomainEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "code", "actor_username", "target_repr")
    list_filter = ("code",)
    search_fields = ("code", "actor_username", "target_repr")


@admin.register(AccessLogCheckpoint)
class AccessLogCheckpointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Signed records of access-log purges (R-AUD-1): read-only, like the log itself."""

    list_display = ["seq_from", "seq_to", "rows_purged", "cutoff", "purged_at", "actor_username", "reason"]
