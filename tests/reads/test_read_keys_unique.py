"""A camera's key names one read, held by the database through ``reads_readkey``'s primary key (issue #19, migration
0015): the partitions carry no unique index by key any more, a second read under a key fails whatever its capture
time, ingest turns a key that slipped past its lock into a clean 503 the camera retries (nothing stored, R-READ-1),
and every lookup by key goes through the key table to the read's own month."""

from __future__ import annotations

import importlib
import json
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.reads.choices import ItemStatus
from apps.reads.models import IngestBatch, Read, ReadKey
from apps.reads.partitions import month_add, month_start, partition_create, partition_name, partitions_ensure
from apps.reads.selectors import reads_by_keys
from apps.reads.services.agents import read_superseding_preview
from apps.reads.services.ingest import read_batch_ingest
from tests.reads.conftest import iso, lock_wait_seen, partition_of, partitioned_only

pytestmark = partitioned_only

MIGRATION = importlib.import_module("apps.reads.migrations.0015_read_keys_unique")


def _item(key, moment, plate="7ABC123"):
    return {"read_id": key, "plate": plate, "captured_at": iso(moment), "region": "CA", "confidence": 91.0}


def _orm_read(camera, key, moment) -> Read:
    read = Read(camera=camera, source_read_id=key, source=camera.kind, plate_read="7XYZ999", plate_normalized="7XYZ999",
                plate_current="7XYZ999", region="CA", captured_at=moment, received_at=moment, confidence=90.0)
    read.save(force_insert=True)
    return read


