"""The batching kit of a retention run (R-RET-4): the run's context and counts, keyset batches (optionally sliced over
parallel workers), the foreign-key references that keep a row, and the file-deletion queue. The data classes that use
it live with their data (``apps/reads/retention.py``, ``apps/hotlists/retention.py``, ``apps/ocr/retention.py``, …)
and register in ``apps.retention.registry``.

Every step chooses its rows by predicate, in batches of ``batch_size``, each batch in its own transaction, so a crash
loses at most the batch in flight and a rerun continues where the predicate says (idempotent, resumable). Within a
run the scan resumes from the last batch's key (keyset), so an index is walked once rather than re-read from the start
for every batch. Files of purged rows are queued (``PendingFileDeletion``) in the batch's transaction and removed only
after that commit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.retention.models import PendingFileDeletion, RetentionRun

logger = logging.getLogger("alprportal.retention")

FILE_DELETE_MAX_ATTEMPTS = 5


@dataclass
class RunContext:
    """What a step needs: the policy, the moment cutoffs are computed from, the batch size, and where to count."""

    policy: object
    as_of: datetime
    batch_size: int
    run: RetentionRun | None = None
    actor: object = None
    after_batch: Callable[[str, int], None] | None = None
    counts: dict = field(default_factory=dict)
    step: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, value: int) -> None:
        with self.lock:  # slices of one step may run in parallel threads
            self._add(name, value)

    def _add(self, name: str, value: int) -> None:
        bucket = self.counts.setdefault(self.step, {})
        bucket[name] = bucket.get(name, 0) + int(value)

    def set(self, name: str, value) -> None:
        self.counts.setdefault(self.step, {})[name] = value

    def _persist(self) -> None:
        """Write the counts and the heartbeat on the run row (the caller holds ``lock``)."""
        if self.run is not None:
            counts = {key: dict(value) for key, value in self.counts.items()}
            RetentionRun.objects.filter(pk=self.run.pk).update(counts=counts, heartbeat_at=timezone.now(),
                                                               current_step=self.step)

    def batch_commit(self, counter: str, count: int) -> None:
        """Count a batch *inside its own transaction*: the run's recorded counts commit with the rows they count, or
        vanish with them, so a run killed at any moment and resumed ends with exact totals (R-RET-4). Slices persist
        under ``lock`` in the order they take the run row's lock, so a later snapshot never loses an earlier one."""
        with self.lock:
            self._add(counter, count)
            self._add("batches", 1)
            self._persist()

    def batch_done(self, count: int) -> None:
        """Persist progress (counts, heartbeat) after a committed batch; then the test/crash hook."""
        with self.lock:
            self._persist()
        if self.after_batch is not None:
            self.after_batch(self.step, count)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def keyset_batches(ctx: RunContext, batch: Callable[[datetime | None, datetime], tuple[int, datetime | None]],
             counter: str, *, start: datetime | None, end: datetime) -> int:
    """Run ``batch(resume_from, end)`` until a batch comes back short; each call is its own transaction."""
    total, after = 0, start
    while True:
        with transaction.atomic():
            count, last = batch(after, end)
            ctx.batch_commit(counter, count)
        total += count
        transaction.on_commit(pending_files_drain)  # immediately when no outer transaction; else after it commits
        if ctx.after_batch is not None:
            ctx.after_batch(ctx.step, count)
        if count < ctx.batch_size or last is None:
            return total
        after = last


def slice_bounds(buckets: list[tuple[datetime, int]], workers: int) -> list[datetime]:
    """Where to cut a pass into at most ``workers`` slices of about the same number of candidates: ``buckets`` is
    (bucket start, candidates in it) in time order; returns the starts of the second, third, … slices (a bucket is
    never split, so a night all in one bucket is one slice). Balanced by count, not by time: one old straggler (a read
    whose hold just ended, or one kept because something refers to it) no longer stretches the time range so that the
    night's reads all fall in the last slice."""
    total = sum(count for _start, count in buckets)
    bounds: list[datetime] = []
    seen = 0
    for start, count in buckets:
        if len(bounds) < workers - 1 and seen and seen >= total * (len(bounds) + 1) / workers:
            bounds.append(start)
        seen += count
    return bounds


