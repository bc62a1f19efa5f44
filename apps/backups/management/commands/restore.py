"""``manage.py restore NAME``: verify a backup (checksum, then every encrypted chunk) and restore it (issue #22).
A corrupt or tampered backup is refused before anything changes."""

from django.core.management.base import BaseCommand, CommandError

from apps.common.errors import ApplicationError


class Command(BaseCommand):
    help = ("Restore a backup from the backup storage: the database (its schema replaced whole in one transaction) and "
            "the media files. --verify-only checks it without restoring.")

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", default="", help="The backup's name (see --list).")
        parser.add_argument("--list", action="store_true", help="List the backups in the backup storage.")
        parser.add_argument("--verify-only", action="store_true", help="Check the backup; restore nothing.")
        parser.add_argument("--database-url", default="",
                            help="Restore the database into this (fresh) database instead of the configured one "
                                 "(the media files are then not restored).")
        parser.add_argument("--no-media", action="store_true", help="Restore the database only.")
        parser.add_argument("--yes", action="store_true",
                            help="Confirm replacing the configured database (required without --database-url).")

    def handle(self, *args, **options):
        from apps.backups.services import backup_restore, backup_storage, backup_verify

        name = options["name"]
        try:
            if options["list"] or not name:
                _dirs, files = backup_storage().listdir("")
                for file_name in sorted(files):
                    if file_name.endswith(".bak"):
                        self.stdout.write(file_name)
                if not name:
                    return
            if options["verify_only"]:
                verified = backup_verify(name=name)
                holds = verified.manifest.get("holds", {})
                self.stdout.write(self.style.SUCCESS(
                    f"Backup {name} verified: checksum and every chunk intact; {holds.get('rows')} rows, "
                    f"{holds.get('media_files')} media files, taken {verified.manifest.get('started_at')}."))
                return
            if not options["database_url"] and not options["yes"]:
                raise CommandError("This replaces the configured database and media files with the backup's. Run "
                                   "again with --yes, or restore into a fresh database with --database-url.")
            result = backup_restore(name=name, database_url=options["database_url"],
                                    include_media=not options["no_media"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        holds = result["holds"]
        self.stdout.write(self.style.SUCCESS(
            f"Restored {name}: {holds.get('rows')} rows in {len(holds.get('tables', {}))} tables, "
            f"{result['media_restored']} media files. Now run `manage.py verify_access_log`."))
