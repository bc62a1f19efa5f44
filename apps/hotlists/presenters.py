"""The JSON shape of a hit, shared by the live API and the hits page (so the page and its script agree)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from apps.hotlists.links import hit_image_url


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def hit_as_dict(hit, *, user, context) -> dict:
    """A hit as the pages and the API show it; ``context`` is the access context its image links carry."""
    entry, hot_list = hit.entry, hit.hot_list
    return {
        "id": hit.pk,
        "status": hit.status,
        "status_label": hit.get_status_display(),
        "priority": hit.priority,
        "priority_label": hit.get_priority_display(),
        "plate": hit.plate,
        "plate_read": hit.read.plate_read,
        "region": hit.read.region,
        "entry_pattern": entry.plate_pattern,
        "entry_partial": entry.is_partial,
        "entry_state": entry.state,
        "reason": entry.reason,
        "reason_label": entry.get_reason_display(),
        "case_number": entry.case_number,
        "vehicle_description": entry.vehicle_description,
        "hot_list": hot_list.name,
        "hot_list_source": hot_list.get_source_display(),
        "version": hit.version.number,
        "camera": hit.camera.name,
        "captured_at": hit.captured_at.isoformat(),
        "captured_at_local": _local(hit.captured_at),
        "matched_at": hit.matched_at.isoformat(),
        "latitude": hit.read.latitude,
        "longitude": hit.read.longitude,
        "confidence": hit.read.confidence,
        "flagged_out_of_service": hit.read.flagged_out_of_service,
        "crop_url": hit_image_url(hit=hit, kind="plate_crop", user=user, context=context),
        "detail_url": reverse("hotlists:hit", args=[hit.pk]),
    }


def hit_review_as_dict(hit) -> dict:
    """Who resolved a hit and how (R-HOT-4, R-HOT-5): the confirmation, the dismissal or the action recorded."""
    def who(user):
        return user.get_username() if user else None

    def when(moment):
        return moment.isoformat() if moment else None

    return {
        "confirmed_by": who(hit.confirmed_by), "confirmed_at": when(hit.confirmed_at),
        "confirmation_method": hit.confirmation_method or None, "confirmation_result": hit.confirmation_result or None,
        "confirmation_note": hit.confirmation_note, "confirmation_reference": hit.confirmation_reference or None,
        "exigent_justification": hit.exigent_justification or None,
        "exigent_reviewed_by": who(hit.exigent_reviewed_by), "exigent_reviewed_at": when(hit.exigent_reviewed_at),
        "exigent_review_outcome": hit.exigent_review_outcome or None, "exigent_review_note": hit.exigent_review_note,
        "dismissed_by": who(hit.dismissed_by), "dismissed_at": when(hit.dismissed_at),
        "dismissal_note": hit.dismissal_note,
        "action": hit.action or None, "action_by": who(hit.action_by), "action_at": when(hit.action_at),
        "action_note": hit.action_note,
    }
