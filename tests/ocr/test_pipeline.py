"""End to end through a REAL Celery worker (Redis): upload → job → OCR task → read → searchable; a redelivered task
stores nothing twice. And, where the shared plates dataset sits beside the repository, a handful of real photos."""

from __future__ import annotations

import csv
import time

import pytest
from django.urls import reverse

from apps.ocr.choices import ItemStatus, JobStatus
from apps.ocr.engine import fold_confusable
from apps.ocr.models import OcrJob
from apps.ocr.services.processing import ocr_item_process
from apps.ocr.services.uploads import ocr_job_create
from apps.ocr.tasks import ocr_item_process_task
from apps.reads.models import Read
from apps.reads.selectors import read_search, read_search_build
from tests.ocr.conftest import DATASET, upload
from tests.reads.conftest import SEARCH


def _wait_finished(job: OcrJob, timeout: float = 120) -> OcrJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.25)
    raise AssertionError(f"job {job.pk} still {job.status} after {timeout} s: {list(job.items.values())}")


@pytest.mark.celery_worker
def test_upload_is_read_by_the_worker_and_searchable(client, settings, celery_worker, uploader, ocr_engine_loaded,
                                                     photo_7abc123, photo_8kxt452, bad_files):
    settings.PORTAL = {**settings.PORTAL, "OCR_QUEUE": celery_worker}  # the worker's private queue
    client.force_login(uploader)
    response = client.post(reverse("ocr:upload"), {
        "photos": [upload("a.jpg", photo_7abc123), upload("bomb.png", bad_files["bomb.png"]),
                   upload("b.png", photo_8kxt452)],
        "case_number": "24-555",
    })
    assert response.status_code == 302
    job = _wait_finished(OcrJob.objects.get())
    assert job.status == JobStatus.DONE and (job.done_count, job.failed_count, job.reads_count) == (2, 1, 2)
    assert job.started_at <= job.finished_at
    plates = sorted(job.items.filter(status=ItemStatus.DONE).values_list("read__plate_current", flat=True))
    assert plates == ["7ABC123", "8KXT452"]

    result = read_search(user=uploader, search=read_search_build(plate="7ABC123"), **SEARCH)
    assert [read.plate_current for read in result.reads] == ["7ABC123"]
    result = read_search(user=uploader, search=read_search_build(plate="BKXT452", tolerant=True), **SEARCH)
    assert [(read.plate_current, read.match_note) for read in result.reads] == [("8KXT452", "matched allowing B↔8")]


@pytest.mark.celery_worker
def test_a_redelivered_task_stores_nothing_twice(settings, celery_worker, uploader, ocr_engine_loaded,
                                                 photo_7abc123):
    settings.PORTAL = {**settings.PORTAL, "OCR_QUEUE": celery_worker}
    job = ocr_job_create(actor=uploader, photos=[upload("a.jpg", photo_7abc123)], enqueue=False)
    item = job.items.get()
    first = ocr_item_process_task.apply_async(kwargs={"item_id": item.pk}, queue=celery_worker)
    second = ocr_item_process_task.apply_async(kwargs={"item_id": item.pk}, queue=celery_worker)
    assert first.get(timeout=120)["status"] == "done" and second.get(timeout=120)["status"] == "done"
    assert Read.objects.count() == 1
    job.refresh_from_db()
    assert (job.done_count, job.reads_count) == (1, 1)


@pytest.mark.skipif(not DATASET.is_dir(), reason="the shared plates dataset is not beside the repository")
@pytest.mark.django_db
def test_real_photos_from_the_dataset(uploader, ocr_engine_loaded):
    with open(DATASET / "gt.csv", newline="") as file:
        rows = list(csv.DictReader(file))[:4]
    photos = [upload(row["filename"], (DATASET / "images" / row["filename"]).read_bytes()) for row in rows]
    job = ocr_job_create(actor=uploader, photos=photos, enqueue=False)
    for item in job.items.all():
        ocr_item_process(item_id=item.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.failed_count == 0
    truth = {row["filename"]: fold_confusable(row["plate"]) for row in rows}
    read = {item.original_name: fold_confusable(item.read.plate_current) if item.read else ""
            for item in job.items.select_related("read")}
    assert sum(read[name] == plate for name, plate in truth.items()) >= 3, (truth, read)


@pytest.mark.skipif(not DATASET.is_dir(), reason="the shared plates dataset is not beside the repository")
def test_bench_ocr_prints_the_summary_as_the_last_json_line(ocr_engine_loaded):
    import json
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command("bench_ocr", "--dataset", str(DATASET), "--limit", "2", stdout=out, stderr=err)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert {"photos", "exact", "exact_folded", "top3", "cer", "median_s", "p95_s", "photos_per_s",
            "peak_rss_mb"} <= set(summary)
    assert summary["photos"] == 2
