"""OCR catches up after faults (issue #9): the recovery of stranded photos, and idempotency when a photo is processed
twice at the same time (a slow worker and a redelivery, or the recovery's extra message).

``ocr_items_recover`` picks photos ``queued`` longer than OCR_RECOVER_QUEUED_SECONDS (the broker was down when their
upload committed) and photos ``processing`` whose start is older than OCR_RECOVER_PROCESSING_SECONDS (a worker died
mid-photo) — nothing fresh, finished or never stored — and queues them again; beat runs it every 5 minutes and each
OCR worker sends it when it starts (tests/faults/test_broker_outage.py and test_ocr_worker_killed.py run both for
real). A photo that kills its worker every time is given up after OCR_MAX_ATTEMPTS starts, not retried forever.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.ocr.choices import ItemStatus, JobStatus
from apps.ocr.models import OcrItem, ReadAlternate
from apps.ocr.services import processing as processing_services
from apps.ocr.services.dispatch import ocr_items_enqueue, ocr_items_recover
from apps.ocr.services.processing import OCR_GAVE_UP, OCR_MAX_ATTEMPTS, ocr_item_process
from apps.ocr.services.uploads import ocr_job_create
from apps.ocr.synthetic import plate_photo_jpeg
from apps.ocr.tasks import ocr_item_process_task, ocr_items_recover_task
from apps.reads.models import Read
from tests.factories import DeployingAgencyFactory

pytestmark = [pytest.mark.faults]


def _photo(plate: str, seed: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{plate}.jpg", plate_photo_jpeg(plate, angle=2.0, seed=seed), content_type="image/jpeg")


@pytest.fixture
def uploader(make_user):
    DeployingAgencyFactory()
    return make_user(Role.INVESTIGATOR)


@pytest.fixture
def sent(monkeypatch):
    """The item ids the OCR task was queued for (the broker is not under test here)."""
    calls: list[int] = []
    monkeypatch.setattr(ocr_item_process_task, "apply_async",
                        lambda *args, kwargs=None, **options: calls.append(kwargs["item_id"]))
    return calls


def test_recovery_queues_only_stranded_photos(db, uploader, sent):
    job = ocr_job_create(actor=uploader, enqueue=False, photos=[
        _photo("7ABC123", 1), _photo("8KXT452", 2), _photo("5LMN678", 3), _photo("6TRK904", 4), _photo("4GHJ210", 5),
        SimpleUploadedFile("notes.jpg", b"not a photo", content_type="image/jpeg")])
    items = {item.position: item for item in job.items.all()}
    long_ago = timezone.now() - timedelta(minutes=20)
    OcrItem.objects.filter(job=job).update(queued_at=long_ago)
    # 1: queued 20 min (broker down at upload) → stranded; 2: queued just now → its message may be on its way
    OcrItem.objects.filter(pk=items[2].pk).update(queued_at=timezone.now())
    # 3: processing since 20 min (worker died) → stranded; 4: processing since a second → a worker is on it
    OcrItem.objects.filter(pk=items[3].pk).update(status=ItemStatus.PROCESSING, started_at=long_ago, attempts=1)
    OcrItem.objects.filter(pk=items[4].pk).update(status=ItemStatus.PROCESSING, started_at=timezone.now(), attempts=1)
    # 5: done; 6: refused at upload (failed, never stored)
    OcrItem.objects.filter(pk=items[5].pk).update(status=ItemStatus.DONE, finished_at=long_ago)
    assert items[6].status == ItemStatus.FAILED and not items[6].image

    assert ocr_items_recover() == [items[1].pk, items[3].pk]
    assert sent == [items[1].pk, items[3].pk]
    assert sorted(ocr_items_recover(queued_for=timedelta(0), processing_for=timedelta(0))) == [
        items[1].pk, items[2].pk, items[3].pk, items[4].pk]
    assert ocr_items_recover_task.name == settings.CELERY_BEAT_SCHEDULE["ocr-items-recover"]["task"]
    assert settings.CELERY_BEAT_SCHEDULE["ocr-items-recover"]["schedule"] <= timedelta(minutes=5)


def test_a_broker_outage_never_fails_the_enqueue_and_stops_after_the_first_failure(db, monkeypatch, caplog):
    attempts: list[int] = []

    def down(*args, kwargs=None, **options):
        attempts.append(kwargs["item_id"])
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(ocr_item_process_task, "apply_async", down)
    assert ocr_items_enqueue(item_ids=[11, 12, 13]) == 0
    assert attempts == [11]  # one wait for the broker, not one per photo
    assert "3 photo(s) stay queued until ocr_items_recover" in caplog.text


def test_a_photo_that_keeps_killing_its_worker_is_given_up(db, uploader, sent):
    job = ocr_job_create(actor=uploader, enqueue=False, photos=[_photo("7ABC123", 1), _photo("8KXT452", 2)])
    poison, good = job.items.order_by("position")
    OcrItem.objects.filter(pk=poison.pk).update(status=ItemStatus.PROCESSING, attempts=OCR_MAX_ATTEMPTS,
                                                started_at=timezone.now() - timedelta(hours=1))
    poison = ocr_item_process(item_id=poison.pk)
    assert poison.status == ItemStatus.FAILED and poison.error == OCR_GAVE_UP.format(attempts=OCR_MAX_ATTEMPTS)
    assert poison.attempts == OCR_MAX_ATTEMPTS  # not started again
    ocr_item_process(item_id=good.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (job.done_count, job.failed_count, job.reads_count) == (1, 1, 1)


def test_one_photo_processed_twice_at_the_same_time_makes_one_read(transactional_db, uploader, monkeypatch,
                                                                   settings):
    """Two workers read the same photo at once (a slow worker and a redelivered or recovered message): both run the
    engine, both try to store; the row locks and the read's key make one read, counted once, one crop file kept."""
    job = ocr_job_create(actor=uploader, enqueue=False, photos=[_photo("7ABC123", 1)])
    item = job.items.get()
    both_read = threading.Barrier(2, timeout=60)
    original_engine = processing_services.ocr_engine

    class TogetherEngine:
        def __init__(self):
            self._engine = original_engine()
            self.version = self._engine.version

        def read_plates(self, image):
            candidates = self._engine.read_plates(image)
            both_read.wait()  # neither stores before both have read the photo
            return candidates

    monkeypatch.setattr(processing_services, "ocr_engine", TogetherEngine)
    results, errors = [], []

    def work():
        try:
            results.append(ocr_item_process(item_id=item.pk))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    item.refresh_from_db()
    job.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.attempts == 2
    assert Read.objects.count() == 1 and {r.read_id for r in results} == {item.read_id}
    assert (job.status, job.done_count, job.reads_count) == (JobStatus.DONE, 1, 1)
    assert ReadAlternate.objects.filter(read_id=item.read_id).values("rank").distinct().count() == \
        ReadAlternate.objects.filter(read_id=item.read_id).count()
    read = Read.objects.get()
    files = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    assert len(files) == 2 and Path(read.plate_crop.name).name in files  # the photo and the kept crop only
