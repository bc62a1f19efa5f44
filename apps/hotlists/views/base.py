"""What every hot-list page shares: the permission mixins and the object lookups through the visibility selectors."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from apps.common.views import PortalPermissionRequiredMixin
from apps.hotlists.selectors import hit_list_visible_to, hot_list_list_visible_to
from apps.training.gate import TrainingRequiredMixin


class HotListPageMixin(PortalPermissionRequiredMixin, TrainingRequiredMixin):
    permission_required = "hotlists.view_hotlist"


class HitPageMixin(PortalPermissionRequiredMixin, TrainingRequiredMixin):
    permission_required = "hotlists.view_hit"


def hot_list_or_404(request, pk):
    return get_object_or_404(hot_list_list_visible_to(user=request.user), pk=pk)


def hit_or_404(request, pk):
    return get_object_or_404(hit_list_visible_to(user=request.user), pk=pk)


def form_errors_text(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)
