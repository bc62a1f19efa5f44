"""Read-only admin views of query audits (every change goes through the pages and their services)."""

from django.contrib import admin

from apps.audits.models import AuditCampaign


@admin.register(AuditCampaign)
class AuditCampaignAdmin(admin.ModelAdmin):
    list_display = ("title", "period_start", "period_end", "status", "sample_size", "population_size", "created_by",
                    "approved_by")
    list_filter = ("status", "stratification")
    search_fields = ("title", "seed")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
