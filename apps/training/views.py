from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.selectors import background_check_latest, background_check_required_for
from apps.agencies.models import PolicyAcknowledgment
from apps.agencies.selectors import policy_document_current
from apps.agencies.services import policy_acknowledge
from apps.common.downloads import download_filename
from apps.common.errors import ApplicationError
from apps.training.models import QUALIFYING, Course
from apps.training.selectors import (
    MESSAGE_NOT_STAFF,
    alpr_access_status_for,
    training_record_list_visible_to,
    training_refresher_days,
)

ACKNOWLEDGED = "Thank you: your acknowledgment of version {version} is recorded."
ACKNOWLEDGE_CONFIRM_REQUIRED = "Tick the box to confirm that you have read the policy."


def _access_context(user) -> dict:
    querying = user.is_internal and user.has_perm("reads.query_reads")
    return {
        "is_staff_member": user.is_internal,
        "not_staff_message": MESSAGE_NOT_STAFF,
        "status": alpr_access_status_for(user=user, querying=querying),
        "querying": querying,
        "background_check_required": background_check_required_for(user=user),
        "background_check": background_check_latest(user=user),
        "policy_current": policy_document_current(),
        "refresher_days": training_refresher_days(),
    }


class MyTrainingView(LoginRequiredMixin, TemplateView):
    """A person's own training, policy acknowledgments and background check: always reachable, even when blocked,
    so they can see what is missing (R-ACC-2, R-ACC-2a, R-ACC-6, R-ACC-7)."""

    template_name = "training/mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(_access_context(user))
        context["records"] = training_record_list_visible_to(user=user).filter(person=user)
        context["acknowledgments"] = PolicyAcknowledgment.objects.filter(person=user).select_related("document")
        context["qualifying_courses"] = Course.objects.filter(QUALIFYING, active=True)
        return context


class TrainingRequiredView(LoginRequiredMixin, TemplateView):
    """Where the gate sends a person: every missing piece — course, policy acknowledgment, background check — and
    since when (R-ACC-2, R-ACC-2a, R-ACC-6, R-ACC-7)."""

    template_name = "training/required.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_access_context(self.request.user))
        return context


class PolicyAcknowledgeView(LoginRequiredMixin, TemplateView):
    """R-ACC-7: read the usage and privacy policy in force (its PDF one click away) and acknowledge it."""

    template_name = "training/acknowledge.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        document = policy_document_current()
        context["document"] = document
        context["acknowledgment"] = (PolicyAcknowledgment.objects.filter(person=user, document=document).first()
                                     if document is not None else None)
        context["is_staff_member"] = user.is_internal
        return context

    def post(self, request):
        document = policy_document_current()
        if document is None or str(document.pk) != request.POST.get("document", ""):
            messages.error(request, "The policy in force changed while you were reading; read the current version.")
            return redirect("training:acknowledge")
        if request.POST.get("confirm") != "yes":
            messages.error(request, ACKNOWLEDGE_CONFIRM_REQUIRED)
            return redirect("training:acknowledge")
        try:
            policy_acknowledge(actor=request.user, document=document)
        except ApplicationError as error:
            messages.error(request, str(error))
            return redirect("training:acknowledge")
        messages.success(request, ACKNOWLEDGED.format(version=document.version))
        return redirect("training:mine")


class CertificateDownloadView(LoginRequiredMixin, View):
    """Certificates are private files: served only through this permission-checked view, never from MEDIA_URL."""

    def get(self, request, pk: int):
        record = get_object_or_404(training_record_list_visible_to(user=request.user), pk=pk)
        if not record.certificate:
            raise Http404("No certificate on file.")
        return FileResponse(record.certificate.open("rb"), as_attachment=True,
                            filename=download_filename(record.certificate.name.rsplit("/", 1)[-1]))
