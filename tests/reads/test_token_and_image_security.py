"""R-SEC-2: camera API tokens expire and can be revoked (service, admin action, command; audited; a clear 401), and
stored images carry a SHA-256 computed at ingest that is checked every time they are served (a file tampered with
on disk is refused, logged and alerted)."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.access_context import AccessContext
from apps.audit.models import DomainEvent
from apps.notifications.models import Notification
from apps.reads.authentication import TOKEN_EXPIRED, TOKEN_REVOKED
from apps.reads.images import IMAGE_INTEGRITY_FAILED, image_sha256
from apps.reads.links import read_image_url
from apps.reads.models import CameraCredential, Read
from apps.reads.services.ingest import read_batch_ingest
from apps.reads.services.tokens import camera_token_issue, camera_token_revoke
from tests.reads.conftest import b64, iso, jpeg_bytes

pytestmark = pytest.mark.django_db

INGEST = "/api/v1/ingest/reads/"


def _one_read():
    return {"reads": [{"plate": "7ABC123", "captured_at": iso(timezone.now())}]}


def test_a_token_expires_after_the_configured_lifetime(api_client, camera, settings):
    """R-SEC-2"""
    settings.PORTAL = {**settings.PORTAL, "CAMERA_TOKEN_LIFETIME_DAYS": 90}
    credential, raw = camera_token_issue(actor=None, camera=camera)
    assert abs(credential.expires_at - credential.created_at - timedelta(days=90)) < timedelta(seconds=5)
    api_client.credentials(HTTP_AUTHORIZATION=f"Camera {raw}")
    assert api_client.post(INGEST, _one_read(), format="json").status_code == 200
    expired_at = timezone.now() - timedelta(minutes=1)
    CameraCredential.objects.filter(pk=credential.pk).update(expires_at=expired_at)
    response = api_client.post(INGEST, _one_read(), format="json")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == TOKEN_EXPIRED.format(
        when=f"{timezone.localtime(expired_at):%Y-%m-%d %H:%M}")


def test_a_revoked_token_gets_a_401_that_says_so_and_the_revocation_is_audited(api_client, camera, sysadmin):
    """R-SEC-2"""
    credential, raw = camera_token_issue(actor=None, camera=camera)
    assert camera_token_revoke(actor=sysadmin, camera=camera, reason="Unit 12 stolen") == 1
    credential.refresh_from_db()
    assert (credential.revoked_by, credential.revocation_reason) == (sysadmin, "Unit 12 stolen")
    api_client.credentials(HTTP_AUTHORIZATION=f"Camera {raw}")
    response = api_client.post(INGEST, _one_read(), format="json")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == TOKEN_REVOKED.format(
        when=f"{timezone.localtime(credential.revoked_at):%Y-%m-%d %H:%M}", reason="Unit 12 stolen")
    event = DomainEvent.objects.get(code="alprportal.reads.camera_token.revoked")
    assert (event.actor, event.data["reason"], event.data["prefix"]) == (sysadmin, "Unit 12 stolen",
                                                                       credential.token_prefix)
    assert camera_token_revoke(actor=sysadmin, camera=camera) == 0, "nothing left to revoke"
    assert not Read.objects.exists()


def test_the_command_and_the_admin_action_revoke(client, camera, make_user):
    """R-SEC-2"""
    _credential, _raw = camera_token_issue(actor=None, camera=camera)
    out = StringIO()
    call_command("camera_token", str(camera.pk), "--revoke", "--reason", "Config leaked", stdout=out)
    assert "Revoked 1 token(s)" in out.getvalue()
    assert CameraCredential.objects.get().revocation_reason == "Config leaked"
    camera_token_issue(actor=None, camera=camera)
    admin = make_user(Role.SYSADMIN, is_staff=True)
    client.force_login(admin)
    response = client.post(reverse("admin:reads_camera_changelist"),
                           {"action": "revoke_token", "_selected_action": [camera.pk]}, follow=True)
    assert response.status_code == 200
    assert not CameraCredential.objects.filter(revoked_at__isnull=True).exists()
    assert DomainEvent.objects.filter(code="alprportal.reads.camera_token.revoked", actor=admin).count() == 1


def test_images_get_their_sha256_at_ingest_inline_or_uploaded(camera, camera_client):
    """R-SEC-2"""
    crop, vehicle = jpeg_bytes(), jpeg_bytes(size=(200, 120), color=(10, 90, 200))
    uploaded = camera_client.post("/api/v1/ingest/images/", {"image": _file(vehicle)}, format="multipart")
    assert uploaded.status_code == 201
    result = read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(timezone.now()),
                                                      "plate_crop": b64(crop),
                                                      "vehicle_image_ref": uploaded.json()["ref"]}])
    read = Read.objects.get(pk=result.results[0].id)
    assert read.plate_crop_sha256 == image_sha256(crop)
    assert read.vehicle_image_sha256 == image_sha256(vehicle)


@pytest.fixture
def per_file_images(settings):
    """Images stored one file each, as before packs (issue #19): what these tests edit on disk, and what reads
    stored before packs still have."""
    settings.PORTAL = {**settings.PORTAL, "READ_IMAGE_PACKS": False}


def _file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("car.jpg", content, content_type="image/jpeg")


def test_a_tampered_image_is_not_served_logged_and_alerted(client, camera, investigator, sysadmin, caplog,
                                                           per_file_images):
    """R-SEC-2: tamper with the file on disk; the image page refuses it."""
    result = read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(timezone.now()),
                                                      "plate_crop": b64(jpeg_bytes())}])
    read = Read.objects.get(pk=result.results[0].id)
    client.force_login(investigator)
    access = AccessContext(purpose="investigative_leads", case_number="26-1")
    url = read_image_url(read=read, kind="plate_crop", user=investigator, context=access)
    assert client.get(url).status_code == 200
    with open(default_storage.path(read.plate_crop.name), "r+b") as handle:  # someone edits the stored file
        handle.seek(40)
        handle.write(b"\x00\x01\x02\x03")
    with caplog.at_level(logging.ERROR, logger="alprportal.reads.images"):
        response = client.get(url)
    assert response.status_code == 409
    assert response.content.decode() == IMAGE_INTEGRITY_FAILED
    assert b"\xff\xd8" not in response.content
    assert any("failed its integrity check" in record.getMessage() for record in caplog.records)
    alert = Notification.objects.get(recipient=sysadmin)
    assert alert.severity == "critical" and f"read {read.pk}" in alert.title
    assert DomainEvent.objects.filter(code="alprportal.reads.image.integrity_failed").count() == 1
    client.get(url)
    assert Notification.objects.filter(recipient=sysadmin).count() == 1, "alerted once per tampered image"


def test_a_tampered_hit_image_is_not_served_either(client, camera, operator, per_file_images):
    """R-SEC-2"""
    from apps.hotlists.links import hit_image_url
    from apps.hotlists.models import Hit
    from apps.hotlists.services.lists import hot_list_create, hot_list_entry_add

    hot_list = hot_list_create(actor=None, name="Own", source="own", owner=operator, default_entry_days=30)
    hot_list_entry_add(actor=None, hot_list=hot_list, plate="7ABC123", reason="stolen_vehicle",
                       justification="Stolen")
    read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(timezone.now()),
                                             "plate_crop": b64(jpeg_bytes())}])
    hit = Hit.objects.get()
    client.force_login(operator)
    url = hit_image_url(hit=hit, kind="plate_crop", user=operator,
                        context=AccessContext(purpose="investigative_leads", case_number="26-1"))
    assert client.get(url).status_code == 200
    with open(default_storage.path(hit.read.plate_crop.name), "ab") as handle:
        handle.write(b"appended")
    assert client.get(url).status_code == 409


def test_the_data_migration_fills_digests_and_leaves_unreadable_ones_unverified(camera, per_file_images):
    """R-SEC-2: images stored before digests existed are hashed by the migration; a missing file stays unverified."""
    crop = jpeg_bytes()
    result = read_batch_ingest(camera=camera, items=[
        {"plate": "7ABC123", "captured_at": iso(timezone.now()), "plate_crop": b64(crop), "read_id": "a"},
        {"plate": "8XYZ789", "captured_at": iso(timezone.now()), "plate_crop": b64(crop), "read_id": "b"}])
    first, second = (Read.objects.get(pk=r.id) for r in result.results)
    Read.objects.update(plate_crop_sha256="")
    default_storage.delete(second.plate_crop.name)
    migration = importlib.import_module("apps.reads.migrations.0006_read_image_sha256")
    migration.fill_digests(django_apps, None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.plate_crop_sha256 == image_sha256(crop)
    assert second.plate_crop_sha256 == "", "unreadable: unverified, explicitly empty"
