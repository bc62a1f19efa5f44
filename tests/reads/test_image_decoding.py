"""The faster image checks at ingest (issue #19) accept and refuse exactly what the slower ones did (R-READ-1):
strict base64 through pybase64 with the standard library deciding whatever pybase64 refuses, and the JPEG
entropy-data scan as one regular-expression search."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import random
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from apps.common.imagelayout import image_end, trailing_data
from apps.reads.images import base64_decode_strict
from apps.reads.models import Read
from tests.reads.conftest import b64, iso

INGEST = "/api/v1/ingest/reads/"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _reference(text):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return "refused"


def _ours(text):
    try:
        return base64_decode_strict(text)
    except (binascii.Error, ValueError):
        return "refused"


@pytest.mark.parametrize("text", [
    "QQ==", "QUI=", "QUJD", "", "QQ==QQ==", "QQ", "QQ=", "=QQ=", "Q===", "QUJD\n", "QU JD", "QUJDRA===", "QUJDRA=A",
    "====", "QUJ\x00", "QUJ-", "QUJ_", "ab+/", "ab+/=", "ab+/==", "QR==", "QUK=", "QUJDé", "data:,QUJD",
])
def test_strict_base64_accepts_and_refuses_what_the_standard_library_does(text):
    assert _ours(text) == _reference(text)


def test_strict_base64_agrees_with_the_standard_library_on_many_near_misses():
    rng = random.Random(19)
    refused = 0
    for _ in range(20_000):
        if rng.random() < 0.5:
            text = "".join(rng.choice(ALPHABET) if rng.random() < 0.85 else rng.choice("= \n-_.:\x00")
                           for _ in range(rng.randint(0, 13)))
        else:
            text = base64.b64encode(rng.randbytes(rng.randint(0, 10))).decode()
            text += "".join(rng.choice("=A\n") for _ in range(rng.randint(0, 2)))
        expected = _reference(text)
        refused += expected == "refused"
        assert _ours(text) == expected, repr(text)
    assert 2_000 < refused < 18_000  # both outcomes were exercised


def _noisy_jpeg(width=96, **options) -> bytes:
    """Noise compresses worst and puts many FF bytes (stuffed FF00) in the entropy-coded data."""
    rng = random.Random(width)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, 64), rng.randbytes(width * 64 * 3)).save(buffer, "JPEG", quality=50, **options)
    return buffer.getvalue()


def test_the_end_of_a_jpeg_is_found_past_stuffed_bytes_restart_markers_and_fill():
    plain, restarts = _noisy_jpeg(), _noisy_jpeg(restart_marker_blocks=1)
    assert plain.count(b"\xff\x00") > 5
    assert any(bytes([0xFF, marker]) in restarts for marker in range(0xD0, 0xD8))
    for content in (plain, restarts, _noisy_jpeg(progressive=True)):
        assert image_end(content) == len(content)
        assert image_end(content[:-2]) is None  # cut before its end marker
        assert image_end(content[:-1]) is None  # cut inside it (a lone FF at the end)
        assert image_end(content[:len(content) // 2]) is None
        assert trailing_data(content + b"PK\x03\x04 hidden", len(content)) > 0
    # fill bytes (FF FF …) before a marker, a stuffed FF00 right after the scan header
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    synthetic = b"\xff\xd8" + scan + b"\xff\x00\x12\xff\xd3\x34\xff\xff\xff\x00\x56\xff\xff\xd9"
    assert image_end(synthetic) == len(synthetic)
    assert image_end(synthetic[:-1]) is None


def _item(read_id, crop):
    return {"read_id": read_id, "plate": "7DEC001", "captured_at": iso(timezone.now() - timedelta(minutes=2)),
            "plate_crop": crop}


def test_ingest_stores_what_it_stored_before_and_refuses_what_it_refused(camera_client):
    content = _noisy_jpeg(200)
    exact = content + b"\x00" * (-len(content) % 3)  # zero padding after the end marker is allowed; no "=" in base64
    encoded = b64(exact)
    assert not encoded.endswith("=") and ("+" in encoded or "/" in encoded)
    items = [
        _item("plain", encoded),
        _item("data-url", "data:image/jpeg;base64," + encoded),
        # the standard library's strict mode accepts a stray "=" after complete groups; so does ingest, as before
        _item("stray-padding", encoded + "="),
        _item("newline", encoded[:40] + "\n" + encoded[40:]),
        _item("url-safe", encoded.replace("+", "-").replace("/", "_")),
        _item("after-padding", b64(exact + b"\x00") + "QQ=="),
        _item("truncated", b64(content[:len(content) // 2])),
        _item("appended", b64(content + b"PK\x03\x04" + b"x" * 64)),
    ]
    response = camera_client.post(INGEST, {"reads": items}, format="json")
    assert response.status_code == 200, response.content[:500]
    results = {item["read_id"]: result for item, result in zip(items, response.json()["results"], strict=True)}
    assert {key for key, result in results.items() if result["status"] == "stored"} == {
        "plain", "data-url", "stray-padding"}
    assert {key: result["code"] for key, result in results.items() if result["status"] == "rejected"} == {
        "newline": "image_not_base64", "url-safe": "image_not_base64", "after-padding": "image_not_base64",
        "truncated": "image_truncated", "appended": "image_trailing_data"}
    assert Read.objects.get(source_read_id="plain").plate_crop_sha256 == hashlib.sha256(exact).hexdigest()
