"""Corrections of misread plates (R-READ-2)."""

from __future__ import annotations

from django.db import transaction

from apps.audit.access_context import AccessContext
from apps.audit.services import access_log_record, event_record
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.reads.hooks import reads_changed_notify
from apps.reads.models import Read, ReadCorrection
from apps.reads.plates import plate_normalize

CORRECTION_NOT_ALLOWED = "You may not correct reads."
CORRECTION_REASON_REQUIRED = "Say why the plate is corrected (e.g. “image shows 8, OCR read B”)."
CORRECTION_UNCHANGED = "The read already has the plate {plate}."
CORRECTION_CONTEXT_REQUIRED = (
    "State the purpose and case number you correct this read for: a correction shows the read's plate and is logged."
)


def read_correct(*, actor, read: Read, corrected_plate: str, reason: str, context: AccessContext | None,
                 request=None, as_uploader: bool = False) -> ReadCorrection:
    """Record that ``read`` shows ``corrected_plate`` (R-READ-2).

    A correction is an access to the read: its answer names the plate it had (and a refusal names the plate it has),
    so it is logged (``reads.correct``) under ``context``'s purpose and case number before the read is looked at,
    in a statement of its own that stays when the correction is then refused (R-AUD-1a). Without a context nothing
    is looked at or changed.

    Correcting needs ``reads.correct_read``, except that the person who uploaded a photo may correct the read OCR
    made of it (issue #4: the uploader reviews their own results): the OCR review service checks that and passes
    ``as_uploader=True``; nothing a client sends can set it.

    The corrected plate is matched against the hot lists at once (R-HOT-5: labels are re-evaluated when new
    information arrives), so a misread that hid a wanted plate raises its hit now; hits of the old plate stay for the
    hit reviewer to mark as misread.

    The original (``plate_read``, ``plate_normalized``, images, time, place) never changes: the correction is its
    own append-only row (who, when, why, from, to), and the read's ``plate_current`` — the column searches match —
    becomes the corrected plate. Locks the read so two corrections serialize. Refuses a missing reason, an illegal
    plate, or a plate equal to the current one.
    """
    if not (as_uploader or actor.has_perm("reads.correct_read")):
        raise PermissionDeniedError(CORRECTION_NOT_ALLOWED, code="correction_not_allowed")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(CORRECTION_REASON_REQUIRED, code="reason_required")
    if context is None:
        raise ApplicationError(CORRECTION_CONTEXT_REQUIRED, code="access_context_required")
    plate = plate_normalize(corrected_plate)
    access_log_record(user=actor, action="reads.correct", data_elements={"read_id": read.pk, "corrected_plate": plate},
                      purpose=context.purpose, case_number=context.case_number, result_count=1, request=request)
    with transaction.atomic():
        return _correction_record(actor=actor, read_id=read.pk, plate=plate, reason=reason)


def _correction_record(*, actor, read_id: int, plate: str, reason: str) -> ReadCorrection:
    read = Read.objects.select_for_update().get(pk=read_id)
    if plate == read.plate_current:
        raise ApplicationError(CORRECTION_UNCHANGED.format(plate=plate), code="correction_unchanged")
    correction = ReadCorrection(read=read, previous_plate=read.plate_current, corrected_plate=plate, reason=reason,
                                corrected_by=actor)
    correction.full_clean()
    correction.save()
    read.plate_current = plate
    read.save(update_fields=["plate_current"])
    event_record(actor=actor, code="alprportal.reads.read.corrected", target=read,
                 data={"old": correction.previous_plate, "new": plate, "reason": reason,
                       "original": read.plate_normalized})
    reads_changed_notify(read_ids=[read.pk])  # R-HOT-5: hot-list matching; commits (or rolls back) with the correction
    return correction
