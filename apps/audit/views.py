from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.audit.choices import IncidentStatus, SystemPurpose
from apps.audit.filters import AccessLogFilter
from apps.audit.forms import IncidentCloseForm, IncidentDecisionForm, IncidentOpenForm, IncidentScopeForm
from apps.audit.security import (
    query_volume_alert_escalate,
    query_volume_alert_list_visible_to,
    security_incident_close,
    security_incident_decide_notification,
    security_incident_open,
    security_incident_scope_set,
    security_incidents_visible_to,
)
from apps.audit.selectors import access_log_daily_counts, access_log_list_visible_to
from apps.audit.services import access_log_record
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.common.views import service_run_with_messages as _run
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
        context.update(filter=filterset, page=page, rows=page.object_list,
                       per_day=access_log_daily_counts(rows=rows))
        return context


# --- Security incident register (R-SEC-1) and query-volume alerts (R-SEC-2) -----------------------------------------
# These pages show counts, accounts and windows, never plates: the affected rows themselves are on the access-log page
# (linked, filtered the same way), which logs its own review.

class IncidentPageMixin(PortalPermissionRequiredMixin):
    permission_required = "audit.view_securityincident"


def _incident_or_404(request, pk):
    return get_object_or_404(security_incidents_visible_to(user=request.user), pk=pk)


class IncidentListView(IncidentPageMixin, TemplateView):
    template_name = "audit/incidents.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page=Paginator(security_incidents_visible_to(user=self.request.user), 25).get_page(
                self.request.GET.get("page")),
            alerts=query_volume_alert_list_visible_to(user=self.request.user)[:25],
            can_open=self.request.user.has_perm("audit.add_securityincident"),
        )
        return context


class IncidentCreateView(IncidentPageMixin, FormView):
    template_name = "audit/incident_new.html"
    form_class = IncidentOpenForm
    permission_required = ("audit.view_securityincident", "audit.add_securityincident")

    def form_valid(self, form):
        try:
            incident = security_incident_open(actor=self.request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{incident.reference} registered. Now draw its scope from the access log.")
        return HttpResponseRedirect(reverse("audit:incident", args=[incident.pk]))


class IncidentDetailView(IncidentPageMixin, TemplateView):
    template_name = "audit/incident_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        incident = _incident_or_404(self.request, kwargs["pk"])
        editable = incident.status == IncidentStatus.OPEN and self.request.user.has_perm(
            "audit.change_securityincident")
        scope_link = ""
        if incident.scope_user_id:
            scope_link = reverse("audit:access_log") + "?" + urlencode({
                "username": incident.scope_user.username,
                "occurred_after": timezone.localtime(incident.scope_start).date().isoformat(),
                "occurred_before": timezone.localtime(incident.scope_end).date().isoformat(),
            })
        context.update(
            incident=incident, editable=editable, scope_link=scope_link,
            scope_form=IncidentScopeForm(initial={
                "user": incident.scope_user_id,
                "start": timezone.localtime(incident.scope_start) if incident.scope_start else None,
                "end": timezone.localtime(incident.scope_end) if incident.scope_end else None}) if editable else None,
            decision_form=IncidentDecisionForm(initial={
                "decision": incident.notification_decision or None, "rationale": incident.notification_rationale,
                "notified_on": incident.notified_on}) if editable else None,
            close_form=IncidentCloseForm() if editable else None,
            alerts=incident.query_volume_alerts.select_related("user"),
        )
        return context


class IncidentActionView(IncidentPageMixin, View):
    """Scope, notification decision, closure — each through its service."""

    http_method_names = ["post"]
    permission_required = ("audit.view_securityincident", "audit.change_securityincident")
    forms = {"scope": IncidentScopeForm, "decide": IncidentDecisionForm, "close": IncidentCloseForm}

    def post(self, request, pk, action):
        incident = _incident_or_404(request, pk)
        if action not in self.forms:
            raise Http404
        form = self.forms[action](request.POST)
        if not form.is_valid():
            errors = "; ".join(f"{form.fields[name].label or name}: {' '.join(msgs)}" if name in form.fields
                               else " ".join(msgs) for name, msgs in form.errors.items())
            messages.error(request, f"Nothing was changed. {errors}")
            return HttpResponseRedirect(reverse("audit:incident", args=[incident.pk]))
        data = form.cleaned_data
        if action == "scope":
            _run(request, lambda: security_incident_scope_set(actor=request.user, incident=incident, **data),
                 "Scope drawn from the access log.")
        elif action == "decide":
            _run(request, lambda: security_incident_decide_notification(actor=request.user, incident=incident,
                                                                        **data),
                 "Notification decision recorded.")
        else:
            _run(request, lambda: security_incident_close(actor=request.user, incident=incident, note=data["note"]),
                 f"{incident.reference} closed.")
        return HttpResponseRedirect(reverse("audit:incident", args=[incident.pk]))


class QueryVolumeAlertEscalateView(IncidentPageMixin, View):
    http_method_names = ["post"]
    permission_required = ("audit.view_securityincident", "audit.add_securityincident")

    def post(self, request, pk):
        alert = get_object_or_404(query_volume_alert_list_visible_to(user=request.user), pk=pk)
        try:
            incident = query_volume_alert_escalate(actor=request.user, alert=alert)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("audit:incidents"))
        messages.success(request, f"{incident.reference} opened from the alert, scoped to its window.")
        return HttpResponseRedirect(reverse("audit:incident", args=[incident.pk]))
