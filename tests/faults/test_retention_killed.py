"""Fault: the nightly retention run is SIGKILLed half-way (its worker, or the ``manage.py run_retention`` process).

The run archives (the watermark advances in one transaction) and purges in batches (set-based SQL, each batch its own
transaction, counted in that same transaction). The process is slowed a little per batch (tests/faults/worker.py) so
that the kill lands half-way through, then killed with SIGKILL. Proved, for both ways a run is resumed:

- a Celery worker killed mid-run: the broker redelivers the unacknowledged job (the test shortens the visibility
  timeout from production's hour to seconds) and the *same* run resumes with the same cutoffs — one run record,
  succeeded, counts exact;
- a command killed mid-run: its run is left ``running``, which does not block the custodian's next run (no process
  holds the run lock, so it is stale), even with the broker down; the new run closes it as interrupted and finishes
  the work — the two records' counts add up to one clean run's.

Either way the end state equals an uninterrupted run's: every read past its period archived exactly once (one
archive time), archived reads past the purge period purged with their images, held reads and new reads untouched,
nothing left queued for deletion, and a further run changes nothing.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import default_storage

from apps.accounts.roles import Role
from apps.holds.choices import HoldGround, ScopeKind
from apps.holds.services.request import hold_request
from apps.reads.models import Read
from apps.retention.choices import RunStatus
from apps.retention.models import PendingFileDeletion, RetentionRun
from apps.retention.services import (
    RUN_INTERRUPTED,
    retention_run_create,
    retention_run_execute,
    retention_run_lock_held_elsewhere,
    retention_run_request,
)
from tests.factories import DeployingAgencyFactory
from tests.faults.helpers import wait_for
from tests.holds.helpers import approve_and_verify, archived_pks, make_camera, make_read

pytestmark = [pytest.mark.faults, pytest.mark.celery_worker]

OLD, ARCHIVED = 80, 30  # reads past the archive period; archived reads past the purge period
BATCH = 5
SLOW = {"FAULTS_RETENTION_BATCH_DELAY_SECONDS": 0.12, "RETENTION_BATCH_SIZE": BATCH, "RETENTION_WORKERS": 2,
        "OCR_WARM_WORKERS": "false"}


@pytest.fixture
def estate(transactional_db, make_user):
    """New reads, reads past 730 days (spread over a year, so both parallel slices have work), reads archived long
    ago with image files, and an active evidence hold on two old reads and one long-archived read."""
    agency = DeployingAgencyFactory()
    camera = make_camera(agency)
    boss = make_user(Role.SUPERVISOR, agency=agency)
    detective = make_user(Role.INVESTIGATOR, agency=agency, supervisor=boss)
    new = [make_read(camera, days_ago=5 + i) for i in range(5)]
    old = [make_read(camera, days_ago=740 + 4 * i) for i in range(OLD)]
    archived = [make_read(camera, days_ago=1200 + 3 * i, archived_days_ago=400, images=True)
                for i in range(ARCHIVED)]
    held_archived = archived[0]
    archived_at = held_archived.archived_at
    Read.objects.filter(pk=held_archived.pk).update(archived_at=None)  # holds are placed on visible reads
    hold = hold_request(actor=detective, case_number="24-000999", reason="Evidence.", ground=HoldGround.EVIDENCE,
                        contact="x", scope_kind=ScopeKind.READS, read_ids=[old[0].pk, old[1].pk, held_archived.pk])
    approve_and_verify(boss=boss, hold=hold)
    Read.objects.filter(pk=held_archived.pk).update(archived_at=archived_at)
    return {"new": new, "old": old, "archived": archived, "held": {old[0].pk, old[1].pk, held_archived.pk},
            "custodian": make_user(Role.CUSTODIAN, agency=agency)}


def _archive_count(run) -> int:
    return (run.counts.get("reads.archive") or {}).get("archived", 0)


def _purge_count(run) -> int:
    return (run.counts.get("reads.purge") or {}).get("purged", 0)


def half_way() -> bool:
    """The archive step committed (one transaction: the watermark) and the purge not finished: a kill now interrupts
    real work, usually in the purge's batches."""
    run = RetentionRun.objects.first()
    return (run is not None and run.status == RunStatus.RUNNING and _archive_count(run) >= 3 * BATCH
            and _purge_count(run) < ARCHIVED - 1 - BATCH)


def assert_interrupted_exactly(estate, run) -> None:
    """Work was left undone, and the run's recorded counts equal what is committed (counted with the rows)."""
    archived = len(archived_pks(estate["old"]))
    purged = ARCHIVED - Read.objects.filter(pk__in=[r.pk for r in estate["archived"]]).count()
    assert (archived, purged) == (_archive_count(run), _purge_count(run))
    assert archived < OLD - 2 or purged < ARCHIVED - 1


