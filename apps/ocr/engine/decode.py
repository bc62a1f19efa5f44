"""Safe decoding of uploaded JPEG/PNG bytes.

The header is parsed first (PNG IHDR / JPEG SOFn) so a decompression bomb is rejected
before OpenCV allocates anything; then the image is really decoded with OpenCV (which is
what proves it is an image).  Every rejection raises :class:`ImageRejected` with a short
human message suitable for showing to the uploader.
"""
from __future__ import annotations

import numpy as np

from apps.common.imagelayout import image_end, jpeg_layout, png_layout, trailing_data

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


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
    """(width, height) from the IHDR chunk, which must come first."""
    width, height, _end = png_layout(data)
    if data[12:16] != b"IHDR" or not width or not height:
        raise ImageRejected("truncated or corrupt image")
    return width, height


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the first frame header (SOFn), read before anything is decoded."""
    width, height, _end = jpeg_layout(data)
    if not width or not height:
        raise ImageRejected("truncated or corrupt image")
    return width, height


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
    # One walk of the markers/chunks (apps.common.imagelayout, nothing decoded): the size from the header, so a
    # decompression bomb is refused before OpenCV allocates; and the real end of the image: missing = truncated (OpenCV
    # would return a half-grey image); more than padding after it = a polyglot (a ZIP or a script hiding behind a
    # photo every viewer shows normally), refused (issue #9).
    w, h = png_size(data) if fmt == "png" else jpeg_size(data)
    if w * h > max_pixels:
        raise ImageRejected(f"image is {w}x{h} pixels; the limit is {_fmt(max_pixels / 1_000_000)} megapixels")
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
