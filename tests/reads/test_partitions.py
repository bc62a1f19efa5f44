"""Reads partitioned by capture month on PostgreSQL (issue #19): partitions made ahead by the beat job, a read for a
month without a partition stored in the DEFAULT partition and moved when its partition is made, searches that touch
only their window's partitions, retries stored once whatever capture time they carry (R-READ-1), the R-READ-2
trigger, the integrity triggers that replaced the foreign keys, and retention that empties whole months while held
reads stay (R-RET-2, R-RET-3, R-RET-4)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from apps.reads.choices import ItemStatus
from apps.reads.models import Read, ReadCorrection
from apps.reads.partitions import (
    DEFAULT,
    month_add,
    month_start,
    partition_name,
    partitions_ensure,
)
from apps.reads.selectors import read_search, read_search_build
from apps.reads.services.ingest import read_batch_ingest
from apps.reads.tasks import reads_partitions_ensure
from tests.reads.conftest import SEARCH, iso, partition_names, partition_of, partitioned_only, planned_partitions

pytestmark = partitioned_only


def _drop_partition(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE reads_read DETACH PARTITION {name}")
        cursor.execute(f"DROP TABLE {name}")


def test_the_beat_job_creates_the_coming_months_partitions(db):
    beat = settings.CELERY_BEAT_SCHEDULE["reads-partitions-ensure"]
    assert beat["task"] == "apps.reads.tasks.reads_partitions_ensure"
    now = month_start(timezone.now())
    coming = [partition_name(month_add(now, offset)) for offset in range(4)]
    for name in coming[1:]:
        if name in partition_names():
            _drop_partition(name)
    assert not set(coming[1:]) & partition_names()

    outcome = reads_partitions_ensure.apply().get()

    assert set(coming) <= partition_names()
    assert set(outcome["created"]) == set(coming[1:])
    assert reads_partitions_ensure.apply().get()["created"] == []  # idempotent


def test_a_read_for_a_month_without_partition_is_stored_then_moved_into_its_new_partition(camera, make_user):
    captured = timezone.now() - timedelta(days=200)
    name = partition_name(month_start(captured))
    assert name not in partition_names()
    result = read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(captured),
                                                      "read_id": "late-1"}])
    assert result.stored == 1
    read = Read.objects.get(camera=camera, source_read_id="late-1")
    assert partition_of(read.pk) == DEFAULT  # stored, never refused
    correction = ReadCorrection.objects.create(read=read, previous_plate="7ABC123", corrected_plate="7ABC128",
                                               reason="Misread 8", corrected_by=make_user())

    outcome = partitions_ensure()

    assert name in outcome["created"] and outcome["moved_from_default"] == 1
    assert partition_of(read.pk) == name
    moved = Read.objects.get(pk=read.pk)
    assert (moved.plate_read, moved.captured_at, moved.source_read_id) == ("7ABC123", read.captured_at, "late-1")
    assert ReadCorrection.objects.get(pk=correction.pk).read_id == read.pk
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {DEFAULT}")  # noqa: S608 - constant
        assert cursor.fetchone()[0] == 0
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the integrity triggers accept the moved read
    # The same read sent again after the move is still a duplicate.
    again = read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(captured),
                                                     "read_id": "late-1"}])
    assert again.duplicates == 1 and Read.objects.filter(source_read_id="late-1").count() == 1


def test_a_retry_with_another_capture_time_is_a_conflict_not_a_second_read(camera):
    now = timezone.now()
    first = read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(now - timedelta(days=1)),
                                                     "read_id": "same-key"}])
    other_month = now - timedelta(days=40)
    retry = read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(other_month),
                                                     "read_id": "same-key"}])
    assert first.stored == 1 and retry.stored == 0 and retry.conflicts == 1
    assert retry.results[0].status == ItemStatus.CONFLICT
    assert [d["field"] for d in retry.results[0].differences] == ["captured_at"]
    assert Read.objects.filter(camera=camera, source_read_id="same-key").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_different_capture_times_store_one_read(camera):
    """Two retries of one key racing, each with another capture time (so in different partitions): the unique
    constraint alone would let both in; the key lock stores one and reports the other as a conflict."""
    now = timezone.now()
    partitions_ensure()
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def send(days):
        try:
            barrier.wait(timeout=10)
            outcomes.append(read_batch_ingest(camera=camera, items=[
                {"plate": "7ABC123", "captured_at": iso(now - timedelta(days=days)), "read_id": "raced"}]))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(days,)) for days in (1, 40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert Read.objects.filter(camera=camera, source_read_id="raced").count() == 1
    assert sorted((o.stored, o.conflicts) for o in outcomes) == [(0, 1), (1, 0)]


def test_a_search_returns_reads_of_several_months_and_touches_only_its_window(camera, investigator):
    now = timezone.now()
    captures = [now - timedelta(days=days) for days in (3, 45, 80)]
    read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(moment), "read_id": f"m{n}"}
                                            for n, moment in enumerate(captures)])
    partitions_ensure()
    months = {partition_name(month_start(moment)) for moment in captures}
    assert len(months) >= 2 and {partition_of(r.pk) for r in Read.objects.all()} == months

    result = read_search(user=investigator, search=read_search_build(plate="7ABC123", start=now - timedelta(days=90),
                                                                     end=now), **SEARCH)
    assert result.total == 3

    # A window of the last two days: the plan of every query the search sends names only that window's partitions.
    start = now - timedelta(days=2)
    _result, planned = planned_partitions(lambda: read_search(
        user=investigator, search=read_search_build(plate="7ABC123", start=start, end=now), **SEARCH))
    window = {partition_name(month_start(start)), partition_name(month_start(now))}
    assert planned and planned <= window, planned


def test_originals_stay_immutable_and_references_are_checked(camera, make_user):
    now = timezone.now()
    read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(now), "read_id": "imm"}])
    read = Read.objects.get(source_read_id="imm")
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Read.objects.filter(pk=read.pk).update(plate_read="8XYZ999")
    # A correction of a read that does not exist is refused, as the foreign key did.
    with pytest.raises(IntegrityError, match="refers to no read"), transaction.atomic():
        ReadCorrection.objects.create(read_id=read.pk + 10_000, previous_plate="7ABC123", corrected_plate="7ABC128",
                                      reason="x", corrected_by=make_user())
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # A read still referred to cannot be deleted behind Django's back.
    ReadCorrection.objects.create(read=read, previous_plate="7ABC123", corrected_plate="7ABC128", reason="x",
                                  corrected_by=make_user())
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the correction of an existing read is accepted
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    with pytest.raises(IntegrityError, match="still referred to"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("DELETE FROM reads_read WHERE id = %s", [read.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Django's on_delete still cascades (corrections go with the read).
    Read.objects.filter(pk=read.pk).delete()
    assert not ReadCorrection.objects.filter(read_id=read.pk).exists()


def test_deleting_a_read_checks_its_references_without_probing_every_month(camera):
    """The deferred check that a deleted read leaves nothing referring to it looked for the read by id in every month
    partition, for every read deleted: the nightly purge of one day's 1M reads among 100M crawled (about 150 reads a
    second). It now asks the referring tables first and never touches another month's partition: the index and
    sequential scans this transaction made (pg_stat_xact_user_tables) are compared around the delete and its check."""
    now = timezone.now()
    read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(now - timedelta(days=days)),
                                             "read_id": f"m{days}"} for days in (0, 40, 80)])
    read = Read.objects.get(source_read_id="m0")
    own = partition_of(read.pk)
    months = {partition_of(r.pk) for r in Read.objects.all()} | partition_names()
    scans = ("SELECT relname, coalesce(idx_scan, 0) + coalesce(seq_scan, 0) FROM pg_stat_xact_user_tables "
             "WHERE relname LIKE 'reads_read_%%'")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(scans)
        before = dict(cursor.fetchall())
        cursor.execute("DELETE FROM reads_read WHERE id = %s AND captured_at = %s", [read.pk, read.captured_at])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred check runs now, inside this transaction
        cursor.execute(scans)
        touched = {name for name, count in cursor.fetchall() if count > before.get(name, 0)}
        transaction.set_rollback(True)
    assert len(months) >= 3 and own in touched
    assert not touched & (months - {own}), touched


def _function_calls(cursor, name: str) -> int:
    """PL/pgSQL calls of ``name`` made so far in this transaction (``track_functions`` on for this session)."""
    cursor.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions WHERE funcname = %s", [name])
    return cursor.fetchone()[0]


def test_a_deleted_read_still_referred_to_is_refused_once_per_statement(camera, make_user):
    """The reference rule behind the foreign keys (a deleted read may leave nothing referring to it) is checked once
    per DELETE statement over all its reads, not once per read at commit (issue #19: the nightly purge paid a function
    call per read): a delete of several reads, one of them still corrected, is refused as a whole and leaves every
    read; the purge's shape — the parts deleted in the same statement as the reads — is accepted."""
    now = timezone.now()
    read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(now - timedelta(minutes=n)),
                                             "read_id": f"del{n}"} for n in range(3)])
    reads = list(Read.objects.filter(source_read_id__startswith="del").order_by("source_read_id"))
    ReadCorrection.objects.create(read=reads[1], previous_plate="7ABC123", corrected_plate="7ABC128", reason="x",
                                  corrected_by=make_user())
    ids = [r.pk for r in reads]
    with pytest.raises(IntegrityError, match=f"read {reads[1].pk} is still referred to"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("DELETE FROM reads_read WHERE id = ANY(%s)", [ids])  # refused here, not only at commit
    assert Read.objects.filter(pk__in=ids).count() == 3

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL track_functions = 'pl'")
        cursor.execute("WITH parts AS (DELETE FROM reads_readcorrection c WHERE c.read_id = ANY(%s)) "
                       "DELETE FROM reads_read WHERE id = ANY(%s)", [ids, ids])
        assert cursor.rowcount == 3
        assert _function_calls(cursor, "reads_read_delete_check_statement") == 1  # one check for the statement
        assert _function_calls(cursor, "reads_read_delete_check") == 0  # the per-read check of 0012/0016 is gone
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # nothing left dangling
    assert not Read.objects.filter(pk__in=ids).exists()
    assert not ReadCorrection.objects.filter(read_id__in=ids).exists()


def test_a_read_moved_out_of_the_default_partition_keeps_its_references(camera, make_user):
    """The partition manager deletes a month's reads from the DEFAULT partition and puts them into their new
    partition in one transaction: a correction of such a read still refers to it afterwards, and nothing fails."""
    month = month_add(month_start(timezone.now()), -30)
    name = partition_name(month)
    if name in partition_names():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")  # noqa: S608 - a partition name
            assert not cursor.fetchone()[0]
        _drop_partition(name)
    from tests.holds.helpers import make_read

    read = make_read(camera, days_ago=(timezone.now() - month - timedelta(days=3)).total_seconds() / 86400)
    assert partition_of(read.pk) == DEFAULT
    correction = ReadCorrection.objects.create(read=read, previous_plate="7ABC123", corrected_plate="7ABC128",
                                               reason="x", corrected_by=make_user())
    partitions_ensure()
    assert partition_of(read.pk) == name
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the correction's own check: its read exists
    assert ReadCorrection.objects.get(pk=correction.pk).read_id == read.pk


def test_archiving_calls_no_function_per_read_and_originals_stay_immutable(camera):
    """R-READ-2's check is the update trigger's condition: archiving (``archived_at`` only) calls no function per
    read (issue #19: one PL/pgSQL call per read archived), and a change of an original column is still refused."""
    now = timezone.now()
    read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(now - timedelta(minutes=n)),
                                             "read_id": f"arc{n}"} for n in range(3)])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL track_functions = 'pl'")
        cursor.execute("UPDATE reads_read SET archived_at = now() WHERE source_read_id LIKE 'arc%%'")
        assert cursor.rowcount == 3
        assert _function_calls(cursor, "reads_read_refuse_original_change") == 0
    for change in ("plate_read = '8XYZ999'", "captured_at = captured_at - interval '1 second'",
                   "metadata = '{\"x\": 1}'::jsonb", "latitude = latitude + 1"):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE reads_read SET {change} WHERE source_read_id = 'arc0'")  # noqa: S608 - constants


def test_the_update_triggers_condition_names_every_column_the_refusing_function_compares(db):
    """R-READ-2: the trigger calls the refusing function only when its condition sees a changed column, so a column
    the function compares but the condition leaves out could be changed freely. Read from the database itself: the
    columns the function's body compares (``NEW.x``) are all in the trigger's ``WHEN``."""
    import re

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('reads_read_refuse_original_change'::regproc)")
        compared = set(re.findall(r"NEW\.(\w+)", cursor.fetchone()[0]))
        cursor.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'reads_read_originals_immutable' "
                       "AND tgrelid = 'reads_read'::regclass")
        condition = set(re.findall(r"new\.(\w+)", cursor.fetchone()[0], flags=re.IGNORECASE))
    assert {"plate_read", "captured_at", "vehicle_make", "metadata"} <= compared
    assert compared - condition == set()
