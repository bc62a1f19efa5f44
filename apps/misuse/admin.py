from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin

from apps.misuse.models import CaseNumberFormat, RmsConnection


@admin.register(CaseNumberFormat)
class CaseNumberFormatAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """The agency setting of R-READ-3: one pattern per kind of number."""

    show_auditlog_history_link = True
    list_display = ("agency", "kind", "pattern", "example")
    list_filter = ("agency", "kind")


@admin.register(RmsConnection)
class RmsConnectionAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    show_auditlog_history_link = True
    list_display = ("agency", "mode", "http_url", "last_import_at", "last_import_count")
    readonly_fields = ("last_import_at", "last_import_count")