def _unique_by_key(tables_sql: str) -> list[tuple[str, str]]:
    """(table, index) of every unique index holding source_read_id on the tables ``tables_sql`` selects."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text FROM pg_index i "  # noqa: S608
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
            f"WHERE i.indisunique AND a.attname = 'source_read_id' AND i.indrelid IN ({tables_sql}) "
            "ORDER BY 1, 2")
        return cursor.fetchall()


READS_TREE = "SELECT relid FROM pg_partition_tree('reads_read'::regclass)"


def _keys_add_definition() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('reads_read_keys_add'::regproc)")
        return cursor.fetchone()[0]


def test_a_second_read_under_a_key_is_refused_whatever_its_capture_time(camera):
    """R-READ-1: the model's read_unique_per_camera (camera, key), held on PostgreSQL by reads_readkey: a second read
    under the key, written past ingest (the ORM), fails — in another month as in the same instant."""
    now = timezone.now()
    first = read_batch_ingest(camera=camera, items=[_item("only-once", now - timedelta(minutes=5))])
    assert first.stored == 1
    for moment in (now - timedelta(days=40), now - timedelta(minutes=5)):
        with pytest.raises(IntegrityError, match="reads_readkey_pkey"), transaction.atomic():
            _orm_read(camera, "only-once", moment)
    assert Read.objects.filter(camera=camera, source_read_id="only-once").count() == 1
    assert ReadKey.objects.filter(camera_id=camera.pk, source_read_id="only-once").count() == 1


def test_no_partition_has_a_unique_index_by_key_and_new_ones_do_not_get_it(camera):
    now = timezone.now()
    read_batch_ingest(camera=camera, items=[_item("k-old", now - timedelta(days=70)), _item("k-new", now)])
    partitions_ensure()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conname LIKE 'read_unique_per_camera%%'")
        assert cursor.fetchone()[0] == 0
    assert _unique_by_key(READS_TREE) == []
    assert _unique_by_key("SELECT 'reads_readkey'::regclass") == [("reads_readkey", "reads_readkey_pkey")]

    later = month_add(month_start(now), 30)  # a month the manager makes later (and one out of the DEFAULT partition)
    partition_create(later)
    late = month_add(month_start(now), -10) + timedelta(days=1)  # no partition yet: the DEFAULT one, then its own
    assert read_batch_ingest(camera=camera, items=[_item("k-late", late)]).stored == 1
    partitions_ensure()
    assert partition_of(Read.objects.get(source_read_id="k-late").pk) == partition_name(month_start(late))
    assert _unique_by_key(READS_TREE) == []


def test_the_migration_goes_back_and_forth(camera):
    """Backwards rebuilds read_unique_per_camera on every partition under 0012's names (adopted by the parent, one
    index each) and the lenient trigger; forwards removes both again. Reads and keys are untouched."""
    now = timezone.now()
    read_batch_ingest(camera=camera, items=[_item("b-1", now - timedelta(days=70)), _item("b-2", now)])
    partitions_ensure()
    editor = SimpleNamespace(connection=connection)
    with connection.cursor() as cursor:  # the reads' deferred checks first (a migration runs in its own transaction)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert "DO NOTHING" not in _keys_add_definition()

    MIGRATION.backwards(None, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relid::regclass::text FROM pg_partition_tree('reads_read'::regclass) ORDER BY 1")
        tables = [row[0] for row in cursor.fetchall()]
    expected = sorted(("reads_read", "read_unique_per_camera") if table == "reads_read"
                      else (table, f"read_unique_per_camera_{table.removeprefix('reads_read_')}") for table in tables)
    assert _unique_by_key(READS_TREE) == expected
    assert "ON CONFLICT DO NOTHING" in _keys_add_definition()
    MIGRATION.backwards(None, editor)  # again: nothing more
    assert _unique_by_key(READS_TREE) == expected

    MIGRATION.forwards(None, editor)
    MIGRATION.forwards(None, editor)
    assert _unique_by_key(READS_TREE) == []
    assert "DO NOTHING" not in _keys_add_definition()
    assert sorted(ReadKey.objects.values_list("source_read_id", "read_id")) == sorted(
        Read.objects.values_list("source_read_id", "id"))


@pytest.mark.django_db(transaction=True)
def test_a_key_stored_meanwhile_past_the_lock_fails_the_batch_whole_with_a_503(camera_client, camera):
    """A writer that takes no key lock (here the ORM) stores a read under a key of the batch while the batch's INSERT
    runs: the key table refuses the batch's copy, the whole batch is rolled back (R-READ-1: nothing stored twice, no
    partial batch), the camera gets 503 with Retry-After — never a 500 — and its retry is answered read by read."""
    now = timezone.now()
    partitions_ensure()
    items = [_item("slipped", now - timedelta(minutes=3)), _item("other", now - timedelta(minutes=2), plate="8DEF456")]
    written, errors = threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                _orm_read(camera, "slipped", now - timedelta(days=40))
                written.set()
                with connection.cursor() as cursor:  # until the batch's INSERT waits on this key
                    if not lock_wait_seen(cursor, "%INSERT INTO reads_read %"):
                        raise AssertionError("the batch never waited for the key")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
            written.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(timeout=30)
    batches_before = IngestBatch.objects.count()
    # The duplicate check does not see the uncommitted key; the INSERT waits for it, then fails.
    response = camera_client.post("/api/v1/ingest/reads/", {"reads": items}, format="json")
    thread.join(timeout=60)
    assert not errors, errors
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "database_unavailable" and response["Retry-After"]
    assert sorted(Read.objects.filter(camera=camera).values_list("source_read_id", flat=True)) == ["slipped"]
    assert IngestBatch.objects.count() == batches_before

    retry = camera_client.post("/api/v1/ingest/reads/", {"reads": items}, format="json")
    assert retry.status_code == 200, retry.content
    results = retry.json()["results"]
    assert [r["status"] for r in results] == [ItemStatus.CONFLICT, ItemStatus.STORED]
    assert Read.objects.filter(camera=camera).count() == 2


def _reads_plans(queries) -> list[set[str]]:
    """For every captured query that reads reads_read: the relations its plan names."""
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if "reads_read" not in sql or "reads_readkey" in sql:
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            if isinstance(plan, str):
                plan = json.loads(plan)
            names, todo = set(), [plan[0]["Plan"]]
            while todo:
                node = todo.pop()
                if node.get("Relation Name"):
                    names.add(node["Relation Name"])
                todo.extend(node.get("Plans", []))
            plans.append(names)
    return plans


def test_lookups_by_key_go_through_the_key_table_to_one_partition(camera):
    """reads_by_keys (the OCR rerun's lookup) and the OpenALPR preview's lookup without a capture time: the keys are
    resolved in reads_readkey, the read is then read in its own month's partition only, not in every month."""
    now = timezone.now()
    old = now - timedelta(days=75)
    read_batch_ingest(camera=camera, items=[_item(f"uuid-{n}", now - timedelta(days=n * 25)) for n in range(5)])
    partitions_ensure()
    wanted = Read.objects.get(source_read_id="uuid-3")
    assert abs(wanted.captured_at - old) < timedelta(seconds=1)
    own = partition_name(month_start(wanted.captured_at))
    assert partition_of(wanted.pk) == own

    with CaptureQueriesContext(connection) as captured:
        found = reads_by_keys(camera_id=camera.pk, keys=["uuid-3", "never-sent"], fields=("id",))
    assert [read.pk for read in found] == [wanted.pk]
    assert "reads_readkey" in captured.captured_queries[0]["sql"]
    assert _reads_plans(captured.captured_queries) == [{own}]

    with CaptureQueriesContext(connection) as captured:
        superseded_by = read_superseding_preview(camera=camera, uuids=["frame-x", "uuid-3"], captured_at=None)
    assert superseded_by.pk == wanted.pk
    assert not any("source_read_id" in q["sql"] and "reads_readkey" not in q["sql"]
                   for q in captured.captured_queries)
    assert _reads_plans(captured.captured_queries) == [{own}]


def test_the_preview_lookup_with_a_capture_time_reads_its_window_only(camera):
    """With a capture time the preview's lookup (by key or by the uuids a final group lists in its metadata) reads
    the partitions of its ten-minute window."""
    now = timezone.now()
    moment = month_start(now - timedelta(days=1)) + timedelta(hours=12)  # in the past, its window in one month
    read_batch_ingest(camera=camera, items=[
        _item("by-key", moment - timedelta(minutes=1)),
        {**_item("listed", moment, plate="8DEF456"), "metadata": {"uuids": ["frame-7"]}},
        _item("far-away", now - timedelta(days=90))])
    partitions_ensure()
    stored = dict(Read.objects.values_list("source_read_id", "id"))
    with CaptureQueriesContext(connection) as captured:
        by_key = read_superseding_preview(camera=camera, uuids=["by-key"], captured_at=moment)
    assert by_key.pk == stored["by-key"]
    assert _reads_plans(captured.captured_queries) == [{partition_name(month_start(moment))}]
    listed = read_superseding_preview(camera=camera, uuids=["frame-7", "nothing"], captured_at=moment)
    assert listed.pk == stored["listed"]
    assert read_superseding_preview(camera=camera, uuids=["far-away"], captured_at=moment) is None
