"""The one way a download names its file (R-SHR-8: every egress says what it is).

A file name is built from what people typed — a case number, an uploaded file's own name — so it keeps only letters,
digits, ``-`` and ``_`` before its one extension: no quote, semicolon or line break can break the
``Content-Disposition`` header, no ``/`` or ``..`` names a path, no right-to-left character disguises the extension.
Pass the result as ``FileResponse(..., filename=download_filename(...))`` (Django then writes the header with
``content_disposition_header``, which quotes or encodes it), or set the header of any other response with
``download_content_disposition``. ``tests/common/test_downloads.py`` holds every download to it.
"""

from __future__ import annotations

import re

from django.utils.http import content_disposition_header

DOWNLOAD_NAME_DEFAULT = "download"
DOWNLOAD_STEM_MAX_LENGTH = 120
_UNSAFE_RUN = re.compile(r"[^\w-]+")  # \w: letters and digits of any script, and "_"
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,10}")


def download_filename(name: str) -> str:
    """``name`` with every run of other characters turned into one ``-``, at most 120 characters before its
    extension; ``download`` when nothing is left."""
    stem, dot, extension = (name or "").rpartition(".")
    if not dot:
        stem, extension = extension, ""
    stem = re.sub(r"-{2,}", "-", _UNSAFE_RUN.sub("-", stem)).strip("-_")
    stem = stem[:DOWNLOAD_STEM_MAX_LENGTH].rstrip("-_") or DOWNLOAD_NAME_DEFAULT
    return f"{stem}.{extension}" if _EXTENSION.fullmatch(extension) else stem


def download_content_disposition(name: str, *, as_attachment: bool = True) -> str:
    """The ``Content-Disposition`` header value for a response that is not a FileResponse."""
    return content_disposition_header(as_attachment, download_filename(name))
