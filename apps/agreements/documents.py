"""Uploaded documents (signed agreements, renewal applications, warrants, court orders): decoded, not trusted.

A file is accepted only if it really is what it claims: a PDF that pypdf parses (header, cross-reference table,
end-of-file marker, at least one page, not password-protected), or a JPEG/PNG that Pillow fully decodes. The size
limit is checked before anything is read. Messages are constants (tests assert them).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

from django.conf import settings
from PIL import Image

from apps.common.errors import ApplicationError

logger = logging.getLogger("alprportal.documents")

DOCUMENT_EMPTY = "The {field} is empty."
DOCUMENT_TOO_LARGE = "The {field} is {size:,} bytes; the limit is {limit:,} bytes."
DOCUMENT_WRONG_TYPE = "The {field} must be {allowed}; this file is not."
DOCUMENT_CORRUPT_PDF = "The {field} is not a readable PDF ({problem}). Upload the original document again."
DOCUMENT_ENCRYPTED_PDF = "The {field} is a password-protected PDF; upload it without a password."
DOCUMENT_CORRUPT_IMAGE = "The {field} is not a readable {kind} image ({problem}). Upload the original again."

MAX_IMAGE_PIXELS = 60_000_000
_KIND_WORDS = {"pdf": "a PDF", "jpeg": "a JPEG image", "png": "a PNG image"}
_CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
_EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}


@dataclass(frozen=True)
class ValidDocument:
    content: bytes
    kind: str  # pdf, jpeg or png

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.kind]

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self.kind]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def document_max_bytes() -> int:
    return settings.PORTAL["DISCLOSURE_ATTACHMENT_MAX_BYTES"]


def _allowed_words(allowed: tuple[str, ...]) -> str:
    words = [_KIND_WORDS[kind] for kind in allowed]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _check_pdf(content: bytes, *, field: str) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise ApplicationError(DOCUMENT_ENCRYPTED_PDF.format(field=field), code="document_encrypted")
        if len(reader.pages) < 1:
            raise ApplicationError(DOCUMENT_CORRUPT_PDF.format(field=field, problem="it has no pages"),
                                   code="document_corrupt")
        for page in reader.pages:
            _ = page.mediabox  # forces every page object to be resolved
    except ApplicationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise ApplicationError(DOCUMENT_CORRUPT_PDF.format(field=field, problem=str(exc)[:100] or type(exc).__name__),
                               code="document_corrupt") from exc


def _check_image(content: bytes, *, field: str, kind: str) -> None:
    label = "JPEG" if kind == "jpeg" else "PNG"
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != label:
                raise ApplicationError(DOCUMENT_CORRUPT_IMAGE.format(field=field, kind=label, problem="wrong format"),
                                       code="document_corrupt")
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ApplicationError(
                    DOCUMENT_CORRUPT_IMAGE.format(field=field, kind=label, problem=f"{width}×{height} is too large"),
                    code="document_corrupt")
            image.load()  # decode every pixel: a truncated file fails here
    except ApplicationError:
        raise
    except Exception as exc:  # Pillow raises many types for broken data
        raise ApplicationError(
            DOCUMENT_CORRUPT_IMAGE.format(field=field, kind=label, problem=str(exc)[:100] or type(exc).__name__),
            code="document_corrupt") from exc


def document_validate(uploaded, *, field: str, allowed: tuple[str, ...] = ("pdf", "jpeg", "png")) -> ValidDocument:
    """Read an uploaded file (a Django UploadedFile or bytes), check size and type by decoding it; raise
    ApplicationError (codes ``document_*``) with a message naming ``field``."""
    limit = document_max_bytes()
    size = len(uploaded) if isinstance(uploaded, bytes | bytearray) else getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ApplicationError(DOCUMENT_TOO_LARGE.format(field=field, size=size, limit=limit),
                               code="document_too_large")
    if isinstance(uploaded, bytes | bytearray):
        content = bytes(uploaded)
    else:
        uploaded.seek(0)
        content = uploaded.read(limit + 1)
        uploaded.seek(0)
    if not content:
        raise ApplicationError(DOCUMENT_EMPTY.format(field=field), code="document_empty")
    if len(content) > limit:
        raise ApplicationError(DOCUMENT_TOO_LARGE.format(field=field, size=len(content), limit=limit),
                               code="document_too_large")
    if content.startswith(b"%PDF-"):
        kind = "pdf"
    elif content.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    else:
        kind = ""
    if kind not in allowed:
        raise ApplicationError(DOCUMENT_WRONG_TYPE.format(field=field, allowed=_allowed_words(allowed)),
                               code="document_wrong_type")
    if kind == "pdf":
        _check_pdf(content, field=field)
    else:
        _check_image(content, field=field, kind=kind)
    return ValidDocument(content=content, kind=kind)
