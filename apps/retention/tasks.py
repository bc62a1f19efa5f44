"""Celery job of retention: thin — load ids, set the audit actor, call the service (R-RET-4)."""

from __future__ import annotations

import logging
from contextlib import nullcontext

from auditlog.context import set_actor
from celery import shared_task

from apps.common.errors import ApplicationError
from apps.common.jobs import TrackedJobTask

logger = logging.getLogger("alprportal.retention.tasks")


@shared_task(bind=True, base=TrackedJobTask, job_model="retention.RetentionRun", job_id_arg="run_id", acks_late=True)
def retention_run_nightly(self, run_id: int | None = None, actor_id: int | None = None) -> dict:
    """The nightly run (beat: no run id, a new tracked run) or a run the custodian queued. Acknowledged late: a
    worker that dies mid-run gets the job redelivered (after the broker's visibility timeout), and the *same* run
    resumes with the same cutoffs: a beat job finds the run it created by its task id (R-RET-4). A delivery that
    finds its run executing in another worker (the first delivery outlived the visibility timeout) does nothing."""
    from apps.accounts.models import User
    from apps.retention.choices import RunStatus, RunTrigger
    from apps.retention.models import RetentionRun
    from apps.retention.services import (
        RUN_ALREADY_RUNNING,
        retention_run_create,
        retention_run_execute,
        retention_run_for_task,
    )

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    task_id = (self.request.id or "")[:64]
    if run_id is None:
        existing = retention_run_for_task(celery_task_id=task_id)
        run_id = existing.pk if existing else retention_run_create(actor=actor, trigger=RunTrigger.SCHEDULE,
                                                                   celery_task_id=task_id).pk
    else:
        RetentionRun.objects.filter(pk=run_id).update(celery_task_id=task_id)
    self.request.tracked_job_id = run_id  # on_failure marks this run failed (TrackedJobTask)
    try:
        with set_actor(actor) if actor else nullcontext():
            run = retention_run_execute(run_id=run_id)
    except ApplicationError as exc:
        if exc.message == RUN_ALREADY_RUNNING and RetentionRun.objects.filter(
                pk=run_id, status=RunStatus.RUNNING).exists():
            logger.warning("Retention run %s is executing in another worker; this delivery does nothing.", run_id)
            return {"run_id": run_id, "status": RunStatus.RUNNING, "counts": {}, "errors": []}
        raise
    return {"run_id": run.pk, "status": run.status, "counts": run.counts, "errors": run.errors}
