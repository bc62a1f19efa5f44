"""``manage.py bench_search --reads 10000000``: search latency at 1M reads and at N, through the search selector.

Runs in its own database (``alprportal_bench``, dropped afterwards unless ``--keep``). Reads are generated inside
PostgreSQL (``INSERT … SELECT generate_series``) with the secondary indexes dropped, then the indexes are rebuilt
exactly as the migrations define them, and the table is analyzed. Plates are California-style (digit, three
letters, three digits), ``--plates`` distinct ones spread over ``--days`` days and 50 cameras.

Every measured query is ``apps.reads.selectors.read_search`` — the function the page and the API call — so each
timing includes the access-log write (advisory lock, hash chain) and loading the page of reads. Exact searches use
the maximum exact window (a whole-table search at the default settings); partial searches use the maximum partial
window. Patterns come from real stored plates, in the shapes of search-notes.md: one unknown, two unknown, prefix,
infix, suffix, and the mixed ``7AB?12*`` form. The last line printed is one JSON object.
"""

from __future__ import annotations

import json
import os
import random
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from apps.ops.benchmarks import bench_database, summary_ms

CAMERAS = 50
SECONDARY_INDEXES = ("read_plate_time", "read_plate_trgm", "read_plate_reverse", "read_camera_time", "read_time")

# A plate number p in [0, plates) becomes a CA-style plate through a multiplicative hash, so that consecutive
# numbers do not share prefixes and every position is spread over its alphabet.
_PLATE_SQL = """
    chr(49 + (s.h %% 9)::int) || chr(65 + ((s.h / 9) %% 26)::int) || chr(65 + ((s.h / 234) %% 26)::int)
    || chr(65 + ((s.h / 6084) %% 26)::int) || lpad(((s.h / 158184) %% 1000)::text, 3, '0')
"""

# random() sits in a per-row subquery: in a LATERAL join that does not reference g, PostgreSQL would evaluate it once.
_INSERT_SQL = f"""
INSERT INTO reads_read (camera_id, source_read_id, source, plate_read, plate_normalized, plate_current, region,
                        captured_at, received_at, latitude, longitude, confidence)
SELECT c.ids[1 + (s.g %% %(cameras)s)], 'b' || s.g, 'fixed', p.plate, p.plate, p.plate, 'CA', s.at, s.at,
       s.lat, s.lon, s.confidence
FROM (
    SELECT g, (floor(random() * %(plates)s)::bigint * 2654435761) %% 158184000 AS h,
           now() - random() * interval '%(days)s days' AS at,
           33.6 + random() * 0.4 AS lat, -118.1 + random() * 0.4 AS lon, 70 + random() * 30 AS confidence
    FROM generate_series(%(first)s, %(last)s) g
) s
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM reads_camera) c
CROSS JOIN LATERAL (SELECT {_PLATE_SQL} AS plate) p
"""  # noqa: S608 - fixed SQL; only integers from the command line are formatted in


