"""Fault: the broker (Redis) is down when a request commits work for a task (issue #9: nothing is lost, requests
don't fail).

Each service stores its work first (a ``PendingMatch`` row, a queued package, export or report job) and sends the
task after commit through ``apps.common.celery_utils.task_send_on_commit``, which never raises. Proved, for each
of the four, with a private redis-server that is SIGKILLed and started again: the user's request succeeds during
the outage and leaves a clear state (the work queued); once the broker is back the catch-up task on the beat
schedule (sent here as beat sends it, run by a real worker) does the work, exactly once; a second message for the
same work (a catch-up that re-sent a job whose first message was only slow) is a no-op.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog, DomainEvent
from apps.disclosures.egress import INTERNAL_RECIPIENT
from apps.hotlists.models import Hit, PendingMatch
from apps.hotlists.services.hit_matching import hits_match_pending, hits_match_reads
from apps.reads.models import Read
from tests.factories import AgencyFactory, DeployingAgencyFactory
from tests.faults.conftest import INGEST, thread_worker
from tests.faults.helpers import reads_batch, wait_for
from tests.holds.helpers import approve_and_verify

pytestmark = [pytest.mark.faults, pytest.mark.celery_worker]

STRANDED = timedelta(minutes=10)  # older than QUEUED_JOB_RESEND_AFTER: the message is taken as lost
QUICK_SECONDS = 10  # a request during the outage fails its send once, fast, and answers


def _beat(entry: str):
    """Send a periodic task as celery beat does (by name, from CELERY_BEAT_SCHEDULE); its AsyncResult."""
    from alprportal.celery import app

    return app.send_task(settings.CELERY_BEAT_SCHEDULE[entry]["task"])


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _during_the_outage(call, caplog, task_name: str):
    """Run the request; it answers quickly and the failed send is logged once, as a warning naming the task."""
    caplog.clear()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="alprportal.tasks"):
        result = call()
    assert time.monotonic() - started < QUICK_SECONDS
    failures = [record for record in caplog.records if record.name == "alprportal.tasks"]
    assert len(failures) == 1 and failures[0].levelno == logging.WARNING, [r.getMessage() for r in failures]
    assert failures[0].getMessage().startswith(f"Could not send {task_name}(")
    return result


# --- hot-list matching (R-HOT-3) ------------------------------------------------------------------------------------


def _break_matching(monkeypatch):
    from apps.hotlists.services import hit_matching as hotlist_services

    def broken(*args, **kwargs):
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(hotlist_services, "_match", broken)


def test_reads_whose_matching_failed_in_the_outage_are_matched_once_when_it_returns(
        estate, broker, api_client, monkeypatch, caplog):
    _break_matching(monkeypatch)
    api_client.credentials(HTTP_AUTHORIZATION=f"Camera {estate['token']}")
    broker.stop()

    response = _during_the_outage(
        lambda: api_client.post(INGEST, {"reads": reads_batch("double", ["7WNT555", "6ABC001"])}, format="json"),
        caplog, "apps.hotlists.tasks.hits_match_reads_task")
    assert response.status_code == 200, response.content
    assert response.json()["stored"] == 2
    read_ids = sorted(Read.objects.filter(camera=estate["camera"]).values_list("id", flat=True))
    assert len(read_ids) == 2
    assert sorted(PendingMatch.objects.values_list("read_id", flat=True)) == read_ids  # committed with the reads
    assert not Hit.objects.exists()

    monkeypatch.undo()  # the matcher works again
    broker.start()
    with thread_worker(queues=("celery",)):
        assert _beat("hotlists-match-pending").get(timeout=30) == 2
        assert _beat("hotlists-match-pending").get(timeout=30) == 0  # drained: nothing left

    hit = Hit.objects.get()  # one hit: the wanted plate, once
    assert (hit.plate, hit.read.source_read_id, hit.hot_list_id) == ("7WNT555", "double-0", estate["hot_list"].pk)
    assert not PendingMatch.objects.exists()
    assert hits_match_pending() == 0 and hits_match_reads(read_ids=read_ids) == []  # matching again adds nothing
    assert Hit.objects.count() == 1


def test_with_the_broker_up_the_retry_sent_after_the_ingest_matches_the_reads(estate, broker, api_client,
                                                                                monkeypatch):
    _break_matching(monkeypatch)
    api_client.credentials(HTTP_AUTHORIZATION=f"Camera {estate['token']}")
    response = api_client.post(INGEST, {"reads": reads_batch("retry", ["7WNT555"])}, format="json")
    assert response.status_code == 200 and PendingMatch.objects.count() == 1
    assert broker.list_length("celery") == 1  # hits_match_reads_task, sent after commit

    monkeypatch.undo()
    with thread_worker(queues=("celery",)):
        wait_for(lambda: not PendingMatch.objects.exists(), seconds=30, what="the retry task to match the read")
    assert Hit.objects.get().read.source_read_id == "retry-0"


# --- release packages (R-SHR-4) --------------------------------------------------------------------------------------


@pytest.fixture
def deploying(transactional_db):
    return DeployingAgencyFactory()


@pytest.fixture
def approvable(deploying, make_user):
    """A partner's submitted request (one stored read matches it) under an agreement in force, and the custodian."""
    from apps.audit.choices import Purpose
    from apps.disclosures.services.submission import disclosure_request_submit
    from apps.reads.choices import CameraKind
    from apps.reads.services.cameras import camera_create
    from apps.reads.services.ingest import read_batch_ingest
    from tests.agreements.helpers import active_agreement

    partner_agency = AgencyFactory(name="Los Alamitos Police Department", ori="CA0194400")
    custodian = make_user(Role.CUSTODIAN, agency=deploying, first_name="Carmen", last_name="Ortiz",
                          job_title="Custodian of Records")
    active_agreement(actor=make_user(Role.SYSADMIN, agency=deploying), agency=partner_agency)
    partner = make_user(Role.PARTNER_REQUESTER, agency=partner_agency, first_name="Pat", last_name="Morgan")
    camera = camera_create(actor=None, name="Harbor Blvd NB", kind=CameraKind.FIXED, agency=deploying,
                           commissioned_at=timezone.now() - timedelta(days=365), latitude=33.77, longitude=-117.92)
    now = timezone.now()
    read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": (now - timedelta(hours=2)).isoformat(),
                                             "read_id": "t-1", "confidence": 91.5}])
    request = disclosure_request_submit(
        actor=partner, requesting_person_name="Pat Morgan", purpose=Purpose.PROSECUTION_OR_EXONERATION,
        case_number="LA-2026-0142", legal_basis="Penal Code § 459 investigation.", time_from=now - timedelta(days=10),
        time_to=now, plates=["7ABC123"], immigration_related=False, requester_attested=True)
    return custodian, request


