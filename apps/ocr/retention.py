"""Retention of uploads (R-RET-2, R-RET-4): registered with apps.retention in ``ready()``.

An uploaded photo is read data like a camera's image: it lives as long as the read OCR made of it. The read's
``vehicle_image`` *is* the stored photo and its ``plate_crop`` the crop, so the reads purge removes both files with the
read. What this step removes, just before the reads purge (the OCR rows refer to the read and would otherwise keep it
forever):

- the OCR bookkeeping (photo row, candidates) and the alternates of reads the reads purge is about to take: archived
  more than ``archive_purge_days`` ago, not under a pending or active evidence hold (R-RET-3), named by no hit;
- photos that never became a read (refused, failed, no plate found), with their files, once the read retention plus
  archive period has passed since the upload;
- jobs left with no photos.

Batches of ``ctx.batch_size``, one transaction each, chosen by predicate: a killed run reruns to the same end state.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction

from apps.holds.selectors import read_held_sql


def _batches(ctx, select_sql: str, params: list, remove) -> int:
    """Select up to a batch of rows with ``select_sql`` (its last parameter is the limit), ``remove(rows)`` them in the
    same transaction, until a batch comes back short."""
    from apps.retention.engine import pending_files_drain

    total = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(select_sql, [*params, ctx.batch_size])
                rows = cursor.fetchall()
            if rows:
                remove(rows)
        total += len(rows)
        ctx.add("purged", len(rows))
        ctx.add("batches", 1)
        transaction.on_commit(pending_files_drain)
        ctx.batch_done(len(rows))
        if len(rows) < ctx.batch_size:
            return total


def ocr_uploads_purge(ctx, days: int) -> dict:
    from apps.ocr.models import OcrItem, OcrJob, ReadAlternate
    from apps.reads.archive import archived_before
    from apps.retention.models import PendingFileDeletion

    cutoff = ctx.as_of - timedelta(days=days)
    uploads_cutoff = cutoff - timedelta(days=ctx.policy.read_retention_days)
    ctx.set("cutoff", cutoff.isoformat())
    run_id = ctx.run.pk if ctx.run else None

    def remove_with_reads(rows):
        ReadAlternate.objects.filter(read_id__in=[read_id for _item, read_id in rows]).delete()
        OcrItem.objects.filter(pk__in=[item for item, _read_id in rows]).delete()

    archived, archived_params = archived_before(cutoff, "r")  # what the reads purge takes (R-RET-1, R-RET-2)
    _batches(ctx, "SELECT i.id, i.read_id FROM ocr_ocritem i JOIN reads_read r ON r.id = i.read_id "  # noqa: S608
             f"WHERE {archived} AND NOT {read_held_sql('r', as_of=ctx.as_of)} "
             "AND NOT EXISTS (SELECT 1 FROM hotlists_hit h WHERE h.read_id = r.id) ORDER BY i.id LIMIT %s",
             archived_params, remove_with_reads)

    def remove_without_reads(rows):
        PendingFileDeletion.objects.bulk_create([
            PendingFileDeletion(name=name, source="ocr.photo", enqueued_at=ctx.as_of, run_id=run_id)
            for _item, name in rows if name])
        OcrItem.objects.filter(pk__in=[item for item, _name in rows]).delete()

    _batches(ctx, "SELECT i.id, i.image FROM ocr_ocritem i WHERE i.read_id IS NULL AND i.queued_at < %s "
             "ORDER BY i.id LIMIT %s", [uploads_cutoff], remove_without_reads)
    _total, by_model = OcrJob.objects.filter(created_at__lt=uploads_cutoff, items__isnull=True).delete()
    ctx.add("jobs_removed", by_model.get(OcrJob._meta.label, 0))
    return ctx.counts.get(ctx.step, {})


def _read_alternate_model():
    from apps.ocr.models import ReadAlternate

    return ReadAlternate


def register() -> None:
    from apps.retention.registry import DataClass, data_class_register, read_part_register

    data_class_register(DataClass(
        key="ocr.uploads", label="Uploaded photos (OCR)", rule="R-RET-2", order=17,  # before the reads purge
        period_days=lambda policy: policy.archive_purge_days, apply=ocr_uploads_purge,
        held_check="photos of reads under a pending or active evidence hold are kept (R-RET-3)",
        purges=("ocr.ReadAlternate", "ocr.OcrItem", "ocr.OcrJob")))
    # The alternates are part of a read: they go with it when the reads purge takes it (R-RET-2).
    read_part_register("ocr.alternates", _read_alternate_model)
