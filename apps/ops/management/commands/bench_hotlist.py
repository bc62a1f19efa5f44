"""``manage.py bench_hotlist``: ingest throughput with hot-list matching on vs. off, and how soon a hit is visible.

Runs in its own PostgreSQL database (``alpr_bench_hotlist``, dropped afterwards unless ``--keep``):

1. A list of 100,000 active entries, 1,000 of them partial patterns (head-, tail-, fixed-length and infix
   patterns), loaded through the CSV import service (timed).
2. The same batches of 1,000 reads go through the reads ingest service twice — on one camera with the ingest hook's
   matching switched off (``hits_match_reads`` replaced by a no-op: "ingest without hot lists") and on another with
   it on — interleaved, alternating which goes first, so drift affects both alike. About 0.7 % of reads hit.
3. End to end over real HTTP: a gunicorn server on the bench database; a camera posts a batch holding a listed plate
   to ``/api/v1/ingest/reads/`` while an operator polls ``/api/v1/hits/`` (every 50 ms); the time from the start
   of the POST to the first poll that shows the hit, over several trials.

The last line printed is one JSON object with ``ratio_with_hotlist`` and ``hit_visible_s`` (the worst trial), and
``cpu_per_1000_reads`` with and without matching — CPU seconds of this process and of the PostgreSQL backend serving
it (``apps.ops.benchmarks.CpuMeter``) — with ``cpu_ratio_with_hotlist``: what matching costs, which wall-clock
ratios on a shared 2-core machine do not settle (issue #19).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.ops.benchmarks import CpuMeter, bench_database, summary_ms

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _plate(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}{''.join(rng.choices(LETTERS, k=3))}{rng.randint(0, 999):03d}"


def _cpu_ratio(with_matching: CpuMeter, without: CpuMeter) -> float | None:
    def total(meter):
        return meter.process + (meter.backend or 0.0) if with_matching.backend is not None \
            and without.backend is not None else meter.process
    return round(total(with_matching) / total(without), 3) if total(without) else None


def _partial(rng: random.Random, n: int) -> str:
    """Partial plates as witnesses report them: most of the plate, one or two characters unknown."""
    plate = _plate(rng)
    kind = n % 20
    if kind < 10:  # head-anchored: 7AB?12*
        return plate[:3] + "?" + plate[4:6] + "*"
    if kind < 15:  # tail-anchored: *BC?123
        return "*" + plate[2:4] + "?" + plate[5:]
    if kind < 18:  # fixed length: ?ABC12?
        return "?" + plate[1:6] + "?"
    return "*" + plate[1:4] + "?" + plate[5] + "*"  # infix, pinned at neither end: *ABC?2*


class Command(BaseCommand):
    help = "Measure ingest throughput with hot-list matching on vs. off, and hit visibility through the HTTP API."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=100_000)
        parser.add_argument("--partial", type=int, default=1_000)
        parser.add_argument("--batches", type=int, default=20, help="Measured batches per mode (default 20).")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--trials", type=int, default=10, help="End-to-end hit visibility trials.")
        parser.add_argument("--database", default="alpr_bench_hotlist")
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")

    def handle(self, *args, **options):
        import tempfile

        settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="alpr-bench-hotlist-")
        with bench_database(options["database"], keep=options["keep"], stderr=self.stderr) as name:
            result = self._run(options, name)
        self.stdout.write(json.dumps(result))

    # --- setup ----------------------------------------------------------------------------------------------------

    def _people(self):
        from rest_framework.authtoken.models import Token

        from apps.accounts.roles import Role
        from apps.accounts.services import user_create
        from apps.agencies.models import Agency
        from apps.training.models import ALL_SUBJECTS, Course, CourseKind
        from apps.training.services import training_record_create

        agency = Agency.objects.create(name="Bench Sheriff", ori="CA0000009", kind="law_enforcement",
                                       government_level="county", state="CA", is_deploying_agency=True)
        course = Course.objects.create(code="alpr-initial", title="ALPR initial", kind=CourseKind.INITIAL,
                                       **ALL_SUBJECTS)
        people = {}
        for username, role in (("bench-supervisor", Role.SUPERVISOR), ("bench-operator", Role.OPERATOR)):
            person = user_create(actor=None, username=username, password="bench-password-0123",  # noqa: S106 - throw-away bench DB
                                 agency=agency,
                                 roles=[role], validate_password_strength=False, job_title=f"Bench {role}")
            training_record_create(actor=None, person=person, course=course,
                                   completed_on=timezone.localdate() - timedelta(days=10), instructor="Bench")
            people[role] = person
        token = Token.objects.create(user=people[Role.OPERATOR]).key
        return agency, people[Role.SUPERVISOR], token

    def _load_list(self, supervisor, options, rng) -> tuple[object, list[str], list[str], float]:
        from apps.hotlists.choices import HotListSource
        from apps.hotlists.services.list_imports import hot_list_import_apply, hot_list_import_preview
        from apps.hotlists.services.lists import hot_list_create

        hot_list = hot_list_create(actor=None, name="Bench list", source=HotListSource.OWN, owner=supervisor)
        exact: set[str] = set()
        while len(exact) < options["entries"] - options["partial"]:
            exact.add(_plate(rng))
        partial: set[str] = set()
        n = 0
        while len(partial) < options["partial"]:
            partial.add(_partial(rng, n))
            n += 1
        expires = (timezone.localdate() + timedelta(days=30)).isoformat()
        lines = ["plate,state,reason,priority,case_number,expires"]
        lines += [f"{p},CA,stolen vehicle,3,B-{i},{expires}" for i, p in enumerate(sorted(exact))]
        lines += [f"{p},,bolo,2,P-{i},{expires}" for i, p in enumerate(sorted(partial))]
        self.stderr.write(f"Importing {len(lines) - 1} entries ({len(partial)} partial)…")
        started = time.perf_counter()
        staged = hot_list_import_preview(actor=None, hot_list=hot_list, content="\n".join(lines).encode(),
                                         filename="bench.csv")
        hot_list_import_apply(actor=None, hot_list_import=staged)
        return hot_list, sorted(exact), sorted(partial), time.perf_counter() - started

    def _batches(self, options, rng, exact: list[str], partial: list[str]) -> list[list[dict]]:
        from apps.reads.plates import PlatePattern

        now = timezone.now()
        heads = [p for p in partial if not p.startswith(("*", "?"))]
        batches = []
        for b in range(options["batches"] + 1):
            items = []
            for i in range(options["batch_size"]):
                roll = rng.random()
                if roll < 0.005:
                    plate = rng.choice(exact)
                elif roll < 0.007:
                    pattern = rng.choice(heads)
                    plate = pattern.replace("?", "Q").replace("*", str(rng.randint(0, 9)))
                    assert PlatePattern(pattern).regex().fullmatch(plate)
                else:
                    plate = _plate(rng)
                items.append({"read_id": f"b{b}-{i}", "plate": plate, "region": "CA",
                              "captured_at": (now - timedelta(seconds=rng.randint(1, 3600))).astimezone(UTC)
                              .isoformat(), "confidence": 90.0})
            batches.append(items)
        return batches

    # --- measurements ---------------------------------------------------------------------------------------------

    def _throughput(self, agency, batches) -> dict:
        from apps.hotlists.matching import matcher_cache
        from apps.hotlists.models import Hit
        from apps.hotlists.services.hit_matching import hits_match_reads
        from apps.reads.choices import CameraKind
        from apps.reads.hooks import reads_consumer_register, reads_consumers
        from apps.reads.services.cameras import camera_create
        from apps.reads.services.ingest import read_batch_ingest

        commissioned = timezone.now() - timedelta(days=30)
        off_camera = camera_create(actor=None, name="Matching off", kind=CameraKind.FIXED, agency=agency,
                                   commissioned_at=commissioned)
        on_camera = camera_create(actor=None, name="Matching on", kind=CameraKind.FIXED, agency=agency,
                                  commissioned_at=commissioned)

        cpu = {True: CpuMeter(), False: CpuMeter()}

        # "Without hot lists": the hot-list consumer of new reads (apps.hotlists.apps registers it in the reads
        # hooks) replaced by a no-op for the span, put back after. (It used to patch ingest's hits_match_reads,
        # which ingest no longer imports since the hooks: the patch failed and the benchmark with it.)
        matching_consumer = next(c for c in reads_consumers() if c.reads_match is hits_match_reads)
        no_matching = dataclasses.replace(matching_consumer, reads_match=lambda **kw: [])

        def run(camera, items, matching: bool, *, measured: bool = True) -> float:
            if not matching:
                reads_consumer_register(no_matching)
            try:
                with cpu[matching].measure() if measured else contextlib.nullcontext():
                    started = time.perf_counter()
                    result = read_batch_ingest(camera=camera, items=items)
                    elapsed = time.perf_counter() - started
            finally:
                reads_consumer_register(matching_consumer)
            assert result.stored == len(items), result.rejected
            return elapsed

        matcher_cache.clear()
        started = time.perf_counter()
        # warm-up: compiles the 100,000-entry version once for this process
        run(on_camera, batches[0], True, measured=False)
        first_batch_with_compile = time.perf_counter() - started
        run(off_camera, batches[0], False, measured=False)
        off_times, on_times = [], []
        for index, items in enumerate(batches[1:]):
            order = [(off_camera, False), (on_camera, True)]
            if index % 2:
                order.reverse()
            for camera, matching in order:
                (on_times if matching else off_times).append(run(camera, items, matching))
        reads = sum(len(items) for items in batches[1:])
        off_rate, on_rate = reads / sum(off_times), reads / sum(on_times)
        return {
            "reads_per_s_without_hotlist": round(off_rate),
            "reads_per_s_with_hotlist": round(on_rate),
            "ratio_with_hotlist": round(on_rate / off_rate, 3),
            "cpu_per_1000_reads": {"without_hotlist": cpu[False].per_1000(reads),
                                   "with_hotlist": cpu[True].per_1000(reads)},
            # Extra CPU per read that matching costs (process + backend; process only if the backend was not read).
            "cpu_ratio_with_hotlist": _cpu_ratio(cpu[True], cpu[False]),
            "batch_ms_without_hotlist": summary_ms(off_times),
            "batch_ms_with_hotlist": summary_ms(on_times),
            "first_batch_ms_including_compile": round(first_batch_with_compile * 1000, 1),
            "hits_created": Hit.objects.filter(camera=on_camera).count(),
            "reads_matched": reads,
        }

    def _end_to_end(self, agency, database: str, token: str, exact: list[str], trials: int, rng) -> dict:
        from apps.reads.choices import CameraKind
        from apps.reads.services.cameras import camera_create
        from apps.reads.services.tokens import camera_token_issue

        camera = camera_create(actor=None, name="HTTP camera", kind=CameraKind.FIXED, agency=agency,
                               commissioned_at=timezone.now() - timedelta(days=30))
        _credential, camera_token = camera_token_issue(actor=None, camera=camera)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        db = settings.DATABASES["default"]
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
               "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_SECURE_COOKIES": "false",
               "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SETTINGS_MODULE": "alprportal.settings",
               "MEDIA_ROOT": settings.MEDIA_ROOT, "LOG_LEVEL": "WARNING"}
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "gunicorn", "alprportal.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
             "--log-level", "warning"], cwd=settings.BASE_DIR, env=env)
        try:
            self._wait_ready(base)

            def call(method, path, body=None, auth=""):
                request = urllib.request.Request(base + path, data=body, method=method, headers={  # noqa: S310
                    "Authorization": auth, "Content-Type": "application/json", "Accept": "application/json"})
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local bench server
                    return json.loads(response.read())

            # Every view of hits states a purpose and case number (R-AUD-1a), as an operator's client does.
            context = "purpose=investigative_leads&case_number=BENCH-26-0001"
            after = call("GET", f"/api/v1/hits/?{context}", auth=f"Token {token}")["last_id"]
            visible = []
            for trial in range(-2, trials):  # two unmeasured warm-up trials (each gunicorn worker's first request)
                plate = exact[rng.randrange(len(exact))]
                now = timezone.now()
                items = [{"read_id": f"e2e-{trial + 2}-{i}", "plate": plate if i == 50 else _plate(rng), "region": "CA",
                          "captured_at": (now - timedelta(seconds=2)).astimezone(UTC).isoformat()}
                         for i in range(100)]
                body = json.dumps({"reads": items}).encode()
                started = time.perf_counter()
                call("POST", "/api/v1/ingest/reads/", body, auth=f"Camera {camera_token}")
                seen = None
                while seen is None and time.perf_counter() - started < 10:
                    data = call("GET", f"/api/v1/hits/?after={after}&{context}", auth=f"Token {token}")
                    if any(hit["plate"] == plate for hit in data["hits"]):
                        seen = time.perf_counter() - started
                        after = data["last_id"]
                    else:
                        time.sleep(0.05)
                if trial >= 0:
                    visible.append(seen if seen is not None else float("inf"))
                time.sleep(0.2)
            return {"hit_visible_s": round(max(visible), 3), "hit_visible_ms": summary_ms(visible),
                    "e2e_trials": trials, "e2e_batch_size": 100, "e2e_poll_interval_ms": 50}
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()

    @staticmethod
    def _wait_ready(base: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/api/v1/me/", timeout=2)  # noqa: S310
                return
            except urllib.error.HTTPError:
                return  # 401: the server is up
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("The bench server did not start.")

    def _run(self, options, database: str) -> dict:
        rng = random.Random(20260501)
        agency, supervisor, token = self._people()
        _hot_list, exact, partial, import_s = self._load_list(supervisor, options, rng)
        self.stderr.write("Preparing batches…")
        batches = self._batches(options, rng, exact, partial)
        self.stderr.write("Ingest with matching off / on…")
        throughput = self._throughput(agency, batches)
        self.stderr.write("End to end over HTTP…")
        e2e = self._end_to_end(agency, database, token, exact, options["trials"], rng)
        return {"benchmark": "bench_hotlist", "entries": options["entries"], "partial_entries": options["partial"],
                "batch_size": options["batch_size"], "batches": options["batches"],
                "import_100k_s": round(import_s, 2), **throughput, **e2e,
                "ratio_with_hotlist": throughput["ratio_with_hotlist"], "hit_visible_s": e2e["hit_visible_s"]}
