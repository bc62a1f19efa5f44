"""A purged read's key goes with it, on both purge paths (a whole month emptied with TRUNCATE, and row by row), so the
camera may send that key again; a held read keeps its key, so a resend stays a duplicate or a conflict (issue #19,
R-RET-2, R-RET-3, R-READ-1)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.reads.choices import ItemStatus
from apps.reads.models import Read, ReadKey
from apps.reads.partitions import month_start, partitions_ensure
from apps.reads.services.ingest import read_batch_ingest
from tests.reads.conftest import iso, partitioned_only
from tests.retention.test_partitions import _fresh_partitions, _month_reads

pytestmark = partitioned_only


def _keys() -> dict[str, int]:
    return dict(ReadKey.objects.values_list("source_read_id", "read_id"))


def _resend(camera, read):
    return read_batch_ingest(camera=camera, items=[{
        "read_id": read.source_read_id, "plate": read.plate_read, "captured_at": iso(read.captured_at),
        "region": read.region, "confidence": read.confidence, "latitude": read.latitude,
        "longitude": read.longitude}]).results[0]


def _found(camera, read) -> int | None:
    """The stored read a resend of ``read`` was reported against (a duplicate, or a conflict where the resend lacks
    the images), None if the resend was stored as a new read."""
    result = _resend(camera, read)
    return result.id if result.status in (ItemStatus.DUPLICATE, ItemStatus.CONFLICT) else None


def _hold(detective, boss, reads):
    from apps.holds.choices import HoldGround, ScopeKind
    from apps.holds.services.request import hold_request
    from tests.holds.helpers import approve_and_verify

    # An investigator cannot see (so cannot hold) archived reads: hold them first, then they were archived long ago.
    archived_at = reads[0].archived_at
    Read.objects.filter(pk__in=[r.pk for r in reads]).update(archived_at=None)
    hold = hold_request(actor=detective, case_number="24-000998", reason="Evidence.", ground=HoldGround.EVIDENCE,
                        contact="x", scope_kind=ScopeKind.READS, read_ids=[r.pk for r in reads])
    approve_and_verify(boss=boss, hold=hold)
    Read.objects.filter(pk__in=[r.pk for r in reads]).update(archived_at=archived_at)


def test_a_month_emptied_whole_takes_its_keys_and_the_held_read_keeps_its_own(
        camera, detective, boss, run_retention, policy, settings):
    settings.PORTAL = {**settings.PORTAL, "RETENTION_PARTITION_KEEP_MAX_SHARE": 0.5}
    policy(read_retention_days=730, archive_purge_days=365)
    month = month_start(timezone.now() - timedelta(days=1150))
    _fresh_partitions(month)
    reads = _month_reads(camera, month, 5, step=1)
    kept = _month_reads(camera, timezone.now() - timedelta(days=2), 1)[0]  # a recent read, not due
    _hold(detective, boss, [reads[0]])
    partitions_ensure()
    assert _keys() == {r.source_read_id: r.pk for r in [*reads, kept]}

    run = run_retention(batch_size=10)

    assert run.counts["reads.purge"]["partitions_emptied"] == 1
    assert run.counts["reads.purge"]["purged"] == 4
    assert _keys() == {reads[0].source_read_id: reads[0].pk, kept.source_read_id: kept.pk}
    # The held read's key still finds it; a purged read's key is free again: the camera's resend is stored.
    assert [_found(camera, r) for r in (reads[0], kept)] == [reads[0].pk, kept.pk]
    again = _resend(camera, reads[1])
    assert again.status == ItemStatus.STORED and again.id != reads[1].pk
    assert ReadKey.objects.get(source_read_id=reads[1].source_read_id).read_id == again.id


def test_reads_purged_row_by_row_take_their_keys_and_held_reads_keep_theirs(
        camera, detective, boss, run_retention, policy, settings):
    settings.PORTAL = {**settings.PORTAL, "RETENTION_PARTITION_KEEP_MAX_SHARE": 0.2}  # too much kept: row by row
    policy(read_retention_days=730, archive_purge_days=365)
    month = month_start(timezone.now() - timedelta(days=1150))
    _fresh_partitions(month)
    due = _month_reads(camera, month, 3, step=1)
    not_yet = _month_reads(camera, month, 1, archived_days_ago=10, first_minutes=600, step=1)  # archived lately
    _hold(detective, boss, [due[0]])
    partitions_ensure()

    run = run_retention(batch_size=1)

    assert "partitions_emptied" not in run.counts["reads.purge"] and run.counts["reads.purge"]["purged"] == 2
    assert _keys() == {r.source_read_id: r.pk for r in [due[0], *not_yet]}
    assert _found(camera, due[0]) == due[0].pk
    assert _resend(camera, due[1]).status == ItemStatus.STORED
