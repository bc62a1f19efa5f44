"""Supervisors' pages: hot-list usage and data quality."""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps as django_apps
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.hotlists.forms import QualityReviewForm, UsageForm
from apps.hotlists.models import HotListQualityReview
from apps.hotlists.selectors import hot_list_list_visible_to, misread_review, spot_check_queries, usage_report
from apps.hotlists.services.data_quality import hot_list_quality_review_due, hot_list_quality_review_record
from apps.training.gate import TrainingRequiredMixin

# --- Supervisors ---------------------------------------------------------------------------------------------------


class UsageReportView(PortalPermissionRequiredMixin, TrainingRequiredMixin, TemplateView):
    """Who ran ALPR during a shift (policy 002): per officer, logged on, unit active, reads, hits, queries; plus a
    random pick of recent queries for a spot audit (R-AUD-3)."""

    permission_required = "hotlists.view_usage_report"
    template_name = "hotlists/usage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = UsageForm(self.request.GET or None)
        start, end, shift = form.window()
        user = self.request.user
        spot = spot_check_queries(user=user) if user.has_perm("audit.view_accesslog") else []
        context.update(form=form, start=start, end=end, shift=shift, rows=usage_report(user=user, start=start,
                                                                                      end=end),
                       spot_checks=spot, audits_installed=django_apps.is_installed("apps.audits"),
                       may_audit=user.has_perm("audits.add_auditcampaign"))
        return context


class QualityView(PortalPermissionRequiredMixin, TrainingRequiredMixin, TemplateView):
    """Misread hits per camera and engine (R-HOT-5), and the periodic data-quality reviews of the lists with when
    each is due (R-HOT-7, policy 004 §IV)."""

    permission_required = "hotlists.view_usage_report"
    template_name = "hotlists/quality.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            days = max(1, min(int(self.request.GET.get("days") or 90), 730))
        except ValueError:
            days = 90
        user = self.request.user
        visible = hot_list_list_visible_to(user=user)
        now = timezone.now()
        due = [{"list": hot_list, "due": hot_list_quality_review_due(hot_list)}
               for hot_list in visible.filter(active=True, source="own")]
        for row in due:
            row["overdue"] = row["due"] <= now
        context.update(days=days, review=misread_review(since=now - timedelta(days=days)), due=due,
                       reviews=HotListQualityReview.objects.select_related("hot_list", "reviewed_by")[:20],
                       may_review=user.has_perm("hotlists.add_hotlistqualityreview"),
                       review_form=kwargs.get("review_form") or QualityReviewForm(hot_lists=visible))
        return context

    def post(self, request):
        form = QualityReviewForm(request.POST, hot_lists=hot_list_list_visible_to(user=request.user))
        if form.is_valid():
            try:
                review = hot_list_quality_review_record(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Data-quality review of {review.hot_list or 'all lists'} recorded.")
                return HttpResponseRedirect(reverse("hotlists:quality"))
        return self.render_to_response(self.get_context_data(review_form=form))
