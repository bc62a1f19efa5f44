"""Uploads expire with their reads (R-RET-2): once the reads purge is due to take an upload's read, its photo row,
candidates and alternates go first (they would otherwise keep the read forever), and the photo file goes with the
read; photos that never became a read go after the read periods; held ones stay (R-RET-3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.ocr.models import OcrItem, OcrJob, ReadAlternate
from apps.ocr.services.processing import ocr_item_process
from apps.ocr.services.uploads import ocr_job_create
from apps.reads.models import Read
from apps.retention.choices import RunStatus
from tests.ocr.conftest import upload
from tests.retention.conftest import policy, run_retention  # noqa: F401
from tests.retention.test_runs import _hold

pytestmark = pytest.mark.django_db


def _uploaded(uploader, photo, *names):
    job = ocr_job_create(actor=uploader, photos=[upload(name, photo) for name in names], enqueue=False)
    for item in job.items.all():
        ocr_item_process(item_id=item.pk)
    return job


def _age(job, *, days, archived_days=None):
    OcrJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=days))
    job.items.update(queued_at=timezone.now() - timedelta(days=days))
    read_ids = [i.read_id for i in job.items.all() if i.read_id]
    if archived_days is not None:
        # Capture times are immutable (R-READ-2, a trigger): step around it to make these reads old.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            Read.objects.filter(pk__in=read_ids).update(captured_at=timezone.now() - timedelta(days=days),
                                                        archived_at=timezone.now() - timedelta(days=archived_days))
            cursor.execute("SET LOCAL session_replication_role = origin")
    return read_ids


def test_an_old_upload_goes_with_its_read_and_a_held_one_stays(make_user, agency, ocr_settings, ocr_engine_loaded,
                                                                photo_7abc123, policy, run_retention,  # noqa: F811
                                                                django_capture_on_commit_callbacks):
    boss = make_user(Role.SUPERVISOR, agency=agency)
    uploader = make_user(Role.INVESTIGATOR, agency=agency, supervisor=boss)
    old = _uploaded(uploader, photo_7abc123, "witness.jpg")
    held = _uploaded(uploader, photo_7abc123, "doorbell.jpg")
    refused = ocr_job_create(actor=uploader, photos=[upload("notes.jpg", b"not an image" * 10)], enqueue=False)
    recent = _uploaded(uploader, photo_7abc123, "phone.jpg")
    old_item = old.items.get()
    assert old_item.read_id and ReadAlternate.objects.filter(read_id=old_item.read_id).exists()
    photo_name = old_item.image.name
    assert default_storage.exists(photo_name)
    _hold(uploader, boss, [held.items.get().read])
    (old_read,) = _age(old, days=1200, archived_days=400)
    (held_read,) = _age(held, days=1200, archived_days=400)
    _age(refused, days=1200)
    _age(recent, days=100)
    policy(read_retention_days=730, archive_purge_days=365)

    with django_capture_on_commit_callbacks(execute=True):
        run = run_retention()
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert not Read.objects.filter(pk=old_read).exists()  # the upload no longer keeps it
    assert not OcrJob.objects.filter(pk__in=[old.pk, refused.pk]).exists()
    assert not ReadAlternate.objects.filter(read_id=old_read).exists()
    assert not default_storage.exists(photo_name)  # the photo is the read's image: purged with it
    assert Read.objects.filter(pk=held_read).exists() and held.items.get().read_id == held_read
    assert recent.items.get().read_id is not None
    assert run.counts["ocr.uploads"]["purged"] == 2 and run.counts["ocr.uploads"]["jobs_removed"] == 2
    assert OcrItem.objects.count() == 2
