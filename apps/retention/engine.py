"""The set-based work of a retention run (R-RET-1, R-RET-2, R-RET-4): archive, purge, sweep — in batches.

Every step chooses its rows by predicate, in batches of ``batch_size``, each batch one statement in its own
transaction::

    WITH batch AS (SELECT r.ctid AS tid FROM reads_read r
                   WHERE r.archived_at IS NULL AND r.captured_at < :cutoff AND r.captured_at >= :resume
                     AND NOT EXISTS (<held by a pending or active hold>)
                   ORDER BY r.captured_at LIMIT :batch FOR UPDATE OF r SKIP LOCKED)
    UPDATE reads_read r SET archived_at = :as_of FROM batch WHERE r.ctid = batch.tid

so a crash loses at most the batch in flight and a rerun continues where the predicate says (idempotent,
resumable). Within a run the scan resumes from the last batch's capture time (keyset), so the time index is walked
once rather than re-read from the start for every batch. Purges delete the read's correction rows and the read in
one statement and queue its image names (``PendingFileDeletion``) in the same transaction; the files are removed
only after that commit. PostgreSQL runs one statement per batch; SQLite (laptop) the same predicates in two.
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

from apps.holds.selectors import read_held_sql
from apps.retention.models import PendingFileDeletion, RetentionRun
from apps.retention.registry import read_keepers

logger = logging.getLogger("alprportal.retention")

READ_IMAGE_FIELDS = ("vehicle_image", "plate_crop")
ORPHAN_SWEEP_PREFIXES = ("reads/",)
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


def _resume_clause(after: datetime | None) -> tuple[str, list]:
    return ("AND r.captured_at >= %s", [after]) if after is not None else ("", [])


def _batched(ctx: RunContext, batch: Callable[[datetime | None, datetime], tuple[int, datetime | None]],
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


def _sliced(ctx: RunContext, batch, counter: str, *, first_sql: str, first_params: list, end: datetime) -> int:
    """Split the capture-time range ``[oldest candidate, end)`` into RETENTION_WORKERS slices and work them in
    parallel threads (one database connection each; batches of different slices never touch the same rows). Serial
    when there is one worker, on SQLite, or inside an outer transaction (whose rows other connections cannot see)."""
    from django.conf import settings

    workers = max(1, settings.PORTAL["RETENTION_WORKERS"])
    if workers == 1 or not _pg() or connection.in_atomic_block:
        return _batched(ctx, batch, counter, start=None, end=end)
    with connection.cursor() as cursor:
        cursor.execute(first_sql, first_params)
        row = cursor.fetchone()
    if row is None or row[0] is None:
        ctx.add(counter, 0)
        return 0
    first = row[0]
    span = (end - first) / workers
    bounds = [(first + span * index, end if index == workers - 1 else first + span * (index + 1))
              for index in range(workers)]

    def work(lower, upper):
        try:
            return _batched(ctx, batch, counter, start=lower, end=upper)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="retention") as pool:
        return sum(pool.map(lambda bound: work(*bound), bounds))


# --- reads: archive ------------------------------------------------------------------------------------------------
# Archiving writes a new row version, so every index of reads_read gets an entry per archived read. GIN indexes (the
# trigram index of partial plates) take theirs through their pending list; letting that list grow during the pass
# and merging it once at the end, with enough memory, is much cheaper than a merge every 4 MB.
GIN_PENDING_LIST_LIMIT = "1GB"
GIN_CLEANUP_WORK_MEM = "256MB"


def _gin_indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'reads_read' AND indexdef LIKE %s",
                       ["% USING gin %"])
        return [row[0] for row in cursor.fetchall()]


def _gin_merge() -> int:
    """Merge the GIN pending lists the archive pass filled (returns the pages merged)."""
    merged = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [GIN_CLEANUP_WORK_MEM])
        for name in _gin_indexes():
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])
            merged += cursor.fetchone()[0] or 0
    return merged


def _archive_batch(*, cutoff: datetime, as_of: datetime, limit: int, after: datetime | None):
    resume, resume_params = _resume_clause(after)
    where = f"r.archived_at IS NULL AND r.captured_at < %s {resume} AND NOT {read_held_sql('r', as_of=as_of)}"
    params = [cutoff, *resume_params]
    with connection.cursor() as cursor:
        if _pg():
            cursor.execute("SELECT set_config('gin_pending_list_limit', %s, true)", [GIN_PENDING_LIST_LIMIT])
            cursor.execute(
                # The row's ctid (locked by this statement) joins back without a primary-key lookup per row.
                f"WITH batch AS (SELECT r.ctid AS tid FROM reads_read r WHERE {where} "  # noqa: S608 - fixed SQL
                "ORDER BY r.captured_at LIMIT %s FOR UPDATE OF r SKIP LOCKED), "
                "done AS (UPDATE reads_read r SET archived_at = %s FROM batch WHERE r.ctid = batch.tid "
                "RETURNING r.captured_at) SELECT count(*), max(captured_at) FROM done",
                [*params, limit, as_of])
            count, last = cursor.fetchone()
            return count, last
        cursor.execute(f"SELECT r.id, r.captured_at FROM reads_read r WHERE {where} "  # noqa: S608
                       "ORDER BY r.captured_at LIMIT %s", [*params, limit])
        rows = cursor.fetchall()
        for start in range(0, len(rows), 500):
            ids = [row[0] for row in rows[start:start + 500]]
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"UPDATE reads_read SET archived_at = %s WHERE id IN ({marks})",  # noqa: S608
                           [as_of, *ids])
        return len(rows), (max(row[1] for row in rows) if rows else None)


def _held_past(*, where: str, params: list, as_of: datetime) -> int:
    """How many held reads a step would otherwise have taken (counted from the small held side)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM reads_read r WHERE {where} AND {read_held_sql('r', as_of=as_of)}",  # noqa: S608
            params)
        return cursor.fetchone()[0]


