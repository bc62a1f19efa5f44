"""``manage.py verify_access_log``: check the access log's SHA-256 hash chain and its signed anchors (R-AUD-1,
R-AUD-1b); ``--against-head SEQ:HASH`` also proves that a head published earlier (on /transparency/ or in an issued
report) is still in the log."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.audit.selectors import access_log_parse_head, access_log_verify_chain, access_log_verify_head

NOT_YET_ANCHORED = ("Rows after #{seq} are not yet anchored ({count} row{plural}): they verify as a chain, but only "
                    "up to the anchor can a truncation or a recomputed row be ruled out.")
NO_ANCHOR = ("No signed anchor yet: a truncated tail or a row appended with a recomputed hash cannot be detected until "
             "the first one (celery beat writes one every {minutes} minutes).")
ANCHOR_OVERDUE = ("WARNING: rows logged since {since:%Y-%m-%d %H:%M %Z} have no anchor, although beat anchors every "
                  "{minutes} minutes: is celery beat running, or was the latest anchor removed? Compare with a "
                  "published head (--against-head).")


class Command(BaseCommand):
    help = ("Recompute the access log's hash chain, check it against the signed anchors of its head, and name the "
            "first row that was edited, removed, inserted or truncated.")

    def add_arguments(self, parser):
        parser.add_argument("--against-head", metavar="SEQ:HASH", default="",
                            help="A head published earlier (transparency page or an issued report): prove the log "
                                 "still contains it.")

    def handle(self, *args, **options):
        head = None
        if options["against_head"]:
            try:
                head = access_log_parse_head(options["against_head"])
            except ValueError as error:
                raise CommandError(str(error)) from None
        result = access_log_verify_chain()
        if not result.ok:
            row = f" (id={result.first_broken_id})" if result.first_broken_id else ""
            raise CommandError(
                f"Access log chain BROKEN at row seq={result.first_broken_seq}{row}: "
                f"{result.problem}. {result.rows_checked} rows before it verified."
            )
        purged = (f" (from row {result.starts_at_seq}: {result.checkpoints_checked} signed purge checkpoint(s) "
                  f"account for the rows before it)") if result.checkpoints_checked else ""
        self.stdout.write(self.style.SUCCESS(f"Access log chain intact: {result.rows_checked} rows verified.{purged}"))
        minutes = settings.ACCESS_LOG_ANCHOR_MINUTES
        if result.anchored_seq is None:
            self.stdout.write(NO_ANCHOR.format(minutes=minutes))
        else:
            self.stdout.write(
                f"Anchored: row #{result.anchored_seq} with hash {result.anchored_hash}, signed "
                f"{timezone.localtime(result.anchored_at):%Y-%m-%d %H:%M %Z} ({result.anchors_checked} signed "
                f"anchor(s) verified)."
            )
            unanchored = result.unanchored_rows
            if unanchored:
                self.stdout.write(NOT_YET_ANCHORED.format(seq=result.anchored_seq, count=unanchored,
                                                          plural="" if unanchored == 1 else "s"))
        if result.oldest_unanchored_at and result.oldest_unanchored_at < timezone.now() - timedelta(
                minutes=2 * minutes + 5):
            self.stdout.write(self.style.WARNING(ANCHOR_OVERDUE.format(
                since=timezone.localtime(result.oldest_unanchored_at), minutes=minutes)))
        if head is not None:
            proven, why = access_log_verify_head(seq=head[0], row_hash=head[1], verification=result)
            if not proven:
                raise CommandError(f"Published head #{head[0]} NOT proven: {why}.")
            self.stdout.write(self.style.SUCCESS(f"Published head #{head[0]} proven: {why}."))
