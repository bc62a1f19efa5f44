"""Generated photos of a plate for the demo data and the tests (never real people's photos in the repository).

A car-coloured scene with a white plate-like rectangle holding ``plate`` (OpenCV's Hershey font), a state name
above it, a dealer sign and a date stamp as distracting text, rotated a few degrees and slightly blurred.
"""

from __future__ import annotations

import numpy as np


def plate_photo(plate: str | None, *, angle: float = 3.0, seed: int = 0, size: tuple[int, int] = (720, 480),
                stamp: str = "2024-05-01 13:22:07", stamp_size: float = 0.6):
    """A BGR image (numpy array) showing ``plate`` (None: the same scene without a plate), with the camera's time
    ``stamp`` burnt into the bottom-left corner; deterministic for a given seed."""
    import cv2

    width, height = size
    rng = np.random.default_rng(seed)
    image = np.empty((height, width, 3), np.uint8)
    image[:] = (90, 110, 100)
    image += rng.integers(0, 30, image.shape, dtype=np.uint8)
    cv2.rectangle(image, (width // 4, int(height * 0.62)), (width - width // 4, int(height * 0.83)), (30, 30, 30), -1)
    x0, y0, w, h = int(width * 0.32), int(height * 0.375), int(width * 0.36), int(height * 0.23)
    scale = width / 720
    if plate is not None:
        cv2.rectangle(image, (x0, y0), (x0 + w, y0 + h), (235, 235, 235), -1)
        cv2.rectangle(image, (x0, y0), (x0 + w, y0 + h), (40, 40, 40), 3)
        cv2.putText(image, "CALIFORNIA", (x0 + int(70 * scale), y0 + int(22 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.55 * scale, (40, 40, 160), 1, cv2.LINE_AA)
        cv2.putText(image, plate, (x0 + int(18 * scale), y0 + int(85 * scale)), cv2.FONT_HERSHEY_DUPLEX,
                    1.9 * scale, (20, 20, 20), max(2, int(4 * scale)), cv2.LINE_AA)
    if stamp:
        cv2.putText(image, stamp, (10, height - 10), cv2.FONT_HERSHEY_SIMPLEX, stamp_size * scale, (255, 255, 255),
                    max(1, round(stamp_size * 1.6 * scale)), cv2.LINE_AA)
    cv2.putText(image, "JOE'S AUTO SALES", (20, int(60 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 1.0 * scale,
                (200, 200, 30), 2, cv2.LINE_AA)
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    image = cv2.warpAffine(image, rotation, (width, height), borderMode=cv2.BORDER_REPLICATE)
    return cv2.GaussianBlur(image, (3, 3), 0.8)


def plate_photo_jpeg(plate: str, **kwargs) -> bytes:
    import cv2

    ok, buffer = cv2.imencode(".jpg", plate_photo(plate, **kwargs), [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise RuntimeError("OpenCV could not encode the generated photo")
    return buffer.tobytes()


def plate_photo_png(plate: str, **kwargs) -> bytes:
    import cv2

    ok, buffer = cv2.imencode(".png", plate_photo(plate, **kwargs))
    if not ok:
        raise RuntimeError("OpenCV could not encode the generated photo")
    return buffer.tobytes()
