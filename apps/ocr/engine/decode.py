"""Safe decoding of uploaded JPEG/PNG bytes.

The header is parsed first (PNG IHDR / JPEG SOFn) so a decompression bomb is rejected
before OpenCV allocates anything; then the image is really decoded with OpenCV (which is
what proves it is an image).  Every rejection raises :class:`ImageRejected` with a short
human message suitable for showing to the uploader.
"""
from __future__ import annotations

import struct

import numpy as np

from apps.common.imagelayout import image_end, trailing_data

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
# SOF markers carry the frame size; C4 (DHT), C8 (JPG ext) and CC (DAC) are not frames
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class ImageRejected(ValueError):
    """The upload is not an acceptable image; ``reason`` is a human message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _fmt(n: float) -> str:
    s = f"{n:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _mb(n_bytes: int) -> str:
    return _fmt(n_bytes / (1024 * 1024))


def image_format(data: bytes) -> str | None:
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    return None


def png_size(data: bytes) -> tuple[int, int]:
    # signature (8) + length (4) + b"IHDR" (4) + width (4) + height (4)
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise ImageRejected("truncated or corrupt image")
    w, h = struct.unpack(">II", data[16:24])
    return w, h


def jpeg_size(data: bytes) -> tuple[int, int]:
    i, n = 2, len(data)
    while i < n:
        # skip fill bytes up to the next marker
        if data[i] != 0xFF:
            raise ImageRejected("truncated or corrupt image")
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            break
        marker = data[i]
        i += 1
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # standalone markers
            continue
        if marker == 0xD9 or marker == 0xDA:  # EOI or start of scan before any frame header
            break
        if i + 2 > n:
            break
        seg_len = struct.unpack(">H", data[i : i + 2])[0]
        if seg_len < 2:
            break
        if marker in _SOF_MARKERS:
            if i + 7 > n:
                break
            h, w = struct.unpack(">HH", data[i + 3 : i + 7])
            return w, h
        i += seg_len
    raise ImageRejected("truncated or corrupt image")


def decode_image(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """Decode JPEG/PNG bytes to a BGR uint8 array, or raise :class:`ImageRejected`."""
    import cv2

    if data is None or len(data) == 0:
        raise ImageRejected("empty file")
    if len(data) > max_bytes:
        raise ImageRejected(f"file is {_mb(len(data))} MB; the limit is {_mb(max_bytes)} MB")
    fmt = image_format(data)
    if fmt is None:
        raise ImageRejected("not a JPEG or PNG image")
    w, h = png_size(data) if fmt == "png" else jpeg_size(data)
    if w <= 0 or h <= 0:
        raise ImageRejected("truncated or corrupt image")
    if w * h > max_pixels:
        raise ImageRejected(f"image is {w}x{h} pixels; the limit is {_fmt(max_pixels / 1_000_000)} megapixels")
    # a complete file has its end marker; OpenCV would otherwise return a half-grey image
    # The real end of the image, walked from its markers/chunks: missing = truncated; more than padding after it = a
    # polyglot (a ZIP or a script hiding behind a photo every viewer shows normally), refused (issue #9).
    end = image_end(data)
    if end is None:
        raise ImageRejected("truncated or corrupt image")
    if extra := trailing_data(data, end):
        raise ImageRejected(f"{extra:,} bytes of other data after the end of the image, where another file can hide")
    buf = np.frombuffer(data, dtype=np.uint8)
    try:
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    except cv2.error:
        img = None
    if img is None or img.size == 0:
        raise ImageRejected("truncated or corrupt image")
    # EXIF rotation may swap the axes; anything else means the header lied
    if sorted(img.shape[:2]) != sorted((h, w)):
        raise ImageRejected("truncated or corrupt image")
    return img
