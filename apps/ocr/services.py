"""Writes of imagery OCR (issue #4): upload jobs, the OCR of one photo, and the uploader's review.

Flow. ``ocr_job_create`` validates every photo by really decoding it (``decode_image``: byte and pixel limits,
header dimensions checked before decoding, so a decompression bomb never allocates), stores the good ones through
Django's storage API, and records the refused ones as failed items with the reason — all before the transaction
commits; the OCR tasks are enqueued only after commit, so a task never looks for a photo that is not stored.

``ocr_item_process`` is what the task calls for one photo. It is idempotent and safe to rerun after a worker died
mid-photo (tasks acknowledge late): a finished item is a no-op; the read's key on the upload camera is the item's
id (``ocr-item-<id>``), so a rerun after the read was stored finds it (``duplicate``) instead of adding another; and
the read, its alternates, the item's result and the job's counters are written in one transaction under row locks
(item, then job, everywhere), so two runs of one photo at the same time store one read and count it once. A photo
started ``OCR_MAX_ATTEMPTS`` times without finishing (it kills its worker every time) is failed, not retried forever.

Faults. If the broker is down when an upload commits, its photos stay ``queued``; a worker killed mid-photo leaves
it ``processing``. ``ocr_items_recover`` (every few minutes on beat, and when an OCR worker starts) queues both
kinds again once they are older than their thresholds, so every stored photo is read in the end (R-READ-1).

Reads are stored through the reads ingest service (``read_batch_ingest``), the same code path as camera reads, so
validation, out-of-service flagging and hot-list matching (R-HOT-3) apply to uploaded photos too.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.services import event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.common.jobs import job_claim, job_mark_failed, jobs_resend
from apps.ocr.choices import (
    ITEM_FINISHED,
    ITEM_TRANSITIONS,
    JOB_TRANSITIONS,
    REVIEW_TRANSITIONS,
    ItemStatus,
    JobStatus,
    ReviewStatus,
)
from apps.ocr.engine import ImageRejected, decode_image, get_engine
from apps.ocr.models import OcrItem, OcrJob, ReadAlternate
from apps.reads.choices import CameraKind, CameraStatus
from apps.reads.choices import ItemStatus as IngestItemStatus
from apps.reads.images import ValidImage, image_delete_quietly, image_store, incoming_prefix
from apps.reads.models import PLATE_MAX_LENGTH, Camera
from apps.reads.services.cameras import camera_create
from apps.reads.services.corrections import read_correct
from apps.reads.services.ingest import read_batch_ingest

logger = logging.getLogger("alprportal.ocr")

UPLOAD_NOT_ALLOWED = "You may not upload photos for OCR."
UPLOAD_NO_PHOTOS = "Choose at least one JPEG or PNG photo."
UPLOAD_TOO_MANY = "An upload may hold at most {limit} photos; you chose {count}. Split it."
UPLOAD_NO_AGENCY = "Your account belongs to no agency, so the photos have no upload source; ask an administrator."
UPLOAD_LOCATION_INCOMPLETE = "Latitude and longitude go together: give both or neither."
UPLOAD_TIME_IN_FUTURE = "The time the photos were taken cannot be in the future."
PHOTO_REJECTED = "“{name}” was refused: {reason}."
PHOTO_TOO_LARGE = "file is {size:.1f} MB; the limit is {limit:.1f} MB"
PHOTO_MISSING = "The stored photo is missing; upload it again."
JOB_ALL_FAILED = "None of the {count} photos could be read. First problem: {reason}"
OCR_CRASHED = "OCR failed unexpectedly ({error}); the photo is kept, upload it again or ask an administrator."
NO_PLATE_FOUND = "No plate was found in this photo."
# No plate text in this message: it is also in the job's status JSON, which is not a plate-access-logged page.
NO_PLATE_READ = ("No plate read: OCR abstained rather than guess, because its best reading is {why}. "
                 "Its candidates are listed for you to check against the photo; none of them is stored as a read.")
REVIEW_NOT_YOURS = "Only the person who uploaded the photo reviews it."
REVIEW_NOTHING_TO_REVIEW = "This photo has no plate to review (no read was made from it)."
REVIEW_ILLEGAL = "This photo's plate is already {state}."
STATUS_ILLEGAL = "An OCR {what} cannot go from {old} to {new}."
OCR_GAVE_UP = ("OCR was started {attempts} times on this photo and never finished (the worker stopped each time); "
               "the photo is kept, ask an administrator.")

OCR_MAX_ATTEMPTS = 3
OCR_RECOVER_LIMIT = 500  # photos queued again per sweep; the next sweep takes the rest

UPLOAD_CAMERA_NAME = "Photo uploads"
UPLOAD_CAMERA_COMMISSIONED = datetime(2000, 1, 1, tzinfo=UTC)  # witnesses' photos may be years old
CROP_MARGIN = 0.15


@dataclass(frozen=True)
class UploadedPhoto:
    """A photo as the edge received it (a Django UploadedFile has the same two attributes)."""

    name: str
    content: bytes


def ocr_engine():
    """The configured engine (``PORTAL["OCR_ENGINE"]``), models loaded once per process (``get_engine`` caches)."""
    return get_engine(settings.PORTAL["OCR_ENGINE"])


def ocr_upload_camera_for(*, actor, agency) -> Camera:
    """The agency's upload-source camera: the first in-service ``upload`` camera, created when there is none
    (commissioned long ago, since a witness's photo may predate the portal)."""
    camera = (Camera.objects.filter(agency=agency, kind=CameraKind.UPLOAD, status=CameraStatus.IN_SERVICE)
              .order_by("id").first())
    if camera is not None:
        return camera
    name = UPLOAD_CAMERA_NAME
    if Camera.objects.filter(agency=agency, name=name).exists():
        name = f"{UPLOAD_CAMERA_NAME} ({timezone.now():%Y-%m-%d %H%M})"
    return camera_create(actor=actor, name=name, kind=CameraKind.UPLOAD, agency=agency,
                         commissioned_at=UPLOAD_CAMERA_COMMISSIONED,
                         location_description="Photos uploaded for OCR (officers, investigators)")


def _agency_of(actor):
    if getattr(actor, "agency_id", None):
        return actor.agency
    from apps.agencies.models import Agency

    agency = Agency.objects.filter(is_deploying_agency=True).first()
    if agency is None:
        raise ApplicationError(UPLOAD_NO_AGENCY, code="upload_no_agency")
    return agency


def _read_upload(upload) -> tuple[str, bytes | None, int]:
    """(name, content or None when it is over the byte limit, size) without reading an oversized file."""
    name = (getattr(upload, "name", "") or "photo").rsplit("/", 1)[-1][:200]
    limit = settings.PORTAL["OCR_UPLOAD_MAX_BYTES"]
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        return name, None, size
    content = upload.content if isinstance(upload, UploadedPhoto) else upload.read()
    return name, content, len(content)


def _job_move(job: OcrJob, new: str) -> None:
    if new not in JOB_TRANSITIONS[job.status]:
        raise ApplicationError(STATUS_ILLEGAL.format(what="job", old=job.status, new=new), code="status_illegal")
    job.status = new


def _item_move(item: OcrItem, new: str) -> None:
    if new not in ITEM_TRANSITIONS[item.status]:
        raise ApplicationError(STATUS_ILLEGAL.format(what="photo", old=item.status, new=new), code="status_illegal")
    item.status = new


def ocr_job_create(
    *, actor, photos: list, case_number: str = "", captured_at: datetime | None = None,
    latitude: float | None = None, longitude: float | None = None, note: str = "", enqueue: bool = True,
) -> OcrJob:
    """Upload ``photos`` (JPEG/PNG) for OCR with optional context; return the job (R-READ-1).

    Every photo is decoded now, within ``OCR_UPLOAD_MAX_BYTES`` / ``OCR_UPLOAD_MAX_PIXELS``: a refused one (empty,
    not an image, corrupt, too large, a decompression bomb) becomes a failed item with the reason and is not stored;
    the others are stored and queued. A job whose photos were all refused is failed at once. Raises
    PermissionDeniedError without ``ocr.add_ocrjob``, ApplicationError for an empty or oversized upload or bad
    context. The OCR tasks are enqueued after commit (``enqueue=False``: the caller runs ``ocr_item_process``).
    """
    if not actor.has_perm("ocr.add_ocrjob"):
        raise PermissionDeniedError(UPLOAD_NOT_ALLOWED, code="upload_not_allowed")
    limit = settings.PORTAL["OCR_UPLOAD_MAX_PHOTOS"]
    if not photos:
        raise ApplicationError(UPLOAD_NO_PHOTOS, code="upload_no_photos")
    if len(photos) > limit:
        raise ApplicationError(UPLOAD_TOO_MANY.format(limit=limit, count=len(photos)), code="upload_too_many")
    if (latitude is None) != (longitude is None):
        raise ApplicationError(UPLOAD_LOCATION_INCOMPLETE, code="location_incomplete")
    if captured_at is not None and captured_at > timezone.now() + timedelta(
            seconds=settings.PORTAL["READ_CLOCK_SKEW_SECONDS"]):
        raise ApplicationError(UPLOAD_TIME_IN_FUTURE, code="time_in_future")
    engine_name = settings.PORTAL["OCR_ENGINE"]
    max_bytes, max_pixels = settings.PORTAL["OCR_UPLOAD_MAX_BYTES"], settings.PORTAL["OCR_UPLOAD_MAX_PIXELS"]
    agency = _agency_of(actor)

    stored: list[str] = []
    try:
        with transaction.atomic():
            camera = ocr_upload_camera_for(actor=actor, agency=agency)
            job = OcrJob(uploaded_by=actor, camera=camera, case_number=(case_number or "").strip()[:64],
                         captured_at=captured_at, latitude=latitude, longitude=longitude,
                         note=(note or "").strip()[:500], engine_name=engine_name, photo_count=len(photos))
            job.full_clean()
            job.save()
            items = []
            for position, upload in enumerate(photos, start=1):
                name, content, size = _read_upload(upload)
                item = OcrItem(job=job, position=position, original_name=name, size_bytes=size)
                try:
                    if content is None:  # never read into memory: the size alone refuses it
                        raise ImageRejected(PHOTO_TOO_LARGE.format(size=size / 1048576, limit=max_bytes / 1048576))
                    image = decode_image(content, max_bytes=max_bytes, max_pixels=max_pixels)
                except ImageRejected as exc:
                    item.status = ItemStatus.FAILED
                    item.error = PHOTO_REJECTED.format(name=name, reason=exc.reason)
                    item.finished_at = timezone.now()
                else:
                    item.height, item.width = (int(v) for v in image.shape[:2])
                    extension = "png" if content.startswith(b"\x89PNG") else "jpg"
                    # Under the upload camera's incoming prefix: the read references the very same stored file.
                    path = f"{incoming_prefix(camera.pk)}ocr-{uuid.uuid4().hex}.{extension}"
                    item.image.name = default_storage.save(path, ContentFile(content))
                    stored.append(item.image.name)
                item.full_clean(exclude=["job", "read"])
                items.append(item)
            OcrItem.objects.bulk_create(items)
            refused = [item for item in items if item.status == ItemStatus.FAILED]
            job.failed_count = len(refused)
            if len(refused) == len(items):
                _job_move(job, JobStatus.FAILED)
                job.error = JOB_ALL_FAILED.format(count=len(items), reason=refused[0].error)
                job.finished_at = timezone.now()
            job.save(update_fields=["failed_count", "status", "error", "finished_at"])
            event_record(actor=actor, code="alprportal.ocr.job.created", target=job,
                         data={"photos": len(items), "refused": [item.error for item in refused],
                               "case_number": job.case_number, "engine": engine_name})
            queued = [item.pk for item in items if item.status == ItemStatus.QUEUED]
            if enqueue:
                transaction.on_commit(lambda: ocr_items_enqueue(item_ids=queued))
    except BaseException:
        image_delete_quietly(stored)
        raise
    return job


def ocr_items_enqueue(*, item_ids) -> int:
    """Queue the OCR of stored photos on the OCR queue (``PORTAL["OCR_QUEUE"]``); returns how many were queued.
    Call after commit. Never raises: when the broker cannot be reached the photos are stored and their items stay
    ``queued``, and ``ocr_items_recover`` queues them once it is back. The first failure stops the loop, so an
    upload of 20 photos does not wait 20 times for a broker that is down."""
    from apps.ocr.tasks import ocr_item_process_task

    item_ids = list(item_ids)
    for sent, item_id in enumerate(item_ids):
        try:
            ocr_item_process_task.apply_async(kwargs={"item_id": item_id}, queue=settings.PORTAL["OCR_QUEUE"])
        except Exception:  # the photo is stored and its item stays queued: requeueing it later loses nothing
            logger.exception("Could not queue the OCR of photo %s; %s photo(s) stay queued until ocr_items_recover "
                             "queues them again.", item_id, len(item_ids) - sent)
            return sent
    return len(item_ids)


def ocr_items_recover(*, queued_for: timedelta | None = None, processing_for: timedelta | None = None,
                      limit: int = OCR_RECOVER_LIMIT) -> list[int]:
    """Queue again the photos no task will read (R-READ-1: every stored photo is read); return their ids.

    Stranded are photos ``queued`` for longer than ``queued_for`` (default ``PORTAL["OCR_RECOVER_QUEUED_SECONDS"]``:
    the broker was down when their upload committed, or their message was lost) and photos ``processing`` whose
    start is older than ``processing_for`` (default ``PORTAL["OCR_RECOVER_PROCESSING_SECONDS"]``, well past the
    task's time limit: the worker died mid-photo). Oldest first, at most ``limit`` per call.

    Safe at any time and from several places at once (beat, each OCR worker's start): ``ocr_item_process`` is
    idempotent, so a photo whose message was only slow is read once and the extra message is a no-op. Never
    raises for a broker outage (the photos stay as they are; the next sweep tries again).
    """
    queued_for = queued_for if queued_for is not None else timedelta(
        seconds=settings.PORTAL["OCR_RECOVER_QUEUED_SECONDS"])
    processing_for = processing_for if processing_for is not None else timedelta(
        seconds=settings.PORTAL["OCR_RECOVER_PROCESSING_SECONDS"])
    return jobs_resend(model=OcrItem, queued_for=queued_for, running_for=processing_for, where=~Q(image=""),
                       limit=limit, send=lambda items: ocr_items_enqueue(item_ids=[item.pk for item in items]))


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
            _job_move(job, JobStatus.DONE)
        else:
            _job_move(job, JobStatus.FAILED)
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
        _job_move(job, JobStatus.PROCESSING)
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
            result.id = result.id or job.camera.reads.get(source_read_id=item.source_read_id).pk
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
    _item_move(item, ItemStatus.DONE)
    item.finished_at = timezone.now()
    item.save(update_fields=["candidates", "engine_version", "ocr_ms", "read", "status", "error", "finished_at"])
    event_record(actor=None, code="alprportal.ocr.item.done", target=job,
                 data={"item": item.pk, "old": old, "new": item.status, "read": item.read_id,
                       "plate": candidates[chosen].text if chosen is not None else None,
                       "abstained": chosen is None and bool(candidates),
                       "candidates": len(candidates), "engine": engine_version})
    _job_item_finished(job_id=job.pk, status=ItemStatus.DONE, read_created=read_created)
    return item


def _review_target(*, actor, item: OcrItem, new: str) -> OcrItem:
    item = row_lock(item, related=("job", "read"))
    if item.job.uploaded_by_id != actor.pk:
        raise PermissionDeniedError(REVIEW_NOT_YOURS, code="review_not_yours")
    if item.read_id is None:
        raise ApplicationError(REVIEW_NOTHING_TO_REVIEW, code="nothing_to_review")
    transition_check(item, new, **_REVIEW_MACHINE)
    return item


# The uploader's review of a photo's plate, for apps.audit.transitions (its events are filed under the job).
_REVIEW_MACHINE = {
    "transitions": REVIEW_TRANSITIONS, "field": "review_status",
    "refuse": lambda item, _new: ApplicationError(REVIEW_ILLEGAL.format(
        state=item.get_review_status_display().lower()), code="review_illegal"),
}


@transaction.atomic
def ocr_item_accept(*, actor, item: OcrItem) -> OcrItem:
    """The uploader confirms the plate OCR chose (pending → accepted). Only the uploader; only a photo with a read."""
    item = _review_target(actor=actor, item=item, new=ReviewStatus.ACCEPTED)
    transition_apply(item, ReviewStatus.ACCEPTED, actor=actor, event_code="alprportal.ocr.item.accepted",
                     changes={"reviewed_by": actor, "reviewed_at": timezone.now()}, event_target=item.job,
                     data={"item": item.pk, "read": item.read_id, "plate": item.read.plate_current},
                     **_REVIEW_MACHINE)
    return item


@transaction.atomic
def ocr_item_correct(*, actor, item: OcrItem, corrected_plate: str, reason: str) -> OcrItem:
    """The uploader fixes a misread (pending/accepted → corrected) through the reads correction service: a
    correction record, never an edit of the original read (R-READ-2). Counted as a misread of the item's engine
    version (R-HOT-5). Raises what ``read_correct`` raises (no permission, no reason, same plate)."""
    item = _review_target(actor=actor, item=item, new=ReviewStatus.CORRECTED)
    correction = read_correct(actor=actor, read=item.read, corrected_plate=corrected_plate, reason=reason,
                              as_uploader=True)  # _review_target checked the actor uploaded this photo
    item.read.refresh_from_db(fields=["plate_current"])
    transition_apply(item, ReviewStatus.CORRECTED, actor=actor, event_code="alprportal.ocr.item.corrected",
                     changes={"reviewed_by": actor, "reviewed_at": timezone.now()}, event_target=item.job,
                     data={"item": item.pk, "read": item.read_id, "plate_old": correction.previous_plate,
                           "plate_new": correction.corrected_plate, "engine": item.engine_version},
                     **_REVIEW_MACHINE)
    return item
