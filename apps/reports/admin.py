"""Admin: which oversight body an oversight account speaks for (system administrators), through the service."""

from django import forms
from django.contrib import admin

from apps.accounts.roles import Role
from apps.reports.models import OversightProfile, ReportTransmittal
from apps.reports.services.profiles import PROFILE_NOT_OVERSIGHT, oversight_profile_set


class OversightProfileForm(forms.ModelForm):
    class Meta:
        model = OversightProfile
        fields = ["user", "body"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if not user.has_role(Role.OVERSIGHT):
            raise forms.ValidationError(PROFILE_NOT_OVERSIGHT)
        return user


@admin.register(OversightProfile)
class OversightProfileAdmin(admin.ModelAdmin):
    form = OversightProfileForm
    list_display = ("user", "body", "updated_at")
    list_filter = ("body",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    raw_id_fields = ("user",)

    def save_model(self, request, obj, form, change):
        profile = oversight_profile_set(actor=request.user, user=obj.user, body=obj.body)
        obj.pk = profile.pk

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportTransmittal)
class ReportTransmittalAdmin(admin.ModelAdmin):
    """R-REP-1a: the transmittal record, read-only here (recorded on the report's page, through the service)."""

    list_display = ("report", "body", "audience", "method", "sent_at", "sent_by", "recipient")
    list_filter = ("body", "method")
    search_fields = ("report__reference", "recipient")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
