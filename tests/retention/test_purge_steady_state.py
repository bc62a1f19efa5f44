"""The purge in steady state (R-RET-2, issue #19): every night it takes the reads archived ``archive_purge_days``
ago, while the reads archived since — with a year's purge period a third of the table — are not yet due. It must
take the due ones (passed by an old watermark advance, or flagged one by one long enough ago) and leave the others
without walking them: they are neither candidates nor months it locks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.reads.models import Read, ReadArchiveWatermark
from apps.reads.partitions import month_add, month_start, partitions_ensure
from apps.reads.retention import reads_purge_archived
from apps.retention.engine import RunContext
from apps.retention.selectors import retention_policy_current
from tests.holds.helpers import make_read
from tests.reads.conftest import partition_busy, partition_of, partitioned_only


def _advance(*, days_ago: float, captured_before) -> None:
    """A past night's archive run: the watermark it left (apps.reads.archive)."""
    ReadArchiveWatermark.objects.create(archived_at=timezone.now() - timedelta(days=days_ago),
                                        captured_before=captured_before)


def _purge() -> dict:
    ctx = RunContext(policy=retention_policy_current(), as_of=timezone.now(), batch_size=2)
    ctx.step = "reads.purge"
    reads_purge_archived(ctx, ctx.policy.archive_purge_days)
    return ctx.counts["reads.purge"]


def test_the_purge_takes_what_is_due_by_either_path_and_keeps_what_is_not(camera, policy):
    """Due: passed by the advance made 40 days ago (period 30), or flagged 40 days ago (a hold that kept it ended)
    though captured after that advance's bound. Not due: passed by the advance made 5 days ago, or flagged 10 days
    ago."""
    policy(read_retention_days=730, archive_purge_days=30)
    now = timezone.now()
    _advance(days_ago=40, captured_before=now - timedelta(days=770))
    _advance(days_ago=5, captured_before=now - timedelta(days=735))
    due = [make_read(camera, plate="7DUE001", days_ago=775), make_read(camera, plate="7DUE002", days_ago=771)]
    flagged_due = make_read(camera, plate="7FLAG01", days_ago=760, archived_days_ago=40)
    not_due = [make_read(camera, plate="7NOT001", days_ago=769), make_read(camera, plate="7NOT002", days_ago=736)]
    flagged_not_due = make_read(camera, plate="7FLAG02", days_ago=765, archived_days_ago=10)
    live = make_read(camera, plate="7LIVE01", days_ago=700)

    counts = _purge()

    assert counts["purged"] == 3
    assert set(Read.objects.values_list("plate_current", flat=True)) == {
        read.plate_current for read in [*not_due, flagged_not_due, live]}
    assert not Read.objects.filter(pk__in=[flagged_due.pk, *(read.pk for read in due)]).exists()
    # Run again: nothing more is due, nothing else goes (idempotent).
    assert _purge()["purged"] == 0 and Read.objects.count() == 4


@partitioned_only
@pytest.mark.django_db(transaction=True)
def test_a_month_archived_but_not_yet_due_is_neither_locked_nor_read_whole(camera, policy, settings):
    """A search holding a month whose reads are archived but not yet due: the purge has nothing to do there, so it
    neither waits for that month nor counts it busy; it empties the due month before it as a whole. Before, every
    month before the archive cutoff was a candidate: each night it was locked and counted in full."""
    settings.PORTAL = {**settings.PORTAL, "READS_PARTITION_LOCK_TIMEOUT_SECONDS": 1, "RETENTION_WORKERS": 1,
                       "RETENTION_PARTITION_KEEP_MAX_SHARE": 0.2}
    policy(read_retention_days=730, archive_purge_days=30)
    now = timezone.now()
    not_due_month = month_start(now - timedelta(days=800))
    due_month = month_add(not_due_month, -1)
    _advance(days_ago=40, captured_before=not_due_month)  # passed the due month 40 days ago
    _advance(days_ago=5, captured_before=now - timedelta(days=735))  # and the not-due month 5 days ago
    days_ago = (now - due_month).total_seconds() / 86400
    due = [make_read(camera, plate=f"7DUE{n:03d}", days_ago=days_ago - 1 - n) for n in range(3)]
    not_due = [make_read(camera, plate=f"7NOT{n:03d}", days_ago=days_ago - 40 - n) for n in range(3)]
    partitions_ensure()
    busy = partition_of(not_due[0].pk)
    assert busy != partition_of(due[0].pk)
    with partition_busy(busy):
        counts = _purge()

    assert "partitions_busy" not in counts, counts
    assert counts["partitions_emptied"] == 1 and counts["purged"] == 3
    assert set(Read.objects.values_list("pk", flat=True)) == {read.pk for read in not_due}