def reads_archive(ctx: RunContext, days: int) -> dict:
    """R-RET-1: flag reads captured more than ``days`` ago as archived (hidden from everyone but administrators),
    except reads under a pending or active hold (R-RET-3). Originals are untouched (archived_at only)."""
    cutoff = ctx.as_of - timedelta(days=days)
    ctx.set("cutoff", cutoff.isoformat())
    _sliced(ctx, lambda after, end: _archive_batch(cutoff=end, as_of=ctx.as_of, limit=ctx.batch_size, after=after),
            "archived", end=cutoff, first_sql="SELECT r.captured_at FROM reads_read r WHERE r.archived_at IS NULL "
            "AND r.captured_at < %s ORDER BY r.captured_at LIMIT 1", first_params=[cutoff])
    if _pg() and ctx.counts.get(ctx.step, {}).get("archived"):
        started = time.monotonic()
        ctx.set("gin_pages_merged", _gin_merge())
        ctx.set("gin_merge_seconds", round(time.monotonic() - started, 2))
    ctx.set("held_kept", _held_past(where="r.archived_at IS NULL AND r.captured_at < %s", params=[cutoff],
                                    as_of=ctx.as_of))
    return ctx.counts.get(ctx.step, {})


# --- reads: purge --------------------------------------------------------------------------------------------------
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


def read_parts() -> list:
    """Models that are part of a read and go with it when it is purged: its corrections, the camera agent's alerts
    recorded against it and its alternates (the camera's candidate plates, issue #21; an OCR read is kept anyway
    while its photo's OcrItem refers to it)."""
    from django.apps import apps as django_apps

    from apps.reads.models import ReadAgentAlert, ReadCorrection

    parts = [ReadCorrection, ReadAgentAlert]
    if django_apps.is_installed("apps.ocr"):
        parts.append(django_apps.get_model("ocr", "ReadAlternate"))
    return parts


def read_referenced_sql(alias: str = "r") -> str:
    """SQL true when another record still refers to the read through a database foreign key (a hit, …): such a read
    is kept until that record is purged under its own period. Corrections and alternates are part of the read and go
    with it."""
    from apps.reads.models import Read

    return referenced_sql(Read, alias, deleted_with=tuple(read_parts()))


