"""Pages of oversight reports (R-REP-1, R-REP-2) for the custodian and oversight accounts, and the public
transparency page (R-REP-3).

Oversight accounts see issued reports and download the rendition their body is entitled to; anything else is a 404.
The custodian reviews drafts (which can name people, cases and plates), so staff pass the training gate; oversight
accounts are not agency staff and never see raw reads (R-ACC-4), so the gate does not apply to them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.common.downloads import download_filename
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.reports.choices import ACTIVE_JOB_STATUSES, BODY_AUDIENCE, Audience, OversightBody, ReportStatus
from apps.reports.forms import ReportDraftForm, ReportIssueForm, ReportTransmittalForm
from apps.reports.models import ReportRendition
from apps.reports.selectors import (
    oversight_body_for,
    public_summaries,
    public_summary_list_visible_to,
    report_audiences_for,
    report_list_visible_to,
    report_renditions_visible_to,
)
from apps.reports.services.downloads import report_download_record
from apps.reports.services.lifecycle import report_draft_create, report_issue, report_refresh
from apps.reports.services.transmittals import report_transmittal_record
from apps.reports.transparency import (
    transparency_access_log_head,
    transparency_current_figures,
    transparency_people_and_documents,
    transparency_policy,
)
from apps.training.gate import record_blocked_attempt
from apps.training.selectors import alpr_access_status_for


class StaffTrainingGateMixin:
    """The training gate for agency staff only (R-ACC-2): oversight accounts have no ALPR training to keep."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.is_internal:
            status = alpr_access_status_for(user=user)
            if not status.current:
                record_blocked_attempt(request, status)
                return redirect("training:required")
        return super().dispatch(request, *args, **kwargs)


class ReportPageMixin(PortalPermissionRequiredMixin, StaffTrainingGateMixin):
    permission_required = "reports.view_oversightreport"


def _report_or_404(request, pk):
    return get_object_or_404(report_list_visible_to(user=request.user), pk=pk)


class ReportListView(ReportPageMixin, TemplateView):
    """Reports with due dates and status (draft, issued, overdue), and the renditions this person may download."""

    template_name = "reports/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        page = Paginator(report_list_visible_to(user=user).prefetch_related("renditions"), 20).get_page(
            self.request.GET.get("page")
        )
        audiences = set(report_audiences_for(user=user))
        reviewer = user.has_perm("reports.review_oversightreport")
        rows = []
        for report in page.object_list:
            renditions = [r for r in report.renditions.all()
                          if r.audience in audiences and (reviewer or r.is_final)]
            rows.append({"report": report, "renditions": sorted(renditions, key=lambda r: r.audience)})
        body = oversight_body_for(user=user)
        context.update(page=page, rows=rows, can_draft=user.has_perm("reports.add_oversightreport"),
                       body_label=OversightBody(body).label if body else "", reviewer=reviewer,
                       today=timezone.localdate())
        return context


class ReportDetailView(ReportPageMixin, TemplateView):
    template_name = "reports/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        report = _report_or_404(self.request, kwargs["pk"])
        reviewer = user.has_perm("reports.review_oversightreport")
        jobs = list(report.jobs.select_related("requested_by")[:10]) if reviewer else []
        active = any(job.status in ACTIVE_JOB_STATUSES for job in jobs)
        renditions = list(report_renditions_visible_to(user=user, report=report))
        current = {r.audience for r in report.renditions.all()
                   if r.source_figures_sha256 and r.source_figures_sha256 == report.figures_sha256}
        context.update(
            report=report, renditions=renditions, jobs=jobs, job_active=active, reviewer=reviewer,
            can_refresh=reviewer and report.status == ReportStatus.DRAFT and not active
            and user.has_perm("reports.add_oversightreport"),
            can_issue=report.status == ReportStatus.DRAFT and not active and len(current) == len(Audience.values)
            and user.has_perm("reports.issue_oversightreport"),
            finalizing=report.status == ReportStatus.ISSUED and any(not r.frozen_at for r in renditions),
            **_transmittal_context(user, report, renditions),
        )
        return context


def _transmittal_context(user, report, renditions) -> dict:
    """R-REP-1a: each body the report is due to, the rendition it gets, and when (if ever) it was sent."""
    first = report.first_transmittals()
    frozen = {r.audience for r in renditions if r.frozen_at} if user.has_perm("reports.review_oversightreport") \
        else set()
    bodies = [{"body": OversightBody(body).label, "audience": Audience(BODY_AUDIENCE[body]).label,
               "sent": first.get(body)} for body in report.required_bodies]
    can_transmit = (report.status == ReportStatus.ISSUED and user.has_perm("reports.add_reporttransmittal")
                    and all(BODY_AUDIENCE[body] in frozen for body in report.required_bodies))
    return {
        "transmittal_bodies": bodies,
        "transmittals": sorted(report.transmittals.all(), key=lambda t: (t.sent_at, t.pk)),
        "can_transmit": can_transmit,
        "transmittal_form": ReportTransmittalForm(bodies=report.bodies_not_transmitted() or report.required_bodies)
        if can_transmit else None,
    }


