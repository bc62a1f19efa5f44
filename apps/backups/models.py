"""Backups (issue #22): one row per encrypted backup of the database and the media files.

A backup *expires* when the longest-lived data class it holds would have been purged from the live database
(``apps.backups.selectors.backup_expiry``): see docs/backups.md for what that means for the retention promise.
"""

from __future__ import annotations

from django.db import models


class BackupStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    DELETED = "deleted", "Deleted (expired)"


class Backup(models.Model):
    """An encrypted backup in the backup storage (``STORAGES["backups"]``): the database (pg_dump, custom format)
    and the media files, in one AES-GCM stream. ``sha256`` and ``size_bytes`` are of the encrypted file; the same
    values are in the sidecar ``<name>.json`` beside it, so a restore into an empty database can still check them."""

    name = models.CharField(max_length=200, unique=True, help_text="The file's name in the backup storage.")
    status = models.CharField(max_length=10, choices=BackupStatus.choices, default=BackupStatus.RUNNING)
    trigger = models.CharField(max_length=10, default="manual", help_text="schedule (beat) or manual (command).")
    started_at = models.DateTimeField(help_text="The database snapshot's moment: the backup holds data as of then.")
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(help_text="When the longest-lived data class it holds would have been purged.")
    deleted_at = models.DateTimeField(null=True, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    holds = models.JSONField(default=dict, blank=True,
                             help_text="What it holds: row counts per table, media files, the data classes' "
                                       "lifetimes (days) and the longest one.")
    error = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="backup_status_expiry")]

    def __str__(self) -> str:
        return f"Backup {self.name} ({self.get_status_display()})"
