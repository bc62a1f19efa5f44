"""Nightly retention (R-RET-1, R-RET-2, R-RET-3, R-RET-4): archive and purge per period, holds respected, idempotent
and resumable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.holds.choices import HoldGround, ScopeKind
from apps.holds.services.lifecycle import hold_release
from apps.holds.services.request import hold_request
from apps.notifications.models import Notification
from apps.reads.models import Read, ReadCorrection
from apps.reads.selectors import read_search, read_search_build
from apps.retention.choices import RunStatus
from apps.retention.models import PendingFileDeletion, RetentionRun
from apps.retention.registry import DataClass, data_class_register, data_class_unregister
from tests.events import domain_events
from tests.holds.helpers import approve_and_verify, archived_pks, make_read, record_access


def _hold(detective, boss, reads, *, approve=True):
    hold = hold_request(actor=detective, case_number="24-000999", reason="Evidence.", ground=HoldGround.EVIDENCE,
                        contact="x", scope_kind=ScopeKind.READS, read_ids=[r.pk for r in reads])
    return approve_and_verify(boss=boss, hold=hold) if approve else hold


def _state():
    archived = archived_pks(Read.objects.values_list("pk", flat=True))
    return sorted((pk, pk not in archived) for pk in Read.objects.values_list("pk", flat=True))


@pytest.fixture
def estate(camera, detective, boss):
    """Reads of every kind: new, old (past 730 days), archived long ago (past the purge period), with images, and
    an active hold on one old read and one long-archived read."""
    new = [make_read(camera, days_ago=10) for _ in range(2)]
    old = [make_read(camera, days_ago=800, images=True) for _ in range(4)]
    archived = [make_read(camera, days_ago=1200, archived_days_ago=400, images=True) for _ in range(3)]
    # An investigator cannot see (so cannot hold) archived reads: hold it first, then it was archived long ago.
    archived_at = archived[0].archived_at
    Read.objects.filter(pk=archived[0].pk).update(archived_at=None)
    hold = _hold(detective, boss, [old[0], archived[0]])
    Read.objects.filter(pk=archived[0].pk).update(archived_at=archived_at)
    return {"new": new, "old": old, "archived": archived, "hold": hold}


def test_held_reads_survive_archive_and_purge_others_go(estate, run_retention, policy,
                                                        django_capture_on_commit_callbacks):
    policy(read_retention_days=730, archive_purge_days=365)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_retention(batch_size=2)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    old, archived = estate["old"], estate["archived"]
    assert Read.objects.get(pk=old[0].pk).archived_on is None  # held: never archived
    assert all(Read.objects.get(pk=r.pk).archived_on for r in old[1:])
    assert all(Read.objects.get(pk=r.pk).archived_on is None for r in estate["new"])
    assert Read.objects.filter(pk=archived[0].pk).exists()  # held: never purged
    assert not Read.objects.filter(pk__in=[r.pk for r in archived[1:]]).exists()
    assert run.counts["reads.archive"]["archived"] == 3 and run.counts["reads.archive"]["held_kept"] == 1
    assert run.counts["reads.purge"]["purged"] == 2 and run.counts["reads.purge"]["held_kept"] == 1
    # Images: the purged reads' files are gone from storage, the held ones' stay.
    for read in archived[1:]:
        assert not default_storage.exists(read.vehicle_image.name)
        assert not default_storage.exists(read.plate_crop.name)
    assert default_storage.exists(archived[0].vehicle_image.name) and default_storage.exists(old[0].plate_crop.name)
    assert not PendingFileDeletion.objects.exists()
    codes = domain_events("alprportal.retention.run.", target=run)
    assert codes == ["alprportal.retention.run.started", "alprportal.retention.run.succeeded"]


def test_a_pending_hold_already_protects_its_reads(camera, detective, boss, run_retention):
    read = make_read(camera, days_ago=800)
    _hold(detective, boss, [read], approve=False)
    run_retention()
    assert Read.objects.get(pk=read.pk).archived_on is None


def test_files_are_removed_only_after_the_purge_commits(camera, run_retention, django_capture_on_commit_callbacks):
    read = make_read(camera, days_ago=1200, archived_days_ago=400, images=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_retention()
    assert not Read.objects.filter(pk=read.pk).exists()
    # Not committed yet (the test's transaction): the files are still there, queued for deletion.
    assert default_storage.exists(read.vehicle_image.name)
    assert set(PendingFileDeletion.objects.values_list("name", flat=True)) == {read.vehicle_image.name,
                                                                               read.plate_crop.name}
    for callback in callbacks:
        callback()
    assert not default_storage.exists(read.vehicle_image.name) and not PendingFileDeletion.objects.exists()


def test_released_holds_let_their_reads_archive_on_the_next_run_not_on_the_spot(
        camera, detective, boss, custodian, run_retention):
    read = make_read(camera, days_ago=800)
    hold = _hold(detective, boss, [read])
    run_retention()
    assert Read.objects.get(pk=read.pk).archived_on is None
    hold_release(actor=custodian, hold=hold, reason="Case closed.")
    assert Read.objects.get(pk=read.pk).archived_on is None  # nothing happens at release
    run_retention()
    assert Read.objects.get(pk=read.pk).archived_on is not None


class SimulatedCrash(BaseException):
    """Like a killed worker: not an Exception, so no step handler records it — the run is left running."""


def test_a_killed_run_and_a_rerun_reach_the_same_state_as_one_clean_run(
        estate, run_retention, django_capture_on_commit_callbacks):
    expected_archived = {r.pk for r in estate["old"][1:]}
    expected_gone = {r.pk for r in estate["archived"][1:]}
    calls = []

    def crash_after_first_batch(step, count):
        calls.append((step, count))
        if step == "reads.archive":
            raise SimulatedCrash

    with pytest.raises(SimulatedCrash):
        run_retention(batch_size=1, after_batch=crash_after_first_batch)
    crashed = RetentionRun.objects.get()
    assert crashed.status == RunStatus.RUNNING and calls == [("reads.archive", 3)]
    # The archive step commits whole (the watermark advances in one transaction): all of it or nothing.
    assert archived_pks(expected_archived) == expected_archived

    with django_capture_on_commit_callbacks(execute=True):
        rerun = run_retention(batch_size=1)
    crashed.refresh_from_db()
    assert crashed.status == RunStatus.FAILED and "Interrupted" in crashed.errors[-1]["error"]
    assert rerun.status == RunStatus.SUCCEEDED
    assert {pk for pk, live in _state() if not live} == expected_archived | {estate["archived"][0].pk}
    assert not Read.objects.filter(pk__in=expected_gone).exists()
    assert not archived_pks([estate["old"][0]])
    assert Read.objects.filter(pk=estate["archived"][0].pk).exists()
    before = _state()
    with django_capture_on_commit_callbacks(execute=True):
        again = run_retention(batch_size=1)  # idempotent: nothing left to do
    assert _state() == before and again.counts["reads.archive"]["archived"] == 0


def test_archived_reads_are_hidden_from_investigators_and_found_by_administrators(
        camera, detective, sysadmin, run_retention):
    from django.utils import timezone

    read = make_read(camera, plate="7OLD777", days_ago=800)
    run_retention()
    now = timezone.now()
    search = read_search_build(plate="7OLD777", start=now - timedelta(days=1000), end=now)
    args = {"search": search, "purpose": "investigative_leads", "case_number": "24-1"}
    assert read_search(user=detective, **args).total == 0
    page = read_search(user=sysadmin, **args)
    assert [r.pk for r in page.reads] == [read.pk] and page.reads[0].archived_on is not None
    log = AccessLog.objects.filter(user=sysadmin, action="reads.search").get()
    assert log.result_count == 1 and log.data_elements["include_archived"] is True


def test_each_data_class_obeys_its_own_period(camera, detective, policy, run_retention):
    policy(read_retention_days=30, archive_purge_days=10, access_log_retention_days=730)
    kept_new = make_read(camera, days_ago=29)
    to_archive = make_read(camera, days_ago=31)
    archived_recently = make_read(camera, days_ago=60, archived_days_ago=9)
    archived_long_ago = make_read(camera, days_ago=60, archived_days_ago=11)
    ReadCorrection.objects.create(read=archived_long_ago, previous_plate="7ABC123", corrected_plate="7ABC128",
                                  reason="misread", corrected_by=detective)
    for days in (800, 740, 10):
        record_access(detective, days_ago=days)
    seen = {}
    data_class_register(DataClass(key="test.widgets", label="Widgets", rule="R-RET-2", order=80,
                                  period_days=lambda p: p.hit_retention_days,
                                  apply=lambda ctx, days: seen.setdefault("days", days) and {}))
    try:
        run = run_retention()
    finally:
        data_class_unregister("test.widgets")
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert Read.objects.get(pk=kept_new.pk).archived_on is None
    assert Read.objects.get(pk=to_archive.pk).archived_on is not None
    assert Read.objects.filter(pk=archived_recently.pk).exists()
    assert not Read.objects.filter(pk=archived_long_ago.pk).exists()
    assert not ReadCorrection.objects.filter(read_id=archived_long_ago.pk).exists()
    assert AccessLog.objects.count() == 1 and run.counts["access_log"]["purged"] == 2
    assert seen["days"] == 730 and run.counts["reads.non_hit"] == {"status": "off"}
    assert run.policy["read_retention_days"] == 30


def test_the_optional_non_hit_purge_is_off_by_default_and_one_setting_turns_it_on(camera, policy, run_retention):
    young, old = make_read(camera, days_ago=30), make_read(camera, days_ago=61)
    run_retention()
    assert Read.objects.filter(pk=old.pk).exists()
    policy(non_hit_purge_days=60)
    run = run_retention()
    assert not Read.objects.filter(pk=old.pk).exists() and Read.objects.filter(pk=young.pk).exists()
    assert run.counts["reads.non_hit"]["purged"] == 1


def test_orphan_files_are_swept_after_the_grace_period(camera, run_retention, settings):
    from django.core.files.base import ContentFile

    read = make_read(camera, days_ago=1, images=True)
    orphan = default_storage.save("reads/2020/01/01/9/orphan-vehicle_image.jpg", ContentFile(b"x"))
    settings.PORTAL = {**settings.PORTAL, "RETENTION_ORPHAN_GRACE_HOURS": 0}
    run = run_retention()
    assert not default_storage.exists(orphan)
    assert default_storage.exists(read.vehicle_image.name) and default_storage.exists(read.plate_crop.name)
    assert run.counts["files.orphans"]["orphans_deleted"] == 1
    settings.PORTAL = {**settings.PORTAL, "RETENTION_ORPHAN_GRACE_HOURS": 24}
    fresh = default_storage.save("reads/2020/01/01/9/fresh.jpg", ContentFile(b"x"))
    run_retention()
    assert default_storage.exists(fresh)  # too young: an ingest may still be writing its read


def test_a_failing_step_fails_the_run_alerts_the_custodian_and_the_others_still_run(
        camera, make_user, run_retention, django_capture_on_commit_callbacks):
    custodian = make_user(Role.CUSTODIAN)
    old = make_read(camera, days_ago=800)

    def boom(ctx, days):
        raise RuntimeError("storage offline")

    data_class_register(DataClass(key="test.broken", label="Broken", rule="", period_days=lambda p: 1, apply=boom,
                                  order=5))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run = run_retention()
    finally:
        data_class_unregister("test.broken")
    assert run.status == RunStatus.FAILED and run.errors == [{"step": "test.broken",
                                                              "error": "RuntimeError: storage offline"}]
    assert Read.objects.get(pk=old.pk).archived_on is not None
    alert = Notification.objects.get(recipient=custodian)
    assert alert.dedupe_key == f"retention.run.{run.pk}.failed" and "failed" in alert.title


def test_run_retention_command(camera, capsys):
    from django.core.management import call_command

    make_read(camera, days_ago=800)
    call_command("run_retention")
    out = capsys.readouterr().out
    assert "reads.archive: archived=1" in out and "succeeded" in out


@pytest.mark.celery_worker
def test_the_nightly_task_runs_through_a_real_worker(celery_worker, transactional_db):
    from apps.accounts.models import User
    from apps.retention.tasks import retention_run_nightly
    from tests.factories import DeployingAgencyFactory, UserFactory
    from tests.holds.helpers import make_camera

    agency = DeployingAgencyFactory()
    camera = make_camera(agency)
    boss = UserFactory(roles=[Role.SUPERVISOR], agency=agency)
    detective = UserFactory(roles=[Role.INVESTIGATOR], agency=agency, supervisor=boss)
    from tests.factories import TrainingRecordFactory

    TrainingRecordFactory(person=detective)
    held, other = make_read(camera, days_ago=800), make_read(camera, days_ago=800, images=True)
    _hold(User.objects.get(pk=detective.pk), User.objects.get(pk=boss.pk), [held])
    result = retention_run_nightly.delay().get(timeout=60)
    assert result["status"] == RunStatus.SUCCEEDED, result
    assert Read.objects.get(pk=held.pk).archived_on is None
    assert Read.objects.get(pk=other.pk).archived_on is not None
    run = RetentionRun.objects.get(pk=result["run_id"])
    assert run.trigger == "schedule" and run.celery_task_id


def test_reads_other_records_still_refer_to_are_never_purged_from_under_them():
    """A hit (apps.hotlists) refers to its read by a database foreign key: the read is kept until the hit itself is
    purged under the hits' own period. Corrections go with their read; holds' copies never block."""
    from django.apps import apps as django_apps

    from apps.reads.retention import read_referenced_sql

    sql = read_referenced_sql("r")
    assert "reads_readcorrection" not in sql and "holds_heldread" not in sql
    if django_apps.is_installed("apps.hotlists"):
        assert "FROM hotlists_hit x WHERE x.read_id = r.id" in sql


# --- stale runs and redelivered jobs (issue #9: a worker killed mid-run; tests/faults kills real processes) ---------
@pytest.fixture
def other_session_running_a_run():
    """Another PostgreSQL session holding the run lock: a run really executing in another worker."""
    import psycopg

    from apps.retention.services import RETENTION_RUN_LOCK_KEY
    from tests.faults.helpers import database_url

    with psycopg.connect(database_url(), autocommit=True) as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [RETENTION_RUN_LOCK_KEY]).fetchone()[0]
        yield
        other.execute("SELECT pg_advisory_unlock(%s)", [RETENTION_RUN_LOCK_KEY])


def _run(status, *, minutes_ago=0, task_id=""):
    from django.utils import timezone

    run = RetentionRun.objects.create(trigger="schedule", status=status, celery_task_id=task_id)
    RetentionRun.objects.filter(pk=run.pk).update(queued_at=timezone.now() - timedelta(minutes=minutes_ago))
    return run


def test_a_run_left_running_by_a_dead_worker_does_not_block_the_custodians_next_run(custodian, camera):
    from apps.retention.services import RUN_INTERRUPTED, RUN_NEVER_STARTED, retention_run_request

    dead = _run(RunStatus.RUNNING, minutes_ago=5)
    lost = _run(RunStatus.QUEUED, minutes_ago=45)  # its job never reached a worker
    run = retention_run_request(actor=custodian)
    dead.refresh_from_db()
    lost.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    assert dead.status == RunStatus.FAILED and dead.errors[-1]["error"] == RUN_INTERRUPTED.format(run=run.pk)
    assert lost.status == RunStatus.FAILED and lost.errors[-1]["error"] == RUN_NEVER_STARTED.format(run=run.pk)


def test_a_run_really_in_progress_or_just_queued_still_blocks(custodian, camera, other_session_running_a_run):
    from apps.common.errors import ApplicationError
    from apps.retention.services import RUN_ALREADY_RUNNING, retention_run_request

    running = _run(RunStatus.RUNNING)
    with pytest.raises(ApplicationError, match=RUN_ALREADY_RUNNING):
        retention_run_request(actor=custodian)
    running.refresh_from_db()
    assert running.status == RunStatus.RUNNING  # executing elsewhere: left alone


def test_a_freshly_queued_run_blocks_a_second_request(custodian, camera):
    from apps.common.errors import ApplicationError
    from apps.retention.services import RUN_ALREADY_RUNNING, retention_run_request

    _run(RunStatus.QUEUED, minutes_ago=1)
    with pytest.raises(ApplicationError, match=RUN_ALREADY_RUNNING):
        retention_run_request(actor=custodian)


def test_a_redelivered_nightly_job_resumes_its_own_run_with_the_same_cutoffs(camera):
    from django.utils import timezone

    from apps.retention.tasks import retention_run_nightly

    read = make_read(camera, days_ago=800)
    killed = _run(RunStatus.RUNNING, task_id="nightly-2026-11-23")
    as_of = timezone.now() - timedelta(minutes=7)
    RetentionRun.objects.filter(pk=killed.pk).update(as_of=as_of, counts={"reads.archive": {"archived": 4}})
    result = retention_run_nightly.apply(task_id="nightly-2026-11-23").get()
    assert result["run_id"] == killed.pk and result["status"] == RunStatus.SUCCEEDED
    assert RetentionRun.objects.count() == 1
    killed.refresh_from_db()
    assert killed.as_of == as_of and Read.objects.get(pk=read.pk).archived_on == as_of
    assert killed.counts["reads.archive"]["archived"] == 5  # the 4 done before the crash + this one


def test_a_duplicate_delivery_while_the_run_executes_elsewhere_does_nothing(camera, other_session_running_a_run):
    from apps.retention.tasks import retention_run_nightly

    running = _run(RunStatus.RUNNING, task_id="nightly-dup")
    result = retention_run_nightly.apply(task_id="nightly-dup").get()
    assert result["status"] == RunStatus.RUNNING
    running.refresh_from_db()
    assert running.status == RunStatus.RUNNING and running.errors == []
    assert not Notification.objects.exists()  # no false "run failed" alert


def test_a_camera_reads_candidate_alternates_go_with_it(camera, policy, run_retention):
    """R-RET-2: the camera's candidate plates stored as alternates (issue #21) are part of the read: they never keep
    it past its period, and they are purged with it."""
    from apps.ocr.models import ReadAlternate

    policy(read_retention_days=30, archive_purge_days=10)
    read = make_read(camera, days_ago=60, archived_days_ago=11)
    ReadAlternate.objects.create(read=read, text="7A8C123", confidence=0.8, box=[], rank=2, engine_version="agent",
                                 source=ReadAlternate.SOURCE_CAMERA)
    run = run_retention()
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert not Read.objects.filter(pk=read.pk).exists()
    assert not ReadAlternate.objects.filter(read_id=read.pk).exists()
