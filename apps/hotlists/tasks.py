"""Celery jobs of hot lists: thin wrappers that call a service (R-HOT-2, R-HOT-3, policy 002)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=2, max_retries=5)
def hits_match_reads_task(read_ids: list[int]) -> int:
    """Sent after an ingest whose matching failed: match those reads, recorded as pending in the ingest transaction
    (R-HOT-3). Idempotent: a hit exists once per read and entry; beat's drain catches up if this is never sent."""
    from apps.hotlists.services.hit_matching import hits_match_pending

    return hits_match_pending(read_ids=read_ids)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def hits_match_pending_task() -> int:
    """Every 5 minutes: match every read still pending (its ingest-time matching failed and the task sent after it
    was lost, e.g. the broker was down). Idempotent, resumable, and a no-op when nothing is pending (issue #9)."""
    from apps.hotlists.services.hit_matching import hits_match_pending

    return hits_match_pending()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def hot_lists_alert_stale() -> int:
    """Every few minutes: alert the owners of stale external lists (matching already ignores them, live)."""
    from apps.hotlists.services.alerts import hot_lists_alert_stale as alert

    return alert()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def hot_list_quality_reviews_alert_overdue() -> int:
    """Daily: alert when an own-agency list's data-quality review is overdue (R-HOT-7). Idempotent per due date."""
    from apps.hotlists.services.data_quality import hot_list_quality_reviews_alert_overdue as alert

    return alert()
