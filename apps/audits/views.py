"""Pages of query audits (R-AUD-3). Campaign pages show sampled queries (plates, case numbers), so they are behind the
training gate and every view of the entries is written to the access log; campaign summaries (counts only) are for
oversight too."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.audits.choices import CampaignStatus, Finding, ViolationStatus
from apps.audits.forms import (
    CampaignCreateForm,
    InspectionForm,
    ReasonForm,
    SampleReviewForm,
    ViolationCloseForm,
    ViolationReportForm,
)
from apps.audits.models import AuditSample
from apps.audits.risk import RISK_LABELS
from apps.audits.selectors import (
    audit_campaign_list_visible_to,
    audit_campaign_summaries_visible_to,
    audit_follow_ups_for_display,
    audit_follow_ups_visible_to,
    audit_samples_for_review,
    audit_schedule,
    audit_trail_inspections_visible_to,
    with_finding_counts,
)
from apps.audits.services import (
    audit_campaign_approve,
    audit_campaign_create,
    audit_campaign_return,
    audit_campaign_submit,
    audit_follow_up_resolve,
    audit_sample_review,
    audit_trail_inspection_run,
)
from apps.audits.violations import (
    violation_report_close,
    violation_report_review,
    violation_report_submit,
    violation_reports_visible_to,
    violation_supervisors,
)
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.common.views import service_run_with_messages as _run
from apps.training.gate import TrainingRequiredMixin


class AuditPageMixin(PortalPermissionRequiredMixin, TrainingRequiredMixin):
    permission_required = "audits.view_auditcampaign"


def _campaign_or_404(request, pk):
    return get_object_or_404(audit_campaign_list_visible_to(user=request.user), pk=pk)


class CampaignListView(AuditPageMixin, TemplateView):
    template_name = "audits/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaigns = with_finding_counts(audit_campaign_list_visible_to(user=self.request.user))
        context["page"] = Paginator(campaigns, 25).get_page(self.request.GET.get("page"))
        context["can_create"] = self.request.user.has_perm("audits.add_auditcampaign")
        return context


class CampaignCreateView(AuditPageMixin, FormView):
    """Open a campaign: the sample is drawn at once from a recorded seed."""

    template_name = "audits/create.html"
    form_class = CampaignCreateForm
    permission_required = ("audits.view_auditcampaign", "audits.add_auditcampaign")

    def get_context_data(self, **kwargs):
        return super().get_context_data(minimum=settings.PORTAL["AUDIT_SAMPLE_MIN"], **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            campaign = audit_campaign_create(
                actor=self.request.user, title=data["title"], period_start=data["period_start"],
                period_end=data["period_end"], stratification=data["stratification"],
                requested_size=data["requested_size"], confidence_level=data["confidence_level"],
                margin_of_error=data["margin_of_error"], seed=data["seed"] or None,
                risk_weighted=data["risk_weighted"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Drew {campaign.sample_size} of {campaign.population_size} queries "
                                       f"(seed {campaign.seed}).")
        return HttpResponseRedirect(reverse("audits:detail", args=[campaign.pk]))


class CampaignDetailView(AuditPageMixin, TemplateView):
    template_name = "audits/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = _campaign_or_404(self.request, kwargs["pk"])
        samples = audit_samples_for_review(user=self.request.user, campaign=campaign, request=self.request)
        user = self.request.user
        can_review = campaign.status == CampaignStatus.IN_REVIEW and user.has_perm("audits.review_auditcampaign")
        rows = []
        for sample in samples:
            form = None
            if can_review and sample.log_user_id != user.pk:
                form = SampleReviewForm(
                    initial={"finding": sample.finding if sample.finding != Finding.PENDING else None,
                             "notes": sample.notes},
                    prefix=f"s{sample.pk}",
                )
            rows.append({"sample": sample, "form": form})
        counts = with_finding_counts(audit_campaign_list_visible_to(user=user).filter(pk=campaign.pk)).get()
        context.update(
            campaign=campaign, rows=rows, counts=counts, can_review=can_review,
            can_submit=campaign.status == CampaignStatus.IN_REVIEW and user.has_perm("audits.review_auditcampaign"),
            can_approve=campaign.status == CampaignStatus.SUBMITTED and user.has_perm("audits.approve_auditcampaign")
            and campaign.created_by_id != user.pk,
            reason_form=ReasonForm(), risk_labels=RISK_LABELS,
            risk_rows=[{"label": RISK_LABELS.get(factor, factor), "weight": weight,
                        "population": campaign.risk_population.get(factor, 0),
                        "sampled": sum(1 for row in rows if factor in row["sample"].risk_flags)}
                       for factor, weight in campaign.risk_weights.items()],
        )
        return context


class SampleReviewView(AuditPageMixin, View):
    http_method_names = ["post"]
    permission_required = ("audits.view_auditcampaign", "audits.review_auditcampaign")

    def post(self, request, pk, sample_pk):
        campaign = _campaign_or_404(request, pk)
        sample = get_object_or_404(AuditSample.objects.filter(campaign=campaign), pk=sample_pk)
        form = SampleReviewForm(request.POST, prefix=f"s{sample.pk}")
        if not form.is_valid():
            messages.error(request, "Choose a finding for the sampled query.")
        else:
            _run(request, lambda: audit_sample_review(actor=request.user, sample=sample, **form.cleaned_data),
                 f"Finding recorded for sampled query #{sample.position}.")
        return HttpResponseRedirect(reverse("audits:detail", args=[campaign.pk]) + f"#sample-{sample.position}")


class CampaignSubmitView(AuditPageMixin, View):
    http_method_names = ["post"]
    permission_required = ("audits.view_auditcampaign", "audits.review_auditcampaign")

    def post(self, request, pk):
        campaign = _campaign_or_404(request, pk)
        _run(request, lambda: audit_campaign_submit(actor=request.user, campaign=campaign),
             "Campaign submitted for approval.")
        return HttpResponseRedirect(reverse("audits:detail", args=[campaign.pk]))


class CampaignApproveView(AuditPageMixin, View):
    http_method_names = ["post"]
    permission_required = ("audits.view_auditcampaign", "audits.approve_auditcampaign")

    def post(self, request, pk):
        campaign = _campaign_or_404(request, pk)
        form = ReasonForm(request.POST)
        note = form.cleaned_data["reason"] if form.is_valid() else ""
        _run(request, lambda: audit_campaign_approve(actor=request.user, campaign=campaign, note=note),
             "Campaign approved. Its findings now count in the oversight reports.")
        return HttpResponseRedirect(reverse("audits:detail", args=[campaign.pk]))


class CampaignReturnView(AuditPageMixin, View):
    http_method_names = ["post"]
    permission_required = ("audits.view_auditcampaign", "audits.approve_auditcampaign")

    def post(self, request, pk):
        campaign = _campaign_or_404(request, pk)
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        _run(request, lambda: audit_campaign_return(actor=request.user, campaign=campaign, reason=reason),
             "Campaign returned to review.")
        return HttpResponseRedirect(reverse("audits:detail", args=[campaign.pk]))


class FollowUpListView(AuditPageMixin, TemplateView):
    """Follow-ups sent to this supervisor (the custodian sees all), open ones first."""

    template_name = "audits/follow_ups.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = audit_follow_ups_visible_to(user=self.request.user).order_by(
            "-follow_up_resolved_at", "-reviewed_at"
        )
        page = Paginator(visible, 25).get_page(self.request.GET.get("page"))
        samples = audit_follow_ups_for_display(user=self.request.user, samples=list(page.object_list),
                                               request=self.request)
        context.update(page=page, samples=samples, reason_form=ReasonForm())
        return context


class FollowUpResolveView(AuditPageMixin, View):
    http_method_names = ["post"]

    def post(self, request, sample_pk):
        sample = get_object_or_404(audit_follow_ups_visible_to(user=request.user), pk=sample_pk)
        form = ReasonForm(request.POST)
        resolution = form.cleaned_data["reason"] if form.is_valid() else ""
        _run(request, lambda: audit_follow_up_resolve(actor=request.user, sample=sample, resolution=resolution),
             "Follow-up resolved.")
        return HttpResponseRedirect(reverse("audits:follow_ups"))


class CampaignSummaryListView(PortalPermissionRequiredMixin, TemplateView):
    """Approved campaigns with counts only (R-ACC-1: oversight reads audit summaries; no entries, no names)."""

    template_name = "audits/summaries.html"
    permission_required = "audits.view_audit_summary"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = Paginator(audit_campaign_summaries_visible_to(user=self.request.user), 25).get_page(
            self.request.GET.get("page")
        )
        campaigns = list(context["page"].object_list)
        context["findings"] = [
            {"finding": label, "count": sum(getattr(campaign, attribute) or 0 for campaign in campaigns)}
            for label, attribute in (("Necessary", "count_necessary"), ("Not necessary", "count_not_necessary"),
                                     ("Follow-up", "count_follow_up"))
        ]
        return context


class AuditScheduleView(PortalPermissionRequiredMixin, TemplateView):
    """R-AUD-3a: when the yearly audit campaign and audit-trail inspection fall due, and the inspections done.
    No plate data is shown (counts, sequence numbers and hashes only), so the training gate does not apply."""

    template_name = "audits/schedule.html"
    permission_required = "audits.view_audittrailinspection"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspections = audit_trail_inspections_visible_to(user=self.request.user)
        context.update(
            schedule=audit_schedule(), page=Paginator(inspections, 20).get_page(self.request.GET.get("page")),
            can_inspect=self.request.user.has_perm("audits.add_audittrailinspection"), form=InspectionForm(),
        )
        return context


class InspectionRunView(PortalPermissionRequiredMixin, View):
    """Run the audit-trail inspection now and record it (R-AUD-3a)."""

    http_method_names = ["post"]
    permission_required = ("audits.view_audittrailinspection", "audits.add_audittrailinspection")

    def post(self, request):
        form = InspectionForm(request.POST)
        data = form.cleaned_data if form.is_valid() else {"note": "", "unannounced": False}
        inspection = audit_trail_inspection_run(actor=request.user, **data)
        if inspection.result == "intact":
            messages.success(request, f"Inspection recorded: chain intact, {inspection.rows_checked} rows verified.")
        else:
            messages.error(request, f"Inspection recorded: chain BROKEN at row #{inspection.first_broken_seq}: "
                                    f"{inspection.problem}")
        return HttpResponseRedirect(reverse("audits:schedule"))


class ViolationPageMixin(PortalPermissionRequiredMixin):
    """R-AUD-4: open to every member, trained or not — a lapsed member must still be able to report."""

    permission_required = "audits.add_violationreport"


class ViolationListView(ViolationPageMixin, TemplateView):
    template_name = "audits/violations.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        visible = violation_reports_visible_to(user=user)
        context.update(
            assigned=list(visible.filter(supervisor=user).exclude(status=ViolationStatus.CLOSED)),
            page=Paginator(visible, 25).get_page(self.request.GET.get("page")),
            sees_all=user.has_perm("audits.view_all_violationreports"),
        )
        return context


class ViolationCreateView(ViolationPageMixin, FormView):
    template_name = "audits/violation_new.html"

    def get_form(self, form_class=None):
        return ViolationReportForm(self.request.POST or None,
                                   supervisors=violation_supervisors(exclude=self.request.user))

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            report = violation_report_submit(actor=self.request.user, **data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Report {report.reference} sent to "
                                       f"{report.supervisor.get_full_name() or report.supervisor.username}.")
        return HttpResponseRedirect(reverse("audits:violation", args=[report.pk]))


class ViolationDetailView(ViolationPageMixin, TemplateView):
    template_name = "audits/violation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = get_object_or_404(violation_reports_visible_to(user=self.request.user), pk=kwargs["pk"])
        is_supervisor = report.supervisor_id == self.request.user.pk and report.status != ViolationStatus.CLOSED
        context.update(report=report, is_supervisor=is_supervisor,
                       can_review=is_supervisor and report.status == ViolationStatus.SUBMITTED,
                       close_form=ViolationCloseForm() if is_supervisor else None)
        return context


class ViolationActionView(ViolationPageMixin, View):
    """Start the review or close the report (the services check that this person is its supervisor)."""

    http_method_names = ["post"]

    def post(self, request, pk, action):
        report = get_object_or_404(violation_reports_visible_to(user=request.user), pk=pk)
        try:
            if action == "review":
                violation_report_review(actor=request.user, report=report)
                messages.success(request, "Review started.")
            elif action == "close":
                form = ViolationCloseForm(request.POST)
                data = form.cleaned_data if form.is_valid() else {"outcome": request.POST.get("outcome", ""),
                                                                  "resolution": ""}
                violation_report_close(actor=request.user, report=report, **data)
                messages.success(request, f"{report.reference} closed; the reporter is told.")
            else:
                raise Http404
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("audits:violation", args=[report.pk]))
