from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from apps.training.selectors import training_record_list_visible_to, training_status_for


class MyTrainingView(LoginRequiredMixin, TemplateView):
    """A person's own training: always reachable, even when lapsed, so they can see what is missing."""

    template_name = "training/mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["status"] = training_status_for(user=user)
        context["records"] = training_record_list_visible_to(user=user).filter(person=user)
        return context


class TrainingRequiredView(LoginRequiredMixin, TemplateView):
    """Where the training gate sends a person: which course is missing and since when (R-ACC-2)."""

    template_name = "training/required.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status"] = training_status_for(user=self.request.user)
        return context


class CertificateDownloadView(LoginRequiredMixin, View):
    """Certificates are private files: served only through this permission-checked view, never from MEDIA_URL."""

    def get(self, request, pk: int):
        record = get_object_or_404(training_record_list_visible_to(user=request.user), pk=pk)
        if not record.certificate:
            raise Http404("No certificate on file.")
        return FileResponse(record.certificate.open("rb"), as_attachment=True,
                            filename=record.certificate.name.rsplit("/", 1)[-1])
