"""Ingest finds a key the camera stored months ago with one lookup, whatever the number of month partitions (issue
#19): a resend is a duplicate or a conflict exactly as before (R-READ-1), and reads stored before the key table
existed are found too (migration 0014's backfill)."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta
from types import SimpleNamespace

from django.db import connection
from django.utils import timezone

from apps.reads.choices import ItemStatus
from apps.reads.models import Read, ReadKey
from apps.reads.partitions import month_start, partition_name, partitions_ensure
from apps.reads.services.ingest import _EXISTING_SQL, read_batch_ingest
from tests.reads.conftest import iso, partition_of, partitioned_only

pytestmark = partitioned_only


def _item(key, moment, plate="7ABC123"):
    return {"read_id": key, "plate": plate, "captured_at": iso(moment), "region": "CA", "confidence": 91.0}


def test_a_key_stored_in_an_old_month_is_a_duplicate_or_a_conflict_when_resent(camera):
    now = timezone.now()
    old = now - timedelta(days=300)
    first = read_batch_ingest(camera=camera, items=[_item("old-1", old), _item("new-1", now - timedelta(minutes=5))])
    assert first.stored == 2
    partitions_ensure()  # the old month gets its partition; its read moves there out of the DEFAULT partition
    stored = Read.objects.get(camera=camera, source_read_id="old-1")
    assert partition_of(stored.pk) == partition_name(month_start(old))

    again = read_batch_ingest(camera=camera, items=[_item("old-1", old), _item("new-1", now - timedelta(minutes=5))])
    assert [(r.status, r.id) for r in again.results] == [
        (ItemStatus.DUPLICATE, stored.pk), (ItemStatus.DUPLICATE, first.results[1].id)]

    # The same key with another capture time (another month): a conflict naming the stored read, never a second read.
    other = read_batch_ingest(camera=camera, items=[_item("old-1", now - timedelta(minutes=1))])
    assert other.results[0].status == ItemStatus.CONFLICT and other.results[0].id == stored.pk
    assert [d["field"] for d in other.results[0].differences] == ["captured_at"]
    assert Read.objects.filter(camera=camera, source_read_id="old-1").count() == 1


def test_the_duplicate_check_probes_one_key_index_not_every_month(camera):
    """One probe of reads_readkey per sent key; the read itself is then looked up in its own month only: no
    partition of reads_read is searched by key."""
    now = timezone.now()
    read_batch_ingest(camera=camera, items=[_item(f"k-{n}", now - timedelta(days=n * 20)) for n in range(10)])
    partitions_ensure()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON, ANALYZE) " + _EXISTING_SQL,
                       [json.dumps([f"k-{n}" for n in range(20)]), camera.pk])
        plan = cursor.fetchone()[0]

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    every = list(nodes(plan[0]["Plan"]))
    by_key = {n.get("Relation Name") for n in every
              if "source_read_id" in n.get("Index Cond", "") + n.get("Filter", "")}
    assert by_key == {"reads_readkey"}, every
    # each read found is fetched from one partition: as many partition lookups executed as keys found
    fetched = [n for n in every if (n.get("Relation Name") or "").startswith("reads_read_")
               and n.get("Actual Loops", 0) > 0]
    assert sum(n["Actual Loops"] for n in fetched) == 10, fetched


def test_the_migration_fills_the_key_table_from_the_stored_reads(camera):
    """Reads stored before migration 0014 (here: their key rows removed) are found by key once it has run; running it
    again changes nothing."""
    from tests.holds.helpers import make_read

    now = timezone.now()
    read_batch_ingest(camera=camera, items=[_item("before-1", now - timedelta(minutes=3))])
    older = make_read(camera, days_ago=200)  # stored through the ORM, in an old month
    partitions_ensure()
    assert ReadKey.objects.count() == Read.objects.count() == 2
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reads_readkey")
    migration = importlib.import_module("apps.reads.migrations.0014_read_keys")
    for _ in range(2):
        migration.forwards(None, SimpleNamespace(connection=connection))
        assert sorted(ReadKey.objects.values_list("source_read_id", "read_id")) == sorted(
            Read.objects.values_list("source_read_id", "id"))

    resent = read_batch_ingest(camera=camera, items=[_item("before-1", now - timedelta(minutes=3)),
                                                     _item(older.source_read_id, now - timedelta(minutes=1))])
    assert [r.status for r in resent.results] == [ItemStatus.DUPLICATE, ItemStatus.CONFLICT]
    assert resent.results[1].id == older.pk
    assert Read.objects.count() == 2
