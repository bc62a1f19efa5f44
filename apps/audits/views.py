"""Pages of query audits (R-AUD-3). Campaign pages show sampled queries (plates, case numbers), so they are behind the
training gate and every view of the entries is written to the access log; campaign summaries (counts only) are for
oversight too."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.audits.choices import CampaignStatus, Finding
from apps.audits.forms import CampaignCreateForm, ReasonForm, SampleReviewForm
from apps.audits.models import AuditSample
from apps.audits.selectors import (
    audit_campaign_list_visible_to,
    audit_campaign_summaries_visible_to,
    audit_follow_ups_for_display,
    audit_follow_ups_visible_to,
    audit_samples_for_review,
    with_finding_counts,
)
from apps.audits.services import (
    audit_campaign_approve,
    audit_campaign_create,
    audit_campaign_return,
    audit_campaign_submit,
    audit_follow_up_resolve,
    audit_sample_review,
)
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.training.gate import TrainingRequiredMixin


class AuditPageMixin(PortalPermissionRequiredMixin, TrainingRequiredMixin):
    permission_required = "audits.view_auditcampaign"


def _campaign_or_404(request, pk):
    return get_object_or_404(audit_campaign_list_visible_to(user=request.user), pk=pk)


def _run(request, action, success: str) -> bool:
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


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
            reason_form=ReasonForm(),
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
        return context
