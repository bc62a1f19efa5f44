"""Sign-ons, gap reviews and leave periods are records: read-only here (they are made on the sign-on page, the gap
report, the leave page or the API, through the services)."""

from django.contrib import admin

from apps.shifts.models import LeavePeriod, ShiftGapReview, UnitSignOn


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UnitSignOn)
class UnitSignOnAdmin(_ReadOnly):
    list_display = ("camera", "officer", "shift_date", "shift", "status", "signed_on_at", "signed_off_at")
    list_filter = ("status", "shift")
    date_hierarchy = "signed_on_at"


@admin.register(ShiftGapReview)
class ShiftGapReviewAdmin(_ReadOnly):
    list_display = ("shift_date", "shift", "reviewed_by", "reviewed_at", "gap_count", "unit_count")
    date_hierarchy = "reviewed_at"


@admin.register(LeavePeriod)
class LeavePeriodAdmin(_ReadOnly):
    list_display = ("person", "first_day", "last_day", "note", "recorded_by", "recorded_at")
    date_hierarchy = "first_day"
