"""Fault: PostgreSQL drops the request's connection in the middle of a write (a failover, a restart, an
administrator's ``pg_terminate_backend``).

The request's own backend is terminated from a second connection at a chosen point inside the service's
transaction (a patch at the edge, nothing else changed). Proved, for the camera ingest API and for the photo upload
page: a clean 503 (JSON with ``database_unavailable`` for the API, a friendly page for HTML) with Retry-After, logged;
nothing half-written (no read, no batch record, no job, and no stored file left behind); and the next request works
(the broken connection was closed, Django reconnects), so the client's retry stores everything exactly once.
"""

from __future__ import annotations

import base64
from datetime import UTC, timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.common.db_errors import DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_CODE
from apps.ocr.models import OcrItem, OcrJob
from apps.ocr.synthetic import plate_photo_jpeg
from apps.reads.choices import CameraKind
from apps.reads.models import IngestBatch, Read
from apps.reads.services.cameras import camera_create
from apps.reads.services.tokens import camera_token_issue
from tests.factories import DeployingAgencyFactory
from tests.faults.helpers import database_url
from tests.reads.conftest import jpeg_bytes

pytestmark = [pytest.mark.faults]

INGEST = "/api/v1/ingest/reads/"


def terminate_this_backend() -> None:
    """Kill the backend of the current thread's connection from another connection, and wait until it is gone."""
    pid = connection.connection.info.backend_pid
    with psycopg.connect(database_url(), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone()[0]


def killing_before(original):
    """``original`` wrapped: the connection is terminated first (once), then ``original`` runs on the dead one."""
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            terminate_this_backend()
        return original(*args, **kwargs)

    wrapper.calls = calls
    return wrapper


def stored_files(media_root) -> list[str]:
    root = Path(media_root)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def camera(transactional_db):
    agency = DeployingAgencyFactory()
    return camera_create(actor=None, name="Harbor Blvd NB", kind=CameraKind.FIXED, agency=agency,
                         commissioned_at=timezone.now() - timedelta(days=365), latitude=33.77, longitude=-117.92)


def test_camera_batch_gets_a_clean_503_nothing_half_written_and_the_retry_stores_it_once(
        camera, api_client, settings, monkeypatch, caplog):
    from apps.reads.services import ingest

    _credential, token = camera_token_issue(actor=None, camera=camera)
    api_client.credentials(HTTP_AUTHORIZATION=f"Camera {token}")
    now = timezone.now()
    image = base64.b64encode(jpeg_bytes()).decode("ascii")
    items = [{"read_id": f"cam-{i}", "plate": f"7ABC{i:03d}", "region": "CA", "confidence": 90.0,
              "captured_at": (now - timedelta(minutes=5 + i)).astimezone(UTC).isoformat(),
              "vehicle_image": image, "plate_crop": image} for i in range(3)]
    # The batch is inserted, matched and recorded in one transaction; the connection dies just before the record.
    patched = killing_before(ingest._record_batch)
    monkeypatch.setattr(ingest, "_record_batch", patched)

    response = api_client.post(INGEST, {"reads": items}, format="json")

    assert patched.calls["n"] == 1
    assert response.status_code == 503, response.content
    assert response.json() == {"error": {"code": DATABASE_UNAVAILABLE_CODE, "message": DATABASE_UNAVAILABLE}}
    assert response["Retry-After"]
    assert any("Database connection lost during POST /api/v1/ingest/reads/" in r.getMessage() for r in caplog.records)
    # Nothing half-written: the server rolled the transaction back, the images stored before it were removed.
    assert not Read.objects.exists() and not IngestBatch.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []

    # The next request works (a fresh connection), and the camera's retry stores the batch exactly once.
    monkeypatch.undo()
    retry = api_client.post(INGEST, {"reads": items}, format="json")
    assert retry.status_code == 200, retry.content
    assert (retry.json()["stored"], retry.json()["duplicates"]) == (3, 0)
    again = api_client.post(INGEST, {"reads": items}, format="json").json()
    assert (again["stored"], again["duplicates"]) == (0, 3)
    assert Read.objects.count() == 3 and IngestBatch.objects.count() == 2
    # The batch's six images are one pack object (issue #19), stored once.
    assert len(stored_files(settings.MEDIA_ROOT)) == 1
    assert Read.objects.filter(image_pack__image_count=6).count() == 3


def test_photo_upload_page_gets_a_friendly_503_no_orphaned_photos_and_the_next_request_works(
        camera, client, make_user, broker, settings, monkeypatch, caplog):
    from apps.ocr.services import uploads

    uploader = make_user(Role.INVESTIGATOR)
    client.force_login(uploader)
    photos = [plate_photo_jpeg("7ABC123", angle=3.0, seed=1), plate_photo_jpeg("8KXT452", angle=-2.0, seed=2)]

    def post():
        from django.core.files.uploadedfile import SimpleUploadedFile

        files = [SimpleUploadedFile(f"photo{i}.jpg", content, content_type="image/jpeg")
                 for i, content in enumerate(photos)]
        return client.post("/ocr/", {"photos": files, "case_number": "26-000123"})

    # The photos are stored, the job and items inserted; the connection dies before the audit event.
    monkeypatch.setattr(uploads, "event_record", killing_before(uploads.event_record))
    response = post()

    assert response.status_code == 503
    page = response.content.decode()
    assert "Temporarily unavailable" in page and "nothing was saved" in page
    assert response["Retry-After"]
    assert any("Database connection lost during POST /ocr/" in r.getMessage() for r in caplog.records)
    assert not OcrJob.objects.exists() and not OcrItem.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []  # the stored photos were removed with the rollback

    monkeypatch.undo()
    assert client.get("/ocr/").status_code == 200  # same thread, fresh connection, session intact
    retry = post()
    assert retry.status_code == 302
    job = OcrJob.objects.get()
    assert job.items.count() == 2 and len(stored_files(settings.MEDIA_ROOT)) == 2
    assert broker.list_length("ocr") == 2  # queued after commit, on the test's own broker
