"""``manage.py bench_retention``: the nightly archive pass at scale, in a database of its own.

Creates ``alpr_bench_retention`` (dropped afterwards unless ``--keep``), migrates it, and generates server-side with
``generate_series`` 200 cameras and 10,000,000 reads, of which 1,000,000 are past the archive period and 10,000 of
those under an active evidence hold. Then it times the real retention code (``apps.retention.engine``) — the
archive pass, then the purge pass (with ``as_of`` moved past the purge period) — and checks the held reads were not
touched. The last line of output is one JSON object.

``--purge-days P --not-due N`` measures the steady state instead: the night archived now, N reads archived on the
nights since the older night (not yet due), and the night archived P days ago, which the purge takes (its held reads
exempted when it was archived). What the purge must not do there is walk the N reads.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from urllib.parse import urlparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

BENCH_DB = "alpr_bench_retention"


def _bench_name(name: str) -> bool:
    """A database this command may create and drop: ``alpr_bench…``, or ``h<N>_bench…`` (a helper's own namespace on a
    shared server)."""
    return name.startswith("alpr_bench") or re.fullmatch(r"h\d+_bench\w*", name) is not None


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576
    except OSError:  # pragma: no cover - not Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _BackendsCpu:
    """CPU seconds of every PostgreSQL backend a retention pass used. The engine works a pass in parallel threads, each
    on a connection of its own that it closes at the end (``apps.retention.engine.keyset_slices``), so one backend's
    /proc/<pid>/stat is not enough: each backend is read after every batch it ran (``after_batch``, in the thread that
    ran it) and its last reading counts, from 0 for a backend first seen during the pass (a new connection's start-up
    is a few milliseconds), from its reading at the start for the main connection. The work after a backend's last
    batch is not counted; a database on another host gives None."""

    def __init__(self):
        self.lock = threading.Lock()
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.queue_start: dict[int, float] = {}
        self.queue_last: dict[int, float] = {}
        self.machine: list[int] | None = None
        self.unreadable = False

    def _read(self) -> tuple[int, float | None, float | None]:
        from django.db import connection

        from apps.ops.benchmarks import _backend_cpu_seconds

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        return pid, _backend_cpu_seconds(pid), _run_queue_seconds(pid)

    def begin(self) -> None:
        pid, seconds, queued = self._read()
        with self.lock:
            self.start, self.last, self.unreadable = {pid: seconds or 0.0}, {pid: seconds or 0.0}, seconds is None
            self.queue_start, self.queue_last = {pid: queued or 0.0}, {pid: queued or 0.0}
            self.machine = _machine_ticks()

    def sample(self) -> None:
        pid, seconds, queued = self._read()
        with self.lock:
            if seconds is None:
                self.unreadable = True
            else:
                self.start.setdefault(pid, 0.0)
                self.last[pid] = seconds
            if queued is not None:
                self.queue_start.setdefault(pid, 0.0)
                self.queue_last[pid] = queued

    def total(self, process_s: float) -> dict:
        self.sample()  # the main connection's work after the threads' last batches
        backend = None if self.unreadable else round(sum(self.last[p] - self.start[p] for p in self.last), 2)
        queued = round(sum(self.queue_last[p] - self.queue_start[p] for p in self.queue_last), 2)
        machine = _machine_ticks()
        idle = None
        if self.machine and machine and sum(machine) > sum(self.machine):
            # idle + iowait over all ticks of all CPUs: 0 means every core was busy (with anything) all along.
            idle = round((machine[3] + machine[4] - self.machine[3] - self.machine[4])
                         / (sum(machine) - sum(self.machine)), 3)
        return {"process_s": round(process_s, 2), "backend_s": backend, "backends": len(self.last),
                "total_s": None if backend is None else round(process_s + backend, 2),
                # Time the backends were ready to run but waited for a CPU (taken by anything else on the machine),
                # and the machine's idle share: with both near 0 a pass's wall time is its own work, not the queue.
                "backend_run_queue_s": queued, "machine_idle_share": idle}


def _run_queue_seconds(pid: int) -> float | None:
    """Seconds a local process has waited in the run queue for a CPU (/proc/<pid>/schedstat, field 2), or None."""
    try:
        with open(f"/proc/{pid}/schedstat", encoding="ascii") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def _machine_ticks() -> list[int] | None:
    """The machine's CPU ticks (user, nice, system, idle, iowait, irq, softirq, steal) from /proc/stat, or None."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            return [int(value) for value in stat.readline().split()[1:9]]
    except OSError:
        return None


