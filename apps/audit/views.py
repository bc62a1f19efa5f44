from django.core.paginator import Paginator
from django.views.generic import TemplateView

from apps.audit.choices import SystemPurpose
from apps.audit.filters import AccessLogFilter
from apps.audit.selectors import access_log_list_visible_to
from apps.audit.services import access_log_record
from apps.common.views import PortalPermissionRequiredMixin
from apps.training.gate import TrainingRequiredMixin

ACCESS_LOG_REVIEW_CASE = "access-log-review"


class AccessLogView(PortalPermissionRequiredMixin, TrainingRequiredMixin, TemplateView):
    """Browse the access log (supervisors: their team; custodian and administrators: all).

    The log shows which plates were queried, so reviewing it is itself an access and is logged first.
    """

    template_name = "audit/access_log.html"
    permission_required = "audit.view_accesslog"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = access_log_list_visible_to(user=self.request.user)
        filterset = AccessLogFilter(self.request.GET or None, queryset=visible)
        rows = filterset.qs if filterset.is_bound and filterset.is_valid() else visible
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        access_log_record(
            user=self.request.user, action="audit.access_log.review",
            data_elements={"filters": {k: v for k, v in self.request.GET.items() if k != "page" and v},
                           "page": page.number},
            purpose=SystemPurpose.OVERSIGHT_AUDIT, case_number=ACCESS_LOG_REVIEW_CASE,
            result_count=page.paginator.count, request=self.request, allow_system_purpose=True,
        )
        context.update(filter=filterset, page=page, rows=page.object_list)
        return context
