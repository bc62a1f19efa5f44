"""The OCR jobs admin (issue #4): the ALPR System Administrator sees every upload's bookkeeping — status, why a photo
failed, attempts, timings — read-only and without any plate or photo; other roles get no such page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.ocr.services.processing import ocr_item_process
from apps.ocr.services.uploads import ocr_job_create
from tests.ocr.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_job(uploader, ocr_settings, ocr_engine_loaded, photo_7abc123):
    job = ocr_job_create(actor=uploader, photos=[upload("witness.jpg", photo_7abc123), upload("notes.jpg", b"x" * 50)],
                         case_number="24-777", enqueue=False)
    ocr_item_process(item_id=job.items.get(original_name="witness.jpg").pk)
    job.refresh_from_db()
    assert job.reads_count == 1
    return job


def test_administrator_sees_job_bookkeeping_but_no_plates(client, make_user, finished_job):
    client.force_login(make_user(Role.SYSADMIN))
    listing = client.get(reverse("admin:ocr_ocrjob_changelist"))
    assert listing.status_code == 200
    assert f">{finished_job.pk}<" in listing.content.decode()
    page = client.get(reverse("admin:ocr_ocrjob_change", args=[finished_job.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "witness.jpg" in html and "notes.jpg" in html and "not a JPEG or PNG image" in html
    assert "7ABC123" not in html  # read data stays on the uploader's page and the logged search
    assert "Save" not in html and "Delete" not in html
    assert client.post(reverse("admin:ocr_ocrjob_delete", args=[finished_job.pk]), {"post": "yes"}).status_code == 403


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.INVESTIGATOR, Role.SUPERVISOR, Role.CUSTODIAN])
def test_other_roles_have_no_jobs_admin(client, make_user, finished_job, role):
    client.force_login(make_user(role))
    response = client.get(reverse("admin:ocr_ocrjob_changelist"))
    assert response.status_code in (302, 403)
    assert "witness.jpg" not in response.content.decode()
