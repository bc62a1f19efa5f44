"""Entry point of the processes the fault tests start and kill: a real Celery worker (``celery …`` arguments) or a
management command (``manage <command> …``), with optional slow-downs injected at the edge so that a SIGKILL lands
*during* the work rather than before or after it:

- ``FAULTS_OCR_DELAY_SECONDS``: the OCR engine waits this long before reading each photo (the photo is
  ``processing`` meanwhile);
- ``FAULTS_RETENTION_BATCH_DELAY_SECONDS``: each retention batch waits this long before its statement (outside any
  lock: the transaction has not issued a statement yet);
- ``FAULTS_TRANSPORT_OPTIONS``: broker transport options (JSON) replacing production's.

Nothing else is changed: settings come from the environment (``alprportal.settings_test`` + the test's database,
broker and MEDIA_ROOT), and the product code runs as in production.
"""

from __future__ import annotations

import json
import os
import sys
import time


def _install_transport_options() -> None:
    """``FAULTS_TRANSPORT_OPTIONS`` (JSON) overrides broker transport options, e.g. a visibility timeout of seconds
    instead of production's hour, so a test sees an unacknowledged message come back."""
    options = os.environ.get("FAULTS_TRANSPORT_OPTIONS")
    if options:
        from alprportal.celery import app

        app.conf.broker_transport_options = {**(app.conf.broker_transport_options or {}), **json.loads(options)}


def _install_slowdowns() -> None:
    ocr_delay = float(os.environ.get("FAULTS_OCR_DELAY_SECONDS") or 0)
    if ocr_delay:
        from apps.ocr.services import processing as processing_services

        original_engine = processing_services.ocr_engine

        class SlowEngine:
            def __init__(self, engine):
                self._engine = engine

            def __getattr__(self, name):
                return getattr(self._engine, name)

            def read_plates(self, image):
                time.sleep(ocr_delay)
                return self._engine.read_plates(image)

        processing_services.ocr_engine = lambda: SlowEngine(original_engine())

    batch_delay = float(os.environ.get("FAULTS_RETENTION_BATCH_DELAY_SECONDS") or 0)
    if batch_delay:
        from apps.retention import engine as retention_engine

        original_batched = retention_engine.keyset_batches

        def slow_batched(ctx, batch, counter, *, start, end):
            def slow_batch(after, upper):
                time.sleep(batch_delay)
                return batch(after, upper)

            return original_batched(ctx, slow_batch, counter, start=start, end=end)

        retention_engine.keyset_batches = slow_batched


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alprportal.settings_test")
    import django

    django.setup()
    _install_slowdowns()
    _install_transport_options()
    if argv and argv[0] == "manage":
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", *argv[1:]])
        return
    from celery.bin.celery import main as celery_main

    sys.argv = ["celery", *argv]
    celery_main()


if __name__ == "__main__":
    main(sys.argv[1:])
