"""Retention of hits and hot-list entries (R-RET-2, R-RET-4): registered with apps.retention in ``ready()``.

- **Hits** are kept ``hit_retention_days`` after the read was captured, then deleted, except hits of a read under a
  pending or active evidence hold (R-RET-3). Until then a hit keeps its read (the reads purge skips referenced reads),
  so the order is: hits first, then the reads purge can take the reads they held.
- **Hot-list entries** that expired or were removed more than ``hotlist_retention_days`` ago are deleted once no hit
  names them (a hit's entry is evidence of why the read matched; it goes after the hit).

Both steps delete in batches of ``ctx.batch_size``, one transaction each, chosen by predicate, so a run killed midway
and rerun ends in the same state (idempotent, resumable).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction

from apps.holds.selectors import read_held_sql


def _delete_in_batches(ctx, sql: str, params: list) -> int:
    """Run ``sql`` (a DELETE of at most ``LIMIT %s`` rows, the limit being its last parameter) until it deletes fewer
    than a batch; count, persist progress and commit after each batch."""
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [*params, ctx.batch_size])
            count = max(cursor.rowcount, 0)
        total += count
        ctx.add("purged", count)
        ctx.add("batches", 1)
        ctx.batch_done(count)
        if count < ctx.batch_size:
            return total


def hits_purge(ctx, days: int) -> dict:
    """Delete hits of reads captured more than ``days`` ago, except hits of held reads (R-RET-2, R-RET-3)."""
    cutoff = ctx.as_of - timedelta(days=days)
    ctx.set("cutoff", cutoff.isoformat())
    held = read_held_sql("r", as_of=ctx.as_of)
    _delete_in_batches(
        ctx,
        "DELETE FROM hotlists_hit WHERE id IN (SELECT h.id FROM hotlists_hit h JOIN reads_read r ON r.id = h.read_id "  # noqa: S608
        f"WHERE h.captured_at < %s AND NOT {held} ORDER BY h.captured_at LIMIT %s)",
        [cutoff],
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM hotlists_hit h JOIN reads_read r ON r.id = h.read_id "  # noqa: S608
                       f"WHERE h.captured_at < %s AND {held}", [cutoff])
        ctx.set("held_kept", cursor.fetchone()[0])
    return ctx.counts.get(ctx.step, {})


def hot_list_entries_purge(ctx, days: int) -> dict:
    """Delete entries expired or removed more than ``days`` ago that no hit (no foreign key) names any more."""
    from apps.hotlists.models import HotListEntry
    from apps.retention.engine import referenced_sql

    cutoff = ctx.as_of - timedelta(days=days)
    ctx.set("cutoff", cutoff.isoformat())
    _delete_in_batches(
        ctx,
        "DELETE FROM hotlists_hotlistentry WHERE id IN (SELECT e.id FROM hotlists_hotlistentry e "  # noqa: S608
        "LEFT JOIN hotlists_hotlistversion v ON v.id = e.removed_in_id "
        "WHERE (e.expires_at < %s OR v.created_at < %s) "
        f"AND NOT ({referenced_sql(HotListEntry, 'e')}) ORDER BY e.id LIMIT %s)",  # names from the model meta
        [cutoff, cutoff],
    )
    return ctx.counts.get(ctx.step, {})


def register() -> None:
    from apps.retention.registry import KEEPS_REFERENCED, DataClass, data_class_register, read_keeper_register

    data_class_register(DataClass(
        key="hits", label="Hits", rule="R-RET-2", order=15,  # before the reads purge: a hit keeps its read
        period_days=lambda policy: policy.hit_retention_days, apply=hits_purge,
        held_check="hits of reads under a pending or active evidence hold are kept (R-RET-3)",
        purges=("hotlists.Hit",)))
    data_class_register(DataClass(
        key="hotlists.entries", label="Expired and removed hot-list entries", rule="R-RET-2", order=16,
        period_days=lambda policy: policy.hotlist_retention_days, apply=hot_list_entries_purge,
        held_check="entries a remaining hit names are kept until that hit goes",
        purges=("hotlists.HotListEntry",), references=KEEPS_REFERENCED))
    # Reads a hit refers to are not "non-hit" reads (the optional early purge, SB 274).
    read_keeper_register("hits", lambda alias: f"EXISTS (SELECT 1 FROM hotlists_hit x WHERE x.read_id = {alias}.id)")  # noqa: S608,E501