def test_an_approval_in_the_outage_succeeds_and_its_package_is_built_once_when_it_returns(
        approvable, broker, client, caplog):
    from apps.disclosures.choices import DisclosureStatus, PackageStatus
    from apps.disclosures.models import ReleasedRead, ReleasePackage
    from apps.disclosures.services.release import release_packages_resend
    from apps.disclosures.tasks import disclosure_package_build

    custodian, request = approvable
    client.force_login(custodian)
    broker.stop()

    response = _during_the_outage(lambda: client.post(
        reverse("admin:disclosures_disclosurerequest_approve", args=[request.pk]),
        {"statement": "I authorize.", "signer_name": "Carmen Ortiz", "signer_title": "Custodian of Records",
         "reviewed": "on"}), caplog, "apps.disclosures.tasks.disclosure_package_build")
    assert response.status_code == 302, response.content.decode()[:2000]
    request.refresh_from_db()
    package = ReleasePackage.objects.get(request=request)
    assert request.status == DisclosureStatus.APPROVED and package.status == PackageStatus.QUEUED

    broker.start()
    assert release_packages_resend() == []  # queued for less than QUEUED_JOB_RESEND_AFTER: maybe only slow
    ReleasePackage.objects.filter(pk=package.pk).update(queued_at=timezone.now() - STRANDED)
    with thread_worker(queues=("celery",)):
        assert _beat("disclosures-packages-resend").get(timeout=30) == [package.pk]
        wait_for(lambda: ReleasePackage.objects.get(pk=package.pk).status == PackageStatus.SUCCEEDED, seconds=60,
                 what="the package to be built")
        assert _beat("disclosures-packages-resend").get(timeout=30) == []
        duplicate = disclosure_package_build.delay(package.pk, actor_id=custodian.pk)
        assert duplicate.get(timeout=30) == {"package_id": package.pk, "skipped": True}

    package.refresh_from_db()
    request.refresh_from_db()
    assert package.attempts == 1 and request.status == DisclosureStatus.RELEASED
    assert ReleasedRead.objects.filter(request=request).count() == 1
    assert AccessLog.objects.filter(action="disclosures.release").count() == 1
    assert DomainEvent.objects.filter(code="alprportal.disclosures.package.built").count() == 1
    assert len(_files(Path(settings.MEDIA_ROOT) / "disclosures" / str(request.pk) / "release")) == 1


