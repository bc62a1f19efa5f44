"""Upload → OCR → read, with the real engine (no mock): validation by decoding, per-photo failures, idempotent
reruns, alternates, review (R-READ-2) and misread counts per engine version (R-HOT-5)."""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.ocr.choices import ItemStatus, JobStatus, ReviewStatus
from apps.ocr.models import OcrItem, ReadAlternate
from apps.ocr.selectors import ocr_quality_by_engine
from apps.ocr.services.processing import ocr_item_process
from apps.ocr.services.review import REVIEW_NOT_YOURS, ocr_item_accept, ocr_item_correct
from apps.ocr.services.uploads import (
    JOB_ALL_FAILED,
    PHOTO_REJECTED,
    UPLOAD_NO_PHOTOS,
    UPLOAD_NOT_ALLOWED,
    ocr_job_create,
)
from apps.reads.choices import CameraKind
from apps.reads.models import Read, ReadCorrection
from apps.reads.services.ingest import read_batch_ingest
from tests.events import domain_events
from tests.ocr.conftest import upload
from tests.reads.conftest import correction_context

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ocr_settings", "ocr_engine_loaded")]


def _process_all(job):
    for item in job.items.filter(status=ItemStatus.QUEUED):
        ocr_item_process(item_id=item.pk)
    job.refresh_from_db()
    return job


