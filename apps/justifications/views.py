"""The supervisors' review queue of justified searches without a plate and "other" hot-list entries (R-PURP-2)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.audit.justification_rules import ATTESTATION_TEXT
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.justifications.forms import JustificationReviewForm
from apps.justifications.selectors import justification_queue_for, other_reason_entries, plate_less_searches
from apps.justifications.services import justification_review_record
from apps.training.gate import TrainingRequiredMixin


class _ReviewerMixin(PortalPermissionRequiredMixin, TrainingRequiredMixin):
    permission_required = "justifications.review_justifications"


class JustificationQueueView(_ReviewerMixin, TemplateView):
    """Pending justifications, oldest first, and the latest reviews. Searches without a plate show their criteria
    (area, cameras, time) and justification, never read data."""

    template_name = "justifications/queue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(queue=justification_queue_for(user=self.request.user), form=JustificationReviewForm(),
                       attestation_text=ATTESTATION_TEXT)
        return context


class _ReviewView(_ReviewerMixin, View):
    def record(self, request, **subject):
        form = JustificationReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        else:
            try:
                justification_review_record(actor=request.user, **form.cleaned_data, **subject)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "Review recorded.")
        return HttpResponseRedirect(reverse("justifications:queue"))


class SearchReviewView(_ReviewView):
    def post(self, request, log_pk: int):
        return self.record(request, access_log=get_object_or_404(plate_less_searches(), pk=log_pk))


class EntryReviewView(_ReviewView):
    def post(self, request, entry_pk: int):
        return self.record(request, hot_list_entry=get_object_or_404(other_reason_entries(), pk=entry_pk))
