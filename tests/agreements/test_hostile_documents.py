"""Hostile documents (issue #9, item 5) against the document checker used for agreements (R-SHR-2) and written
requests (R-SHR-3, R-SHR-5): each refused with its own message, in bounded memory and time, nothing stored; ordinary
documents still pass."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from apps.agreements import documents
from apps.agreements.documents import (
    DOCUMENT_ARCHIVE,
    DOCUMENT_CORRUPT_IMAGE,
    DOCUMENT_IMAGE_TOO_LARGE,
    DOCUMENT_PDF_BOMB,
    DOCUMENT_PDF_TOO_COMPLEX,
    DOCUMENT_PDF_TOO_MANY_PAGES,
    DOCUMENT_POLYGLOT_ARCHIVE,
    DOCUMENT_POLYGLOT_LEADING,
    DOCUMENT_POLYGLOT_TRAILING,
    DOCUMENT_WRONG_EXTENSION,
    document_validate,
)
from apps.agreements.models import Agreement
from apps.common.errors import ApplicationError
from tests.agreements import bad_files
from tests.agreements.helpers import image_bytes, pdf_bytes, upload

REPO_ROOT = Path(__file__).resolve().parents[2]
ZIP_WORDS = "a ZIP archive (Word and other Office files are ZIP archives too)"
ANY = "a PDF, a JPEG image or a PNG image"


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {"zip": bad_files.zip_bomb(), "pdf": bad_files.pdf_flate_bomb(),
            "pdf_many": bad_files.pdf_many_streams_bomb(), "pdf_objstm": bad_files.pdf_object_stream_bomb()}


def _refusal(content: bytes, name: str, *, field: str = "court order", allowed=("pdf", "jpeg", "png")):
    with pytest.raises(ApplicationError) as caught:
        document_validate(upload(content, name), field=field, allowed=allowed)
    return caught.value


# --- archives and bombs -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["evidence.zip", "warrant.pdf", "warrant"])
def test_a_zip_bomb_is_refused_unopened_whatever_its_name(bombs, name):
    error = _refusal(bombs["zip"], name)
    assert error.code == "document_archive"
    assert error.message == DOCUMENT_ARCHIVE.format(field="court order", archive=ZIP_WORDS, allowed=ANY)


@pytest.mark.parametrize(("content", "archive"), [
    (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c" + b"\x00" * 20, "a 7-Zip archive"),
    (b"Rar!\x1a\x07\x01\x00" + b"\x00" * 20, "a RAR archive"),
])
def test_other_archives_are_named(content, archive):
    error = _refusal(content, "order.pdf", field="signed agreement", allowed=("pdf",))
    assert error.message == DOCUMENT_ARCHIVE.format(field="signed agreement", archive=archive, allowed="a PDF")


@pytest.mark.parametrize(("bomb", "limit"), [
    ("pdf", documents.PDF_STREAM_MAX_INFLATED),  # one content stream inflating to 2 GiB
    ("pdf_many", documents.PDF_TOTAL_MAX_INFLATED),  # six of 200 MiB: each under the stream limit, not together
    ("pdf_objstm", documents.PDF_PARSE_MAX_INFLATED),  # the object stream pypdf itself must inflate to parse
])
def test_a_pdf_decompression_bomb_is_refused_quickly(bombs, bomb, limit):
    started = time.monotonic()
    error = _refusal(bombs[bomb], "warrant.pdf")
    assert time.monotonic() - started < 10
    assert error.code == "document_bomb"
    assert error.message == DOCUMENT_PDF_BOMB.format(field="court order", limit_mb=limit // 1_048_576)


def test_page_count_and_checking_time_are_capped(monkeypatch):
    monkeypatch.setattr(documents, "PDF_MAX_PAGES", 3)
    error = _refusal(pdf_bytes(pages=4), "order.pdf")
    assert error.message == DOCUMENT_PDF_TOO_MANY_PAGES.format(field="court order", pages=4, limit=3)
    monkeypatch.setattr(documents, "PDF_CHECK_SECONDS", 0)
    error = _refusal(pdf_bytes(pages=2), "order.pdf")
    assert error.code == "document_too_complex"
    assert error.message == DOCUMENT_PDF_TOO_COMPLEX.format(field="court order", seconds=0)


def test_compressed_pdfs_under_the_limits_pass():
    content = bad_files.pdf_with_streams([bad_files.deflate_zeros(8 * 1_048_576)] * 3)
    assert document_validate(content, field="court order").kind == "pdf"
    assert document_validate(bad_files.pdf_object_stream_bomb(zeros=1_048_576), field="court order").kind == "pdf"


def test_validating_bombs_keeps_memory_and_time_bounded(bombs, tmp_path):
    """In a fresh interpreter (so the peak is the checker's, not the suite's): the peak RSS grows by less than 100 MB
    over checking all the bombs and the huge-dimension headers, the process survives, and a real PDF passes after."""
    files = {**bombs, "jpeg_huge": bad_files.jpeg_claiming(60000, 60000),
             "png_huge": bad_files.png_claiming(60000, 60000)}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "good.pdf").write_bytes(pdf_bytes())
    probe = f"""
