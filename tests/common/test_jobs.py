"""The tracked-job kit itself (apps.common.jobs, issue #18), on real PostgreSQL: the claim is exclusive when several
workers race for one job, the resend picks only the stranded jobs, mark-failed records the reason once, and the one
task base class marks a job failed when its task gives up. Run on ``RetentionRun`` (a job with no other row behind
it); the per-app tests check each kind's own behaviour (tests/faults, tests/disclosures, …)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError
from apps.common.jobs import TrackedJob, TrackedJobTask, job_claim, job_mark_failed, jobs_resend, jobs_stranded
from apps.disclosures.models import ReleasePackage
from apps.holds.models import EvidenceExport
from apps.ocr.models import OcrItem
from apps.reports.models import ReportJob
from apps.retention.choices import RunStatus, RunTrigger
from apps.retention.models import RetentionRun

JOB_MODELS = [ReleasePackage, EvidenceExport, ReportJob, RetentionRun, OcrItem]
KIT_COLUMNS = {"status", "queued_at", "started_at", "finished_at", "attempts", "error"}


def _run(status=RunStatus.QUEUED, *, queued_ago=timedelta(0), started_ago=None) -> RetentionRun:
    now = timezone.now()
    return RetentionRun.objects.create(trigger=RunTrigger.MANUAL, status=status, queued_at=now - queued_ago,
                                       started_at=now - started_ago if started_ago is not None else None)


def test_the_five_job_kinds_share_one_set_of_columns():
    for model in JOB_MODELS:
        assert issubclass(model, TrackedJob), model
        assert {field.name for field in model._meta.get_fields()} >= KIT_COLUMNS, model
        assert model.JOB_ON_FAILED, model  # every kind says what its failure does (event, alert)
    assert OcrItem.JOB_RUNNING == "processing" and ReleasePackage.JOB_RUNNING == "running"


@pytest.mark.django_db
def test_claim_moves_a_queued_job_to_running_once():
    run = _run()
    claimed = job_claim(model=RetentionRun, job_id=run.pk)
    assert claimed is not None and claimed.status == RunStatus.RUNNING and claimed.attempts == 1
    assert claimed.started_at is not None and claimed.finished_at is None
    assert job_claim(model=RetentionRun, job_id=run.pk) is None  # another message of the same job: no-op
    again = job_claim(model=RetentionRun, job_id=run.pk, resumed=True)  # its own retry or redelivery: continues
    assert again is not None and again.attempts == 2
    RetentionRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED)
    assert job_claim(model=RetentionRun, job_id=run.pk, resumed=True) is None  # finished: left alone
    assert job_claim(model=RetentionRun, job_id=0) is None  # missing: nothing to do


@pytest.mark.django_db
def test_a_resumed_claim_can_keep_the_first_start():
    first_start = timezone.now() - timedelta(hours=1)
    run = _run(RunStatus.RUNNING, started_ago=timedelta(hours=1))
    kept = job_claim(model=RetentionRun, job_id=run.pk, resumed=True, restart_clock=False)
    assert abs((kept.started_at - first_start).total_seconds()) < 1
    restarted = job_claim(model=RetentionRun, job_id=run.pk, resumed=True)
    assert restarted.started_at > first_start + timedelta(minutes=59)


def test_the_claim_is_exclusive_when_workers_race(transactional_db):
    """Eight workers (threads with their own PostgreSQL connections) claim the same queued job at the same moment:
    the row lock lets exactly one of them run it."""
    run = _run()
    ready = threading.Barrier(8, timeout=30)
    claimed, errors = [], []

    def worker():
        try:
            ready.wait()
            with transaction.atomic():
                job = job_claim(model=RetentionRun, job_id=run.pk)
                if job is not None:
                    claimed.append(job.pk)
                    # Hold the lock a moment, as a worker doing its first step would: the others wait, then see
                    # it running.
                    connection.cursor().execute("SELECT pg_sleep(0.2)")
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert claimed == [run.pk]
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.attempts == 1


@pytest.mark.django_db
def test_resend_picks_only_the_stranded_jobs_oldest_first():
    old_queued = _run(queued_ago=timedelta(minutes=30))
    older_queued = _run(queued_ago=timedelta(minutes=40))
    _run(queued_ago=timedelta(minutes=1))  # maybe only slow
    stuck = _run(RunStatus.RUNNING, queued_ago=timedelta(hours=3), started_ago=timedelta(hours=2))
    _run(RunStatus.RUNNING, queued_ago=timedelta(hours=3), started_ago=timedelta(minutes=1))  # working
    _run(RunStatus.FAILED, queued_ago=timedelta(hours=3))
    _run(RunStatus.SUCCEEDED, queued_ago=timedelta(hours=3))
    sent = []

    def send(jobs):
        sent.extend(job.pk for job in jobs)
        return len(jobs)

    assert jobs_resend(model=RetentionRun, queued_for=timedelta(minutes=5), limit=10, send=send) \
        == [older_queued.pk, old_queued.pk]
    assert sent == [older_queued.pk, old_queued.pk]
    # With running_for, a job running far too long (its worker died) is sent again too; the limit caps a run.
    assert list(jobs_stranded(model=RetentionRun, queued_for=timedelta(minutes=5),
                              running_for=timedelta(hours=1)).values_list("pk", flat=True)) \
        == [stuck.pk, older_queued.pk, old_queued.pk]
    assert jobs_resend(model=RetentionRun, queued_for=timedelta(minutes=5), running_for=timedelta(hours=1),
                       limit=2, send=lambda jobs: len(jobs)) == [stuck.pk, older_queued.pk]


@pytest.mark.django_db
def test_resend_returns_only_what_the_broker_took():
    first = _run(queued_ago=timedelta(minutes=40))
    _run(queued_ago=timedelta(minutes=30))
    assert jobs_resend(model=RetentionRun, queued_for=timedelta(minutes=5), limit=10, send=lambda jobs: 1) \
        == [first.pk]
    assert jobs_resend(model=RetentionRun, queued_for=timedelta(minutes=5), limit=10, send=lambda jobs: 0) == []
    assert set(RetentionRun.objects.values_list("status", flat=True)) == {RunStatus.QUEUED}  # nothing lost


@pytest.mark.django_db
def test_mark_failed_records_the_reason_once_and_runs_the_kinds_hook():
    run = _run(RunStatus.RUNNING, started_ago=timedelta(minutes=5))
    failed = job_mark_failed(model=RetentionRun, job_id=run.pk, error="OSError: the archive disk is full")
    assert failed.status == RunStatus.FAILED and failed.error == "OSError: the archive disk is full"
    assert failed.finished_at is not None
    run.refresh_from_db()
    assert run.error == "OSError: the archive disk is full"
    # The kind's hook ran in the same transaction: the run lists it with its steps' errors and the event is written.
    assert run.errors == [{"step": "run", "error": "OSError: the archive disk is full"}]
    assert DomainEvent.objects.filter(code="alprportal.retention.run.failed", target_id=str(run.pk)).count() == 1
    # A second report of the failure changes nothing: the first reason stays.
    job_mark_failed(model=RetentionRun, job_id=run.pk, error="SoftTimeLimitExceeded: later")
    run.refresh_from_db()
    assert run.error == "OSError: the archive disk is full" and len(run.errors) == 1
    assert DomainEvent.objects.filter(code="alprportal.retention.run.failed").count() == 1


@pytest.mark.django_db
def test_mark_failed_leaves_a_finished_job_alone_and_cuts_long_reasons():
    done = _run(RunStatus.SUCCEEDED)
    assert job_mark_failed(model=RetentionRun, job_id=done.pk, error="late").status == RunStatus.SUCCEEDED
    assert job_mark_failed(model=RetentionRun, job_id=0, error="missing") is None
    queued = _run()
    failed = job_mark_failed(model=RetentionRun, job_id=queued.pk, error="x" * 5000)
    assert len(failed.error) == RetentionRun.JOB_ERROR_MAX_LENGTH


@shared_task(bind=True, base=TrackedJobTask, job_model="retention.RetentionRun", job_id_arg="run_id",
             job_failure_template="The run stopped: {error}")
def _refusing_task(self, run_id: int) -> None:
    raise ApplicationError("The archive is read-only.")


@shared_task(bind=True, base=TrackedJobTask, job_model="retention.RetentionRun")
def _crashing_task_that_creates_its_job(self) -> None:
    self.request.tracked_job_id = RetentionRun.objects.get(status=RunStatus.RUNNING).pk
    raise KeyError("policy")


@pytest.mark.django_db
def test_the_task_base_class_marks_the_job_failed_with_the_reason():
    run = _run(RunStatus.RUNNING, started_ago=timedelta(minutes=1))
    assert _refusing_task.apply(kwargs={"run_id": run.pk}, throw=False).failed()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error == "The run stopped: The archive is read-only."

    other = _run(RunStatus.RUNNING, started_ago=timedelta(minutes=1))
    assert _crashing_task_that_creates_its_job.apply(throw=False).failed()
    other.refresh_from_db()
    assert other.status == RunStatus.FAILED and other.error == "KeyError: 'policy'"
