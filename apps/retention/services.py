"""Writes of retention: the agency's policy (R-RET-1, R-RET-2, R-AUD-1, R-SHR-7) and retention runs (R-RET-4)."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.services import event_record
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.common.jobs import job_claim
from apps.notifications.models import Severity
from apps.notifications.services import notification_send_on_commit
from apps.retention.choices import RunStatus, RunTrigger
from apps.retention.engine import RunContext, pending_files_drain_after_commit
from apps.retention.models import LEGAL_MINIMUM_FIELDS, RetentionPolicy, RetentionRun, legal_minimum_violations
from apps.retention.registry import backup_horizon, data_classes
from apps.retention.selectors import POLICY_FIELDS, retention_policy_current, retention_policy_defaults

logger = logging.getLogger("alprportal.retention")

POLICY_NOT_ALLOWED = "Only the custodian of records or a system administrator may change the retention policy."
POLICY_NO_DEPLOYING_AGENCY = "No deploying agency is set up; the retention policy belongs to it."
RUN_NOT_ALLOWED = "You may not start a retention run."
RUN_ALREADY_RUNNING = "A retention run is already in progress; wait for it to finish."
RUN_INTERRUPTED = "Interrupted (the worker stopped); run #{run} picked up where it left off."
RUN_NEVER_STARTED = "Never started (its job was lost, e.g. the broker was down); run #{run} replaced it."

# A queued run no worker has started after this long lost its job (the broker was down when it was requested, or the
# message was lost): it no longer blocks a new request, and the next run closes it.
RUN_QUEUED_STALE_AFTER = timedelta(minutes=30)
RUN_CLOCK_AHEAD = ("This host's clock ({host}) is {ahead} ahead of the database's ({database}): nothing was archived "
                   "or purged. A run that trusted it would purge data before its period ends. Correct the clock (NTP) "
                   "and run again.")

# Names the one advisory lock that keeps two retention runs from working at the same time (PostgreSQL).
RETENTION_RUN_LOCK_KEY = 0x52455431  # "RET1"


def retention_policy_update(*, actor, **values) -> RetentionPolicy:
    """Save the deploying agency's retention policy (the one source of truth). Validates the minimums (access log and
    disclosure records at least 730 days; R-RET-5: nothing that deletes reads or hits before the legal minimum,
    RETENTION_LEGAL_MINIMUM_DAYS) and records who changed what (event with old and new values)."""
    if actor is not None and not (actor.has_perm("retention.change_retentionpolicy")
                                  and actor.has_role(Role.CUSTODIAN, Role.SYSADMIN)):
        raise PermissionDeniedError(POLICY_NOT_ALLOWED, code="policy_not_allowed")
    from apps.agencies.models import Agency

    with transaction.atomic():
        agency = Agency.objects.filter(is_deploying_agency=True).first()
        if agency is None:
            raise ApplicationError(POLICY_NO_DEPLOYING_AGENCY, code="no_deploying_agency")
        policy = RetentionPolicy.objects.select_for_update().filter(agency=agency).first()
        old = ({name: getattr(policy, name) for name in POLICY_FIELDS} if policy else retention_policy_defaults())
        if policy is None:
            policy = RetentionPolicy(agency=agency, **retention_policy_defaults())
        changed = {}
        for name in (*POLICY_FIELDS, "policy_reference"):
            if name in values and getattr(policy, name) != values[name]:
                changed[name] = {"old": getattr(policy, name), "new": values[name]}
                setattr(policy, name, values[name])
        policy.updated_by = actor if getattr(actor, "pk", None) else None
        problems = legal_minimum_violations({name: getattr(policy, name) for name in LEGAL_MINIMUM_FIELDS})
        if problems:  # R-RET-5: refused with the precise period and the law, nothing saved
            field, message = problems[0]
            raise ApplicationError(" ".join(text for _f, text in problems), code="below_legal_minimum",
                                   extra={"field": field, "fields": [f for f, _t in problems]})
        policy.full_clean()
        policy.save()
        event_record(actor=actor, code="alprportal.retention.policy.changed", target=policy,
                     data={"changed": changed, "before": old})
    return policy


def retention_run_create(*, actor=None, trigger: str = RunTrigger.SCHEDULE, celery_task_id: str = "") -> RetentionRun:
    """A queued run row. The nightly job passes its Celery task id, so a redelivery of the same job (its worker
    died) finds this run and resumes it rather than starting another (``retention_run_for_task``)."""
    return RetentionRun.objects.create(trigger=trigger, requested_by=actor if getattr(actor, "pk", None) else None,
                                       celery_task_id=(celery_task_id or "")[:64])


def retention_run_for_task(*, celery_task_id: str) -> RetentionRun | None:
    """The run a (possibly redelivered) nightly job already created, if any."""
    if not celery_task_id:
        return None
    return RetentionRun.objects.filter(celery_task_id=celery_task_id[:64]).order_by("id").first()


def retention_run_request(*, actor) -> RetentionRun:
    """The custodian starts a run from the portal: a queued run row, executed by a Celery worker after commit.

    Refused (RUN_ALREADY_RUNNING) while a run is really in progress or freshly queued. A run left ``running`` by a
    worker that died (no process holds the run lock) or ``queued`` long ago by a lost job does not block: it is
    closed as failed, with the reason, and the new run picks up where it stopped (R-RET-4). If the job queue is
    unreachable the request still succeeds; the run stays queued (and is closed like any stale one later)."""
    if not actor.has_perm("retention.run_retention"):
        raise PermissionDeniedError(RUN_NOT_ALLOWED, code="run_not_allowed")
    from apps.retention.tasks import retention_run_nightly

    with transaction.atomic():
        active = list(RetentionRun.objects.select_for_update().filter(status__in=[RunStatus.QUEUED,
                                                                                RunStatus.RUNNING]))
        executing = retention_run_lock_held_elsewhere()
        stale_queued = timezone.now() - RUN_QUEUED_STALE_AFTER
        if executing or any(run.status == RunStatus.QUEUED and run.queued_at >= stale_queued for run in active):
            raise ApplicationError(RUN_ALREADY_RUNNING, code="run_already_running")
        run = retention_run_create(actor=actor, trigger=RunTrigger.MANUAL)
        _close_stale(active, by=run)
        event_record(actor=actor, code="alprportal.retention.run.requested", target=run)

        def enqueue():
            try:
                retention_run_nightly.delay(run_id=run.pk, actor_id=actor.pk)
            except Exception:  # the run is recorded; a broker outage must not turn the request into an error page
                logger.exception("Could not queue retention run #%s; it stays queued.", run.pk)

        transaction.on_commit(enqueue)
    return run


def _close_stale(runs, *, by: RetentionRun) -> None:
    """Close runs nobody executes any more (the caller checked no process holds the run lock): ``running`` ones were
    interrupted, ``queued`` ones never started. Each keeps its counts; the reason names the run that took over."""
    for stale in runs:
        if stale.pk == by.pk or stale.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            continue
        reason = RUN_INTERRUPTED if stale.status == RunStatus.RUNNING else RUN_NEVER_STARTED
        old = stale.status
        stale.status = RunStatus.FAILED
        stale.finished_at = timezone.now()
        stale.errors = [*stale.errors, {"step": stale.current_step or "run", "error": reason.format(run=by.pk)}]
        stale.save(update_fields=["status", "finished_at", "errors"])
        event_record(actor=None, code="alprportal.retention.run.failed", target=stale,
                     data={"old": old, "new": stale.status, "errors": stale.errors, "replaced_by": by.pk})


def _lock(acquire: bool) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if acquire:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [RETENTION_RUN_LOCK_KEY])
            return bool(cursor.fetchone()[0])
        cursor.execute("SELECT pg_advisory_unlock(%s)", [RETENTION_RUN_LOCK_KEY])
        return True


def retention_run_lock_held_elsewhere() -> bool:
    """Whether another session holds the run lock, i.e. a run is executing right now. Read from pg_locks, so asking
    never takes the lock from a worker about to start. A worker killed mid-run loses its session, and the lock with
    it, as soon as PostgreSQL sees the connection close."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = %s AND objid = %s AND objsubid = 1 AND pid <> pg_backend_pid())",
            [(RETENTION_RUN_LOCK_KEY >> 32) & 0xFFFFFFFF, RETENTION_RUN_LOCK_KEY & 0xFFFFFFFF])
        return bool(cursor.fetchone()[0])