import json, os, resource, sys, time
sys.path.insert(0, {str(REPO_ROOT)!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alprportal.settings_test")
import django
django.setup()
from pathlib import Path
from apps.agreements.documents import document_validate
from apps.common.errors import ApplicationError
folder = Path({str(tmp_path)!r})
contents = {{path.name: path.read_bytes() for path in folder.iterdir()}}
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
document_validate(contents.pop("good.pdf"), field="warm-up")  # imports pypdf and Pillow before measuring
before, started, codes = peak(), time.monotonic(), {{}}
for name, content in contents.items():
    try:
        document_validate(content, field="court order")
        codes[name] = "accepted"
    except ApplicationError as error:
        codes[name] = error.code
seconds = time.monotonic() - started
good = document_validate((folder / "good.pdf").read_bytes(), field="court order").kind
print(json.dumps({{"growth_mb": peak() - before, "seconds": seconds, "codes": codes, "good": good}}))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,  # noqa: S603
                            cwd=REPO_ROOT, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["codes"] == {"zip": "document_archive", "pdf": "document_bomb", "pdf_many": "document_bomb",
                               "pdf_objstm": "document_bomb", "jpeg_huge": "document_too_many_pixels",
                               "png_huge": "document_too_many_pixels"}
    assert report["growth_mb"] < 100, report
    assert report["seconds"] < 15, report
    assert report["good"] == "pdf"


# --- polyglots ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(bad_files.polyglots()))
def test_polyglots_are_refused_with_what_hides_where(name):
    content, kind = bad_files.polyglots()[name]
    error = _refusal(content, name)
    assert error.code == "document_polyglot"
    if name in ("jpeg+zip.jpg", "pdf+zip.pdf", "pdf-zip-inside.pdf"):
        assert error.message == DOCUMENT_POLYGLOT_ARCHIVE.format(field="court order", kind=kind)
    elif name == "junk+pdf.pdf":
        assert error.message == DOCUMENT_POLYGLOT_LEADING.format(field="court order", extra=content.find(b"%PDF-"))
    else:
        extra = len(content) - len(image_bytes("JPEG" if kind.startswith("JPEG") else "PNG", size=(64, 48)))
        assert error.message == DOCUMENT_POLYGLOT_TRAILING.format(field="court order", extra=extra, kind=kind)


def test_padding_after_the_end_marker_is_not_a_polyglot():
    for content in (image_bytes("JPEG") + b"\x00" * 300, image_bytes("PNG") + b"\r\n", pdf_bytes() + b"\n\n\x00"):
        assert document_validate(content, field="court order")


def test_real_world_jpeg_variants_pass():
    """Progressive, with an EXIF thumbnail (a JPEG inside the JPEG), restart markers, CMYK: the marker walk must not
    mistake any of them for a polyglot or a truncation."""
    picture = Image.effect_noise((320, 200), 60).convert("RGB")
    variants = []
    for options in ({"progressive": True}, {"restart_marker_blocks": 4}, {"quality": 95, "subsampling": 0}):
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", **options)
        variants.append(buffer.getvalue())
    thumbnail = io.BytesIO()
    picture.resize((80, 50)).save(thumbnail, format="JPEG")
    exif = Image.Exif()
    exif[0x010F] = "Scanner Co."
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif.tobytes() + thumbnail.getvalue())
    variants.append(buffer.getvalue())
    buffer = io.BytesIO()
    picture.convert("CMYK").save(buffer, format="JPEG")
    variants.append(buffer.getvalue())
    for content in variants:
        assert document_validate(content, field="court order").kind == "jpeg"


# --- dimensions, names, truncation ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("content", "name"), [
    (bad_files.jpeg_claiming(60000, 60000), "scan.jpg"),
    (bad_files.png_claiming(60000, 60000), "scan.png"),
])
def test_huge_dimensions_are_refused_from_the_header(content, name):
    error = _refusal(content, name)
    assert error.code == "document_too_many_pixels"
    assert error.message == DOCUMENT_IMAGE_TOO_LARGE.format(field="court order", width=60000, height=60000,
                                                            limit=60)


