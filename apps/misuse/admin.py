from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin
from django.db import models

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
    # An address typed without a scheme is taken as https (the RMS is reached over TLS), not Django 5's http default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
