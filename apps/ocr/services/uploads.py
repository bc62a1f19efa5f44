"""Upload jobs: validating and storing the photos of an upload, on the agency's upload camera."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from apps.audit.services import event_record
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.ocr.choices import ItemStatus, JobStatus
from apps.ocr.engine import ImageRejected, decode_image
from apps.ocr.models import OcrItem, OcrJob
from apps.ocr.services.dispatch import ocr_items_enqueue
from apps.ocr.services.machine import ocr_job_move
from apps.reads.choices import CameraKind, CameraStatus
from apps.reads.images import image_delete_quietly, incoming_prefix
from apps.reads.models import Camera
from apps.reads.services.cameras import camera_create

UPLOAD_NOT_ALLOWED = "You may not upload photos for OCR."
UPLOAD_NO_PHOTOS = "Choose at least one JPEG or PNG photo."
UPLOAD_TOO_MANY = "An upload may hold at most {limit} photos; you chose {count}. Split it."
UPLOAD_NO_AGENCY = "Your account belongs to no agency, so the photos have no upload source; ask an administrator."
UPLOAD_LOCATION_INCOMPLETE = "Latitude and longitude go together: give both or neither."
UPLOAD_TIME_IN_FUTURE = "The time the photos were taken cannot be in the future."
PHOTO_REJECTED = "“{name}” was refused: {reason}."
PHOTO_TOO_LARGE = "file is {size:.1f} MB; the limit is {limit:.1f} MB"
JOB_ALL_FAILED = "None of the {count} photos could be read. First problem: {reason}"

UPLOAD_CAMERA_NAME = "Photo uploads"
UPLOAD_CAMERA_COMMISSIONED = datetime(2000, 1, 1, tzinfo=UTC)  # witnesses' photos may be years old


@dataclass(frozen=True)
class UploadedPhoto:
    """A photo as the edge received it (a Django UploadedFile has the same two attributes)."""

    name: str
    content: bytes


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
                ocr_job_move(job, JobStatus.FAILED)
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
