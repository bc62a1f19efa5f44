"""Take, verify, restore and expire backups (issue #22).

A backup is one encrypted stream (``apps.backups.crypto``) of a tar archive: ``manifest.json``, ``db.dump``
(``pg_dump --format=custom`` of a snapshot, the row counts taken in the same snapshot) and ``media/<name>`` for every
file of the default storage (read through Django's storage API). It is written to ``STORAGES["backups"]`` with a
sidecar ``<name>.json`` (SHA-256 and size of the encrypted file, the manifest), so a restore into an empty database
checks it without the catalogue. Temporary plaintext (the dump) lives only in a private temporary directory.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import subprocess  # noqa: S404 (pg_dump/pg_restore with argument lists, never a shell)
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import connection, transaction
from django.utils import timezone

from apps.audit.services import event_record
from apps.backups.crypto import CHUNK, BackupCorrupt, BackupKeyError, DecryptingReader, EncryptingWriter, key_decode
from apps.backups.models import Backup, BackupStatus
from apps.backups.selectors import backup_expiry, backup_retention_days, backups_expired
from apps.common.errors import ApplicationError

logger = logging.getLogger("alprportal.backups")

FORMAT = "alpr-portal-backup/1"
NIGHTLY_LOCK = 22_000_022  # pg advisory lock of the nightly job (issue #22)
BACKUP_NEEDS_POSTGRESQL = (
    "Backups need PostgreSQL (pg_dump/pg_restore): this portal runs on SQLite, the laptop default. On a laptop, stop "
    "the portal and copy the SQLite file ({name}) and MEDIA_ROOT ({media}); see docs/backups.md.")
BACKUP_NOT_FOUND = "No backup named “{name}” in the backup storage ({where})."
CHECKSUM_MISMATCH = ("Backup “{name}” is corrupt or was tampered with: its SHA-256 is {actual}, the backup record says "
                     "{expected}. Nothing was restored. Use another backup.")
SIZE_MISMATCH = ("Backup “{name}” is corrupt or truncated: {actual} bytes, the backup record says {expected}. Nothing "
                 "was restored. Use another backup.")
NOT_VERIFIED = "Backup “{name}” failed verification: {reason} Nothing was restored."
TOOL_FAILED = "{tool} failed (exit {code}): {stderr}"


EVENT_RESTORED = "alprportal.backups.restore.completed"
EVENT_RESTORE_REFUSED = "alprportal.backups.restore.refused"


def backup_storage():
    return storages["backups"]


def _master_key() -> bytes:
    try:
        return key_decode(settings.BACKUP_ENCRYPTION_KEY)
    except BackupKeyError as exc:
        raise ApplicationError(str(exc), code="backup_key") from None


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise ApplicationError(BACKUP_NEEDS_POSTGRESQL.format(name=settings.DATABASES["default"]["NAME"],
                                                              media=settings.MEDIA_ROOT), code="backup_sqlite")


def _pg_env() -> dict:
    """libpq's environment for the configured database (the password never on a command line)."""
    db = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                     ("NAME", "PGDATABASE")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _run(tool: str, args: list[str], env: dict) -> None:
    result = subprocess.run([tool, *args], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise ApplicationError(TOOL_FAILED.format(tool=tool, code=result.returncode,
                                                  stderr=result.stderr.strip()[-800:]), code="backup_tool")


def _media_names(storage, path: str = "") -> list[str]:
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:
        return []
    names = [f"{path}/{name}" if path else name for name in files]
    for directory in dirs:
        names += _media_names(storage, f"{path}/{directory}" if path else directory)
    return sorted(names)


def _snapshot_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from the catalogue)
        counts[table] = cursor.fetchone()[0]
    return counts


