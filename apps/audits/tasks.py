"""Thin Celery tasks of query audits."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="apps.audits.tasks.audits_check_due")
def audits_check_due() -> list[str]:
    """Daily (R-AUD-3a): alerts before and after the yearly audit campaign and audit-trail inspection fall due.
    Idempotent (deduplicated alerts)."""
    from apps.audits.services import audits_alert_due

    return audits_alert_due()
