"""Retention of reads (R-RET-1, R-RET-2, R-RET-4), registered with apps.retention in ``ReadsConfig.ready``: archive,
purge, the optional early purge of reads that hit nothing, and the sweep of orphan image files — in batches.

Every step chooses its rows by predicate, in batches of ``batch_size``, each batch one statement in its own
transaction::

    WITH batch AS (SELECT r.tableoid AS rel, r.ctid AS tid, r.captured_at AS at FROM reads_read r
                   WHERE r.archived_at IS NULL AND r.captured_at < :cutoff AND r.captured_at >= :resume
                     AND NOT EXISTS (<held by a pending or active hold>)
                   ORDER BY r.captured_at LIMIT :batch FOR UPDATE OF r SKIP LOCKED)
    UPDATE reads_read r SET archived_at = :as_of FROM batch
    WHERE r.tableoid = batch.rel AND r.ctid = batch.tid AND r.captured_at < :cutoff AND r.captured_at >= :resume

so a crash loses at most the batch in flight and a rerun continues where the predicate says (idempotent,
resumable; the batching kit is ``apps.retention.engine``). Purges delete the read's parts (corrections, agent alerts,
and what other apps register as parts, e.g. OCR alternates) and the read in one statement and queue its image names
(``PendingFileDeletion``) in the same transaction; the files are removed only after that commit. Held reads are
skipped through the predicate holds register (``retention.registry.read_held_sql``, R-RET-3); reads a registered
keeper (hits) refers to are not "non-hit" reads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db import OperationalError, connection, transaction

from apps.reads.archive import WATERMARK_NONE, archived_before, flagged_archived_before, watermark_passed_before
from apps.reads.images import image_pack_ref
from apps.retention import engine
from apps.retention.engine import RunContext
from apps.retention.models import PendingFileDeletion
from apps.retention.registry import read_held_sql, read_keepers, read_parts_registered

logger = logging.getLogger("alprportal.retention")

READ_IMAGE_FIELDS = ("vehicle_image", "plate_crop")
ORPHAN_SWEEP_PREFIXES = ("reads/",)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _resume_clause(after: datetime | None) -> tuple[str, list]:
    return ("AND r.captured_at >= %s", [after]) if after is not None else ("", [])


# --- reads: archive ------------------------------------------------------------------------------------------------
# Archiving advances the watermark (apps.reads.archive): one row, instead of writing every archived read's row again
# with an entry in each of its indexes (a night's million reads took most of the nightly run, issue #19). The held
# reads it passes are exempted first, in the same transaction (R-RET-3), and the exempted reads whose hold has ended
# are flagged one by one (a few rows).


def reads_archive(ctx: RunContext, days: int) -> dict:
    """R-RET-1: archive reads captured more than ``days`` ago (hidden from everyone but administrators), except reads
    under a pending or active hold (R-RET-3); originals are untouched (R-READ-2). In one transaction: the held reads
    the watermark is about to pass are exempted, the watermark advances to the cutoff (never back: a longer period
    later does not un-archive), and reads whose hold has ended since they were exempted are flagged archived now. A
    rerun is a no-op; a run killed before its commit left nothing."""
    from apps.reads.archive import archive_watermark
    from apps.reads.models import ReadArchiveExemption, ReadArchiveWatermark

    cutoff = ctx.as_of - timedelta(days=days)
    ctx.set("cutoff", cutoff.isoformat())
    with transaction.atomic(), connection.cursor() as cursor:
        if _pg():  # two runs at once (never by design: the run lock) would still advance one after the other
            cursor.execute("LOCK TABLE reads_readarchivewatermark IN SHARE ROW EXCLUSIVE MODE")
        previous = archive_watermark()
        passed = exempted = 0
        if previous is None or cutoff > previous:
            lower, lower_params = ("AND r.captured_at >= %s", [previous]) if previous is not None else ("", [])
            span = f"r.archived_at IS NULL AND r.captured_at < %s {lower}"
            cursor.execute(
                "INSERT INTO reads_readarchiveexemption (read_id, captured_at, exempt_since) "  # noqa: S608 - fixed SQL
                f"SELECT r.id, r.captured_at, %s FROM reads_read r WHERE {span} "
                f"AND {read_held_sql('r', as_of=ctx.as_of)} "
                "AND NOT EXISTS (SELECT 1 FROM reads_readarchiveexemption e WHERE e.read_id = r.id)",
                [ctx.as_of, cutoff, *lower_params])
            exempted = cursor.rowcount
            # What the watermark passes: the span's unflagged reads but the ones just exempted (counted from the
            # time index; the rows themselves are not touched).
            cursor.execute(f"SELECT count(*) FROM reads_read r WHERE {span}", [cutoff, *lower_params])  # noqa: S608
            passed = cursor.fetchone()[0] - exempted
            ReadArchiveWatermark.objects.update_or_create(archived_at=ctx.as_of, defaults={"captured_before": cutoff})
        # Holds that ended: their exempted reads are archived now, flagged one by one (R-RET-3 keeps them only while
        # the hold lasts); an exemption whose read is gone (purged another way) is dropped with them.
        released = _exemptions_release(cursor, read_held_sql("r", as_of=ctx.as_of), ctx.as_of)
        ctx.batch_commit("archived", passed + released)
        ctx.set("watermark_before", previous.isoformat() if previous else None)
        ctx.set("held_exempted", exempted)
        ctx.set("released_from_holds", released)
        ctx.set("held_kept", ReadArchiveExemption.objects.count())
    ctx.batch_done(passed)
    return ctx.counts.get(ctx.step, {})


def _exemptions_release(cursor, held_now: str, as_of: datetime) -> int:
    """Flag archived the exempted reads no hold keeps any more and drop their exemptions (``reads_archive``); returns
    how many reads were flagged."""
    if _pg():
        cursor.execute(
            "WITH released AS (DELETE FROM reads_readarchiveexemption e WHERE NOT EXISTS ("  # noqa: S608 - fixed SQL
            f"SELECT 1 FROM reads_read r WHERE r.id = e.read_id AND r.captured_at = e.captured_at AND {held_now}) "
            "RETURNING e.read_id, e.captured_at) "
            "UPDATE reads_read r SET archived_at = %s FROM released WHERE r.id = released.read_id "
            "AND r.captured_at = released.captured_at AND r.archived_at IS NULL", [as_of])
        return cursor.rowcount
    cursor.execute("SELECT e.read_id FROM reads_readarchiveexemption e WHERE NOT EXISTS ("  # noqa: S608 - fixed SQL
                   f"SELECT 1 FROM reads_read r WHERE r.id = e.read_id AND {held_now})")
    ids = [row[0] for row in cursor.fetchall()]
    flagged = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(f"UPDATE reads_read SET archived_at = %s WHERE archived_at IS NULL AND id IN ({marks})",  # noqa: S608
                       [as_of, *chunk])
        flagged += cursor.rowcount
        cursor.execute(f"DELETE FROM reads_readarchiveexemption WHERE read_id IN ({marks})", chunk)  # noqa: S608
    return flagged


def _join_back_by_tid(cursor) -> None:
    """For this batch's transaction: join the locked rows back one by one (nested loop; with reads partitioned, the
    capture time prunes each lookup to its one partition at run time). Left to itself the planner hashes the whole
    partitioned table, every partition scanned per batch; JIT would compile that estimate for seconds."""
    cursor.execute("SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true), "
                   "set_config('jit', 'off', true)")


# A batch whose capture-time range is at most this long spans at most three month partitions (usually one).
JOIN_BACK_NARROW = timedelta(days=62)


def _join_back(end: datetime, after: datetime | None) -> tuple[str, list]:
    """How an UPDATE/DELETE batch finds the rows its ``batch`` CTE locked (issue #19). The batch's capture-time range
    is repeated as constants, so the planner prunes the statement to the partitions of that range at plan time (one
    month, two at a month's end); without it every month partition was planned and opened with all its indexes
    (60-90 ms of planning per batch with 29 months) and tried for each read. Within such a narrow range each read is
    then fetched by its row position — a TID scan, one page read — and ``tableoid`` tells the partition (a ctid is
    unique only within one table). A range with no lower bound or a long one (the first batch after an old held read)
    could cover many months: there the capture time prunes each lookup to its partition at run time instead (one
    probe of the time index per read)."""
    condition = "r.tableoid = batch.rel AND r.ctid = batch.tid AND r.captured_at < %s"
    params: list = [end]
    if after is not None:
        condition += " AND r.captured_at >= %s"
        params.append(after)
    if after is None or end - after > JOIN_BACK_NARROW:
        condition = f"r.captured_at = batch.at AND {condition}"
    return condition, params


def _held_past(*, where: str, params: list, as_of: datetime) -> int:
    """How many held reads a step would otherwise have taken (counted from the small held side)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM reads_read r WHERE {where} AND {read_held_sql('r', as_of=as_of)}",  # noqa: S608
            params)
        return cursor.fetchone()[0]


# --- reads: purge ---------------------------------------------------------------------------------------------------
def read_parts() -> list:
    """Models that are part of a read and go with it when it is purged: its corrections, the camera agent's alerts
    recorded against it and its alternates (the camera's candidate plates, issue #21; an OCR read is kept anyway
    while its photo's OcrItem refers to it)."""
    from apps.reads.models import ReadAgentAlert, ReadCorrection

    return [ReadCorrection, ReadAgentAlert, *read_parts_registered()]  # the OCR alternates: apps/ocr/retention.py


def read_referenced_sql(alias: str = "r") -> str:
    """SQL true when another record still refers to the read through a database foreign key (a hit, …): such a read
    is kept until that record is purged under its own period. Corrections and alternates are part of the read and go
    with it."""
    from apps.reads.models import Read

    return engine.referenced_sql(Read, alias, deleted_with=tuple(read_parts()))


def _purge_batch(*, where: str, params: list, limit: int, after: datetime | None, run_id: int | None,
                 as_of: datetime, end: datetime):
    """One purge batch of reads chosen by ``where`` (which bounds ``captured_at`` below ``end``)."""
    resume, resume_params = _resume_clause(after)
    referenced = read_referenced_sql("r")
    where = f"{where} {resume} AND NOT {read_held_sql('r', as_of=as_of, per_read=True)}" + (
        f" AND NOT ({referenced})" if referenced else "")
    params = [*params, *resume_params]
    parts = [model._meta.db_table for model in read_parts()]  # table names from the models, never input
    with connection.cursor() as cursor:
        if _pg():
            _join_back_by_tid(cursor)
            join_back, join_params = _join_back(end, after)
            deletes = "".join(f"part{n} AS (DELETE FROM {table} c USING batch WHERE c.read_id = batch.id), "  # noqa: S608 - model tables
                              for n, table in enumerate(parts))
            cursor.execute(
                # ctid with its partition (tableoid) and the batch's capture-time range: see _join_back.
                f"WITH batch AS (SELECT r.id, r.tableoid AS rel, r.ctid AS tid, r.captured_at AS at "  # noqa: S608
                f"FROM reads_read r WHERE {where} "
                "ORDER BY r.captured_at LIMIT %s FOR UPDATE OF r SKIP LOCKED), "
                f"{deletes}"
                f"gone AS (DELETE FROM reads_read r USING batch WHERE {join_back} "
                "RETURNING r.captured_at, r.vehicle_image, r.plate_crop), "
                "files AS (INSERT INTO retention_pendingfiledeletion (name, source, enqueued_at, run_id, attempts, "
                "last_error) SELECT f.name, f.source, %s, %s, 0, '' FROM gone CROSS JOIN LATERAL (VALUES "
                "(gone.vehicle_image, 'reads.vehicle_image'), (gone.plate_crop, 'reads.plate_crop')) "
                "AS f(name, source) WHERE f.name <> '' AND position('.pack#' in f.name) = 0) "
                "SELECT count(*), max(captured_at) FROM gone",
                [*params, limit, *join_params, as_of, run_id])
            return cursor.fetchone()
        cursor.execute(f"SELECT r.id, r.captured_at, r.vehicle_image, r.plate_crop FROM reads_read r "  # noqa: S608
                       f"WHERE {where} ORDER BY r.captured_at LIMIT %s", [*params, limit])
        rows = cursor.fetchall()
        PendingFileDeletion.objects.bulk_create([
            PendingFileDeletion(name=name, source=f"reads.{kind}", enqueued_at=as_of, run_id=run_id)
            for row in rows for kind, name in zip(READ_IMAGE_FIELDS, row[2:4], strict=True)
            if name and image_pack_ref(name) is None])  # a pack goes when no read uses it: image_packs_release
        for start in range(0, len(rows), 500):
            ids = [row[0] for row in rows[start:start + 500]]
            marks = ", ".join(["%s"] * len(ids))
            for table in parts:
                cursor.execute(f"DELETE FROM {table} WHERE read_id IN ({marks})", ids)  # noqa: S608
            cursor.execute(f"DELETE FROM reads_read WHERE id IN ({marks})", ids)  # noqa: S608
        return len(rows), (max(row[1] for row in rows) if rows else None)


def _partitions_purge(ctx: RunContext, *, eligible: str, params: list, bound: datetime, run_id: int | None,
                      months: Callable[[str, datetime, datetime], bool] | None = None) -> None:
    """PostgreSQL with reads partitioned by month (issue #19): empty each month partition that ends before ``bound``
    and whose reads are (nearly) all due, as a whole instead of row by row. In one transaction per partition: the
    reads to keep — held (R-RET-3, whichever side of a month boundary the hold's other reads are), referred to by a
    hit (R-RET-4), or not due — are copied aside, the parts of the others deleted (the purge order: corrections,
    agent alerts, OCR alternates), their image names queued, the partition TRUNCATEd and the kept reads put back
    unchanged (same ids; originals untouched, R-READ-2); the purged reads' ``reads_readkey`` rows are deleted with
    them, the kept reads keep theirs (the row-by-row batches delete through ``reads_read``, whose trigger does it).
    The run counts commit with the rows (R-RET-4). A partition that must keep more than
    RETENTION_PARTITION_KEEP_MAX_SHARE of its reads is left to the row-by-row batches, which also take every partial
    month; a partition left empty is dropped. ``months(name, start, end)``, when given, chooses the months to try.
    """
    from django.conf import settings

    from apps.reads.partitions import reads_partitioned

    if not reads_partitioned():
        return
    referenced = read_referenced_sql("r")
    keep = f"({eligible}) IS NOT TRUE OR {read_held_sql('r', as_of=ctx.as_of)}" + (
        f" OR ({referenced})" if referenced else "")
    parts = [model._meta.db_table for model in read_parts()]  # table names from the models, never input
    share = settings.PORTAL["RETENTION_PARTITION_KEEP_MAX_SHARE"]
    timeout = f"{settings.PORTAL['READS_PARTITION_LOCK_TIMEOUT_SECONDS']}s"
    started = time.monotonic()
    try:
        _partitions_purge_each(ctx, keep=keep, params=params, parts=parts, share=share, timeout=timeout,
                               bound=bound, run_id=run_id, months=months)
    finally:  # a step may try months more than once (the purge's two passes): their seconds add up
        earlier = ctx.counts.get(ctx.step, {}).get("partitions_seconds", 0)
        ctx.set("partitions_seconds", round(earlier + time.monotonic() - started, 2))


def _partitions_purge_each(ctx: RunContext, *, keep: str, params: list, parts: list[str], share: float, timeout: str,
                           bound: datetime, run_id: int | None,
                           months: Callable[[str, datetime, datetime], bool] | None) -> None:
    from apps.reads.partitions import LOCK_NOT_AVAILABLE, partition_drop_if_empty, partitions_list

    names = []
    for name, start, upper in partitions_list():
        if upper > bound:
            break
        if months is not None and not months(name, start, upper):
            continue
        names.append(name)

    def one(name: str) -> int | None:
        try:
            kept, purged = _partition_purge(ctx, name=name, keep=keep, params=params, parts=parts, share=share,
                                            timeout=timeout, run_id=run_id)
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            # Busy (a long search or export of that month): left to the row-by-row batches, whole again next night.
            logger.warning("Retention: partition %s busy, purged row by row this time", name)
            ctx.add("partitions_busy", 1)
            return None
        if purged:
            ctx.add("partitions_emptied", 1)
            transaction.on_commit(engine.pending_files_drain)  # the files after the commit, as the batches do
        if ctx.after_batch is not None:  # a month is this step's batch: the progress/crash hook, in its thread
            ctx.after_batch(ctx.step, purged)
        return kept

    # Months are independent transactions on different partitions: the workers take them in turn. Plates shared by
    # two months meet in reads_readplatemonths, whose rows every writer locks in plate order (0017): one month waits
    # for the other's commit there, never a deadlock. Empty months are dropped afterwards, one by one: dropping locks
    # the parent, which would wait for the partition another worker holds.
    kept = engine.each_parallel(names, one)
    for name, count in zip(names, kept, strict=True):
        if count == 0 and partition_drop_if_empty(name):
            ctx.add("partitions_dropped", 1)


def _partition_dense(name: str, condition: str, params: list) -> bool:
    """True when the rows of partition ``name`` matching ``condition`` (counted through an index, index-only: a
    capture-time bound, the flagged reads) are nearly all of it — more than 1 - RETENTION_PARTITION_KEEP_MAX_SHARE
    of the planner's row count (``reltuples``; an unanalysed partition is counted) — so that ``_partition_purge``
    reads it whole only when it will most likely empty it."""
    from django.conf import settings

    share = settings.PORTAL["RETENTION_PARTITION_KEEP_MAX_SHARE"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [name])
        estimate = cursor.fetchone()[0]
        if estimate < 0:  # never analysed
            cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 - a partition name from the catalogue
            estimate = cursor.fetchone()[0]
        if estimate == 0:
            return False
        cursor.execute(f"SELECT count(*) FROM {name} r WHERE {condition}", params)  # noqa: S608
        return cursor.fetchone()[0] > estimate * (1 - share)


def _partition_purge(ctx: RunContext, *, name: str, keep: str, params: list, parts: list[str], share: float,
                     timeout: str, run_id: int | None) -> tuple[int, int]:
    """One month partition (``_partitions_purge``): returns (reads kept, reads purged)."""
    from apps.reads.models import month_number
    from apps.reads.partitions import partition_month

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [timeout])
        # Ingest of a late read for this month, and searches of it, wait for this transaction.
        cursor.execute(f"LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"SELECT count(*), count(*) FILTER (WHERE {keep}) FROM {name} r", params)  # noqa: S608
        total, kept = cursor.fetchone()
        if total == 0 or kept == total or kept > total * share:
            purged = 0
        else:
            cursor.execute(f"CREATE TEMPORARY TABLE retention_keep ON COMMIT DROP AS "  # noqa: S608
                           f"SELECT * FROM {name} r WHERE {keep}", params)
            cursor.execute("CREATE INDEX ON retention_keep (id)")
            cursor.execute("ANALYZE retention_keep")  # a temporary table has no statistics: plan by its real size
            gone = f"{name} r WHERE NOT EXISTS (SELECT 1 FROM retention_keep k WHERE k.id = r.id)"  # noqa: S608
            for table in parts:
                cursor.execute(f"DELETE FROM {table} c WHERE c.read_id IN (SELECT r.id FROM {gone})")  # noqa: S608
            cursor.execute(
                "INSERT INTO retention_pendingfiledeletion (name, source, enqueued_at, run_id, attempts, "  # noqa: S608
                "last_error) SELECT f.name, f.source, %s, %s, 0, '' FROM (SELECT r.vehicle_image, r.plate_crop "
                f"FROM {gone}) g CROSS JOIN LATERAL (VALUES (g.vehicle_image, 'reads.vehicle_image'), "
                "(g.plate_crop, 'reads.plate_crop')) AS f(name, source) "
                "WHERE f.name <> '' AND position('.pack#' in f.name) = 0", [ctx.as_of, run_id])
            # The purged reads' keys (reads_readkey, issue #19): TRUNCATE fires no delete trigger. The kept reads go
            # back into the partition directly, not through reads_read, so their keys are neither removed nor re-added.
            _keys_delete(cursor, name)
            # The plate → month summary (issue #19) forgets the plates only the purged reads carried in this month;
            # TRUNCATE fires no delete trigger, so this is done here.
            cursor.execute(
                "SELECT reads_plate_months_forget(ARRAY(SELECT DISTINCT r.plate_current FROM "  # noqa: S608
                f"{gone} AND NOT EXISTS (SELECT 1 FROM retention_keep k WHERE k.plate_current = r.plate_current)), "
                "%s::smallint)", [month_number(partition_month(name))])
            # TRUNCATE refuses a table with deferred checks still queued (reads inserted earlier in this same
            # transaction, e.g. by a caller's outer transaction): run them now, then defer again as Django does.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {name}")
            cursor.execute(f"INSERT INTO {name} SELECT * FROM retention_keep")  # noqa: S608
            if cursor.rowcount != kept:  # never: the partition is locked
                raise RuntimeError(f"{name}: {kept} reads to keep, {cursor.rowcount} put back")
            cursor.execute("DROP TABLE retention_keep")  # also inside an outer transaction (no commit yet)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            purged = total - kept
            ctx.batch_commit("purged", purged)
    return kept, purged


def _keys_delete(cursor, name: str) -> None:
    """Delete the ``reads_readkey`` rows of the reads of partition ``name`` not in ``retention_keep``: one probe of the
    key table's primary key per purged read. Left to itself the planner hashed the partition and scanned the whole key
    table — every read ever kept, 10M rows — once per month emptied: 9 s a month at 10M reads (the bulk of the purge),
    ten times that at 100M. So hash and merge joins (and JIT, which compiled that plan) are off for this statement
    only; the other statements of the transaction keep them (their anti-joins by plate want a hash)."""
    cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin'), "
                   "current_setting('jit')")
    before = cursor.fetchone()
    cursor.execute("SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true), "
                   "set_config('jit', 'off', true)")
    cursor.execute(f"WITH gone AS MATERIALIZED (SELECT r.camera_id, r.source_read_id, r.id FROM {name} r "  # noqa: S608
                   "WHERE NOT EXISTS (SELECT 1 FROM retention_keep kept WHERE kept.id = r.id)) "
                   "DELETE FROM reads_readkey k USING gone g WHERE k.camera_id = g.camera_id "
                   "AND k.source_read_id = g.source_read_id AND k.read_id = g.id")
    cursor.execute("SELECT set_config('enable_hashjoin', %s, true), set_config('enable_mergejoin', %s, true), "
                   "set_config('jit', %s, true)", list(before))


