"""Helpers of the fault tests that other test folders may import too (a conftest is not imported by name)."""

from __future__ import annotations

import time
from datetime import UTC, timedelta


def wait_for(predicate, *, seconds: float = 30, interval: float = 0.1, what="condition"):
    """Poll ``predicate`` until it returns something truthy (generous timeouts: CI has two busy cores). ``what``
    (a string, or a callable giving one when the wait fails, e.g. with a worker's log) names it in the failure."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


def database_url() -> str:
    """The URL of the test database, for processes started by a test."""
    from django.db import connection

    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/"
            f"{settings['NAME']}")


def reads_batch(prefix: str, plates: list[str]) -> list[dict]:
    """The reads of one camera batch for the ingest API, captured in the last minutes; ids ``<prefix>-<n>``."""
    from django.utils import timezone

    now = timezone.now()
    return [{"read_id": f"{prefix}-{i}", "plate": plate, "region": "CA", "confidence": 93.0,
             "captured_at": (now - timedelta(minutes=2 + i)).astimezone(UTC).isoformat()}
            for i, plate in enumerate(plates)]
