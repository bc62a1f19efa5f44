"""Oversight profiles: which oversight body an oversight account belongs to."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.roles import Role
from apps.audit.services import event_record
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.reports.models import OversightProfile

PROFILE_NOT_OVERSIGHT = "Only oversight accounts belong to an oversight body."
NOT_A_PROFILE_ADMIN = "You may not assign oversight bodies."


@transaction.atomic
def oversight_profile_set(*, actor, user, body: str) -> OversightProfile:
    """Say which oversight body an oversight account speaks for (it decides the rendition it may download)."""
    if actor is not None and not actor.has_perm("reports.change_oversightprofile"):
        raise PermissionDeniedError(NOT_A_PROFILE_ADMIN)
    if not user.has_role(Role.OVERSIGHT):
        raise ApplicationError(PROFILE_NOT_OVERSIGHT, code="not_oversight")
    profile = OversightProfile.objects.select_for_update().filter(user=user).first()
    old = profile.body if profile else None
    if profile is None:
        profile = OversightProfile(user=user, body=body)
    profile.body = body
    profile.full_clean()
    profile.save()
    if old != body:
        event_record(actor=actor, code="alprportal.reports.oversight_profile.set", target=user,
                     data={"old": old, "new": body})
    return profile
