"""Admin of cameras (with token issue/rotation), status history, ingest batches, reads and corrections.

Reads and corrections are read-only here: originals never change (R-READ-2) and corrections go through the
correction service (the read's page or the API). Every screen showing read data is behind the training gate.
"""

from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin, messages

from apps.common.errors import ApplicationError
from apps.reads.models import Camera, CameraCredential, CameraStatusReport, IngestBatch, ReadCorrection
from apps.reads.services.cameras import camera_create, camera_update
from apps.reads.services.tokens import camera_token_issue, camera_token_revoke
from apps.training.gate import TrainingGatedAdminMixin


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CameraStatusReportInline(ReadOnlyMixin, admin.TabularInline):
    model = CameraStatusReport
    fields = ("effective_at", "previous_status", "status", "reason", "reported_by", "reads_flagged")
    readonly_fields = fields
    extra = 0


class CameraCredentialInline(ReadOnlyMixin, admin.TabularInline):
    model = CameraCredential
    fields = ("token_prefix", "created_at", "created_by", "expires_at", "last_used_at", "revoked_at", "revoked_by",
              "revocation_reason")
    readonly_fields = fields
    extra = 0


@admin.register(Camera)
class CameraAdmin(TrainingGatedAdminMixin, AuditlogHistoryAdminMixin, admin.ModelAdmin):
    show_auditlog_history_link = True
    list_display = ("name", "kind", "agency", "status", "assigned_officer", "location_description", "commissioned_at")
    list_filter = ("kind", "status", "agency")
    search_fields = ("name", "location_description", "external_id")
    autocomplete_fields = ("assigned_officer",)
    readonly_fields = ("status", "status_changed_at", "created_at", "last_heartbeat_at", "agent_version",
                       "agent_status", "not_reporting_since")
    inlines = [CameraStatusReportInline, CameraCredentialInline]
    actions = ["issue_token", "revoke_token"]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_issue_token_permission(self, request):
        return request.user.has_perm("reads.add_cameracredential")

    def save_model(self, request, obj, form, change):
        # Writes go through the services (domain events, rules); the admin form is only the input.
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        try:
            if change:
                saved = camera_update(actor=request.user, camera=obj, **{
                    k: v for k, v in fields.items() if k not in ("kind", "agency")})
            else:
                data = form.cleaned_data
                saved = camera_create(
                    actor=request.user, name=data["name"], kind=data["kind"], agency=data["agency"],
                    commissioned_at=data.get("commissioned_at"),
                    location_description=data.get("location_description", ""),
                    latitude=data.get("latitude"), longitude=data.get("longitude"),
                    assigned_officer=data.get("assigned_officer"), external_id=data.get("external_id", ""),
                )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.action(description="Issue a new token (revokes the current one) — shown once", permissions=["issue_token"])
    def issue_token(self, request, queryset):
        for camera in queryset:
            credential, raw_token = camera_token_issue(actor=request.user, camera=camera)
            messages.warning(request, f"{camera}: new token {raw_token} — copy it now, it is not shown again. "
                                      f"The previous token no longer works.")

    @admin.action(description="Revoke the current token", permissions=["issue_token"])
    def revoke_token(self, request, queryset):
        count = sum(camera_token_revoke(actor=request.user, camera=camera, reason="Revoked in the admin.")
                    for camera in queryset)
        messages.success(request, f"{count} token(s) revoked.")


@admin.register(CameraStatusReport)
class CameraStatusReportAdmin(TrainingGatedAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("camera", "effective_at", "previous_status", "status", "reported_by", "reads_flagged")
    list_filter = ("status",)
    date_hierarchy = "effective_at"


@admin.register(IngestBatch)
class IngestBatchAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("received_at", "camera", "format", "item_count", "stored", "duplicates", "conflicts", "rejected",
                    "previews", "duration_ms")
    list_filter = ("format", "camera")
    date_hierarchy = "received_at"


@admin.register(ReadCorrection)
class ReadCorrectionAdmin(TrainingGatedAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("corrected_at", "read_id", "previous_plate", "corrected_plate", "corrected_by")
    search_fields = ("previous_plate", "corrected_plate")
