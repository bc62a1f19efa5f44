"""``manage.py backup``: take an encrypted backup of the database and the media files now (issue #22);
``--expire`` also deletes the expired ones (what the nightly beat job does)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.common.errors import ApplicationError


class Command(BaseCommand):
    help = ("Back up the database (pg_dump, custom format) and the media files, encrypted with BACKUP_ENCRYPTION_KEY, "
            "into the backup storage (BACKUP_DIR); print its name, checksum and expiry.")

    def add_arguments(self, parser):
        parser.add_argument("--no-media", action="store_true", help="The database only.")
        parser.add_argument("--expire", action="store_true", help="Then delete the backups past their expiry.")
        parser.add_argument("--expire-only", action="store_true", help="Only delete the expired backups.")

    def handle(self, *args, **options):
        from apps.backups.services import backup_create, backups_expire

        try:
            if not options["expire_only"]:
                backup = backup_create(include_media=not options["no_media"])
                holds = backup.holds
                self.stdout.write(self.style.SUCCESS(
                    f"Backup {backup.name}: {backup.size_bytes} bytes, SHA-256 {backup.sha256}, "
                    f"{holds['rows']} rows in {len(holds['tables'])} tables, {holds['media_files']} media files."))
                self.stdout.write(
                    f"Expires {timezone.localtime(backup.expires_at):%Y-%m-%d %H:%M %Z} ({holds['retention_days']} "
                    f"days: the longest-lived data class it holds is {holds['longest_data_class']}).")
            if options["expire"] or options["expire_only"]:
                self.stdout.write(f"Expired backups deleted: {backups_expire()}.")
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
