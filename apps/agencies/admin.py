from auditlog.mixins import AuditlogHistoryAdminMixin
from django import forms
from django.contrib import admin

from apps.accounts.roles import Role
from apps.agencies.models import Agency, PolicyAcknowledgment, PolicyDocument, PublicComment
from apps.agencies.selectors import agency_receive_eligibility
from apps.agencies.services import (
    MINUTES_REQUIRED,
    POLICY_VERSION_EXISTS,
    pdf_bytes_checked,
    policy_document_publish,
    public_comment_record,
)
from apps.common.errors import ApplicationError


class AgencyForm(forms.ModelForm):
    """The MFA setting as one checkbox per role (stored as the list of role names)."""

    mfa_required_roles = forms.MultipleChoiceField(
        label="Roles that must use a second factor", required=False, widget=forms.CheckboxSelectMultiple,
        choices=Role.choices, help_text=Agency._meta.get_field("mfa_required_roles").help_text)

    class Meta:
        model = Agency
        fields = ("mfa_required_roles",)  # the admin adds every other field of the agency


@admin.register(Agency)
class AgencyAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    show_auditlog_history_link = True
    form = AgencyForm
    list_display = ("name", "ori", "kind", "government_level", "state", "ag_noncompliance_flagged", "eligible")
    list_filter = ("kind", "government_level", "state", "ag_noncompliance_flagged", "background_check_required")
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


class PolicyDocumentAddForm(forms.ModelForm):
    """The PDF's checks (a real PDF, not too large, a new version) run as form errors; the SHA-256 is computed by
    ``policy_document_publish`` from the stored bytes (R-REP-3a)."""

    class Meta:
        model = PolicyDocument
        fields = ("kind", "title", "version", "effective_on", "document", "change_summary")

    def clean_document(self):
        uploaded = self.cleaned_data["document"]
        try:
            pdf_bytes_checked(uploaded)
        except ApplicationError as error:
            raise forms.ValidationError(str(error)) from error
        uploaded.seek(0)
        return uploaded

    def clean(self):
        cleaned = super().clean()
        kind, title, version = (cleaned.get(name) for name in ("kind", "title", "version"))
        if kind and title and version and PolicyDocument.objects.filter(
                kind=kind, title=title.strip(), version=version.strip()).exists():
            raise forms.ValidationError(POLICY_VERSION_EXISTS.format(version=version, title=title))
        return cleaned


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """R-REP-3a: upload each version of the adopted policy documents (PDF). Posted versions are immutable and shown on
    /transparency/; a new usage and privacy policy version asks every staff member for a new acknowledgment
    (R-ACC-7)."""

    form = PolicyDocumentAddForm
    list_display = ("title", "kind", "version", "effective_on", "sha256", "uploaded_by", "acknowledgment_count")
    list_filter = ("kind",)

    @admin.display(description="Acknowledged by")
    def acknowledgment_count(self, obj):
        return obj.acknowledgments.count()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("kind", "title", "version", "effective_on", "document", "change_summary", "sha256", "size_bytes",
                    "uploaded_by", "uploaded_at")
        return ()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        document = policy_document_publish(actor=request.user, kind=data["kind"], title=data["title"],
                                           version=data["version"], effective_on=data["effective_on"],
                                           document=data["document"], change_summary=data.get("change_summary", ""))
        obj.pk = document.pk
        obj._state.adding = False
        obj.sha256 = document.sha256


@admin.register(PolicyAcknowledgment)
class PolicyAcknowledgmentAdmin(admin.ModelAdmin):
    """R-ACC-7: who acknowledged which version, and when (made by each person on /training/policy/; read-only)."""

    list_display = ("person", "document", "acknowledged_at")
    list_filter = ("document",)
    search_fields = ("person__username", "person__last_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PublicCommentAddForm(forms.ModelForm):
    minutes_url = forms.URLField(label="Link to the minutes", required=False, assume_scheme="https")

    class Meta:
        model = PublicComment
        fields = ("governing_body", "held_on", "agenda_item", "summary", "minutes_url", "minutes_document")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("minutes_url") and not cleaned.get("minutes_document"):
            raise forms.ValidationError(MINUTES_REQUIRED)
        uploaded = cleaned.get("minutes_document")
        if uploaded:
            try:
                pdf_bytes_checked(uploaded)
            except ApplicationError as error:
                raise forms.ValidationError({"minutes_document": str(error)}) from error
            uploaded.seek(0)
        return cleaned


@admin.register(PublicComment)
class PublicCommentAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """R-REP-4: the public comment held before the program began, linked from /transparency/."""

    form = PublicCommentAddForm
    list_display = ("governing_body", "held_on", "agenda_item", "minutes_url", "recorded_by")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("governing_body", "held_on", "agenda_item", "summary", "minutes_url", "minutes_document",
                    "minutes_sha256", "recorded_by", "recorded_at")
        return ()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        comment = public_comment_record(actor=request.user, governing_body=data["governing_body"],
                                        held_on=data["held_on"], agenda_item=data.get("agenda_item", ""),
                                        summary=data.get("summary", ""), minutes_url=data.get("minutes_url", ""),
                                        minutes_document=data.get("minutes_document") or None)
        obj.pk = comment.pk
        obj._state.adding = False