def reads_purge_archived(ctx: RunContext, days: int) -> dict:
    """R-RET-2: delete reads archived more than ``days`` ago — rows, corrections and (after commit) image files —
    except held reads. A read is archived after capture, so ``captured_at < cutoff`` is implied and lets the time
    index bound the scan.

    Two passes, each bounded so that it never walks the reads archived but not yet due (in steady state the last
    ``days`` worth of archived reads — with a year's purge period a third of the table — which a pass bounded only
    by the archive cutoff counted, scanned month by month and walked to its last batch every night, issue #19):

    1. the reads captured before the watermark as the advances made before the cutoff left it
       (``watermark_passed_before``): every one of them is archived and due, but held or exempted ones — whole month
       partitions where they fill one, else in batches;
    2. the reads flagged archived one by one before the cutoff (a hold that kept them ended; archived before the
       watermark existed) and captured after that, found through the index of flagged reads only
       (``read_flagged_archived``): a few a night."""
    cutoff = ctx.as_of - timedelta(days=days)
    # Archived reads were captured before the archive cutoff: bounding the scan by it keeps the purge inside the
    # archived (oldest) part of the time index instead of walking the live reads. (A read archived under an earlier,
    # shorter read period is purged once it is also past the current one: later, never earlier.)
    bound = min(cutoff, ctx.as_of - timedelta(days=ctx.policy.read_retention_days))
    passed = min(bound, watermark_passed_before(cutoff))
    ctx.set("cutoff", cutoff.isoformat())
    ctx.set("watermark_bound", passed.isoformat() if passed > WATERMARK_NONE else None)
    run_id = ctx.run.pk if ctx.run else None
    # 1. Archived before the cutoff (flagged before it, or passed by a watermark advance made before it, R-RET-1) and
    # captured before the watermark that advance left.
    archived, archived_params = archived_before(cutoff, "r")
    where = f"r.captured_at < %s AND {archived}"
    if passed > WATERMARK_NONE:
        # Whole months: those that end before that watermark, and the one it falls in when its due reads (counted
        # on the time index) are nearly all of it; never the months after it, all archived but not due.
        _partitions_purge(ctx, eligible=where, params=[passed, *archived_params], bound=bound, run_id=run_id,
                          months=lambda name, start, end: start < passed and (
                              end <= passed or _partition_dense(name, "r.captured_at < %s", [passed])))
        engine.keyset_slices(ctx, lambda after, end: _purge_batch(where=where, params=[end, *archived_params],
                                                                  limit=ctx.batch_size, after=after, run_id=run_id,
                                                                  as_of=ctx.as_of, end=end), "purged",
                             end=passed, where=where, params=[passed, *archived_params])
    held = _held_past(where=where, params=[passed, *archived_params], as_of=ctx.as_of)
    # 2. Flagged before the cutoff and captured from that watermark on: only the index of flagged reads is read. A
    # database archived row by row before the watermark existed has every archived read flagged: whole months of
    # them are emptied as in the first pass, once they are all due.
    flagged, flagged_params = flagged_archived_before(cutoff, "r")
    where = f"r.captured_at < %s AND r.captured_at >= %s AND {flagged}"
    _partitions_purge(ctx, eligible=where, params=[bound, passed, *flagged_params], bound=bound, run_id=run_id,
                      months=lambda name, start, end: start >= passed and _partition_dense(name, flagged,
                                                                                            flagged_params))
    engine.keyset_slices(ctx, lambda after, end: _purge_batch(where=where, params=[end, passed, *flagged_params],
                                                              limit=ctx.batch_size, after=after, run_id=run_id,
                                                              as_of=ctx.as_of, end=end), "purged",
                         end=bound, where=where, params=[bound, passed, *flagged_params])
    held += _held_past(where=where, params=[bound, passed, *flagged_params], as_of=ctx.as_of)
    ctx.set("held_kept", held)
    ctx.add("image_packs_released", image_packs_release(ctx))
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
    _partitions_purge(ctx, eligible=where, params=[cutoff], bound=cutoff, run_id=run_id)
    engine.keyset_batches(ctx, lambda after, end: _purge_batch(where=where, params=[end], limit=ctx.batch_size,
                                                               after=after, run_id=run_id, as_of=ctx.as_of,
                                                               end=end),
                          "purged", start=None, end=cutoff)
    ctx.add("image_packs_released", image_packs_release(ctx))
    return ctx.counts.get(ctx.step, {})


