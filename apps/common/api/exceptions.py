"""One error body for every API error: ``{"error": {"code", "message", "fields"?}}``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.common.api.negotiation import BODY_TOO_LARGE
from apps.common.db_errors import (
    RETRY_AFTER_SECONDS,
    database_connection_reset,
    database_unavailable_body,
    database_unavailable_log,
    is_connection_error,
)
from apps.common.errors import ApplicationError, PermissionDeniedError

logger = logging.getLogger("alprportal.api")



def _flatten(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    return str(detail)


def portal_exception_handler(exc, context):
    """Translate domain and framework errors into the portal's single error shape, and log refusals. A lost database
    connection is a 503 with Retry-After (``apps.common.db_errors``): the client retries; the next request
    reconnects."""
    if is_connection_error(exc):
        request = context.get("request")
        database_unavailable_log(request, exc)
        database_connection_reset()
        return Response(database_unavailable_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"})
    if isinstance(exc, RequestDataTooBig):  # Django's own limit, raised when DRF reads request.body
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = {"error": {"code": "body_too_large", "message": BODY_TOO_LARGE.format(limit=limit)}}
        return Response(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, PermissionDeniedError):
        exc_out = exceptions.PermissionDenied(detail=exc.message, code=exc.code)
    elif isinstance(exc, ApplicationError):
        body = {"error": {"code": exc.code, "message": exc.message, **({"detail": exc.extra} if exc.extra else {})}}
        logger.info("API request refused: %s (%s)", exc.message, exc.code)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc_out = exceptions.ValidationError(detail=fields)
    elif isinstance(exc, Http404):
        exc_out = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc_out = exceptions.PermissionDenied(detail=str(exc) or None)
    else:
        exc_out = exc

    response = exception_handler(exc_out, context)
    if response is None:
        return None
    detail = response.data
    code = getattr(exc_out, "default_code", "error")
    if isinstance(exc_out, exceptions.APIException):
        codes = exc_out.get_codes()
        code = codes if isinstance(codes, str) else code
    if isinstance(exc_out, exceptions.ValidationError):
        body = {"error": {"code": "invalid", "message": "The request has invalid fields.", "fields": detail}}
    else:
        message = detail.get("detail", _flatten(detail)) if isinstance(detail, dict) else _flatten(detail)
        body = {"error": {"code": code, "message": str(message)}}
    # Refused access, and bodies refused whole before any view saw them (too large, bad JSON, text the database
    # cannot store).
    if response.status_code in (401, 403, 413) or isinstance(exc_out, exceptions.ParseError):
        request = context.get("request")
        logger.warning(
            "API %s refused %s %s for %s: %s",
            response.status_code,
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            getattr(getattr(request, "user", None), "username", "anonymous") or "anonymous",
            body["error"]["message"],
        )
    response.data = body
    return response
