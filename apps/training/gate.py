"""The training gate (R-ACC-2): lapsed or missing training blocks every page, API call and admin screen that
shows or changes ALPR data, at once. So do a missing course required of everyone (R-ACC-2a), an unacknowledged
usage and privacy policy version (R-ACC-7) and — where read data is queried — a missing background check
(R-ACC-6). Login and the training pages stay open so a person can see why and fix it.

One selector (``alpr_access_status_for``) decides; this module applies it to views, the API and the admin. A view
queries read data when it requires ``reads.query_reads`` (``permission_required``) or declares
``queries_read_data = True``; the read selectors check the background check again (``apps.reads.selectors``).
"""

from __future__ import annotations

import logging

from django.shortcuts import redirect
from rest_framework.permissions import BasePermission

from apps.audit.services import event_record
from apps.training.selectors import alpr_access_status_for

QUERY_PERMISSION = "reads.query_reads"

logger = logging.getLogger("alprportal.training")


BLOCKED_TRAINING = "alprportal.training.access.blocked"
BLOCKED_OTHER = "alprportal.accounts.access.blocked"


def record_blocked_attempt(request, status) -> None:
    """Attempts while lapsed feed the annual training report's compliance issues (R-REP-2): training blocks are
    ``alprportal.training.access.blocked``; blocks for an unacknowledged policy (R-ACC-7) or a missing background
    check (R-ACC-6) alone are ``alprportal.accounts.access.blocked``, so the training figures count training only."""
    training = getattr(status, "training", status)
    logger.info("ALPR access gate blocked %s on %s: %s", request.user.get_username(), request.path, status.message)
    policy = getattr(status, "policy_to_acknowledge", None)
    event_record(
        actor=request.user,
        code=BLOCKED_OTHER if training.current else BLOCKED_TRAINING,
        target=request.user,
        data={"path": request.path, "method": request.method, "missing_course": training.missing_course,
              "policy_version": policy.version if policy is not None else "",
              "background_check_missing": getattr(status, "background_check_missing", False)},
    )


def view_queries_read_data(view) -> bool:
    """Does ``view`` (a class-based page or API view) query read data? (R-ACC-6 applies to those.)"""
    if getattr(view, "queries_read_data", False):
        return True
    required = getattr(view, "permission_required", None) or ()
    if isinstance(required, str):
        required = (required,)
    if QUERY_PERMISSION in required:
        return True
    return any(getattr(permission, "required_permission", None) == QUERY_PERMISSION
               or getattr(permission, "__name__", "") == "CanQueryReads"
               for permission in getattr(view, "permission_classes", ()) or ())


def access_gate_redirect(request, *, querying: bool = False):
    """The redirect to the training page, the attempt recorded, when the signed-in person may not use ALPR data
    now (training, policy acknowledgment, or — when ``querying`` — background check); None when they may."""
    if not request.user.is_authenticated:
        return None
    status = alpr_access_status_for(user=request.user, querying=querying)
    if status.current:
        return None
    record_blocked_attempt(request, status)
    return redirect("training:required")


class TrainingRequiredMixin:
    """For class-based pages that show or change ALPR data. Put it after LoginRequiredMixin."""

    def dispatch(self, request, *args, **kwargs):
        blocked = access_gate_redirect(request, querying=view_queries_read_data(self))
        if blocked is not None:
            return blocked
        return super().dispatch(request, *args, **kwargs)


class TrainingCurrent(BasePermission):
    """DRF permission for endpoints of ALPR data; the 403 body says which course is missing and since when."""

    message = "Training required."
    code = "training_required"

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        status = alpr_access_status_for(user=request.user, querying=view_queries_read_data(view))
        if not status.current:
            self.message = status.message
            record_blocked_attempt(request, status)
            return False
        return True


class TrainingGatedAdminMixin:
    """For ModelAdmins of ALPR data: every admin screen of the model is behind the gate."""

    def _gate(self, request):
        return access_gate_redirect(request)

    def changelist_view(self, request, extra_context=None):
        return self._gate(request) or super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._gate(request) or super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._gate(request) or super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        return self._gate(request) or super().history_view(request, object_id, extra_context)
