"""Plate search over reads partitioned by month (issue #19, R-READ-4): an exact search plans only the months that hold
its plate (the plate → month summary), and still returns every match of its window in newest-first order; the
summary follows ingest, corrections and purges; suffix patterns go through the reverse-plate index."""

from __future__ import annotations

import threading
from datetime import UTC, date, timedelta

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from apps.reads.models import Read, ReadPlateMonths, month_number
from apps.reads.partitions import DEFAULT, month_start, partition_name, partitions_ensure
from apps.reads.selectors import read_search, read_search_build, read_search_where
from apps.reads.services.corrections import read_correct
from tests.holds.helpers import make_read
from tests.reads.conftest import (
    SEARCH,
    correction_context,
    lock_wait_seen,
    partitioned_only,
    planned_partitions,
    plate_months,
    transaction_held,
)

pytestmark = partitioned_only


def _month(moment) -> date:
    return month_start(moment).date()


def _summary() -> set[tuple[str, date]]:
    return plate_months()


def test_an_exact_search_over_its_whole_window_plans_only_the_months_holding_the_plate(camera, investigator):
    now = timezone.now()
    days = settings.PORTAL["READ_SEARCH_MAX_DAYS"]
    wanted = [make_read(camera, plate="7ABC123", days_ago=ago) for ago in (2, 3, 70, 400, days - 5)]
    others = [make_read(camera, plate="8XYZ999", days_ago=ago) for ago in (40, 200, 600)]
    make_read(camera, plate="7ABC123", days_ago=days + 40)  # outside the window
    partitions_ensure()
    months = {partition_name(month_start(read.captured_at)) for read in wanted}

    def search(page=1):
        return read_search(user=investigator, search=read_search_build(
            plate="7ABC123", start=now - timedelta(days=days), end=now), page=page, page_size=2, **SEARCH)

    first, planned = planned_partitions(search)
    assert planned and planned <= months, planned
    assert not planned & {partition_name(month_start(read.captured_at)) for read in others}
    newest_first = [read.pk for read in sorted(wanted, key=lambda read: read.captured_at, reverse=True)]
    assert first.total == 5
    assert [read.pk for read in first.reads] == newest_first[:2]
    assert [read.pk for read in search(page=2).reads] == newest_first[2:4]
    assert [read.pk for read in search(page=3).reads] == newest_first[4:]
    assert all(read.camera.pk == camera.pk for read in first.reads)  # loaded whole, camera included

    never, planned = planned_partitions(lambda: read_search(user=investigator, search=read_search_build(
        plate="3NEVER1", start=now - timedelta(days=days), end=now), **SEARCH))
    assert never.total == 0 and never.reads == [] and planned == set()
    assert never.access_log.result_count == 0  # the search is still logged (R-AUD-1)


def test_archived_reads_stay_hidden_and_the_summary_does_not_widen_a_search(camera, investigator, sysadmin):
    now = timezone.now()
    live = make_read(camera, plate="7ABC123", days_ago=5)
    archived = make_read(camera, plate="7ABC123", days_ago=6, archived_days_ago=1)
    make_read(camera, plate="7ABC124", days_ago=5)
    search = read_search_build(plate="7ABC123", start=now - timedelta(days=30), end=now)
    assert [read.pk for read in read_search(user=investigator, search=search, **SEARCH).reads] == [live.pk]
    assert [read.pk for read in read_search(user=sysadmin, search=search, **SEARCH).reads] == [live.pk, archived.pk]
    # A stale summary row (a month with no read of the plate any more) changes nothing: the plate still decides.
    row = ReadPlateMonths.objects.get(plate="7ABC123")
    row.months = sorted([*row.months, month_number(_month(now - timedelta(days=200)))])
    row.save()
    wide = read_search_build(plate="7ABC123", start=now - timedelta(days=300), end=now)
    assert read_search(user=investigator, search=wide, **SEARCH).total == 1


