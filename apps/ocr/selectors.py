"""Reads of imagery OCR: whose jobs a person may see, a job's progress, and OCR data quality (R-HOT-5).

A job and its photos (with the plates OCR read in them) are visible to the person who uploaded them only; anyone
else gets a 404. Supervisors and administrators see every job's bookkeeping (who, when, counts — no plates) and the
misread counts per engine version. Plates of uploaded reads reach anyone else only through the purpose-gated,
access-logged read search (R-READ-3).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.apps import apps
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.ocr.choices import ItemStatus, ReviewStatus
from apps.ocr.models import OcrItem, OcrJob, ReadAlternate


def ocr_job_list_visible_to(*, user) -> QuerySet[OcrJob]:
    """The jobs whose photos and results ``user`` may see: their own uploads (needs ``ocr.add_ocrjob``)."""
    if not user.is_authenticated or not user.has_perm("ocr.add_ocrjob"):
        return OcrJob.objects.none()
    return OcrJob.objects.filter(uploaded_by=user).select_related("camera")


def ocr_job_overview_for(*, user) -> QuerySet[OcrJob]:
    """Every job's bookkeeping for supervisors and administrators (``ocr.view_ocrjob``); nothing for others."""
    if not user.is_authenticated or not user.has_perm("ocr.view_ocrjob"):
        return OcrJob.objects.none()
    return OcrJob.objects.select_related("uploaded_by")


def ocr_job_detail_for(*, user, job_id: int) -> OcrJob:
    """One of ``user``'s jobs with its photos, their reads and alternates (OcrJob.DoesNotExist otherwise)."""
    items = OcrItem.objects.select_related("read").prefetch_related(
        Prefetch("read__alternates", queryset=ReadAlternate.objects.order_by("rank")),
        "read__corrections",
    ).order_by("position")
    return ocr_job_list_visible_to(user=user).prefetch_related(Prefetch("items", queryset=items)).get(pk=job_id)


def ocr_item_for(*, user, item_id: int) -> OcrItem:
    """One photo of ``user``'s own jobs (OcrItem.DoesNotExist otherwise)."""
    return OcrItem.objects.select_related("job", "read").get(
        pk=item_id, job__in=ocr_job_list_visible_to(user=user))


def ocr_job_progress(*, job: OcrJob) -> dict:
    """What the job page polls: status, progress, timings and each photo's state — never a plate, so that polling
    needs no purpose and writes no access-log row (R-AUD-1a); the plates are on the job page and in the API's job
    detail, which log."""
    items = list(job.items.select_related("read").order_by("position"))
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "photos": job.photo_count,
        "finished": job.finished_count,
        "done": job.done_count,
        "failed": job.failed_count,
        "reads": job.reads_count,
        "progress_percent": job.progress_percent,
        "error": job.error,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "duration_s": job.duration_seconds,
        # In the portal's time zone, as the page renders them (the browser's zone may differ).
        "started_label": f"{timezone.localtime(job.started_at):%H:%M:%S}" if job.started_at else "—",
        "finished_label": f"{timezone.localtime(job.finished_at):%H:%M:%S}" if job.finished_at else "—",
        "items": [
            {"id": item.pk, "position": item.position, "name": item.original_name, "status": item.status,
             "status_label": item.get_status_display(), "error": item.error, "attempts": item.attempts,
             "ocr_ms": item.ocr_ms, "read_id": item.read_id, "review_status": item.review_status}
            for item in items
        ],
    }


def ocr_quality_by_engine(*, since: datetime | None = None) -> list[dict]:
    """Misreads per OCR engine version (R-HOT-5), for data-quality reporting.

    Per engine version: photos read, plates found, plates the uploader reviewed (accepted or corrected), misreads
    found in review (reads from the engine's photos that carry a correction — in the OCR review or later on the
    read's page), and hot-list hits on those reads decided and marked misread (when the hot lists app is installed).
    """
    items = OcrItem.objects.filter(status=ItemStatus.DONE).exclude(engine_version="")
    if since is not None:
        items = items.filter(finished_at__gte=since)
    rows = {
        row["engine_version"]: {**row, "hits_decided": 0, "hits_misread": 0}
        for row in items.values("engine_version").annotate(
            photos=Count("id", distinct=True),
            plates=Count("id", filter=Q(read__isnull=False), distinct=True),
            reviewed=Count("id", filter=~Q(review_status=ReviewStatus.PENDING), distinct=True),
            corrected=Count("id", filter=Q(read__corrections__isnull=False), distinct=True),
        )
    }
    if apps.is_installed("apps.hotlists"):
        from apps.hotlists.choices import HitStatus
        from apps.hotlists.models import Hit

        hits = Hit.objects.filter(read__ocr_item__in=items).exclude(status=HitStatus.NEW)
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for engine_version, status in hits.values_list("read__ocr_item__engine_version", "status"):
            counts[engine_version][0] += 1
            counts[engine_version][1] += status == HitStatus.MISREAD
        for engine_version, (decided, misread) in counts.items():
            row = rows.get(engine_version)
            if row is not None:
                row["hits_decided"], row["hits_misread"] = decided, misread
    out = []
    for row in rows.values():
        row["misread_rate"] = round(100 * row["corrected"] / row["plates"], 1) if row["plates"] else 0.0
        out.append(row)
    return sorted(out, key=lambda row: row["engine_version"], reverse=True)
