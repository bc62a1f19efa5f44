"""The custodian's review of disclosure requests in the admin (R-SHR-4, R-SHR-6, R-SHR-7).

The change page shows the request with the live eligibility result, the matching agreement, and the number of
matching reads (itself an audited query: written to the access log first). Buttons (and list actions) approve with
a written authorization, deny with a reason, ask for more information, or close an ineligible request; each calls
its service. Requests and release records are never edited here and cannot be deleted within retention.
"""

from __future__ import annotations

from auditlog.mixins import AuditlogHistoryAdminMixin
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from apps.audit.admin import ReadOnlyAdminMixin
from apps.common.downloads import download_filename
from apps.common.errors import ApplicationError
from apps.disclosures.admin_forms import ApproveForm, CloseForm, DenyForm, ExamineImmigrationForm, InfoForm
from apps.disclosures.choices import OPEN_STATUSES, PackageStatus
from apps.disclosures.models import DisclosureAttachment, DisclosureAuthorization, DisclosureRequest, ReleasePackage
from apps.disclosures.packages import release_package_retry
from apps.disclosures.selectors import disclosure_matching_reads_count, disclosure_request_eligibility
from apps.disclosures.services.decisions import (
    authorization_statement_default,
    disclosure_request_approve,
    disclosure_request_close_ineligible,
    disclosure_request_deny,
    disclosure_request_immigration_examine,
    disclosure_request_request_info,
)
from apps.disclosures.services.submission import disclosure_request_screening_message
from apps.training.gate import TrainingGatedAdminMixin

ONE_AT_A_TIME = "Choose exactly one request for this action: each decision is reviewed and signed on its own."


