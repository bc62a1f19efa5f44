"""The training gate (R-ACC-2): lapsed or missing training blocks every page, API call and admin screen that
shows or changes ALPR data, at once. Login and the training pages stay open so a person can see why and fix it.

One selector (``training_status_for``) decides; this module applies it to views, the API and the admin.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.shortcuts import redirect
from rest_framework.permissions import BasePermission

from apps.audit.services import event_record
from apps.training.selectors import training_status_for

logger = logging.getLogger("alprportal.training")


def record_blocked_attempt(request, status) -> None:
    """Attempts while lapsed feed the annual training report's compliance issues (R-REP-2)."""
    logger.info("Training gate blocked %s on %s: %s", request.user.get_username(), request.path, status.message)
    event_record(
        actor=request.user,
        code="alprportal.training.access.blocked",
        target=request.user,
        data={"path": request.path, "method": request.method, "missing_course": status.missing_course},
    )


def _blocked(request):
    if not request.user.is_authenticated:
        return None
    status = training_status_for(user=request.user)
    if status.current:
        return None
    record_blocked_attempt(request, status)
    return redirect("training:required")


class TrainingRequiredMixin:
    """For class-based pages that show or change ALPR data. Put it after LoginRequiredMixin."""

    def dispatch(self, request, *args, **kwargs):
        blocked = _blocked(request)
        if blocked is not None:
            return blocked
        return super().dispatch(request, *args, **kwargs)


def training_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return _blocked(request) or view(request, *args, **kwargs)

    return wrapper


class TrainingCurrent(BasePermission):
    """DRF permission for endpoints of ALPR data; the 403 body says which course is missing and since when."""

    message = "Training required."
    code = "training_required"

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        status = training_status_for(user=request.user)
        if not status.current:
            self.message = status.message
            record_blocked_attempt(request, status)
            return False
        return True


class TrainingGatedAdminMixin:
    """For ModelAdmins of ALPR data: every admin screen of the model is behind the gate."""

    def _gate(self, request):
        return _blocked(request)

    def changelist_view(self, request, extra_context=None):
        return self._gate(request) or super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._gate(request) or super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._gate(request) or super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        return self._gate(request) or super().history_view(request, object_id, extra_context)
