"""``manage.py loadtest``: concurrent camera ingest plus investigator searches against the running portal (issue #9,
item 7), on loopback, for a bounded time.

What it does, all of it its own:

1. creates a PostgreSQL database (``--database``, dropped afterwards unless ``--keep``), migrates it, and fills it:
   a deploying agency, ``--cameras`` cameras each with its own ingest token, an investigator with current training
   (initial course and refresher, R-ACC-2) and an API token, and ``--seed-reads`` reads to search;
2. starts the portal the production way: gunicorn (``--web-workers`` sync workers, default 2 per core) with DEBUG off,
   on a free port of 127.0.0.1, Celery pointed at a private Redis database (ingest and search enqueue no task; a task
   enqueued anyway waits there and is flushed at the end);
3. for ``--duration`` seconds, one thread per camera posts batches of ``--batch-size`` new reads to
   ``/api/v1/ingest/reads/`` with its camera token (R-READ-1), while ``--searchers`` threads search
   ``/api/v1/reads/search/`` with a purpose and a case number (R-READ-3): exact plates that exist and partial
   patterns (R-READ-4). Each thread keeps one HTTP/1.1 connection, as a camera or a client would;
4. counts as an error any transport failure, any status other than 200, an ingest result with a rejected read, and a
   search answer without its access-log sequence number; afterwards checks that the database holds exactly the reads
   acknowledged and one ``reads.search`` access-log row per search answered (R-AUD-1);
5. prints one JSON line last (throughput, p50/p95/max latency, errors, error rate, load average).

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/alprportal python manage.py loadtest --duration 60``
(``make loadtest``). Figures and method: docs/reliability-load.md.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.ops.benchmarks import (
    KeepAliveClient,
    bench_database,
    percentile,
    portal_environment,
    portal_start,
    portal_stop,
)

INGEST_PATH = "/api/v1/ingest/reads/"
SEARCH_PATH = "/api/v1/reads/search/"
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
CASE_NUMBER = "LOAD-2026-0001"


@dataclass
class Sample:
    kind: str  # ingest or search
    seconds: float
    ok: bool
    reads: int = 0
    problem: str = ""


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    warmup_reads: int = 0
    warmup_searches: int = 0

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def _plate(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}{''.join(rng.choices(LETTERS, k=3))}{rng.randint(0, 999):03d}"


def _reads(rng: random.Random, *, prefix: str, count: int, now) -> list[dict]:
    return [{
        "read_id": f"{prefix}-{index}",
        "plate": _plate(rng),
        "captured_at": (now - timedelta(seconds=rng.randint(1, 20 * 86400))).astimezone(UTC).isoformat(),
        "region": "CA", "confidence": round(rng.uniform(70, 99.9), 1),
        "latitude": 33.7 + rng.random() / 10, "longitude": -117.9 + rng.random() / 10,
    } for index in range(count)]


class Command(BaseCommand):
    help = "Load-test the running portal: concurrent camera ingest plus investigator searches (gunicorn, loopback)."

    def add_arguments(self, parser):
        cores = os.cpu_count() or 2
        parser.add_argument("--duration", type=float, default=60.0, help="Seconds of load (default 60).")
        parser.add_argument("--cameras", type=int, default=4, help="Concurrent cameras pushing batches (default 4).")
        parser.add_argument("--searchers", type=int, default=2, help="Concurrent investigators searching (default 2).")
        parser.add_argument("--batch-size", type=int, default=100, help="Reads per ingest batch (default 100).")
        parser.add_argument("--seed-reads", type=int, default=20_000, help="Reads stored before the load starts.")
        parser.add_argument("--web-workers", type=int, default=2 * cores,
                            help=f"gunicorn sync workers (default 2 per core: {2 * cores}).")
        parser.add_argument("--database", default="alprportal_loadtest")
        parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/14",
                            help="A Redis database of its own for Celery (flushed at the end).")
        parser.add_argument("--keep", action="store_true", help="Keep the load-test database afterwards.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options):
        if options["duration"] <= 0 or options["cameras"] < 1 or options["searchers"] < 0:
            raise CommandError("--duration must be positive, --cameras at least 1, --searchers at least 0.")
        if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
            raise CommandError("gunicorn is not installed in this environment (it is a dependency of the portal).")
        media = tempfile.mkdtemp(prefix="alpr-loadtest-media-")
        settings.MEDIA_ROOT = media
        try:
            with bench_database(options["database"], keep=options["keep"], stderr=self.stderr) as name:
                result = self._run(options, database=name, media=media)
        finally:
            shutil.rmtree(media, ignore_errors=True)
        self.stdout.write(json.dumps(result))

    # --- data -----------------------------------------------------------------------------------------------------
    def _prepare(self, options) -> dict:
        from rest_framework.authtoken.models import Token

        from apps.accounts.roles import Role
        from apps.accounts.services import background_check_record, user_create
        from apps.agencies.services import agency_create
        from apps.reads.choices import CameraKind
        from apps.reads.services.cameras import camera_create
        from apps.reads.services.ingest import read_batch_ingest
        from apps.reads.services.tokens import camera_token_issue
        from apps.training.models import ALL_SUBJECTS, Course, CourseKind
        from apps.training.services import training_record_create

        today = timezone.localdate()
        agency = agency_create(actor=None, name="Load Test Sheriff", ori="CA0000077", kind="law_enforcement",
                               government_level="county", state="CA", is_deploying_agency=True)
        admin = user_create(actor=None, username="load-admin", password=None, agency=agency, roles=[Role.SYSADMIN],
                            job_title="ALPR system administrator")
        investigator = user_create(actor=None, username="load-investigator", password=None, agency=agency,
                                   roles=[Role.INVESTIGATOR], first_name="Load", last_name="Investigator",
                                   job_title="Crime analyst")
        background_check_record(actor=admin, person=investigator, completed_on=today - timedelta(days=400))
        # the courses the training gate requires (seed_demo creates them the same way: there is no course service)
        initial, _ = Course.objects.get_or_create(code="alpr-initial", defaults={
            "title": "ALPR initial training", "kind": CourseKind.INITIAL, **ALL_SUBJECTS})
        refresher, _ = Course.objects.get_or_create(code="alpr-refresher", defaults={
            "title": "ALPR annual refresher", "kind": CourseKind.REFRESHER, **ALL_SUBJECTS})
        training_record_create(actor=admin, person=investigator, course=initial,
                               completed_on=today - timedelta(days=400), instructor="Training Unit")
        training_record_create(actor=admin, person=investigator, course=refresher,
                               completed_on=today - timedelta(days=30), instructor="Training Unit")
        api_token = Token.objects.create(user=investigator).key

        rng = random.Random(options["seed"])
        tokens, plates = [], []
        for number in range(options["cameras"]):
            camera = camera_create(actor=admin, name=f"Load camera {number + 1}", kind=CameraKind.FIXED,
                                   agency=agency, commissioned_at=timezone.now() - timedelta(days=365))
            tokens.append(camera_token_issue(actor=admin, camera=camera)[1])
            if number == 0:
                seed_camera = camera
        now = timezone.now()
        remaining, batch = options["seed_reads"], 0
        while remaining > 0:
            items = _reads(rng, prefix=f"seed-{batch}", count=min(1000, remaining), now=now)
            read_batch_ingest(camera=seed_camera, items=items)
            plates.extend(item["plate"] for item in items[:20])
            remaining -= len(items)
            batch += 1
        return {"camera_tokens": tokens, "api_token": api_token, "plates": plates or ["7ABC123"],
                "investigator": investigator}

    # --- the portal -----------------------------------------------------------------------------------------------
    def _environment(self, *, database: str, media: str, broker: str) -> dict[str, str]:
        return portal_environment(database=database, media=media, broker=broker)

    def _start_portal(self, options, env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, int]:
        return portal_start(workers=options["web_workers"], env=env, log_path=log_path)

    # --- the load -------------------------------------------------------------------------------------------------
    def _camera(self, port, token, *, index, options, stop, recorder, warmup: int = 0):
        client = KeepAliveClient(port, {"Authorization": f"Camera {token}"})
        rng = random.Random(options["seed"] * 1000 + index)
        batch = 0
        while not stop.is_set() or warmup > 0:
            body = json.dumps({"reads": _reads(rng, prefix=f"c{index}-{batch}-{warmup}", count=options["batch_size"],
                                               now=timezone.now())}).encode()
            batch += 1
            started = time.perf_counter()
            try:
                status, content = client.request("POST", INGEST_PATH, body)
                elapsed = time.perf_counter() - started
                outcome = json.loads(content) if status == 200 else {}
                ok = status == 200 and outcome.get("stored") == options["batch_size"] and not outcome.get("rejected")
                sample = Sample("ingest", elapsed, ok, reads=outcome.get("stored", 0) if status == 200 else 0,
                                problem="" if ok else f"{status}: {content[:200]!r}")
            except Exception as exc:
                sample = Sample("ingest", time.perf_counter() - started, False, problem=repr(exc)[:200])
            if warmup > 0:  # not measured, but a failure still counts as an error
                warmup -= 1
                recorder.warmup_reads += sample.reads
                if not sample.ok:
                    recorder.add(sample)
                continue
            recorder.add(sample)
        client.close()

    def _searcher(self, port, token, *, index, options, plates, stop, recorder, warmup: int = 0):
        from apps.audit.choices import Purpose

        client = KeepAliveClient(port, {"Authorization": f"Token {token}"})
        rng = random.Random(options["seed"] * 7000 + index)
        purposes = list(Purpose.values)
        while not stop.is_set() or warmup > 0:
            plate = rng.choice(plates)
            if rng.random() < 0.3:  # a witness's partial plate (R-READ-4)
                plate = plate[:2] + "?" + plate[3:5] + "*"
            query = urlencode({"plate": plate, "purpose": rng.choice(purposes), "case_number": CASE_NUMBER})
            started = time.perf_counter()
            try:
                status, content = client.request("GET", f"{SEARCH_PATH}?{query}")
                elapsed = time.perf_counter() - started
                ok = status == 200 and json.loads(content).get("access_log_seq") is not None
                sample = Sample("search", elapsed, ok, problem="" if ok else f"{status}: {content[:200]!r}")
            except Exception as exc:
                sample = Sample("search", time.perf_counter() - started, False, problem=repr(exc)[:200])
            if warmup > 0:
                warmup -= 1
                recorder.warmup_searches += 1 if sample.ok else 0
                if not sample.ok:
                    recorder.add(sample)
                continue
            recorder.add(sample)
        client.close()

    def _run(self, options, *, database: str, media: str) -> dict:
        import redis

        from apps.audit.models import AccessLog
        from apps.reads.models import Read

        self.stderr.write("Creating cameras, an investigator and seed reads…")
        data = self._prepare(options)
        seeded = Read.objects.count()
        broker = options["broker_url"]
        redis.Redis.from_url(broker).flushdb()
        env = self._environment(database=database, media=media, broker=broker)
        log_path = Path(media) / "gunicorn.log"
        self.stderr.write(f"Starting gunicorn ({options['web_workers']} workers)…")
        portal, port = self._start_portal(options, env, log_path)
        recorder = Recorder()
        try:
            stop = threading.Event()
            threads = [threading.Thread(target=self._camera, daemon=True, args=(port, token), kwargs={
                "index": index, "options": options, "stop": stop, "recorder": recorder})
                for index, token in enumerate(data["camera_tokens"])]
            threads += [threading.Thread(target=self._searcher, daemon=True, args=(port, data["api_token"]), kwargs={
                "index": index, "options": options, "plates": data["plates"], "stop": stop, "recorder": recorder})
                for index in range(options["searchers"])]
            # warm-up (imports and first connections of every worker), not measured
            warm = threading.Event()
            warm.set()
            self._camera(port, data["camera_tokens"][0], index=998, options=options, stop=warm, recorder=recorder,
                         warmup=options["web_workers"] * 2)
            if options["searchers"]:
                self._searcher(port, data["api_token"], index=998, options=options, plates=data["plates"], stop=warm,
                               recorder=recorder, warmup=options["web_workers"] * 2)
            self.stderr.write(f"Load for {options['duration']:g} s: {options['cameras']} cameras × "
                              f"{options['batch_size']} reads, {options['searchers']} investigators searching…")
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            time.sleep(options["duration"])
            stop.set()
            for thread in threads:
                thread.join(timeout=90)
            elapsed = time.perf_counter() - started
            load_average = [round(value, 2) for value in os.getloadavg()]
        finally:
            portal_stop(portal)
            redis.Redis.from_url(broker).flushdb()

        samples = recorder.samples
        ingest = [s for s in samples if s.kind == "ingest"]
        search = [s for s in samples if s.kind == "search"]
        errors = [s for s in samples if not s.ok]
        acknowledged = sum(s.reads for s in ingest) + recorder.warmup_reads
        stored = Read.objects.count() - seeded
        logged = AccessLog.objects.filter(action="reads.search").count()
        answered = sum(1 for s in search if s.ok) + recorder.warmup_searches
        for problem in sorted({s.problem for s in errors})[:5]:
            self.stderr.write(f"error: {problem}")
        ok_ingest = [s.seconds for s in ingest if s.ok]
        ok_search = [s.seconds for s in search if s.ok]
        return {
            "benchmark": "loadtest",
            "server": f"gunicorn {options['web_workers']} sync workers, 127.0.0.1, DEBUG off, PostgreSQL",
            "duration_s": round(elapsed, 1),
            "cameras": options["cameras"],
            "batch_size": options["batch_size"],
            "searchers": options["searchers"],
            "requests": len(samples),
            "errors": len(errors),
            "error_rate": round(len(errors) / len(samples), 4) if samples else 0.0,
            "ingest_requests": len(ingest),
            "ingest_reads": sum(s.reads for s in ingest),
            "ingest_reads_per_s": round(sum(s.reads for s in ingest) / elapsed, 1),
            "ingest_p50_ms": round(percentile(ok_ingest, 0.50) * 1000, 1),
            "ingest_p95_ms": round(percentile(ok_ingest, 0.95) * 1000, 1),
            "ingest_max_ms": round(max(ok_ingest, default=0) * 1000, 1),
            "search_requests": len(search),
            "search_per_s": round(len(ok_search) / elapsed, 1),
            "search_p50_ms": round(percentile(ok_search, 0.50) * 1000, 1),
            "search_p95_ms": round(percentile(ok_search, 0.95) * 1000, 1),
            "search_max_ms": round(max(ok_search, default=0) * 1000, 1),
            "reads_acknowledged": acknowledged,
            "reads_stored": stored,
            "searches_answered": answered,
            "access_log_rows": logged,
            "consistent": stored == acknowledged and logged == answered,
            "seed_reads": seeded,
            "cpu_count": os.cpu_count(),
            "load_average": load_average,
        }
