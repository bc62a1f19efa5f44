"""The partner requester's pages (R-SHR-3, R-ACC-4): file a written request, follow the agency's requests, answer
questions, download an approved release. Another agency's request is a 404. Never a count of reads before a
release; an ineligible requester sees only "Closed" and the legal reason (R-SHR-6)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.common.downloads import download_filename
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.disclosures.choices import AttachmentKind, DisclosureStatus
from apps.disclosures.forms import DisclosureRequestForm, InfoResponseForm, StaffEnteredRequestForm
from apps.disclosures.links import package_download_url, package_link_max_age, package_link_valid
from apps.disclosures.models import ReleasePackage
from apps.disclosures.packages import RELEASE_DOWNLOAD_REFUSED, release_package_download_open
from apps.disclosures.permissions import FILE_PERMISSION, is_partner_requester
from apps.disclosures.selectors import (
    disclosure_request_list_visible_to,
    release_download_eligibility,
    requester_view_of,
)
from apps.disclosures.services.partners import partner_access_sync
from apps.disclosures.services.submission import (
    disclosure_request_enter_written,
    disclosure_request_respond,
    disclosure_request_screening_message,
    disclosure_request_submit,
)
from apps.training.gate import TrainingRequiredMixin

LINK_EXPIRED = "That download link has expired or is not yours; use the fresh link on this page."
FILE_FOR_OWN_AGENCY = "You may file requests only for your own agency; the agency comes from your account."


class PartnerRequesterMixin(PortalPermissionRequiredMixin):
    """Partner requesters only (others: 403; anonymous: login). Keeps the guardian group membership current."""

    permission_required = FILE_PERMISSION

    def has_permission(self):
        return is_partner_requester(self.request.user)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            partner_access_sync(user=request.user)
        return super().dispatch(request, *args, **kwargs)

    def visible_requests(self):
        return disclosure_request_list_visible_to(user=self.request.user)


def _apply_error(form, error: ApplicationError) -> None:
    field = error.extra.get("field") if error.extra else None
    form.add_error(field if field in form.fields else None, error.message)


class DisclosureRequestListView(PartnerRequesterMixin, TemplateView):
    template_name = "disclosures/request_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = [(item, requester_view_of(item)) for item in self.visible_requests()[:200]]
        context.update(rows=rows, agency=self.request.user.agency)
        return context


class DisclosureRequestCreateView(PartnerRequesterMixin, FormView):
    template_name = "disclosures/request_form.html"
    form_class = DisclosureRequestForm

    def get_initial(self):
        user = self.request.user
        return {"requesting_person_name": user.get_full_name(), "requesting_person_title": user.job_title,
                "requesting_person_email": user.email, "immigration_related": "no"}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "agency": self.request.user.agency}

    def form_valid(self, form):
        posted_agency = self.request.POST.get("agency")
        if posted_agency and posted_agency != str(self.request.user.agency_id):
            form.add_error(None, FILE_FOR_OWN_AGENCY)
            return self.form_invalid(form)
        try:
            created = disclosure_request_submit(actor=self.request.user, **form.service_arguments())
        except ApplicationError as error:
            _apply_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Request {created.reference} was submitted to the custodian of records.")
        if created.immigration_screen_terms:  # R-SHR-5a: tell the requester why, at once
            messages.warning(self.request, disclosure_request_screening_message(created))
        return redirect("disclosures:detail", created.pk)


class StaffEnteredRequestView(LoginRequiredMixin, PortalPermissionRequiredMixin, FormView):
    """R-SHR-9: records staff enter a written request that arrived on paper or by e-mail, with the document. It then
    waits in the custodian's review (admin) like any request; whoever entered it cannot authorize it."""

    permission_required = "disclosures.enter_disclosurerequest"
    template_name = "disclosures/staff_entry_form.html"
    form_class = StaffEnteredRequestForm

    def get_initial(self):
        from django.utils import timezone

        return {"received_on": timezone.localdate(), "immigration_related": "no"}

    def form_valid(self, form):
        arguments = form.service_arguments()
        try:
            created = disclosure_request_enter_written(actor=self.request.user, **arguments)
        except ApplicationError as error:
            _apply_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Request {created.reference} was entered with its document. Another "
                                       "custodian of records must review and authorize it; you cannot (R-SHR-9).")
        if created.immigration_screen_terms:
            messages.warning(self.request, disclosure_request_screening_message(created))
        return redirect("admin:disclosures_disclosurerequest_change", created.pk)


