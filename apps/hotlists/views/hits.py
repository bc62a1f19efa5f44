"""Pages of hits (R-HOT-4, R-HOT-5): the list, a hit, its confirmation and outcome, the exigent queue, its images."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from apps.audit.access_context import PlateAccessRequiredMixin, plate_access_log
from apps.common.errors import ApplicationError
from apps.hotlists.choices import STOLEN_REASONS
from apps.hotlists.forms import ExigentReviewForm, HitActionForm, HitConfirmForm, HitExigentForm, HitNoteForm
from apps.hotlists.links import HIT_IMAGE_KINDS, hit_image_link_context, hit_image_url
from apps.hotlists.presenters import hit_as_dict
from apps.hotlists.selectors import (
    hits_exigent_to_review,
    hits_live,
    hits_log_shown,
    hot_list_list_visible_to,
    hot_list_state,
)
from apps.hotlists.services.hits import (
    hit_act_exigent,
    hit_confirm,
    hit_exigent_review,
    hit_mark_misread,
    hit_mark_not_actionable,
    hit_record_action,
)
from apps.hotlists.views.base import HitPageMixin, form_errors_text, hit_or_404
from apps.reads.images import read_image_response

NOT_PROBABLE_CAUSE = "A hit is not probable cause."
HIT_GUIDANCE = (
    "Compare the plate image with the hot-list plate, then confirm the status of the vehicle with dispatch or CLETS "
    "before taking any action (R-HOT-4, policy 002)."
)


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
        self.hit = hit_or_404(request, kwargs["pk"])

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
        hit = hit_or_404(request, pk)
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
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
        hit = hit_or_404(request, pk)
        file = getattr(hit.read, kind)
        if not file:
            raise Http404
        plate_access_log(request=request, context=access, action="hotlists.hits.image",
                         data_elements={"hit": hit.pk, "read_id": hit.read_id, "image": kind, "plate": hit.plate},
                         result_count=1)
        return read_image_response(read=hit.read, kind=kind)  # SHA-256 checked before a byte is sent (R-SEC-2)
