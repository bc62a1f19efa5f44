"""``manage.py bench_report``: time the semi-annual report over a half-year of 10M reads and 1M access-log rows.

The command creates its own PostgreSQL database (``alpr_bench_report``), migrates it, generates the data server-side
with generate_series, then computes the figures and renders all three renditions exactly as the report job does,
and drops the database. The last line printed is one JSON object with ``seconds``, ``reads`` and ``log_rows``.

The synthetic access-log rows are inserted in bulk, so their hash chain does not verify (the integrity section says
so, and stops at the first row); that is expected for this benchmark database only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.utils import timezone

BENCH_DB = "alpr_bench_report"
CAMERAS = 24
PEOPLE = 60


class Command(BaseCommand):
    help = "Benchmark the semi-annual report: 10M reads, 1M access-log rows, three renditions (own database)."

    def add_arguments(self, parser):
        parser.add_argument("--reads", type=int, default=10_000_000)
        parser.add_argument("--log-rows", type=int, default=1_000_000)
        parser.add_argument("--keep", action="store_true", help="Do not drop the benchmark database afterwards.")
        parser.add_argument("--inner", action="store_true", help="(internal) generate and time, in the bench DB.")

    def handle(self, *args, **options):
        if options["inner"]:
            return self._inner(options["reads"], options["log_rows"])
        if connection.vendor != "postgresql":
            raise CommandError("bench_report needs PostgreSQL (DATABASE_URL): it generates data with generate_series.")
        db = settings.DATABASES["default"]
        user = quote(db.get("USER") or "", safe="")
        password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
        env = {**os.environ, "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{BENCH_DB}",
               "CELERY_TASK_ALWAYS_EAGER": "true"}
        media = settings.BASE_DIR / "var" / "bench_report_media"
        env["MEDIA_ROOT"] = str(media)
        self._admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{BENCH_DB}"')
        try:
            self.stdout.write(f"Created database {BENCH_DB}; migrating…")
            manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
            subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
            subprocess.run([*manage, "bench_report", "--inner", "--reads", str(options["reads"]),  # noqa: S603
                            "--log-rows", str(options["log_rows"])], env=env, check=True)
        finally:
            if not options["keep"]:
                self._admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
                shutil.rmtree(media, ignore_errors=True)
                self.stderr.write(f"Dropped database {BENCH_DB} and its media files.")

    def _admin(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    # --- inside the benchmark database -------------------------------------------------------------------------

    def _inner(self, reads: int, log_rows: int) -> None:
        from django.apps import apps

        from apps.reports.choices import ReportKind
        from apps.reports.periods import last_ended_periods
        from apps.reports.services.jobs import report_job_execute
        from apps.reports.services.lifecycle import report_draft_create

        if connections["default"].settings_dict["NAME"] != BENCH_DB:
            raise CommandError("--inner runs only in the benchmark database.")
        period = next(p for p in last_ended_periods(today=timezone.localdate()) if p.kind == ReportKind.SEMIANNUAL)
        has_reads = apps.is_installed("apps.reads")
        started = time.monotonic()
        people, agency_id = self._people()
        if has_reads:
            self._reads(reads, period, agency_id)
        else:
            reads = 0
            self.stdout.write("apps.reads is not installed: no reads generated.")
        self._log_rows(log_rows, period, people, agency_id)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"Generated {reads:,} reads and {log_rows:,} access-log rows in "
                          f"{time.monotonic() - started:.1f} s.")

        started = time.monotonic()
        report, _ = report_draft_create(actor=None, kind=ReportKind.SEMIANNUAL, period_start=period.start,
                                        enqueue=False)
        job = report_job_execute(job_id=report.jobs.get().pk)
        seconds = time.monotonic() - started
        report.refresh_from_db()
        for rendition in report.renditions.order_by("audience"):
            self.stdout.write(f"  {rendition.get_audience_display()}: {rendition.page_count} pages, "
                              f"{rendition.size:,} bytes, SHA-256 {rendition.sha256}")
        integrity = next(s for s in report.figures["sections"] if s["key"] == "integrity")
        chain = next(i for i in integrity["summary"] if i["key"] == "chain_ok")["value"]
        self.stdout.write(f"Report {report.reference}: figures and three renditions in {seconds:.1f} s "
                          f"(job {job.status}). Access-log chain: {chain['text']} — expected here: the synthetic "
                          "rows were bulk-inserted without the chain service, so they do not verify.")
        self.stdout.write(json.dumps({
            "seconds": round(seconds, 2), "reads": reads, "log_rows": log_rows, "period": period.reference,
            "chain_verifies": chain["ok"], "note": "synthetic access-log rows: hash chain not expected to verify",
        }))

    def _people(self) -> tuple[list[tuple[int, str]], int]:
        from apps.accounts.roles import Role
        from apps.accounts.services import user_create
        from apps.agencies.services import agency_create

        agency = agency_create(actor=None, name="Bench County Sheriff", ori="CA9990000", kind="law_enforcement",
                               government_level="county", state="CA", is_deploying_agency=True)
        people = []
        for index in range(PEOPLE):
            role = Role.INVESTIGATOR if index % 6 else Role.SUPERVISOR
            user = user_create(actor=None, username=f"bench{index:03d}", password=None, agency=agency,
                               roles=[role], first_name=f"Bench{index:03d}", last_name="Person",
                               job_title="Detective" if role == Role.INVESTIGATOR else "Sergeant")
            people.append((user.pk, user.username))
        return people, agency.pk

    def _reads(self, count: int, period, agency_id: int) -> None:
        from apps.agencies.models import Agency
        from apps.reads.choices import CameraKind
        from apps.reads.services.cameras import camera_create

        commissioned = timezone.make_aware(datetime.combine(period.start - timedelta(days=30), datetime.min.time()))
        agency = Agency.objects.get(pk=agency_id)
        camera_ids = [
            camera_create(actor=None, name=f"Bench camera {index:02d}", agency=agency, commissioned_at=commissioned,
                          kind=CameraKind.MOBILE if index % 5 == 0 else CameraKind.FIXED).pk
            for index in range(CAMERAS)
        ]
        since, seconds = self._span(period)
        with connection.cursor() as cursor:
            # A throwaway database: secondary indexes are built after the load (search-only ones not at all), and
            # foreign-key triggers are skipped for the load (replica mode), as a bulk restore would.
            for name in ("read_plate_trgm", "read_plate_time", "read_camera_time", "read_time"):
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
            cursor.execute("ALTER TABLE reads_read DROP CONSTRAINT IF EXISTS read_unique_per_camera")
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                """
                INSERT INTO reads_read (camera_id, source_read_id, source, plate_read, plate_normalized, plate_current,
                    region, captured_at, received_at, confidence, vehicle_image, plate_crop, flagged_out_of_service)
                SELECT cams[1 + (g %% %s)], g::text, CASE WHEN g %% 5 = 0 THEN 'mobile' ELSE 'fixed' END,
                       upper(substr(md5(g::text), 1, 7)), upper(substr(md5(g::text), 1, 7)),
                       upper(substr(md5(g::text), 1, 7)), 'CA',
                       %s::timestamptz + make_interval(secs => (g::double precision / %s) * %s),
                       %s::timestamptz + make_interval(secs => (g::double precision / %s) * %s + 2),
                       70 + (g %% 30), '', '', g %% 997 = 0
                FROM generate_series(1, %s) AS g, (SELECT %s::bigint[] AS cams) AS c
                """,
                [CAMERAS, since, count, seconds, since, count, seconds, count, camera_ids],
            )
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("CREATE INDEX read_time ON reads_read (captured_at)")
            cursor.execute("CREATE INDEX read_camera_time ON reads_read (camera_id, captured_at)")

    def _log_rows(self, count: int, period, people: list[tuple[int, str]], agency_id: int) -> None:
        from apps.audit.choices import Purpose

        since, seconds = self._span(period)
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                """
                INSERT INTO audit_accesslog (seq, occurred_at, user_id, username, agency_id, agency_name, action,
                    data_elements, purpose, case_number, result_count, endpoint, previous_hash, row_hash)
                SELECT g, %s::timestamptz + make_interval(secs => (g::double precision / %s) * %s),
                       p.ids[1 + (g %% %s)], p.names[1 + (g %% %s)], %s, 'Bench County Sheriff',
                       (ARRAY['reads.search', 'reads.search', 'reads.search', 'reads.view',
                              'reads.export'])[1 + g %% 5],
                       jsonb_build_object('plate_pattern', upper(substr(md5(g::text), 1, 7))),
                       p.purposes[1 + (g %% %s)], 'B-' || (g %% 40000)::text, g %% 50, 'reads:search',
                       md5((g - 1)::text) || md5('p' || (g - 1)::text), md5(g::text) || md5('p' || g::text)
                FROM generate_series(1, %s) AS g,
                     (SELECT %s::bigint[] AS ids, %s::text[] AS names, %s::text[] AS purposes) AS p
                """,
                [since, count, seconds, len(people), len(people), agency_id, len(Purpose.values), count,
                 [pk for pk, _ in people], [name for _, name in people], list(Purpose.values)],
            )
            cursor.execute("SET session_replication_role = DEFAULT")

    @staticmethod
    def _span(period) -> tuple[datetime, float]:
        tz = timezone.get_current_timezone()
        since = timezone.make_aware(datetime.combine(period.start, datetime.min.time()), tz)
        until = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), datetime.min.time()), tz)
        return since, (until - since).total_seconds() - 1

