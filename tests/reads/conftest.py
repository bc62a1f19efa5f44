"""Fixtures for the reads tests: cameras, camera tokens, small real images, and a helper that stores reads."""

from __future__ import annotations

import base64
import io
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from PIL import Image

from apps.reads.choices import CameraKind
from apps.reads.services.cameras import camera_create
from apps.reads.services.ingest import read_batch_ingest
from apps.reads.services.tokens import camera_token_issue
from tests.factories import DeployingAgencyFactory


def jpeg_bytes(size=(64, 24), color=(200, 200, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return buffer.getvalue()


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


@pytest.fixture
def agency(db):
    return DeployingAgencyFactory()


@pytest.fixture
def camera(agency):
    return camera_create(actor=None, name="Harbor Blvd NB", kind=CameraKind.FIXED, agency=agency,
                         commissioned_at=timezone.now() - timedelta(days=365), latitude=33.77, longitude=-117.92)


@pytest.fixture
def other_camera(agency):
    return camera_create(actor=None, name="Main St EB", kind=CameraKind.FIXED, agency=agency,
                         commissioned_at=timezone.now() - timedelta(days=365), latitude=34.05, longitude=-118.25)


@pytest.fixture
def camera_token(camera):
    _credential, raw = camera_token_issue(actor=None, camera=camera)
    return raw


@pytest.fixture
def camera_client(api_client, camera_token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Camera {camera_token}")
    return api_client


@pytest.fixture
def store_reads(camera):
    """store_reads([(plate, minutes_ago), ...], camera=None) -> list of read ids, through the ingest service."""

    def _store(specs, *, on=None):
        now = timezone.now()
        items = [{"plate": plate, "captured_at": iso(now - timedelta(minutes=minutes)),
                  "read_id": f"t-{plate}-{minutes}"} for plate, minutes in specs]
        result = read_batch_ingest(camera=on or camera, items=items)
        assert result.rejected == 0, result.as_dict()
        return [r.id for r in result.results]

    return _store


@pytest.fixture
def lapsed_investigator(make_user):
    from apps.accounts.roles import Role
    from tests.factories import TrainingRecordFactory

    user = make_user(Role.INVESTIGATOR, trained=False)
    TrainingRecordFactory(person=user, completed_on=timezone.localdate() - timedelta(days=400))
    return user


SEARCH = {"purpose": "investigative_leads", "case_number": "24-001234"}


def correction_context():
    """The purpose and case number a correction in a test is made (and logged) under: the searches' own."""
    from apps.audit.access_context import AccessContext

    return AccessContext(**SEARCH)


# Reads are partitioned by month on PostgreSQL only (issue #19): the partition tests of reads and retention share these.
partitioned_only = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                      reason="reads are partitioned on PostgreSQL only (SQLite keeps one plain table)")


def partition_of(read_id: int) -> str:
    """The partition (table name) a read is stored in."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM reads_read WHERE id = %s", [read_id])
        return cursor.fetchone()[0]


@contextmanager
def transaction_held(work):
    """``work()`` in a transaction on a connection of its own (another thread), left open until the block ends: a long
    search holding a partition, an ingest batch holding a row. The block starts once ``work()`` has returned; an error
    in it is raised when the block ends."""
    import threading

    from django.db import connections, transaction

    done, release, errors = threading.Event(), threading.Event(), []

    def run():
        try:
            with transaction.atomic():
                work()
                done.set()
                release.wait(timeout=60)
        except Exception as exc:  # noqa: BLE001 - raised in the test's thread below
            errors.append(exc)
        finally:
            done.set()
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert done.wait(timeout=30)
        assert not errors, errors
        yield
    finally:
        release.set()
        thread.join(timeout=30)
    assert not errors, errors


def partition_busy(name: str):
    """A long search or export in another connection: a transaction that has read partition ``name`` and holds its
    lock until the block ends."""
    from django.db import connections

    def read():
        with connections["default"].cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 - a partition name

    return transaction_held(read)


def partition_names() -> set[str]:
    from apps.reads.partitions import partitions_list

    return {name for name, _, _ in partitions_list()}


def statements_sent(run) -> tuple[object, list[tuple[str, object]]]:
    """``run()``'s result and the (sql, params) of every statement it sent, in order."""
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        return run(), statements


def planned_partitions(run) -> tuple[object, set[str]]:
    """``run()``'s result and the partitions named in the plans of the read queries it sent (each EXPLAINed after)."""
    from apps.reads.partitions import DEFAULT

    result, statements = statements_sent(run)
    planned = set()
    names = partition_names() | {DEFAULT}
    with connection.cursor() as cursor:
        for sql, params in statements:
            if "reads_read" not in sql or not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            planned |= {name for name in names if f" {name} " in f"{plan} " or f" {name}_" in plan}
    return result, planned


def read_load_plan(run) -> tuple[object, str]:
    """``run()``'s result and the EXPLAIN (sequential scans off: test tables hold a handful of rows) of the one
    statement it sent to load reads by id and capture time (``apps.reads.selectors._reads_in_order``)."""
    result, statements = statements_sent(run)
    (sql, params), = [(sql, params) for sql, params in statements if sql.lstrip("(").startswith(
        'SELECT "reads_read"."id"') and '"reads_read"."captured_at" IN (' in sql]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return result, "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")


def read_ids_probed(plan: str) -> list[int]:
    """The read ids a plan probes (``id = ANY ('{…}')`` or ``id = N``), once per time they are probed."""
    import re

    return [int(pk) for many, one in re.findall(r"\bid = (?:ANY \('\{([0-9,]+)\}'|(\d+))", plan)
            for pk in (many or one).split(",")]


def plate_months() -> set[tuple[str, object]]:
    """The plate → months summary (``ReadPlateMonths``: one row per plate, its months as year * 12 + month - 1) as
    (plate, first day of the UTC month) pairs."""
    from datetime import date

    from apps.reads.models import ReadPlateMonths

    return {(row.plate, date(number // 12, number % 12 + 1, 1))
            for row in ReadPlateMonths.objects.all() for number in row.months}


def lock_wait_seen(cursor, query_like: str = "%", tries: int = 600) -> bool:
    """Poll until a client backend of this database waits for a lock (its statement ``LIKE query_like``): the moment a
    test's other connection is known to be blocked. False after ``tries`` × 50 ms."""
    import time

    for _ in range(tries):
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one snapshot per transaction
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND backend_type = 'client backend' AND query LIKE %s",
                       [query_like])
        if cursor.fetchone()[0]:
            return True
        time.sleep(0.05)
    return False