def _start(run_id: int, *, as_of: datetime | None) -> tuple[RetentionRun | None, timedelta | None]:
    """The run claimed and its ``as_of`` fixed, and how far this host's clock is ahead of the database's when the
    ``as_of`` was just taken from it and too far ahead (``_host_clock_ahead``); (None, None) for a finished run."""
    with transaction.atomic():
        # A finished run is a record: a redelivered job for it does nothing (None). We hold the run lock, so a run
        # left running is ours to resume, with its first start kept.
        run = job_claim(model=RetentionRun, job_id=run_id, resumed=True, restart_clock=False)
        if run is None:
            return None, None
        # We hold the run lock, so any other "running" run belongs to a worker that died, and a run queued long ago
        # lost its job: say so on their records (their counts stay: what they did is done).
        _close_stale(RetentionRun.objects.select_for_update().exclude(pk=run.pk).filter(
            Q(status=RunStatus.RUNNING)
            | Q(status=RunStatus.QUEUED, queued_at__lt=timezone.now() - RUN_QUEUED_STALE_AFTER)), by=run)
        # A redelivered job resumes with the same as_of, so it computes the same cutoffs (same end state).
        ahead = _host_clock_ahead() if not run.as_of and as_of is None else None
        run.as_of = run.as_of or as_of or timezone.now()
        run.heartbeat_at = timezone.now()
        run.policy = retention_policy_current().periods()
        run.save(update_fields=["as_of", "heartbeat_at", "policy"])
        event_record(actor=run.requested_by, code="alprportal.retention.run.started", target=run,
                     data={"as_of": run.as_of.isoformat(), "policy": run.policy, "trigger": run.trigger})
    return run, ahead