def test_a_host_clock_years_ahead_of_the_database_purges_nothing(camera, agency, make_user, run_retention, policy,
                                                                   client, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    """R-RET-5: a run counts its cutoffs from this host's clock. Three years ahead, it would have archived and purged
    a read captured 400 days ago (1,495 days old by that clock): data deleted a year and a half before its period
    ends, for good. The run refuses instead — failed, with the reason on its record, the custodian alerted — and the
    next run on a sane clock does its work as usual."""
    from apps.accounts.roles import Role
    from apps.notifications.models import Notification
    from apps.retention.choices import RunStatus
    from apps.retention.selectors import retention_runs_recent

    custodian = make_user(Role.CUSTODIAN, agency=agency)
    policy(read_retention_days=730, archive_purge_days=365)
    recent, old = make_read(camera, plate="7KEEP01", days_ago=400), make_read(camera, plate="7OLD001", days_ago=1200)
    Read.objects.filter(pk=old.pk).update(archived_at=timezone.now() - timedelta(days=400))  # due: archived long ago
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(days=3 * 365))
    with django_capture_on_commit_callbacks(execute=True):
        ahead = run_retention()
    monkeypatch.setattr(timezone, "now", real_now)

    assert ahead.status == RunStatus.FAILED
    assert ahead.errors[0]["step"] == "clock" and "is 1095 days ahead of the database's" in ahead.errors[0]["error"]
    assert "reads.purge" not in ahead.counts and "reads.archive" not in ahead.counts
    assert set(Read.objects.values_list("pk", flat=True)) == {recent.pk, old.pk}
    assert not ReadArchiveWatermark.objects.exists()
    assert Notification.objects.filter(recipient=custodian, title=f"Retention run #{ahead.pk} failed (clock)").exists()
    client.force_login(custodian)  # the run's page says what happened: the reason, and that no data class ran
    page = client.get(reverse("retention:run", args=[ahead.pk])).content.decode()
    assert "is 1095 days ahead of the database" in page
    # Its times read alike: the clocks in the reason and the run's "as of" in the portal's zone, the zone named.
    as_of = timezone.localtime(ahead.as_of)
    assert f"as of {as_of:%Y-%m-%d %H:%M:%S %Z}" in page and f"({as_of:%Y-%m-%d %H:%M:%S %Z}) is 1095 days" in page
    assert "No data class ran: nothing was archived or purged." in page and "Nothing yet." not in page

    sane = run_retention()
    assert sane.status == RunStatus.SUCCEEDED
    assert set(Read.objects.values_list("pk", flat=True)) == {recent.pk}  # the old one purged, on time
    # The failed run was queued by the clock three years ahead; the lists still show the newest run first.
    assert ahead.queued_at > sane.queued_at
    runs_page = client.get(reverse("retention:runs")).content.decode()
    assert runs_page.index(reverse("retention:run", args=[sane.pk])) < runs_page.index(
        reverse("retention:run", args=[ahead.pk]))
    assert [run.pk for run in retention_runs_recent()] == [sane.pk, ahead.pk]
