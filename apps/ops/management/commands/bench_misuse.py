"""Benchmark of the access-log review (R-AUD-3): seed N access-log rows (default 1,000,000) of normal traffic with
planted misuse, run the review, and report recall per pattern, flags on normal traffic, and run time.

It builds its own database (``alpr_bench_misuse``, created, migrated and dropped unless ``--keep``) like the other
benchmarks; ``--inner`` is the part that runs inside it. The last line printed is one JSON object (wall time beside
CPU time of this process; PostgreSQL's own CPU is not in it). Deterministic for a given --seed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.utils import timezone

from apps.accounts.models import User
from apps.agencies.models import Agency
from apps.audit.models import GENESIS_HASH, AccessLog
from apps.misuse.choices import FlagKind
from apps.misuse.models import CaseNumberRefusal, MisuseFlag
from apps.misuse.runs import misuse_review_run
from apps.reads.models import Camera
from apps.shifts.models import LeavePeriod, SignOnStatus, UnitSignOn

BENCH_DB = "alpr_bench_misuse"
DAYS = 90
INVESTIGATORS, OPERATORS, SUPERVISORS = 150, 50, 20
PLANTS_PER_KIND = 20
SHARED_CLUSTER = "plateless_cluster_shared"  # several people, each under the per-person threshold, one place and day
# ... and the same at a camera of the normal traffic (about 0.67 plate-less searches a day there): 5–6 people, 2 each.
BUSY_CLUSTER = "plateless_cluster_busy"
# Refused attempts (R-READ-3) are not access-log rows: one typo per this many rows among normal traffic.
ROWS_PER_NORMAL_REFUSAL = 2000
JUSTIFICATIONS = ["Burglary series near the mall, suspect vehicle unknown", "Hit-and-run at the intersection, "
                  "witness saw a dark SUV", "Armed robbery of the gas station, getaway car seen on this camera",
                  "Missing elderly person last seen driving near here", "Catalytic converter thefts on this block"]
COLUMNS = ("seq", "occurred_at", "user_id", "username", "agency_id", "agency_name", "action", "data_elements",
           "purpose", "case_number", "result_count", "client_address", "endpoint", "previous_hash", "row_hash")


class Command(BaseCommand):
    help = "Seed access-log rows with planted misuse and measure the review (recall, false flags, time)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=20)
        parser.add_argument("--keep", action="store_true", help="Do not drop the benchmark database afterwards.")
        parser.add_argument("--bench-db", default=BENCH_DB, help="The benchmark database's name (two benchmarks "
                            "running side by side need two).")
        parser.add_argument("--inner", action="store_true", help="(internal) generate and time, in the bench DB.")

    def handle(self, *args, rows, seed, bench_db, **options):
        if not bench_db.startswith("alpr_bench") or not bench_db.replace("_", "").isalnum():
            raise CommandError("--bench-db must be a plain name starting with alpr_bench (it is dropped afterwards).")
        if options["inner"]:
            return self._inner(rows, seed, bench_db)
        if connection.vendor != "postgresql":
            raise CommandError("bench_misuse needs PostgreSQL (DATABASE_URL).")
        db = settings.DATABASES["default"]
        user = quote(db.get("USER") or "", safe="")
        password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
        env = {**os.environ, "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{bench_db}",
               "CELERY_TASK_ALWAYS_EAGER": "true"}
        self._admin(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{bench_db}"')
        try:
            self.stdout.write(f"Created database {bench_db}; migrating…")
            manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
            subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
            subprocess.run([*manage, "bench_misuse", "--inner", "--rows", str(rows),  # noqa: S603
                            "--seed", str(seed), "--bench-db", bench_db], env=env, check=True)
        finally:
            if not options["keep"]:
                self._admin(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
                self.stderr.write(f"Dropped database {bench_db}.")

    def _admin(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    def _inner(self, rows: int, seed: int, bench_db: str) -> None:
        if connections["default"].settings_dict["NAME"] != bench_db:
            raise CommandError("--inner runs only in the benchmark database.")
        if AccessLog.objects.exists() or MisuseFlag.objects.exists():
            raise CommandError("bench_misuse needs an empty access log.")
        rng = random.Random(seed)
        tz = timezone.get_current_timezone()
        until = timezone.make_aware(datetime.combine(timezone.localdate(), dtime.min), tz)
        start_day = (until - timedelta(days=DAYS)).date()
        agency = Agency.objects.filter(is_deploying_agency=True).first() or Agency.objects.create(
            name="Bench County Sheriff", ori="CA9999999", kind="law_enforcement", government_level="county",
            state="CA", is_deploying_agency=True)
        t0 = time.perf_counter()
        people = self._people(agency)
        investigators, operators = people["investigators"], people["operators"]
        self._shifts(agency, operators, start_day)

        def at(day_offset: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
            return timezone.make_aware(datetime.combine(start_day + timedelta(days=day_offset),
                                                        dtime(hour, minute, second)), tz)

        generated: list[tuple] = []  # (occurred_at, user, elements, case_number, planted_key or None)
        planted: dict[tuple[str, int], set] = {}  # (kind, plant index) -> subject id; rows via keys below

        def add(user, when, elements, case_number, plant=None):
            generated.append((when, user, elements, case_number, plant))

        # --- Planted misuse (PLANTS_PER_KIND of each pattern), on people chosen at random.
        def plant_user(pool):
            return pool[rng.randrange(len(pool))]

        for index in range(PLANTS_PER_KIND):
            key = (FlagKind.PLATE_MANY_CASES, index)
            user, day = plant_user(investigators), rng.randrange(5, DAYS - 10)
            plate = f"9MC{index:04d}"
            for n in range(3 + index % 2):
                add(user, at(day + n % 2, 10, n), _plate(plate), f"2026-9{index:02d}{n:03d}", key)
            planted[key] = user.pk
            key = (FlagKind.PLATE_REPEATED_WEEKS, index)
            user, day = plant_user(investigators), rng.randrange(0, DAYS - 40)
            for week in range(5):
                add(user, at(day + 7 * week, 11), _plate(f"9WK{index:04d}"), f"2026-8{index:05d}", key)
            planted[key] = user.pk
            key = (FlagKind.OFF_SHIFT, index)
            user, day = plant_user(operators), rng.randrange(1, DAYS - 1)
            for n in range(4):
                add(user, at(day, 2, 10 * n), _plate(f"9OS{index:02d}{n}"), f"2026-7{index:05d}", key)
            planted[key] = user.pk
            key = (FlagKind.VOLUME_OWN, index)
            user, day = plant_user(investigators), rng.randrange(0, DAYS)
            for n in range(400):
                add(user, at(day, 8 + n // 60, n % 60, n % 7), _plate(f"9VO{index:02d}{n:03d}"),
                    f"2026-6{index:02d}{n // 5:03d}", key)
            planted[key] = user.pk
            key = (FlagKind.PROHIBITED_TEXT, index)
            user, day = plant_user(investigators), rng.randrange(0, DAYS)
            text = ("Assist ICE with a detainer on the driver", "Cars at the protest downtown on Saturday",
                    "Per HSI, locate for deportation", "Vehicles at the mosque Friday prayers")[index % 4]
            add(user, at(day, 13), _plateless(cameras=[900 + index], day=start_day + timedelta(days=day),
                                              justification=f"{text} #{index}"), f"2026-5{index:05d}", key)
            planted[key] = user.pk
            key = (FlagKind.VAGUE_TEXT, index)
            user, day = plant_user(investigators + operators), rng.randrange(0, DAYS)
            hour = 9 if user in operators else 14
            add(user, at(day, hour), _plate(f"9VG{index:04d}"), ("inv", "n/a", "test", "x")[index % 4], key)
            planted[key] = user.pk
            key = (FlagKind.CASE_UNVERIFIED, index)
            user, day = plant_user(investigators), rng.randrange(0, DAYS)
            add(user, at(day, 15), {**_plate(f"9UV{index:04d}"), "case_verification": {
                "status": "overridden", "kind": "case", "rms": "unknown", "override": index + 1}},
                f"2026-4{index:05d}", key)
            planted[key] = user.pk
            key = (FlagKind.CASE_REUSED, index)
            user, day = plant_user(investigators), rng.randrange(0, DAYS - 3)
            for n in range(20):
                add(user, at(day + n % 3, 9, n), _plate(f"9CR{index:02d}{n:02d}"), f"2026-3{index:05d}", key)
            planted[key] = user.pk
            key = (FlagKind.PLATELESS_CLUSTER, index)
            user, day = plant_user(investigators), rng.randrange(0, DAYS)
            for n in range(4):
                add(user, at(day, 16, 5 * n), _plateless(cameras=[800 + index], day=start_day + timedelta(days=day),
                                                         justification=JUSTIFICATIONS[n % 5]), f"2026-2{index:05d}",
                    key)
            planted[key] = user.pk
            key = (FlagKind.VOLUME_PEERS, index)
            user, day = plant_user(investigators), rng.randrange(0, DAYS - 7)
            monday = day - (start_day + timedelta(days=day)).weekday()
            monday = monday if monday >= 0 else monday + 7
            for n in range(2100):
                add(user, at(monday + n % 7, 7 + (n // 7) % 12, (n // 84) % 60, n % 60),
                    _plate(f"9VP{index:02d}{n:04d}"), f"2026-1{index:02d}{n // 5:03d}", key)
            planted[key] = user.pk

        # Cross-person plate-less clusters: 3–4 people, each with 2 searches (under MISUSE_CLUSTER_MIN alone) of one
        # camera on one day; the plant is found when every one of them is flagged.
        shared_planted: dict[int, set] = {}
        busy_planted: dict[int, set] = {}
        for index in range(PLANTS_PER_KIND):
            key, day = (SHARED_CLUSTER, index), rng.randrange(0, DAYS)
            members = rng.sample(investigators, 3 + index % 2)
            for member_index, member in enumerate(members):
                for n in range(2):
                    add(member, at(day, 10 + member_index, 7 * n), _plateless(
                        cameras=[700 + index], day=start_day + timedelta(days=day),
                        justification=JUSTIFICATIONS[(member_index + n) % 5]), f"2026-0{index:02d}{member_index:03d}",
                        key)
            shared_planted[index] = {member.pk for member in members}
        # Searches on leave: a supervisor recorded 3 days of leave; the person searched on the middle one.
        leave_days: dict[int, set] = defaultdict(set)
        leave_periods = []
        for index in range(PLANTS_PER_KIND):
            key, day = (FlagKind.ON_LEAVE, index), rng.randrange(1, DAYS - 2)
            user = plant_user([person for person in investigators if person.pk not in leave_days])
            first = start_day + timedelta(days=day - 1)
            leave_periods.append(LeavePeriod(person=user, first_day=first, last_day=first + timedelta(days=2),
                                             note="bench leave", recorded_by=user.supervisor,
                                             recorded_at=at(max(0, day - 5), 8)))
            leave_days[user.pk] |= {first + timedelta(days=n) for n in range(3)}
            for n in range(2):
                add(user, at(day, 10 + n), _plate(f"9LV{index:02d}{n}"), f"2026-0{index:02d}9{n:02d}", key)
            planted[key] = user.pk
        LeavePeriod.objects.bulk_create(leave_periods)
        # Refused attempts: 3–4 by one person in one day (planted), and lone typos among normal traffic.
        refusals, refusal_keys = [], []
        for index in range(PLANTS_PER_KIND):
            key, day = (FlagKind.CASE_REFUSED, index), rng.randrange(0, DAYS)
            user = plant_user(investigators)
            for n in range(3 + index % 2):
                refusals.append(_refusal(user, agency, at(day, 18, 3 * n), f"2026-{index:02d}{n}"))
                refusal_keys.append(key)
            planted[key] = user.pk
        for _ in range(rows // ROWS_PER_NORMAL_REFUSAL):
            user = plant_user(investigators + operators)
            refusals.append(_refusal(user, agency, at(rng.randrange(DAYS), rng.randint(7, 19), rng.randrange(60)),
                                     f"2026-{rng.randrange(10**6):06d}"))
            refusal_keys.append(None)
        planted_refusals = {refusal.pk: key for refusal, key in zip(
            CaseNumberRefusal.objects.bulk_create(refusals), refusal_keys, strict=True) if key is not None}

        # --- Normal traffic: cases of 1–5 plates worked over at most 10 days; plate-less searches justified.
        normal = max(0, rows - len(generated))
        case_counter = 0
        while normal > 0:
            is_operator = rng.random() < 0.25
            user = (operators if is_operator else investigators)[rng.randrange(OPERATORS if is_operator
                                                                               else INVESTIGATORS)]
            case_counter += 1
            case_number = f"2026-{case_counter:07d}"  # planted numbers have six digits: never the same
            plates = [_random_plate(rng) for _ in range(rng.randint(1, 5))]
            first_day = rng.randrange(0, DAYS - 1)
            span = rng.randint(0, min(9, DAYS - 1 - first_day))
            for _ in range(min(normal, rng.randint(5, 40))):
                day = first_day + rng.randint(0, span)
                hour = rng.randint(6, 13) if is_operator else rng.randint(7, 19)
                when = at(day, hour, rng.randrange(60), rng.randrange(60))
                if rng.random() < 0.03:
                    elements = _plateless(cameras=[rng.randrange(1, 500)], day=start_day + timedelta(
                        days=rng.randrange(DAYS)), justification=JUSTIFICATIONS[rng.randrange(5)])
                else:
                    elements = _plate(plates[rng.randrange(len(plates))])
                if leave_days and when.date() in leave_days.get(user.pk, ()):
                    continue  # people on leave do not work (the planted searches on leave are the exception)
                add(user, when, elements, case_number)
                normal -= 1
        # Convergences on cameras of the normal traffic, drawn from their own generator so that the traffic above (and
        # every other figure) is the same as without them.
        busy_rng = random.Random(seed * 1000 + 7)
        off_leave = [person for person in investigators if person.pk not in leave_days]
        for index in range(PLANTS_PER_KIND):
            key, day = (BUSY_CLUSTER, index), busy_rng.randrange(0, DAYS)
            camera = busy_rng.randrange(1, 500)
            members = busy_rng.sample(off_leave, 5 + index % 2)
            for member_index, member in enumerate(members):
                for n in range(2):
                    add(member, at(day, 9 + member_index, 3 + 7 * n), _plateless(
                        cameras=[camera], day=start_day + timedelta(days=day),
                        justification=JUSTIFICATIONS[(member_index + n) % 5]), f"2026-0{index:02d}{member_index:03d}b",
                        key)
            busy_planted[index] = {member.pk for member in members}
        generated.sort(key=lambda item: item[0])
        planted_rows = self._write(generated, agency)
        seed_seconds = time.perf_counter() - t0

        wall0, cpu0 = time.perf_counter(), time.process_time()
        run = misuse_review_run(until=until, window_days=DAYS + 1)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        found: dict[str, int] = defaultdict(int)
        false_flags: dict[str, int] = defaultdict(int)
        hit_keys = set()
        shared_found: dict[int, set] = defaultdict(set)
        busy_found: dict[int, set] = defaultdict(set)
        false_shared = 0  # of the plate-less cluster flags on normal traffic, those of the cross-person rule
        flags = list(MisuseFlag.objects.values_list("kind", "subject_id", "row_seqs", "details"))
        for kind, subject_id, seqs, details in flags:
            keys = {planted_rows[seq] for seq in seqs if seq in planted_rows}
            keys |= {planted_refusals[pk] for pk in details.get("refusals", []) if pk in planted_refusals}
            for key in keys:
                if key[0] == SHARED_CLUSTER and kind == FlagKind.PLATELESS_CLUSTER \
                        and subject_id in shared_planted[key[1]]:
                    shared_found[key[1]].add(subject_id)
                if key[0] == BUSY_CLUSTER and kind == FlagKind.PLATELESS_CLUSTER \
                        and subject_id in busy_planted[key[1]]:
                    busy_found[key[1]].add(subject_id)
            matched = {key for key in keys if key[0] == kind and planted.get(key) == subject_id}
            hit_keys |= matched
            if not keys:
                false_flags[kind] += 1
                if kind == FlagKind.PLATELESS_CLUSTER and "people" in details:
                    false_shared += 1
        for key in hit_keys:
            found[key[0]] += 1
        result = {
            "rows": AccessLog.objects.count(), "planted_per_pattern": PLANTS_PER_KIND, "seed_seconds":
            round(seed_seconds, 1), "review_wall_seconds": round(wall, 2), "review_cpu_seconds": round(cpu, 2),
            "peak_rss_mb": round(peak_mb), "rows_scanned": run.rows_scanned, "flags": len(flags),
            "recall": {kind: round(found[kind] / PLANTS_PER_KIND, 3) for kind in FlagKind.values},
            "flags_on_normal_traffic": {kind: false_flags[kind] for kind in FlagKind.values},
            "normal_rows": AccessLog.objects.count() - len(planted_rows),
            # Every member of a cross-person cluster flagged (people found / people planted beside it).
            "recall_shared_plateless_clusters": round(sum(
                shared_found[index] == members for index, members in shared_planted.items()) / PLANTS_PER_KIND, 3),
            "shared_cluster_people_flagged": f"{sum(len(found_) for found_ in shared_found.values())}/"
                                             f"{sum(len(members) for members in shared_planted.values())}",
            "shared_cluster_flags_on_normal_traffic": false_shared,
            "recall_busy_plateless_clusters": round(sum(
                busy_found[index] == members for index, members in busy_planted.items()) / PLANTS_PER_KIND, 3),
            "busy_cluster_people_flagged": f"{sum(len(found_) for found_ in busy_found.values())}/"
                                           f"{sum(len(members) for members in busy_planted.values())}",
            "refusals": len(refusals), "leave_periods": len(leave_periods),
        }
        for kind in FlagKind.values:
            self.stdout.write(f"{kind:22} recall {found[kind]}/{PLANTS_PER_KIND}  flags on normal traffic "
                              f"{false_flags[kind]}")
        self.stdout.write(f"{SHARED_CLUSTER:22} recall {result['recall_shared_plateless_clusters']:.0%} "
                          f"(people flagged {result['shared_cluster_people_flagged']})")
        self.stdout.write(f"{BUSY_CLUSTER:22} recall {result['recall_busy_plateless_clusters']:.0%} "
                          f"(people flagged {result['busy_cluster_people_flagged']})")
        self.stdout.write(json.dumps(result, sort_keys=True))

    def _people(self, agency) -> dict:
        def make(prefix, count, **fields):
            existing = {u.username: u for u in User.objects.filter(username__startswith=prefix)}
            new = [User(username=f"{prefix}{n:03d}", agency=agency, job_title="Bench", **fields)
                   for n in range(count) if f"{prefix}{n:03d}" not in existing]
            User.objects.bulk_create(new)
            return list(User.objects.filter(username__startswith=prefix).order_by("username"))

        supervisors = make("bench.sgt", SUPERVISORS, rank="sergeant")
        investigators = make("bench.det", INVESTIGATORS)
        operators = make("bench.dep", OPERATORS)
        for index, person in enumerate(investigators + operators):
            person.supervisor = supervisors[index % SUPERVISORS]
        User.objects.bulk_update(investigators + operators, ["supervisor"])
        return {"supervisors": supervisors, "investigators": investigators, "operators": operators}

    def _shifts(self, agency, operators, start_day) -> None:
        """Every operator signs a unit on for the day shift (06–14) every day of the window (R-OPS-1)."""
        tz = timezone.get_current_timezone()
        cameras = []
        for person in operators:
            camera, _ = Camera.objects.get_or_create(
                name=f"Bench unit {person.username}", agency=agency,
                defaults={"kind": "mobile", "assigned_officer": person,
                          "commissioned_at": timezone.make_aware(datetime.combine(start_day, dtime.min), tz)
                          - timedelta(days=1)})
            cameras.append(camera)
        sign_ons = []
        for person, camera in zip(operators, cameras, strict=True):
            for offset in range(DAYS + 1):
                day = start_day + timedelta(days=offset)
                sign_ons.append(UnitSignOn(
                    camera=camera, officer=person, shift_date=day, shift="day", status=SignOnStatus.SIGNED_OFF,
                    signed_on_at=timezone.make_aware(datetime.combine(day, dtime(5, 55)), tz),
                    signed_off_at=timezone.make_aware(datetime.combine(day, dtime(14, 0)), tz),
                    inspection_affixed=True, inspection_undamaged=True))
        UnitSignOn.objects.bulk_create(sign_ons, batch_size=2000)

    def _write(self, generated, agency) -> dict[int, tuple]:
        """COPY the rows into the access log with a valid hash chain; returns {seq: planted key} of planted rows."""
        planted_rows = {}
        previous = GENESIS_HASH
        with connection.cursor() as django_cursor:
            cursor = django_cursor.cursor
            with cursor.copy(f"COPY audit_accesslog ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for seq, (local_when, user, elements, case_number, plant) in enumerate(generated, start=1):
                    when = local_when.astimezone(UTC)  # as the database gives it back, so the chain verifies
                    row = AccessLog(seq=seq, occurred_at=when, user_id=user.pk, username=user.username,
                                    agency_id=agency.pk, agency_name=agency.name, action="reads.search",
                                    data_elements=elements, purpose="investigative_leads", case_number=case_number,
                                    result_count=3, client_address=None, endpoint="reads:search",
                                    previous_hash=previous)
                    row_hash = _hash(row)
                    copy.write_row((seq, when, user.pk, user.username, agency.pk, agency.name, "reads.search",
                                    json.dumps(elements), "investigative_leads", case_number, 3, None,
                                    "reads:search", previous, row_hash))
                    previous = row_hash
                    if plant is not None:
                        planted_rows[seq] = plant
        return planted_rows


def _hash(row: AccessLog) -> str:
    canonical = json.dumps(row.content_for_hash(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((row.previous_hash + canonical).encode("utf-8")).hexdigest()


def _plate(plate: str) -> dict:
    return {"plate_pattern": plate, "plate_match": "exact", "case_verification": {"status": "verified",
                                                                                  "kind": "case", "rms": "open"}}


def _plateless(*, cameras, day, justification) -> dict:
    return {"plate_pattern": None, "cameras": cameras, "area": None, "time_from": f"{day.isoformat()}T00:00:00",
            "time_to": f"{day.isoformat()}T23:59:00", "plate_less": True, "justification": justification,
            "protected_activity_attested": True,
            "case_verification": {"status": "verified", "kind": "case", "rms": "open"}}


def _refusal(user, agency, when, case_number) -> CaseNumberRefusal:
    return CaseNumberRefusal(user=user, agency=agency, occurred_at=when, case_number=case_number,
                             purpose="investigative_leads", code="case_number_unknown",
                             message=f"Case number {case_number} does not exist in the records system.")


def _random_plate(rng) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return f"{rng.randint(1, 8)}{''.join(rng.choice(letters) for _ in range(3))}{rng.randint(0, 999):03d}"
