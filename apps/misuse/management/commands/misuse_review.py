"""Run the review of the access log now (R-AUD-3), as the nightly job does."""

from django.core.management.base import BaseCommand

from apps.misuse.runs import misuse_review_run


class Command(BaseCommand):
    help = "Review the access log for misuse patterns (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days=None, **options):
        run = misuse_review_run(window_days=days)
        self.stdout.write(f"{run.rows_scanned} rows read, {run.flags_created} new flags, {run.flags_updated} grown, "
                          f"{(run.finished_at - run.started_at).total_seconds():.1f} s.")