def test_the_summary_follows_ingest_corrections_and_deletes(camera, store_reads, investigator):
    now = timezone.now()
    first, second = store_reads([("7ABC123", 5), ("7ABC123", 6)])
    old = make_read(camera, plate="5OLD555", days_ago=100)
    month, old_month = _month(now - timedelta(minutes=5)), _month(old.captured_at)
    assert {("7ABC123", month), ("5OLD555", old_month)} <= _summary()

    corrector = investigator
    read_correct(actor=corrector, read=Read.objects.get(pk=first), corrected_plate="7ABC128", reason="Crop shows 8.",
                 context=correction_context())
    # The other read of the month still carries 7ABC123: its row stays; the corrected plate's month is added.
    assert {("7ABC123", month), ("7ABC128", month)} <= _summary()
    read_correct(actor=corrector, read=Read.objects.get(pk=second), corrected_plate="7ABC128", reason="Same car.",
                 context=correction_context())
    assert ("7ABC123", month) not in _summary() and ("7ABC128", month) in _summary()
    search = read_search_build(plate="7ABC128", start=now - timedelta(days=1), end=now)
    assert read_search(user=corrector, search=search, **SEARCH).total == 2

    Read.objects.filter(pk=old.pk).delete()  # a row-by-row purge deletes reads like this
    assert ("5OLD555", old_month) not in _summary()
    Read.objects.filter(pk=first).delete()
    assert ("7ABC128", month) in _summary()  # the month still holds the other read
    Read.objects.filter(pk=second).delete()
    assert ("7ABC128", month) not in _summary()