def backup_create(*, trigger: str = "manual", actor=None, include_media: bool = True) -> Backup:
    """Take a backup now: the database snapshot, the media files, encrypted, stored, catalogued (issue #22)."""
    import psycopg

    _require_postgresql()
    key = _master_key()
    started_at = timezone.now()
    name = f"alpr-backup-{started_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}.bak"
    retention = backup_retention_days()
    backup = Backup.objects.create(name=name, trigger=trigger, started_at=started_at,
                                   expires_at=backup_expiry(started_at=started_at))
    store = backup_storage()
    stored: list[str] = []
    try:
        env = _pg_env()
        with tempfile.TemporaryDirectory(prefix="alpr-backup-") as work, \
                psycopg.connect("", **_psycopg_kwargs()) as snapshot:
            snapshot.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot_id = snapshot.execute("SELECT pg_export_snapshot()").fetchone()[0]
            counts = _snapshot_counts(snapshot.cursor())
            dump = os.path.join(work, "db.dump")
            _run("pg_dump", ["--format=custom", f"--snapshot={snapshot_id}", "--no-owner", "--no-privileges",
                             f"--file={dump}"], env)
            snapshot.rollback()
            media = _media_names(default_storage) if include_media else []
            holds = {"tables": counts, "rows": sum(counts.values()), "media_files": len(media),
                     "data_class_lifetimes": retention["lifetimes"], "longest_data_class": retention["longest"],
                     "retention_days": retention["days"], "retention_capped": retention["capped"]}
            manifest = {"format": FORMAT, "name": name, "started_at": started_at.isoformat(),
                        "expires_at": backup.expires_at.isoformat(), "holds": holds}
            encrypted = os.path.join(work, "backup.enc")
            with open(encrypted, "wb") as out:
                writer = EncryptingWriter(out, key)
                with tarfile.open(fileobj=writer, mode="w|") as tar:
                    _tar_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
                    tar.add(dump, arcname="db.dump")
                    for media_name in media:
                        info = tarfile.TarInfo(f"media/{media_name}")
                        info.size = default_storage.size(media_name)
                        with default_storage.open(media_name, "rb") as source:
                            tar.addfile(info, source)
                writer.close()
            sidecar = {"format": FORMAT, "name": name, "sha256": writer.sha256, "size_bytes": writer.size,
                       "started_at": started_at.isoformat(), "expires_at": backup.expires_at.isoformat(),
                       "holds": holds}
            with open(encrypted, "rb") as source:
                saved = store.save(name, File(source))
            stored.append(saved)
            if saved != name:
                raise ApplicationError(f"The backup storage renamed {name} to {saved}.", code="backup_storage")
            stored.append(store.save(f"{name}.json", ContentFile(json.dumps(sidecar, indent=1).encode())))
        with transaction.atomic():
            Backup.objects.filter(pk=backup.pk).update(
                status=BackupStatus.SUCCEEDED, finished_at=timezone.now(), size_bytes=sidecar["size_bytes"],
                sha256=sidecar["sha256"], holds=holds)
            backup.refresh_from_db()
            event_record(actor=actor, code="alprportal.backups.backup.succeeded", target=backup,
                         data={"name": name, "sha256": backup.sha256, "size_bytes": backup.size_bytes,
                               "expires_at": backup.expires_at.isoformat()})
        return backup
    except Exception as exc:
        for stored_name in stored:
            store.delete(stored_name)
        reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        logger.exception("Backup %s failed", name)
        with transaction.atomic():
            Backup.objects.filter(pk=backup.pk).update(status=BackupStatus.FAILED, finished_at=timezone.now(),
                                                       error=str(reason)[:1000])
            event_record(actor=actor, code="alprportal.backups.backup.failed", target=backup,
                         data={"name": name, "error": str(reason)[:1000]})
        if isinstance(exc, ApplicationError):
            raise
        raise ApplicationError(f"Backup failed: {reason}", code="backup_failed") from exc


def _psycopg_kwargs() -> dict:
    db = connection.settings_dict
    kwargs = {"dbname": db["NAME"], "autocommit": True}
    for key, arg in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if db.get(key):
            kwargs[arg] = str(db[key])
    return kwargs


