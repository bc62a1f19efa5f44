"""Backups that keep the retention promise (issue #22): the restore drill, a corrupt or tampered backup refused, an
expired backup deleted, expiry derived from the data classes' retention, and the date every purge records."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from apps.audit.models import AccessLog
from apps.backups.models import Backup, BackupStatus
from apps.backups.services import backup_create, backup_nightly, backup_storage, backups_expire
from tests.holds.helpers import record_access


def _table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db(transaction=True)
def test_restore_drill_back_up_destroy_restore_and_the_access_log_verifies(backup_dirs, detective, capsys):
    for days in (30, 20, 10, 1):
        record_access(detective, days_ago=days)
    default_storage.save("reads/2026/plate-1.jpg", ContentFile(b"\xff\xd8 a plate image"))

    call_command("backup")
    backup = Backup.objects.get(status=BackupStatus.SUCCEEDED)
    before = _table_counts()
    assert backup.holds["tables"]["audit_accesslog"] == 4 and backup.holds["media_files"] == 1
    # Counted in the dump's own snapshot: everything but the "backup succeeded" event written after it.
    assert {**backup.holds["tables"], "audit_domainevent": before["audit_domainevent"]} == before
    stored = backup_storage().open(backup.name, "rb").read()
    assert b"plate" not in stored and b"7ABC123" not in stored  # encrypted at rest

    # Destroy: every table, trigger and sequence, and the media file.
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    default_storage.delete("reads/2026/plate-1.jpg")
    assert _table_counts() == {}

    call_command("restore", backup.name, "--yes")
    tables = backup.holds["tables"]  # plus the restore's own event, written into the restored database (R-AUD-2)
    assert _table_counts() == {**tables, "audit_domainevent": tables["audit_domainevent"] + 1}
    assert default_storage.open("reads/2026/plate-1.jpg").read() == b"\xff\xd8 a plate image"
    capsys.readouterr()
    call_command("verify_access_log")
    assert "Access log chain intact: 4 rows verified" in capsys.readouterr().out
    # The catalogue knows the backup it came from as succeeded (its row said "running" in the snapshot).
    assert Backup.objects.get(name=backup.name).status == BackupStatus.SUCCEEDED
    # The append-only trigger came back with the schema (R-AUD-1).
    assert AccessLog.objects.count() == 4
    with pytest.raises(Exception, match="append-only|not allowed|refused"), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_accesslog SET result_count = 99")


@pytest.mark.django_db(transaction=True)
def test_restore_into_a_fresh_database_by_url(backup_dirs, detective):
    import psycopg

    record_access(detective)
    backup = backup_create()
    fresh = f"{connection.settings_dict['NAME']}_drill"
    admin = {"host": connection.settings_dict["HOST"] or "127.0.0.1", "user": connection.settings_dict["USER"],
             "port": connection.settings_dict["PORT"] or 5432, "password": connection.settings_dict["PASSWORD"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        server.execute(f'CREATE DATABASE "{fresh}"')
    try:
        url = f"postgresql://{admin['user']}@{admin['host']}:{admin['port']}/{fresh}"
        call_command("restore", backup.name, "--database-url", url)
        with psycopg.connect(dbname=fresh, **admin) as restored:
            for table, rows in backup.holds["tables"].items():
                assert restored.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == rows, table  # noqa: S608
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{fresh}"')


def _rewrite_checksums(backup, path, sidecar_path):
    import hashlib

    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    Backup.objects.filter(pk=backup.pk).update(sha256=digest, size_bytes=len(data))
    sidecar = json.loads(Path(sidecar_path).read_text())
    Path(sidecar_path).write_text(json.dumps({**sidecar, "sha256": digest, "size_bytes": len(data)}))


def _flip_byte(path, offset):
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))


@pytest.mark.django_db(transaction=True)
def test_a_corrupt_or_tampered_backup_is_refused_and_nothing_is_restored(backup_dirs, detective, settings,
                                                                          backup_key):
    record_access(detective)
    backup = backup_create(include_media=False)
    path = backup_storage().path(backup.name)
    record_access(detective)  # after the backup: a refused restore must not roll it back

    _flip_byte(path, 4000)
    with pytest.raises(CommandError, match="is corrupt or was tampered with: its SHA-256 is"):
        call_command("restore", backup.name, "--yes")

    # A tamperer who also rewrites the checksums is still caught by the encryption's authentication.
    sidecar_path = backup_storage().path(f"{backup.name}.json")
    _rewrite_checksums(backup, path, sidecar_path)
    with pytest.raises(CommandError, match="does not authenticate: the file was altered or damaged"):
        call_command("restore", backup.name, "--yes")

    # Truncated: the final chunk is missing.
    _flip_byte(path, 4000)
    size = Path(path).stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(size - 10)
    with pytest.raises(CommandError, match="corrupt or truncated"):
        call_command("restore", backup.name, "--yes")
    _rewrite_checksums(backup, path, sidecar_path)  # and with the checksums rewritten to match
    with pytest.raises(CommandError, match="truncated: its final chunk is missing"):
        call_command("restore", backup.name, "--yes")
    assert AccessLog.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_wrong_or_missing_key_is_a_clear_message(backup_dirs, settings, detective):
    backup = backup_create(include_media=False)
    settings.BACKUP_ENCRYPTION_KEY = "not-a-key"
    with pytest.raises(CommandError, match="must be 32 random bytes"):
        call_command("restore", backup.name, "--verify-only")
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEY is not set"):
        call_command("backup")
    import base64
    import os
    settings.BACKUP_ENCRYPTION_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
    with pytest.raises(CommandError, match="is not the key it was made with"):
        call_command("restore", backup.name, "--verify-only")
    with pytest.raises(CommandError, match="No backup named"):
        call_command("restore", "no-such.bak", "--verify-only")


@pytest.mark.django_db(transaction=True)
def test_an_expired_backup_is_deleted_once_and_the_nightly_job_is_idempotent(backup_dirs, detective):
    first = backup_nightly()
    assert first["taken"] and first["deleted"] == 0
    assert backup_nightly()["taken"] is False  # a redelivered beat message takes no second backup
    backup = Backup.objects.get(name=first["backup"])
    store = backup_storage()
    assert store.exists(backup.name) and store.exists(f"{backup.name}.json")

    assert backups_expire(now=backup.expires_at - timedelta(seconds=1)) == 0
    assert backups_expire(now=backup.expires_at) == 1
    backup.refresh_from_db()
    assert backup.status == BackupStatus.DELETED and backup.deleted_at is not None
    assert not store.exists(backup.name) and not store.exists(f"{backup.name}.json")
    assert backups_expire(now=backup.expires_at + timedelta(days=1)) == 0  # idempotent


@pytest.mark.django_db
def test_expiry_is_when_the_longest_lived_data_class_would_be_purged(backup_dirs, policy, settings):
    from apps.backups.selectors import backup_expiry, backup_retention_days

    policy(read_retention_days=400, archive_purge_days=300, access_log_retention_days=800,
           disclosure_record_retention_days=750, hit_retention_days=200)
    retention = backup_retention_days()
    assert (retention["days"], retention["longest"]) == (800, "access_log")
    policy(read_retention_days=700, archive_purge_days=365)  # reads live 700 + 365 days: archived, then purged
    assert (backup_retention_days()["days"], backup_retention_days()["longest"]) == (1065, "reads.purge")
    now = timezone.now()
    assert backup_expiry(started_at=now) == now + timedelta(days=1065)
    settings.BACKUP_RETENTION_MAX_DAYS = 35
    assert backup_retention_days()["days"] == 35 and backup_retention_days()["capped"]


@pytest.mark.django_db(transaction=True)
def test_every_purge_records_when_the_last_backup_holding_it_expires(backup_dirs, policy, run_retention):
    policy(hit_retention_days=30)
    run = run_retention()
    assert run.counts["hits"]["backups_gone_by"] is None  # no backup holds anything yet
    older = backup_create(include_media=False)
    latest = backup_create(include_media=False)
    run = run_retention()
    expected = timezone.localdate(latest.expires_at).isoformat()
    assert latest.expires_at >= older.expires_at
    for step, counts in run.counts.items():
        if counts.get("status") == "done":
            assert counts["backups_gone_by"] == expected, step
    Backup.objects.filter(pk=latest.pk).update(status=BackupStatus.DELETED)
    run = run_retention()
    assert run.counts["hits"]["backups_gone_by"] == timezone.localdate(older.expires_at).isoformat()


@pytest.mark.django_db
def test_the_transparency_page_states_the_backup_retention(client, backup_dirs, policy):
    policy(read_retention_days=730, archive_purge_days=365)
    page = client.get("/transparency/").content.decode()
    assert "Encrypted backups of the system are taken nightly and each is deleted 1095 days (3 years)" in page