@pytest.mark.parametrize(("content", "name", "actual", "extension"), [
    (image_bytes("PNG"), "warrant.pdf", "a PNG image", "png"),
    (image_bytes("JPEG"), "warrant.png", "a JPEG image", "jpg"),
    (pdf_bytes(), "warrant.jpg", "a PDF", "pdf"),
    (pdf_bytes(), "warrant.exe", "a PDF", "pdf"),
])
def test_a_name_contradicting_the_content_is_refused(content, name, actual, extension):
    error = _refusal(content, name)
    assert error.code == "document_wrong_extension"
    assert error.message == DOCUMENT_WRONG_EXTENSION.format(field="court order", name=name, actual=actual,
                                                            extension=extension)


@pytest.mark.parametrize(("content", "name"), [
    (image_bytes("JPEG"), "Warrant.JPEG"), (image_bytes("JPEG"), "scan.jfif"), (pdf_bytes(), "order.PDF"),
    (pdf_bytes(), "order"), (image_bytes("PNG"), "scan 2026.05.01.png"),
])
def test_matching_or_missing_extensions_pass(content, name):
    assert document_validate(upload(content, name), field="court order")


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_a_truncated_image_says_so_in_plain_words_even_after_weasyprint_is_imported(kind):
    """WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process when imported; the check must not
    follow it (the web and worker processes import WeasyPrint to render letters and reports)."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    picture = Image.effect_noise((200, 150), 60).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format=kind)
    error = _refusal(buffer.getvalue()[: len(buffer.getvalue()) // 2], f"scan.{kind.lower()}")
    assert error.message == DOCUMENT_CORRUPT_IMAGE.format(field="court order", kind=kind,
                                                          problem="it is truncated or damaged")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as WeasyPrint wants it


# --- through the agreement service (R-SHR-2): nothing stored ---------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("bomb", ["zip", "pdf"])
def test_an_agreement_with_a_bomb_as_its_signed_document_is_refused(bombs, sysadmin, partner_agency, bomb, settings):
    from apps.agreements.services.drafts import agreement_create

    with pytest.raises(ApplicationError) as caught:
        agreement_create(actor=sysadmin, partner_agency=partner_agency, title="t", start_date=timezone.localdate(),
                         sunset_date=timezone.localdate() + timedelta(30),
                         signed_document=upload(bombs[bomb], "signed.pdf"))
    assert caught.value.code == ("document_archive" if bomb == "zip" else "document_bomb")
    assert not Agreement.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [path for path in media.rglob("*") if path.is_file()]
