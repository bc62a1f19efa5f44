"""Agreements in the admin: drafts are edited through a form; every status change is a button that calls its
service (R-SHR-2). Agreements and renewals are governed records: never deleted, every change in the history."""

from __future__ import annotations

from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.agreements.choices import AgreementStatus, RenewalDecision
from apps.agreements.eligibility import sharing_eligibility
from apps.agreements.forms import (
    AgreementAdminForm,
    ConfirmForm,
    RenewalApplicationForm,
    RenewalReviewForm,
    TerminateForm,
)
from apps.agreements.models import Agreement, AgreementRenewal, AgreementSignatory
from apps.agreements.services.drafts import agreement_save_draft, agreement_signatory_add
from apps.agreements.services.lifecycle import agreement_activate, agreement_terminate
from apps.agreements.services.renewals import (
    agreement_renewal_apply,
    agreement_renewal_decide,
    agreement_renewal_record_checklist,
)
from apps.common.downloads import download_filename
from apps.common.errors import ApplicationError


class SignatoryInline(admin.TabularInline):
    model = AgreementSignatory
    extra = 0
    fields = ("side", "name", "title", "signed_on")

    def _editable(self, obj) -> bool:
        return obj is None or obj.status == AgreementStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and obj is not None and request.user.has_perm("agreements.change_agreement")


class RenewalInline(admin.TabularInline):
    model = AgreementRenewal
    fk_name = "agreement"
    extra = 0
    fields = ("application_received_on", "applicant_name", "compliance_confirmed", "ag_list_checked_on",
              "ag_list_checked_by", "ag_list_partner_listed", "decision", "decided_by", "decided_at", "review_link")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Review")
    def review_link(self, obj):
        from django.utils.html import format_html

        if obj.decision != RenewalDecision.PENDING:
            return "—"
        return format_html('<a href="{}">Review / decide</a>',
                           reverse("admin:agreements_agreement_renewal_review", args=[obj.pk]))


