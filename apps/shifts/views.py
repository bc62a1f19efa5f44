"""Pages: an officer's unit sign-on from the patrol car (mobile-friendly) and the supervisors' gap report with its
recorded reviews (R-OPS-1, R-READ-5a). No plate data is shown here."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.agencies.shift_windows import shift_at, shift_for_sign_on, shift_label
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.shifts.forms import GapReviewForm, LeavePeriodForm, ShiftChoiceForm, SignOffForm, SignOnForm
from apps.shifts.models import SignOnStatus
from apps.shifts.selectors import (
    leave_period_list_visible_to,
    shift_gap_report,
    sign_on_list_visible_to,
    sign_on_open_for,
    units_for_sign_on,
)
from apps.shifts.services import leave_period_record, shift_gap_review_record, unit_sign_off, unit_sign_on
from apps.training.gate import TrainingRequiredMixin


def _errors_text(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


class SignOnPageView(PortalPermissionRequiredMixin, TrainingRequiredMixin, TemplateView):
    """The officer's units with their state: sign on (with the start-of-shift inspection) or sign off."""

    permission_required = "shifts.add_unitsignon"
    template_name = "shifts/sign_on.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        shift_date, shift = shift_for_sign_on(timezone.now())
        units = [{"camera": camera, "open": sign_on_open_for(camera=camera)} for camera in units_for_sign_on(user=user)]
        context.update(units=units, shift_date=shift_date, shift=shift, shift_label=shift_label(shift),
                       sign_on_form=SignOnForm(), sign_off_form=SignOffForm(),
                       recent=list(sign_on_list_visible_to(user=user).filter(officer=user)[:10]))
        return context


class SignOnView(PortalPermissionRequiredMixin, TrainingRequiredMixin, View):
    permission_required = "shifts.add_unitsignon"

    def post(self, request, camera_pk: int):
        camera = get_object_or_404(units_for_sign_on(user=request.user), pk=camera_pk)
        form = SignOnForm(request.POST)
        if not form.is_valid():
            messages.error(request, _errors_text(form))
            return HttpResponseRedirect(reverse("shifts:sign_on"))
        try:
            sign_on = unit_sign_on(actor=request.user, camera=camera, affixed=form.cleaned_data["affixed"],
                                   undamaged=form.cleaned_data["undamaged"],
                                   inspection_note=form.cleaned_data["inspection_note"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if sign_on.status == SignOnStatus.FAILED_INSPECTION:
                messages.warning(request, f"{camera} failed inspection: it is reported out of service and must not "
                                          "be used. Supervisors and the ALPR Administrator are told.")
            else:
                lists = ", ".join(f"{v.hot_list.name} v{v.number}" for v in sign_on.hot_list_versions.all())
                messages.success(request, f"{camera} signed on for the {shift_label(sign_on.shift)} shift at "
                                          f"{timezone.localtime(sign_on.signed_on_at):%H:%M}. Hot lists loaded: "
                                          f"{lists or 'none in force'}.")
        return HttpResponseRedirect(reverse("shifts:sign_on"))


class SignOffView(PortalPermissionRequiredMixin, TrainingRequiredMixin, View):
    permission_required = "shifts.add_unitsignon"

    def post(self, request, pk: int):
        sign_on = get_object_or_404(sign_on_list_visible_to(user=request.user), pk=pk)
        form = SignOffForm(request.POST)
        if not form.is_valid():
            messages.error(request, _errors_text(form))
        else:
            try:
                unit_sign_off(actor=request.user, sign_on=sign_on, note=form.cleaned_data["note"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{sign_on.camera} signed off.")
        return HttpResponseRedirect(reverse("shifts:sign_on"))


class GapReportView(PortalPermissionRequiredMixin, TrainingRequiredMixin, TemplateView):
    """A shift's gap report — the current shift unless another is chosen — and its recorded reviews (R-OPS-1)."""

    permission_required = "shifts.view_shiftgapreview"
    template_name = "shifts/gaps.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ShiftChoiceForm(self.request.GET or None)
        shift_date, shift = form.chosen()
        report = shift_gap_report(user=self.request.user, shift_date=shift_date, shift=shift)
        context.update(form=form, report=report, shift_label=shift_label(shift),
                       is_current=(shift_date, shift) == shift_at(timezone.now()),
                       may_review=self.request.user.has_perm("shifts.add_shiftgapreview") and not report.not_started,
                       review_form=GapReviewForm(initial={"day": shift_date, "shift": shift}))
        return context


class GapReviewView(PortalPermissionRequiredMixin, TrainingRequiredMixin, View):
    permission_required = ("shifts.view_shiftgapreview", "shifts.add_shiftgapreview")

    def post(self, request):
        form = GapReviewForm(request.POST)
        query = urlencode({"day": request.POST.get("day", ""), "shift": request.POST.get("shift", "")})
        if not form.is_valid():
            messages.error(request, _errors_text(form))
        else:
            try:
                review = shift_gap_review_record(actor=request.user, shift_date=form.cleaned_data["day"],
                                                 shift=form.cleaned_data["shift"], note=form.cleaned_data["note"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Review recorded ({review.gap_count} gaps of {review.unit_count} units).")
        return HttpResponseRedirect(reverse("shifts:gaps") + "?" + query)




class LeaveView(PortalPermissionRequiredMixin, TrainingRequiredMixin, FormView):
    """A supervisor records their team's leave; the review of the access log flags searches made on leave
    (R-AUD-3). Lists the leave this supervisor can see (their team's)."""

    permission_required = ("shifts.view_leaveperiod", "shifts.add_leaveperiod")
    template_name = "shifts/leave.html"

    def get_form(self, form_class=None):
        return LeavePeriodForm(self.request.POST or None, actor=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["periods"] = leave_period_list_visible_to(user=self.request.user).select_related(
            "person", "recorded_by")[:100]
        return context

    def form_valid(self, form):
        try:
            period = leave_period_record(actor=self.request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Leave of {period.person} recorded: {period.first_day} – {period.last_day}.")
        return HttpResponseRedirect(reverse("shifts:leave"))