def test_suffix_patterns_are_matched_through_the_reverse_plate_index(camera, investigator):
    now = timezone.now()
    plates = ["7ABC123", "8XYZ123", "7ABC124", "123", "7ABC1234", "9QQ0123", "7AXY123", "7AB0123", "6AXY123"]
    for n, plate in enumerate(plates):
        make_read(camera, plate=plate, days_ago=1 + n / 100)

    def found(pattern):
        search = read_search_build(plate=pattern, start=now - timedelta(days=30), end=now)
        return sorted(read.plate_current for read in read_search(user=investigator, search=search, page_size=100,
                                                                 **SEARCH).reads)

    assert found("*123") == ["123", "6AXY123", "7AB0123", "7ABC123", "7AXY123", "8XYZ123", "9QQ0123"]
    assert found("?ABC123") == ["7ABC123"]
    # more known characters at the end than at the start: from the end too, same plates as a forward match
    assert found("7A??123") == ["7AB0123", "7ABC123", "7AXY123"]
    assert found("7?XY123") == ["7AXY123"]
    assert found("*C12?") == ["7ABC123", "7ABC124"]
    assert found("*BC12*") == ["7ABC123", "7ABC1234", "7ABC124"]
    assert found("*0?23") == ["7AB0123", "9QQ0123"]
    where, params = read_search_where(search=read_search_build(plate="*123", start=now - timedelta(days=30), end=now),
                                      include_archived=False)
    assert "reverse(r.plate_current) LIKE %s" in where and "321%" in params

    def matched_from_the_end(pattern):
        where, params = read_search_where(search=read_search_build(plate=pattern, start=now - timedelta(days=30),
                                                                   end=now), include_archived=False)
        return "reverse(r.plate_current) LIKE %s" in where

    assert matched_from_the_end("7A??123") and matched_from_the_end("?ABC123")
    # a tie, or more known at the start, keeps the forward index (read_plate_time)
    assert not any(map(matched_from_the_end, ["7AB?123", "7AB?12*", "7ABC*", "*C12?", "*BC12*"]))
    # On a handful of rows the planner prefers the time index; without it the suffix has a btree of its own.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT r.id, r.captured_at FROM reads_read r "
                       "WHERE reverse(r.plate_current) LIKE %s AND r.archived_at IS NULL", ["321%"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "read_plate_reverse" in plan and "read_plate_trgm" not in plan


def test_the_summary_months_are_utc_calendar_months(camera):
    # 23:30 UTC on the last day of a month is that month, whatever the portal's time zone.
    moment = month_start(timezone.now() - timedelta(days=60)).astimezone(UTC) - timedelta(minutes=30)
    read = make_read(camera, plate="7UTC777", days_ago=(timezone.now() - moment).total_seconds() / 86400)
    assert ("7UTC777", _month(read.captured_at)) in _summary()
    assert _month(read.captured_at) == date(moment.year, moment.month, 1)


def test_deleting_reads_waiting_in_the_default_partition_keeps_the_summary_exact(camera):
    from tests.reads.conftest import partition_of

    first, second = (make_read(camera, plate="6DEF606", days_ago=1500 + n / 24) for n in range(2))
    assert partition_of(first.pk) == partition_of(second.pk) == DEFAULT  # no partition for that month
    month = _month(first.captured_at)
    Read.objects.filter(pk=first.pk).delete()
    assert ("6DEF606", month) in _summary()  # the other read of the month still carries the plate
    Read.objects.filter(pk=second.pk).delete()
    assert ("6DEF606", month) not in _summary()


def _months_of(plate: str) -> set[date]:
    return {month for held, month in _summary() if held == plate}


def test_a_plate_has_one_summary_row_that_gains_and_loses_months_as_its_reads_come_and_go(
        camera, store_reads, investigator):
    now = timezone.now()
    old = make_read(camera, plate="4MNO444", days_ago=300)
    older = make_read(camera, plate="4MNO444", days_ago=500)
    partitions_ensure()
    (arrived,) = store_reads([("4MNO444", 3)])  # a read arriving through ingest for a plate the summary holds
    arrived = Read.objects.get(pk=arrived)
    months = {_month(old.captured_at), _month(older.captured_at), _month(arrived.captured_at)}
    assert ReadPlateMonths.objects.filter(plate="4MNO444").count() == 1
    assert _months_of("4MNO444") == months

    def found():
        search = read_search_build(plate="4MNO444", start=now - timedelta(days=settings.PORTAL["READ_SEARCH_MAX_DAYS"]),
                                   end=now)
        return sorted(read.pk for read in read_search(user=investigator, search=search, **SEARCH).reads)

    assert found() == sorted([old.pk, older.pk, arrived.pk])  # every read, across three partitions

    # A correction moves its month: the old plate keeps its other months, the new plate gains this one.
    read_correct(actor=investigator, read=Read.objects.get(pk=old.pk), corrected_plate="4MNO447",
                 context=correction_context(),
                 reason="Crop shows 7.")
    assert _months_of("4MNO444") == months - {_month(old.captured_at)}
    assert _months_of("4MNO447") == {_month(old.captured_at)}
    assert found() == sorted([older.pk, arrived.pk])

    # Purging a month's last read of the plate takes that month out; the plate's other month stays.
    Read.objects.filter(pk=older.pk).delete()
    assert _months_of("4MNO444") == {_month(arrived.captured_at)}
    assert found() == [arrived.pk]
    # And the row goes with the plate's last month.
    Read.objects.filter(pk=arrived.pk).delete()
    assert not ReadPlateMonths.objects.filter(plate="4MNO444").exists()
    assert found() == []


def test_a_batch_of_reads_of_one_plate_over_several_months_writes_its_row_once(camera, investigator):
    """One INSERT of reads of the same plate in several months (as the bulk loaders and a camera's catch-up batch
    send): the plate's row gets every month, and a repeat of months it already holds changes nothing."""
    now = timezone.now()
    reads = [make_read(camera, plate="2RST222", days_ago=ago) for ago in (1, 100)]
    partitions_ensure()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO reads_read (camera_id, source_read_id, source, plate_read, plate_normalized, "
                       "plate_current, region, captured_at, received_at, latitude, longitude, confidence) "
                       "SELECT camera_id, source_read_id || '-' || n, source, plate_read, plate_normalized, "
                       "plate_current, region, captured_at - make_interval(days => n), received_at, latitude, "
                       "longitude, confidence FROM reads_read, generate_series(30, 35) n WHERE id = %s", [reads[1].pk])
        cursor.execute("SELECT ctid::text FROM reads_readplatemonths WHERE plate = %s", ["2RST222"])
        (version,) = cursor.fetchone()
        cursor.execute("INSERT INTO reads_read (camera_id, source_read_id, source, plate_read, plate_normalized, "
                       "plate_current, region, captured_at, received_at, latitude, longitude, confidence) "
                       "SELECT camera_id, source_read_id || '-again', source, plate_read, plate_normalized, "
                       "plate_current, region, captured_at, received_at, latitude, longitude, confidence "
                       "FROM reads_read WHERE plate_current = %s", ["2RST222"])
        cursor.execute("SELECT ctid::text FROM reads_readplatemonths WHERE plate = %s", ["2RST222"])
        assert cursor.fetchone()[0] == version  # months it held already: no new row version written
    captured = Read.objects.filter(plate_current="2RST222").values_list("captured_at", flat=True)
    assert _months_of("2RST222") == {_month(moment) for moment in captured}
    assert len(_months_of("2RST222")) >= 3
    search = read_search_build(plate="2RST222", start=now - timedelta(days=300), end=now)
    assert read_search(user=investigator, search=search, **SEARCH).total == 16


def test_taking_a_month_out_of_a_plates_row_adds_nothing_to_the_summarys_index(camera):
    """Issue #19: every purged read takes its month out of its plate's row. With the summary's pages packed full, each
    such UPDATE wrote its new version on another page and a new entry into the primary key — at 100M reads a random
    leaf of a large index dirtied per read purged (docs/scaling.md). The summary keeps room on its pages (0021), so
    the new version stays on its page (a heap-only tuple) even when the page has been filled as far as it will be."""
    with connection.cursor() as cursor:  # a fresh table (rolled back with the test), its pages filled in order
        cursor.execute("TRUNCATE reads_readplatemonths")
    keep = make_read(camera, plate="6HOT600", days_ago=40)
    gone = make_read(camera, plate="6HOT600", days_ago=400)
    partitions_ensure()
    with connection.cursor() as cursor:  # the row's page filled up by plates that arrive after it
        cursor.execute("SELECT (ctid::text::point)[0]::int FROM reads_readplatemonths WHERE plate = '6HOT600'")
        page = cursor.fetchone()[0]
        cursor.execute("INSERT INTO reads_readplatemonths (plate, months) SELECT 'F' || g, ARRAY[24300::smallint] "
                       "FROM generate_series(100000, 100400) g")
        cursor.execute("SELECT count(*) FROM reads_readplatemonths WHERE (ctid::text::point)[0]::int = %s", [page])
        assert cursor.fetchone()[0] > 100  # the page is as full as it gets
        cursor.execute("SELECT pg_stat_get_xact_tuples_hot_updated('reads_readplatemonths'::regclass)")
        hot_before = cursor.fetchone()[0]
    Read.objects.filter(pk=gone.pk).delete()  # the purge's statement shape: a DELETE of reads_read
    assert _months_of("6HOT600") == {_month(keep.captured_at)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_tuples_hot_updated('reads_readplatemonths'::regclass)")
        assert cursor.fetchone()[0] == hot_before + 1, "the row's new version went to another page, with an index entry"
        cursor.execute("SELECT (ctid::text::point)[0]::int FROM reads_readplatemonths WHERE plate = '6HOT600'")
        assert cursor.fetchone()[0] == page


@pytest.mark.django_db(transaction=True)
def test_a_month_gained_while_a_purge_takes_one_out_keeps_the_plates_row(camera):
    """Issue #19 (0022): a purge deletes a plate's last read of an old month while an ingest batch, not yet committed,
    has just added this month to the same row. The purge's MERGE waits for the row; when the batch commits it judges
    the row as it now is: the old month goes, the row and this month stay — else an exact search would skip the month
    of the read that just arrived (the summary may hold too many months, never too few)."""
    old = make_read(camera, plate="5RACE55", days_ago=400)
    partitions_ensure()
    # the ingest batch: its insert trigger has added this month to the row, not yet committed
    with transaction_held(lambda: make_read(camera, plate="5RACE55", days_ago=0)):
        purge_errors = []

        def purge_read():
            try:
                Read.objects.filter(pk=old.pk).delete()
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                purge_errors.append(exc)
            finally:
                connections.close_all()

        purge = threading.Thread(target=purge_read)
        purge.start()
        with connection.cursor() as cursor:  # until the purge waits on the row the batch holds
            assert lock_wait_seen(cursor), "the purge never waited for the plate's row"
    purge.join(timeout=30)
    assert not purge_errors, purge_errors
    arrived = Read.objects.get(plate_current="5RACE55")
    assert _months_of("5RACE55") == {_month(arrived.captured_at)}
