"""Import an agency's nightly export of open case numbers (R-READ-3): ``manage.py rms_import <agency-id> <file>``
(CSV with a ``number`` column, optionally ``kind``; or JSON). Numbers no longer in the export are closed."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.agencies.models import Agency
from apps.common.errors import ApplicationError
from apps.misuse.models import RmsConnection
from apps.misuse.rms import rms_cases_import


class Command(BaseCommand):
    help = "Import the agency's export of open case numbers from its records management system."

    def add_arguments(self, parser):
        parser.add_argument("agency_id", type=int)
        parser.add_argument("path")

    def handle(self, *args, agency_id, path, **options):
        agency = Agency.objects.filter(pk=agency_id).first()
        if agency is None or not RmsConnection.objects.filter(agency=agency).exists():
            raise CommandError(f"Agency {agency_id} has no records-system connection (admin: RMS connections).")
        try:
            content = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            count = rms_cases_import(agency=agency, content=content)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{count} open case numbers imported for {agency}.")
