"""Reads partitioned by capture month on PostgreSQL (issue #19); SQLite keeps one plain table.

``reads_read`` is a declaratively partitioned table (``PARTITION BY RANGE (captured_at)``) with one partition per
calendar month in UTC, named ``reads_read_pYYYYMM``, and a DEFAULT partition ``reads_read_default``. Migration
``0012_partition_reads`` converts an existing table; from then on this module's manager, run daily by Celery beat
(``reads-partitions-ensure``), creates the partitions of the coming ``READS_PARTITION_MONTHS_AHEAD`` months.

A read is never refused for want of a partition: one whose month has none (a camera clock years ahead or behind)
lands in the DEFAULT partition, and the manager creates that month's partition and moves those reads into it, in one
transaction (PostgreSQL refuses to create a partition whose range still has rows in the DEFAULT partition)::

    LOCK reads_read_default; CREATE TABLE p (LIKE reads_read); INSERT INTO p SELECT … FROM reads_read_default
    WHERE <month>; DELETE FROM reads_read_default WHERE <month>; ALTER TABLE reads_read ATTACH PARTITION p …

so a crash leaves either the old state or the new one, never a read in neither. Searches bound by a time window
(R-READ-4) touch only that window's partitions (plan-time pruning on ``captured_at``); retention purges a month past
its period as a whole (``apps.reads.retention``).

What the partition key changes (PostgreSQL needs it in every unique constraint and cannot point a FOREIGN KEY at a
partitioned table without it):

* the primary key is ``(id, captured_at)`` in the database (Django's pk is still ``id``; ids come from one sequence);
* ``read_unique_per_camera`` is not on the partitions (migration 0015; 0012 had made it ``(camera_id, source_read_id,
  captured_at)``): a camera's keys are unique in ``reads_readkey`` (``ReadKey``, one unpartitioned row per read kept
  by statement triggers, migration 0014), whose primary key ``(camera_id, source_read_id)`` refuses a key stored
  twice whatever the capture times. Ingest takes a transaction-scoped advisory lock per (camera, key bucket) before
  it looks the keys up there (``apps.reads.services.ingest``), so a retry is a duplicate or a conflict; lookups by
  key elsewhere go through the key table too (``apps.reads.selectors.reads_by_keys``), then to the read's own month;
* the tables that refer to a read keep ``read_id`` without a FOREIGN KEY (``apps.common.fields``): deferred
  constraint triggers check that the read exists, and that a deleted read has nothing left referring to it.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

logger = logging.getLogger("alprportal.reads.partitions")

PARENT = "reads_read"
DEFAULT = "reads_read_default"
PARENT_LOCK_TIMEOUT = "2s"
LOCK_NOT_AVAILABLE = "55P03"
_NAME = re.compile(r"^reads_read_p(\d{4})(\d{2})$")
_BOUND = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")


def month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def month_add(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(start: datetime) -> str:
    return f"reads_read_p{start.year:04d}{start.month:02d}"


def partition_month(name: str) -> datetime:
    """The first instant of the month a monthly partition (``reads_read_p202612``) holds."""
    match = _NAME.match(name)
    if match is None:
        raise ValueError(f"not a monthly reads partition: {name}")
    return datetime(int(match.group(1)), int(match.group(2)), 1, tzinfo=UTC)


def reads_partitioned() -> bool:
    """True when ``reads_read`` is a partitioned table (PostgreSQL after migration 0012)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))",
                       [PARENT])
        return cursor.fetchone()[0]


