"""Pages: hot lists (entries, imports with a dry-run preview, versions), the live hits page and a hit's
confirmation, the supervisors' usage report with spot checks, and the misread review.

Everything here is ALPR data: login, a permission and the training gate (R-ACC-2) on every page; hidden objects
are 404s; hit listings and back-searches are written to the access log before anything is shown (R-AUD-1).
"""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps as django_apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.audit.access_context import AccessContext, PlateAccessRequiredMixin, plate_access_log
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.hotlists.choices import STOLEN_REASONS, ImportStatus
from apps.hotlists.forms import (
    BackSearchForm,
    EntryAddForm,
    EntryErrorForm,
    EntryErrorResolveForm,
    EntryRemoveForm,
    ExigentReviewForm,
    HitActionForm,
    HitConfirmForm,
    HitExigentForm,
    HitNoteForm,
    HotListForm,
    ImportApplyForm,
    ImportUploadForm,
    QualityReviewForm,
    ReferralSentForm,
    UsageForm,
)
from apps.hotlists.links import HIT_IMAGE_KINDS, hit_image_link_context, hit_image_url
from apps.hotlists.models import (
    HotListEntry,
    HotListEntryError,
    HotListEntryReferral,
    HotListImport,
    HotListQualityReview,
    HotListVersion,
)
from apps.hotlists.presenters import hit_as_dict
from apps.hotlists.selectors import (
    hit_back_search,
    hit_list_visible_to,
    hits_exigent_to_review,
    hits_live,
    hits_log_shown,
    hot_list_entries_current,
    hot_list_entry_referral_list_visible_to,
    hot_list_list_visible_to,
    hot_list_state,
    misread_review,
    spot_check_queries,
    usage_report,
)
from apps.hotlists.services import (
    hit_act_exigent,
    hit_confirm,
    hit_exigent_review,
    hit_mark_misread,
    hit_mark_not_actionable,
    hit_record_action,
    hot_list_create,
    hot_list_entry_add,
    hot_list_entry_error_resolve,
    hot_list_entry_mark_erroneous,
    hot_list_entry_referral_mark_sent,
    hot_list_entry_remove,
    hot_list_import_apply,
    hot_list_import_discard,
    hot_list_import_preview,
    hot_list_quality_review_due,
    hot_list_quality_review_record,
)
from apps.reads.images import read_image_response
from apps.training.gate import TrainingRequiredMixin

NOT_PROBABLE_CAUSE = "A hit is not probable cause."
HIT_GUIDANCE = (
    "Compare the plate image with the hot-list plate, then confirm the status of the vehicle with dispatch or CLETS "
    "before taking any action (R-HOT-4, policy 002)."
)


class HotListPageMixin(PortalPermissionRequiredMixin, TrainingRequiredMixin):
    permission_required = "hotlists.view_hotlist"


class HitPageMixin(PortalPermissionRequiredMixin, TrainingRequiredMixin):
    permission_required = "hotlists.view_hit"


def _list_or_404(request, pk):
    return get_object_or_404(hot_list_list_visible_to(user=request.user), pk=pk)


def _hit_or_404(request, pk):
    return get_object_or_404(hit_list_visible_to(user=request.user), pk=pk)


