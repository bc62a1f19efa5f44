"""Celery jobs of the audit trail: thin, they call the service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def access_log_anchor_task() -> int | None:
    """Beat, every ACCESS_LOG_ANCHOR_MINUTES: sign the access log's chain head (R-AUD-1b). Idempotent."""
    from apps.audit.anchors import access_log_anchor

    anchor = access_log_anchor()
    return anchor.seq if anchor else None


@shared_task(name="apps.audit.tasks.query_volume_check_task")
def query_volume_check_task() -> list[int]:
    """Beat, every 10 minutes: alert on unusual query volume by one person (R-SEC-2). Idempotent: one alert per
    person per window."""
    from apps.audit.security import query_volume_check

    return [alert.pk for alert in query_volume_check()]
