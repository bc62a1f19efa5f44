"""The OCR of one photo: claim, read the plate, store the read through the reads ingest service, and count the
finished item on its job."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.services import event_record
from apps.common.jobs import job_claim, job_mark_failed
from apps.ocr.choices import ITEM_FINISHED, ItemStatus, JobStatus
from apps.ocr.engine import ImageRejected, decode_image, get_engine
from apps.ocr.models import OcrItem, OcrJob, ReadAlternate
from apps.ocr.services.machine import ocr_item_move, ocr_job_move
from apps.ocr.services.uploads import JOB_ALL_FAILED, PHOTO_REJECTED
from apps.reads.choices import ItemStatus as IngestItemStatus
from apps.reads.images import ValidImage, image_delete_quietly, image_store
from apps.reads.models import PLATE_MAX_LENGTH
from apps.reads.selectors import reads_by_keys
from apps.reads.services.ingest import read_batch_ingest

PHOTO_MISSING = "The stored photo is missing; upload it again."
OCR_CRASHED = "OCR failed unexpectedly ({error}); the photo is kept, upload it again or ask an administrator."
NO_PLATE_FOUND = "No plate was found in this photo."
# No plate text in this message: it is also in the job's status JSON, which is not a plate-access-logged page.
NO_PLATE_READ = ("No plate read: OCR abstained rather than guess, because its best reading is {why}. "
                 "Its candidates are listed for you to check against the photo; none of them is stored as a read.")
OCR_GAVE_UP = ("OCR was started {attempts} times on this photo and never finished (the worker stopped each time); "
               "the photo is kept, ask an administrator.")

OCR_MAX_ATTEMPTS = 3
CROP_MARGIN = 0.15


def ocr_engine():
    """The configured engine (``PORTAL["OCR_ENGINE"]``), models loaded once per process (``get_engine`` caches)."""
    return get_engine(settings.PORTAL["OCR_ENGINE"])


def _job_item_finished(*, job_id: int, status: str, read_created: bool) -> OcrJob:
    """Count one finished photo on its job (row lock: photos of one job may finish in parallel workers); finish
    the job when it was the last: done if any photo was read, failed (with the first reason) if none."""
    job = OcrJob.objects.select_for_update().get(pk=job_id)
    if status == ItemStatus.DONE:
        job.done_count += 1
        job.reads_count += int(read_created)
    else:
        job.failed_count += 1
    fields = ["done_count", "failed_count", "reads_count"]
    if job.finished_count >= job.photo_count and not job.is_finished:
        old = job.status
        job.finished_at = timezone.now()
        if job.done_count:
            ocr_job_move(job, JobStatus.DONE)
        else:
            ocr_job_move(job, JobStatus.FAILED)
            first = job.items.filter(status=ItemStatus.FAILED).order_by("position").first()
            job.error = JOB_ALL_FAILED.format(count=job.photo_count, reason=first.error if first else "")
        fields += ["status", "finished_at", "error"]
        event_record(actor=None, code=f"alprportal.ocr.job.{job.status}", target=job,
                     data={"old": old, "new": job.status, "done": job.done_count, "failed": job.failed_count,
                           "reads": job.reads_count})
    job.full_clean()
    job.save(update_fields=fields)
    return job


def _item_start(item_id: int) -> OcrItem | None:
    """Claim one photo for this run (None: nothing to do). The row lock makes a finished photo a no-op for every
    later run, and gives up on a photo started ``OCR_MAX_ATTEMPTS`` times (it keeps killing its worker)."""
    with transaction.atomic():
        item = _item_claim(item_id)
    return None if item is None or item.is_finished else item


def _item_claim(item_id: int) -> OcrItem | None:
    item = OcrItem.objects.select_for_update(of=("self",)).get(pk=item_id)
    if item.is_finished:
        return None
    if item.attempts >= OCR_MAX_ATTEMPTS:
        return ocr_item_fail(item_id=item.pk, reason=OCR_GAVE_UP.format(attempts=item.attempts))
    # Resumed: a photo rerun after its worker died (or sent again by ocr_items_recover) takes over its processing.
    item = job_claim(model=OcrItem, job_id=item_id, resumed=True, queryset=OcrItem.objects.select_related("job"))
    job = OcrJob.objects.select_for_update().get(pk=item.job_id)
    if job.status == JobStatus.QUEUED:
        ocr_job_move(job, JobStatus.PROCESSING)
        job.started_at = item.started_at
        job.save(update_fields=["status", "started_at"])
    item.job = job
    return item


def ocr_item_fail(*, item_id: int, reason: str) -> OcrItem:
    """Fail one photo with a reason a person can act on; a finished photo is left as it is (no-op)."""
    return job_mark_failed(model=OcrItem, job_id=item_id, error=reason)


def ocr_item_failed(item: OcrItem, *, old_status: str, actor=None) -> None:
    """``JOB_ON_FAILED`` of a photo (``job_mark_failed``): the event, and the photo counts as finished on its job."""
    event_record(actor=None, code="alprportal.ocr.item.failed", target=item.job,
                 data={"item": item.pk, "old": old_status, "new": item.status, "reason": item.error})
    _job_item_finished(job_id=item.job_id, status=ItemStatus.FAILED, read_created=False)


def _crop_jpeg(image, box) -> bytes | None:
    import cv2

    x, y, w, h = (int(v) for v in box)
    if w <= 0 or h <= 0:
        return None
    mx, my = int(w * CROP_MARGIN), int(h * CROP_MARGIN * 2)
    height, width = image.shape[:2]
    crop = image[max(0, y - my):min(height, y + h + my), max(0, x - mx):min(width, x + w + mx)]
    if crop.size == 0:
        return None
    ok, buffer = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return buffer.tobytes() if ok else None


def _plate_like(text: str) -> bool:
    return 1 <= len(text) <= PLATE_MAX_LENGTH and text.isascii() and text.isalnum()


def timestamp_noise(text: str) -> bool:
    """True for what a camera's date/time overlay reads as (20261205, 143302, 05122026, 1205143302): all digits that
    make a valid date or time of day. Such text is never offered as an alternate plate (issue #17)."""
    from datetime import datetime

    if not text.isdigit() or len(text) not in (6, 8, 10, 12, 14):
        return False
    patterns = {6: ("%H%M%S", "%y%m%d"), 8: ("%Y%m%d", "%m%d%Y", "%d%m%Y"), 10: ("%m%d%H%M%S",),
                12: ("%y%m%d%H%M%S", "%Y%m%d%H%M"), 14: ("%Y%m%d%H%M%S",)}
    for pattern in patterns[len(text)]:
        try:
            datetime.strptime(text, pattern)
        except ValueError:
            continue
        return True
    return False


def ocr_item_process(*, item_id: int) -> OcrItem:
    """Read the plates in one stored photo and store the best as a read, the others as its alternates.

    Idempotent (see the module docstring): a finished photo is returned unchanged; a rerun after a crash finds the
    read it stored before. An unreadable photo fails its own item with the reason and never stops the others.
    Unexpected errors propagate (the task retries, then fails the item with ``OCR_CRASHED``).
    """
    item = _item_start(item_id)
    if item is None:
        return OcrItem.objects.get(pk=item_id)
    started = time.perf_counter()
    try:
        with item.image.open("rb") as file:
            content = file.read()
    except (FileNotFoundError, OSError, ValueError):
        return ocr_item_fail(item_id=item_id, reason=PHOTO_MISSING)
    try:
        image = decode_image(content, max_bytes=settings.PORTAL["OCR_UPLOAD_MAX_BYTES"],
                             max_pixels=settings.PORTAL["OCR_UPLOAD_MAX_PIXELS"])
    except ImageRejected as exc:
        return ocr_item_fail(item_id=item_id, reason=PHOTO_REJECTED.format(name=item.original_name,
                                                                            reason=exc.reason))
    engine = ocr_engine()
    candidates = engine.read_plates(image)
    # Only a candidate the engine states as the plate becomes a read: when it abstains (no plausible candidate, or
    # the best one too uncertain) the photo is "no plate read" and its candidates stay on the item for the
    # reviewer (issue #16: a confident wrong plate sends an officer after the wrong car; R-READ-1).
    chosen = 0 if candidates and getattr(candidates[0], "accepted", False) and _plate_like(candidates[0].text) \
        else None
    crop_name = ""
    if chosen is not None:
        crop = _crop_jpeg(image, candidates[chosen].box)
        if crop:
            crop_name = image_store(ValidImage(content=crop, extension="jpg"), camera_id=item.job.camera_id,
                                    kind="plate_crop", incoming=True)
    ocr_ms = int((time.perf_counter() - started) * 1000)
    try:
        return _item_finish(item_id=item_id, candidates=candidates, chosen=chosen, crop_name=crop_name,
                            engine_version=engine.version, ocr_ms=ocr_ms)
    except BaseException:
        image_delete_quietly([crop_name])
        raise


@transaction.atomic
def _item_finish(*, item_id, candidates, chosen, crop_name, engine_version, ocr_ms) -> OcrItem:
    item = OcrItem.objects.select_for_update(of=("self",)).select_related("job__camera").get(pk=item_id)
    if item.status in ITEM_FINISHED:  # another run finished it meanwhile
        image_delete_quietly([crop_name])
        return item
    job = item.job
    item.candidates = [cand.as_dict() for cand in candidates]
    item.engine_version = engine_version
    item.ocr_ms = ocr_ms
    read_created = False
    if chosen is not None:
        best = candidates[chosen]
        payload = {
            "read_id": item.source_read_id,
            "plate": best.text,
            "captured_at": (job.captured_at or job.created_at).isoformat(),
            "confidence": round(100 * float(best.confidence), 2),
            "metadata": {"engine": engine_version, "ocr_job": job.pk, "ocr_item": item.pk,
                         "box": [int(v) for v in best.box], "case_number": job.case_number},
            "vehicle_image_ref": item.image.name,
        }
        if job.latitude is not None:
            payload.update(latitude=job.latitude, longitude=job.longitude)
        if crop_name:
            payload["plate_crop_ref"] = crop_name
        result = read_batch_ingest(camera=job.camera, items=[payload]).results[0]
        if result.status == IngestItemStatus.REJECTED:
            image_delete_quietly([crop_name])
            item.save(update_fields=["candidates", "engine_version", "ocr_ms"])
            return ocr_item_fail(item_id=item.pk, reason=result.message)
        if result.status == IngestItemStatus.DUPLICATE:
            # A previous run stored this read and died before marking the photo done: keep that read.
            image_delete_quietly([crop_name])
            if result.id is None:  # by key through the key table: one read's month, not every month (issue #19)
                result.id = reads_by_keys(camera_id=job.camera_id, keys=[item.source_read_id], fields=("id",))[0].pk
        read_created = result.status == IngestItemStatus.STORED
        item.read_id = result.id
        ReadAlternate.objects.bulk_create(
            [ReadAlternate(read_id=result.id, text=cand.text, confidence=min(1.0, max(0.0, float(cand.confidence))),
                           box=[int(v) for v in cand.box], rank=rank, engine_version=engine_version)
             for rank, cand in enumerate(candidates, start=1)
             if rank - 1 != chosen and cand.text and cand.text.isascii() and cand.text.isalnum()
             and len(cand.text) <= 32 and not timestamp_noise(cand.text)],
            ignore_conflicts=True,
        )
    elif candidates:
        top = candidates[0]
        item.error = NO_PLATE_READ.format(why=getattr(top, "note", "") or "not a plausible plate")
    else:
        item.error = NO_PLATE_FOUND
    old = item.status
    ocr_item_move(item, ItemStatus.DONE)
    item.finished_at = timezone.now()
    item.save(update_fields=["candidates", "engine_version", "ocr_ms", "read", "status", "error", "finished_at"])
    event_record(actor=None, code="alprportal.ocr.item.done", target=job,
                 data={"item": item.pk, "old": old, "new": item.status, "read": item.read_id,
                       "plate": candidates[chosen].text if chosen is not None else None,
                       "abstained": chosen is None and bool(candidates),
                       "candidates": len(candidates), "engine": engine_version})
    _job_item_finished(job_id=job.pk, status=ItemStatus.DONE, read_created=read_created)
    return item
