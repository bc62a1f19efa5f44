"""Celery jobs of hot lists: thin wrappers that call a service (R-HOT-2, R-HOT-3, policy 002)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=2, max_retries=5)
def hits_match_reads_task(read_ids: list[int]) -> int:
    """Re-match reads whose in-ingest matching failed (idempotent: a hit exists once per read and entry)."""
    from apps.hotlists.services import hits_match_reads

    return len(hits_match_reads(read_ids=read_ids))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def hot_lists_alert_stale() -> int:
    """Every few minutes: alert the owners of stale external lists (matching already ignores them, live)."""
    from apps.hotlists.services import hot_lists_alert_stale as alert

    return alert()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def units_out_of_service_notify() -> int:
    """Every few minutes: tell supervisors about units newly reported out of service (idempotent per report)."""
    from apps.hotlists.services import units_out_of_service_notify as notify

    return notify()