class RetainedDeletionMixin:
    """R-SHR-7: no bulk deletion ever; one record only after its retention period, and the model checks again."""

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return False
        return timezone.localdate() >= obj.retain_until and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(TrainingGatedAdminMixin, RetainedDeletionMixin, AuditlogHistoryAdminMixin,
                             admin.ModelAdmin):
    show_auditlog_history_link = True
    change_form_template = "admin/disclosures/disclosurerequest/change_form.html"
    list_display = ("reference", "agency", "requesting_person_name", "purpose", "case_number", "status",
                    "submitted_at", "eligible", "sb54_screened")
    list_filter = ("status", "purpose", "received_via", "agency")
    search_fields = ("case_number", "requesting_person_name", "agency__name")
    date_hierarchy = "submitted_at"
    actions = ["approve_action", "deny_action", "request_info_action", "close_action"]
    fieldsets = (
        ("Requester", {"fields": ("reference", "agency", "requesting_person_name", "requesting_person_title",
                                  "requesting_person_email", "requesting_person_phone", "submitted_by", "entered_by",
                                  "received_via", "received_on", "submitted_at")}),
        ("Purpose and basis", {"fields": ("purpose", "purpose_details", "case_number", "legal_basis")}),
        ("Data requested", {"fields": ("plate_list", "time_from", "time_to", "area_description", "area_latitude",
                                       "area_longitude", "area_radius_km")}),
        ("Civil immigration (R-SHR-5, R-SHR-5a)", {"fields": (
            "immigration_related", "immigration_screen_terms", "immigration_screened_at", "immigration_basis",
            "immigration_law_citation", "requester_attested", "immigration_examined_basis", "warrant_court",
            "warrant_judge", "warrant_signed_on", "immigration_examined_by", "immigration_examined_at",
            "immigration_examination_note")}),
        ("Decision", {"fields": ("status", "agreement", "decided_by", "decided_at", "decision_reason",
                                 "info_request_message", "released_at", "retention")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [field for _name, options in self.fieldsets for field in options["fields"]]

    def has_add_permission(self, request):
        return False  # requests come from partner agencies, through their page or the API

    @admin.display(description="Reference", ordering="submitted_at")
    def reference(self, obj):
        return obj.reference

    @admin.display(description="Plates (R-READ-4: ? one unknown character, * any number)")
    def plate_list(self, obj):
        return ", ".join(obj.plates) or "— (area search)"

    @admin.display(description="Kept until (R-SHR-7)")
    def retention(self, obj):
        return obj.retain_until

    @admin.display(boolean=True, description="SB 54 screening matched")
    def sb54_screened(self, obj):
        return bool(obj.immigration_screen_terms)

    @admin.display(boolean=True, description="Eligible")
    def eligible(self, obj):
        return disclosure_request_eligibility(disclosure_request=obj).eligible

    # --- the review panel ------------------------------------------------------------------------------------------
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        if object_id and request.method == "GET":
            blocked = self._gate(request)
            if blocked is not None:
                return blocked
            item = self.get_object(request, object_id)
            if item is not None:
                extra_context.update(self._review_context(request, item))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _review_context(self, request, item: DisclosureRequest) -> dict:
        eligibility = disclosure_request_eligibility(disclosure_request=item)
        reviewer = request.user.has_perm("disclosures.review_disclosurerequest")
        count = None
        if reviewer and item.status in OPEN_STATUSES:
            count = disclosure_matching_reads_count(user=request.user, disclosure_request=item, request=request)
        package = ReleasePackage.objects.filter(request=item).first()
        return {
            "review": {
                "item": item, "eligibility": eligibility, "agreement": eligibility.agreement, "count": count,
                "attachments": item.attachments.all(), "reviews": item.reviews.select_related("reviewer"),
                "responses": item.info_responses.select_related("responder"),
                "authorization": DisclosureAuthorization.objects.filter(request=item).first(), "package": package,
                "released": item.released_reads.count(), "is_open": item.status in OPEN_STATUSES,
                "can_review": reviewer, "can_authorize": request.user.has_perm("disclosures.authorize_disclosure"),
                "own_request": request.user.pk in (item.entered_by_id, item.submitted_by_id),
                "can_retry": package is not None and package.status == PackageStatus.FAILED,
                "screening": disclosure_request_screening_message(item),
                "can_examine": (item.on_immigration_path and item.status in OPEN_STATUSES
                                and request.user.has_perm("disclosures.authorize_disclosure")),
            },
        }

    # --- custom views --------------------------------------------------------------------------------------------
    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = "disclosures_disclosurerequest"
        return [
            path("<int:pk>/approve/", wrap(self.approve_view), name=f"{name}_approve"),
            path("<int:pk>/deny/", wrap(self.deny_view), name=f"{name}_deny"),
            path("<int:pk>/request-info/", wrap(self.request_info_view), name=f"{name}_request_info"),
            path("<int:pk>/close/", wrap(self.close_view), name=f"{name}_close"),
            path("<int:pk>/examine-immigration/", wrap(self.examine_immigration_view),
                 name=f"{name}_examine_immigration"),
            path("<int:pk>/retry-package/", wrap(self.retry_package_view), name=f"{name}_retry_package"),
            path("<int:pk>/attachments/<int:attachment_pk>/", wrap(self.attachment_view), name=f"{name}_attachment"),
            *super().get_urls(),
        ]

    def _item(self, request, pk) -> DisclosureRequest:
        item = get_object_or_404(DisclosureRequest.objects.select_related("agency", "agreement"), pk=pk)
        if not request.user.has_perm("disclosures.review_disclosurerequest"):
            raise PermissionDenied
        return item

    def _action_page(self, request, item, *, form, title, submit, intro="", cannot_undo=""):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": item,
                   "title": title, "form": form, "submit_label": submit, "intro": intro, "cannot_undo": cannot_undo,
                   "eligibility": disclosure_request_eligibility(disclosure_request=item)}
        return TemplateResponse(request, "admin/disclosures/disclosurerequest/action_form.html", context)

    def _decide(self, request, pk, *, form_class, title, submit, service, success, intro="", initial=None,
                cannot_undo=""):
        blocked = self._gate(request)
        if blocked is not None:
            return blocked
        item = self._item(request, pk)
        form = form_class(request.POST or None, initial=initial(item) if initial else None)
        if request.method == "POST" and form.is_valid():
            try:
                service(item, form.cleaned_data)
            except ApplicationError as error:
                field = (error.extra or {}).get("field")
                form.add_error(field if field in form.fields else None, error.message)
            else:
                self.message_user(request, success.format(ref=item.reference), messages.SUCCESS)
                return redirect("admin:disclosures_disclosurerequest_change", item.pk)
        return self._action_page(request, item, form=form, title=title.format(ref=item.reference), submit=submit,
                                 intro=intro, cannot_undo=cannot_undo.format(ref=item.reference))

    def approve_view(self, request, pk):
        user = request.user

        def initial(item):
            return {"statement": authorization_statement_default(item),
                    "signer_title": user.job_title or settings.PORTAL["CUSTODIAN_TITLE"]}

        return self._decide(
            request, pk, form_class=ApproveForm, title="Approve and authorize {ref}", submit="Sign and approve",
            initial=initial, success="{ref} is approved; the release package is being built.",
            intro="Your typed name and title are your signature; the date and time are recorded with them.",
            cannot_undo="Signing cannot be undone: the authorization letter is signed in your name, {ref} is "
                        "approved and the release package is built for the requesting agency to download.",
            service=lambda item, data: disclosure_request_approve(
                actor=user, disclosure_request=item, statement=data["statement"], signer_name=data["signer_name"],
                signer_title=data["signer_title"]))

    def examine_immigration_view(self, request, pk):
        return self._decide(
            request, pk, form_class=ExamineImmigrationForm, title="Examine the SB 54 basis of {ref}",
            submit="Record the examination", success="The examination of {ref} is recorded.",
            intro="R-SHR-5a: a request on the immigration path is approved only after you examine the judicial "
                  "warrant (record the court, the judge and the date it was signed) or confirm the cited state or "
                  "county law.",
            service=lambda item, data: disclosure_request_immigration_examine(
                actor=request.user, disclosure_request=item, basis=data["basis"], court=data["court"],
                judge=data["judge"], signed_on=data["signed_on"], note=data["note"]))

    def deny_view(self, request, pk):
        return self._decide(
            request, pk, form_class=DenyForm, title="Deny {ref}", submit="Deny", success="{ref} is denied.",
            cannot_undo="Denying cannot be undone: the requester is told {ref} is denied, with your reason.",
            service=lambda item, data: disclosure_request_deny(actor=request.user, disclosure_request=item,
                                                               reason=data["reason"]))

    def request_info_view(self, request, pk):
        return self._decide(
            request, pk, form_class=InfoForm, title="Ask for more information on {ref}", submit="Send",
            success="The requester was asked for more information on {ref}.",
            service=lambda item, data: disclosure_request_request_info(actor=request.user, disclosure_request=item,
                                                                       message=data["message"]))

    def close_view(self, request, pk):
        return self._decide(
            request, pk, form_class=CloseForm, title="Close {ref} as ineligible", submit="Close",
            success="{ref} is closed; the requester sees only the legal reason.",
            cannot_undo="Closing cannot be undone: {ref} ends here and the requester sees it closed.",
            intro="The requester will see “Closed” and the eligibility reasons below — nothing about whether data "
                  "exists (R-SHR-6).",
            service=lambda item, data: disclosure_request_close_ineligible(actor=request.user,
                                                                           disclosure_request=item,
                                                                           note=data["note"]))

    def retry_package_view(self, request, pk):
        item = self._item(request, pk)
        if request.method == "POST":
            try:
                release_package_retry(actor=request.user, package=get_object_or_404(ReleasePackage, request=item))
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, "The release package is queued again.", messages.SUCCESS)
        return redirect("admin:disclosures_disclosurerequest_change", item.pk)

    def attachment_view(self, request, pk, attachment_pk):
        item = self._item(request, pk)
        attachment = get_object_or_404(DisclosureAttachment, request=item, pk=attachment_pk)
        return FileResponse(attachment.file.open("rb"), as_attachment=False, content_type=attachment.content_type,
                            filename=download_filename(attachment.original_name))

    # --- list actions: one request at a time, to its signed decision page ----------------------------------------
    def _one(self, request, queryset, url_name):
        if queryset.count() != 1:
            self.message_user(request, ONE_AT_A_TIME, messages.WARNING)
            return None
        return redirect(f"admin:disclosures_disclosurerequest_{url_name}", queryset.get().pk)

    @admin.action(description="Approve and authorize the selected request…", permissions=["review"])
    def approve_action(self, request, queryset):
        return self._one(request, queryset, "approve")

    @admin.action(description="Deny the selected request (with a reason)…", permissions=["review"])
    def deny_action(self, request, queryset):
        return self._one(request, queryset, "deny")

    @admin.action(description="Ask for more information on the selected request…", permissions=["review"])
    def request_info_action(self, request, queryset):
        return self._one(request, queryset, "request_info")

    @admin.action(description="Close the selected request as ineligible (R-SHR-6)…", permissions=["review"])
    def close_action(self, request, queryset):
        return self._one(request, queryset, "close")

    def has_review_permission(self, request):
        return request.user.has_perm("disclosures.review_disclosurerequest")


@admin.register(DisclosureAuthorization)
class DisclosureAuthorizationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written authorizations (R-SHR-4): append-only, shown for audits."""

    list_display = ("request", "signer_name", "signer_title", "signed_at", "content_sha256")
    search_fields = ("signer_name", "request__case_number")
    readonly_fields = ("request", "custodian", "statement", "signer_name", "signer_title", "signed_at", "agreement",
                       "eligibility", "content_sha256")


@admin.register(ReleasePackage)
class ReleasePackageAdmin(RetainedDeletionMixin, AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Release jobs: status, progress, timings, error (tracked rows, R-SHR-7)."""

    show_auditlog_history_link = True
    list_display = ("request", "status", "progress", "read_count", "attempts", "queued_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("request", "status", "progress", "error", "attempts", "requested_by", "queued_at",
                       "started_at", "finished_at", "stored_as", "file_sha256", "file_size", "read_count", "manifest")
    exclude = ("file",)

    @admin.display(description="Stored as")
    def stored_as(self, obj):
        # Media is never served directly (the requester downloads through a signed, logged link); name only.
        return obj.file.name or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