# --- image packs (issue #19) ----------------------------------------------------------------------------------------
def image_packs_release(ctx: RunContext) -> int:
    """Delete the image packs no read refers to any more — the row now, the object after commit (queued like any
    purged file) — so a pack goes with the last of its reads (R-RET-2) and a held read keeps its own (R-RET-3).
    A pack and its reads are inserted in one transaction, so an ingest in flight is never raced; one index probe
    (``read_image_pack``) per pack."""
    from django.db.models import Exists, OuterRef

    from apps.reads.models import ImagePack, Read

    released = 0
    unused = ImagePack.objects.filter(created_at__lte=ctx.as_of).exclude(
        Exists(Read.objects.filter(image_pack=OuterRef("pk"))))
    while True:
        with transaction.atomic():
            rows = list(unused.order_by("pk").select_for_update(skip_locked=True).values_list("pk", "name")[:1000])
            if not rows:
                break
            PendingFileDeletion.objects.bulk_create([
                PendingFileDeletion(name=name, source="reads.image_pack", enqueued_at=ctx.as_of,
                                    run_id=ctx.run.pk if ctx.run else None) for _, name in rows])
            ImagePack.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
        released += len(rows)
    if released:
        engine.pending_files_drain_after_commit()
    return released


# --- files ---------------------------------------------------------------------------------------------------------
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
    ctx.add("image_packs_released", image_packs_release(ctx))  # packs of failed or raced ingests, too
    drained, failed = engine.pending_files_drain_after_commit()
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
                "AND NOT EXISTS (SELECT 1 FROM reads_read r WHERE r.plate_crop = s.name) "
                "AND NOT EXISTS (SELECT 1 FROM reads_imagepack p WHERE p.name = s.name)")
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


