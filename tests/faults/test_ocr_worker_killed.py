"""Fault: the OCR worker is SIGKILLed in the middle of a photo (the OOM killer, a pulled plug, a redeploy).

A real ``celery -A alprportal worker -Q celery,ocr`` process (tests/faults/worker.py, the engine slowed so the kill
lands while a photo is ``processing``) against the private broker and the test database, killed with SIGKILL; then a
new worker. With the Redis transport the killed task's message comes back only after the visibility timeout (an
hour in production), so what brings the photo back at once is the recovery the new worker sends when it starts
(``ocr_items_recover``; the test shortens "stale" to a second). Proved: every photo finishes, there is exactly one
read per photo (none lost, none doubled, job counters right), and the message redelivered an hour later is a no-op.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.roles import Role
from apps.ocr.choices import ItemStatus, JobStatus
from apps.ocr.models import OcrItem, OcrJob, ReadAlternate
from apps.ocr.synthetic import plate_photo_jpeg
from apps.reads.models import Read
from tests.factories import DeployingAgencyFactory
from tests.faults.helpers import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.celery_worker]

PLATES = ["7ABC123", "8KXT452", "5LMN678", "6TRK904"]
OCR_JOBS = "/api/v1/ocr/jobs/"


def test_worker_killed_mid_photo_every_photo_read_once(processes, broker, make_user):
    from rest_framework.test import APIClient

    agency = DeployingAgencyFactory()
    uploader = make_user(Role.INVESTIGATOR, agency=agency)
    person = APIClient()
    person.force_authenticate(uploader)
    # A worker whose engine takes 2 s per photo: time enough to kill it while a photo is being read.
    first = processes.worker(FAULTS_OCR_DELAY_SECONDS=2)
    photos = [SimpleUploadedFile(f"{plate}.jpg", plate_photo_jpeg(plate, angle=2.0 * (i - 1), seed=i + 1),
                                 content_type="image/jpeg") for i, plate in enumerate(PLATES)]
    response = person.post(OCR_JOBS, {"photos": photos, "case_number": "26-000555"}, format="multipart")
    assert response.status_code == 201, response.content
    job = OcrJob.objects.get(pk=response.json()["id"])

    def one_done_one_processing():
        statuses = list(OcrItem.objects.filter(job=job).values_list("status", flat=True))
        return statuses.count(ItemStatus.DONE) >= 1 and statuses.count(ItemStatus.PROCESSING) == 1

    wait_for(one_done_one_processing, seconds=120, interval=0.05,
             what=lambda: f"a photo to be read and the next in progress (worker log: {processes.log(first)})")
    processes.kill(first)  # SIGKILL mid-photo
    killed = OcrItem.objects.get(job=job, status=ItemStatus.PROCESSING)
    assert killed.read_id is None and killed.attempts == 1
    assert not Read.objects.filter(source_read_id=killed.source_read_id).exists()

    # "Stale" is 15 minutes in production (past the task's time limit); a second here. The new worker's start sends
    # the recovery, which queues the killed photo again; the photos still queued have their messages.
    wait_for(lambda: (OcrItem.objects.get(pk=killed.pk).started_at is not None), what="start time")
    second = processes.worker(OCR_RECOVER_PROCESSING_SECONDS=1)
    wait_for(lambda: OcrJob.objects.get(pk=job.pk).is_finished, seconds=150, interval=0.25,
             what=lambda: f"every photo to finish (worker log: {processes.log(second)})")

    job.refresh_from_db()
    items = list(job.items.order_by("position"))
    assert job.status == JobStatus.DONE, job.error
    assert [item.status for item in items] == [ItemStatus.DONE] * len(PLATES)
    assert (job.done_count, job.failed_count, job.reads_count) == (len(PLATES), 0, len(PLATES))
    reads = Read.objects.filter(camera=job.camera)
    assert reads.count() == len(PLATES)  # exactly one read per photo
    assert sorted(reads.values_list("source_read_id", flat=True)) == sorted(i.source_read_id for i in items)
    assert len({item.read_id for item in items}) == len(PLATES)
    assert OcrItem.objects.get(pk=killed.pk).attempts == 2  # started twice, read once

    # An hour later Redis hands the killed message to a worker again: a no-op.
    alternates = ReadAlternate.objects.count()
    from apps.ocr.tasks import ocr_item_process_task

    result = ocr_item_process_task.apply_async(kwargs={"item_id": killed.pk}, queue="ocr").get(timeout=120)
    assert result["status"] == ItemStatus.DONE and result["read"] == OcrItem.objects.get(pk=killed.pk).read_id
    assert reads.count() == len(PLATES) and ReadAlternate.objects.count() == alternates
    job.refresh_from_db()
    assert (job.done_count, job.reads_count) == (len(PLATES), len(PLATES))