# --- evidence exports (R-RET-3) --------------------------------------------------------------------------------------


@pytest.fixture
def active_hold(deploying, make_user):
    """An active evidence hold on two reads, and the detective who requested it."""
    from apps.holds.choices import HoldGround, ScopeKind
    from apps.holds.services.request import hold_request
    from tests.holds.helpers import make_camera, make_read

    boss = make_user(Role.SUPERVISOR, agency=deploying)
    detective = make_user(Role.INVESTIGATOR, supervisor=boss, agency=deploying)
    camera = make_camera(deploying, name="Beach Blvd SB")
    for days_ago in (1, 2):
        make_read(camera, plate="7ABC123", days_ago=days_ago)
    now = timezone.now()
    hold = hold_request(actor=detective, case_number="24-000777", reason="Suspect vehicle in a robbery.",
                        ground=HoldGround.EVIDENCE, contact="(555) 010-0000", scope_kind=ScopeKind.SEARCH,
                        plate="7ABC123", time_from=now - timedelta(days=10), time_to=now)
    return detective, approve_and_verify(boss=boss, hold=hold)


def test_an_export_requested_in_the_outage_is_built_once_when_it_returns(active_hold, broker, client, caplog):
    from apps.holds.choices import ExportStatus
    from apps.holds.models import EvidenceExport
    from apps.holds.services.exports import evidence_exports_resend
    from apps.holds.tasks import evidence_export_build

    detective, hold = active_hold
    client.force_login(detective)
    broker.stop()

    response = _during_the_outage(lambda: client.post(reverse("holds:export", args=[hold.pk]),
                                                      {"recipient": "internal"}), caplog,
                                  "apps.holds.tasks.evidence_export_build")
    assert response.status_code == 302
    export = EvidenceExport.objects.get(hold=hold)
    assert export.status == ExportStatus.QUEUED

    broker.start()
    assert evidence_exports_resend() == []
    EvidenceExport.objects.filter(pk=export.pk).update(queued_at=timezone.now() - STRANDED)
    with thread_worker(queues=("celery",)):
        assert _beat("holds-exports-resend").get(timeout=30) == [export.pk]
        wait_for(lambda: EvidenceExport.objects.get(pk=export.pk).status == ExportStatus.SUCCEEDED, seconds=60,
                 what="the evidence package to be built")
        assert _beat("holds-exports-resend").get(timeout=30) == []
        duplicate = evidence_export_build.delay(export.pk, actor_id=detective.pk)
        assert duplicate.get(timeout=30) == {"export_id": export.pk, "skipped": True}

    export.refresh_from_db()
    assert export.attempts == 1 and export.read_count == 2
    assert EvidenceExport.objects.filter(hold=hold).count() == 1
    assert AccessLog.objects.filter(action="holds.export").count() == 1
    assert DomainEvent.objects.filter(code="alprportal.holds.export.built").count() == 1
    assert len(_files(Path(settings.MEDIA_ROOT) / "holds" / "exports" / str(hold.pk))) == 1


# --- oversight reports (R-REP-1, R-REP-2) ----------------------------------------------------------------------------