class DisclosureRequestDetailView(PartnerRequesterMixin, TemplateView):
    template_name = "disclosures/request_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = get_object_or_404(self.visible_requests(), pk=self.kwargs["pk"])
        package = ReleasePackage.objects.filter(request=item).first()
        download_url = refused = ""
        if package and package.ready and item.status == DisclosureStatus.RELEASED:
            check = release_download_eligibility(disclosure_request=item)  # R-SHR-8: live, like the download
            if check.eligible:
                download_url = package_download_url(package=package, user=self.request.user)
            else:
                refused = RELEASE_DOWNLOAD_REFUSED.format(reasons=" ".join(check.reasons))
        context.update(
            item=item, shown=requester_view_of(item), attachments=item.attachments.all(),
            responses=item.info_responses.all(), package=package, download_url=download_url,
            download_refused=refused, screening=disclosure_request_screening_message(item),
            link_minutes=max(1, package_link_max_age() // 60),
            respond_form=kwargs.get("respond_form") or InfoResponseForm(),
            can_respond=item.status == DisclosureStatus.INFO_REQUESTED,
            building=item.status == DisclosureStatus.APPROVED,
        )
        return context


class DisclosureRequestRespondView(PartnerRequesterMixin, View):
    def post(self, request, pk: int):
        item = get_object_or_404(self.visible_requests(), pk=pk)
        form = InfoResponseForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                disclosure_request_respond(
                    actor=request.user, disclosure_request=item, message=form.cleaned_data["message"],
                    attachments=[(AttachmentKind.INFO_RESPONSE, form.cleaned_data["document"]),
                                 (AttachmentKind.JUDICIAL_WARRANT, form.cleaned_data["judicial_warrant"])])
            except ApplicationError as error:
                _apply_error(form, error)
            else:
                messages.success(request, "Your answer was sent; the request is waiting for review again.")
                return redirect("disclosures:detail", item.pk)
        return self._redisplay(request, pk, form)

    def _redisplay(self, request, pk, form):
        detail = DisclosureRequestDetailView()
        detail.setup(request, pk=pk)
        context = detail.get_context_data(respond_form=form)
        return detail.render_to_response(context)


class ReleasePackageDownloadView(PartnerRequesterMixin, TrainingRequiredMixin, View):
    """The released data is ALPR data: training-gated (R-ACC-2), behind a signed, expiring, per-person link, and
    every download is written to the access log (purpose and case number of the request) before it is sent."""

    def get(self, request, pk: int):
        item = get_object_or_404(self.visible_requests(), pk=pk)
        package = ReleasePackage.objects.filter(request=item).first()
        if package is None or not package.ready or item.status != DisclosureStatus.RELEASED:
            raise Http404("No release package.")
        if not package_link_valid(token=request.GET.get("token", ""), package=package, user=request.user):
            messages.error(request, LINK_EXPIRED)
            return redirect(reverse("disclosures:detail", args=[item.pk]))
        try:
            handle = release_package_download_open(user=request.user, package=package, request=request)
        except ApplicationError as error:  # R-SHR-8: no longer eligible; the reason, and nothing sent
            messages.error(request, error.message)
            return redirect(reverse("disclosures:detail", args=[item.pk]))
        return FileResponse(handle, as_attachment=True, filename=download_filename(f"{item.reference}.zip"),
                            content_type="application/zip")
