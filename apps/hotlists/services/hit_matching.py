"""Matching reads against the hot lists (R-HOT-3).

``hits_match_reads`` is called by the reads ingest service right after a batch of reads is stored, in the same
transaction, so a hit is visible as soon as its read is."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.common.celery_utils import task_send_on_commit
from apps.hotlists.matching import EntryRef, ReadRow, matcher_cache, partial_found, reads_pair
from apps.hotlists.models import Hit, HotListEntry, PendingMatch
from apps.hotlists.selectors import hot_list_usable_versions
from apps.reads.archive import read_unarchived_q
from apps.reads.hooks import StoredRead

logger = logging.getLogger("alprportal.hotlists")

PENDING_MATCH_BATCH = 1000  # pending reads matched per transaction when catching up


# --- Matching (R-HOT-3) --------------------------------------------------------------------------------------------

# The exact entries in force whose plate is one of the batch's plates: one probe of the partial index
# hotlistentry_exact_current per distinct plate, nothing else read (issue #19: the batch's reads themselves come from
# ingest, not from reads_read). Plates are normalized ([A-Z0-9]), so they travel as one comma-separated parameter.
# Driven by the plates (LATERAL, and OFFSET 0 keeps the planner from flattening it): as ``plate_pattern = ANY(...)``,
# on an entries table not yet analyzed (right after an import: ANALYZE runs after commit) PostgreSQL read every entry
# in force of the lists through hotlistentry_current, and on a small analyzed one scanned the table. The list's
# current version comes from the same statement, so the hit names the version the entry was matched in even if an
# import commits meanwhile.
_EXACT_ENTRIES_SQL = """
SELECT e.plate_pattern, e.id, e.hot_list_id, e.state, e.priority, h.current_version_id
FROM unnest(string_to_array(%s, ',')) AS p(plate)
CROSS JOIN LATERAL (SELECT x.plate_pattern, x.id, x.hot_list_id, x.state, x.priority FROM hotlists_hotlistentry x
                    WHERE x.plate_pattern = p.plate AND x.removed_in_id IS NULL AND NOT x.is_partial
                      AND x.expires_at > %s
                    OFFSET 0) AS e