def _purge_batch(*, where: str, params: list, limit: int, after: datetime | None, run_id: int | None,
                 as_of: datetime):
    resume, resume_params = _resume_clause(after)
    referenced = read_referenced_sql("r")
    where = f"{where} {resume} AND NOT {read_held_sql('r', as_of=as_of)}" + (
        f" AND NOT ({referenced})" if referenced else "")
    params = [*params, *resume_params]
    parts = [model._meta.db_table for model in read_parts()]  # table names from the models, never input
    with connection.cursor() as cursor:
        if _pg():
            deletes = "".join(f"part{n} AS (DELETE FROM {table} c USING batch WHERE c.read_id = batch.id), "  # noqa: S608 - model tables
                              for n, table in enumerate(parts))
            cursor.execute(
                f"WITH batch AS (SELECT r.id, r.ctid AS tid FROM reads_read r WHERE {where} "  # noqa: S608
                "ORDER BY r.captured_at LIMIT %s FOR UPDATE OF r SKIP LOCKED), "
                f"{deletes}"
                "gone AS (DELETE FROM reads_read r USING batch WHERE r.ctid = batch.tid "
                "RETURNING r.captured_at, r.vehicle_image, r.plate_crop), "
                "files AS (INSERT INTO retention_pendingfiledeletion (name, source, enqueued_at, run_id, attempts, "
                "last_error) SELECT f.name, f.source, %s, %s, 0, '' FROM gone CROSS JOIN LATERAL (VALUES "
                "(gone.vehicle_image, 'reads.vehicle_image'), (gone.plate_crop, 'reads.plate_crop')) "
                "AS f(name, source) WHERE f.name <> '') "
                "SELECT count(*), max(captured_at) FROM gone",
                [*params, limit, as_of, run_id])
            return cursor.fetchone()
        cursor.execute(f"SELECT r.id, r.captured_at, r.vehicle_image, r.plate_crop FROM reads_read r "  # noqa: S608
                       f"WHERE {where} ORDER BY r.captured_at LIMIT %s", [*params, limit])
        rows = cursor.fetchall()
        PendingFileDeletion.objects.bulk_create([
            PendingFileDeletion(name=name, source=f"reads.{kind}", enqueued_at=as_of, run_id=run_id)
            for row in rows for kind, name in zip(READ_IMAGE_FIELDS, row[2:4], strict=True) if name])
        for start in range(0, len(rows), 500):
            ids = [row[0] for row in rows[start:start + 500]]
            marks = ", ".join(["%s"] * len(ids))
            for table in parts:
                cursor.execute(f"DELETE FROM {table} WHERE read_id IN ({marks})", ids)  # noqa: S608
            cursor.execute(f"DELETE FROM reads_read WHERE id IN ({marks})", ids)  # noqa: S608
        return len(rows), (max(row[1] for row in rows) if rows else None)


def reads_purge_archived(ctx: RunContext, days: int) -> dict:
    """R-RET-2: delete reads archived more than ``days`` ago — rows, corrections and (after commit) image files —
    except held reads. A read is archived after capture, so ``captured_at < cutoff`` is implied and lets the time
    index bound the scan."""
    cutoff = ctx.as_of - timedelta(days=days)
    # Archived reads were captured before the archive cutoff: bounding the scan by it keeps the purge inside the
    # archived (oldest) part of the time index instead of walking the live reads. (A read archived under an earlier,
    # shorter read period is purged once it is also past the current one: later, never earlier.)
    bound = min(cutoff, ctx.as_of - timedelta(days=ctx.policy.read_retention_days))
    ctx.set("cutoff", cutoff.isoformat())
    where = "r.captured_at < %s AND r.archived_at IS NOT NULL AND r.archived_at < %s"
    run_id = ctx.run.pk if ctx.run else None
    _sliced(ctx, lambda after, end: _purge_batch(where=where, params=[end, cutoff], limit=ctx.batch_size,
                                                 after=after, run_id=run_id, as_of=ctx.as_of), "purged",
            end=bound, first_sql="SELECT r.captured_at FROM reads_read r WHERE r.captured_at < %s "
            "AND r.archived_at IS NOT NULL AND r.archived_at < %s ORDER BY r.captured_at LIMIT 1",
            first_params=[bound, cutoff])
    ctx.set("held_kept", _held_past(where=where, params=[bound, cutoff], as_of=ctx.as_of))
    return ctx.counts.get(ctx.step, {})


