"""Copies of read data (R-RET-6) and holds left waiting (R-RET-3a), run by the nightly retention job with its clock
set days and years ahead (``as_of``): held-read lists of ended holds and evidence package files are purged under their
own periods, never failing on a foreign key; a request left waiting past HOLD_PENDING_PROTECT_DAYS stops protecting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.disclosures.egress import INTERNAL_RECIPIENT
from apps.holds.choices import ExportStatus, HoldGround, HoldStatus, ScopeKind
from apps.holds.exports import evidence_export_build
from apps.holds.models import EvidenceHold, HeldRead
from apps.holds.services.decisions import hold_approve
from apps.holds.services.exports import evidence_export_request
from apps.holds.services.lifecycle import hold_release
from apps.holds.services.request import hold_request
from apps.reads.models import Read
from apps.retention.choices import RunStatus
from apps.retention.registry import data_classes
from tests.holds.helpers import approve_and_verify, make_read

pytestmark = pytest.mark.django_db


def _ahead(days: float):
    return timezone.now() + timedelta(days=days)


def _hold(detective, reads, ground=HoldGround.DISCOVERY_REQUEST):
    return hold_request(actor=detective, case_number="CIV-26-0311", reason="Subpoena duces tecum.", ground=ground,
                        contact="x", scope_kind=ScopeKind.READS, read_ids=[r.pk for r in reads])


def test_each_copy_is_its_own_data_class_of_the_nightly_run():
    """R-RET-6: released reads, release package files, held-read lists and evidence exports are registered."""
    keys = {item.key: item for item in data_classes()}
    for key in ("disclosures.released_reads", "disclosures.release_packages", "holds.held_read_lists",
                "holds.evidence_exports"):
        assert keys[key].rule == "R-RET-6"


def test_a_request_left_waiting_past_the_set_days_stops_protecting_its_reads(camera, detective, boss, run_retention):
    """R-RET-3a: waiting for the supervisor or for the custodian's verification protects for
    HOLD_PENDING_PROTECT_DAYS (30) after the request; the nightly run with its clock 31 days ahead archives them."""
    waiting_supervisor = make_read(camera, days_ago=800)
    waiting_custodian = make_read(camera, days_ago=800)
    verified = make_read(camera, days_ago=800)
    first = _hold(detective, [waiting_supervisor])
    second = hold_approve(actor=boss, hold=_hold(detective, [waiting_custodian]))
    assert second.status == HoldStatus.VERIFYING
    approve_and_verify(boss=boss, hold=_hold(detective, [verified]))

    run = run_retention(as_of=_ahead(29))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert not Read.objects.filter(archived_at__isnull=False).exists()
    assert run.counts["reads.archive"]["held_kept"] == 3

    run = run_retention(as_of=_ahead(31))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert Read.objects.get(pk=waiting_supervisor.pk).archived_at is not None
    assert Read.objects.get(pk=waiting_custodian.pk).archived_at is not None
    assert Read.objects.get(pk=verified.pk).archived_at is None  # an active hold protects until released
    assert EvidenceHold.objects.get(pk=first.pk).status == HoldStatus.PENDING  # the record is untouched


def test_a_waiting_request_past_the_days_no_longer_keeps_its_reads_from_the_purge(camera, detective,
                                                                                  run_retention):
    """R-RET-3a: an archived read under a request waiting 31 days is purged like any other."""
    read = make_read(camera, days_ago=1200)
    _hold(detective, [read])
    Read.objects.filter(pk=read.pk).update(archived_at=timezone.now() - timedelta(days=400))
    assert run_retention(as_of=_ahead(1)).counts["reads.purge"]["held_kept"] == 1
    run = run_retention(as_of=_ahead(31))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert not Read.objects.filter(pk=read.pk).exists()


def test_evidence_export_files_and_held_read_lists_expire_under_their_own_periods(
        camera, detective, boss, custodian, run_retention, django_capture_on_commit_callbacks):
    """R-RET-6: the evidence package file goes 365 days after it was built (the row stays, expired); the held-read
    list goes 730 days after the hold ended; the hold's record stays; the run never fails on a foreign key."""
    reads = [make_read(camera, days_ago=5, images=True) for _ in range(2)]
    hold = approve_and_verify(boss=boss, hold=_hold(detective, reads))
    export = evidence_export_build(export_id=evidence_export_request(
        actor=detective, hold=hold, recipient=INTERNAL_RECIPIENT).pk, actor=detective)
    assert export.status == ExportStatus.SUCCEEDED
    name = export.file.name
    hold_release(actor=custodian, hold=hold, reason="Final disposition.")

    with django_capture_on_commit_callbacks(execute=True):
        run = run_retention(as_of=_ahead(300))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert default_storage.exists(name) and HeldRead.objects.filter(hold=hold).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        run = run_retention(as_of=_ahead(366))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert run.counts["holds.evidence_exports"]["files_purged"] == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED and not export.file and export.file_purged_at is not None
    assert not default_storage.exists(name) and export.file_sha256  # the record of what was built stays
    assert HeldRead.objects.filter(hold=hold).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        run = run_retention(as_of=_ahead(731))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert run.counts["holds.held_read_lists"]["purged"] == 2
    assert not HeldRead.objects.filter(hold=hold).exists()
    hold.refresh_from_db()
    assert hold.status == HoldStatus.RELEASED and hold.read_count == 2 and hold.case_number == "CIV-26-0311"


def test_the_held_read_list_of_an_active_hold_is_never_purged(camera, detective, boss, run_retention):
    """R-RET-6: only holds that ended; an active hold keeps its list however far the clock goes."""
    hold = approve_and_verify(boss=boss, hold=_hold(detective, [make_read(camera, days_ago=5)]))
    run = run_retention(as_of=_ahead(3000))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert HeldRead.objects.filter(hold=hold).count() == 1