def partitions_list() -> list[tuple[str, datetime, datetime]]:
    """The monthly partitions as (name, lower bound, upper bound), oldest first (the DEFAULT partition left out)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)", [PARENT])
        rows = cursor.fetchall()
    found = []
    for name, bound in rows:
        match = _BOUND.search(bound or "")
        if match is None:  # the DEFAULT partition
            continue
        lower, upper = (datetime.fromisoformat(value).astimezone(UTC) for value in match.groups())
        found.append((name, lower, upper))
    return sorted(found, key=lambda row: row[1])


_INDEX_DEF = re.compile(r"^(CREATE (?:UNIQUE )?INDEX )(\S+) ON ONLY (\S+) ")


def partition_index_statements(cursor, partition: str) -> list[str]:
    """CREATE INDEX statements that give ``partition`` (not attached yet) every index of the parent, each named
    ``<parent index>_<suffix>`` (``read_plate_trgm_p202612``, ``reads_read_pkey_default``): ATTACH adopts them, and
    plans keep naming the index the code and the docs talk about."""
    suffix = partition.removeprefix("reads_read_")
    # An index behind a constraint (the primary key) is adopted only as that constraint.
    cursor.execute("SELECT pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid) FROM pg_index i "
                   "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
                   "WHERE i.indrelid = to_regclass(%s) ORDER BY i.indexrelid", [PARENT])
    statements = []
    for definition, constraint, constraint_definition in cursor.fetchall():
        if constraint:
            statements.append(f"ALTER TABLE {partition} ADD CONSTRAINT {constraint}_{suffix} {constraint_definition}")
            continue
        match = _INDEX_DEF.match(definition)
        if match is None:
            raise RuntimeError(f"unexpected index definition on {PARENT}: {definition}")
        statements.append(_INDEX_DEF.sub(lambda m: f"{m.group(1)}{m.group(2)}_{suffix} ON {partition} ", definition,
                                         count=1))
    return statements


def _default_months() -> list[datetime]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT date_trunc('month', captured_at AT TIME ZONE 'UTC') "  # noqa: S608 - constant
                       f"FROM {DEFAULT}")
        return sorted(row[0].replace(tzinfo=UTC) for row in cursor.fetchall())


def partition_create(start: datetime) -> int:
    """Create the partition of the month starting at ``start`` and move into it the reads of that month waiting in
    the DEFAULT partition; returns how many were moved. One transaction: every read is in exactly one partition
    before and after (the DEFAULT partition is locked meanwhile, so no read of that month can slip in)."""
    start = month_start(start)
    end = month_add(start, 1)
    name = partition_name(start)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)",
                       [f"{settings.PORTAL['READS_PARTITION_LOCK_TIMEOUT_SECONDS']}s"])
        cursor.execute(f"LOCK TABLE {DEFAULT} IN ACCESS EXCLUSIVE MODE")
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return 0
        cursor.execute(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                       "INCLUDING STORAGE)")
        # The bounds as a CHECK first: ATTACH then needs no scan of its own to prove them.
        cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_bounds "
                       "CHECK (captured_at >= %s AND captured_at < %s)", [start, end])
        cursor.execute(f"INSERT INTO {name} SELECT * FROM {DEFAULT} "  # noqa: S608 - names built here
                       "WHERE captured_at >= %s AND captured_at < %s", [start, end])
        moved = cursor.rowcount
        if moved:
            cursor.execute(f"DELETE FROM {DEFAULT} WHERE captured_at >= %s AND captured_at < %s",  # noqa: S608
                           [start, end])
            if cursor.rowcount != moved:  # impossible under the lock; never drop a read on a surprise
                raise RuntimeError(f"{name}: moved {moved} reads but deleted {cursor.rowcount} from the default")
        for statement in partition_index_statements(cursor, name):
            cursor.execute(statement)
        cursor.execute(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [start, end])
        cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_bounds")
    if moved:
        logger.warning("Created partition %s and moved %s reads into it from the default partition", name, moved)
    return moved


def partitions_ensure(*, now: datetime | None = None, months_ahead: int | None = None) -> dict:
    """Create the partitions of this month and the next ``months_ahead`` ones, and of every month that has reads
    waiting in the DEFAULT partition (moving them). Idempotent; a no-op where reads are not partitioned."""
    if not reads_partitioned():
        return {"partitioned": False}
    now = now or timezone.now()
    months_ahead = settings.PORTAL["READS_PARTITION_MONTHS_AHEAD"] if months_ahead is None else months_ahead
    current = month_start(now)
    wanted = {month_add(current, offset) for offset in range(months_ahead + 1)} | set(_default_months())
    existing = {lower for _, lower, _ in partitions_list()}
    created, moved = [], 0
    for start in sorted(wanted - existing):
        moved += partition_create(start)
        created.append(partition_name(start))
    return {"partitioned": True, "created": created, "moved_from_default": moved}


def partition_drop_if_empty(name: str) -> bool:
    """Detach and drop a monthly partition that holds no read (after retention emptied it). The parent is locked
    first (the order an insert takes them), briefly: a late read of that month would go to the DEFAULT partition and
    get its partition back from the manager."""
    if not _NAME.match(name):
        raise ValueError(f"not a monthly reads partition: {name}")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Waiting for the parent's lock queues every search and ingest behind it: wait briefly or not at all.
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [PARENT_LOCK_TIMEOUT])
            cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")  # noqa: S608 - checked name
            if cursor.fetchone()[0]:
                return False
            cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {name}")
            cursor.execute(f"DROP TABLE {name}")
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        logger.warning("Partition %s is empty but the table was busy: dropped on a later run", name)
        return False
    return True
