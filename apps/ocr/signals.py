"""Load the OCR models once per worker process, when the process starts, not in the first task (issue #4 item 3).

``get_engine`` caches the engine per process anyway; warming it in ``worker_process_init`` moves the ~1 s model load
(and its memory) out of the first upload's timing. It runs in each prefork child, after the fork: onnxruntime
sessions are not shared across a fork.
"""

from __future__ import annotations

import logging

from celery.signals import worker_process_init

logger = logging.getLogger("alprportal.ocr")


@worker_process_init.connect(dispatch_uid="apps.ocr.warm_engine")
def ocr_engine_warm(**kwargs) -> None:
    from django.conf import settings

    if not settings.PORTAL.get("OCR_WARM_WORKERS", True):
        return
    from apps.ocr.services import ocr_engine

    try:
        engine = ocr_engine()
    except Exception:  # a worker that cannot load the models still serves the other queues; OCR tasks fail clearly
        logger.exception("Could not load the OCR engine %r in this worker process.", settings.PORTAL["OCR_ENGINE"])
        return
    logger.info("OCR engine %s loaded in worker process.", engine.version)
