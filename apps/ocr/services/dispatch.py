"""Queueing OCR tasks for stored photos, and the catch-up that queues stuck photos again (R-READ-1)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from apps.common.jobs import jobs_resend
from apps.ocr.models import OcrItem

logger = logging.getLogger("alprportal.ocr")
OCR_RECOVER_LIMIT = 500  # photos queued again per sweep; the next sweep takes the rest


def ocr_items_enqueue(*, item_ids) -> int:
    """Queue the OCR of stored photos on the OCR queue (``PORTAL["OCR_QUEUE"]``); returns how many were queued.
    Call after commit. Never raises: when the broker cannot be reached the photos are stored and their items stay
    ``queued``, and ``ocr_items_recover`` queues them once it is back. The first failure stops the loop, so an
    upload of 20 photos does not wait 20 times for a broker that is down."""
    from apps.ocr.tasks import ocr_item_process_task

    item_ids = list(item_ids)
    for sent, item_id in enumerate(item_ids):
        try:
            ocr_item_process_task.apply_async(kwargs={"item_id": item_id}, queue=settings.PORTAL["OCR_QUEUE"])
        except Exception:  # the photo is stored and its item stays queued: requeueing it later loses nothing
            logger.exception("Could not queue the OCR of photo %s; %s photo(s) stay queued until ocr_items_recover "
                             "queues them again.", item_id, len(item_ids) - sent)
            return sent
    return len(item_ids)


def ocr_items_recover(*, queued_for: timedelta | None = None, processing_for: timedelta | None = None,
                      limit: int = OCR_RECOVER_LIMIT) -> list[int]:
    """Queue again the photos no task will read (R-READ-1: every stored photo is read); return their ids.

    Stranded are photos ``queued`` for longer than ``queued_for`` (default ``PORTAL["OCR_RECOVER_QUEUED_SECONDS"]``:
    the broker was down when their upload committed, or their message was lost) and photos ``processing`` whose
    start is older than ``processing_for`` (default ``PORTAL["OCR_RECOVER_PROCESSING_SECONDS"]``, well past the
    task's time limit: the worker died mid-photo). Oldest first, at most ``limit`` per call.

    Safe at any time and from several places at once (beat, each OCR worker's start): ``ocr_item_process`` is
    idempotent, so a photo whose message was only slow is read once and the extra message is a no-op. Never
    raises for a broker outage (the photos stay as they are; the next sweep tries again).
    """
    queued_for = queued_for if queued_for is not None else timedelta(
        seconds=settings.PORTAL["OCR_RECOVER_QUEUED_SECONDS"])
    processing_for = processing_for if processing_for is not None else timedelta(
        seconds=settings.PORTAL["OCR_RECOVER_PROCESSING_SECONDS"])
    return jobs_resend(model=OcrItem, queued_for=queued_for, running_for=processing_for, where=~Q(image=""),
                       limit=limit, send=lambda items: ocr_items_enqueue(item_ids=[item.pk for item in items]))
