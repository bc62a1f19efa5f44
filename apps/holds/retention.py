"""Retention of the copies of read data that holds keep (R-RET-6), registered with apps.retention in ``ready()``.

- **Held-read lists** (``HeldRead``: plate, time and camera copied when the hold was requested) of a hold that ended
  — released, or denied by the supervisor or the custodian — are deleted ``held_read_list_retention_days`` after it
  ended. The hold itself (case, ground, reason, decisions, read count) stays.
- **Evidence package files** are deleted ``evidence_export_retention_days`` after they were built (the booked copy is
  on portable media in the evidence room, under its booking item number); the export row stays, marked expired.

Batches chosen by predicate, one transaction each (idempotent, resumable).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection


def held_read_lists_purge(ctx, days: int) -> dict:
    """R-RET-6: delete the held-read rows of holds that ended more than ``days`` before the run."""
    from apps.holds.choices import HoldStatus
    from apps.holds.models import HeldRead
    from apps.retention.engine import batches_until_short, referenced_sql

    cutoff = ctx.as_of - timedelta(days=days)
    ctx.set("cutoff", cutoff.isoformat())
    referenced = referenced_sql(HeldRead, "hr")

    def work() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM holds_heldread WHERE id IN (SELECT hr.id FROM holds_heldread hr "  # noqa: S608 - fixed SQL
                "JOIN holds_evidencehold h ON h.id = hr.hold_id "
                "WHERE ((h.status = %s AND h.released_at < %s) OR (h.status = %s AND "
                "COALESCE(h.verified_at, h.decided_at) < %s)) "
                f"AND NOT ({referenced}) ORDER BY hr.id LIMIT %s)",
                [HoldStatus.RELEASED, cutoff, HoldStatus.DENIED, cutoff, ctx.batch_size])
            return max(cursor.rowcount, 0)

    batches_until_short(ctx, work)
    return ctx.counts.get(ctx.step, {})


def evidence_export_files_purge(ctx, days: int) -> dict:
    """R-RET-6: delete the files of evidence packages built more than ``days`` before the run; the rows stay."""
    from apps.holds.choices import ExportStatus
    from apps.holds.models import EvidenceExport
    from apps.retention.engine import file_rows_expire

    cutoff = ctx.as_of - timedelta(days=days)
    ctx.set("cutoff", cutoff.isoformat())
    file_rows_expire(ctx, EvidenceExport.objects.filter(status=ExportStatus.SUCCEEDED, finished_at__lt=cutoff),
                     source="holds.evidence_export", expired_status=ExportStatus.EXPIRED)
    return ctx.counts.get(ctx.step, {})


def register() -> None:
    from apps.holds.selectors import read_held_sql
    from apps.retention.registry import KEEPS_REFERENCED, DataClass, data_class_register, read_holder_register

    # Reads under a pending or active hold are skipped by every purge (R-RET-3).
    read_holder_register("holds.evidence_holds", read_held_sql)

    data_class_register(DataClass(
        key="holds.held_read_lists", label="Held-read lists of ended holds", rule="R-RET-6", order=74,
        period_days=lambda policy: policy.held_read_list_retention_days, apply=held_read_lists_purge,
        held_check="only holds released or denied that long ago; pending and active holds keep their lists",
        purges=("holds.HeldRead",), references=KEEPS_REFERENCED))
    data_class_register(DataClass(
        key="holds.evidence_exports", label="Evidence package files", rule="R-RET-6", order=75,
        period_days=lambda policy: policy.evidence_export_retention_days, apply=evidence_export_files_purge,
        held_check="only the file; the export row (SHA-256, read count) stays, marked expired"))
