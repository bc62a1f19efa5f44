"""Uploaded documents (signed agreements, renewal applications, warrants, court orders): decoded, not trusted.

A file is accepted only if it really is what it claims: a PDF that pypdf parses (header, cross-reference table,
end-of-file marker, at least one page, not password-protected), or a JPEG/PNG that Pillow fully decodes. The size
limit is checked before anything is read. Messages are constants (tests assert them).

Hostile files (issue #9, item 5) are refused with a message that says what is wrong, and checking them costs a
bounded amount of memory and time whatever they claim:

- **archives** (ZIP, gzip, 7z, RAR, …), including one renamed ``.pdf``, are recognized by their first bytes and refused
  unopened: nothing is ever extracted;
- **polyglots**: a file that is also a ZIP archive, a JPEG or PNG with data after its end marker, a PDF with data
  before ``%PDF-`` or after its last ``%%EOF`` (the usual ways to hide a second file in a document);
- **huge dimensions**: an image whose header claims more than ``MAX_IMAGE_PIXELS`` is refused from the header, before
  Pillow allocates anything; JPEGs are decoded at 1/8 scale (every byte of the scan is still decoded, so a truncated
  file still fails) so that memory stays small;
- **decompression bombs in PDFs**: pypdf inflates the cross-reference and object streams it parses under
  ``PDF_PARSE_MAX_INFLATED``; every other Flate stream is inflated chunk by chunk into nothing, counting bytes, and the
  file is refused once a stream passes ``PDF_STREAM_MAX_INFLATED`` or all of them ``PDF_TOTAL_MAX_INFLATED``;
  pages are capped (``PDF_MAX_PAGES``) and the whole check has a deadline (``PDF_CHECK_SECONDS``);
- a **name whose extension contradicts the content** (a PNG called ``warrant.pdf``) is refused: the custodian reads
  the name before opening the file.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import struct
import time
import zlib
from dataclasses import dataclass

from django.conf import settings
from PIL import Image

from apps.common.errors import ApplicationError
from apps.common.imagelayout import TRAILING_PADDING, jpeg_layout, png_layout

logger = logging.getLogger("alprportal.documents")

DOCUMENT_EMPTY = "The {field} is empty."
DOCUMENT_TOO_LARGE = "The {field} is {size:,} bytes; the limit is {limit:,} bytes."
DOCUMENT_WRONG_TYPE = "The {field} must be {allowed}; this file is not."
DOCUMENT_CORRUPT_PDF = "The {field} is not a readable PDF ({problem}). Upload the original document again."
DOCUMENT_ENCRYPTED_PDF = "The {field} is a password-protected PDF; upload it without a password."
DOCUMENT_CORRUPT_IMAGE = "The {field} is not a readable {kind} image ({problem}). Upload the original again."
DOCUMENT_ARCHIVE = ("The {field} is {archive}, not a document; archives are refused without being opened. "
                    "Upload {allowed} itself.")
DOCUMENT_WRONG_EXTENSION = ("The {field} is named “{name}” but it is {actual}; upload it under a name ending in "
                            ".{extension}, or upload the right file.")
DOCUMENT_POLYGLOT_TRAILING = ("The {field} has {extra:,} bytes of other data after the end of the {kind}, where "
                              "another file can hide; save or scan the document again as a plain {kind} and "
                              "upload that.")
DOCUMENT_POLYGLOT_LEADING = ("The {field} has {extra:,} bytes of other data before the start of the PDF, where "
                             "another file can hide; save the document again as a plain PDF and upload that.")
DOCUMENT_POLYGLOT_ARCHIVE = ("The {field} is also a ZIP archive hidden inside the {kind}; save or scan the document "
                             "again as a plain {kind} and upload that.")
DOCUMENT_IMAGE_TOO_LARGE = ("The {field} is {width:,}×{height:,} pixels; the limit is {limit} megapixels. "
                            "Scan it at a lower resolution (300 dpi is plenty).")
DOCUMENT_PDF_BOMB = ("The {field} is a PDF whose compressed content expands to more than {limit_mb:,} MB "
                     "(a decompression bomb), so it was refused. Save the document again as an ordinary PDF.")
DOCUMENT_PDF_TOO_MANY_PAGES = "The {field} has {pages:,} pages; the limit is {limit:,} pages."
DOCUMENT_PDF_OVER_LIMIT = ("The {field} is a PDF built beyond the portal's safety limits ({problem}); save it "
                           "again as an ordinary PDF and upload that.")
DOCUMENT_PDF_TOO_COMPLEX = ("The {field} could not be checked within {seconds} seconds; save it again as an "
                            "ordinary PDF and upload that.")

MAX_IMAGE_PIXELS = 60_000_000
PDF_MAX_PAGES = 2_000
PDF_PARSE_MAX_INFLATED = 32 * 1024 * 1024  # pypdf's own limit for the cross-reference/object streams it inflates
PDF_STREAM_MAX_INFLATED = 256 * 1024 * 1024  # a 600 dpi colour letter page is ~100 MB raw
PDF_TOTAL_MAX_INFLATED = 1024 * 1024 * 1024  # ~1 s of zlib work at most
PDF_CHECK_SECONDS = 20
_INFLATE_CHUNK = 1024 * 1024

_KIND_WORDS = {"pdf": "a PDF", "jpeg": "a JPEG image", "png": "a PNG image"}
_KIND_LABELS = {"pdf": "PDF", "jpeg": "JPEG image", "png": "PNG image"}
_CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
_EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}
_NAME_EXTENSIONS = {"pdf": {"pdf"}, "jpeg": {"jpg", "jpeg", "jpe", "jfif"}, "png": {"png"}}
_ARCHIVE_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (Word and other Office files are ZIP archives too)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"PK\x07\x08", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"(\xb5/\xfd", "a zstd archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
)
_BUFFER_REPR = re.compile(r"<_io\.BytesIO object at 0x[0-9a-f]+>")
_NAME_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")
# JPEG frame headers (SOFn) carry the size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames
_FLATE = {"/FlateDecode", "/Fl"}
_ASCII_FILTERS = {"/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85"}
_EXPANDING_FILTERS = {"/LZWDecode", "/LZW", "/RunLengthDecode", "/RL"}


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


def _refuse(message: str, code: str, **values) -> ApplicationError:
    return ApplicationError(message.format(**values), code=code)


# --- structure: where a file really ends, and whether a ZIP hides in it ------------------------------------------
def _hidden_zip(content: bytes) -> bool:
    """True when a ZIP reader would open ``content``: an end-of-central-directory record in the last 64 KiB whose
    central directory really starts with a file header (readers locate it from the end, so a ZIP appended to, or
    embedded near the end of, another file opens as well)."""
    tail_start = max(0, len(content) - (65_535 + 22))
    position = content.rfind(b"PK\x05\x06", tail_start)
    while position >= 0:
        record = content[position:position + 22]
        if len(record) == 22:
            entries, directory_size = struct.unpack("<xxxxxxxxxxHI", record[:16])
            start = position - directory_size
            if entries and directory_size and start >= 0 and content[start:start + 4] == b"PK\x01\x02":
                return True
        position = content.rfind(b"PK\x05\x06", tail_start, position)
    return False


def _check_trailing(content: bytes, end: int | None, *, field: str, kind: str) -> None:
    if end is None:
        return
    extra = content[end:]
    if extra.strip(TRAILING_PADDING):
        raise _refuse(DOCUMENT_POLYGLOT_TRAILING, "document_polyglot", field=field, extra=len(extra),
                      kind=_KIND_LABELS[kind])


# --- PDF --------------------------------------------------------------------------------------------------------
def _pdf_filters(stream) -> list[str]:
    filters = stream.get("/Filter")
    if filters is None:
        return []
    if isinstance(filters, list | tuple):
        return [str(name) for name in filters]
    return [str(filters)]


def _inflated_size(data: bytes, *, limit: int) -> int:
    """How many bytes ``data`` inflates to, up to ``limit`` + 1: inflated one chunk at a time into nothing, so memory
    stays at one chunk whatever the ratio. A damaged stream counts what came out before the damage."""
    inflater = zlib.decompressobj()
    total = 0
    pending = data
    try:
        while pending and total <= limit:
            total += len(inflater.decompress(pending, _INFLATE_CHUNK))
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error:
        pass
    return total


def _check_pdf_streams(reader, *, field: str, deadline: float) -> None:
    """Measure every stream of the file without keeping what it inflates to (see the module docstring)."""
    from pypdf.errors import LimitReachedError
    from pypdf.filters import ASCII85Decode, ASCIIHexDecode
    from pypdf.generic import IndirectObject, StreamObject

    total = 0
    for generation, objects in list(reader.xref.items()):
        for number in list(objects):
            if time.monotonic() > deadline:
                raise _refuse(DOCUMENT_PDF_TOO_COMPLEX, "document_too_complex", field=field,
                              seconds=PDF_CHECK_SECONDS)
            try:
                stream = reader.get_object(IndirectObject(number, generation, reader))
            except LimitReachedError:
                raise
            except Exception:  # noqa: S112  an unreadable object is for pypdf to report, not a bomb
                continue
            if not isinstance(stream, StreamObject):
                continue
            filters = _pdf_filters(stream)
            raw = stream._data  # the encoded bytes as stored in the file: pypdf decodes only on get_data()
            if _FLATE & set(filters):
                leading = filters[:next(index for index, name in enumerate(filters) if name in _FLATE)]
                if not set(leading) <= _ASCII_FILTERS:
                    continue
                for name in leading:  # ASCII encodings only ever shrink
                    raw = (ASCIIHexDecode if name in ("/ASCIIHexDecode", "/AHx") else ASCII85Decode).decode(raw)
                    raw = raw if isinstance(raw, bytes) else raw.encode("latin-1")
                inflated = _inflated_size(raw, limit=PDF_STREAM_MAX_INFLATED)
            elif _EXPANDING_FILTERS & set(filters):
                inflated = len(stream.get_data())  # pypdf's LZW/RunLength decoders stop at PDF_PARSE_MAX_INFLATED
            else:
                continue
            total += inflated
            if inflated > PDF_STREAM_MAX_INFLATED:
                raise _refuse(DOCUMENT_PDF_BOMB, "document_bomb", field=field,
                              limit_mb=PDF_STREAM_MAX_INFLATED // 1_048_576)
            if total > PDF_TOTAL_MAX_INFLATED:
                raise _refuse(DOCUMENT_PDF_BOMB, "document_bomb", field=field,
                              limit_mb=PDF_TOTAL_MAX_INFLATED // 1_048_576)


def _check_pdf(content: bytes, *, field: str) -> None:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError, PdfReadError

    end_marker = content.rfind(b"%%EOF")
    if end_marker >= 0:
        _check_trailing(content, end_marker + len(b"%%EOF"), field=field, kind="pdf")
    deadline = time.monotonic() + PDF_CHECK_SECONDS
    limits = {
        "zlib_maximum_output_length": PDF_PARSE_MAX_INFLATED,
        "lzw_maximum_output_length": PDF_PARSE_MAX_INFLATED,
        "run_length_maximum_output_length": PDF_PARSE_MAX_INFLATED,
        "array_based_stream_maximum_output_length": PDF_PARSE_MAX_INFLATED,
        "stream_decoding_work_maximum_length": PDF_PARSE_MAX_INFLATED * 2,
    }
    try:
        with apply_configuration(**limits):
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                raise ApplicationError(DOCUMENT_ENCRYPTED_PDF.format(field=field), code="document_encrypted")
            pages = len(reader.pages)
            if pages < 1:
                raise ApplicationError(DOCUMENT_CORRUPT_PDF.format(field=field, problem="it has no pages"),
                                       code="document_corrupt")
            if pages > PDF_MAX_PAGES:
                raise _refuse(DOCUMENT_PDF_TOO_MANY_PAGES, "document_too_many_pages", field=field, pages=pages,
                              limit=PDF_MAX_PAGES)
            for page in reader.pages:
                _ = page.mediabox  # forces every page object to be resolved
                if time.monotonic() > deadline:
                    raise _refuse(DOCUMENT_PDF_TOO_COMPLEX, "document_too_complex", field=field,
                                  seconds=PDF_CHECK_SECONDS)
            _check_pdf_streams(reader, field=field, deadline=deadline)
    except ApplicationError:
        raise
    except LimitReachedError as exc:
        logger.warning("document refused at one of pypdf's limits: %s", exc)
        if "decompress" in str(exc) or "decoding work" in str(exc):
            raise _refuse(DOCUMENT_PDF_BOMB, "document_bomb", field=field,
                          limit_mb=PDF_PARSE_MAX_INFLATED // 1_048_576) from exc
        raise _refuse(DOCUMENT_PDF_OVER_LIMIT, "document_too_complex", field=field,
                      problem=str(exc)[:100]) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError,
            zlib.error) as exc:
        raise ApplicationError(DOCUMENT_CORRUPT_PDF.format(field=field, problem=str(exc)[:100] or type(exc).__name__),
                               code="document_corrupt") from exc


# --- images -----------------------------------------------------------------------------------------------------
def _check_image(content: bytes, *, field: str, kind: str) -> None:
    label = "JPEG" if kind == "jpeg" else "PNG"
    width, height, end = jpeg_layout(content) if kind == "jpeg" else png_layout(content)
    if width is not None and height is not None and width * height > MAX_IMAGE_PIXELS:
        raise _refuse(DOCUMENT_IMAGE_TOO_LARGE, "document_too_many_pixels", field=field, width=width, height=height,
                      limit=MAX_IMAGE_PIXELS // 1_000_000)
    _check_trailing(content, end, field=field, kind=kind)
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != label:
                raise ApplicationError(DOCUMENT_CORRUPT_IMAGE.format(field=field, kind=label, problem="wrong format"),
                                       code="document_corrupt")
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _refuse(DOCUMENT_IMAGE_TOO_LARGE, "document_too_many_pixels", field=field, width=width,
                              height=height, limit=MAX_IMAGE_PIXELS // 1_000_000)
            if kind == "jpeg":  # 1/8 scale: the whole scan is still decoded (truncation fails) in 1/64 of the memory
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
            _load_strictly(image)  # decode every pixel: a truncated file fails here
    except ApplicationError:
        raise
    except Exception as exc:  # Pillow raises many types for broken data
        raise ApplicationError(DOCUMENT_CORRUPT_IMAGE.format(field=field, kind=label, problem=_pillow_problem(exc)),
                               code="document_corrupt") from exc


def _load_strictly(image) -> None:
    """``image.load()`` with truncated files refused. WeasyPrint sets Pillow's process-wide
    ``ImageFile.LOAD_TRUNCATED_IMAGES = True`` when it is imported (to render what it can), which would let a truncated
    upload pass in any process that also renders PDFs; the flag is forced off for this one decode."""
    from PIL import ImageFile

    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _pillow_problem(exc: Exception) -> str:
    """Pillow's reason in words a requester can use (never the repr of our in-memory buffer)."""
    from PIL import UnidentifiedImageError

    if isinstance(exc, UnidentifiedImageError) or "truncated" in str(exc):
        return "it is truncated or damaged"
    return _BUFFER_REPR.sub("the file", str(exc))[:100] or type(exc).__name__