class Command(BaseCommand):
    help = "Measure exact and partial plate-search latency at 1M and N reads (PostgreSQL, own database)."

    def add_arguments(self, parser):
        parser.add_argument("--reads", type=int, default=10_000_000)
        parser.add_argument("--checkpoint", type=int, default=1_000_000, help="Also measure at this size (1M).")
        parser.add_argument("--plates", type=int, default=0, help="Distinct plates (default: reads / 5).")
        parser.add_argument("--days", type=int, default=730)
        parser.add_argument("--queries", type=int, default=200, help="Queries per kind per size.")
        parser.add_argument("--database", default="alprportal_bench")
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
        parser.add_argument("--reuse", action="store_true",
                            help="Measure the database an earlier run kept (--keep) as it is: no load, no checkpoint; "
                                 "adds the pages each exact search read from disk against those found in memory.")
        parser.add_argument("--seed", type=int, default=2, help="Which plates to search (with --reuse).")

    def handle(self, *args, **options):
        with bench_database(options["database"], keep=options["keep"], stderr=self.stderr, reuse=options["reuse"]):
            result = self._reuse(options) if options["reuse"] else self._run(options)
        self.stdout.write(json.dumps(result))

    # -- building ---------------------------------------------------------------------------------------------------

    def _setup(self):
        from apps.accounts.roles import Role
        from apps.accounts.services import user_create
        from apps.agencies.models import Agency
        from apps.reads.choices import CameraKind
        from apps.reads.services.cameras import camera_create

        agency = Agency.objects.create(name="Bench Sheriff", ori="CA0000009", kind="law_enforcement",
                                       government_level="county", state="CA", is_deploying_agency=True)
        # A throw-away benchmark database: its one searcher needs no background check on record (R-ACC-6 setting).
        # Set on the instance the user carries, not only in the table: the search reads ``user.agency``.
        agency.background_check_required = False
        agency.save(update_fields=["background_check_required"])
        user = user_create(actor=None, username="bench-investigator", password=None, agency=agency,
                           roles=[Role.INVESTIGATOR], job_title="Crime analyst")
        for number in range(CAMERAS):
            camera_create(actor=None, name=f"Camera {number:02d}", kind=CameraKind.FIXED, agency=agency,
                          commissioned_at=timezone.now() - timedelta(days=3650))
        return user

    def _index_definitions(self) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reads_read'")
            # A partitioned table's index is defined "ON ONLY" the parent: rebuilt on the parent, it must cascade.
            return [definition.replace(" ON ONLY ", " ON ") for name, definition in cursor.fetchall()
                    if name in SECONDARY_INDEXES]

    def _partitions_make(self, days: int) -> None:
        """Reads partitioned by month (issue #19): the months the generated reads fall in get their partitions before
        the load, as the beat job would have made them (else every read would land in the DEFAULT partition)."""
        from apps.reads.partitions import month_add, month_start, partition_create, reads_partitioned

        if not reads_partitioned():
            return
        now = timezone.now()
        month, last = month_start(now - timedelta(days=days + 1)), month_start(now)
        while month <= last:
            partition_create(month)
            month = month_add(month, 1)

    def _drop_indexes(self):
        with connection.cursor() as cursor:
            for name in SECONDARY_INDEXES:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')

    def _create_indexes(self, definitions: list[str]) -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
            # No unique constraint by key on reads_read (migration 0015): reads_readkey's primary key is it.
            for definition in definitions:
                cursor.execute(definition)
            self._read_keys_fill(cursor)
            self._plate_months_fill(cursor)
            # As autovacuum would leave it: visibility map set (index-only scans), statistics current. Then flush the
            # load's dirty pages, so the measurement sees steady state rather than the checkpointer catching up.
            cursor.execute("VACUUM (ANALYZE) reads_read")
            cursor.execute("CHECKPOINT")
        return time.perf_counter() - started

    @staticmethod
    def _read_keys_fill(cursor) -> None:
        """The key table (``ReadKey``, issue #19): one row per read, what ingest and lookups by key read, and the
        uniqueness of a camera's keys. Its triggers do not fire during the bulk load (replica mode), so it is rebuilt
        here from the table as migration 0014 fills it, its primary key built after the rows (counted in the
        reported sizes as the triggers would have left it)."""
        cursor.execute("SET work_mem = '512MB'")
        cursor.execute("TRUNCATE reads_readkey")
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'reads_readkey'::regclass "
                       "AND contype = 'p'")
        (primary_key,) = cursor.fetchone()
        cursor.execute(f'ALTER TABLE reads_readkey DROP CONSTRAINT "{primary_key}"')
        cursor.execute("INSERT INTO reads_readkey (camera_id, source_read_id, read_id, captured_at) "
                       "SELECT camera_id, source_read_id, id, captured_at FROM reads_read")
        cursor.execute(f'ALTER TABLE reads_readkey ADD CONSTRAINT "{primary_key}" '
                       "PRIMARY KEY (camera_id, source_read_id)")
        cursor.execute("RESET work_mem")
        cursor.execute("VACUUM (ANALYZE) reads_readkey")

    @staticmethod
    def _plate_months_fill(cursor) -> None:
        """The plate → months summary exact search reads first (``ReadPlateMonths``, issue #19). Its triggers do not
        fire during the bulk load (``session_replication_role = replica``), so it is rebuilt here from the table: the
        same rows the triggers would have written (one per plate, its months sorted), key built after."""
        cursor.execute("SET work_mem = '512MB'")
        cursor.execute("TRUNCATE reads_readplatemonths")
        cursor.execute("ALTER TABLE reads_readplatemonths DROP CONSTRAINT reads_readplatemonths_pkey")
        cursor.execute("INSERT INTO reads_readplatemonths (plate, months) SELECT d.plate, array_agg(d.m ORDER BY d.m) "
                       "FROM (SELECT DISTINCT plate_current AS plate, reads_month_number(captured_at) AS m "
                       "FROM reads_read) d GROUP BY d.plate")
        cursor.execute("ALTER TABLE reads_readplatemonths ADD PRIMARY KEY (plate)")
        cursor.execute("RESET work_mem")
        cursor.execute("VACUUM (ANALYZE) reads_readplatemonths")

    def _insert(self, first: int, last: int, plates: int, days: int) -> float:
        started = time.perf_counter()
        chunk = 2_000_000
        with connection.cursor() as cursor:
            # Bulk load only: skip the per-row foreign-key triggers (the camera ids come from reads_camera itself).
            # Needs a superuser, like CREATE DATABASE; the benchmark database is dropped afterwards anyway.
            cursor.execute("SET session_replication_role = replica")
            for low in range(first, last + 1, chunk):
                high = min(last, low + chunk - 1)
                cursor.execute(_INSERT_SQL % {"cameras": CAMERAS, "first": low, "last": high, "plates": plates,
                                              "days": days})
                self.stderr.write(f"  … {high:,} reads")
            cursor.execute("SET session_replication_role = DEFAULT")
        return time.perf_counter() - started

    # -- measuring --------------------------------------------------------------------------------------------------

    def _sample_plates(self, count: int, seed: int) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [seed / 1000])
            cursor.execute("SELECT plate_current FROM reads_read TABLESAMPLE SYSTEM (1) LIMIT %s", [count * 3])
            plates = [row[0] for row in cursor.fetchall()]
            if len(plates) < count:  # a small table: 1 % of its pages may hold no row at all
                cursor.execute("SELECT plate_current FROM reads_read ORDER BY random() LIMIT %s", [count * 3])
                plates = [row[0] for row in cursor.fetchall()]
        random.Random(seed).shuffle(plates)
        return plates[:count]

    @staticmethod
    def _patterns(plates: list[str], rng: random.Random) -> list[tuple[str, str]]:
        shapes = {
            "one_unknown": lambda p: p[:3] + "?" + p[4:],
            "two_unknown": lambda p: p[:2] + "??" + p[4:],
            "prefix": lambda p: p[:4] + "*",
            "infix": lambda p: "*" + p[2:5] + "*",
            "suffix": lambda p: "*" + p[4:],
            "mixed": lambda p: p[:3] + "?" + p[4:6] + "*",
        }
        names = list(shapes)
        return [(names[i % len(names)], shapes[names[i % len(names)]](plate)) for i, plate in enumerate(plates)]

    def _measure(self, user, *, queries: int, seed: int) -> dict:
        from apps.reads.selectors import read_search, read_search_build

        rng = random.Random(seed)
        now = timezone.now()
        exact_window = now - timedelta(days=settings.PORTAL["READ_SEARCH_MAX_DAYS"])
        partial_window = now - timedelta(days=settings.PORTAL["READ_SEARCH_PARTIAL_MAX_DAYS"])
        stored = self._sample_plates(queries, seed)
        # A tenth of exact searches are for plates never read (the common "no hit" answer).
        exact = [p if i % 10 else p[::-1] for i, p in enumerate(stored)]
        partial = self._patterns(stored, rng)

        def run(text, start):
            began = time.perf_counter()
            result = read_search(user=user, search=read_search_build(plate=text, start=start, end=now),
                                 purpose="investigative_leads", case_number="BENCH-1", page_size=50)
            return time.perf_counter() - began, result.total

        for text in exact[:10]:  # warm-up
            run(text, exact_window)
        exact_times = [run(text, exact_window)[0] for text in exact]
        partial_times, by_shape, matches = [], {}, []
        for shape, text in partial:
            elapsed, total = run(text, partial_window)
            partial_times.append(elapsed)
            by_shape.setdefault(shape, []).append(elapsed)
            matches.append(total)
        return {
            "exact": summary_ms(exact_times),
            "partial": summary_ms(partial_times),
            "partial_by_shape": {shape: summary_ms(times) for shape, times in by_shape.items()},
            "partial_matches_median": sorted(matches)[len(matches) // 2],
            "partial_matches_max": max(matches),
        }

    def _plan(self, text: str, days_setting: str = "READ_SEARCH_PARTIAL_MAX_DAYS") -> str:
        from apps.reads.selectors import read_search_build, read_search_where

        now = timezone.now()
        search = read_search_build(plate=text, start=now - timedelta(days=settings.PORTAL[days_setting]), end=now)
        where, params = read_search_where(search=search, include_archived=False)
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF, SUMMARY) WITH m AS MATERIALIZED (SELECT r.id, "  # noqa: S608
                f"r.captured_at FROM reads_read r WHERE {where}) SELECT count(*) FROM m", params)
            return "\n".join(row[0] for row in cursor.fetchall())

    def _buffers(self, plates: list[str]) -> dict:
        """For exact searches of ``plates`` (not searched before in this run: cold as a new plate is), what the
        matching statement and the page's load read: shared buffers found in memory (hit) against pages read from the
        operating system (read; from its page cache or the disk), and the time spent reading (track_io_timing)."""
        from apps.reads.selectors import read_search_build, read_search_where

        now = timezone.now()
        totals = {"hit": 0, "read": 0, "io_ms": 0.0, "execution_ms": 0.0, "planning_ms": 0.0}
        with connection.cursor() as cursor:
            cursor.execute("SET track_io_timing = on")
            for text in plates:
                search = read_search_build(plate=text, start=now - timedelta(
                    days=settings.PORTAL["READ_SEARCH_MAX_DAYS"]), end=now)
                where, params = read_search_where(search=search, include_archived=False)
                cursor.execute(
                    "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT r.* FROM reads_read r "  # noqa: S608
                    f"WHERE {where} ORDER BY r.captured_at DESC, r.id DESC LIMIT 50", params)
                plan = cursor.fetchone()[0][0]
                top = plan["Plan"]
                totals["hit"] += top.get("Shared Hit Blocks", 0)
                totals["read"] += top.get("Shared Read Blocks", 0)
                totals["io_ms"] += top.get("I/O Read Time", 0.0)
                totals["execution_ms"] += plan.get("Execution Time", 0.0)
                totals["planning_ms"] += plan.get("Planning Time", 0.0)
        count = max(1, len(plates))
        return {"plates": len(plates), "shared_hit_per_search": round(totals["hit"] / count, 1),
                "shared_read_per_search": round(totals["read"] / count, 1),
                "io_read_ms_per_search": round(totals["io_ms"] / count, 2),
                "execution_ms_per_search": round(totals["execution_ms"] / count, 2),
                "planning_ms_per_search": round(totals["planning_ms"] / count, 2)}

    def _reuse(self, options) -> dict:
        from apps.accounts.models import User

        user = User.objects.get(username="bench-investigator")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM reads_read")
            stored = cursor.fetchone()[0]
        self.stderr.write(f"Reusing {stored:,} reads; measuring…")
        cpu_before = time.process_time()
        at_n = self._measure(user, queries=options["queries"], seed=options["seed"])
        cpu_s = time.process_time() - cpu_before
        self.stderr.write(f"  N: {json.dumps(at_n)}")
        fresh = self._sample_plates(50, options["seed"] + 100)
        buffers = self._buffers(fresh)
        self.stderr.write(f"  buffers of 50 fresh exact searches: {json.dumps(buffers)}")
        return {
            "benchmark": "bench_search", "reused": True, "reads": stored, "queries_per_kind": options["queries"],
            "exact_p50_ms": at_n["exact"]["p50"], "exact_p95_ms": at_n["exact"]["p95"],
            "exact_max_ms": at_n["exact"]["max"], "partial_p50_ms": at_n["partial"]["p50"],
            "partial_p95_ms": at_n["partial"]["p95"], "partial_max_ms": at_n["partial"]["max"],
            "partial_by_shape_ms": at_n["partial_by_shape"], "process_cpu_s": round(cpu_s, 2),
            "exact_buffers": buffers, "load_avg": [round(x, 2) for x in os.getloadavg()],
        }

    def _run(self, options) -> dict:
        total = options["reads"]
        checkpoint = min(options["checkpoint"], total)
        plates = options["plates"] or max(1000, total // 5)
        user = self._setup()
        self._partitions_make(options["days"])
        definitions = self._index_definitions()
        self._drop_indexes()

        self.stderr.write(f"Generating {checkpoint:,} reads…")
        load_1m = self._insert(1, checkpoint, plates, options["days"])
        index_1m = self._create_indexes(definitions)
        self.stderr.write(f"  inserted in {load_1m:.1f} s, indexed in {index_1m:.1f} s; measuring…")
        at_1m = self._measure(user, queries=options["queries"], seed=1)
        self.stderr.write(f"  1M: {json.dumps(at_1m)}")

        at_n, load_n, index_n = at_1m, 0.0, 0.0
        if total > checkpoint:
            self._drop_indexes()
            self.stderr.write(f"Generating {total - checkpoint:,} more reads…")
            load_n = self._insert(checkpoint + 1, total, plates, options["days"])
            index_n = self._create_indexes(definitions)
            self.stderr.write(f"  inserted in {load_n:.1f} s, indexed in {index_n:.1f} s; measuring…")
            at_n = self._measure(user, queries=options["queries"], seed=2)
            self.stderr.write(f"  N: {json.dumps(at_n)}")
        sample = self._sample_plates(1, 3)[0]
        plan = self._plan(sample[:3] + "?" + sample[4:6] + "*")
        self.stderr.write("Plan of a partial search (mixed shape) at N:\n" + plan)
        for text in (sample, sample[::-1]):  # a stored plate, and one never read
            self.stderr.write(f"Plan of an exact search ({text}) at N:\n" + self._plan(text, "READ_SEARCH_MAX_DAYS"))
        self.stderr.write("Plan of a suffix search at N:\n" + self._plan("*" + sample[4:]))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM reads_read")
            stored = cursor.fetchone()[0]
            # The table and its partitions, if partitioned (issue #19; a partitioned parent itself is 0 bytes).
            cursor.execute("SELECT pg_size_pretty(sum(pg_total_relation_size(relid))) "
                           "FROM pg_partition_tree('reads_read'::regclass)")
            size = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('reads_readplatemonths')), "
                           "pg_size_pretty(pg_total_relation_size('reads_readkey')), "
                           "pg_size_pretty(pg_total_relation_size('reads_readplatemonths') + "
                           "pg_total_relation_size('reads_readkey') + (SELECT sum(pg_total_relation_size(relid)) "
                           "FROM pg_partition_tree('reads_read'::regclass)))")
            months_size, keys_size, total_size = cursor.fetchone()
            # The same in bytes per stored read, to compare runs of different sizes (and extrapolate) without rounding.
            cursor.execute("SELECT (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('reads_read')), "
                           "pg_total_relation_size('reads_readplatemonths'), pg_total_relation_size('reads_readkey')")
            table_bytes, months_bytes, keys_bytes = (int(value) for value in cursor.fetchone())
        per_read = {name: round(value / max(stored, 1), 1) for name, value in (
            ("table", table_bytes), ("plate_months", months_bytes), ("read_keys", keys_bytes),
            ("total", table_bytes + months_bytes + keys_bytes))}
        return {
            "benchmark": "bench_search",
            "reads": stored,
            "distinct_plates_generated": plates,
            "days": options["days"],
            "queries_per_kind": options["queries"],
            "exact_window_days": settings.PORTAL["READ_SEARCH_MAX_DAYS"],
            "partial_window_days": settings.PORTAL["READ_SEARCH_PARTIAL_MAX_DAYS"],
            "exact_p50_ms": at_n["exact"]["p50"],
            "exact_p95_ms": at_n["exact"]["p95"],
            "exact_max_ms": at_n["exact"]["max"],
            "partial_p50_ms": at_n["partial"]["p50"],
            "partial_p95_ms": at_n["partial"]["p95"],
            "partial_max_ms": at_n["partial"]["max"],
            "exact_p95_ms_1m": at_1m["exact"]["p95"],
            "exact_max_ms_1m": at_1m["exact"]["max"],
            "partial_p95_ms_1m": at_1m["partial"]["p95"],
            "partial_max_ms_1m": at_1m["partial"]["max"],
            "exact_p95_ratio_n_over_1m": round(at_n["exact"]["p95"] / max(at_1m["exact"]["p95"], 0.001), 2),
            "partial_by_shape_ms": at_n["partial_by_shape"],
            "partial_by_shape_ms_1m": at_1m["partial_by_shape"],
            "partial_matches_median": at_n["partial_matches_median"],
            "partial_matches_max": at_n["partial_matches_max"],
            "load_seconds": {"insert_1m": round(load_1m, 1), "index_1m": round(index_1m, 1),
                             "insert_rest": round(load_n, 1), "index_all": round(index_n, 1)},
            "table_size": size,  # reads_read: its partitions with their indexes
            "plate_months_size": months_size,
            "read_keys_size": keys_size,
            # What the reads cost on disk: the table, its key table and its plate → month summary, with indexes.
            "size_with_keys_and_plate_months": total_size,
            "bytes_per_read": per_read,
        }