def _tar_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


@dataclass
class VerifiedBackup:
    name: str
    sidecar: dict
    manifest: dict


def _sidecar(name: str) -> dict:
    store = backup_storage()
    if not store.exists(name):
        raise ApplicationError(BACKUP_NOT_FOUND.format(name=name, where=_where()), code="backup_not_found")
    try:
        with store.open(f"{name}.json", "rb") as source:
            return json.loads(source.read())
    except (FileNotFoundError, ValueError):
        record = Backup.objects.filter(name=name).values("sha256", "size_bytes").first()
        if record and record["sha256"]:
            return dict(record)
        raise ApplicationError(NOT_VERIFIED.format(name=name, reason="its checksum file (.json) is missing or "
                                                   "unreadable and no backup record has its checksum."),
                               code="backup_unverifiable") from None


def _where() -> str:
    return str(getattr(backup_storage(), "location", type(backup_storage()).__name__))


def backup_verify(*, name: str) -> VerifiedBackup:
    """Check a stored backup before anything is restored: size and SHA-256 against its sidecar (and the catalogue,
    if this database has the row), then every encrypted chunk. Raises ApplicationError with the reason."""
    import hashlib

    key = _master_key()
    sidecar = _sidecar(name)
    record = Backup.objects.filter(name=name).values("sha256", "size_bytes").first() if _catalogue_ready() else None
    expected = [value for value in (sidecar.get("sha256"), (record or {}).get("sha256")) if value]
    store = backup_storage()
    digest, size = hashlib.sha256(), 0
    with store.open(name, "rb") as source:
        while data := source.read(CHUNK):
            digest.update(data)
            size += len(data)
    if sidecar.get("size_bytes") not in (None, size):
        raise ApplicationError(SIZE_MISMATCH.format(name=name, actual=size, expected=sidecar["size_bytes"]),
                               code="backup_corrupt")
    for value in expected:
        if digest.hexdigest() != value:
            raise ApplicationError(CHECKSUM_MISMATCH.format(name=name, actual=digest.hexdigest(), expected=value),
                                   code="backup_corrupt")
    try:
        with store.open(name, "rb") as source:
            reader = DecryptingReader(source, key)
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                manifest = None
                for member in tar:
                    extracted = tar.extractfile(member)
                    if member.name == "manifest.json" and extracted is not None:
                        manifest = json.loads(extracted.read())
            while reader.read(CHUNK):  # the tar's padding and the final chunk: a truncation shows here
                pass
    except BackupCorrupt as exc:
        raise ApplicationError(NOT_VERIFIED.format(name=name, reason=str(exc)), code="backup_corrupt") from None
    except (tarfile.TarError, ValueError) as exc:
        raise ApplicationError(NOT_VERIFIED.format(name=name, reason=f"the archive inside is unreadable ({exc})."),
                               code="backup_corrupt") from None
    if not manifest or manifest.get("format") != FORMAT:
        raise ApplicationError(NOT_VERIFIED.format(name=name, reason="it has no manifest of this portal's format."),
                               code="backup_corrupt")
    return VerifiedBackup(name=name, sidecar=sidecar, manifest=manifest)


def _catalogue_ready() -> bool:
    return Backup._meta.db_table in connection.introspection.table_names()


