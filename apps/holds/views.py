"""Pages of evidence holds (R-RET-3): list, request, detail (with the held reads: a logged access), decisions,
release, re-affirmation, sharing, and the evidence package. Behind login, permission and the training gate (the
pages show read data, R-ACC-2); a hold the person may not see is a 404 (R-ACC-4)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.models import User
from apps.common.downloads import download_filename
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.holds.choices import ExportStatus, HoldStatus, ScopeKind
from apps.holds.exports import evidence_export_open
from apps.holds.forms import HoldRequestForm, NoteForm, ReasonForm, ShareForm
from apps.holds.models import EvidenceHold
from apps.holds.selectors import evidence_export_list_for, hold_get_visible, hold_list_visible_to, hold_reads_for
from apps.holds.services.decisions import hold_approve, hold_booking_record, hold_deny, hold_verify, hold_verify_refuse
from apps.holds.services.exports import evidence_export_for_outside_recipient, evidence_export_request
from apps.holds.services.lifecycle import hold_reaffirm, hold_release, hold_share, may_release
from apps.holds.services.request import hold_request
from apps.reads.selectors import camera_list_for_search
from apps.training.gate import TrainingRequiredMixin


class HoldPageMixin(LoginRequiredMixin, PortalPermissionRequiredMixin, TrainingRequiredMixin):
    permission_required = "holds.view_evidencehold"


def _visible_or_404(user, pk: int) -> EvidenceHold:
    try:
        return hold_get_visible(user=user, hold_id=pk)
    except EvidenceHold.DoesNotExist as exc:
        raise Http404("No such evidence hold.") from exc


class HoldListView(HoldPageMixin, TemplateView):
    template_name = "holds/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        holds = hold_list_visible_to(user=self.request.user).order_by("-requested_at", "-id")
        if status in HoldStatus.values:
            holds = holds.filter(status=status)
        context.update(holds=holds[:200], statuses=HoldStatus.choices, status=status,
                       may_request=self.request.user.has_perm("holds.add_evidencehold"))
        return context


class HoldCreateView(HoldPageMixin, TemplateView):
    permission_required = ("holds.view_evidencehold", "holds.add_evidencehold")
    template_name = "holds/request_form.html"

    def _form(self, data=None):
        initial = {}
        if "read" in self.request.GET:  # reads selected in search results (issue #17): one or several ?read=
            initial = {"scope_kind": ScopeKind.READS, "read_ids": ", ".join(self.request.GET.getlist("read"))}
        for name in ("case_number", "purpose"):  # carried over from the search; the service checks them again
            if self.request.GET.get(name):
                initial[name] = self.request.GET[name]
        return HoldRequestForm(data, initial=initial, cameras=camera_list_for_search())

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                hold = hold_request(
                    actor=request.user, case_number=data["case_number"], reason=data["reason"],
                    ground=data["ground"], contact=data["contact"], purpose=data["purpose"],
                    scope_kind=data["scope_kind"], read_ids=data["read_ids"], plate=data["plate"],
                    time_from=data["time_from"], time_to=data["time_to"],
                    camera_ids=[int(c) for c in data["cameras"]], concurrence_by=data["concurrence_by"],
                    concurrence_statement=data["concurrence_statement"],
                    evidence_booking_number=data["evidence_booking_number"], request=request,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Evidence hold {hold.reference} requested: {hold.read_count} read(s) are "
                                          f"protected while {hold.approver} decides.")
                return HttpResponseRedirect(reverse("holds:detail", args=[hold.pk]))
        return self.render_to_response(self.get_context_data(form=form))


class HoldDetailView(HoldPageMixin, TemplateView):
    template_name = "holds/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        hold = _visible_or_404(user, kwargs["pk"])
        is_decider = (user.pk != hold.requested_by_id and user.has_perm("holds.approve_evidencehold")
                      and user.pk in {hold.approver_id, hold.requested_by.supervisor_id})
        exports = list(evidence_export_list_for(hold=hold))
        context.update(
            hold=hold, page=hold_reads_for(user=user, hold=hold, request=self.request),
            may_decide=hold.status == HoldStatus.PENDING and is_decider,
            may_release=hold.status == HoldStatus.ACTIVE and may_release(user, hold),
            may_reaffirm=hold.status == HoldStatus.ACTIVE and user.pk in {
                hold.requested_by_id, hold.approver_id, hold.requested_by.supervisor_id},
            may_share=user.pk in {hold.requested_by_id, hold.approver_id},
            may_verify=(hold.status == HoldStatus.VERIFYING and user.has_perm("holds.verify_evidencehold")
                        and user.pk not in {hold.requested_by_id, hold.decided_by_id}),
            may_book=hold.is_holding and (user.pk in {hold.requested_by_id, hold.approver_id,
                                                      hold.requested_by.supervisor_id}
                                          or user.has_perm("holds.verify_evidencehold")),
            protect_days=settings.PORTAL["HOLD_PENDING_PROTECT_DAYS"],
            may_export=hold.status == HoldStatus.ACTIVE and user.has_perm("holds.add_evidenceexport"),
            exports=exports, building=any(e.status in (ExportStatus.QUEUED, ExportStatus.RUNNING) for e in exports),
            reason_form=ReasonForm(), note_form=NoteForm(), share_form=ShareForm(), today=timezone.localdate(),
        )
        return context


class _HoldActionView(HoldPageMixin, View):
    success = ""

    def act(self, request, hold):  # pragma: no cover - each action says
        raise NotImplementedError

    def post(self, request, pk: int):
        hold = _visible_or_404(request.user, pk)
        try:
            message = self.act(request, hold)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, message)
        return HttpResponseRedirect(reverse("holds:detail", args=[pk]))


class HoldApproveView(_HoldActionView):
    def act(self, request, hold):
        hold = hold_approve(actor=request.user, hold=hold, note=request.POST.get("note", ""))
        return (f"{hold.reference} approved; the custodian of records verifies it next. Its reads stay protected "
                "meanwhile.")


class HoldVerifyView(_HoldActionView):
    """R-RET-3a: the custodian of records verifies the extended-retention request."""

    def act(self, request, hold):
        hold = hold_verify(actor=request.user, hold=hold, note=request.POST.get("note", ""),
                           evidence_booking_number=request.POST.get("evidence_booking_number", ""))
        return f"{hold.reference} verified: it is active, and its reads are kept until the hold is released."


class HoldVerifyRefuseView(_HoldActionView):
    def act(self, request, hold):
        hold = hold_verify_refuse(actor=request.user, hold=hold, reason=request.POST.get("reason", ""))
        return f"{hold.reference} was not verified; it is denied."


class HoldBookingView(_HoldActionView):
    def act(self, request, hold):
        hold = hold_booking_record(actor=request.user, hold=hold,
                                   evidence_booking_number=request.POST.get("evidence_booking_number", ""))
        return f"Evidence booking item {hold.evidence_booking_number} recorded on {hold.reference}."


class HoldDenyView(_HoldActionView):
    def act(self, request, hold):
        hold = hold_deny(actor=request.user, hold=hold, reason=request.POST.get("reason", ""))
        return f"{hold.reference} denied."


class HoldReleaseView(_HoldActionView):
    def act(self, request, hold):
        hold = hold_release(actor=request.user, hold=hold, reason=request.POST.get("reason", ""))
        return (f"{hold.reference} released. Nothing was deleted now: its reads follow normal retention from the "
                "next nightly run.")


class HoldReaffirmView(_HoldActionView):
    def act(self, request, hold):
        hold = hold_reaffirm(actor=request.user, hold=hold, note=request.POST.get("note", ""))
        return f"{hold.reference} re-affirmed; next due {hold.reaffirm_due_on:%Y-%m-%d}."


class HoldShareView(_HoldActionView):
    def act(self, request, hold):
        form = ShareForm(request.POST)
        person = User.objects.filter(username=form.data.get("username", "").strip()).first()
        hold_share(actor=request.user, hold=hold, person=person)
        return f"{hold.reference} shared with {person}."


class HoldExportView(_HoldActionView):
    """R-SHR-8: the package names its recipient; an outside one makes it a disclosure request for the custodian."""

    def act(self, request, hold):
        from apps.disclosures.egress import OUTSIDE_EXPORT_ENTERED, export_recipient_parse

        recipient = export_recipient_parse(request.POST)
        if recipient.outside:
            entered = evidence_export_for_outside_recipient(actor=request.user, hold=hold, recipient=recipient)
            return OUTSIDE_EXPORT_ENTERED.format(agency=recipient.agency.name, person=recipient.person,
                                                 reference=entered.reference)
        evidence_export_request(actor=request.user, hold=hold, recipient=recipient)
        return "The evidence package is being built; this page shows it when it is ready."


class EvidenceExportDownloadView(HoldPageMixin, View):
    """Download a built evidence package: the download is written to the access log first."""

    def get(self, request, pk: int, export_id: int):
        hold = _visible_or_404(request.user, pk)
        export = hold.exports.filter(pk=export_id, status=ExportStatus.SUCCEEDED).first()
        if export is None:
            raise Http404("No such evidence package.")
        handle = evidence_export_open(user=request.user, export=export, request=request)
        response = FileResponse(handle, as_attachment=True,
                                filename=download_filename(f"{hold.reference}-evidence.zip"),
                                content_type="application/zip")
        response["Cache-Control"] = "private, no-store"
        return response