def test_a_report_drafted_in_the_outage_is_rendered_once_when_it_returns(transactional_db, make_user, broker,
                                                                          client, caplog):
    from apps.reports.choices import Audience, JobStatus
    from apps.reports.models import OversightReport, ReportJob, ReportRendition
    from apps.reports.services.jobs import report_jobs_resend
    from apps.reports.tasks import report_job_run

    client.force_login(make_user(Role.CUSTODIAN))
    broker.stop()

    response = _during_the_outage(lambda: client.post(reverse("reports:draft"), {"period": "semiannual:2026-01-01"}),
                                  caplog, "apps.reports.tasks.report_job_run")
    assert response.status_code == 302
    report = OversightReport.objects.get(reference="SAR-2026-H1")
    job = report.jobs.get()
    assert job.status == JobStatus.QUEUED and job.step == "Waiting for a worker"

    assert report_jobs_resend() == []  # queued for less than QUEUED_JOB_RESEND_AFTER: maybe only slow
    ReportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - STRANDED)
    assert report_jobs_resend() == []  # stranded, but the broker is still down: nothing sent, nothing raised
    assert ReportJob.objects.get(pk=job.pk).status == JobStatus.QUEUED

    broker.start()
    with thread_worker(queues=("celery",)):
        assert _beat("reports-jobs-resend").get(timeout=30) == [job.pk]
        wait_for(lambda: ReportJob.objects.get(pk=job.pk).status in (JobStatus.SUCCEEDED, JobStatus.FAILED),
                 seconds=60, what="the report job to finish")
        assert _beat("reports-jobs-resend").get(timeout=30) == []
        assert report_job_run.delay(job.pk).get(timeout=30) == JobStatus.SUCCEEDED  # a duplicate: left alone

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert ReportRendition.objects.filter(report=report).count() == len(Audience.values)
    assert DomainEvent.objects.filter(code="alprportal.reports.report.refreshed").count() == 1
    assert len(_files(Path(settings.MEDIA_ROOT) / "reports" / report.reference)) == len(Audience.values)


# --- a second message of a job that is running is a no-op; its own retry or redelivery is not ------------------------


def test_only_the_first_message_or_its_own_retry_builds(approvable, active_hold):
    from apps.common.celery_utils import task_is_resumed
    from apps.common.jobs import job_claim
    from apps.disclosures.choices import PackageStatus
    from apps.disclosures.models import ReleasePackage
    from apps.disclosures.services.decisions import disclosure_request_approve
    from apps.holds.choices import ExportStatus
    from apps.holds.models import EvidenceExport
    from apps.holds.services.exports import evidence_export_request

    custodian, request = approvable
    disclosure_request_approve(actor=custodian, disclosure_request=request, statement="I authorize.",
                               signer_name="Carmen Ortiz", signer_title="Custodian of Records")
    package = ReleasePackage.objects.get(request=request)
    detective, hold = active_hold
    export = evidence_export_request(actor=detective, hold=hold, recipient=INTERNAL_RECIPIENT)

    assert job_claim(model=ReleasePackage, job_id=package.pk)  # the first message: queued → running
    assert ReleasePackage.objects.get(pk=package.pk).status == PackageStatus.RUNNING
    assert not job_claim(model=ReleasePackage, job_id=package.pk)  # another message of the same package: no-op
    assert job_claim(model=ReleasePackage, job_id=package.pk, resumed=True)  # its own retry or redelivery: continues
    ReleasePackage.objects.filter(pk=package.pk).update(status=PackageStatus.FAILED)
    assert not job_claim(model=ReleasePackage, job_id=package.pk, resumed=True)  # finished: left alone

    assert job_claim(model=EvidenceExport, job_id=export.pk)
    assert EvidenceExport.objects.get(pk=export.pk).status == ExportStatus.RUNNING
    assert not job_claim(model=EvidenceExport, job_id=export.pk)
    assert job_claim(model=EvidenceExport, job_id=export.pk, resumed=True)
    EvidenceExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
    assert not job_claim(model=EvidenceExport, job_id=export.pk, resumed=True)
    assert not job_claim(model=EvidenceExport, job_id=0)

    class Request:
        retries, delivery_info = 0, {"redelivered": False}

    assert not task_is_resumed(Request())
    Request.retries = 1
    assert task_is_resumed(Request())
    Request.retries, Request.delivery_info = 0, {"redelivered": True}
    assert task_is_resumed(Request())
    assert not task_is_resumed(type("Eager", (), {"retries": 0, "delivery_info": None})())