def _errors_text(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


# --- Hot lists -----------------------------------------------------------------------------------------------------


class HotListListView(HotListPageMixin, TemplateView):
    template_name = "hotlists/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        lists = hot_list_list_visible_to(user=self.request.user)
        context["rows"] = [{"list": h, "state": hot_list_state(h, now=now)} for h in lists]
        context["may_create"] = self.request.user.has_perm("hotlists.add_hotlist")
        return context


class HotListCreateView(HotListPageMixin, FormView):
    permission_required = ("hotlists.view_hotlist", "hotlists.add_hotlist")
    template_name = "hotlists/create.html"
    form_class = HotListForm

    def form_valid(self, form):
        try:
            hot_list = hot_list_create(actor=self.request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Hot list “{hot_list}” created. Upload its entries to start matching.")
        return HttpResponseRedirect(reverse("hotlists:detail", args=[hot_list.pk]))


class HotListDetailView(HotListPageMixin, TemplateView):
    template_name = "hotlists/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hot_list = _list_or_404(self.request, kwargs["pk"])
        entries = hot_list_entries_current(hot_list=hot_list)
        plate = (self.request.GET.get("plate") or "").strip().upper()
        if plate:
            entries = entries.filter(plate_pattern__contains=plate)
        user = self.request.user
        context.update(
            hot_list=hot_list, state=hot_list_state(hot_list), plate=plate, now=timezone.now(),
            page=Paginator(entries, 50).get_page(self.request.GET.get("page")),
            versions=hot_list.versions.select_related("created_by")[:10],
            pending_imports=hot_list.imports.filter(status=ImportStatus.PREVIEW).select_related("created_by")[:5],
            may_manage=user.has_perm("hotlists.manage_entries"),
            remove_form=EntryRemoveForm(), error_form=EntryErrorForm(),
            entry_errors=hot_list.entry_errors.select_related("reported_by", "referral")[:20],
        )
        return context


class EntryAddView(HotListPageMixin, FormView):
    """Add one entry (a new version). With a back-search, the person is taken to the logged search of earlier
    sightings of the plate (purpose and case number required, R-READ-3)."""

    permission_required = ("hotlists.view_hotlist", "hotlists.manage_entries")
    template_name = "hotlists/entry_add.html"
    form_class = EntryAddForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.hot_list = _list_or_404(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        # From a plate's story (issue #17): the plate, its state, the case and the vehicle; the person still gives
        # the reason, the expiry and (reason "other") the justification and attestation (R-PURP-2).
        fields = ("plate", "state", "case_number", "vehicle_description")
        return {name: self.request.GET[name][:200] for name in fields if self.request.GET.get(name)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(hot_list=self.hot_list,
                                        may_search=self.request.user.has_perm("reads.query_reads"), **kwargs)

    def form_valid(self, form):
        try:
            entry = hot_list_entry_add(actor=self.request.user, hot_list=self.hot_list, **form.service_fields())
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{entry.plate_pattern} added to “{self.hot_list}”.")
        days = form.cleaned_data.get("back_search_days") or 0
        if days and self.request.user.has_perm("reads.query_reads"):
            query = urlencode({"days": days, "purpose": form.cleaned_data["purpose"],
                               "case_number": form.cleaned_data["search_case_number"]})
            return HttpResponseRedirect(reverse("hotlists:entry_backsearch", args=[self.hot_list.pk, entry.pk])
                                        + "?" + query)
        return HttpResponseRedirect(reverse("hotlists:detail", args=[self.hot_list.pk]))


class EntryRemoveView(HotListPageMixin, View):
    permission_required = ("hotlists.view_hotlist", "hotlists.manage_entries")

    def post(self, request, pk: int, entry_pk: int):
        hot_list = _list_or_404(request, pk)
        entry = get_object_or_404(HotListEntry, pk=entry_pk, hot_list=hot_list)
        form = EntryRemoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _errors_text(form))
        else:
            try:
                version = hot_list_entry_remove(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{entry.plate_pattern} removed (version {version.number}).")
        return HttpResponseRedirect(reverse("hotlists:detail", args=[hot_list.pk]))


class EntryErrorView(HotListPageMixin, View):
    """Mark an entry erroneous (R-HOT-7): an error record; the entry stops matching at once."""

    permission_required = ("hotlists.view_hotlist", "hotlists.manage_entries")

    def post(self, request, pk: int, entry_pk: int):
        hot_list = _list_or_404(request, pk)
        entry = get_object_or_404(HotListEntry, pk=entry_pk, hot_list=hot_list)
        form = EntryErrorForm(request.POST)
        if not form.is_valid():
            messages.error(request, _errors_text(form))
        else:
            try:
                error = hot_list_entry_mark_erroneous(actor=request.user, entry=entry, **form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                text = (f"{entry.plate_pattern} marked erroneous: it no longer matches "
                        f"(version {error.removed_in.number}).")
                if error.hits_closed:
                    text += f" {error.hits_closed} unconfirmed hit{'s' if error.hits_closed > 1 else ''} closed."
                if hasattr(error, "referral"):
                    text += f" A referral to {error.referral.agency_name} waits to be sent."
                messages.success(request, text)
        return HttpResponseRedirect(reverse("hotlists:detail", args=[hot_list.pk]))


class EntryErrorListView(PortalPermissionRequiredMixin, TrainingRequiredMixin, TemplateView):
    """Error records of hot-list entries and their referrals to the originating agencies (R-HOT-7)."""

    permission_required = "hotlists.view_hotlistentryerror"
    template_name = "hotlists/errors.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = hot_list_list_visible_to(user=self.request.user)
        errors = (HotListEntryError.objects.filter(hot_list__in=visible)
                  .select_related("hot_list", "reported_by", "resolved_by", "removed_in", "referral__sent_by"))
        user = self.request.user
        context.update(
            page=Paginator(errors, 50).get_page(self.request.GET.get("page")),
            pending_referrals=HotListEntryReferral.objects.filter(error__hot_list__in=visible, status="pending")
            .select_related("error__hot_list", "error__reported_by"),
            may_refer=user.has_perm("hotlists.send_referral"), may_manage=user.has_perm("hotlists.manage_entries"),
            referral_form=ReferralSentForm(), resolve_form=EntryErrorResolveForm(),
        )
        return context


class EntryErrorResolveView(PortalPermissionRequiredMixin, TrainingRequiredMixin, View):
    permission_required = ("hotlists.view_hotlistentryerror", "hotlists.manage_entries")

    def post(self, request, error_pk: int):
        error = get_object_or_404(HotListEntryError.objects.filter(
            hot_list__in=hot_list_list_visible_to(user=request.user)), pk=error_pk)
        form = EntryErrorResolveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _errors_text(form))
        else:
            try:
                hot_list_entry_error_resolve(actor=request.user, error=error, note=form.cleaned_data["note"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"The error of {error.plate_pattern} is resolved.")
        return HttpResponseRedirect(reverse("hotlists:errors"))


class ReferralSentView(PortalPermissionRequiredMixin, TrainingRequiredMixin, View):
    """A supervisor records that the referral went out to the originating agency (R-HOT-7)."""

    permission_required = ("hotlists.view_hotlistentryerror", "hotlists.send_referral")

    def post(self, request, referral_pk: int):
        referral = get_object_or_404(hot_list_entry_referral_list_visible_to(user=request.user), pk=referral_pk)
        form = ReferralSentForm(request.POST)
        if not form.is_valid():
            messages.error(request, _errors_text(form))
        else:
            try:
                hot_list_entry_referral_mark_sent(actor=request.user, referral=referral, via=form.cleaned_data["via"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Referral to {referral.agency_name} recorded as sent.")
        return HttpResponseRedirect(reverse("hotlists:errors"))


class EntryBackSearchView(HotListPageMixin, TemplateView):
    """Earlier sightings of an entry's plate: the reads search, logged with its purpose and case number."""

    permission_required = ("hotlists.view_hotlist", "reads.query_reads")
    template_name = "hotlists/backsearch.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hot_list = _list_or_404(self.request, kwargs["pk"])
        entry = get_object_or_404(HotListEntry, pk=kwargs["entry_pk"], hot_list=hot_list)
        submitted = "purpose" in self.request.GET
        form = BackSearchForm(self.request.GET if submitted else None, initial={"days": 30})
        context.update(hot_list=hot_list, entry=entry, form=form)
        if submitted and form.is_valid():
            try:
                result = hit_back_search(user=self.request.user, entry=entry, **form.cleaned_data,
                                         page=int(self.request.GET.get("page") or 1), request=self.request)
            except (ApplicationError, ValueError) as exc:
                form.add_error(None, getattr(exc, "message", str(exc)))
                return context
            from apps.reads.links import read_image_url

            carry = urlencode({"purpose": form.cleaned_data["purpose"],
                               "case_number": form.cleaned_data["case_number"]})
            context.update(result=result, carry=carry, rows=[
                {"read": read, "crop_url": read_image_url(
                    read=read, kind="plate_crop", user=self.request.user,
                    context=AccessContext(purpose=form.cleaned_data["purpose"],
                                          case_number=form.cleaned_data["case_number"]))}
                for read in result.reads])
        return context


class ImportUploadView(HotListPageMixin, FormView):
    """Upload a CSV: it is parsed into a dry-run preview; nothing changes until the person confirms."""

    permission_required = ("hotlists.view_hotlist", "hotlists.manage_entries")
    template_name = "hotlists/import_upload.html"
    form_class = ImportUploadForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.hot_list = _list_or_404(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from apps.hotlists.imports import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

        return super().get_context_data(hot_list=self.hot_list, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS,
                                        **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        staged = hot_list_import_preview(actor=self.request.user, hot_list=self.hot_list, content=upload.read(),
                                         filename=upload.name)
        return HttpResponseRedirect(reverse("hotlists:import_preview", args=[self.hot_list.pk, staged.pk]))


def _import_or_404(request, pk, import_pk) -> HotListImport:
    hot_list = _list_or_404(request, pk)
    return get_object_or_404(HotListImport.objects.select_related("hot_list", "created_by", "base_version"),
                             pk=import_pk, hot_list=hot_list)


class ImportPreviewView(HotListPageMixin, TemplateView):
    permission_required = ("hotlists.view_hotlist", "hotlists.manage_entries")
    template_name = "hotlists/import_preview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        staged = _import_or_404(self.request, kwargs["pk"], kwargs["import_pk"])
        context.update(staged=staged, hot_list=staged.hot_list, form=ImportApplyForm(),
                       outdated=staged.base_version_id != staged.hot_list.current_version_id,
                       errors_shown=staged.errors[:500],
                       other_rows=sum(1 for row in staged.rows if row.get("reason") == "other"))
        return context


class ImportApplyView(HotListPageMixin, View):
    permission_required = ("hotlists.view_hotlist", "hotlists.manage_entries")

    def post(self, request, pk: int, import_pk: int):
        staged = _import_or_404(request, pk, import_pk)
        form = ImportApplyForm(request.POST)
        form.is_valid()
        try:
            version = hot_list_import_apply(actor=request.user, hot_list_import=staged,
                                            skip_invalid_lines=form.cleaned_data.get("skip_invalid_lines", False),
                                            note=form.cleaned_data.get("note", ""),
                                            attested=bool(form.cleaned_data.get("attestation")))
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("hotlists:import_preview", args=[pk, import_pk]))
        messages.success(request, f"Version {version.number} of “{staged.hot_list}” is in force: {version.added} "
                                  f"added, {version.changed} changed, {version.removed} removed.")
        return HttpResponseRedirect(reverse("hotlists:detail", args=[pk]))


class ImportDiscardView(HotListPageMixin, View):
    permission_required = ("hotlists.view_hotlist", "hotlists.manage_entries")

    def post(self, request, pk: int, import_pk: int):
        staged = _import_or_404(request, pk, import_pk)
        hot_list_import_discard(actor=request.user, hot_list_import=staged)
        messages.info(request, "The upload was discarded; the list is unchanged.")
        return HttpResponseRedirect(reverse("hotlists:detail", args=[pk]))


class VersionDetailView(HotListPageMixin, TemplateView):
    """One version: who made it, why, and exactly which entries it added and removed (R-AUD-2)."""

    template_name = "hotlists/version.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hot_list = _list_or_404(self.request, kwargs["pk"])
        version = get_object_or_404(HotListVersion.objects.select_related("created_by"), pk=kwargs["version_pk"],
                                    hot_list=hot_list)
        context.update(hot_list=hot_list, version=version,
                       added=version.entries_added.select_related("entered_by").order_by("plate_pattern")[:500],
                       removed=version.entries_removed.select_related("entered_by").order_by("plate_pattern")[:500])
        return context


# --- Hits ----------------------------------------------------------------------------------------------------------


class HitListView(HitPageMixin, PlateAccessRequiredMixin, TemplateView):
    """The live hits page for operators and dispatch: new hits appear without reloading (static/js/hits.js polls
    the hits API every 2 s). Showing hits is logged under the person's own stated duty purpose and case or
    incident number (R-AUD-1a), asked once and kept for the session: the page and its polls log one row each."""

    access_what = "hits"

    template_name = "hotlists/hits.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        hits = hits_live(user=user)
        if hits:
            hits_log_shown(user=user, hits=hits, context=self.access, request=self.request)
        context.update(
            access=self.access, rows=[hit_as_dict(hit, user=user, context=self.access) for hit in hits],
            not_probable_cause=NOT_PROBABLE_CAUSE,
            guidance=HIT_GUIDANCE,
            last_id=max((hit.pk for hit in hits), default=0), server_time=timezone.now().isoformat(),
            api_url=reverse("api:hits"), stale_lists=[h for h in hot_list_list_visible_to(user=user).filter(
                active=True) if hot_list_state(h).stale] if user.has_perm("hotlists.view_hotlist") else [],
        )
        return context


class HitDetailView(HitPageMixin, PlateAccessRequiredMixin, TemplateView):
    """One hit, logged under the person's stated purpose and case number (R-AUD-1a)."""

    template_name = "hotlists/hit.html"
    access_what = "this hit"

    def plate_access_precheck(self, request, *args, **kwargs) -> None:
        self.hit = _hit_or_404(request, kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        hit = self.hit
        hits_log_shown(user=user, hits=[hit], context=self.access, request=self.request)
        context.update(
            hit=hit, row=hit_as_dict(hit, user=user, context=self.access), not_probable_cause=NOT_PROBABLE_CAUSE,
            guidance=HIT_GUIDANCE, access=self.access,
            vehicle_url=hit_image_url(hit=hit, kind="vehicle_image", user=user, context=self.access),
            may_confirm=user.has_perm("hotlists.confirm_hit"),
            confirm_form=HitConfirmForm(), note_form=HitNoteForm(), action_form=HitActionForm(),
            exigent_form=HitExigentForm(), is_stolen=hit.entry.reason in STOLEN_REASONS,
            may_review_exigent=(user.has_perm("hotlists.review_exigent_hit") and hit.confirmation_method == "exigent"
                                and hit.exigent_reviewed_at is None and hit.action_by_id != user.pk),
            review_form=ExigentReviewForm(),
            state=hot_list_state(hit.hot_list),
        )
        return context


class _HitTransitionView(HitPageMixin, View):
    permission_required = ("hotlists.view_hit", "hotlists.confirm_hit")
    form_class = HitNoteForm
    success = ""

    def perform(self, hit, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, pk: int):
        hit = _hit_or_404(request, pk)
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _errors_text(form))
        else:
            try:
                self.perform(hit, form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, self.success)
        return HttpResponseRedirect(reverse("hotlists:hit", args=[pk]))


class HitConfirmView(_HitTransitionView):
    form_class = HitConfirmForm
    success = "Confirmation recorded."

    def perform(self, hit, data):
        hit_confirm(actor=self.request.user, hit=hit, **data)


class HitMisreadView(_HitTransitionView):
    success = "Marked as a misread; it feeds the data-quality review."

    def perform(self, hit, data):
        hit_mark_misread(actor=self.request.user, hit=hit, note=data["note"])


class HitNotActionableView(_HitTransitionView):
    success = "Marked as not actionable."

    def perform(self, hit, data):
        hit_mark_not_actionable(actor=self.request.user, hit=hit, note=data["note"])


class HitActionView(_HitTransitionView):
    form_class = HitActionForm
    success = "Action recorded."

    def perform(self, hit, data):
        hit_record_action(actor=self.request.user, hit=hit, **data)


class HitExigentView(_HitTransitionView):
    """Action taken before confirmation, under exigent circumstances, with its justification (R-HOT-4a)."""

    form_class = HitExigentForm
    success = "Action recorded as taken before confirmation (exigent); a supervisor will review it."

    def perform(self, hit, data):
        hit_act_exigent(actor=self.request.user, hit=hit, **data)


class HitExigentReviewView(_HitTransitionView):
    """A supervisor records the review of an exigent action (R-HOT-4a)."""

    permission_required = ("hotlists.view_hit", "hotlists.review_exigent_hit")
    form_class = ExigentReviewForm
    success = "Review recorded."

    def perform(self, hit, data):
        hit_exigent_review(actor=self.request.user, hit=hit, **data)


class ExigentQueueView(HitPageMixin, PlateAccessRequiredMixin, TemplateView):
    """Supervisors: actions taken on hits before confirmation, waiting for review, and the last ones reviewed
    (R-HOT-4a). Showing them is logged under the supervisor's stated purpose (R-AUD-1a)."""

    permission_required = ("hotlists.view_hit", "hotlists.review_exigent_hit")
    template_name = "hotlists/exigent.html"
    access_what = "actions taken before confirmation"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        pending, reviewed = hits_exigent_to_review(user=user)
        shown = pending + reviewed
        if shown:
            hits_log_shown(user=user, hits=shown, context=self.access, request=self.request)
        context.update(pending=pending, reviewed=reviewed, access=self.access, review_form=ExigentReviewForm())
        return context


class HitImageView(HitPageMixin, View):
    """A hit's plate crop or vehicle image, through a signed link issued to this person by a logged listing."""

    def get(self, request, pk: int, kind: str):
        if kind not in HIT_IMAGE_KINDS:
            raise Http404
        access = hit_image_link_context(token=request.GET.get("s", ""), hit_id=pk, kind=kind, user=request.user)
        if access is None:
            raise PermissionDenied("This image link is not valid for you, or it has expired; reload the page.")
        hit = _hit_or_404(request, pk)
        file = getattr(hit.read, kind)
        if not file:
            raise Http404
        plate_access_log(request=request, context=access, action="hotlists.hits.image",
                         data_elements={"hit": hit.pk, "read_id": hit.read_id, "image": kind, "plate": hit.plate},
                         result_count=1)
        return read_image_response(read=hit.read, kind=kind)  # SHA-256 checked before a byte is sent (R-SEC-2)


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
