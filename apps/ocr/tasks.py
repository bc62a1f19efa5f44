"""The OCR tasks: thin (load nothing themselves, call a service), acknowledged late, idempotent.

Routed to the ``ocr`` queue (``CELERY_TASK_ROUTES``; ``ocr_items_enqueue`` also names ``PORTAL["OCR_QUEUE"]``
explicitly). A worker killed mid-photo leaves the message unacknowledged, so the photo is redelivered and rerun;
the service makes the rerun safe. Expected problems (an unreadable photo) are not errors: the service fails that
photo's item. Database hiccups are retried; anything else, once retries are exhausted, fails the item with the
reason (``on_failure``), so a job never stays "processing" forever. A photo the engine cannot finish within the soft
time limit fails with the reason; ``ocr_items_recover`` queues again what no task will read any more.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from apps.common.jobs import TrackedJobTask
from apps.ocr.services.dispatch import ocr_items_recover
from apps.ocr.services.processing import OCR_CRASHED, ocr_item_process

_TIME_LIMIT = settings.PORTAL["OCR_TASK_TIME_LIMIT_SECONDS"]


@shared_task(base=TrackedJobTask, job_model="ocr.OcrItem", job_id_arg="item_id", job_failure_template=OCR_CRASHED,
             bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, max_retries=3,
             soft_time_limit=_TIME_LIMIT, time_limit=_TIME_LIMIT + 60)
def ocr_item_process_task(self, *, item_id: int) -> dict:
    item = ocr_item_process(item_id=item_id)
    return {"item": item.pk, "status": item.status, "read": item.read_id}


@shared_task(name="apps.ocr.tasks.ocr_items_recover", acks_late=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, max_retries=3)
def ocr_items_recover_task() -> list[int]:
    """Beat (every 5 minutes) and each OCR worker's start: queue again the photos stranded without a task."""
    return ocr_items_recover()
