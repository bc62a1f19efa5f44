"""Retention over reads partitioned by capture month on PostgreSQL (issue #19): a month past its period is emptied
as a whole — its reads' parts first, images queued — while held reads stay, also when a hold spans a month boundary
(R-RET-2, R-RET-3, R-RET-4); a month with too much to keep goes row by row."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.reads.models import Read, ReadCorrection, ReadPlateMonths
from apps.reads.partitions import month_add, month_start, partition_name, partitions_ensure
from tests.reads.conftest import partition_busy, partition_names, partition_of, partitioned_only, plate_months

pytestmark = partitioned_only


def _fresh_partitions(*moments) -> None:
    """Drop (in the test's transaction) the empty partitions of these months that other tests left committed, so
    the reads made next land in the DEFAULT partition and ``partitions_ensure`` builds these months afresh."""
    names = partition_names()
    with connection.cursor() as cursor:
        for moment in moments:
            name = partition_name(month_start(moment))
            if name in names:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")  # noqa: S608 - a partition name
                assert not cursor.fetchone()[0]
                cursor.execute(f"ALTER TABLE reads_read DETACH PARTITION {name}")
                cursor.execute(f"DROP TABLE {name}")


def _month_reads(camera, start, count, *, archived_days_ago=400, first_minutes=60, step=-1):
    from tests.holds.helpers import make_read

    now = timezone.now()
    reads = []
    for n in range(count):
        moment = start + timedelta(minutes=first_minutes * step + n * step)
        reads.append(make_read(camera, days_ago=(now - moment).total_seconds() / 86400,
                               archived_days_ago=archived_days_ago, images=n == 0))
    return reads


def test_retention_empties_whole_months_and_keeps_a_hold_spanning_the_boundary(
        camera, detective, boss, make_user, run_retention, policy, settings, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    from apps.holds.choices import HoldGround, ScopeKind
    from apps.holds.services.request import hold_request
    from apps.retention.choices import RunStatus
    from tests.events import domain_events
    from tests.holds.helpers import approve_and_verify

    settings.PORTAL = {**settings.PORTAL, "RETENTION_PARTITION_KEEP_MAX_SHARE": 0.5}
    policy(read_retention_days=730, archive_purge_days=365)
    boundary = month_start(timezone.now() - timedelta(days=1150)).astimezone(UTC)
    _fresh_partitions(boundary - timedelta(hours=1), boundary, month_add(boundary, -3))
    before = _month_reads(camera, boundary, 6)                        # the last hours of one month
    after = _month_reads(camera, boundary, 6, step=1)                 # the first hours of the next
    alone = _month_reads(camera, month_add(boundary, -3), 3, step=1)  # a month with no hold at all
    held = [before[1], after[1]]
    # An investigator cannot see (so cannot hold) archived reads: hold them first, then they were archived long ago.
    archived_at = before[1].archived_at
    Read.objects.filter(pk__in=[r.pk for r in held]).update(archived_at=None)
    hold = hold_request(actor=detective, case_number="24-000999", reason="Evidence.", ground=HoldGround.EVIDENCE,
                        contact="x", scope_kind=ScopeKind.READS, read_ids=[r.pk for r in held])
    approve_and_verify(boss=boss, hold=hold)
    Read.objects.filter(pk__in=[r.pk for r in held]).update(archived_at=archived_at)
    corrector = make_user()
    gone_correction = ReadCorrection.objects.create(read=before[2], previous_plate="7ABC123",
                                                    corrected_plate="7ABC128", reason="x", corrected_by=corrector)
    kept_correction = ReadCorrection.objects.create(read=after[1], previous_plate="7ABC123",
                                                    corrected_plate="7ABC128", reason="x", corrected_by=corrector)
    partitions_ensure()
    months = [partition_name(boundary - timedelta(hours=1)), partition_name(boundary), partition_name(alone[0]
                                                                                                      .captured_at)]
    assert {partition_of(r.pk) for r in before} == {months[0]} and {partition_of(r.pk) for r in after} == {months[1]}

    with django_capture_on_commit_callbacks(execute=True):
        run = run_retention(batch_size=2)

    assert run.status == RunStatus.SUCCEEDED, run.errors
    left = set(Read.objects.values_list("pk", flat=True))
    assert left == {r.pk for r in held}  # held reads on both sides of the boundary, untouched
    assert all(Read.objects.get(pk=r.pk).plate_read == r.plate_read for r in held)
    counts = run.counts["reads.purge"]
    assert counts["purged"] == 13 and counts["partitions_emptied"] == 3 and counts["held_kept"] == 2
    assert counts["partitions_dropped"] == 1 and months[2] not in partition_names()
    assert {months[0], months[1]} <= partition_names()
    assert not ReadCorrection.objects.filter(pk=gone_correction.pk).exists()  # the parts went first
    assert ReadCorrection.objects.filter(pk=kept_correction.pk).exists()
    assert not default_storage.exists(before[0].vehicle_image.name)  # the purged reads' images are gone
    # The plate → month summary (issue #19) keeps only what the held reads stand for (TRUNCATE fires no trigger).
    assert plate_months() == {
        (r.plate_current, month_start(r.captured_at).date()) for r in held}
    assert domain_events("alprportal.retention.run.", target=run)[-1] == "alprportal.retention.run.succeeded"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no reference left dangling


def test_retention_of_a_month_with_too_many_reads_to_keep_goes_row_by_row(camera, run_retention, policy, settings):
    settings.PORTAL = {**settings.PORTAL, "RETENTION_PARTITION_KEEP_MAX_SHARE": 0.2}
    policy(read_retention_days=730, archive_purge_days=365)
    boundary = month_start(timezone.now() - timedelta(days=1150))
    due = _month_reads(camera, boundary, 2)
    not_yet = _month_reads(camera, boundary, 2, archived_days_ago=10, first_minutes=600)  # archived only lately
    partitions_ensure()
    run = run_retention(batch_size=10)
    assert set(Read.objects.values_list("pk", flat=True)) == {r.pk for r in not_yet}
    assert run.counts["reads.purge"]["purged"] == len(due)
    assert "partitions_emptied" not in run.counts["reads.purge"]


@pytest.mark.django_db(transaction=True)
def test_a_busy_month_is_purged_row_by_row_and_nothing_waits_long(camera, run_retention, policy, settings):
    """A long search or export holding the month partition: retention does not wait past its lock timeout; it
    counts the partition busy and the row-by-row batches purge the month's due reads anyway."""
    settings.PORTAL = {**settings.PORTAL, "READS_PARTITION_LOCK_TIMEOUT_SECONDS": 1, "RETENTION_WORKERS": 1}
    policy(read_retention_days=730, archive_purge_days=365)
    boundary = month_start(timezone.now() - timedelta(days=1150))
    due = _month_reads(camera, boundary, 4)
    partitions_ensure()
    busy = partition_of(due[0].pk)
    with partition_busy(busy):
        run = run_retention(batch_size=10)
    counts = run.counts["reads.purge"]
    assert counts["partitions_busy"] == 1 and "partitions_emptied" not in counts
    assert counts["purged"] == 4 and not Read.objects.filter(pk__in=[r.pk for r in due]).exists()
    assert not ReadPlateMonths.objects.exists()  # purged row by row: the summary rows went with the reads
    assert busy in partition_names()  # dropped on a later run, when nobody holds it


def test_batches_touch_only_their_own_reads_when_row_positions_repeat_across_months(camera, run_retention, policy):
    """Each month partition numbers its rows from the start, so a row position (ctid) repeats across months: the
    archive and purge batches must act on the reads they chose, never on another month's read at the same spot."""
    from tests.holds.helpers import make_read

    policy(read_retention_days=730, archive_purge_days=365)
    now = timezone.now()
    _fresh_partitions(*(now - timedelta(days=days) for days in (800, 1300, 1300.01, 1, 760)))
    to_archive = make_read(camera, days_ago=800)                          # due for archiving
    to_purge = make_read(camera, days_ago=1300, archived_days_ago=400)   # due for purging
    recent = make_read(camera, days_ago=1)                                # due for nothing
    archived_lately = make_read(camera, days_ago=760, archived_days_ago=20)
    # Not yet due, in to_purge's month: that month has too much to keep to go whole, so the row batches purge it.
    neighbour = make_read(camera, days_ago=1300.01, archived_days_ago=20)
    partitions_ensure()
    reads = (to_archive, to_purge, recent, archived_lately, neighbour)
    with connection.cursor() as cursor:
        cursor.execute("SELECT ctid::text FROM reads_read WHERE id = ANY(%s)", [[r.pk for r in reads]])
        assert len({row[0] for row in cursor.fetchall()}) <= 2  # five reads, at most two positions

    run = run_retention(batch_size=10)

    assert run.counts["reads.archive"]["archived"] == 1 and run.counts["reads.purge"]["purged"] == 1
    assert Read.objects.get(pk=to_archive.pk).archived_on is not None
    assert not Read.objects.filter(pk=to_purge.pk).exists()
    assert Read.objects.get(pk=recent.pk).archived_on is None
    assert Read.objects.get(pk=archived_lately.pk).archived_on == archived_lately.archived_at
    assert Read.objects.get(pk=neighbour.pk).archived_on == neighbour.archived_at
    assert "partitions_emptied" not in run.counts["reads.purge"]


def test_a_night_across_a_month_boundary_goes_row_by_row_and_a_hold_spanning_it_stays_untouched(
        camera, detective, boss, run_retention, policy, settings, django_capture_on_commit_callbacks):
    """The nightly batches of a night that straddles a month boundary (issue #19: each batch's statement is planned
    for the partitions of its own capture-time range): batches of three reads cross from one month into the next, the
    held reads on both sides are neither archived nor purged (R-RET-3), every other read is archived (R-RET-1) and
    then purged with its key, its plate-month row and its image files (R-RET-2)."""
    from django.core.files.storage import default_storage

    from apps.holds.choices import HoldGround, ScopeKind
    from apps.holds.services.request import hold_request
    from apps.reads.models import ReadKey
    from tests.holds.helpers import approve_and_verify, archived_pks

    settings.PORTAL = {**settings.PORTAL, "RETENTION_PARTITION_KEEP_MAX_SHARE": 0.0}  # never a whole month here
    policy(read_retention_days=730, archive_purge_days=365)
    boundary = month_start(timezone.now() - timedelta(days=1000)).astimezone(UTC)
    _fresh_partitions(boundary - timedelta(hours=1), boundary)
    before = _month_reads(camera, boundary, 5, archived_days_ago=None)          # the month's last hours
    after = _month_reads(camera, boundary, 5, archived_days_ago=None, step=1)   # the next month's first hours
    partitions_ensure()
    assert len({partition_of(r.pk) for r in before + after}) == 2
    held = [before[2], after[0]]
    hold = hold_request(actor=detective, case_number="24-000998", reason="Evidence.", ground=HoldGround.EVIDENCE,
                        contact="x", scope_kind=ScopeKind.READS, read_ids=[r.pk for r in held])
    approve_and_verify(boss=boss, hold=hold)
    others = [r for r in before + after if r not in held]

    first = run_retention(batch_size=3)
    assert first.counts["reads.archive"]["archived"] == 8 and first.counts["reads.archive"]["held_kept"] == 2
    assert archived_pks(others) == {r.pk for r in others} and not archived_pks(held)
    # Archived long enough ago to be purged by the next night.
    Read.objects.filter(pk__in=[r.pk for r in others]).update(archived_at=timezone.now() - timedelta(days=400))

    with django_capture_on_commit_callbacks(execute=True):
        second = run_retention(batch_size=3)
    counts = second.counts["reads.purge"]
    assert counts["purged"] == 8 and counts["held_kept"] == 0 and "partitions_emptied" not in counts
    assert set(Read.objects.filter(pk__in=[r.pk for r in before + after]).values_list("pk", flat=True)) == {
        r.pk for r in held}
    for read in held:  # untouched: not archived, originals as captured, key and plate-month row kept
        stored = Read.objects.get(pk=read.pk)
        assert stored.archived_on is None and stored.plate_read == read.plate_read
        assert stored.captured_at == read.captured_at
        assert ReadKey.objects.filter(camera_id=camera.pk, source_read_id=read.source_read_id, read_id=read.pk).exists()
    assert not ReadKey.objects.filter(read_id__in=[r.pk for r in others]).exists()
    night_months = {month_start(r.captured_at).date() for r in before + after}
    assert {(plate, month) for plate, month in plate_months() if month in night_months} == {
        (r.plate_current, month_start(r.captured_at).date()) for r in held}
    gone_images = [r.vehicle_image.name for r in others if r.vehicle_image]
    assert gone_images and not any(default_storage.exists(name) for name in gone_images)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no reference left dangling


@pytest.mark.django_db(transaction=True)
def test_two_workers_empty_months_side_by_side_and_a_plate_shared_by_the_months_does_not_stall_them(
        camera, detective, boss, run_retention, policy, settings):
    """With RETENTION_WORKERS=2 the whole-month purge shares the months among two workers (each month its own
    transaction on its own connection). All reads carry the same plate, so both workers update the same plate-month
    row (reads_readplatemonths): one waits for the other's commit, neither deadlocks. Held reads stay (R-RET-3),
    every other read goes with its key and its plate-month (R-RET-2), the emptied months are dropped."""
    import threading

    from apps.holds.choices import HoldGround, ScopeKind
    from apps.holds.services.request import hold_request
    from apps.reads.models import ReadKey
    from tests.holds.helpers import approve_and_verify

    settings.PORTAL = {**settings.PORTAL, "RETENTION_PARTITION_KEEP_MAX_SHARE": 0.5, "RETENTION_WORKERS": 2}
    policy(read_retention_days=730, archive_purge_days=365)
    first = month_start(timezone.now() - timedelta(days=1500)).astimezone(UTC)
    starts = [month_add(first, n) for n in range(4)]
    _fresh_partitions(*(start + timedelta(days=1) for start in starts))
    months = [_month_reads(camera, start + timedelta(days=2), 4) for start in starts]
    held = months[1][0]
    archived_at = held.archived_at
    Read.objects.filter(pk=held.pk).update(archived_at=None)  # held while visible, then archived long ago
    hold = hold_request(actor=detective, case_number="24-000998", reason="Evidence.", ground=HoldGround.EVIDENCE,
                        contact="x", scope_kind=ScopeKind.READS, read_ids=[held.pk])
    approve_and_verify(boss=boss, hold=hold)
    Read.objects.filter(pk=held.pk).update(archived_at=archived_at)
    partitions_ensure()
    names = [partition_of(reads[0].pk) for reads in months]
    assert len(set(names)) == 4

    threads = set()

    def note(step, count):
        if step == "reads.purge" and count:
            threads.add(threading.current_thread().name)

    run = run_retention(batch_size=2, after_batch=note)

    counts = run.counts["reads.purge"]
    assert counts["purged"] == 15 and counts["partitions_emptied"] == 4 and counts["held_kept"] == 1, counts
    assert set(Read.objects.values_list("pk", flat=True)) == {held.pk}
    assert set(ReadKey.objects.values_list("read_id", flat=True)) == {held.pk}
    assert plate_months() == {(held.plate_current, month_start(held.captured_at).date())}
    left = partition_names()  # (an empty month other tests left is dropped too)
    assert names[1] in left and not {names[0], names[2], names[3]} & left
    assert len(threads) == 2, threads  # both workers emptied months
    with connection.cursor() as cursor:  # committed: leave no month behind for the other tests to find
        cursor.execute(f"ALTER TABLE reads_read DETACH PARTITION {names[1]}")
        cursor.execute(f"DROP TABLE {names[1]}")
