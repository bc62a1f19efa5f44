"""The tracked-job kit (issue #18): one set of columns, one claim, one resend, one mark-failed, one task base class
for every kind of long background work (release packages, evidence exports, report jobs, retention runs, OCR photos).

A tracked job is a row that says what a Celery task is doing: ``status``, when it was queued, started and finished,
how many times a worker started it, and why it failed. The row is written first and the task sent after commit
(``apps.common.celery_utils.task_send_on_commit``), so a lost message loses nothing: ``jobs_resend`` sends the job
of a row left queued again. Every task of a tracked job is idempotent: ``job_claim`` lets exactly one message run a
queued job (the row lock decides), and a second message of the same job is a no-op.

The kinds keep their own ``status`` choices (an OCR photo is ``processing``/``done``, a package ``running``/
``succeeded``); the model names its values in ``JOB_QUEUED``, ``JOB_RUNNING``, ``JOB_FAILED``. What a kind does when
one of its jobs fails (an audit event, an alert, counting the photo on its upload) is its ``JOB_ON_FAILED`` hook,
the dotted path of ``hook(job, *, old_status, actor)``, run in the same transaction as the status change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import ClassVar, TypeVar

from celery import Task
from django.apps import apps as django_apps
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.common.celery_utils import task_send_each
from apps.common.errors import ApplicationError

logger = logging.getLogger("alprportal.jobs")

JOBS_RESEND_LIMIT = 100  # stranded jobs of one kind sent again per catch-up run

JobT = TypeVar("JobT", bound="TrackedJob")


def job_queued_now():
    """Default of ``queued_at``: ``timezone.now()`` looked up at each call (as ``auto_now_add`` did), so a test that
    sets the clock sets it here too."""
    return timezone.now()


class TrackedJob(models.Model):
    """The columns every tracked job has (NetBox ``core.Job``, pretix exports): ``queued_at`` (when it was last
    queued: a retry queues it again), ``started_at``/``finished_at`` (the last attempt), ``attempts`` (how many times
    a worker started it: a job rerun after a killed worker shows 2) and ``error`` (why it failed, for a person).
    The concrete model adds ``status`` with its own choices and names the values below."""

    JOB_QUEUED: ClassVar[str] = "queued"
    JOB_RUNNING: ClassVar[str] = "running"
    JOB_FAILED: ClassVar[str] = "failed"
    JOB_ERROR_MAX_LENGTH: ClassVar[int] = 2000
    JOB_ON_FAILED: ClassVar[str] = ""  # dotted path of hook(job, *, old_status, actor), run when a job fails

    queued_at = models.DateTimeField(default=job_queued_now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="How many times a worker started it.")
    error = models.TextField(blank=True, help_text="Why it failed.")

    class Meta:
        abstract = True

    @property
    def job_active(self) -> bool:
        return self.status in (self.JOB_QUEUED, self.JOB_RUNNING)


def job_claim(*, model: type[JobT], job_id: int, resumed: bool = False, restart_clock: bool = True,
              queryset: models.QuerySet | None = None) -> JobT | None:
    """Let this run of a job's task run it: queued → running under the row lock, one more attempt, started now.
    Returns the claimed job, or None when there is nothing to do (missing, finished, or running in another message).

    Of two messages of one job (a catch-up re-sent a job whose first message was only slow) the first claims it and
    the other gets None: the lock makes the claim exclusive. A run that continues an earlier run of its own message
    (``resumed``: a retry, a redelivery after its worker died, a recovery sweep) may take over a running job.
    ``restart_clock=False`` keeps the first ``started_at`` of a resumed job. Call inside the caller's transaction to
    do more under the same lock; ``queryset`` narrows or joins the locked row (``select_related``)."""
    with transaction.atomic():
        rows = queryset if queryset is not None else model.objects.all()
        job = rows.select_for_update(of=("self",)).filter(pk=job_id).first()
        if job is None:
            return None
        if not (job.status == model.JOB_QUEUED or (resumed and job.status == model.JOB_RUNNING)):
            return None
        job.save(update_fields=job_started(job, restart_clock=restart_clock))
        return job


def job_started(job: TrackedJob, *, restart_clock: bool = True) -> list[str]:
    """Record one more start of a job the caller holds locked (running, one more attempt, started now, not finished)
    and return the fields to save. ``job_claim`` does this; a builder called without a claim (the demo) too."""
    job.status = job.JOB_RUNNING
    job.attempts += 1
    if restart_clock or job.started_at is None:
        job.started_at = timezone.now()
    job.finished_at = None
    return ["status", "attempts", "started_at", "finished_at"]


def jobs_stranded(*, model: type[JobT], queued_for: timedelta, running_for: timedelta | None = None,
                  where: Q | None = None) -> models.QuerySet:
    """Jobs no task will run any more, oldest first: queued for longer than ``queued_for`` (the broker was down when
    their message was sent, or it was lost), and with ``running_for`` also those running since longer than that (the
    worker died and nothing will redeliver the message)."""
    now = timezone.now()
    stranded = Q(status=model.JOB_QUEUED, queued_at__lt=now - queued_for)
    if running_for is not None:
        stranded |= Q(status=model.JOB_RUNNING, started_at__lt=now - running_for)
    rows = model.objects.filter(stranded)
    if where is not None:
        rows = rows.filter(where)
    return rows.order_by("queued_at", "id")


def jobs_resend(*, model: type[JobT], task=None, queued_for: timedelta, limit: int,
                running_for: timedelta | None = None, where: Q | None = None,
                task_kwargs: Callable[[JobT], dict] | None = None,
                send: Callable[[list[JobT]], int] | None = None) -> list[int]:
    """Send again the task of every stranded job (``jobs_stranded``), at most ``limit``; return the ids sent.

    Each job is sent as ``task(job.pk, **task_kwargs(job))`` (or by ``send(jobs)``, which returns how many it
    sent). Never raises for a broker outage: the first failure stops the loop (one wait, not one per job) and the
    rest stay stranded for the next run. Safe to run at any time: a job whose first message was only slow is
    claimed once (``job_claim``) and the extra message is a no-op."""
    jobs = list(jobs_stranded(model=model, queued_for=queued_for, running_for=running_for, where=where)[:limit])
    if not jobs:
        return []
    if send is not None:
        sent = send(jobs)
    else:
        sent = task_send_each(task, [((job.pk,), task_kwargs(job) if task_kwargs else {}) for job in jobs])
    ids = [job.pk for job in jobs]
    logger.warning("Sent the job of %s of %s stranded %s again: %s", sent, len(jobs),
                   model._meta.verbose_name_plural, ids[:20])
    return ids[:sent]


def job_mark_failed(*, model: type[JobT], job_id: int, error: str, actor=None) -> JobT | None:
    """The job failed: under the row lock, status failed, the reason in ``error`` (cut to the model's
    ``JOB_ERROR_MAX_LENGTH``), finished now; then the kind's ``JOB_ON_FAILED`` hook in the same transaction. A job
    that is not active (already finished, failed or expired) is left as it is, so the first reason stays and a second
    report of the same failure does nothing. Returns the job (None if it does not exist)."""
    with transaction.atomic():
        job = model.objects.select_for_update(of=("self",)).filter(pk=job_id).first()
        if job is None or not job.job_active:
            return job
        old_status = job.status
        job.status, job.error, job.finished_at = model.JOB_FAILED, error[:model.JOB_ERROR_MAX_LENGTH], timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        if model.JOB_ON_FAILED:
            import_string(model.JOB_ON_FAILED)(job, old_status=old_status, actor=actor)
    return job


def job_failure_reason(exc: BaseException) -> str:
    """What a person reads on a job that failed: an expected refusal's own message, else the exception's type and
    text."""
    if isinstance(exc, ApplicationError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"


def job_actor(actor_id: int | None):
    """The person a task acts for (``actor_id`` of its message), or None."""
    if not actor_id:
        return None
    from django.contrib.auth import get_user_model  # common is the bottom layer: it names no app's model

    return get_user_model().objects.filter(pk=actor_id).first()


class TrackedJobTask(Task):
    """Base class of every tracked job's task: when the task gives up (an expected refusal, or retries exhausted),
    ``on_failure`` marks its job failed with the reason (``job_mark_failed``), so a job never stays running forever.

    Options of ``@shared_task(base=TrackedJobTask, ...)``: ``job_model`` ("app_label.Model"), ``job_id_arg`` (the
    name of the task's job id argument; else its first positional argument, else ``self.request.tracked_job_id``
    set by a task that creates its job), ``job_failure_template`` (formats the reason: ``{error}``)."""

    job_model: str = ""
    job_id_arg: str = "job_id"
    job_failure_template: str = "{error}"

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        kwargs = kwargs or {}
        job_id = kwargs.get(self.job_id_arg) or (args[0] if args else None) \
            or getattr(self.request, "tracked_job_id", None)
        if not job_id:
            return
        reason = self.job_failure_template.format(error=job_failure_reason(exc))
        try:
            job_mark_failed(model=django_apps.get_model(self.job_model), job_id=job_id, error=reason,
                            actor=job_actor(kwargs.get("actor_id")))
        except Exception:  # the failure itself is already logged by Celery
            logger.exception("Could not mark %s %s failed", self.job_model, job_id)

