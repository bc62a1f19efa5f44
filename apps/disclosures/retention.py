"""Retention of the copies of read data a release makes (R-RET-6), registered with apps.retention in ``ready()``.

- **Released reads** (``ReleasedRead``: plate, time, camera, place copied at release) are deleted
  ``release_copy_retention_days`` after the request was released, through the one path the append-only trigger lets
  through (``SET LOCAL alprportal.released_read_purge``).
- **Release package files** (the zip of reads and images) are deleted as long after the package was built; the package
  row stays, marked expired, with its manifest (count and SHA-256s), beside the request and its authorization
  (R-SHR-7 keeps those records).

Both run in batches chosen by predicate, each batch one transaction (idempotent, resumable).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection


def released_reads_purge(ctx, days: int) -> dict:
    """R-RET-6: delete the released-read copies of requests released more than ``days`` before the run."""
    from apps.disclosures.models import RELEASED_READ_PURGE_SETTING, ReleasedRead
    from apps.retention.engine import batches_until_short, referenced_sql

    cutoff = ctx.as_of - timedelta(days=days)
    ctx.set("cutoff", cutoff.isoformat())
    referenced = referenced_sql(ReleasedRead, "rr")

    def work() -> int:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, 'on', true)", [RELEASED_READ_PURGE_SETTING])
            cursor.execute(
                "DELETE FROM disclosures_releasedread WHERE id IN (SELECT rr.id FROM disclosures_releasedread rr "  # noqa: S608 - fixed SQL
                "JOIN disclosures_disclosurerequest d ON d.id = rr.request_id "
                f"WHERE d.released_at < %s AND NOT ({referenced}) ORDER BY rr.id LIMIT %s)",
                [cutoff, ctx.batch_size])
            count = max(cursor.rowcount, 0)
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, '', true)", [RELEASED_READ_PURGE_SETTING])
        return count

    batches_until_short(ctx, work)
    return ctx.counts.get(ctx.step, {})


def release_package_files_purge(ctx, days: int) -> dict:
    """R-RET-6: delete the files of release packages built more than ``days`` before the run; the rows stay."""
    from apps.disclosures.choices import PackageStatus
    from apps.disclosures.models import ReleasePackage
    from apps.retention.engine import file_rows_expire

    cutoff = ctx.as_of - timedelta(days=days)
    ctx.set("cutoff", cutoff.isoformat())
    file_rows_expire(ctx, ReleasePackage.objects.filter(status=PackageStatus.SUCCEEDED, finished_at__lt=cutoff),
                     source="disclosures.release_package", expired_status=PackageStatus.EXPIRED)
    return ctx.counts.get(ctx.step, {})


def disclosures_due(ctx, days: int) -> dict:
    """R-SHR-7 is a minimum: disclosure records older than ``days`` since their last activity are counted for the
    custodian (their append-only tables have no purge path); nothing is deleted automatically."""
    from django.db.models.functions import Coalesce, Greatest

    from apps.disclosures.models import DisclosureRequest

    cutoff = ctx.as_of - timedelta(days=days)
    last = Greatest("submitted_at", Coalesce("decided_at", "submitted_at"), Coalesce("released_at", "submitted_at"))
    ctx.set("cutoff", cutoff.isoformat())
    ctx.set("due", DisclosureRequest.objects.annotate(last_activity=last).filter(last_activity__lt=cutoff).count())
    ctx.set("purged", 0)
    return ctx.counts.get(ctx.step, {})


def register() -> None:
    from apps.retention.registry import KEEPS_REFERENCED, DataClass, data_class_register

    data_class_register(DataClass(
        key="disclosures.released_reads", label="Released reads (copies in a disclosure)", rule="R-RET-6", order=72,
        period_days=lambda policy: policy.release_copy_retention_days, apply=released_reads_purge,
        held_check="counted from the release; the request, its authorization and the manifest are kept (R-SHR-7)",
        purges=("disclosures.ReleasedRead",), references=KEEPS_REFERENCED))
    data_class_register(DataClass(
        key="disclosures.release_packages", label="Release package files", rule="R-RET-6", order=73,
        period_days=lambda policy: policy.release_copy_retention_days, apply=release_package_files_purge,
        held_check="only the file; the package row (manifest, SHA-256) stays, marked expired"))
    data_class_register(DataClass(
        key="disclosures", label="Disclosure records", rule="R-SHR-7", order=70,
        period_days=lambda policy: policy.disclosure_record_retention_days, apply=disclosures_due,
        held_check="a minimum period: records past it are counted for the custodian, never deleted automatically"))
