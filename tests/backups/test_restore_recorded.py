"""R-AUD-1b and R-AUD-2: a restore rewinds the database — access-log rows written after the backup are gone — so the
restore itself is recorded in the restored database, and a refused restore (a tampered, truncated or wrongly keyed
backup) in the database it would have replaced. Found by the helper-5 attack (2026-12-05): neither left any trace in
the portal; only the command's output said what happened."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.audit.models import AccessLog, DomainEvent
from apps.backups.services import EVENT_RESTORE_REFUSED, EVENT_RESTORED, backup_create, backup_storage
from tests.backups.test_backups import _flip_byte
from tests.holds.helpers import record_access


@pytest.mark.django_db(transaction=True)
def test_a_restore_is_recorded_in_the_restored_database(backup_dirs, detective):
    record_access(detective)
    backup = backup_create(include_media=False)
    record_access(detective)  # after the backup: the restore takes it away
    assert AccessLog.objects.count() == 2

    call_command("restore", backup.name, "--yes")
    assert AccessLog.objects.count() == 1
    event = DomainEvent.objects.get(code=EVENT_RESTORED)
    assert event.data["name"] == backup.name and event.data["into"] == "this database"
    assert event.data["access_log_rows"] == 1 and event.data["by"]
    assert event.target_id == str(backup.pk)


@pytest.mark.django_db(transaction=True)
def test_a_refused_restore_is_recorded_and_restores_nothing(backup_dirs, detective):
    record_access(detective)
    backup = backup_create(include_media=False)
    record_access(detective)
    _flip_byte(backup_storage().path(backup.name), 4000)
    with pytest.raises(CommandError, match="is corrupt or was tampered with"):
        call_command("restore", backup.name, "--yes")
    assert AccessLog.objects.count() == 2
    event = DomainEvent.objects.get(code=EVENT_RESTORE_REFUSED)
    assert event.data["name"] == backup.name and "tampered" in event.data["reason"]
    assert not DomainEvent.objects.filter(code=EVENT_RESTORED).exists()
