"""Matching reads against the hot lists (R-HOT-3).

``hits_match_reads`` is called by the reads ingest service right after a batch of reads is stored, in the same
transaction, so a hit is visible as soon as its read is."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.common.celery_utils import task_send_on_commit
from apps.hotlists.matching import EntryRef, ReadRow, match_rows, matcher_cache, region_state
from apps.hotlists.models import Hit, HotListEntry, PendingMatch
from apps.hotlists.selectors import hot_list_usable_versions

logger = logging.getLogger("alprportal.hotlists")

PENDING_MATCH_BATCH = 1000  # pending reads matched per transaction when catching up


# --- Matching (R-HOT-3) --------------------------------------------------------------------------------------------

# The batch's reads, each with the exact entries in force it matches (one LEFT JOIN through the partial index
# hotlistentry_exact_current). The list's current version comes from the same statement, so the hit names the version
# the entry was matched in even if an import commits meanwhile.
_READS_WITH_EXACT_SQL = """
SELECT r.id, r.plate_current, r.region, r.camera_id, r.captured_at, e.id, e.hot_list_id, e.state, e.priority,
       h.current_version_id
FROM reads_read r
LEFT JOIN hotlists_hotlistentry e
  ON e.plate_pattern = r.plate_current AND e.removed_in_id IS NULL AND NOT e.is_partial AND e.expires_at > %s
LEFT JOIN hotlists_hotlist h ON h.id = e.hot_list_id
WHERE r.id = ANY(%s) AND r.archived_at IS NULL AND NOT r.flagged_out_of_service
"""


def _reads_with_exact(read_ids: list[int], *, now: datetime, list_ids: list[int]):
    """(reads, [(read, EntryRef)] for exact entries)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Which lists are usable is filtered below, in Python: the statement then has one index to use.
            cursor.execute(_READS_WITH_EXACT_SQL, [now, read_ids])
            rows = cursor.fetchall()
    else:  # SQLite on a laptop: the same in two ORM queries
        from apps.reads.models import Read

        reads = list(Read.objects.filter(pk__in=read_ids, archived_at__isnull=True, flagged_out_of_service=False)
                     .values_list("id", "plate_current", "region", "camera_id", "captured_at"))
        entries: dict[str, list] = {}
        for entry in (HotListEntry.objects.filter(plate_pattern__in={r[1] for r in reads}, removed_in__isnull=True,
                                                  is_partial=False, expires_at__gt=now, hot_list_id__in=list_ids)
                      .values_list("plate_pattern", "id", "hot_list_id", "state", "priority",
                                   "hot_list__current_version_id")):
            entries.setdefault(entry[0], []).append(entry[1:])
        rows = [(*r, *e) for r in reads for e in entries.get(r[1], [(None,) * 5])]
    usable = set(list_ids)
    reads_by_id: dict[int, ReadRow] = {}
    exact = []
    for read_id, plate, region, camera_id, captured_at, entry_id, list_id, state, priority, version_id in rows:
        read = reads_by_id.get(read_id)
        if read is None:
            read = reads_by_id[read_id] = ReadRow(read_id, plate, region, camera_id, captured_at)
        if entry_id is not None and list_id in usable:
            exact.append((read, EntryRef(entry_id, list_id, version_id, state, float("inf"), priority, plate)))
    return list(reads_by_id.values()), exact


def hits_match_reads(*, read_ids: Iterable[int] = (), reads: Iterable = ()) -> list[int]:
    """Match newly stored reads against every active, fresh (R-HOT-2), unexpired hot-list entry, partial patterns
    included (R-HOT-3, R-READ-4); store one hit per (read, entry) linking the read, the entry and the list version.
    Returns the ids of the hits created (a read matched twice creates nothing new). A read flagged as captured while
    its unit was reported out of service is never matched, on any path: ingest, correction, catch-up (R-READ-5a).

    Called by the reads ingest service inside its transaction, so hits commit with their reads. Matching must never
    lose a read, nor fail the batch: an unexpected error is logged and rolled back to a savepoint, the reads are
    recorded as ``PendingMatch`` rows in the same (still usable) transaction, so they commit with the reads, and
    ``hits_match_pending`` matches them: at once after commit if the broker takes the task, else from beat
    (issue #9). Only a failure of the database itself outside the savepoint propagates (the batch then rolls back
    as a whole and the camera sends it again).
    """
    ids = [int(pk) for pk in read_ids] + [int(getattr(read, "pk", read)) for read in reads]
    if not ids:
        return []
    try:
        now = timezone.now()
        usable = hot_list_usable_versions(now=now)  # one small read-only query; no savepoint when nothing is usable
        if not usable:
            return []
        with transaction.atomic():
            return _match(ids, now=now, usable=usable)
    except Exception:
        logger.exception("Hot-list matching failed for %s reads; they are recorded and matched again after commit.",
                         len(ids))
        _pending_matches_record(ids)
        return []


