"""Release packages (R-SHR-4, R-SHR-7): built by a real Celery worker after approval; a zip of the released reads
(CSV), their images, the PDF authorization letter and a manifest whose SHA-256 hashes match the files; what was
released recorded on the request; downloads behind a signed, expiring, per-person link, logged in the access log."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import zipfile
from datetime import timedelta

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from apps.agreements.models import Agreement
from apps.audit.models import AccessLog
from apps.common.errors import ApplicationError
from apps.disclosures.choices import DisclosureStatus, PackageStatus
from apps.disclosures.links import package_download_url
from apps.disclosures.models import ReleasedRead, ReleasePackage
from apps.disclosures.packages import release_package_build, release_package_retry
from apps.disclosures.services.decisions import disclosure_request_approve
from apps.disclosures.tasks import disclosure_package_build
from apps.reads.models import Read

SIGN = {"statement": "I authorize the release of the matching reads.", "signer_name": "Carmen Ortiz",
        "signer_title": "Custodian of Records"}


def _approve(custodian, request):
    disclosure_request_approve(actor=custodian, disclosure_request=request, **SIGN)
    return ReleasePackage.objects.get(request=request)


def _wait(package, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        package.refresh_from_db()
        if package.status in (PackageStatus.SUCCEEDED, PackageStatus.FAILED):
            return package
        time.sleep(0.25)
    raise AssertionError(f"package still {package.status} after {seconds}s")


def open_package(package) -> zipfile.ZipFile:
    with default_storage.open(package.file.name, "rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def verify_manifest(archive: zipfile.ZipFile) -> dict:
    manifest = json.loads(archive.read("manifest.json"))
    listed = {entry["path"] for entry in manifest["files"]}
    assert listed == set(archive.namelist()) - {"manifest.json"}
    for entry in manifest["files"]:
        data = archive.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert len(data) == entry["bytes"]
    return manifest


@pytest.mark.celery_worker
def test_the_package_is_built_by_the_worker_and_its_manifest_matches(celery_worker, custodian, partner, agreement,
                                                                     store_reads, submit, client):
    ids = store_reads([("7ABC123", 2, True), ("7ABC123", 50, True), ("7ABD129", 3, True), ("6TRJ244", 1, True)])
    Read.objects.filter(pk=ids[1]).update(archived_at=timezone.now())  # archived reads are not released
    request = submit(partner, plates=["7ABC123", "7AB?12*"])

    package = _wait(_approve(custodian, request))  # enqueued on commit, built by the real worker through Redis

    assert package.status == PackageStatus.SUCCEEDED, package.error
    assert package.progress == 100 and package.attempts == 1 and package.read_count == 2
    archive = open_package(package)
    manifest = verify_manifest(archive)
    assert manifest["request"]["reference"] == request.reference and manifest["read_count"] == 2
    rows = list(csv.DictReader(io.StringIO(archive.read("reads.csv").decode())))
    assert sorted(int(row["read_id"]) for row in rows) == sorted([ids[0], ids[2]])
    assert {row["plate_normalized"] for row in rows} == {"7ABC123", "7ABD129"}
    for row in rows:
        assert row["vehicle_image"] in archive.namelist() and row["plate_image"] in archive.namelist()
    letter = PdfReader(io.BytesIO(archive.read("authorization-letter.pdf")))
    text = " ".join(page.extract_text() for page in letter.pages)
    for expected in (request.reference, partner.agency.name, "Investigation for prosecution or exoneration",
                     "Carmen Ortiz", "Custodian of Records", request.case_number, "Penal Code"):
        assert expected in text, expected
    with default_storage.open(package.file.name, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == package.file_sha256

    request.refresh_from_db()
    assert request.status == DisclosureStatus.RELEASED and request.released_at
    assert sorted(ReleasedRead.objects.filter(request=request).values_list("read_id", flat=True)) == sorted(
        [ids[0], ids[2]])
    release_log = AccessLog.objects.get(action="disclosures.release")
    assert (release_log.user, release_log.purpose, release_log.case_number, release_log.result_count) == (
        custodian, request.purpose, request.case_number, 2)

    client.force_login(partner)
    page = client.get(reverse("disclosures:detail", args=[request.pk])).content.decode()
    assert "2 reads released" in page and 'id="download-package"' in page
    url = package_download_url(package=package, user=partner)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == package.file_sha256
    download_log = AccessLog.objects.get(action="disclosures.package.download")
    assert (download_log.user, download_log.purpose, download_log.case_number) == (
        partner, request.purpose, request.case_number)


@pytest.fixture
def released(custodian, partner, agreement, store_reads, submit):
    store_reads([("7ABC123", 2, True)])
    request = submit(partner)
    package = _approve(custodian, request)
    release_package_build(package_id=package.pk, actor=custodian)
    package.refresh_from_db()
    request.refresh_from_db()
    return request, package


@pytest.mark.django_db
def test_building_again_changes_nothing(released, custodian):
    request, package = released
    again = release_package_build(package_id=package.pk, actor=custodian)
    assert again.file.name == package.file.name and again.file_sha256 == package.file_sha256
    assert ReleasedRead.objects.count() == 1 and AccessLog.objects.filter(action="disclosures.release").count() == 1


@pytest.mark.django_db
def test_the_link_expires_and_is_personal(client, settings, monkeypatch, released, partner, make_user):
    request, package = released
    url = package_download_url(package=package, user=partner)
    colleague = make_user("partner_requester", agency=partner.agency)
    client.force_login(colleague)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("disclosures:detail", args=[request.pk])
    client.force_login(partner)
    settings.PORTAL = {**settings.PORTAL, "DISCLOSURE_PACKAGE_LINK_MAX_AGE_SECONDS": 60}
    past = time.time() - 120
    with monkeypatch.context() as patch:  # a link issued two minutes ago, with a one-minute lifetime
        patch.setattr(signing.time, "time", lambda: past)
        stale = package_download_url(package=package, user=partner)
    response = client.get(stale, follow=True)
    assert "That download link has expired" in response.content.decode()
    assert not AccessLog.objects.filter(action="disclosures.package.download").exists()
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_downloading_needs_current_training(client, released, partner):
    from apps.training.models import TrainingRecord

    request, package = released
    TrainingRecord.objects.filter(person=partner).update(completed_on=timezone.localdate() - timedelta(days=800))
    client.force_login(partner)
    response = client.get(package_download_url(package=package, user=partner))
    assert response.status_code == 302 and response["Location"] == reverse("training:required")


@pytest.mark.django_db
def test_the_api_download(api_client, released, partner, other_partner):
    request, package = released
    api_client.force_authenticate(partner)
    detail = api_client.get(reverse("api:disclosure-request-detail", args=[request.pk])).json()
    assert detail["status"] == "released" and detail["package"]["read_count"] == 1
    response = api_client.get(detail["package"]["download_url"])
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == package.file_sha256
    assert api_client.get(reverse("api:disclosure-package-download", args=[request.pk]),
                          {"token": "forged"}).status_code == 403
    api_client.force_authenticate(other_partner)
    assert api_client.get(detail["package"]["download_url"]).status_code == 404


@pytest.mark.django_db
def test_an_agreement_that_expired_after_approval_stops_the_release(custodian, partner, agreement, submit):
    request = submit(partner)
    package = _approve(custodian, request)
    Agreement.objects.filter(pk=agreement.pk).update(start_date=timezone.localdate() - timedelta(days=365),
                                                     sunset_date=timezone.localdate())
    with pytest.raises(ApplicationError, match="reached its sunset"):
        release_package_build(package_id=package.pk)
    # The task: an expected refusal is not retried, and the package is marked failed with the reason.
    result = disclosure_package_build.apply(args=[package.pk], throw=False)
    assert result.failed()
    package.refresh_from_db()
    assert package.status == PackageStatus.FAILED and "reached its sunset" in package.error
    request.refresh_from_db()
    assert request.status == DisclosureStatus.APPROVED and not ReleasedRead.objects.exists()
    release_package_retry(actor=custodian, package=package)
    package.refresh_from_db()
    assert package.status == PackageStatus.QUEUED
    with pytest.raises(ApplicationError, match="release was stopped"):
        release_package_build(package_id=package.pk)
