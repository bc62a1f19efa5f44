"""Fixtures of the OCR tests: the real engine (loaded once per session), generated plate photos, bad files, the
shared plates dataset when it sits beside the repository (../shared/datasets/plates), and uploads."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.roles import Role
from apps.ocr.synthetic import plate_photo_jpeg, plate_photo_png
from tests.reads.conftest import agency, camera, store_reads  # noqa: F401  (fixtures shared with the reads tests)

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASET = REPO_ROOT.parent / "shared" / "datasets" / "plates" / "us-dev"


@pytest.fixture(scope="session")
def ocr_engine_loaded():
    """The real OCR engine, loaded once for the whole session (get_engine caches it per process)."""
    from apps.ocr.services.processing import ocr_engine

    return ocr_engine()


@pytest.fixture(scope="session")
def photo_7abc123() -> bytes:
    return plate_photo_jpeg("7ABC123", angle=3.0, seed=1)


@pytest.fixture(scope="session")
def photo_8kxt452() -> bytes:
    return plate_photo_png("8KXT452", angle=-4.0, seed=2)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def decompression_bomb_png(side: int = 20000) -> bytes:
    """A genuine PNG bomb: a 1-bit grey ``side``×``side`` image (400 megapixels, 1.2 GB once decoded to BGR) whose
    all-zero pixel data deflates to a few tens of kilobytes."""
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row * 1000) for _ in range(side // 1000)]
    idat = b"".join(chunks) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


@pytest.fixture(scope="session")
def bad_files(photo_7abc123) -> dict[str, bytes]:
    return {
        "corrupt.jpg": photo_7abc123[: len(photo_7abc123) // 2],  # cut in the middle: no end marker
        "empty.jpg": b"",
        "notes.jpg": b"Witness statement: silver sedan, plate started with 7AB.\n" * 20,  # text renamed .jpg
        "bomb.png": decompression_bomb_png(),
    }


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    content_type = "image/png" if name.endswith(".png") else "image/jpeg"
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def uploader(make_user):
    return make_user(Role.INVESTIGATOR)


@pytest.fixture
def ocr_settings(settings):
    """OCR settings of the tests: the default engine, limits as in production."""
    settings.PORTAL = {**settings.PORTAL, "OCR_ENGINE": "onnx"}
    return settings