@admin.register(Agreement)
class AgreementAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Inter-agency agreements (R-SHR-2). Buttons on the change page: activate, terminate, renewal."""

    form = AgreementAdminForm
    show_auditlog_history_link = True
    change_form_template = "admin/agreements/agreement/change_form.html"
    list_display = ("title", "partner_agency", "status", "start_date", "sunset_date", "days_left", "in_force")
    list_filter = ("status", "partner_agency")
    search_fields = ("title", "partner_agency__name")
    inlines = [SignatoryInline, RenewalInline]
    fieldsets = (
        (None, {"fields": ("partner_agency", "title", "start_date", "sunset_date", "status", "renewal_of",
                           "signed_document_link", "signed_document_upload", "notes")}),
        ("The partner agency attests", {"fields": (
            "partner_attests_authorized_users", "partner_attests_accuracy", "partner_attests_hotlist_refresh",
            "partner_attests_no_immigration", "partner_attests_no_resharing")}),
        ("Our agency attests", {"fields": (
            "agency_attests_authorized_users", "agency_attests_accuracy", "agency_attests_hotlist_refresh",
            "agency_attests_no_immigration", "agency_attests_no_resharing")}),
        ("Record", {"fields": ("partner_eligibility", "created_by", "created_at", "activated_by", "activated_at",
                               "ended_by", "ended_at", "end_reason")}),
    )
    base_readonly = ("status", "renewal_of", "signed_document_link", "partner_eligibility", "created_by",
                     "created_at", "activated_by", "activated_at", "ended_by", "ended_at", "end_reason")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != AgreementStatus.DRAFT:
            editable = [f for fs in self.fieldsets for f in fs[1]["fields"]]
            return tuple(dict.fromkeys([*self.base_readonly, *(f for f in editable
                                                               if f != "signed_document_upload")]))
        return self.base_readonly

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.status != AgreementStatus.DRAFT:
            return tuple((name, {"fields": tuple(f for f in opts["fields"] if f != "signed_document_upload")})
                         for name, opts in self.fieldsets)
        return self.fieldsets

    @admin.display(description="Days to sunset")
    def days_left(self, obj):
        return obj.days_to_sunset() if obj.in_force_on() else "—"

    @admin.display(boolean=True, description="In force today")
    def in_force(self, obj):
        return obj.in_force_on()

    @admin.display(description="Signed document")
    def signed_document_link(self, obj):
        from django.utils.html import format_html

        if not obj or not obj.signed_document:
            return "—"
        return format_html('<a href="{}">Download the signed agreement (PDF)</a> <span class="help">SHA-256 {}</span>',
                           reverse("admin:agreements_agreement_document", args=[obj.pk]), obj.signed_document_sha256)

    @admin.display(description="Partner eligibility (R-SHR-1)")
    def partner_eligibility(self, obj):
        if not obj or not obj.pk:
            return "—"
        result = sharing_eligibility(agency=obj.partner_agency, agreement=obj if obj.status != "draft" else None)
        return "Eligible." if result.eligible else " ".join(result.reasons)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        agreement_save_draft(actor=request.user, agreement=obj,
                             signed_document=form.cleaned_data.get("signed_document_upload"))

    def save_formset(self, request, form, formset, change):
        if formset.model is not AgreementSignatory:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for instance in instances:
            if instance.pk is None:
                agreement_signatory_add(actor=request.user, agreement=form.instance, side=instance.side,
                                        name=instance.name, title=instance.title, signed_on=instance.signed_on)
            else:
                instance.full_clean()
                instance.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        return None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            target = (reverse("admin:agreements_agreement_change", args=[object_id]) if object_id
                      else reverse("admin:agreements_agreement_add"))
            return redirect(target)

    # --- custom views: one per transition ------------------------------------------------------------------------
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/activate/", wrap(self.activate_view), name="agreements_agreement_activate"),
            path("<int:pk>/terminate/", wrap(self.terminate_view), name="agreements_agreement_terminate"),
            path("<int:pk>/renewal/", wrap(self.renewal_apply_view), name="agreements_agreement_renewal_apply"),
            path("renewals/<int:pk>/review/", wrap(self.renewal_review_view),
                 name="agreements_agreement_renewal_review"),
            path("<int:pk>/document/", wrap(self.document_view), name="agreements_agreement_document"),
            path("renewals/<int:pk>/document/", wrap(self.renewal_document_view),
                 name="agreements_agreement_renewal_document"),
            *super().get_urls(),
        ]

    def _agreement(self, request, pk, *, change=True) -> Agreement:
        agreement = get_object_or_404(Agreement.objects.select_related("partner_agency"), pk=pk)
        allowed = self.has_change_permission(request, agreement) if change else self.has_view_permission(
            request, agreement)
        if not allowed:
            raise PermissionDenied
        return agreement

    def _render_form(self, request, *, agreement, form, title, intro="", submit="Save", renewal=None):
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": title, "form": form,
            "original": agreement, "intro": intro, "submit_label": submit, "renewal": renewal,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/agreements/agreement/action_form.html", context)

    def _done(self, request, agreement, message):
        self.message_user(request, message, messages.SUCCESS)
        return redirect("admin:agreements_agreement_change", agreement.pk)

    def activate_view(self, request, pk):
        agreement = self._agreement(request, pk)
        form = ConfirmForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                agreement_activate(actor=request.user, agreement=agreement)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                return self._done(request, agreement, f"“{agreement.title}” is active: sharing may start.")
        return self._render_form(request, agreement=agreement, form=form, title=f"Activate “{agreement.title}”",
                                 intro="Both agencies have signed and attested to every term.", submit="Activate")

    def terminate_view(self, request, pk):
        agreement = self._agreement(request, pk)
        form = TerminateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                agreement_terminate(actor=request.user, agreement=agreement, reason=form.cleaned_data["reason"])
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                return self._done(request, agreement, f"“{agreement.title}” is terminated: sharing under it stopped.")
        return self._render_form(request, agreement=agreement, form=form, title=f"Terminate “{agreement.title}”",
                                 intro="Sharing under this agreement stops at once.", submit="Terminate")

    def renewal_apply_view(self, request, pk):
        agreement = self._agreement(request, pk)
        form = RenewalApplicationForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                agreement_renewal_apply(actor=request.user, agreement=agreement,
                                        application_document=form.cleaned_data["application_document"],
                                        received_on=form.cleaned_data["received_on"],
                                        applicant_name=form.cleaned_data["applicant_name"])
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                return self._done(request, agreement, "The renewal application is recorded; review it next.")
        return self._render_form(request, agreement=agreement, form=form,
                                 title=f"Renewal application for “{agreement.title}”", submit="Record application")

    def renewal_review_view(self, request, pk):
        renewal = get_object_or_404(AgreementRenewal.objects.select_related("agreement__partner_agency"), pk=pk)
        agreement = self._agreement(request, renewal.agreement_id)
        initial = {"compliance_confirmed": renewal.compliance_confirmed, "compliance_notes": renewal.compliance_notes,
                   "ag_list_partner_listed": bool(renewal.ag_list_partner_listed)}
        if renewal.ag_list_checked_on:
            initial["ag_list_checked_on"] = renewal.ag_list_checked_on
        form = RenewalReviewForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                renewal = agreement_renewal_record_checklist(
                    actor=request.user, renewal=renewal, compliance_confirmed=data["compliance_confirmed"],
                    compliance_notes=data["compliance_notes"], ag_list_checked_on=data["ag_list_checked_on"],
                    ag_list_partner_listed=data["ag_list_partner_listed"])
                if data["decision"]:
                    agreement_renewal_decide(actor=request.user, renewal=renewal,
                                             approve=data["decision"] == "approve", notes=data["decision_notes"],
                                             new_sunset_date=data["new_sunset_date"],
                                             signed_document=data["signed_document"])
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                done = {"approve": "Renewed: the next term is active.", "refuse": "The renewal is refused."}
                return self._done(request, agreement, done.get(data["decision"], "The checklist is recorded."))
        return self._render_form(request, agreement=agreement, form=form, renewal=renewal,
                                 title=f"Renewal review — {agreement.partner_agency}", submit="Save the review")

    def document_view(self, request, pk):
        agreement = self._agreement(request, pk, change=False)
        if not agreement.signed_document:
            raise Http404("No signed document on file.")
        return FileResponse(agreement.signed_document.open("rb"), as_attachment=True,
                            filename=download_filename(f"agreement-{agreement.pk}.pdf"), content_type="application/pdf")

    def renewal_document_view(self, request, pk):
        renewal = get_object_or_404(AgreementRenewal, pk=pk)
        self._agreement(request, renewal.agreement_id, change=False)
        return FileResponse(renewal.application_document.open("rb"), as_attachment=True,
                            filename=download_filename(f"renewal-application-{renewal.pk}.pdf"),
                            content_type="application/pdf")
