"""Tests for apps.ocr.engine.decode (need numpy + OpenCV only)."""
import struct
import zlib

import pytest

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")

from apps.ocr.engine.decode import ImageRejected, decode_image, jpeg_size, png_size  # noqa: E402


def _jpeg(w=64, h=32):
    ok, buf = cv2.imencode(".jpg", np.full((h, w, 3), 128, np.uint8))
    assert ok
    return buf.tobytes()


def _png(w=64, h=32):
    ok, buf = cv2.imencode(".png", np.full((h, w, 3), 200, np.uint8))
    assert ok
    return buf.tobytes()


def _png_header_only(w, h):
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk


def _reason(data, **kw):
    with pytest.raises(ImageRejected) as ei:
        decode_image(data, **kw)
    return ei.value.reason


def test_decodes_jpeg_and_png():
    assert decode_image(_jpeg()).shape == (32, 64, 3)
    assert decode_image(_png()).shape == (32, 64, 3)
    assert jpeg_size(_jpeg(40, 20)) == (40, 20)
    assert png_size(_png(40, 20)) == (40, 20)


def test_empty_and_not_an_image():
    assert _reason(b"") == "empty file"
    assert _reason(b"GIF89a......") == "not a JPEG or PNG image"
    assert _reason(b"hello world") == "not a JPEG or PNG image"


def test_truncated():
    assert _reason(_jpeg()[:200]) == "truncated or corrupt image"
    assert _reason(_png()[:40]) == "truncated or corrupt image"
    assert _reason(b"\xff\xd8\xff") == "truncated or corrupt image"


def test_decompression_bomb_rejected_from_header():
    # a PNG header claiming 30000x30000 pixels: rejected before any decoding
    assert _reason(_png_header_only(30000, 30000)) == "image is 30000x30000 pixels; the limit is 40 megapixels"


def test_jpeg_header_dimensions_checked():
    data = bytearray(_jpeg(64, 32))
    i = data.find(b"\xff\xc0")
    data[i + 5 : i + 9] = struct.pack(">HH", 30000, 30000)  # height, width
    assert _reason(bytes(data)) == "image is 30000x30000 pixels; the limit is 40 megapixels"


def test_file_size_limit():
    data = _jpeg() + b"\0" * (30 * 1024 * 1024)
    assert _reason(data) == "file is 30 MB; the limit is 20 MB"
