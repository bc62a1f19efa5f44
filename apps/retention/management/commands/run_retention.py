"""``manage.py run_retention``: run the nightly retention job now (R-RET-4), here or through Celery."""

from django.core.management.base import BaseCommand, CommandError

from apps.common.errors import ApplicationError


class Command(BaseCommand):
    help = "Archive and purge every data class past its period (skipping held data), as the nightly job does."

    def add_arguments(self, parser):
        parser.add_argument("--via-celery", action="store_true", help="Queue the job for a Celery worker instead.")
        parser.add_argument("--queue", default=None, help="With --via-celery: the queue to send the job to.")
        parser.add_argument("--batch-size", type=int, default=None, help="Rows per batch (default: settings).")

    def handle(self, *args, **options):
        from apps.retention.choices import RunTrigger
        from apps.retention.services import retention_run_create, retention_run_execute

        run = retention_run_create(trigger=RunTrigger.COMMAND)
        if options["via_celery"]:
            from apps.retention.tasks import retention_run_nightly

            result = retention_run_nightly.apply_async(kwargs={"run_id": run.pk}, queue=options["queue"])
            self.stdout.write(f"Queued retention run #{run.pk} (task {result.id}).")
            return
        try:
            run = retention_run_execute(run_id=run.pk, batch_size=options["batch_size"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for step, counts in run.counts.items():
            shown = ", ".join(f"{key}={value}" for key, value in counts.items() if key not in ("cutoff",))
            self.stdout.write(f"  {step}: {shown}")
        if run.errors:
            for error in run.errors:
                self.stderr.write(f"  ERROR {error['step']}: {error['error']}")
            raise CommandError(f"Retention run #{run.pk} failed after {run.duration_s} s.")
        self.stdout.write(self.style.SUCCESS(f"Retention run #{run.pk} succeeded in {run.duration_s} s."))
