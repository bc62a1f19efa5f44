"""Pages of hot lists and their entries (R-HOT-1, R-HOT-2)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.audit.access_context import AccessContext
from apps.common.errors import ApplicationError
from apps.hotlists.choices import ImportStatus
from apps.hotlists.forms import BackSearchForm, EntryAddForm, EntryErrorForm, EntryRemoveForm, HotListForm
from apps.hotlists.models import HotListEntry, HotListVersion
from apps.hotlists.selectors import hit_back_search, hot_list_entries_current, hot_list_list_visible_to, hot_list_state
from apps.hotlists.services.lists import hot_list_create, hot_list_entry_add, hot_list_entry_remove
from apps.hotlists.views.base import HotListPageMixin, form_errors_text, hot_list_or_404

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
        hot_list = hot_list_or_404(self.request, kwargs["pk"])
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
            self.hot_list = hot_list_or_404(request, kwargs["pk"])
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
        hot_list = hot_list_or_404(request, pk)
        entry = get_object_or_404(HotListEntry, pk=entry_pk, hot_list=hot_list)
        form = EntryRemoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
        else:
            try:
                version = hot_list_entry_remove(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{entry.plate_pattern} removed (version {version.number}).")
        return HttpResponseRedirect(reverse("hotlists:detail", args=[hot_list.pk]))


class EntryBackSearchView(HotListPageMixin, TemplateView):
    """Earlier sightings of an entry's plate: the reads search, logged with its purpose and case number."""

    permission_required = ("hotlists.view_hotlist", "reads.query_reads")
    template_name = "hotlists/backsearch.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hot_list = hot_list_or_404(self.request, kwargs["pk"])
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


class VersionDetailView(HotListPageMixin, TemplateView):
    """One version: who made it, why, and exactly which entries it added and removed (R-AUD-2)."""

    template_name = "hotlists/version.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hot_list = hot_list_or_404(self.request, kwargs["pk"])
        version = get_object_or_404(HotListVersion.objects.select_related("created_by"), pk=kwargs["version_pk"],
                                    hot_list=hot_list)
        context.update(hot_list=hot_list, version=version,
                       added=version.entries_added.select_related("entered_by").order_by("plate_pattern")[:500],
                       removed=version.entries_removed.select_related("entered_by").order_by("plate_pattern")[:500])
        return context