def test_photo_becomes_an_upload_read_with_alternates(uploader, photo_7abc123, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = ocr_job_create(actor=uploader, photos=[upload("witness.jpg", photo_7abc123)], case_number="24-1",
                             latitude=33.7, longitude=-117.9)
    assert len(callbacks) == 1  # the task is queued only after commit, once the photo is stored
    item = job.items.get()
    assert item.status == ItemStatus.QUEUED and item.image.name and (item.width, item.height) == (720, 480)

    item = ocr_item_process(item_id=item.pk)
    job.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.attempts == 1 and item.ocr_ms > 0
    assert job.status == JobStatus.DONE and (job.done_count, job.failed_count, job.reads_count) == (1, 0, 1)
    assert job.started_at and job.finished_at and job.progress_percent == 100
    read = item.read
    assert read.plate_current == "7ABC123" and read.source == CameraKind.UPLOAD
    assert read.camera.kind == CameraKind.UPLOAD and read.source_read_id == f"ocr-item-{item.pk}"
    assert (read.latitude, read.longitude) == (33.7, -117.9) and 0 < read.confidence <= 100
    assert read.metadata["engine"] == item.engine_version and read.metadata["ocr_item"] == item.pk
    assert read.vehicle_image.name == item.image.name and read.plate_crop.name.endswith("plate_crop.jpg")
    assert item.candidates[0]["text"] == "7ABC123" and len(item.candidates[0]["box"]) == 4
    alternates = list(read.alternates.all())
    assert alternates, "the distracting text on the photo should come back as alternates"
    assert [alt.rank for alt in alternates] == sorted(alt.rank for alt in alternates) and alternates[0].rank >= 2
    assert all(alt.engine_version == item.engine_version for alt in alternates)
    codes = domain_events("alprportal.ocr.")
    assert codes == ["alprportal.ocr.job.created", "alprportal.ocr.item.done", "alprportal.ocr.job.done"]


def test_bad_files_fail_alone_with_clear_reasons(uploader, photo_7abc123, bad_files):
    photos = [upload(name, content) for name, content in bad_files.items()]
    photos.insert(2, upload("good.jpg", photo_7abc123))
    job = ocr_job_create(actor=uploader, photos=photos)
    refused = {item.original_name: item.error for item in job.items.filter(status=ItemStatus.FAILED)}
    assert refused == {
        "corrupt.jpg": PHOTO_REJECTED.format(name="corrupt.jpg", reason="truncated or corrupt image"),
        "empty.jpg": PHOTO_REJECTED.format(name="empty.jpg", reason="empty file"),
        "notes.jpg": PHOTO_REJECTED.format(name="notes.jpg", reason="not a JPEG or PNG image"),
        "bomb.png": PHOTO_REJECTED.format(name="bomb.png",
                                          reason="image is 20000x20000 pixels; the limit is 40 megapixels"),
    }
    assert not any(item.image for item in job.items.filter(status=ItemStatus.FAILED))  # refused: never stored
    assert job.failed_count == 4 and job.status == JobStatus.QUEUED
    job = _process_all(job)
    assert job.status == JobStatus.DONE and (job.done_count, job.failed_count, job.reads_count) == (1, 4, 1)
    assert job.items.get(original_name="good.jpg").read.plate_current == "7ABC123"


def test_a_job_of_refused_photos_fails_at_once(uploader, bad_files):
    job = ocr_job_create(actor=uploader, photos=[upload("empty.jpg", b""), upload("notes.jpg", bad_files["notes.jpg"])])
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.error == JOB_ALL_FAILED.format(count=2, reason=PHOTO_REJECTED.format(name="empty.jpg",
                                                                                     reason="empty file"))


def test_photo_damaged_in_storage_fails_its_item(uploader, photo_7abc123, photo_8kxt452):
    job = ocr_job_create(actor=uploader, photos=[upload("a.jpg", photo_7abc123), upload("b.png", photo_8kxt452)])
    damaged = job.items.get(position=1)
    with damaged.image.open("wb") as file:
        file.write(photo_7abc123[:500])
    job = _process_all(job)
    damaged.refresh_from_db()
    assert damaged.status == ItemStatus.FAILED
    assert damaged.error == PHOTO_REJECTED.format(name="a.jpg", reason="truncated or corrupt image")
    assert job.status == JobStatus.DONE and job.items.get(position=2).read.plate_current == "8KXT452"


def test_rerunning_a_photo_never_duplicates_its_read(uploader, photo_7abc123):
    job = ocr_job_create(actor=uploader, photos=[upload("a.jpg", photo_7abc123)])
    item = job.items.get()
    first = ocr_item_process(item_id=item.pk)
    again = ocr_item_process(item_id=item.pk)  # the task delivered twice (acks late)
    assert again.read_id == first.read_id and again.attempts == 1
    assert Read.objects.count() == 1 and ReadAlternate.objects.filter(read=first.read).count() >= 1
    job.refresh_from_db()
    assert (job.done_count, job.reads_count) == (1, 1)


def test_crash_after_the_read_was_stored_reruns_without_duplicate(uploader, photo_7abc123):
    """A worker died after the read was stored but before the photo was marked done: the rerun finds the read by
    the item's key and links it instead of storing another."""
    job = ocr_job_create(actor=uploader, photos=[upload("a.jpg", photo_7abc123)])
    item = job.items.get()
    OcrItem.objects.filter(pk=item.pk).update(status=ItemStatus.PROCESSING, attempts=1)
    stored = read_batch_ingest(camera=job.camera, items=[{
        "read_id": item.source_read_id, "plate": "7ABC123", "captured_at": job.created_at.isoformat(),
    }]).results[0]
    assert stored.status == "stored"

    item = ocr_item_process(item_id=item.pk)
    assert item.status == ItemStatus.DONE and item.read_id == stored.id and item.attempts == 2
    assert Read.objects.filter(source_read_id=item.source_read_id).count() == 1 and Read.objects.count() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (job.done_count, job.reads_count) == (1, 0)


def test_upload_permission_and_empty_upload(make_user, uploader):
    with pytest.raises(PermissionDeniedError) as denied:
        ocr_job_create(actor=make_user(Role.OVERSIGHT), photos=[upload("a.jpg", b"x")])
    assert denied.value.message == UPLOAD_NOT_ALLOWED
    with pytest.raises(ApplicationError) as empty:
        ocr_job_create(actor=uploader, photos=[])
    assert empty.value.message == UPLOAD_NO_PHOTOS


def test_review_accept_and_correct_keep_the_original(uploader, make_user, photo_8kxt452):
    job = _process_all(ocr_job_create(actor=uploader, photos=[upload("b.png", photo_8kxt452)]))
    item = job.items.get()
    with pytest.raises(PermissionDeniedError) as other:
        ocr_item_accept(actor=make_user(Role.INVESTIGATOR), item=item)
    assert other.value.message == REVIEW_NOT_YOURS

    item = ocr_item_accept(actor=uploader, item=item)
    assert item.review_status == ReviewStatus.ACCEPTED and item.reviewed_by == uploader
    item = ocr_item_correct(actor=uploader, item=item, corrected_plate="BKXT452", reason="photo shows B",
                            context=correction_context())
    assert item.review_status == ReviewStatus.CORRECTED
    read = Read.objects.get(pk=item.read_id)
    assert (read.plate_normalized, read.plate_current) == ("8KXT452", "BKXT452")  # R-READ-2: original kept
    assert ReadCorrection.objects.get(read=read).reason == "photo shows B"
    codes = list(DomainEvent.objects.filter(code__in=["alprportal.ocr.item.accepted", "alprportal.ocr.item.corrected",
                                                      "alprportal.reads.read.corrected"])
                 .order_by("id").values_list("code", flat=True))
    assert codes == ["alprportal.ocr.item.accepted", "alprportal.reads.read.corrected",
                     "alprportal.ocr.item.corrected"]

    quality = ocr_quality_by_engine()
    assert len(quality) == 1
    row = quality[0]
    assert row["engine_version"] == item.engine_version
    assert (row["photos"], row["plates"], row["reviewed"], row["corrected"], row["misread_rate"]) == (1, 1, 1, 1,
                                                                                                      100.0)


def test_an_unexpected_crash_fails_the_photo_with_the_reason(uploader, photo_7abc123, monkeypatch):
    """The task's on_failure marks the item failed (so the job never stays "processing"); the photo stays stored."""

    from apps.ocr.services import processing
    from apps.ocr.services.processing import OCR_CRASHED
    from apps.ocr.tasks import ocr_item_process_task

    class BrokenEngine:
        version = "broken"

        def read_plates(self, image):
            raise RuntimeError("model file unreadable")

    job = ocr_job_create(actor=uploader, photos=[upload("a.jpg", photo_7abc123)], enqueue=False)
    item = job.items.get()
    monkeypatch.setattr(processing, "ocr_engine", BrokenEngine)
    result = ocr_item_process_task.apply(kwargs={"item_id": item.pk}, throw=False)
    assert result.failed()
    item.refresh_from_db()
    job.refresh_from_db()
    assert item.status == ItemStatus.FAILED and item.image.name
    assert item.error == OCR_CRASHED.format(error="RuntimeError: model file unreadable")
    assert job.status == JobStatus.FAILED and job.error.startswith("None of the 1 photos could be read.")
    assert not Read.objects.exists()
