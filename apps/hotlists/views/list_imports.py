"""Pages of hot-list imports: upload, preview of the differences, apply, discard (R-HOT-2)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.common.errors import ApplicationError
from apps.hotlists.forms import ImportApplyForm, ImportUploadForm
from apps.hotlists.models import HotListImport
from apps.hotlists.services.list_imports import hot_list_import_apply, hot_list_import_discard, hot_list_import_preview
from apps.hotlists.views.base import HotListPageMixin, hot_list_or_404


class ImportUploadView(HotListPageMixin, FormView):
    """Upload a CSV: it is parsed into a dry-run preview; nothing changes until the person confirms."""

    permission_required = ("hotlists.view_hotlist", "hotlists.manage_entries")
    template_name = "hotlists/import_upload.html"
    form_class = ImportUploadForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.hot_list = hot_list_or_404(request, kwargs["pk"])
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
    hot_list = hot_list_or_404(request, pk)
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
