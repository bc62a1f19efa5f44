"""Sending Celery tasks from services without ever failing the request that sent them (issue #9, "faults").

A service that starts background work stores the work first (a queued job row, a pending-match row) and only then,
after commit, sends the task. The send is an optimisation: with the broker down it fails, is logged once, and the
work waits in the database until a periodic catch-up task (on the beat schedule) sends it again. So the user's
request never gets a 500 for data that has already committed, and nothing is lost. The jobs sent this way must be
idempotent: the catch-up may send a job whose first message was only slow. ``apps.ocr.services.ocr_items_enqueue``
follows the same pattern for OCR photos.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction

logger = logging.getLogger("alprportal.tasks")

# A job still queued after this long is taken to have lost its message (the broker was down when it was sent): the
# catch-up tasks send it again. Longer than a normal queue wait, shorter than a person's patience; the catch-ups run
# every 5 minutes, so a stranded job starts within about 10 minutes of the broker's return.
QUEUED_JOB_RESEND_AFTER = timedelta(minutes=5)


def task_send(task, *args, **kwargs) -> bool:
    """Send ``task`` with these arguments now; return whether the broker took it. Never raises: a failure (the
    broker is unreachable, or refused the message) is logged once, as one warning with its cause, and the caller's
    stored state is what the catch-up task finds later."""
    try:
        task.delay(*args, **kwargs)
    except Exception as exc:  # any broker failure: the work is stored, and the catch-up sends it again
        # With CELERY_TASK_ALWAYS_EAGER (`manage.py serve` without Redis) the task ran here and this is its own
        # failure, which its on_failure has already recorded on the job.
        verb = "run" if task.app.conf.task_always_eager else "send"
        logger.warning("Could not %s %s%s (%s: %s); its work stays stored until a catch-up task sends it again.",
                       verb, task.name, _call(args, kwargs), type(exc).__name__, exc)
        return False
    return True


def task_send_each(task, calls: list[tuple[tuple, dict]]) -> int:
    """Send ``task`` once per ``(args, kwargs)`` in ``calls``, in order; return how many the broker took. Never
    raises; the first failure stops the loop (the broker is down: one wait, not one per job), and what was not sent
    stays stored for the next catch-up."""
    for sent, (args, kwargs) in enumerate(calls):
        if not task_send(task, *args, **kwargs):
            return sent
    return len(calls)


def task_send_on_commit(task, *args, **kwargs) -> None:
    """Send ``task`` after the current transaction commits (at once outside one), never raising (``task_send``).
    After commit: the worker must find the rows the transaction wrote."""
    transaction.on_commit(lambda: task_send(task, *args, **kwargs))


def task_is_resumed(request) -> bool:
    """Whether this run of a bound task continues an earlier run of the same message: a retry (``self.retry`` or
    ``autoretry_for``), or a redelivery (the worker died with the message unacknowledged). A resumed run may take
    over a job its earlier run left ``running``; a first run of a message may not (the job is another message's)."""
    delivery_info = getattr(request, "delivery_info", None) or {}
    return bool(getattr(request, "retries", 0)) or bool(delivery_info.get("redelivered"))


def _call(args, kwargs) -> str:
    parts = [repr(arg) for arg in args] + [f"{name}={value!r}" for name, value in kwargs.items()]
    text = ", ".join(parts)
    return f"({text[:200]}{'…' if len(text) > 200 else ''})"