class ReportTransmittalCreateView(ReportPageMixin, View):
    """Record that a body was sent its rendition (R-REP-1a)."""

    http_method_names = ["post"]
    permission_required = ("reports.view_oversightreport", "reports.add_reporttransmittal")

    def post(self, request, pk):
        report = _report_or_404(request, pk)
        form = ReportTransmittalForm(request.POST, bodies=report.required_bodies)
        if not form.is_valid():
            errors = "; ".join(f"{form.fields[name].label}: {' '.join(msgs)}" if name in form.fields
                               else " ".join(msgs) for name, msgs in form.errors.items())
            messages.error(request, f"The transmittal was not recorded. {errors}")
            return HttpResponseRedirect(reverse("reports:detail", args=[report.pk]) + "#transmittals")
        try:
            transmittal = report_transmittal_record(actor=request.user, report=report, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Recorded: {transmittal.get_audience_display()} sent to the "
                                      f"{transmittal.get_body_display()}.")
        return HttpResponseRedirect(reverse("reports:detail", args=[report.pk]) + "#transmittals")


class ReportDraftView(ReportPageMixin, FormView):
    """Draft a report for an ended period (the schedule does this by itself the day after a period ends)."""

    template_name = "reports/draft.html"
    form_class = ReportDraftForm
    permission_required = ("reports.view_oversightreport", "reports.add_oversightreport")

    def form_valid(self, form):
        kind, start = form.cleaned_data["period"]
        try:
            report, created = report_draft_create(actor=self.request.user, kind=kind, period_start=start)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        if created:
            messages.success(self.request, f"{report.reference} drafted: the figures and PDFs are being generated.")
        else:
            messages.info(self.request, f"{report.reference} already exists.")
        return HttpResponseRedirect(reverse("reports:detail", args=[report.pk]))


class ReportRefreshView(ReportPageMixin, View):
    http_method_names = ["post"]
    permission_required = ("reports.view_oversightreport", "reports.add_oversightreport")

    def post(self, request, pk):
        report = _report_or_404(request, pk)
        try:
            report_refresh(actor=request.user, report=report)
            messages.success(request, "The figures are being recomputed and the draft PDFs re-rendered.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("reports:detail", args=[report.pk]))


ISSUE_CONFIRMATION_REQUIRED = ("Tick the confirmation to issue: issuing recomputes the figures now, renders the final "
                               "PDFs from them and cannot be undone.")


class ReportIssueView(ReportPageMixin, View):
    """Issue a draft (R-REP-1a); the form must carry the explicit confirmation, checked here, not only in the page."""

    http_method_names = ["post"]
    permission_required = ("reports.view_oversightreport", "reports.issue_oversightreport")

    def post(self, request, pk):
        report = _report_or_404(request, pk)
        if not ReportIssueForm(request.POST).is_valid():
            messages.error(request, ISSUE_CONFIRMATION_REQUIRED)
            return HttpResponseRedirect(reverse("reports:detail", args=[report.pk]))
        try:
            report_issue(actor=request.user, report=report)
            messages.success(request, f"{report.reference} issued: the final PDFs are being rendered and frozen.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("reports:detail", args=[report.pk]))


def _pdf_response(rendition: ReportRendition, *, as_attachment: bool) -> FileResponse:
    response = FileResponse(rendition.file.open("rb"), as_attachment=as_attachment,
                            filename=download_filename(rendition.download_name), content_type="application/pdf")
    response["X-Content-SHA256"] = rendition.sha256
    return response


class RenditionDownloadView(ReportPageMixin, View):
    """One rendition, if this person's body is entitled to it (else 404); every download is logged."""

    def get(self, request, pk, audience):
        report = _report_or_404(request, pk)
        if audience not in report_audiences_for(user=request.user):
            raise Http404
        rendition = get_object_or_404(report_renditions_visible_to(user=request.user, report=report),
                                      audience=audience)
        report_download_record(actor=request.user, rendition=rendition, request=request)
        return _pdf_response(rendition, as_attachment=True)


class TransparencyView(TemplateView):
    """The public page (no login, R-REP-3): the usage and privacy policy, current figures, and public summaries."""

    template_name = "transparency/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summaries = list(public_summaries()[:12])
        latest = next((s for s in summaries if s.report.kind == "semiannual"), None)
        context.update(
            policy=transparency_policy(), current=transparency_current_figures(today=timezone.localdate()),
            access_log_head=transparency_access_log_head(),
            governance=transparency_people_and_documents(today=timezone.localdate()),
            summaries=summaries, latest=latest,
            latest_sections=[s for s in latest.figures.get("sections", []) if s.get("status") == "recorded"]
            if latest else [],
        )
        return context


class PublicSummaryDownloadView(View):
    """A public summary PDF of an issued report (no login); nothing else is reachable here."""

    def get(self, request, pk):
        rendition = get_object_or_404(public_summary_list_visible_to(user=request.user), pk=pk)
        return _pdf_response(rendition, as_attachment=False)
