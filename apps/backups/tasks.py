"""Celery job of backups: thin — call the service (issue #22)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def backups_nightly() -> dict:
    """Beat: tonight's backup (skipped if one succeeded in the last 20 hours) and the deletion of expired ones."""
    from apps.backups.services import backup_nightly

    return backup_nightly()
