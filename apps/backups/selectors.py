"""What backups hold and when they expire (issue #22). A backup expires when the longest-lived data class it holds
would have been purged from the live database: a row that was alive at the backup's snapshot is purged at the
latest ``lifetime`` days later, so after ``started_at + max(lifetime)`` everything in the backup is gone from the
live database too, and the backup is deleted. ``BACKUP_RETENTION_MAX_DAYS`` (optional) makes backups expire sooner."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from apps.backups.models import Backup, BackupStatus
from apps.retention.registry import data_classes
from apps.retention.selectors import retention_policy_current


def backup_lifetimes() -> dict[str, int]:
    """Days from a row's first day until its data class purges it, per registered class whose period is on."""
    policy = retention_policy_current()
    lifetimes = {}
    for data_class in data_classes():
        days = data_class.lifetime(policy)
        if days is not None:
            lifetimes[data_class.key] = int(days)
    return lifetimes


def backup_retention_days() -> dict:
    """The backup retention in days, the data class that sets it, and the optional cap."""
    lifetimes = backup_lifetimes()
    longest = max(lifetimes, key=lambda key: (lifetimes[key], key)) if lifetimes else ""
    days = lifetimes.get(longest, 0)
    cap = settings.BACKUP_RETENTION_MAX_DAYS
    if cap is not None and cap < days:
        return {"days": cap, "longest": longest, "longest_days": days, "capped": True, "lifetimes": lifetimes}
    return {"days": days, "longest": longest, "longest_days": days, "capped": False, "lifetimes": lifetimes}


def backup_expiry(*, started_at: datetime) -> datetime:
    return started_at + timedelta(days=backup_retention_days()["days"])


def backups_gone_by():
    """The date by which the last backup that may hold data purged *now* expires: the latest expiry of the backups
    whose snapshot was taken before now and that are not deleted (None: no backup holds it). Registered with
    retention (``backup_horizon_register``); a backup still running counts (its snapshot may hold the data)."""
    latest = (Backup.objects.filter(started_at__lte=timezone.now(),
                                    status__in=[BackupStatus.RUNNING, BackupStatus.SUCCEEDED])
              .order_by("-expires_at").values_list("expires_at", flat=True).first())
    return timezone.localdate(latest) if latest else None


def backups_expired(*, now: datetime):
    return Backup.objects.filter(status__in=[BackupStatus.SUCCEEDED, BackupStatus.FAILED], expires_at__lte=now)
