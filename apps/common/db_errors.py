"""What a request does when the database connection breaks under it (issue #9, faults).

PostgreSQL can drop a connection at any moment (a restart, a failover, an administrator's ``pg_terminate_backend``,
a network cut). The transaction in flight is rolled back by the server, so nothing is half-written; what is left to
do is to answer clearly and to make sure the next request gets a fresh connection:

- API requests get **503** with the portal's error body (``{"error": {"code": "database_unavailable", ...}}``) and a
  ``Retry-After`` header, so a camera retries the batch (ingest is idempotent: a retry stores nothing twice).
- Pages get a friendly 503 page (``templates/503.html``) that needs no database to render.
- The broken connection is closed at once (``database_connection_reset``), so the next request on this thread
  reconnects even with persistent connections (``DATABASE_CONN_MAX_AGE``) or outside Django's request signals.
- Every occurrence is logged with the path and the error.

``DatabaseUnavailableMiddleware`` handles pages (and API views that are not DRF); ``apps.common.api.exceptions``
handles DRF views with the same helpers.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger("alprportal.db")

DATABASE_UNAVAILABLE = ("The database could not complete this request (the connection was lost or the database is "
                        "busy); nothing was saved. Try again in a moment.")
DATABASE_UNAVAILABLE_CODE = "database_unavailable"
RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"

_PAGE_FALLBACK = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Temporarily unavailable"
                  "</title></head><body><h1>Temporarily unavailable</h1><p>{message}</p></body></html>")


def is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` means the database could not serve the request at all: the connection is gone
    (InterfaceError) or the server broke it off or gave up (OperationalError: terminated, restarting, a deadlock or
    serialization failure the server rolled back). Constraint and query errors are bugs, not outages: 500."""
    return isinstance(exc, (InterfaceError, OperationalError))


def database_connection_reset() -> None:
    """Close this thread's connections (outside atomic blocks), so the next query opens a new one. Called on the
    error path only: a healthy connection closed here costs one reconnect; a broken one kept would fail again."""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue  # Django closes it when the block exits
        try:
            connection.close()
        except Exception:  # closing a dead socket may raise; the connection is dropped either way
            logger.debug("Closing a broken database connection raised", exc_info=True)
            connection.connection = None


def database_unavailable_log(request, exc: BaseException) -> None:
    logger.error("Database connection lost during %s %s: %s: %s", getattr(request, "method", "?"),
                 getattr(request, "path", "?"), type(exc).__name__, str(exc).strip()[:300])


def database_unavailable_body() -> dict:
    return {"error": {"code": DATABASE_UNAVAILABLE_CODE, "message": DATABASE_UNAVAILABLE}}


def database_unavailable_response(request) -> HttpResponse:
    """503 as JSON under /api/, else the friendly page; both with Retry-After."""
    if request.path.startswith(API_PREFIX):
        response = JsonResponse(database_unavailable_body(), status=503)
    else:
        try:  # no request context: the context processors would query the database that just failed
            content = render_to_string("503.html", {"message": DATABASE_UNAVAILABLE})
        except Exception:
            content = _PAGE_FALLBACK.format(message=DATABASE_UNAVAILABLE)
        response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection in a view into a clean 503 (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_connection_error(exception):
            return None
        database_unavailable_log(request, exception)
        database_connection_reset()
        return database_unavailable_response(request)
