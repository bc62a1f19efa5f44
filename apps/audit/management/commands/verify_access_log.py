"""``manage.py verify_access_log``: check the access log's SHA-256 hash chain (R-AUD-1)."""

from django.core.management.base import BaseCommand, CommandError

from apps.audit.selectors import access_log_verify_chain


class Command(BaseCommand):
    help = "Recompute the access log's hash chain and name the first row that was edited, removed or inserted."

    def handle(self, *args, **options):
        result = access_log_verify_chain()
        if not result.ok:
            raise CommandError(
                f"Access log chain BROKEN at row seq={result.first_broken_seq} (id={result.first_broken_id}): "
                f"{result.problem}. {result.rows_checked} rows before it verified."
            )
        purged = (f" (from row {result.starts_at_seq}: {result.checkpoints_checked} signed purge checkpoint(s) "
                  f"account for the rows before it)") if result.checkpoints_checked else ""
        self.stdout.write(self.style.SUCCESS(f"Access log chain intact: {result.rows_checked} rows verified.{purged}"))
