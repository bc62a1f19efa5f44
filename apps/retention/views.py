"""Pages of retention: the policy in force (and its edit by the custodian), and the runs of the nightly job."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.retention.choices import POLICY_PRESETS
from apps.retention.forms import RetentionPolicyForm
from apps.retention.models import RetentionPolicy
from apps.retention.registry import data_classes
from apps.retention.selectors import (
    POLICY_FIELDS,
    may_edit_policy,
    retention_policy_current,
    retention_run_list_visible_to,
)
from apps.retention.services import retention_policy_update, retention_run_request


class RetentionPolicyView(LoginRequiredMixin, PortalPermissionRequiredMixin, TemplateView):
    """The retention policy in force (R-RET-1, R-RET-2, R-AUD-1, R-SHR-7), in plain language, with its data classes."""

    permission_required = "retention.view_retentionpolicy"
    template_name = "retention/policy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = retention_policy_current()
        context.update(policy=policy, rows=policy.describe(), presets=POLICY_PRESETS,
                       data_classes=[{"item": item, "days": item.period_days(policy)} for item in data_classes()],
                       may_edit=may_edit_policy(self.request.user),
                       may_see_runs=self.request.user.has_perm("retention.view_retentionrun"))
        return context


class RetentionPolicyEditView(LoginRequiredMixin, PortalPermissionRequiredMixin, TemplateView):
    permission_required = "retention.change_retentionpolicy"
    template_name = "retention/policy_form.html"

    def _form(self, data=None):
        current = retention_policy_current()
        instance = RetentionPolicy(**current.periods(), policy_reference=current.policy_reference)
        return RetentionPolicyForm(data, instance=instance)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in (*POLICY_FIELDS, "policy_reference")}
            try:
                retention_policy_update(actor=request.user, **values)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Retention policy saved; the next nightly run applies it.")
                return HttpResponseRedirect(reverse("retention:policy"))
        return self.render_to_response(self.get_context_data(form=form))


class RetentionRunListView(LoginRequiredMixin, PortalPermissionRequiredMixin, TemplateView):
    permission_required = "retention.view_retentionrun"
    template_name = "retention/runs.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(runs=retention_run_list_visible_to(user=self.request.user)[:100],
                       may_start=self.request.user.has_perm("retention.run_retention"))
        return context


class RetentionRunDetailView(LoginRequiredMixin, PortalPermissionRequiredMixin, TemplateView):
    permission_required = "retention.view_retentionrun"
    template_name = "retention/run_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = retention_run_list_visible_to(user=self.request.user).filter(pk=kwargs["pk"]).first()
        if run is None:
            raise Http404("No such retention run.")
        context.update(run=run, steps=sorted(run.counts.items()))
        return context


class RetentionRunStartView(LoginRequiredMixin, PortalPermissionRequiredMixin, View):
    permission_required = "retention.run_retention"

    def post(self, request):
        try:
            run = retention_run_request(actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("retention:runs"))
        messages.success(request, f"Retention run #{run.pk} queued; a worker runs it now.")
        return HttpResponseRedirect(reverse("retention:run", args=[run.pk]))
