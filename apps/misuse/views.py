"""Pages of the misuse review (R-AUD-3): supervisors' flags of their team, one flag with the rows behind it (showing
plates, so viewing it is itself logged, like the access-log page), the finding, the on-demand run, and case-number
overrides (R-READ-3)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.audit.choices import Purpose, SystemPurpose
from apps.audit.models import AccessLog
from apps.audit.services import access_log_record
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.misuse.choices import FlagKind, FlagStatus
from apps.misuse.forms import FlagResolveForm, OverrideForm
from apps.misuse.models import CaseNumberOverride, CaseNumberRefusal, MisuseRun
from apps.misuse.runs import misuse_review_request
from apps.misuse.selectors import misuse_flag_list_visible_to
from apps.misuse.services import case_number_override_grant, misuse_flag_resolve
from apps.training.gate import TrainingRequiredMixin

FLAG_ROWS_SHOWN = 200
REVIEW_STARTED = ("The review of the access log has started; its result appears under “Last run” when it finishes "
                  "(under a minute for a million rows).")


def elements_summary(data) -> str:
    """The data elements a reviewer needs, in words: plate or place, justification, how the case was checked."""
    if not isinstance(data, dict):
        return ""
    parts = []
    if data.get("plate_pattern") or data.get("plate"):
        parts.append(f"plate {data.get('plate_pattern') or data.get('plate')}")
    if data.get("cameras"):
        parts.append(f"cameras {', '.join(str(c) for c in data['cameras'])}")
    area = data.get("area") or {}
    if area.get("center"):
        parts.append(f"area {area['center'].get('latitude')}, {area['center'].get('longitude')} "
                     f"({area.get('radius_km')} km)")
    elif area.get("bbox"):
        parts.append("area (box)")
    if data.get("time_from"):
        parts.append(f"searched {str(data['time_from'])[:16]} – {str(data.get('time_to', ''))[:16]}")
    if data.get("justification"):
        attested = "attested" if data.get("protected_activity_attested") else "NOT attested"
        parts.append(f"justification “{data['justification']}” ({attested})")
    verification = data.get("case_verification") or {}
    if verification.get("status"):
        parts.append(f"case {verification['status'].replace('_', ' ')}")
    return " · ".join(parts)


class FlagPageMixin(PortalPermissionRequiredMixin, TrainingRequiredMixin):
    permission_required = "misuse.review_misuseflags"


class FlagListView(FlagPageMixin, TemplateView):
    """The flags of the people this supervisor supervises; no plate on this page (reasons are on the flag's page)."""

    template_name = "misuse/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = misuse_flag_list_visible_to(user=self.request.user)
        status = self.request.GET.get("status", FlagStatus.OPEN)
        shown = visible.filter(status=status) if status in FlagStatus.values else visible
        context.update(page=Paginator(shown, 50).get_page(self.request.GET.get("page")), status=status,
                       statuses=FlagStatus.choices, open_count=visible.filter(status=FlagStatus.OPEN).count(),
                       last_run=MisuseRun.objects.first())
        return context


class FlagDetailView(FlagPageMixin, FormView):
    template_name = "misuse/detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # 404 before anything else for a flag this person may not see (their own, another team's).
            self.flag = get_object_or_404(misuse_flag_list_visible_to(user=request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return FlagResolveForm(self.request.POST or None, actor=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seqs = self.flag.row_seqs[:FLAG_ROWS_SHOWN]
        # The rows show plates: reviewing them is an access, logged first (R-AUD-1).
        access_log_record(
            user=self.request.user, action="misuse.flag.review", data_elements={"flag": self.flag.pk,
                                                                               "rows": len(seqs)},
            purpose=SystemPurpose.OVERSIGHT_AUDIT, case_number=f"misuse-review-{self.flag.reference}",
            result_count=len(seqs), request=self.request, allow_system_purpose=True,
        )
        rows = list(AccessLog.objects.filter(seq__in=seqs).order_by("seq"))
        for row in rows:
            row.summary = elements_summary(row.data_elements)
        refusals = []
        if self.flag.kind == FlagKind.CASE_REFUSED:
            refusals = list(CaseNumberRefusal.objects.filter(pk__in=self.flag.details.get("refusals", []))
                            .order_by("occurred_at", "id"))
            labels = dict(Purpose.choices)
            for refusal in refusals:
                refusal.purpose_label = labels.get(refusal.purpose, refusal.purpose)
        leave = None
        if self.flag.kind == FlagKind.ON_LEAVE and self.flag.details.get("leave_period"):
            from apps.shifts.models import LeavePeriod

            leave = LeavePeriod.objects.select_related("person", "recorded_by").filter(
                pk=self.flag.details["leave_period"]).first()
        context.update(flag=self.flag, rows=rows, refusals=refusals, leave=leave,
                       more=max(0, len(self.flag.row_seqs) - len(seqs)),
                       can_resolve=self.flag.status == FlagStatus.OPEN)
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            flag = misuse_flag_resolve(actor=self.request.user, flag=self.flag, finding=data["finding"],
                                       note=data["note"], report_to=data.get("report_to"))
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        if flag.violation_report_id:
            messages.success(self.request, f"{flag.reference} found not justified; violation report "
                                           f"{flag.violation_report.reference} filed.")
        else:
            messages.success(self.request, f"{flag.reference} found justified.")
        return HttpResponseRedirect(reverse("misuse:list"))


class ReviewRunView(FlagPageMixin, View):
    """Run the review now (the nightly job, on demand)."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            misuse_review_request(actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, REVIEW_STARTED)
        return HttpResponseRedirect(reverse("misuse:list"))


class OverrideView(PortalPermissionRequiredMixin, TrainingRequiredMixin, FormView):
    """A supervisor lets a team member use a case number the records system does not confirm (R-READ-3)."""

    permission_required = "misuse.add_casenumberoverride"
    template_name = "misuse/overrides.html"

    def get_form(self, form_class=None):
        return OverrideForm(self.request.POST or None, actor=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overrides"] = CaseNumberOverride.objects.filter(granted_by=self.request.user).select_related(
            "person")[:50]
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            override = case_number_override_grant(actor=self.request.user, **data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{override.person} may search under {override.case_number} until "
                                       f"{override.expires_at:%Y-%m-%d %H:%M}.")
        return HttpResponseRedirect(reverse("misuse:overrides"))