def _pending_matches_record(read_ids: list[int]) -> None:
    from apps.hotlists.tasks import hits_match_reads_task

    PendingMatch.objects.bulk_create([PendingMatch(read_id=read_id) for read_id in read_ids], ignore_conflicts=True)
    # Best effort: with the broker down the rows wait for beat's hits-match-pending; the request never fails for it.
    task_send_on_commit(hits_match_reads_task, read_ids=read_ids)


def hits_match_pending(*, read_ids: Iterable[int] | None = None, batch_size: int = PENDING_MATCH_BATCH) -> int:
    """Match the reads recorded as ``PendingMatch`` (their matching failed in the ingest transaction, R-HOT-3) and
    delete their rows; ``read_ids`` limits it to those reads (the task sent after the ingest), None drains them all
    (beat, every 5 minutes). Returns how many reads were matched.

    Idempotent and safe to run concurrently: a hit exists once per read and entry (``hit_once_per_read_and_entry``,
    inserted with ``ignore_conflicts``), and each batch locks its rows with SKIP LOCKED, so two runs never match the
    same rows at once. A batch that fails rolls back (its rows stay, their ``attempts`` and ``error`` say why) and
    the run stops; the next run tries again. Reads archived or purged meanwhile match nothing and are dropped.
    """
    wanted = None if read_ids is None else [int(read_id) for read_id in read_ids]
    matched = 0
    while True:
        batch: list[tuple[int, int]] = []
        rows = PendingMatch.objects.order_by("id")
        if wanted is not None:
            rows = rows.filter(read_id__in=wanted)
        try:
            with transaction.atomic():
                batch = list(rows.select_for_update(skip_locked=True).values_list("id", "read_id")[:batch_size])
                if not batch:
                    return matched
                now = timezone.now()
                usable = hot_list_usable_versions(now=now)
                if usable:
                    _match([read_id for _pk, read_id in batch], now=now, usable=usable)
                PendingMatch.objects.filter(pk__in=[pk for pk, _read_id in batch]).delete()
        except Exception as exc:
            logger.exception("Matching %s pending reads failed; they stay pending for the next run.", len(batch))
            PendingMatch.objects.filter(pk__in=[pk for pk, _read_id in batch]).update(
                attempts=F("attempts") + 1, error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        matched += len(batch)
        if len(batch) < batch_size:
            return matched


def _match(read_ids: list[int], *, now: datetime, usable: dict[int, tuple[int, int]]) -> list[int]:
    versions = [matcher_cache.get(hot_list_id=list_id, version_id=version_id, number=number, now=now)
                for list_id, (version_id, number) in usable.items()]
    matcher_cache.retain(version_id for version_id, _number in usable.values())
    reads, exact = _reads_with_exact(read_ids, now=now, list_ids=list(usable))
    matches = [(read, ref) for read, ref in exact if not (ref.state and region_state(read.region)
                                                            and ref.state != region_state(read.region))]
    if any(v.entry_count for v in versions):
        matches += list(match_rows(reads, versions, now_ts=now.timestamp()))
    hits = [Hit(read_id=read.read_id, entry_id=ref.entry_id, version_id=ref.version_id, hot_list_id=ref.hot_list_id,
                camera_id=read.camera_id, plate=read.plate, priority=ref.priority, captured_at=read.captured_at,
                matched_at=now, updated_at=now)
            for read, ref in matches]
    if not hits:
        return []
    created = Hit.objects.bulk_create(hits, ignore_conflicts=True)
    stored = list(Hit.objects.filter(read_id__in={h.read_id for h in created}, matched_at=now)
                  .values_list("id", flat=True))
    logger.info("%s hits from %s reads", len(stored), len(reads))
    return stored
