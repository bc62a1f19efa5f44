"""Hits and hot-list entries expire under the agency's policy (R-RET-2), except what an evidence hold keeps (R-RET-3);
an expired hit no longer keeps its read from the reads purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.hotlists.models import Hit
from apps.hotlists.services.hit_matching import hits_match_reads
from apps.hotlists.services.lists import hot_list_entry_remove
from apps.reads.models import Read
from apps.retention.choices import RunStatus
from tests.holds.conftest import boss, detective  # noqa: F401
from tests.holds.helpers import make_read
from tests.hotlists.conftest import csv_of, soon
from tests.retention.conftest import policy, run_retention  # noqa: F401
from tests.retention.test_runs import _hold

pytestmark = pytest.mark.django_db


def _archive(read, days_ago):
    Read.objects.filter(pk=read.pk).update(archived_at=timezone.now() - timedelta(days=days_ago))


def test_old_hits_go_then_their_reads_held_ones_stay(make_list, camera, detective, boss, policy,  # noqa: F811
                                                     run_retention):  # noqa: F811
    make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon(3650)},wanted"))
    old = make_read(camera, days_ago=1200)
    held = make_read(camera, days_ago=1200)
    recent = make_read(camera, days_ago=100)
    hits_match_reads(read_ids=[old.pk, held.pk, recent.pk])
    assert Hit.objects.count() == 3
    _hold(detective, boss, [held])
    _archive(old, 400)
    _archive(held, 400)
    policy(read_retention_days=730, archive_purge_days=365, hit_retention_days=365)

    run = run_retention()
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert sorted(Hit.objects.values_list("read_id", flat=True)) == sorted([held.pk, recent.pk])
    assert run.counts["hits"]["purged"] == 1 and run.counts["hits"]["held_kept"] == 1
    assert not Read.objects.filter(pk=old.pk).exists()  # its hit expired, so the reads purge took it
    assert Read.objects.filter(pk=held.pk).exists()
    again = run_retention()
    assert again.counts["hits"]["purged"] == 0 and Hit.objects.count() == 2  # idempotent


def test_removed_and_expired_entries_go_once_no_hit_names_them(make_list, list_manager, camera, policy,  # noqa: F811
                                                               run_retention):  # noqa: F811
    hot_list = make_list(csv_of(f"1AAA111,CA,stolen vehicle,2,26-1,{soon(3650)},removed without a hit",
                                f"2BBB222,CA,stolen vehicle,2,26-2,{soon(3650)},removed with a hit",
                                f"3CCC333,CA,stolen vehicle,2,26-3,{soon(3650)},in force"))
    hits_match_reads(read_ids=[make_read(camera, plate="2BBB222", days_ago=5).pk])
    for plate in ("1AAA111", "2BBB222"):
        hot_list_entry_remove(actor=list_manager, entry=hot_list.entries.get(plate_pattern=plate), reason="recovered")
    hot_list.versions.update(created_at=timezone.now() - timedelta(days=800))
    policy(hotlist_retention_days=730, hit_retention_days=3650)

    run = run_retention()
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert sorted(hot_list.entries.values_list("plate_pattern", flat=True)) == ["2BBB222", "3CCC333"]
    assert run.counts["hotlists.entries"]["purged"] == 1
