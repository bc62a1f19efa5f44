from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin

from apps.agencies.models import Agency
from apps.agencies.selectors import agency_receive_eligibility


@admin.register(Agency)
class AgencyAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    show_auditlog_history_link = True
    list_display = ("name", "ori", "kind", "government_level", "state", "ag_noncompliance_flagged", "eligible")
    list_filter = ("kind", "government_level", "state", "ag_noncompliance_flagged")
    search_fields = ("name", "ori")
    readonly_fields = ("eligibility_reasons",)

    @admin.display(boolean=True, description="May receive ALPR data")
    def eligible(self, obj):
        return agency_receive_eligibility(agency=obj).eligible

    @admin.display(description="Eligibility (R-SHR-1)")
    def eligibility_reasons(self, obj):
        if obj.pk is None:
            return "—"
        result = agency_receive_eligibility(agency=obj)
        return "Eligible: a California public agency, not flagged." if result.eligible else " ".join(result.reasons)

    def has_delete_permission(self, request, obj=None):
        return False
