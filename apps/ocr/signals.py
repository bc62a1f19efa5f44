"""Worker signals of OCR: load the models once per worker process (issue #4 item 3), and catch up on stranded photos
when an OCR worker starts (issue #9).

``get_engine`` caches the engine per process anyway; warming it in ``worker_process_init`` moves the ~1 s model load
(and its memory) out of the first upload's timing. It runs in each prefork child, after the fork: onnxruntime
sessions are not shared across a fork.

A worker that consumes the OCR queue sends ``ocr_items_recover`` when it is ready: after an outage of the broker or of
every OCR worker, the photos left ``queued`` or ``processing`` are queued again at once instead of at the next beat.
It is a message, not work in the worker's main process (no database connection there to leak into forked children).
"""

from __future__ import annotations

import logging

from celery.signals import worker_process_init, worker_ready

logger = logging.getLogger("alprportal.ocr")


@worker_process_init.connect(dispatch_uid="apps.ocr.warm_engine")
def ocr_engine_warm(**kwargs) -> None:
    from django.conf import settings

    if not settings.PORTAL.get("OCR_WARM_WORKERS", True):
        return
    from apps.ocr.services.processing import ocr_engine

    try:
        engine = ocr_engine()
    except Exception:  # a worker that cannot load the models still serves the other queues; OCR tasks fail clearly
        logger.exception("Could not load the OCR engine %r in this worker process.", settings.PORTAL["OCR_ENGINE"])
        return
    logger.info("OCR engine %s loaded in worker process.", engine.version)


def _consumed_queues(consumer) -> set[str]:
    try:
        return {queue.name for queue in consumer.task_consumer.queues}
    except AttributeError:
        return set()


@worker_ready.connect(dispatch_uid="apps.ocr.recover_at_worker_start")
def ocr_items_recover_at_worker_start(sender=None, **kwargs) -> None:
    from django.conf import settings

    if settings.PORTAL["OCR_QUEUE"] not in _consumed_queues(sender):
        return  # only OCR workers: test workers on private queues and general workers leave it to beat
    from apps.ocr.tasks import ocr_items_recover_task

    try:
        ocr_items_recover_task.apply_async(queue=settings.PORTAL["OCR_QUEUE"])
    except Exception:  # the broker went away again; beat sends it later
        logger.exception("Could not queue the recovery of stranded OCR photos at worker start.")
