from __future__ import annotations

import base64
import os

import pytest

from tests.retention.conftest import agency, boss, camera, detective, policy, run_retention  # noqa: F401


@pytest.fixture
def backup_key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def backup_dirs(settings, tmp_path, backup_key):
    """A private backup storage and media root for the test, and a backup key."""
    settings.STORAGES = {**settings.STORAGES, "backups": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "backups")}}}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BACKUP_ENCRYPTION_KEY = backup_key
    settings.BACKUP_RETENTION_MAX_DAYS = None
    return tmp_path