# Candidates are counted per hour of capture for the slice bounds: one night of 1M reads is 24 buckets, a year's
# backlog 8,760; the count is one pass over the candidates through the time index, a few per cent of the pass itself.
SLICE_BUCKET = "hour"


def keyset_slices(ctx: RunContext, batch, counter: str, *, where: str, params: list, end: datetime) -> int:
    """Split the capture-time range of the candidates (``reads_read r`` rows matching ``where``, all before ``end``)
    into up to RETENTION_WORKERS slices holding about the same number of candidates (``slice_bounds``), and work them
    in parallel threads (one database connection each; batches of different slices never touch the same rows).
    Serial when there is one worker, on SQLite, or inside an outer transaction (whose rows other connections cannot
    see). The slices' sizes and times are recorded in the step's counts (``slices``)."""
    from django.conf import settings

    workers = max(1, settings.PORTAL["RETENTION_WORKERS"])
    if workers == 1 or not _pg() or connection.in_atomic_block:
        return keyset_batches(ctx, batch, counter, start=None, end=end)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT date_trunc('{SLICE_BUCKET}', r.captured_at) AS bucket, count(*) "  # noqa: S608
                       f"FROM reads_read r WHERE {where} GROUP BY 1 ORDER BY 1", params)
        buckets = cursor.fetchall()
    if not buckets:
        ctx.add(counter, 0)
        return 0
    cuts = slice_bounds(buckets, workers)
    lowers, uppers = [buckets[0][0], *cuts], [*cuts, end]
    expected = [sum(count for start, count in buckets if lower <= start < upper)
                for lower, upper in zip(lowers, uppers, strict=True)]

    def work(bounds):
        started = time.monotonic()
        return keyset_batches(ctx, batch, counter, start=bounds[0], end=bounds[1]), time.monotonic() - started

    done = each_parallel(list(zip(lowers, uppers, strict=True)), work)
    ctx.set("slices", [{"from": lower.isoformat(), "candidates": count, "done": total, "seconds": round(seconds, 2)}
                       for lower, count, (total, seconds) in zip(lowers, expected, done, strict=True)])
    return sum(total for total, _seconds in done)


def each_parallel(items: list, work: Callable) -> list:
    """``[work(item) for item in items]``, the items shared among RETENTION_WORKERS threads (each on a database
    connection of its own, closed at the end) as each finishes its previous one. For steps whose units are
    independent transactions on different rows (whole month partitions, the slices of ``keyset_slices``). Serial
    for one worker or item, on SQLite, or inside an outer transaction. An error in one item stops the others after
    their current item."""
    from django.conf import settings

    workers = min(max(1, settings.PORTAL["RETENTION_WORKERS"]), len(items))
    if workers <= 1 or not _pg() or connection.in_atomic_block:
        return [work(item) for item in items]
    results: list = [None] * len(items)
    queue = iter(enumerate(items))
    taking = threading.Lock()
    failed = threading.Event()

    def worker() -> None:
        try:
            while not failed.is_set():
                with taking:
                    taken = next(queue, None)
                if taken is None:
                    return
                index, item = taken
                try:
                    results[index] = work(item)
                except BaseException:
                    failed.set()
                    raise
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="retention") as pool:
        futures = [pool.submit(worker) for _ in range(workers)]
    for future in futures:
        future.result()  # re-raises a worker's error
    return results


# --- references --------------------------------------------------------------------------------------------------
def referenced_sql(model, alias: str, *, deleted_with=()) -> str:
    """SQL true when another record still refers to the ``model`` row ``alias`` through a database foreign key, hidden
    (``related_name="+"``) ones included (R-RET-4): such a row is kept until that record goes under its own period.
    ``deleted_with``: models the same statement deletes first (never a reason to keep). "" when nothing refers."""
    from apps.common.references import foreign_keys_into

    clauses = []
    for key in foreign_keys_into(model):
        if key.model in deleted_with:
            continue
        table, column, target = key.model._meta.db_table, key.column, key.target_field.column
        clauses.append(f"EXISTS (SELECT 1 FROM {table} x WHERE x.{column} = {alias}.{target})")  # noqa: S608
    return " OR ".join(clauses) or "FALSE"


