"""Pages of erroneous entries and their referrals to the originating agency (R-HOT-7)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.hotlists.forms import EntryErrorForm, EntryErrorResolveForm, ReferralSentForm
from apps.hotlists.models import HotListEntry, HotListEntryError, HotListEntryReferral
from apps.hotlists.selectors import hot_list_entry_referral_list_visible_to, hot_list_list_visible_to
from apps.hotlists.services.data_quality import (
    hot_list_entry_error_resolve,
    hot_list_entry_mark_erroneous,
    hot_list_entry_referral_mark_sent,
)
from apps.hotlists.views.base import HotListPageMixin, form_errors_text, hot_list_or_404
from apps.training.gate import TrainingRequiredMixin


class EntryErrorView(HotListPageMixin, View):
    """Mark an entry erroneous (R-HOT-7): an error record; the entry stops matching at once."""

    permission_required = ("hotlists.view_hotlist", "hotlists.manage_entries")

    def post(self, request, pk: int, entry_pk: int):
        hot_list = hot_list_or_404(request, pk)
        entry = get_object_or_404(HotListEntry, pk=entry_pk, hot_list=hot_list)
        form = EntryErrorForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
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
            messages.error(request, form_errors_text(form))
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
            messages.error(request, form_errors_text(form))
        else:
            try:
                hot_list_entry_referral_mark_sent(actor=request.user, referral=referral, via=form.cleaned_data["via"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Referral to {referral.agency_name} recorded as sent.")
        return HttpResponseRedirect(reverse("hotlists:errors"))