def backup_restore(*, name: str, database_url: str = "", include_media: bool = True) -> dict:
    """Restore a verified backup: the database (its schema replaced whole in one transaction, into the configured
    database or ``database_url``), then the media files through the storage API. Verifies first; restores nothing from a
    backup that fails. Returns the manifest's counts and what was restored."""
    _require_postgresql()
    try:
        verified = backup_verify(name=name)
    except ApplicationError as refusal:
        # A refused restore is someone trying to put data back: recorded in the database it would have replaced.
        with transaction.atomic():
            event_record(actor=None, code=EVENT_RESTORE_REFUSED, target=Backup.objects.filter(name=name).first(),
                         data={"name": name, "reason": refusal.message[:500], "by": _os_user()})
        raise
    key = _master_key()
    env = _pg_env()
    target = ["--dbname", database_url or str(connection.settings_dict["NAME"])]
    restored_media = 0
    store = backup_storage()
    with tempfile.TemporaryDirectory(prefix="alpr-restore-") as work:
        dump = os.path.join(work, "db.dump")
        try:
            with store.open(name, "rb") as source:
                reader = DecryptingReader(source, key)
                with tarfile.open(fileobj=reader, mode="r|") as tar:
                    for member in tar:
                        if not member.isfile():
                            continue
                        extracted = tar.extractfile(member)
                        if member.name == "db.dump":
                            with open(dump, "wb") as out:
                                while data := extracted.read(CHUNK):
                                    out.write(data)
                        elif member.name.startswith("media/") and include_media and not database_url:
                            media_name = member.name[len("media/"):]
                            if ".." in media_name.split("/"):
                                continue
                            if default_storage.exists(media_name):
                                default_storage.delete(media_name)
                            default_storage.save(media_name, File(extracted, name=media_name))
                            restored_media += 1
        except BackupCorrupt as exc:  # verified a moment ago: the file changed since
            raise ApplicationError(NOT_VERIFIED.format(name=name, reason=str(exc)), code="backup_corrupt") from None
        if not database_url:
            connection.close()  # the restore drops the tables this process holds open
        _restore_replacing_schema(dump, target=target, env=env, work=work)
    if not database_url:
        backups_catalogue_reconcile()
    # The restored database is the backup's: everything after the backup (access-log rows included) is gone. Say so
    # in it at once, so the access log's anchors and the next inspection meet an explained rewind (R-AUD-1b).
    with transaction.atomic():
        event_record(actor=None, code=EVENT_RESTORED, target=Backup.objects.filter(name=name).first(),
                     data={"name": name, "taken_at": verified.manifest.get("started_at"),
                           "into": "another database" if database_url else "this database",
                           "media_restored": restored_media, "by": _os_user(),
                           "access_log_rows": verified.manifest.get("holds", {}).get("tables", {}).get(
                               "audit_accesslog")})
    return {"name": name, "holds": verified.manifest.get("holds", {}), "media_restored": restored_media}


# Reads are partitioned by month (issue #19), and ``pg_restore --clean`` cannot replace a partitioned table: it drops
# each partition's inherited primary key on its own, which PostgreSQL refuses ("cannot drop inherited constraint"), so
# a restore over a portal's database failed. The schema is replaced whole instead, in ONE transaction: psql runs
# DROP SCHEMA public CASCADE, CREATE SCHEMA public and the backup as pg_restore writes it out as SQL; an error anywhere
# (ON_ERROR_STOP) rolls everything back and the database is left exactly as it was (bad input loses nothing).
_RESTORE_PRELUDE = (b"SET client_min_messages = warning;\n"
                    b"DROP SCHEMA IF EXISTS public CASCADE;\n"
                    b"CREATE SCHEMA public;\n")