# --- files ---------------------------------------------------------------------------------------------------------
def pending_files_drain(*, chunk: int = 1000) -> tuple[int, int]:
    """Remove from storage the files of purged rows (committed), then forget them. Returns (deleted, failed).
    A file that cannot be removed is retried by later runs (up to FILE_DELETE_MAX_ATTEMPTS)."""
    deleted = failed = 0
    last_id = 0
    while True:
        rows = list(PendingFileDeletion.objects.filter(pk__gt=last_id, attempts__lt=FILE_DELETE_MAX_ATTEMPTS)
                    .order_by("pk").values_list("pk", "name")[:chunk])
        if not rows:
            return deleted, failed
        done, problems = [], []
        for pk, name in rows:
            try:
                default_storage.delete(name)  # a missing file is not an error (already gone)
                done.append(pk)
            except Exception as exc:  # storage outage: keep the row, retry next run
                problems.append((pk, f"{type(exc).__name__}: {exc}"[:300]))
        PendingFileDeletion.objects.filter(pk__in=done).delete()
        for pk, message in problems:
            PendingFileDeletion.objects.filter(pk=pk).update(attempts=F("attempts") + 1, last_error=message)
        deleted, failed, last_id = deleted + len(done), failed + len(problems), rows[-1][0]


def pending_files_drain_after_commit() -> tuple[int, int]:
    """Drain the queue now if no transaction is open (the purges are committed), else when it commits."""
    if connection.in_atomic_block:
        transaction.on_commit(pending_files_drain)
        return 0, 0
    return pending_files_drain()


# --- copies of read data (R-RET-6) ---------------------------------------------------------------------------------
def batches_until_short(ctx: RunContext, work: Callable[[], int], counter: str = "purged") -> int:
    """Run ``work()`` (one batch of at most ``ctx.batch_size`` rows, chosen by predicate) in its own transaction,
    counted with the rows it changes, until a batch comes back short. Files it queued (``PendingFileDeletion``) are
    removed after each commit. Idempotent and resumable like every step."""
    total = 0
    while True:
        with transaction.atomic():
            count = work()
            ctx.batch_commit(counter, count)
        total += count
        transaction.on_commit(pending_files_drain)
        if ctx.after_batch is not None:
            ctx.after_batch(ctx.step, count)
        if count < ctx.batch_size:
            return total


def file_rows_expire(ctx: RunContext, queryset, *, source: str, expired_status: str) -> int:
    """R-RET-6: for the rows of ``queryset`` (a model with ``file``, ``status`` and ``file_purged_at``), in batches:
    queue the file for deletion after commit, clear it and mark the row ``expired``. The row (the record) stays."""
    model = queryset.model
    run_id = ctx.run.pk if ctx.run else None

    def work() -> int:
        rows = list(queryset.select_for_update(skip_locked=True).order_by("pk").values_list("pk", "file")
                    [:ctx.batch_size])
        PendingFileDeletion.objects.bulk_create([
            PendingFileDeletion(name=name, source=source, enqueued_at=ctx.as_of, run_id=run_id)
            for _pk, name in rows if name])
        model.objects.filter(pk__in=[pk for pk, _name in rows]).update(
            file="", status=expired_status, file_purged_at=ctx.as_of)
        return len(rows)

    return batches_until_short(ctx, work, "files_purged")


# --- other data classes --------------------------------------------------------------------------------------------
def access_log_expire(ctx: RunContext, days: int) -> dict:
    """R-AUD-1: purge access-log rows older than ``days`` (at least 730) through the one controlled path."""
    from apps.audit.purge import access_log_purge

    cutoff = ctx.as_of - timedelta(days=days)
    ctx.set("cutoff", cutoff.isoformat())
    reason = f"retention run #{ctx.run.pk}" if ctx.run else "retention"

    def counted(count):
        ctx.add("purged", count)
        ctx.add("batches", 1)
        ctx.batch_done(count)

    result = access_log_purge(actor=ctx.actor, before=cutoff, batch_size=ctx.batch_size, reason=reason,
                              after_batch=counted)
    ctx.add("checkpoints", len(result.checkpoints))
    return ctx.counts.get(ctx.step, {})


