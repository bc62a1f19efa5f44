"""Periodic jobs of agreements (the schedule is in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from apps.agreements.services.sunset import agreement_sunset_sweep


@shared_task(acks_late=True)
def agreements_sunset_daily() -> dict[str, int]:
    """Daily: warn 60/30/7 days before a sunset, mark renewals due, expire agreements on their sunset day (R-SHR-2).
    Idempotent: warnings are deduplicated and each state change happens once."""
    return agreement_sunset_sweep()