class Command(BaseCommand):
    help = "Benchmark nightly archiving/purging on 10M generated reads in a throwaway PostgreSQL database."

    def add_arguments(self, parser):
        parser.add_argument("--reads", type=int, default=10_000_000)
        parser.add_argument("--old", type=int, default=1_000_000, help="Reads past the archive period.")
        parser.add_argument("--held", type=int, default=10_000, help="Old reads under an active hold.")
        parser.add_argument("--old-span-days", type=float, default=365.0,
                            help="Days the reads past the archive period are spread over (default 365; 1 = one "
                                 "night's worth, which retention purges row by row, not as whole months).")
        parser.add_argument("--purge-days", type=int, default=0,
                            help="The purge period (default 0: the night just archived is purged right away). With "
                                 "P > 0 the reads are a steady state instead: the night archived now, --not-due reads "
                                 "archived on the P - 1 nights before (not yet due), and one more night of --old "
                                 "reads archived P days ago, which the purge takes; --held reads are held in each "
                                 "night (those of the older one exempted when it was archived).")
        parser.add_argument("--not-due", type=int, default=0,
                            help="With --purge-days: reads archived but not yet due for purging, spread over the "
                                 "P - 1 days between the two nights (what a purge must not walk every night).")
        parser.add_argument("--batch-size", type=int, default=50_000)
        parser.add_argument("--database", default=BENCH_DB)
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
        parser.add_argument("--phase", choices=["all", "run"], default="all", help=f"Internal ({BENCH_DB} only).")
        parser.add_argument("--setup-only", action="store_true",
                            help="Generate the reads and stop (the database is kept): a template for --template.")
        parser.add_argument("--template", default="",
                            help="Copy this database (made with --setup-only, the same day) instead of generating: "
                                 "compare code changes on the same reads without the minutes of setup.")
        parser.add_argument("--reuse", action="store_true",
                            help="Measure in --database itself, made with --setup-only the same day, without copying "
                                 "it (at 100M a copy does not fit beside it); the measurement purges its old reads, "
                                 "so it is used up (kept with --keep, for looking into, not for measuring again).")

    # --- parent: create the database, migrate, run the measuring phase in a child process -----------------------
    def handle(self, *args, **options):
        if options["phase"] == "run":
            return self._run(options)
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("bench_retention needs PostgreSQL (set DATABASE_URL).")
        name = options["database"]
        if not _bench_name(name):
            raise CommandError("The benchmark database name must start with alpr_bench or h<N>_bench (it is dropped).")
        import psycopg

        admin = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"] or "postgres",
                 "password": db["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
        template = name if options["reuse"] else options["template"]
        if template and not _bench_name(template):
            raise CommandError("--template must name a benchmark database (alpr_bench… or h<N>_bench…).")
        if options["reuse"] and (options["template"] or options["setup_only"]):
            raise CommandError("--reuse measures in --database itself: not with --template or --setup-only.")
        with psycopg.connect(**admin) as connection:
            if options["reuse"]:
                if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                    raise CommandError(f"--reuse: there is no database {name} (make it with --setup-only).")
            elif template:  # a file copy: seconds, where WAL-logging it would write the whole database again
                connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
                connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY file_copy')
            else:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
                connection.execute(f'CREATE DATABASE "{name}"')
        url = urlparse(f"postgres://{admin['user']}@{admin['host']}:{admin['port']}/{name}")
        env = {**os.environ, "DATABASE_URL": url.geturl(), "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "true"),
               "CELERY_TASK_ALWAYS_EAGER": "true"}
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        try:
            # A template made by another tree (the one compared against) gets this tree's migrations; else a no-op.
            self.stdout.write(f"Migrating {name}…")
            subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)  # noqa: S603 - our own manage.py
            child = [*manage, "bench_retention", "--phase", "run", "--reads", str(options["reads"]), "--old",
                     str(options["old"]), "--held", str(options["held"]), "--batch-size", str(options["batch_size"]),
                     "--old-span-days", str(options["old_span_days"]), "--purge-days", str(options["purge_days"]),
                     "--not-due", str(options["not_due"])]
            child += ["--setup-only"] * options["setup_only"] + ["--template", template] * bool(template)
            # The child prints progress as it goes; its last line is the JSON result, which stays our last line.
            with subprocess.Popen(child, env=env, stdout=subprocess.PIPE, text=True) as process:  # noqa: S603
                for line in process.stdout:
                    if line.strip():
                        self.stdout.write(line.rstrip("\n"))
                        self.stdout.flush()
            if process.returncode:
                raise CommandError(f"The benchmark failed (exit status {process.returncode}).")
        finally:
            if not (options["keep"] or options["setup_only"]):
                with psycopg.connect(**admin) as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # --- child: inside the benchmark database ---------------------------------------------------------------------
    def _say(self, message: str) -> None:
        self.stdout.write(f"[{time.strftime('%H:%M:%S')}] {message}")
        self.stdout.flush()

    def _run(self, options):
        from django.db import connection

        if not _bench_name(connection.settings_dict["NAME"]):
            raise CommandError("--phase run works only inside a benchmark database.")
        settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="alpr-bench-media-")
        total, old, held, batch = options["reads"], options["old"], options["held"], options["batch_size"]
        purge_days, not_due = options["purge_days"], options["not_due"]
        if purge_days < 0 or not_due < 0 or (not_due and not purge_days):
            raise CommandError("--purge-days must be 0 or more, and --not-due needs --purge-days.")
        if not_due and purge_days < 2:
            raise CommandError("--not-due needs --purge-days of 2 or more (the days between the two nights).")
        if purge_days and total < 2 * old + not_due:
            raise CommandError("--reads must hold both nights (2 × --old) and --not-due.")
        # Reads under the hold: one set per night (the older night's were exempted when it was archived).
        held_total = held * (2 if purge_days else 1)
        setup_started = time.perf_counter()
        if options["template"]:
            from apps.holds.models import EvidenceHold

            hold_id = EvidenceHold.objects.get(case_number="BENCH-1").pk
            with connection.cursor() as cursor:  # the copy's pages are cold: read the table once, as a night would
                cursor.execute("SELECT count(*) FROM reads_read")
        else:
            hold_id = self._generate(total=total, old=old, held=held, old_span_s=options["old_span_days"] * 86400,
                                     purge_days=purge_days, not_due=not_due)
        setup_s = time.perf_counter() - setup_started
        if options["setup_only"]:
            self._say(f"Set up in {setup_s:.1f} s; kept as a template")
            return

        from django.utils import timezone

        from apps.reads.retention import reads_archive, reads_purge_archived
        from apps.retention.engine import RunContext
        from apps.retention.selectors import retention_policy_current

        policy = retention_policy_current()
        rss = [_rss_mb()]
        load_before = os.getloadavg()

        def sample(step, count):
            rss.append(_rss_mb())
            backends.sample()

        backends = _BackendsCpu()
        as_of = timezone.now()
        ctx = RunContext(policy=policy, as_of=as_of, batch_size=batch, after_batch=sample)
        ctx.step = "reads.archive"
        self._say(f"Archive pass: reads captured before now - {policy.read_retention_days} days…")
        backends.begin()
        started, process_started = time.perf_counter(), time.process_time()
        reads_archive(ctx, policy.read_retention_days)
        archive_s = time.perf_counter() - started
        archive_cpu = backends.total(time.process_time() - process_started)
        archived = ctx.counts["reads.archive"]["archived"]
        held_after_archive = self._held_untouched(hold_id, held_total)
        self._say(f"  archived {archived:,} in {archive_s:.1f} s ({ctx.counts['reads.archive']['batches']} batches)")

        # Purge period 0: the same reads, purged right away. Else the night archived --purge-days ago, past the
        # --not-due reads archived since. Rows, corrections, queued image files.
        purge_ctx = RunContext(policy=policy, as_of=as_of + timezone.timedelta(seconds=1), batch_size=batch,
                               after_batch=sample)
        purge_ctx.step = "reads.purge"
        self._say(f"Purge pass (purge period {purge_days}): rows, corrections, image files queued and removed after "
                  "commit…")
        backends.begin()
        started, process_started = time.perf_counter(), time.process_time()
        reads_purge_archived(purge_ctx, purge_days)
        purge_s = time.perf_counter() - started
        purge_cpu = backends.total(time.process_time() - process_started)
        purged = purge_ctx.counts["reads.purge"]["purged"]
        held_after_purge = self._held_untouched(hold_id, held_total)
        self._say(f"  purged {purged:,} in {purge_s:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM reads_read")
            remaining = cursor.fetchone()[0]
        result = {
            "reads": total, "past_archive_period": old, "held": held, "batch_size": batch,
            "old_span_days": options["old_span_days"], "purge_days": purge_days, "not_due": not_due,
            "setup_s": round(setup_s, 1),
            "archive_s": round(archive_s, 2), "archived": archived,
            # Archiving advances the watermark (apps.reads.archive): the held reads it passed are exempted, not slices.
            "archive_held_exempted": ctx.counts["reads.archive"].get("held_exempted"),
            "archive_reads_per_s": round(archived / archive_s) if archive_s else None,
            # The parallel slices (apps.retention.engine.keyset_slices): candidates counted, reads done, seconds.
            "purge_slices": purge_ctx.counts["reads.purge"].get("slices"),
            # CPU seconds of this process and of the PostgreSQL backend serving it (None when it could not be read):
            # on a shared machine wall time is mostly the queue for a core.
            "archive_cpu_s": archive_cpu, "purge_cpu_s": purge_cpu,
            "purge_s": round(purge_s, 2), "purged": purged,
            "purge_partitions_emptied": purge_ctx.counts["reads.purge"].get("partitions_emptied", 0),
            "purge_partitions_s": purge_ctx.counts["reads.purge"].get("partitions_seconds"),
            "purge_reads_per_s": round(purged / purge_s) if purge_s else None,
            "remaining_reads": remaining,
            "held_untouched": held_after_archive and held_after_purge and archived == old - held
            and (not purge_days or purged == old - held),
            "rss_mb_min": round(min(rss), 1), "rss_mb_max": round(max(rss), 1),
            "load_avg_before": [round(x, 2) for x in load_before], "cpus": os.cpu_count(),
        }
        self.stdout.write(json.dumps(result))

    def _partitions_make(self) -> None:
        """Reads partitioned by month (issue #19): the months of the generated reads (the last 1,100 days) get their
        partitions before the load, as the beat job would have made them."""
        from datetime import timedelta

        from django.utils import timezone

        from apps.reads.partitions import month_add, month_start, partition_create, reads_partitioned

        if not reads_partitioned():
            return
        now = timezone.now()
        month, last = month_start(now - timedelta(days=1100)), month_start(now)
        while month <= last:
            partition_create(month)
            month = month_add(month, 1)
        self._say("Partitions made for every month of the generated reads")

    def _held_untouched(self, hold_id: int, held: int) -> bool:
        from django.db import connection

        from apps.reads.archive import read_unarchived_sql

        with connection.cursor() as cursor:
            # Present, and not archived (R-RET-1, R-RET-3): visible to ordinary users as before the run.
            cursor.execute(f"SELECT count(*), count(*) FILTER (WHERE {read_unarchived_sql('r')}) "  # noqa: S608
                           "FROM holds_heldread h JOIN reads_read r ON r.id = h.read_id WHERE h.hold_id = %s",
                           [hold_id])
            present, unarchived = cursor.fetchone()
        return present == held and unarchived == held

    def _generate(self, *, total: int, old: int, held: int, old_span_s: float = 31536000.0, purge_days: int = 0,
                  not_due: int = 0) -> int:
        from datetime import timedelta

        from django.db import connection
        from django.utils import timezone

        from apps.accounts.models import User
        from apps.agencies.models import Agency
        from apps.holds.choices import HoldGround, HoldStatus, ScopeKind
        from apps.holds.models import EvidenceHold
        from apps.reads.models import ReadArchiveExemption, ReadArchiveWatermark

        agency = Agency.objects.create(name="Bench County Sheriff", ori="CA0999999", kind="law_enforcement",
                                       government_level="county", state="CA", is_deploying_agency=True)
        supervisor = User.objects.create(username="bench-supervisor", agency=agency)
        investigator = User.objects.create(username="bench-investigator", agency=agency, supervisor=supervisor)
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
            cursor.execute(
                "INSERT INTO reads_camera (name, kind, agency_id, location_description, latitude, longitude, "
                "external_id, status, commissioned_at, created_at) SELECT 'Bench camera ' || c, 'fixed', %s, '', "
                "33.7 + c / 1000.0, -117.9 - c / 1000.0, '', 'in_service', now() - interval '10 years', now() "
                "FROM generate_series(1, 200) c", [agency.pk])
            cursor.execute("SELECT min(id) FROM reads_camera")
            first_camera = cursor.fetchone()[0]
            # Load without secondary indexes and foreign keys, then build them (as a restore would).
            cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = 'reads_read'::regclass AND contype IN ('u', 'f')")
            constraints = cursor.fetchall()
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reads_read' "
                           "AND indexname NOT IN (SELECT conname FROM pg_constraint "
                           "WHERE conrelid = 'reads_read'::regclass)")
            indexes = cursor.fetchall()
            # A partitioned table's index is defined "ON ONLY" the parent: rebuilt on the parent, it must cascade.
            indexes = [(name, definition.replace(" ON ONLY ", " ON ")) for name, definition in indexes]
            self._partitions_make()
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE reads_read DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            # One moment for the whole load: the nights' edges must not move from one chunk to the next.
            times = (self._steady_times(total=total, old=old, purge_days=purge_days, not_due=not_due)
                     if purge_days else None)  # (SQL, parameters, E: the night archived now ends there)
            chunk = 1_000_000
            for start in range(1, total + 1, chunk):
                end = min(total, start + chunk - 1)
                self._say(f"Generating reads {start:,}…{end:,}")
                cursor.execute(
                    "INSERT INTO reads_read (camera_id, source_read_id, source, plate_read, plate_normalized, "
                    "plate_current, region, captured_at, received_at, latitude, longitude, confidence, "
                    "vehicle_image, plate_crop, metadata, flagged_out_of_service, archived_at) "
                    "SELECT %s + (g %% 200), 'b' || g, 'fixed', p.plate, p.plate, p.plate, 'CA', t.at, "
                    "t.at + interval '2 seconds', 33.7 + (g %% 1000) / 10000.0, -117.9 - (g %% 997) / 10000.0, "
                    "70 + (g %% 30), '', CASE WHEN g <= %s AND g %% 10 = 0 THEN 'reads/bench/' || g || '.jpg' "
                    "ELSE '' END, NULL, false, NULL "
                    "FROM generate_series(%s, %s) g, "
                    "LATERAL (SELECT upper(substr(md5(g::text), 1, 7)) AS plate) p, "
                    # Reads arrive in time order (ids follow capture time): the old ones spread over the
                    # --old-span-days (default a year) before the archive cutoff, the others over the 729 days after.
                    + (times[0] if times else
                       "LATERAL (SELECT CASE WHEN g <= %s "
                       "THEN now() - interval '731 days' - (%s - g) * (%s::float / %s) * interval '1 second' "
                       "ELSE now() - interval '1 hour' - (%s - g) * (62985600.0 / %s) * interval '1 second' "
                       "END AS at) t"),
                    [first_camera, old, start, end,
                     *(times[1] if times else [old, old, old_span_s, max(old, 1), total, max(total - old, 1)])])
            for name, definition in indexes:
                self._say(f"Building index {name}")
                cursor.execute(definition)
            for name, definition in constraints:
                self._say(f"Adding constraint {name}")
                cursor.execute(f'ALTER TABLE reads_read ADD CONSTRAINT "{name}" {definition}')
            self._say("VACUUM ANALYZE reads_read")
            cursor.execute("VACUUM ANALYZE reads_read")
            # The key table (issue #19) was filled by reads_read's statement trigger as the reads went in (this load
            # runs with triggers on): one row per read, as the purge will find it. Settled like the table itself.
            cursor.execute("SELECT count(*) = %s FROM reads_readkey", [total])
            if not cursor.fetchone()[0]:
                raise CommandError("reads_readkey does not hold one key per generated read")
            cursor.execute("VACUUM ANALYZE reads_readkey")
        now = timezone.now()
        hold = EvidenceHold.objects.create(
            case_number="BENCH-1", reason="Benchmark", ground=HoldGround.EVIDENCE, contact="bench",
            scope_kind=ScopeKind.READS, requested_by=investigator, approver=supervisor, status=HoldStatus.ACTIVE,
            decided_by=supervisor, decided_at=now, read_count=held * (2 if purge_days else 1),
        )
        # The night archived now (reads 1…old; with --purge-days the reads after the older night and the not-due ones),
        # and with --purge-days also the older night (reads 1…old), whose held reads its archiving exempted.
        nights = [(old + not_due, False), (0, True)] if purge_days else [(0, False)]
        with connection.cursor() as cursor:
            step = max(1, old // held)
            for offset, exempted in nights:
                cursor.execute(
                    "INSERT INTO holds_heldread (hold_id, read_id, plate, captured_at, camera_name) "
                    "SELECT %s, r.id, r.plate_current, r.captured_at, 'bench' FROM generate_series(%s, %s, %s) g "
                    # By key through the key table: reads_read has no index by key (migration 0015).
                    "JOIN reads_readkey k ON k.camera_id = %s + (g %% 200) AND k.source_read_id = 'b' || g "
                    "JOIN reads_read r ON r.id = k.read_id AND r.captured_at = k.captured_at LIMIT %s "
                    "RETURNING read_id, captured_at",
                    [hold.pk, offset + step, offset + old, step, first_camera, held])
                rows = cursor.fetchall()
                if exempted:
                    ReadArchiveExemption.objects.bulk_create([
                        ReadArchiveExemption(read_id=read_id, captured_at=captured_at,
                                             exempt_since=now - timedelta(days=purge_days))
                        for read_id, captured_at in rows])
            if purge_days:
                # The watermark's history: one advance a night for the last P nights (apps.reads.archive), each past
                # one more night of reads; the one made P nights ago passed the older night, now due.
                edge = times[2]
                ReadArchiveWatermark.objects.bulk_create([
                    ReadArchiveWatermark(archived_at=now - timedelta(days=night),
                                         captured_before=edge - timedelta(days=night))
                    for night in range(1, purge_days + 1)])
            cursor.execute("ANALYZE holds_heldread")
        self._say(f"{total:,} reads, {old:,} past the archive period, {held:,} of them held"
                  + (f"; steady state: {not_due:,} archived not due, {old:,} due for purging (purge period "
                     f"{purge_days} days), {held:,} of them held" if purge_days else ""))
        return hold.pk

    def _steady_times(self, *, total: int, old: int, purge_days: int, not_due: int) -> tuple[str, list, datetime]:
        """With --purge-days P: the capture time of read g (SQL and parameters), and E = now - 730 days - 1 hour, the
        archive cutoff's side of the night archived now: reads 1…old the older night [E - (P+1) days, E - P days),
        the next ``not_due`` reads spread over [E - P days, E - 1 day), the next old reads the night archived now
        [E - 1 day, E), and the rest over the 729 days before now - 1 hour. Strictly inside each span (half a step
        from its edges), so the watermark's history (one ``captured_before`` a night, E - k days) splits them
        exactly."""
        from django.db import connection
        from django.utils import timezone

        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            now = cursor.fetchone()[0]
        edge = now - timezone.timedelta(days=730, hours=1)
        day = 86400.0
        live = max(total - 2 * old - not_due, 1)
        sql = ("LATERAL (SELECT CASE "
               "WHEN g <= %s THEN %s::timestamptz + (g - 0.5) * (%s / %s) * interval '1 second' "
               "WHEN g <= %s THEN %s::timestamptz + (g - %s - 0.5) * (%s / %s) * interval '1 second' "
               "WHEN g <= %s THEN %s::timestamptz + (g - %s - 0.5) * (%s / %s) * interval '1 second' "
               "ELSE %s::timestamptz - interval '1 hour' - (%s - g) * (62985600.0 / %s) * interval '1 second' "
               "END AS at) t")
        params = [old, edge - timezone.timedelta(days=purge_days + 1), day, old,
                  old + not_due, edge - timezone.timedelta(days=purge_days), old, (purge_days - 1) * day,
                  max(not_due, 1),
                  2 * old + not_due, edge - timezone.timedelta(days=1), old + not_due, day, old,
                  now, total, live]
        return sql, params, edge