def register() -> None:
    from apps.retention.registry import KEEPS_REFERENCED, DataClass, data_class_register

    held = "reads under a pending or active evidence hold are skipped (R-RET-3)"
    data_class_register(DataClass(
        key="reads.archive", label="Reads: logical archiving", rule="R-RET-1", order=10,
        period_days=lambda policy: policy.read_retention_days, apply=reads_archive, held_check=held))
    data_class_register(DataClass(
        key="reads.purge", label="Archived reads and images: purge", rule="R-RET-2", order=20,
        period_days=lambda policy: policy.archive_purge_days, apply=reads_purge_archived, held_check=held,
        lifetime_days=lambda policy: policy.read_retention_days + policy.archive_purge_days,
        purges=("reads.ReadCorrection", "reads.ReadAgentAlert", "ocr.ReadAlternate", "reads.Read", "reads.ImagePack"),
        references=KEEPS_REFERENCED))
    data_class_register(DataClass(
        key="reads.non_hit", label="Reads that hit nothing: early purge", rule="R-RET-2", order=30,
        period_days=lambda policy: policy.non_hit_purge_days, apply=reads_purge_non_hit,
        held_check=held + "; reads a registered source (hits) refers to are kept",
        purges=("reads.ReadCorrection", "reads.ReadAgentAlert", "ocr.ReadAlternate", "reads.Read", "reads.ImagePack"),
        references=KEEPS_REFERENCED))
    data_class_register(DataClass(
        key="files.orphans", label="Orphan image files", rule="R-RET-2", order=90,
        period_days=lambda policy: 0, apply=orphan_files_sweep,
        held_check="only files no read refers to, older than the grace period"))