# --- entry point ------------------------------------------------------------------------------------------------
def _sniff(content: bytes) -> str:
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return ""


def _check_name(name: str, *, field: str, kind: str) -> None:
    match = _NAME_EXTENSION.search(name.rsplit("/", 1)[-1])
    if match and match.group(1).lower() not in _NAME_EXTENSIONS[kind]:
        raise _refuse(DOCUMENT_WRONG_EXTENSION, "document_wrong_extension", field=field, name=name.rsplit("/", 1)[-1],
                      actual=_KIND_WORDS[kind], extension=_EXTENSIONS[kind])


def document_validate(uploaded, *, field: str, allowed: tuple[str, ...] = ("pdf", "jpeg", "png")) -> ValidDocument:
    """Read an uploaded file (a Django UploadedFile or bytes), check size and type by decoding it; raise
    ApplicationError (codes ``document_*``) with a message naming ``field``.

    Refuses, in this order: too large (before reading), empty, an archive, data before ``%PDF-``, a type outside
    ``allowed``, a name whose extension says another type, a hidden ZIP, data after the end marker, an image over
    MAX_IMAGE_PIXELS, a PDF bomb / too many pages / too slow to check, and anything pypdf or Pillow cannot read.
    Used for the written request's attachments (R-SHR-3, the warrant of R-SHR-5) and agreement documents (R-SHR-2).
    """
    limit = document_max_bytes()
    size = len(uploaded) if isinstance(uploaded, bytes | bytearray) else getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ApplicationError(DOCUMENT_TOO_LARGE.format(field=field, size=size, limit=limit),
                               code="document_too_large")
    if isinstance(uploaded, bytes | bytearray):
        content, name = bytes(uploaded), ""
    else:
        uploaded.seek(0)
        content = uploaded.read(limit + 1)
        uploaded.seek(0)
        name = getattr(uploaded, "name", "") or ""
    if not content:
        raise ApplicationError(DOCUMENT_EMPTY.format(field=field), code="document_empty")
    if len(content) > limit:
        raise ApplicationError(DOCUMENT_TOO_LARGE.format(field=field, size=len(content), limit=limit),
                               code="document_too_large")
    for magic, archive in _ARCHIVE_MAGIC:
        if content.startswith(magic):
            raise _refuse(DOCUMENT_ARCHIVE, "document_archive", field=field, archive=archive,
                          allowed=_allowed_words(allowed))
    kind = _sniff(content)
    if not kind and "pdf" in allowed and content.find(b"%PDF-", 0, 1024) > 0:
        raise _refuse(DOCUMENT_POLYGLOT_LEADING, "document_polyglot", field=field,
                      extra=content.find(b"%PDF-", 0, 1024))
    if kind not in allowed:
        raise ApplicationError(DOCUMENT_WRONG_TYPE.format(field=field, allowed=_allowed_words(allowed)),
                               code="document_wrong_type")
    _check_name(name, field=field, kind=kind)
    if _hidden_zip(content):
        raise _refuse(DOCUMENT_POLYGLOT_ARCHIVE, "document_polyglot", field=field, kind=_KIND_LABELS[kind])
    if kind == "pdf":
        _check_pdf(content, field=field)
    else:
        _check_image(content, field=field, kind=kind)
    return ValidDocument(content=content, kind=kind)
