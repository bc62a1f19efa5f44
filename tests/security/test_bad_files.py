"""Polyglot photos through the OCR upload (issue #9, item 5; R-READ-1 uploaded imagery): an image with another file
after its end marker must be refused, never stored as evidence.

``apps/ocr/engine/decode.py`` walks the JPEG markers / PNG chunks to the image's real end (``apps.common.imagelayout``,
shared with attachments and camera images): a short script, a long one or a ZIP after it are all refused, and the
message says data follows the image; NUL padding, which encoders leave, still passes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.roles import Role
from apps.ocr.choices import ItemStatus
from apps.ocr.models import OcrItem, OcrJob
from apps.ocr.services.uploads import PHOTO_REJECTED
from apps.ocr.synthetic import plate_photo_jpeg, plate_photo_png
from tests.agreements.bad_files import small_zip

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>fetch('/api/reads/?plate=*').then(r=>r.text()).then(alert)</script></body></html>\n"


@pytest.fixture(scope="module")
def photos() -> dict[str, bytes]:
    return {"jpeg": plate_photo_jpeg("7ABC123", seed=1), "png": plate_photo_png("8KXT452", seed=2)}


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png" if name.endswith(".png") else "image/jpeg")


def _post(api_client, photos_to_send):
    api_client.force_authenticate(api_client.uploader)
    response = api_client.post(reverse("api:ocr-jobs"), {"photos": photos_to_send, "case_number": "24-POLY"},
                               format="multipart")
    assert response.status_code == 201, response.content[:500]
    return OcrJob.objects.get(pk=response.json()["id"])


@pytest.fixture
def uploader_client(api_client, make_user, settings):
    settings.PORTAL = {**settings.PORTAL, "OCR_ENGINE": "onnx"}
    api_client.uploader = make_user(Role.INVESTIGATOR)
    return api_client


def _refused(job, name):
    item = job.items.get(original_name=name)
    assert item.status == ItemStatus.FAILED and not item.image, (item.status, item.error)
    return item.error


@pytest.mark.parametrize(("name", "suffix"), [
    ("photo+zip.jpg", "zip"),
    ("photo+long-script.jpg", "long-html"),
])
def test_a_jpeg_with_a_long_appendix_is_refused_and_not_stored(uploader_client, photos, name, suffix):
    appendix = small_zip(b"x" * 5000, stored=True) if suffix == "zip" else HTML * 20
    job = _post(uploader_client, [_upload(name, photos["jpeg"] + appendix), _upload("good.jpg", photos["jpeg"])])
    assert _refused(job, name).startswith(PHOTO_REJECTED.format(name=name, reason="")[:-1].rstrip(" :"))
    good = job.items.get(original_name="good.jpg")
    assert good.status == ItemStatus.QUEUED and good.image  # the worker's next photo is untouched


@pytest.mark.parametrize(("kind", "appendix"), [("jpeg", HTML), ("png", b"<!--" + b"x" * 20 + b"-->")])
def test_a_photo_with_a_short_appendix_is_refused_and_not_stored(uploader_client, photos, kind, appendix):
    name = f"photo+script.{'jpg' if kind == 'jpeg' else 'png'}"
    job = _post(uploader_client, [_upload(name, photos[kind] + appendix)])
    _refused(job, name)


def test_the_refusal_says_other_data_follows_the_image(uploader_client, photos):
    job = _post(uploader_client, [_upload("photo+zip.jpg", photos["jpeg"] + small_zip(b"x" * 5000, stored=True))])
    assert "after the end of the image" in _refused(job, "photo+zip.jpg")


def test_a_photo_padded_with_zeros_is_still_accepted(uploader_client, photos):
    """What encoders legitimately leave after the end marker (NUL padding) must keep passing after the fix."""
    job = _post(uploader_client, [_upload("padded.jpg", photos["jpeg"] + b"\x00" * 16)])
    assert job.items.get().status == ItemStatus.QUEUED
    assert OcrItem.objects.filter(status=ItemStatus.FAILED).count() == 0