def reads_purge_non_hit(ctx: RunContext, days: int) -> dict:
    """Optional early purge (SB 274 proposed 60 days): reads captured more than ``days`` ago that no registered
    source (hits) refers to, archived or not — except held reads."""
    cutoff = ctx.as_of - timedelta(days=days)
    keepers = read_keepers()
    ctx.set("cutoff", cutoff.isoformat())
    ctx.set("hit_sources", sorted(keepers))
    where = "r.captured_at < %s" + "".join(f" AND NOT {sql('r')}" for sql in keepers.values())
    run_id = ctx.run.pk if ctx.run else None
    _batched(ctx, lambda after, end: _purge_batch(where=where, params=[end], limit=ctx.batch_size, after=after,
                                                  run_id=run_id, as_of=ctx.as_of), "purged", start=None, end=cutoff)
    return ctx.counts.get(ctx.step, {})


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


def _walk(prefix: str):
    try:
        directories, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{prefix}{name}"
    for directory in directories:
        yield from _walk(f"{prefix}{directory}/")


def orphan_files_sweep(ctx: RunContext, days: int) -> dict:
    """Remove image files no read refers to (left by a crash between a purge's commit and its file deletion before
    the queue existed, or by an ingest that failed after saving). Only files older than the grace period are
    touched, so an ingest in flight is never raced. Names are compared in one anti-join, not one query per file."""
    from django.conf import settings

    grace = ctx.as_of - timedelta(hours=settings.PORTAL["RETENTION_ORPHAN_GRACE_HOURS"])
    drained, failed = pending_files_drain_after_commit()
    ctx.add("queued_files_deleted", drained)
    ctx.add("queued_files_failed", failed)
    checked = orphans = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE retention_sweep (name varchar(255) PRIMARY KEY)")
        try:
            batch: list[str] = []

            def flush():
                if batch:
                    values = ", ".join(["(%s)"] * len(batch))
                    cursor.execute(f"INSERT INTO retention_sweep (name) VALUES {values}", batch)  # noqa: S608
                    batch.clear()

            for prefix in ORPHAN_SWEEP_PREFIXES:
                for name in _walk(prefix):
                    try:
                        modified = default_storage.get_modified_time(name)
                    except (OSError, NotImplementedError):
                        continue
                    if modified >= grace or len(name) > 255:
                        continue
                    batch.append(name)
                    checked += 1
                    if len(batch) >= 1000:
                        flush()
            flush()
            cursor.execute(
                "SELECT s.name FROM retention_sweep s "
                "WHERE NOT EXISTS (SELECT 1 FROM reads_read r WHERE r.vehicle_image = s.name) "
                "AND NOT EXISTS (SELECT 1 FROM reads_read r WHERE r.plate_crop = s.name)")
            names = [row[0] for row in cursor.fetchall()]
        finally:
            cursor.execute("DROP TABLE retention_sweep")
    for name in names:
        try:
            default_storage.delete(name)
            orphans += 1
        except OSError as exc:
            logger.warning("Could not remove orphan file %s: %s", name, exc)
    ctx.add("files_checked", checked)
    ctx.add("orphans_deleted", orphans)
    ctx.batch_done(orphans)
    return ctx.counts.get(ctx.step, {})


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


def disclosures_due(ctx: RunContext, days: int) -> dict:
    """R-SHR-7 is a minimum: disclosure records older than ``days`` since their last activity are counted for the
    custodian (their append-only tables have no purge path); nothing is deleted automatically."""
    try:
        from apps.disclosures.models import DisclosureRequest
    except ImportError:  # pragma: no cover - the app is optional
        ctx.set("due", 0)
        return ctx.counts.get(ctx.step, {})
    from django.db.models.functions import Coalesce, Greatest

    cutoff = ctx.as_of - timedelta(days=days)
    last = Greatest("submitted_at", Coalesce("decided_at", "submitted_at"), Coalesce("released_at", "submitted_at"))
    ctx.set("cutoff", cutoff.isoformat())
    ctx.set("due", DisclosureRequest.objects.annotate(last_activity=last).filter(last_activity__lt=cutoff).count())
    ctx.set("purged", 0)
    return ctx.counts.get(ctx.step, {})
