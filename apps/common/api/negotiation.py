"""The API's content negotiation: DRF's, and the size limit of the request body, checked before a byte of it is read.

DRF reads a JSON or form body whole (``request.body``) before its parser sees it, bounded only by Django's
DATA_UPLOAD_MAX_MEMORY_SIZE, which is large for camera batches with their images (64 MB): a 30 MB JSON body to any
endpoint was read and decoded before the view refused it. DRF chooses the parser here, before it reads the body, so
here a body larger than the chosen parser accepts (by its declared Content-Length, which is all Django reads) is
refused: 413 ``body_too_large``, logged by the exception handler.

The limit: a parser's own ``max_body_bytes`` (camera ingest's JSON: DATA_UPLOAD_MAX_MEMORY_SIZE; the hot-list feed's
CSV: the import's file limit); else, for the parsers whose body DRF reads into memory (JSON, form),
``PORTAL["API_MAX_BODY_BYTES"]`` (1 MB: the largest legitimate one, a disclosure request at its limits, is about
15 KB). Multipart bodies of endpoints that take no file are bounded the same way (the default multipart parser,
``FieldsOnlyMultiPartParser``, declares it); endpoints that take files declare DRF's own and limit their files.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser

# Also the message of Django's own limit (apps.common.api.exceptions). Here, not there: DRF imports this module while
# its views module loads, which the exception handler imports.
BODY_TOO_LARGE = "The request body is larger than {limit:,} bytes; send less per request."


class RequestBodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


def parser_body_limit(parser) -> int | None:
    """The most bytes ``parser`` is given to read, or None when it reads a stream (multipart)."""
    declared = getattr(parser, "max_body_bytes", None)
    if declared is not None:
        return declared
    if isinstance(parser, JSONParser | FormParser):
        return settings.PORTAL["API_MAX_BODY_BYTES"]
    return None


class PortalContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, refusing a body over the chosen parser's limit (the REST_FRAMEWORK default)."""

    def select_parser(self, request, parsers):
        parser = super().select_parser(request, parsers)
        limit = parser_body_limit(parser) if parser is not None else None
        if limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0  # Django reads no body without a length it understands
            if length > limit:
                raise RequestBodyTooLarge(BODY_TOO_LARGE.format(limit=limit), code="body_too_large")
        return parser