def _duration_words(span: timedelta) -> str:
    """``1095 days``, ``3 h 20 min``, ``7 min 5 s``: how far a clock is off, for people."""
    seconds = int(span.total_seconds())
    if seconds >= 86400:
        return f"{seconds // 86400} days" if seconds >= 2 * 86400 else "1 day"
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 60} min {seconds % 60} s"


def _clock_text(moment: datetime) -> str:
    """A clock's reading as the run's page shows its other times: the portal's time zone, named."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


def _host_clock_ahead() -> timedelta | None:
    """How far this host's clock runs ahead of the database's, when more than RETENTION_CLOCK_AHEAD_MAX_SECONDS (else
    None). A run's cutoffs count from its ``as_of``, this host's clock: years ahead, the purges would delete data years
    before its period ends (R-RET-5), and nothing could bring it back. The database's clock is the one the portal's
    records are stamped by (the archive watermark counts from it too, ``apps.reads.archive``). A clock behind does no
    harm (a run purges less) and a run given its ``as_of`` (tests, a resumed run) is not checked. Both clocks wrong
    together is not caught here."""
    if connection.vendor != "postgresql":  # SQLite has no clock of its own: it is this host's
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        database = cursor.fetchone()[0]
    ahead = timezone.now() - database
    return ahead if ahead.total_seconds() > settings.PORTAL["RETENTION_CLOCK_AHEAD_MAX_SECONDS"] else None


def retention_run_execute(*, run_id: int, batch_size: int | None = None, as_of: datetime | None = None,
                          after_batch=None) -> RetentionRun:
    """Run every registered data class (R-RET-4): archive, purge, the access log, … skipping held data (R-RET-3).

    Idempotent and resumable: each batch commits on its own and rows are chosen by predicate, so a crash midway and
    a rerun reach the same end state. A step that raises is recorded in ``errors`` and the other steps still run;
    a run with errors ends ``failed`` and alerts the custodian of records. Raises ApplicationError if another run
    holds the lock (nothing changes).
    """
    if not _lock(True):
        raise ApplicationError(RUN_ALREADY_RUNNING, code="run_already_running")
    try:
        run, ahead = _start(run_id, as_of=as_of)
        if run is None:
            return RetentionRun.objects.get(pk=run_id)
        started = time.monotonic()
        if ahead is not None:  # nothing runs on this host's clock: the run ends failed and says why
            ctx = RunContext(policy=None, as_of=run.as_of, run=run, batch_size=0, counts=dict(run.counts))
            return _finish(run, ctx=ctx, errors=[*run.errors, {"step": "clock", "error": RUN_CLOCK_AHEAD.format(
                host=_clock_text(run.as_of), ahead=_duration_words(ahead), database=_clock_text(run.as_of - ahead))}],
                elapsed=time.monotonic() - started)
        policy = retention_policy_current()
        ctx = RunContext(policy=policy, as_of=run.as_of, run=run, actor=run.requested_by, after_batch=after_batch,
                         batch_size=batch_size or settings.PORTAL["RETENTION_BATCH_SIZE"], counts=dict(run.counts))
        errors = list(run.errors)
        ctx.step = "files.pending"
        drained, failed = pending_files_drain_after_commit()  # files of a purge whose run died after its commit
        ctx.add("deleted", drained)
        ctx.add("failed", failed)
        for data_class in data_classes():
            ctx.step = data_class.key
            days = data_class.period_days(policy)
            if days is None:
                ctx.set("status", "off")
                continue
            step_started = time.monotonic()
            try:
                data_class.apply(ctx, days)
                ctx.set("status", "done")
                gone_by = backup_horizon()  # data this step purged is gone from every backup by then
                ctx.set("backups_gone_by", gone_by.isoformat() if gone_by else None)
            except Exception as exc:  # one failing class must not stop the others; the run ends failed
                logger.exception("Retention step %s failed", data_class.key)
                message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                errors.append({"step": data_class.key, "error": str(message)[:1000]})
                ctx.set("status", "failed")
            ctx.set("seconds", round(time.monotonic() - step_started, 3))
        return _finish(run, ctx=ctx, errors=errors, elapsed=time.monotonic() - started)
    finally:
        _lock(False)


def _finish(run: RetentionRun, *, ctx: RunContext, errors: list, elapsed: float) -> RetentionRun:
    with transaction.atomic():
        run = RetentionRun.objects.select_for_update().get(pk=run.pk)
        run.counts = ctx.counts
        run.errors = errors
        run.status = RunStatus.FAILED if errors else RunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.duration_ms = int(elapsed * 1000)
        run.current_step = ""
        run.save(update_fields=["counts", "errors", "status", "finished_at", "duration_ms", "current_step"])
        event_record(actor=run.requested_by, code=f"alprportal.retention.run.{run.status}", target=run,
                     data={"counts": run.counts, "errors": run.errors, "duration_ms": run.duration_ms})
        if errors:
            _alert_failed(run)
    return run


def _alert_failed(run: RetentionRun) -> None:
    from django.urls import reverse

    steps = ", ".join(sorted({error["step"] for error in run.errors}))
    notification_send_on_commit(
        roles=[Role.CUSTODIAN], severity=Severity.CRITICAL, title=f"Retention run #{run.pk} failed ({steps})",
        body="The nightly retention job recorded errors; data past its period may not have been archived or purged. "
             "Held data was never touched. See the run for details.",
        link=reverse("retention:run", args=[run.pk]), dedupe_key=f"retention.run.{run.pk}.failed")


def retention_run_failed(run: RetentionRun, *, old_status: str, actor=None) -> None:
    """``JOB_ON_FAILED`` of a run (``job_mark_failed``: the task gave up, a crash outside a step): the reason is also
    listed with the steps' errors, the event is written and the custodian alerted."""
    run.errors = [*run.errors, {"step": run.current_step or "run", "error": run.error}]
    run.save(update_fields=["errors"])
    event_record(actor=run.requested_by, code="alprportal.retention.run.failed", target=run,
                 data={"errors": run.errors})
    _alert_failed(run)

