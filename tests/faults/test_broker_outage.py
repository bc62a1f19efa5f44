"""Fault: the Celery broker (Redis) stops while cameras push reads and people upload photos.

The broker is a private redis-server this test starts and SIGKILLs. Proved: camera batches pushed through the real
ingest API during the outage are stored and matched against the hot lists in the ingest transaction (R-HOT-3: hits
commit with their reads); a photo upload during the outage is accepted at once, its photos stored and ``queued``,
and the request does not wait on the broker; when the broker returns, the first OCR worker to start queues the
stranded photos again (``ocr_items_recover`` via ``worker_ready``) and every photo is read, once.
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.hotlists.models import Hit, PendingMatch
from apps.ocr.choices import ItemStatus, JobStatus
from apps.ocr.models import OcrJob
from apps.ocr.synthetic import plate_photo_jpeg
from apps.reads.models import Read
from tests.faults.conftest import INGEST, thread_worker
from tests.faults.helpers import reads_batch, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.celery_worker]

OCR_JOBS = "/api/v1/ocr/jobs/"


def test_reads_are_stored_and_matched_and_photos_catch_up_when_the_broker_returns(
        estate, broker, api_client, settings):
    from rest_framework.test import APIClient

    camera_client = api_client
    camera_client.credentials(HTTP_AUTHORIZATION=f"Camera {estate['token']}")
    person = APIClient()
    person.force_authenticate(estate["uploader"])

    before = camera_client.post(INGEST, {"reads": reads_batch("up", ["6ABC001"])}, format="json")
    assert before.status_code == 200 and before.json()["stored"] == 1

    broker.stop()  # Redis is gone: nothing can be queued

    started = time.monotonic()
    response = camera_client.post(INGEST, {"reads": reads_batch("down", ["7WNT555", "6ABC002", "6ABC003"])},
                                  format="json")
    assert response.status_code == 200, response.content
    assert response.json()["stored"] == 3
    hit_read = Read.objects.get(camera=estate["camera"], source_read_id="down-0")
    assert Hit.objects.filter(read=hit_read).count() == 1  # matched in the ingest transaction, no broker needed
    assert time.monotonic() - started < 10

    photos = [plate_photo_jpeg("7ABC123", angle=3.0, seed=1), plate_photo_jpeg("8KXT452", angle=-2.0, seed=2),
              plate_photo_jpeg("5LMN678", angle=1.0, seed=3)]
    started = time.monotonic()
    upload = person.post(OCR_JOBS, {"photos": [SimpleUploadedFile(f"p{i}.jpg", c, content_type="image/jpeg")
                                               for i, c in enumerate(photos)], "case_number": "26-000777"},
                         format="multipart")
    assert upload.status_code == 201, upload.content
    assert time.monotonic() - started < 15  # one failed attempt, not one per photo
    job = OcrJob.objects.get(pk=upload.json()["id"])
    assert list(job.items.values_list("status", flat=True)) == [ItemStatus.QUEUED] * 3  # stored, waiting

    # The broker returns, empty: whatever was in flight is lost. This web process sends again without a restart,
    # and beat's recovery job queues the stranded photos again (the thresholds are shortened so that "stranded"
    # means "now"; production waits OCR_RECOVER_QUEUED_SECONDS). tests/faults/test_ocr_worker_killed.py shows the
    # same recovery sent by a real OCR worker at its start.
    broker.start()
    after = camera_client.post(INGEST, {"reads": reads_batch("back", ["6ABC004"])}, format="json")
    assert after.status_code == 200 and after.json()["stored"] == 1
    settings.PORTAL = {**settings.PORTAL, "OCR_RECOVER_QUEUED_SECONDS": 0, "OCR_RECOVER_PROCESSING_SECONDS": 0}
    from alprportal.celery import app

    app.send_task(settings.CELERY_BEAT_SCHEDULE["ocr-items-recover"]["task"])  # what beat sends every 5 minutes
    with thread_worker(queues=("celery", "ocr")):
        wait_for(lambda: OcrJob.objects.get(pk=job.pk).is_finished, seconds=120, interval=0.25,
                 what="the stranded photos to be read")

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (job.done_count, job.failed_count) == (3, 0)
    items = list(job.items.all())
    assert all(item.status == ItemStatus.DONE and item.read_id for item in items)
    reads = Read.objects.filter(camera=job.camera)
    assert reads.count() == 3 == job.reads_count  # one read per photo
    assert sorted(reads.values_list("plate_current", flat=True)) == ["5LMN678", "7ABC123", "8KXT452"]
    # Camera reads: nothing lost, nothing doubled by the outage.
    assert Read.objects.filter(camera=estate["camera"]).count() == 5


def test_matching_failure_during_the_outage_does_not_fail_the_batch(estate, broker, api_client, monkeypatch):
    """Double fault: hot-list matching fails (its retry task is queued after commit) while the broker is down. The
    reads must be stored, the request must succeed, and the reads must be matched once the broker is back."""
    from apps.hotlists.services import hit_matching as hotlist_services

    def broken(*args, **kwargs):
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(hotlist_services, "_match", broken)
    api_client.credentials(HTTP_AUTHORIZATION=f"Camera {estate['token']}")
    broker.stop()
    response = api_client.post(INGEST, {"reads": reads_batch("double", ["7WNT555"])}, format="json")
    assert response.status_code == 200
    read = Read.objects.get(source_read_id="double-0")
    assert PendingMatch.objects.filter(read_id=read.pk).exists()  # matched once the broker is back: test_catch_up.py
