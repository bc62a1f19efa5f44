"""``manage.py bench_ingest``: reads per second through the HTTP bulk API and through the ingest service.

Runs in its own database (``alprportal_bench_ingest``, dropped afterwards). The API path is the real one: Django's
request handler with the full middleware stack, camera-token authentication, JSON parsing, per-item validation,
the INSERT … ON CONFLICT, the ingest-batch row and the JSON response, driven in-process by Django's test Client so
that network and WSGI-server overhead are not counted (they are per request, i.e. per 1,000 reads). Request bodies
are serialized before the clock starts: that is the camera's work. The last line printed is one JSON object; its
``cpu_per_1000_reads`` gives CPU seconds per 1,000 reads of this process and of the PostgreSQL backend serving it
(``apps.ops.benchmarks.CpuMeter``), which a busy machine does not distort as it does wall time.

Cameras send in parallel: ``"concurrent"`` (``--clients``, default 3) runs the portal the production way (gunicorn on
loopback, ``--web-workers`` sync workers, as ``loadtest`` does) and has that many cameras post prepared bodies at
once, without images and then with a crop on every read: wall reads/s, batch latency, and CPU seconds per 1,000
reads of the server's processes and of the PostgreSQL backends serving it (``apps.ops.benchmarks.ServerCpuMeter``),
with the load average. It needs gunicorn and a Redis database of its own (``--broker-url``; nothing is enqueued).
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import threading
import time
from datetime import UTC, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from apps.ops.benchmarks import (
    CpuMeter,
    KeepAliveClient,
    ServerCpuMeter,
    bench_database,
    portal_environment,
    portal_start,
    portal_stop,
    summary_ms,
)


def _small_crop_b64() -> str:
    """The 747-byte flat crop the webhook figures were first measured with (kept so they stay comparable)."""
    image = Image.new("RGB", (150, 45), (235, 235, 230))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _crop_b64(target_bytes: int = 8000) -> str:
    """A JPEG plate crop of about ``target_bytes`` (issue #19: real crops are 5–15 KB): 80 px high, noise (the
    worst case for the encoder), widened until it reaches the size. Deterministic."""
    rng = random.Random(7)
    width = 40
    while True:
        image = Image.frombytes("RGB", (width, 80), rng.randbytes(width * 80 * 3))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=50)
        if buffer.tell() >= target_bytes or width >= 2000:
            return base64.b64encode(buffer.getvalue()).decode("ascii")
        width += 8


def _batches(count: int, size: int, *, prefix: str, seed: int, crop: str | None = None) -> list[list[dict]]:
    rng = random.Random(seed)
    now = timezone.now()
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    batches = []
    for b in range(count):
        items = []
        for i in range(size):
            captured = now - timedelta(seconds=rng.randint(1, 30 * 86400))
            item = {
                "read_id": f"{prefix}-{b}-{i}",
                "plate": f"{rng.randint(1, 9)}{''.join(rng.choices(letters, k=3))}{rng.randint(0, 999):03d}",
                "captured_at": captured.astimezone(UTC).isoformat(),
                "region": "CA", "confidence": round(rng.uniform(70, 99.9), 1),
                "latitude": 33.7 + rng.random() / 10, "longitude": -117.9 + rng.random() / 10,
            }
            if crop is not None:
                item["plate_crop"] = crop
            items.append(item)
        batches.append(items)
    return batches


class Command(BaseCommand):
    help = "Measure ingest throughput (reads/s) through the HTTP bulk API and the ingest service (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--batches", type=int, default=30, help="Batches per measurement (default 30).")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--image-batches", type=int, default=5,
                            help="Batches with a plate crop on every read, stored as packs and as one file each.")
        parser.add_argument("--crop-bytes", type=int, default=8000, help="Size of the JPEG crop (default ~8 KB).")
        parser.add_argument("--webhook-passes", type=int, default=400,
                            help="Vehicle passes posted through the OpenALPR webhook, without and with previews.")
        parser.add_argument("--clients", type=int, default=3,
                            help="Concurrent cameras posting to a real server (gunicorn on loopback); 0: skip.")
        parser.add_argument("--client-batches", type=int, default=4,
                            help="Batches each concurrent camera posts, without and then with crops (default 4).")
        parser.add_argument("--web-workers", type=int, default=2 * (os.cpu_count() or 2),
                            help="gunicorn sync workers for the concurrent measurement (default 2 per core).")
        parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/14",
                            help="A Redis database of its own for the server's Celery (flushed before and after).")
        parser.add_argument("--history-months", type=int, default=0,
                            help="Months of past reads (one partition each) stored for the API and service cameras "
                                 "before measuring, as a county's 2-3 years are (default 0: a fresh database).")
        parser.add_argument("--history-reads", type=int, default=2_000_000,
                            help="Reads spread over --history-months (generated server-side; default 2,000,000).")
        parser.add_argument("--database", default="alprportal_bench_ingest")
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")

    def handle(self, *args, **options):
        import tempfile

        settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="alpr-bench-media-")
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        with bench_database(options["database"], keep=options["keep"], stderr=self.stderr):
            result = self._run(options)
        self.stdout.write(json.dumps(result))

    def _run(self, options) -> dict:
        from apps.accounts.models import User
        from apps.agencies.models import Agency
        from apps.reads.choices import CameraKind
        from apps.reads.models import Read
        from apps.reads.services.cameras import camera_create
        from apps.reads.services.ingest import read_batch_ingest
        from apps.reads.services.tokens import camera_token_issue

        size, count = options["batch_size"], options["batches"]
        agency = Agency.objects.create(name="Bench Sheriff", ori="CA0000009", kind="law_enforcement",
                                       government_level="county", state="CA", is_deploying_agency=True)
        admin = User.objects.create(username="bench-admin", agency=agency)
        api_camera = camera_create(actor=admin, name="API camera", kind=CameraKind.FIXED, agency=agency,
                                   commissioned_at=timezone.now() - timedelta(days=365))
        service_camera = camera_create(actor=admin, name="Service camera", kind=CameraKind.FIXED, agency=agency,
                                       commissioned_at=timezone.now() - timedelta(days=365))
        history = (self._history(options["history_months"], options["history_reads"], [api_camera, service_camera])
                   if options["history_months"] > 0 else None)
        _credential, token = camera_token_issue(actor=admin, camera=api_camera)
        client = Client(HTTP_AUTHORIZATION=f"Camera {token}")
        url = "/api/v1/ingest/reads/"

        def post(body: str):
            response = client.post(url, data=body, content_type="application/json", secure=True)
            assert response.status_code == 200, response.content[:500]
            return json.loads(response.content)

        self.stderr.write(f"Preparing {count} API batches of {size} reads…")
        bodies = [json.dumps({"reads": items}) for items in _batches(count + 1, size, prefix="api", seed=1)]
        post(bodies[0])  # warm-up (first request imports, compiles, opens the connection)
        api_times, api_cpu = [], CpuMeter()
        for body in bodies[1:]:
            with api_cpu.measure():
                started = time.perf_counter()
                outcome = post(body)
                api_times.append(time.perf_counter() - started)
            assert outcome["stored"] == size, outcome["rejected"]
        api_rate = count * size / sum(api_times)

        retry_times = []
        for body in bodies[1:6]:
            started = time.perf_counter()
            outcome = post(body)
            retry_times.append(time.perf_counter() - started)
            assert outcome["duplicates"] == size
        retry_rate = len(retry_times) * size / sum(retry_times)

        self.stderr.write("Service path…")
        service_batches = _batches(count + 1, size, prefix="svc", seed=2)
        read_batch_ingest(camera=service_camera, items=service_batches[0])
        service_times, service_cpu = [], CpuMeter()
        for items in service_batches[1:]:
            with service_cpu.measure():
                started = time.perf_counter()
                outcome = read_batch_ingest(camera=service_camera, items=items)
                service_times.append(time.perf_counter() - started)
            assert outcome.stored == size
        service_rate = count * size / sum(service_times)

        # Issue #19: a crop on every read, stored as one pack object per batch (the default) and one file per image
        # (as before packs), measured alternately so both see the same machine.
        crop = _crop_b64(options["crop_bytes"])
        image_rates, image_cpus = {"packs": None, "files": None}, {"packs": CpuMeter(), "files": CpuMeter()}
        if options["image_batches"]:
            self.stderr.write("API with a plate crop on every read (packs and files)…")
            image_bodies = [json.dumps({"reads": items}) for items in
                            _batches(options["image_batches"] * 2, size, prefix="img", seed=3, crop=crop)]
            image_times = {"packs": [], "files": []}
            for number, body in enumerate(image_bodies):
                mode = ("packs", "files")[number % 2]
                settings.PORTAL = {**settings.PORTAL, "READ_IMAGE_PACKS": mode == "packs"}
                with image_cpus[mode].measure():
                    started = time.perf_counter()
                    outcome = post(body)
                    image_times[mode].append(time.perf_counter() - started)
                assert outcome["stored"] == size
            settings.PORTAL = {**settings.PORTAL, "READ_IMAGE_PACKS": True}
            image_rates = {mode: len(times) * size / sum(times) for mode, times in image_times.items()}
        image_rate = image_rates["packs"]

        webhook = self._webhook(options["webhook_passes"], agency, admin) if options["webhook_passes"] else None
        concurrent = self._concurrent(options, agency, admin, crop) if options["clients"] > 0 else None

        if history is not None:
            history["duplicate_check"] = self._duplicate_check_plan(api_camera, size)
        return {
            "history": history,
            "webhook": webhook,
            "concurrent": concurrent,
            "benchmark": "bench_ingest",
            "database": "postgresql",
            "batch_size": size,
            "batches": count,
            "api_reads_per_s": round(api_rate),
            "service_reads_per_s": round(service_rate),
            "api_retry_reads_per_s": round(retry_rate),
            "api_reads_per_s_with_crops": round(image_rate) if image_rate else None,
            "api_reads_per_s_with_crops_one_file_each": round(image_rates["files"]) if image_rate else None,
            "crop_bytes": len(base64.b64decode(crop)),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "api_batch_ms": summary_ms(api_times),
            "service_batch_ms": summary_ms(service_times),
            "reads_stored": Read.objects.count(),
            # CPU seconds per 1,000 reads: this process and the PostgreSQL backend serving it (issue #19).
            "cpu_per_1000_reads": {
                "api": api_cpu.per_1000(count * size),
                "service": service_cpu.per_1000(count * size),
                "api_with_crops": image_cpus["packs"].per_1000(options["image_batches"] * size) if image_rate else None,
                "api_with_crops_one_file_each": (image_cpus["files"].per_1000(options["image_batches"] * size)
                                                 if image_rate else None),
            },
        }

    def _history(self, months: int, reads: int, cameras: list) -> dict:
        """A county's past (scaling.md, "Costs to know"): ``reads`` reads of ``cameras`` spread over the ``months``
        months before this one, each month its own partition, generated by PostgreSQL (generate_series), then
        ANALYZE. Ingest's duplicate check and insert look every sent key up among them."""
        from apps.reads.partitions import month_add, month_start, partition_create, partitions_ensure

        self.stderr.write(f"History: {reads} reads over {months} past months…")
        started = time.perf_counter()
        current = month_start(timezone.now())
        partitions_ensure()
        for offset in range(months, 0, -1):
            partition_create(month_add(current, -offset))
        per_month = max(1, reads // months)
        camera_ids = [camera.pk for camera in cameras]
        with connection.cursor() as cursor:
            for offset in range(months, 0, -1):
                start = month_add(current, -offset)
                seconds = (month_add(start, 1) - start).total_seconds()
                # One statement per month; keys "hist-<month>-<n>" never collide with the measured batches' keys.
                cursor.execute(
                    "INSERT INTO reads_read (camera_id, source, received_at, source_read_id, plate_read, "
                    "plate_normalized, plate_current, region, captured_at, latitude, longitude, confidence) "
                    "SELECT (%s::bigint[])[1 + g %% %s], 'fixed', %s + (g * %s / %s) * interval '1 second', "
                    "'hist-' || %s || '-' || g, p, p, p, 'CA', %s + (g * %s / %s) * interval '1 second', "
                    "33.7, -117.9, 90 FROM generate_series(0, %s - 1) g "
                    "CROSS JOIN LATERAL (SELECT (1 + g %% 9)::text || chr(65 + (g / 9) %% 26) || "
                    "chr(65 + (g / 234) %% 26) || chr(65 + (g / 6084) %% 26) || lpad((g %% 1000)::text, 3, '0') "
                    "AS p) plate",
                    [camera_ids, len(camera_ids), start, seconds, per_month, offset, start, seconds, per_month,
                     per_month])
            cursor.execute("ANALYZE reads_read")
            cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'reads_read'::regclass")
            partitions = cursor.fetchone()[0]
        return {"months": months, "reads": per_month * months, "partitions": partitions,
                "seconds": round(time.perf_counter() - started, 1)}

    def _duplicate_check_plan(self, camera, size: int) -> dict:
        """EXPLAIN ANALYZE of ingest's duplicate check for one batch of keys the camera stored months ago (a
        resend) and one of new keys, with the history in place: its execution time and plan."""
        from apps.reads.services import ingest

        out = {}
        with connection.cursor() as cursor:
            cursor.execute("SELECT source_read_id FROM reads_read WHERE camera_id = %s AND source_read_id LIKE "
                           "'hist-%%' ORDER BY captured_at DESC LIMIT %s", [camera.pk, size])
            keys = {"stored_keys": [row[0] for row in cursor.fetchall()],
                    "new_keys": [f"new-{number}" for number in range(size)]}
            for kind, sent in keys.items():
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + ingest._EXISTING_SQL,
                               [json.dumps(sent), camera.pk])
                plan = [row[0] for row in cursor.fetchall()]
                self.stderr.write(f"Duplicate check, {len(sent)} {kind}:\n" + "\n".join(plan))
                out[kind] = {"keys": len(sent), "execution_ms": float(plan[-1].split(":")[1].split()[0]),
                             "plan_lines": len(plan)}
        return out

    def _concurrent(self, options, agency, admin, crop: str) -> dict:
        """Cameras send in parallel: ``--clients`` threads, each a camera with its own token and one HTTP/1.1
        connection, post ``--client-batches`` prepared bodies each to gunicorn on loopback (``--web-workers`` sync
        workers, DEBUG off, persistent database connections), first without images, then with a crop on every read.
        Wall rate of all the reads together, and CPU seconds per 1,000 reads of the server's processes and of the
        PostgreSQL backends serving it (``ServerCpuMeter``), which a busy machine does not distort as it does wall
        time; the clients' own CPU (sending prepared bodies, reading answers) is reported apart."""
        import redis

        from apps.reads.choices import CameraKind
        from apps.reads.services.cameras import camera_create
        from apps.reads.services.tokens import camera_token_issue

        clients, per_client, size = options["clients"], options["client_batches"], options["batch_size"]
        tokens = []
        for number in range(clients):
            camera = camera_create(actor=admin, name=f"Concurrent camera {number + 1}", kind=CameraKind.FIXED,
                                   agency=agency, commissioned_at=timezone.now() - timedelta(days=365))
            tokens.append(camera_token_issue(actor=admin, camera=camera)[1])
        self.stderr.write(f"Concurrent: preparing {clients} × {per_client + 1} bodies per mode…")
        bodies = {
            mode: [[json.dumps({"reads": items}).encode() for items in
                    _batches(per_client + 1, size, prefix=f"con-{mode}-{number}", seed=100 + number,
                             crop=crop if mode == "crops" else None)]
                   for number in range(clients)]
            for mode in ("plain", "crops")}
        broker = options["broker_url"]
        redis.Redis.from_url(broker).flushdb()
        env = portal_environment(database=connection.settings_dict["NAME"], media=settings.MEDIA_ROOT, broker=broker)
        log_path = Path(settings.MEDIA_ROOT) / "gunicorn.log"
        self.stderr.write(f"Concurrent: gunicorn with {options['web_workers']} workers, {clients} cameras…")
        portal, port = portal_start(workers=options["web_workers"], env=env, log_path=log_path)
        meter = ServerCpuMeter(server_pid=portal.pid, database=connection.settings_dict["NAME"])
        out: dict = {"clients": clients, "batches_per_client": per_client, "batch_size": size,
                     "server": f"gunicorn {options['web_workers']} sync workers, 127.0.0.1, DEBUG off, "
                               "DATABASE_CONN_MAX_AGE=60"}
        try:
            connections = [KeepAliveClient(port, {"Authorization": f"Camera {token}"}) for token in tokens]

            def send(number: int, mode: str, first: int, last: int, times: list, failures: list) -> None:
                for body in bodies[mode][number][first:last]:
                    started = time.perf_counter()
                    try:
                        status, content = connections[number].request("POST", "/api/v1/ingest/reads/", body)
                        answer = json.loads(content) if status == 200 else {}
                        if status != 200 or answer.get("stored") != size:
                            failures.append(f"{status}: {content[:200]!r}")
                    except Exception as exc:  # a failure is reported, not hidden
                        failures.append(repr(exc)[:200])
                    times.append(time.perf_counter() - started)

            def together(mode: str, first: int, last: int) -> tuple[float, list, list]:
                times, failures = [], []
                threads = [threading.Thread(target=send, args=(number, mode, first, last, times, failures))
                           for number in range(clients)]
                started = time.perf_counter()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                return time.perf_counter() - started, times, failures

            together("plain", 0, 1)  # warm-up: imports, first connections of the workers
            for mode in ("plain", "crops"):
                if mode == "crops":
                    together("crops", 0, 1)  # the first pack directory, the first crops
                before, client_cpu = meter.snapshot(), time.process_time()
                wall, times, failures = together(mode, 1, per_client + 1)
                client_cpu, after = time.process_time() - client_cpu, meter.snapshot()
                if failures:
                    raise CommandError(f"concurrent ingest ({mode}): {len(failures)} failed: {failures[0]}")
                reads = clients * per_client * size
                spent = ServerCpuMeter.spent(before, after)
                out[mode] = {
                    "reads_per_s": round(reads / wall),
                    "batch_ms": summary_ms(times),
                    "cpu_per_1000_reads": {"server_s": round(spent["server"] * 1000 / reads, 4),
                                           "backends_s": round(spent["backends"] * 1000 / reads, 4),
                                           "total_s": round((spent["server"] + spent["backends"]) * 1000 / reads, 4),
                                           "clients_s": round(client_cpu * 1000 / reads, 4)},
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                }
            for client in connections:
                client.close()
        finally:
            portal_stop(portal)
            redis.Redis.from_url(broker).flushdb()
        return out

    def _webhook(self, passes: int, agency, admin) -> dict:
        """The OpenALPR webhook, one message per request as agents send them: ``passes`` final groups alone, and
        ``passes`` final groups each preceded by its preview (issue #21), interleaved in blocks of 50 so both see the
        same table. Wall and CPU time (this process: Django, DRF, the ingest service, the JSON) per final group."""
        from apps.reads.choices import CameraKind
        from apps.reads.services.cameras import camera_create
        from apps.reads.services.tokens import camera_token_issue

        self.stderr.write(f"Webhook: {passes} passes without previews, {passes} with…")
        crop = _small_crop_b64()
        rng = random.Random(4)
        clients = {}
        for mode in ("finals", "previews"):
            camera = camera_create(actor=admin, name=f"Webhook {mode}", kind=CameraKind.FIXED, agency=agency,
                                   commissioned_at=timezone.now() - timedelta(days=365))
            _credential, token = camera_token_issue(actor=admin, camera=camera)
            clients[mode] = Client(HTTP_AUTHORIZATION=f"Camera {token}")
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        now_ms = int(time.time() * 1000)

        def group(mode: str, index: int, *, preview: bool) -> str:
            plate = f"{rng.randint(1, 9)}{''.join(rng.choices(letters, k=3))}{rng.randint(0, 999):03d}"
            epoch = now_ms - rng.randint(60_000, 86_400_000)
            uuid = f"BENCH-{mode}-{index}"
            return json.dumps({
                "data_type": "alpr_group", "version": 2, "epoch_start": epoch, "epoch_end": epoch + 500,
                "agent_uid": "BENCHAGENT", "agent_version": "4.1.6", "camera_id": 1, "is_preview": preview,
                "uuids": [f"{uuid}-0"] if preview else [f"{uuid}-0", f"{uuid}-1"], "best_uuid": f"{uuid}-1",
                "best_plate_number": plate[:-1] if preview else plate, "best_confidence": 91.2, "best_region": "us-ca",
                "gps_latitude": 33.77, "gps_longitude": -117.92, "travel_direction": 91.0,
                "candidates": [{"plate": plate, "confidence": 91.2}, {"plate": plate[:-1] + "8", "confidence": 70.1}],
                "best_plate": {"plate": plate, "confidence": 91.2, "plate_crop_jpeg": crop,
                               "coordinates": [{"x": 1, "y": 2}, {"x": 90, "y": 2}, {"x": 90, "y": 40},
                                               {"x": 1, "y": 40}]},
                "vehicle": {"color": [{"name": "white", "confidence": 60}],
                            "make": [{"name": "ford", "confidence": 70}],
                            "make_model": [{"name": "ford_f-150", "confidence": 50}],
                            "body_type": [{"name": "pickup-standard", "confidence": 80}],
                            "year": [{"name": "2018-2020", "confidence": 40}]},
            })

        bodies = {"finals": [[group("finals", i, preview=False)] for i in range(passes)],
                  "previews": [[group("previews", i, preview=True), group("previews", i, preview=False)]
                               for i in range(passes)]}
        for mode in clients:  # warm-up
            clients[mode].post("/api/v1/ingest/openalpr/", data=bodies[mode][0][-1], content_type="application/json",
                               secure=True)
        # wall and CPU seconds per kind of message: final groups alone, and final groups / previews when both come
        wall = {"finals": 0.0, "finals_among_previews": 0.0, "previews": 0.0}
        cpu = dict.fromkeys(wall, 0.0)
        for start in range(1, passes, 50):
            for mode in ("finals", "previews"):
                for messages in bodies[mode][start:start + 50]:
                    for position, body in enumerate(messages):
                        kind = "finals" if mode == "finals" else (
                            "previews" if position == 0 else "finals_among_previews")
                        wall_started, cpu_started = time.perf_counter(), time.process_time()
                        response = clients[mode].post("/api/v1/ingest/openalpr/", data=body,
                                                      content_type="application/json", secure=True)
                        wall[kind] += time.perf_counter() - wall_started
                        cpu[kind] += time.process_time() - cpu_started
                        assert response.status_code == 200, response.content[:300]
        measured = passes - 1
        out = {kind: {"per_s": round(measured / wall[kind], 1), "wall_ms": round(wall[kind] / measured * 1000, 2),
                      "cpu_ms": round(cpu[kind] / measured * 1000, 2)} for kind in wall}
        # Does receiving previews slow the storing of reads? (final groups amid previews vs alone)
        out["final_group_slowdown_pct"] = round((wall["finals_among_previews"] / wall["finals"] - 1) * 100, 1)
        # What a pass costs when the agent sends a preview too (two requests instead of one)
        out["pass_with_preview_vs_without_pct"] = round(
            ((wall["finals_among_previews"] + wall["previews"]) / wall["finals"] - 1) * 100, 1)
        return out
