"""The nightly passes split their reads over RETENTION_WORKERS parallel slices (R-RET-4, issue #19): each slice must
get about the same number of reads, or the night takes as long as with one worker."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.holds.choices import HoldGround, ScopeKind
from apps.holds.services.request import hold_request
from apps.reads.models import Read
from apps.reads.retention import reads_purge_archived
from apps.retention.engine import RunContext, slice_bounds
from apps.retention.selectors import retention_policy_current
from tests.factories import DeployingAgencyFactory
from tests.holds.helpers import approve_and_verify, make_camera, make_read


def _at(hour: int) -> datetime:
    return datetime(2024, 5, 1, tzinfo=UTC) + timedelta(hours=hour)


def test_slices_hold_the_same_number_of_reads_whatever_the_time_span():
    # One straggler a year before a night of reads spread evenly over 24 hours: cut in the middle of the night.
    buckets = [(_at(-8760), 1)] + [(_at(hour), 100) for hour in range(24)]
    assert slice_bounds(buckets, 2) == [_at(12)]
    assert slice_bounds(buckets, 3) == [_at(8), _at(16)]
    # A night all in one bucket cannot be cut: one slice.
    assert slice_bounds([(_at(0), 5000)], 2) == []
    assert slice_bounds([], 2) == []


def test_an_old_held_read_does_not_leave_the_whole_night_to_one_worker(transactional_db, make_user, settings):
    """An old read under an active hold (R-RET-3) stays for years. The slices used to split the time from the oldest
    candidate to the cutoff evenly, so with such a read the night's reads all fell in the last slice and one worker
    did everything while the other had nothing to do. (Archiving advances a watermark and has no rows to share any
    more; the purge still goes row by row, R-RET-2.)"""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("parallel slices are PostgreSQL only")
    settings.PORTAL = {**settings.PORTAL, "RETENTION_WORKERS": 2, "RETENTION_PARTITION_KEEP_MAX_SHARE": 0.0}
    agency = DeployingAgencyFactory()
    camera = make_camera(agency)
    boss = make_user(Role.SUPERVISOR, agency=agency)
    detective = make_user(Role.INVESTIGATOR, agency=agency, supervisor=boss)
    straggler = make_read(camera, days_ago=1500)
    hold = hold_request(actor=detective, case_number="24-000999", reason="Evidence.", ground=HoldGround.EVIDENCE,
                        contact="x", scope_kind=ScopeKind.READS, read_ids=[straggler.pk])
    approve_and_verify(boss=boss, hold=hold)
    Read.objects.filter(pk=straggler.pk).update(archived_at=timezone.now() - timedelta(days=700))  # held, archived
    night = [make_read(camera, days_ago=1096 + i / 48, archived_days_ago=366) for i in range(40)]  # 20 hours' worth
    not_due = make_read(camera, days_ago=1096.2)  # in the night's month, not archived: the month goes row by row

    by_thread: dict[str, int] = {}

    def count(step, purged):
        name = threading.current_thread().name
        by_thread[name] = by_thread.get(name, 0) + purged

    ctx = RunContext(policy=retention_policy_current(), as_of=timezone.now(), batch_size=5, after_batch=count)
    ctx.step = "reads.purge"
    reads_purge_archived(ctx, ctx.policy.archive_purge_days)

    assert not Read.objects.filter(pk__in=[read.pk for read in night]).exists()
    assert Read.objects.filter(pk__in=[straggler.pk, not_due.pk]).count() == 2
    assert sum(by_thread.values()) == 40
    assert len(by_thread) == 2 and min(by_thread.values()) >= 15, by_thread
