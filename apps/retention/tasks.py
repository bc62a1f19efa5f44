"""Celery job of retention: thin — load ids, set the audit actor, call the service (R-RET-4)."""

from __future__ import annotations

import logging
from contextlib import nullcontext

from auditlog.context import set_actor
from celery import Task, shared_task

from apps.common.errors import ApplicationError

logger = logging.getLogger("alprportal.retention.tasks")


class RetentionRunTask(Task):
    """Marks the tracked run failed (and alerts the custodian) when the job itself gives up."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from apps.retention.services import retention_run_mark_failed

        run_id = kwargs.get("run_id") or getattr(self.request, "retention_run_id", None)
        if not run_id:
            return
        message = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
        try:
            retention_run_mark_failed(run_id=run_id, error=message)
        except Exception:  # the failure itself is already logged by Celery
            logger.exception("Could not mark retention run %s failed", run_id)


@shared_task(bind=True, base=RetentionRunTask, acks_late=True)
def retention_run_nightly(self, run_id: int | None = None, actor_id: int | None = None) -> dict:
    """The nightly run (beat: no run id, a new tracked run) or a run the custodian queued. Acknowledged late: a
    worker that dies mid-run gets the job redelivered, and the run resumes (idempotent)."""
    from apps.accounts.models import User
    from apps.retention.choices import RunTrigger
    from apps.retention.services import retention_run_create, retention_run_execute

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    if run_id is None:
        run_id = retention_run_create(actor=actor, trigger=RunTrigger.SCHEDULE).pk
    self.request.retention_run_id = run_id
    from apps.retention.models import RetentionRun

    RetentionRun.objects.filter(pk=run_id).update(celery_task_id=(self.request.id or "")[:64])
    with set_actor(actor) if actor else nullcontext():
        run = retention_run_execute(run_id=run_id)
    return {"run_id": run.pk, "status": run.status, "counts": run.counts, "errors": run.errors}