JOIN hotlists_hotlist h ON h.id = e.hot_list_id
"""


def _exact_entries(plates: set[str], *, now: datetime, list_ids: list[int]) -> dict[str, list[EntryRef]]:
    """{plate: [EntryRef]} of the exact entries in force, on the usable lists, for these plates."""
    if not plates:
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Which lists are usable is filtered below, in Python: the statement then has one index to use.
            cursor.execute(_EXACT_ENTRIES_SQL, [",".join(plates), now])
            rows = cursor.fetchall()
    else:  # SQLite on a laptop: the same through the ORM
        rows = (HotListEntry.objects.filter(plate_pattern__in=plates, removed_in__isnull=True, is_partial=False,
                                            expires_at__gt=now)
                .values_list("plate_pattern", "id", "hot_list_id", "state", "priority",
                             "hot_list__current_version_id"))
    usable = set(list_ids)
    entries: dict[str, list[EntryRef]] = {}
    for plate, entry_id, list_id, state, priority, version_id in rows:
        if list_id in usable:
            entries.setdefault(plate, []).append(
                EntryRef(entry_id, list_id, version_id, state, float("inf"), priority, plate))
    return entries


def _reads_load(read_ids: list[int]) -> list[ReadRow]:
    """The reads to match, from the database (a corrected read, reads back in service, pending reads): only those
    not archived and not flagged out of service (R-READ-5a)."""
    from apps.reads.models import Read

    return [ReadRow(*row) for row in
            Read.objects.filter(read_unarchived_q(), pk__in=read_ids, flagged_out_of_service=False)
            .values_list("id", "plate_current", "region", "camera_id", "captured_at")]


def hits_match_reads(*, read_ids: Iterable[int] = (), reads: Iterable[StoredRead] = ()) -> list[int]:
    """Match newly stored reads against every active, fresh (R-HOT-2), unexpired hot-list entry, partial patterns
    included (R-HOT-3, R-READ-4); store one hit per (read, entry) linking the read, the entry and the list version.
    Returns the ids of the hits created (a read matched twice creates nothing new). A read flagged as captured while
    its unit was reported out of service is never matched, on any path: ingest, correction, catch-up (R-READ-5a).

    ``reads`` are reads as ingest has just stored them (``StoredRead``, through the reads hook): matched as they are,
    never read back (issue #19); ``read_ids`` are loaded from the database.

    Called by the reads ingest service inside its transaction, so hits commit with their reads. Matching must never
    lose a read, nor fail the batch: an unexpected error is logged and rolled back to a savepoint, the reads are
    recorded as ``PendingMatch`` rows in the same (still usable) transaction, so they commit with the reads, and
    ``hits_match_pending`` matches them: at once after commit if the broker takes the task, else from beat
    (issue #9). Only a failure of the database itself outside the savepoint propagates (the batch then rolls back
    as a whole and the camera sends it again).
    """
    stored, loaded = list(reads), [int(pk) for pk in read_ids]
    ids = loaded + [read.id for read in stored]
    if not ids:
        return []
    try:
        now = timezone.now()
        usable = hot_list_usable_versions(now=now)  # one small read-only query; no savepoint when nothing is usable
        if not usable:
            return []
        with transaction.atomic():
            # Matched as ingest holds them (same fields as ReadRow): nothing is built per read (issue #19).
            rows = [read for read in stored if not read.flagged_out_of_service]  # R-READ-5a
            if loaded:
                rows += _reads_load(loaded)
            return _match(rows, now=now, usable=usable)
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
                    _match(_reads_load([read_id for _pk, read_id in batch]), now=now, usable=usable)
                PendingMatch.objects.filter(pk__in=[pk for pk, _read_id in batch]).delete()
        except Exception as exc:
            logger.exception("Matching %s pending reads failed; they stay pending for the next run.", len(batch))
            PendingMatch.objects.filter(pk__in=[pk for pk, _read_id in batch]).update(
                attempts=F("attempts") + 1, error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        matched += len(batch)
        if len(batch) < batch_size:
            return matched


def _match(reads: list, *, now: datetime, usable: dict[int, tuple[int, int]]) -> list[int]:
    """R-HOT-3: every read (``ReadRow`` or ``StoredRead``) against every entry in force of the usable lists, exact and
    partial; one hit per (read, entry), created once. Work is per distinct plate of the batch (issue #19)."""
    if not reads:
        return []
    versions = [matcher_cache.get(hot_list_id=list_id, version_id=version_id, number=number, now=now)
                for list_id, (version_id, number) in usable.items()]
    matcher_cache.retain(version_id for version_id, _number in usable.values())
    plates = {read.plate for read in reads}
    # Exact: only the plates on one of the versions (its plates, kept per version) are asked of the database, which
    # decides live whether an entry is in force, unexpired and of which version (R-HOT-3).
    listed = set()
    for compiled in versions:
        listed |= plates & compiled.exact_plates
    found = _exact_entries(listed, now=now, list_ids=list(usable))
    for plate, refs in partial_found(plates, versions).items():
        found.setdefault(plate, []).extend(refs)
    matches = list(reads_pair(reads, found, now_ts=now.timestamp()))
    if not matches:
        return []
    stored = _hits_insert(matches, now=now)
    logger.info("%s hits from %s reads", len(stored), len(reads))
    return stored


# Hit columns matching sets per hit; matched_at and updated_at are the batch's time, and every other column takes the
# model's default (status new, blank notes, nobody confirmed).
_HIT_ROW_FIELDS = ("read_id", "entry_id", "version_id", "hot_list_id", "camera_id", "plate", "priority", "captured_at")
_HIT_TIME_FIELDS = ("matched_at", "updated_at")


@functools.cache
def _hits_insert_statement() -> tuple[str, tuple]:
    """The INSERT of ``_hits_insert`` (one text per process, so the driver parses it once) and the fields whose
    defaults it takes as parameters."""
    fields = {f.attname: f for f in Hit._meta.concrete_fields}
    others = tuple(f for f in Hit._meta.concrete_fields
                   if not f.primary_key and f.attname not in _HIT_ROW_FIELDS + _HIT_TIME_FIELDS)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(fields[name].column) for name in _HIT_ROW_FIELDS + _HIT_TIME_FIELDS) + ", " + \
        ", ".join(quote(f.column) for f in others)
    arrays = ", ".join(f"%s::{fields[name].cast_db_type(connection)}[]" for name in _HIT_ROW_FIELDS)
    scalars = ", ".join(f"%s::{f.cast_db_type(connection)}"
                        for f in (*(fields[name] for name in _HIT_TIME_FIELDS), *others))
    sql = (f"INSERT INTO {quote(Hit._meta.db_table)} ({columns}) "  # noqa: S608 - names and types from the model
           f"SELECT m.*, {scalars} FROM unnest({arrays}) AS m "
           "ON CONFLICT DO NOTHING RETURNING id")
    return sql, others


def _hits_insert(matches: list, *, now: datetime) -> list[int]:
    """Store one hit per (read, entry) and return the ids of those created: a hit that exists already (the same read
    matched again) is skipped by the unique constraint ``hit_once_per_read_and_entry``, so matching is idempotent
    (R-HOT-3).

    On PostgreSQL one ``INSERT … SELECT … FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING id`` whatever the
    number of hits (issue #19: the ORM's bulk_create, which cannot return the ids when it skips conflicts, then a
    query for those ids, cost more Python than the rest of matching); elsewhere that bulk_create and that query."""
    if connection.vendor != "postgresql":
        Hit.objects.bulk_create([Hit(read_id=read.id, entry_id=ref.entry_id, version_id=ref.version_id,
                                     hot_list_id=ref.hot_list_id, camera_id=read.camera_id, plate=read.plate,
                                     priority=ref.priority, captured_at=read.captured_at, matched_at=now,
                                     updated_at=now)
                                 for read, ref in matches], ignore_conflicts=True)
        return list(Hit.objects.filter(read_id__in={read.id for read, _ref in matches}, matched_at=now)
                    .values_list("id", flat=True))
    sql, others = _hits_insert_statement()
    template = Hit()  # the model's defaults, as bulk_create would have saved them (a callable default is called)
    scalars = [now, now, *(f.get_db_prep_save(getattr(template, f.attname), connection) for f in others)]
    arrays = [[read.id for read, _ref in matches], [ref.entry_id for _read, ref in matches],
              [ref.version_id for _read, ref in matches], [ref.hot_list_id for _read, ref in matches],
              [read.camera_id for read, _ref in matches], [read.plate for read, _ref in matches],
              [ref.priority for _read, ref in matches], [read.captured_at for read, _ref in matches]]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*scalars, *arrays])
        return [hit_id for (hit_id,) in cursor.fetchall()]
