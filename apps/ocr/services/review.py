"""The uploader's review of a photo's plate: accept or correct it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.ocr.choices import REVIEW_TRANSITIONS, ReviewStatus
from apps.ocr.models import OcrItem
from apps.reads.services.corrections import read_correct

REVIEW_NOT_YOURS = "Only the person who uploaded the photo reviews it."
REVIEW_NOTHING_TO_REVIEW = "This photo has no plate to review (no read was made from it)."
REVIEW_ILLEGAL = "This photo's plate is already {state}."


def _review_target(*, actor, item: OcrItem, new: str) -> OcrItem:
    item = row_lock(item, related=("job", "read"))
    if item.job.uploaded_by_id != actor.pk:
        raise PermissionDeniedError(REVIEW_NOT_YOURS, code="review_not_yours")
    if item.read_id is None:
        raise ApplicationError(REVIEW_NOTHING_TO_REVIEW, code="nothing_to_review")
    transition_check(item, new, **_REVIEW_MACHINE)
    return item


# The uploader's review of a photo's plate, for apps.audit.transitions (its events are filed under the job).
_REVIEW_MACHINE = {
    "transitions": REVIEW_TRANSITIONS, "field": "review_status",
    "refuse": lambda item, _new: ApplicationError(REVIEW_ILLEGAL.format(
        state=item.get_review_status_display().lower()), code="review_illegal"),
}


@transaction.atomic
def ocr_item_accept(*, actor, item: OcrItem) -> OcrItem:
    """The uploader confirms the plate OCR chose (pending → accepted). Only the uploader; only a photo with a read."""
    item = _review_target(actor=actor, item=item, new=ReviewStatus.ACCEPTED)
    transition_apply(item, ReviewStatus.ACCEPTED, actor=actor, event_code="alprportal.ocr.item.accepted",
                     changes={"reviewed_by": actor, "reviewed_at": timezone.now()}, event_target=item.job,
                     data={"item": item.pk, "read": item.read_id, "plate": item.read.plate_current},
                     **_REVIEW_MACHINE)
    return item


@transaction.atomic
def ocr_item_correct(*, actor, item: OcrItem, corrected_plate: str, reason: str, context, request=None) -> OcrItem:
    """The uploader fixes a misread (pending/accepted → corrected) through the reads correction service: a
    correction record, never an edit of the original read (R-READ-2), logged under ``context`` (the purpose and case
    number stated for the upload). Counted as a misread of the item's engine version (R-HOT-5). Raises what
    ``read_correct`` raises (no permission, no reason, no context, same plate)."""
    item = _review_target(actor=actor, item=item, new=ReviewStatus.CORRECTED)
    correction = read_correct(actor=actor, read=item.read, corrected_plate=corrected_plate, reason=reason,
                              context=context, request=request,
                              as_uploader=True)  # _review_target checked the actor uploaded this photo
    item.read.refresh_from_db(fields=["plate_current"])
    transition_apply(item, ReviewStatus.CORRECTED, actor=actor, event_code="alprportal.ocr.item.corrected",
                     changes={"reviewed_by": actor, "reviewed_at": timezone.now()}, event_target=item.job,
                     data={"item": item.pk, "read": item.read_id, "plate_old": correction.previous_plate,
                           "plate_new": correction.corrected_plate, "engine": item.engine_version},
                     **_REVIEW_MACHINE)
    return item