def assert_end_state_of_one_clean_run(estate, *, as_of=None):
    """What one uninterrupted run leaves (R-RET-1, R-RET-2, R-RET-3)."""
    old, archived, held = estate["old"], estate["archived"], estate["held"]
    expected_archived = {read.pk for read in old} - held
    expected_purged = {read.pk for read in archived} - held
    now_archived = archived_pks(old)
    assert now_archived == expected_archived
    if as_of is not None:  # archived once: by the one run, at its one archive time
        assert {Read.objects.get(pk=pk).archived_on for pk in expected_archived} == {as_of}
    assert not Read.objects.filter(pk__in=expected_purged).exists()
    assert Read.objects.filter(pk__in=held).count() == 3
    assert not archived_pks([old[0], old[1]]) and not archived_pks(estate["new"])
    for read in archived:
        gone = read.pk in expected_purged
        assert default_storage.exists(read.vehicle_image.name) is not gone
        assert default_storage.exists(read.plate_crop.name) is not gone
    assert not PendingFileDeletion.objects.exists()
    return expected_archived, expected_purged


def _rerun_changes_nothing(estate):
    def state():
        pks = list(Read.objects.values_list("pk", flat=True))
        return sorted((pk, Read.objects.get(pk=pk).archived_on) for pk in pks)

    before = state()
    again = retention_run_execute(run_id=retention_run_create().pk)
    assert again.status == RunStatus.SUCCEEDED, again.errors
    assert _archive_count(again) == 0 and again.counts["reads.purge"].get("purged", 0) == 0
    assert state() == before


def test_worker_killed_mid_run_the_redelivered_job_resumes_the_same_run(estate, processes, broker):
    from apps.retention.tasks import retention_run_nightly

    transport = json.dumps({"visibility_timeout": 4, "unacked_restore_interval": 1, "unacked_restore_throttle": 1})
    first = processes.worker(queues="celery", FAULTS_TRANSPORT_OPTIONS=transport, **SLOW)
    retention_run_nightly.apply_async()  # what beat sends at 03:10


    wait_for(half_way, seconds=120, interval=0.02,
             what=lambda: f"the run to be half-way (log: {processes.log(first)})")
    processes.kill(first)
    run = RetentionRun.objects.get()
    assert run.status == RunStatus.RUNNING and run.celery_task_id
    assert_interrupted_exactly(estate, run)  # counted with its rows: exact, even when killed

    second = processes.worker(queues="celery", FAULTS_TRANSPORT_OPTIONS=transport, **SLOW)
    wait_for(lambda: RetentionRun.objects.get(pk=run.pk).status != RunStatus.RUNNING, seconds=120, interval=0.2,
             what=lambda: f"the redelivered job to finish the run (log: {processes.log(second)})")

    assert RetentionRun.objects.count() == 1  # the same run resumed, no second record
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.errors
    expected_archived, expected_purged = assert_end_state_of_one_clean_run(estate, as_of=run.as_of)
    assert _archive_count(run) == len(expected_archived)  # nothing counted twice, nothing missed
    assert run.counts["reads.purge"]["purged"] == len(expected_purged)
    assert run.counts["reads.archive"]["held_kept"] == 2 and run.counts["reads.purge"]["held_kept"] == 1
    processes.kill_all()
    _rerun_changes_nothing(estate)


def test_command_killed_mid_run_does_not_block_the_next_run_which_finishes_the_work(estate, processes, broker):
    command = processes.start(["manage", "run_retention", "--batch-size", str(BATCH)], **SLOW)


    wait_for(half_way, seconds=120, interval=0.02,
             what=lambda: f"the run to be half-way (log: {processes.log(command)})")
    processes.kill(command)
    killed = RetentionRun.objects.get()
    assert killed.status == RunStatus.RUNNING  # nobody is left to say otherwise
    assert_interrupted_exactly(estate, killed)
    wait_for(lambda: not retention_run_lock_held_elsewhere(), seconds=30, what="PostgreSQL to end the killed session")

    # The custodian starts a run from the portal, with the broker down for good measure: not blocked by the stale
    # run, not an error page; the stale run is closed at once and says which run took over.
    broker.stop()
    manual = retention_run_request(actor=estate["custodian"])
    killed.refresh_from_db()
    assert manual.status == RunStatus.QUEUED
    assert killed.status == RunStatus.FAILED
    assert killed.errors[-1]["error"] == RUN_INTERRUPTED.format(run=manual.pk)

    finished = retention_run_execute(run_id=manual.pk)  # what the worker does once the broker is back
    assert finished.status == RunStatus.SUCCEEDED, finished.errors
    killed.refresh_from_db()
    expected_archived, expected_purged = assert_end_state_of_one_clean_run(estate)
    assert _archive_count(killed) + _archive_count(finished) == len(expected_archived)
    assert _purge_count(killed) + _purge_count(finished) == len(expected_purged)
    _rerun_changes_nothing(estate)