def _restore_replacing_schema(dump: str, *, target: list[str], env: dict, work: str) -> None:
    restore_errors = os.path.join(work, "pg_restore.err")
    psql_errors = os.path.join(work, "psql.err")
    with open(restore_errors, "wb") as restore_err, open(psql_errors, "wb") as psql_err:
        # libpq's own tools from PATH, like pg_dump; argument lists, never a shell.
        psql_command = ["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1",
                        "--file=-", *target]
        restore_command = ["pg_restore", "--no-owner", "--no-privileges", "--file=-", dump]
        psql = subprocess.Popen(psql_command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,  # noqa: S603
                                stderr=psql_err, env=env)
        restore = subprocess.Popen(restore_command, stdout=subprocess.PIPE, stderr=restore_err, env=env)  # noqa: S603
        try:
            psql.stdin.write(_RESTORE_PRELUDE)
            shutil.copyfileobj(restore.stdout, psql.stdin, CHUNK)
        except BrokenPipeError:
            pass  # psql stopped at an error: its own message says which
        finally:
            psql.stdin.close()
            restore.stdout.close()
            restore_code, psql_code = restore.wait(), psql.wait()
    for tool, code, errors in (("pg_restore", restore_code, restore_errors), ("psql", psql_code, psql_errors)):
        if code != 0:
            with open(errors, encoding="utf-8", errors="replace") as text:
                raise ApplicationError(TOOL_FAILED.format(tool=tool, code=code, stderr=text.read().strip()[-800:]),
                                       code="backup_tool")


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return f"uid {os.getuid()}"


def backups_catalogue_reconcile() -> int:
    """After a restore the catalogue is the one of the backup's moment: record the backups whose sidecars are in the
    backup storage (their own row said "running" in the snapshot, later ones are missing). Returns rows changed."""
    store = backup_storage()
    try:
        _dirs, files = store.listdir("")
    except FileNotFoundError:
        return 0
    changed = 0
    for sidecar_name in files:
        if not sidecar_name.endswith(".bak.json"):
            continue
        try:
            with store.open(sidecar_name, "rb") as source:
                sidecar = json.loads(source.read())
        except ValueError:
            continue
        name = sidecar_name[:-len(".json")]
        if not store.exists(name):
            continue
        values = {"status": BackupStatus.SUCCEEDED, "sha256": sidecar["sha256"], "size_bytes": sidecar["size_bytes"],
                  "started_at": datetime.fromisoformat(sidecar["started_at"]),
                  "expires_at": datetime.fromisoformat(sidecar["expires_at"]), "holds": sidecar.get("holds", {})}
        backup, created = Backup.objects.get_or_create(name=name, defaults=values)
        if created or backup.status != BackupStatus.SUCCEEDED:
            Backup.objects.filter(pk=backup.pk).update(**values, finished_at=backup.finished_at or timezone.now())
            changed += 1
    return changed


def backups_expire(*, now: datetime | None = None, actor=None) -> int:
    """Delete the backups past their expiry (file and sidecar) and mark them deleted. Idempotent: a rerun, or a
    file already gone, changes nothing more. Returns how many were deleted."""
    now = now or timezone.now()
    store = backup_storage()
    deleted = 0
    for backup in backups_expired(now=now):
        for stored_name in (backup.name, f"{backup.name}.json"):
            if store.exists(stored_name):
                store.delete(stored_name)
        with transaction.atomic():
            changed = Backup.objects.filter(pk=backup.pk, status__in=[BackupStatus.SUCCEEDED, BackupStatus.FAILED]
                                            ).update(status=BackupStatus.DELETED, deleted_at=now)
            if changed:
                deleted += 1
                event_record(actor=actor, code="alprportal.backups.backup.deleted", target=backup,
                             data={"name": backup.name, "expires_at": backup.expires_at.isoformat()})
    return deleted


def backup_nightly() -> dict:
    """The beat job: take tonight's backup unless one succeeded in the last 20 hours (a redelivered message takes
    no second backup; two at once serialize on an advisory lock), then delete the expired ones."""
    _require_postgresql()
    from datetime import timedelta

    with connection.cursor() as cursor:  # two deliveries at once: the second waits, then finds the first's backup
        cursor.execute("SELECT pg_advisory_lock(%s)", [NIGHTLY_LOCK])
    try:
        recent = Backup.objects.filter(status=BackupStatus.SUCCEEDED,
                                       started_at__gte=timezone.now() - timedelta(hours=20)).first()
        backup = recent or backup_create(trigger="schedule")
        return {"backup": backup.name, "taken": recent is None, "deleted": backups_expire()}
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [NIGHTLY_LOCK])
