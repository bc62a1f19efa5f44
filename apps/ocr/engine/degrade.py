"""Degraded versions of a photo, for measuring how the OCR holds up on worse input than the benchmark photos.

Four kinds, each deterministic for a given seed (the benchmark seeds them with a hash of the file name, so every run
measures the same pixels):

``screen``  a phone picture of a monitor showing the photo: the photo is shown fitted to a 1920 px wide monitor
            on a pixel grid (RGB sub-pixel stripes), photographed off-axis (perspective warp of 4-8 % per corner)
            at 1.25-1.65 camera pixels per screen pixel, so the grid beats into moiré, with some glare, blur and
            sensor noise, saved as a phone JPEG (quality 80) and scaled back to the photo's width;
``rotate``  rotated 5-10 degrees either way (the corners filled by replicating the border);
``jpeg``    re-saved as JPEG at quality 30-40;
``small``   scaled down to 640 px wide.

All return BGR uint8 arrays; :func:`degraded_jpeg` also encodes them (the benchmark times the decode too).
"""
from __future__ import annotations

import hashlib

import cv2
import numpy as np

KINDS = ("screen", "rotate", "jpeg", "small")
SCREEN_WIDTH = 1920


def seed_for(name: str, kind: str) -> int:
    """A stable seed per (file name, kind): the same degraded pixels in every run and on every machine."""
    return int.from_bytes(hashlib.sha256(f"{kind}:{name}".encode()).digest()[:4], "big")


def _encode(img: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV always encodes a BGR uint8 array
        raise RuntimeError("OpenCV could not encode the degraded photo")
    return buf.tobytes()


def rotate(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    angle = float(rng.uniform(5.0, 10.0)) * (1 if rng.random() < 0.5 else -1)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def jpeg(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    quality = int(rng.integers(30, 41))
    return cv2.imdecode(np.frombuffer(_encode(img, quality), np.uint8), cv2.IMREAD_COLOR)


def small(img: np.ndarray, rng: np.random.Generator | None = None, width: int = 640) -> np.ndarray:
    h, w = img.shape[:2]
    if w <= width:
        return img.copy()
    return cv2.resize(img, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def screen(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A phone photo of the image shown on a monitor."""
    h0, w0 = img.shape[:2]
    # the viewer shows the photo fitted to a 1920 px wide monitor (a small photo is enlarged, as viewers do)
    fit = max(1.0, SCREEN_WIDTH / w0)
    shown_img = cv2.resize(img, (round(w0 * fit), round(h0 * fit)), interpolation=cv2.INTER_LINEAR) if fit > 1 else img
    h, w = shown_img.shape[:2]
    # the monitor: each screen pixel becomes a 3x3 cell of R, G, B stripes with a dark gap row (sub-pixel layout)
    cell = 3
    up = cv2.resize(shown_img, (w * cell, h * cell), interpolation=cv2.INTER_NEAREST)
    mask = np.zeros((cell, cell, 3), np.uint8)
    for c, channel in enumerate((2, 1, 0)):  # BGR image: R stripe first, then G, then B
        mask[:, c, channel] = 255
    mask[cell - 1, :, :] = mask[cell - 1, :, :] // 2  # the darker gap between pixel rows
    shown = cv2.multiply(up, np.tile(mask, (h, w, 1)), scale=2.2 / 255)  # uint8 throughout: 4K frames stay small
    del up
    # the phone: off-axis, so a perspective warp; its sensor samples the grid at a non-integer pitch → moiré
    scale = float(rng.uniform(0.42, 0.55))  # 1.25-1.65 camera pixels per screen pixel: the grid beats into moiré
    out_w, out_h = round(w * cell * scale), round(h * cell * scale)
    src = np.float32([[0, 0], [w * cell, 0], [w * cell, h * cell], [0, h * cell]])
    jitter = rng.uniform(0.04, 0.08, (4, 2)) * np.float32([out_w, out_h])
    sign = np.float32([[1, 1], [-1, 1], [-1, -1], [1, -1]])
    dst = np.float32([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]]) + sign * jitter * rng.uniform(0.2, 1.0, (4, 1))
    m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    shot = cv2.warpPerspective(shown, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=(25, 25, 25))
    # glare (a soft bright blob), a little defocus and sensor noise
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    gx, gy = rng.uniform(0.2, 0.8) * out_w, rng.uniform(0.2, 0.8) * out_h
    glare = 60.0 * np.exp(-(((xx - gx) / (0.35 * out_w)) ** 2 + ((yy - gy) / (0.35 * out_h)) ** 2))
    shot = shot.astype(np.float32) * 0.85 + glare[..., None]
    shot = cv2.GaussianBlur(shot, (0, 0), float(rng.uniform(0.6, 0.9)))  # optics
    shot = shot + rng.normal(0.0, 4.0, shot.shape).astype(np.float32)
    shot = np.clip(shot, 0, 255).astype(np.uint8)
    # the phone's picture as sent on: scaled to the photo's width (the leftover grid aliases into moiré bands)
    shot = cv2.resize(shot, (w0, max(1, round(out_h * w0 / out_w))), interpolation=cv2.INTER_AREA)
    return cv2.imdecode(np.frombuffer(_encode(shot, 80), np.uint8), cv2.IMREAD_COLOR)


_FUNCS = {"screen": screen, "rotate": rotate, "jpeg": jpeg, "small": small}


def degrade(img: np.ndarray, kind: str, seed: int = 0) -> np.ndarray:
    """The ``kind`` degradation of a BGR image (see the module docstring); deterministic for a seed."""
    try:
        func = _FUNCS[kind]
    except KeyError:
        raise ValueError(f"unknown degradation {kind!r}; choose one of {', '.join(KINDS)}") from None
    return func(img, np.random.default_rng(seed))


def degraded_jpeg(img: np.ndarray, kind: str, seed: int = 0) -> bytes:
    """:func:`degrade` saved as a JPEG file's bytes (``jpeg`` keeps its own low quality: it is encoded once)."""
    if kind == "jpeg":
        quality = int(np.random.default_rng(seed).integers(30, 41))
        return _encode(img, quality)
    return _encode(degrade(img, kind, seed), 92)
