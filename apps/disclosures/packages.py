"""Release packages (R-SHR-4, R-SHR-7): built by a Celery job after approval, idempotent and resumable.

One zip, stored through Django's storage API:

- ``reads.csv`` — the released reads (the plate as read, as normalized, as corrected; time; camera; place; …);
- ``images/<read>-vehicle.<ext>``, ``images/<read>-plate.<ext>`` — their images;
- ``authorization-letter.pdf`` — the custodian's written authorization (WeasyPrint, no network);
- ``manifest.json`` — the request, recipient, authorization and the SHA-256 and size of every other file.

The job re-checks eligibility live (an agreement that expired since the approval stops the release), writes the
release to the access log (purpose and case number of the request, R-AUD-1) before reading anything, records which
reads were released, and marks the request released — all or nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tempfile
import zipfile
from datetime import UTC

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from apps.audit.services import access_log_record, event_record
from apps.common.csv import csv_writer
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.common.jobs import job_started
from apps.disclosures.choices import DisclosureStatus, PackageStatus
from apps.disclosures.letter import render_authorization_letter
from apps.disclosures.models import DisclosureRequest, ReleasedRead, ReleasePackage
from apps.disclosures.reads_bridge import (
    disclosure_reads_in_order,
    disclosure_release_read_rows,
    disclosure_request_searches,
    search_data_elements,
)
from apps.disclosures.selectors import disclosure_request_eligibility, release_download_eligibility
from apps.notifications.models import Severity
from apps.notifications.services import notification_send_on_commit
from apps.reads.images import IMAGE_LEFT_OUT, read_image_for_egress

logger = logging.getLogger("alprportal.disclosures.packages")

PACKAGE_REQUEST_NOT_APPROVED = "The request is {status}, not approved; no package is built."
PACKAGE_NO_LONGER_ELIGIBLE = "The release was stopped because sharing is no longer allowed: {reasons}"
PACKAGE_RETRY_NOT_FAILED = "Only a failed package can be built again; this one is {status}."
PACKAGE_NOT_ALLOWED = "You may not rebuild release packages."
RELEASE_DOWNLOAD_REFUSED = "The download is refused: sharing this release is no longer allowed. {reasons}"

CSV_COLUMNS = ["read_id", "plate_as_read", "plate_normalized", "plate_corrected", "region", "captured_at_utc",
               "captured_at_local", "camera", "camera_kind", "latitude", "longitude", "confidence",
               "flagged_out_of_service", "vehicle_image", "plate_image"]
_IMAGE_KINDS = (("vehicle_image", "vehicle"), ("plate_crop", "plate"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _set_progress(package_id: int, percent: int) -> None:
    ReleasePackage.objects.filter(pk=package_id).update(progress=max(0, min(99, percent)))


def _start(package_id: int) -> tuple[ReleasePackage, DisclosureRequest] | tuple[ReleasePackage, None]:
    with transaction.atomic():
        package = ReleasePackage.objects.select_for_update().get(pk=package_id)
        if package.status == PackageStatus.SUCCEEDED:
            return package, None
        disclosure_request = (DisclosureRequest.objects.select_for_update(of=("self",))
                              .select_related("agency", "agreement").get(pk=package.request_id))
        if disclosure_request.status != DisclosureStatus.APPROVED:
            raise ApplicationError(PACKAGE_REQUEST_NOT_APPROVED.format(
                status=disclosure_request.get_status_display().lower()), code="request_not_approved")
        eligibility = disclosure_request_eligibility(disclosure_request=disclosure_request)
        if not eligibility.eligible:
            raise ApplicationError(PACKAGE_NO_LONGER_ELIGIBLE.format(reasons=" ".join(eligibility.reasons)),
                                   code="no_longer_eligible")
        # The task claimed it (job_claim counted the start); built without a claim (the demo), count it here.
        started = job_started(package) if package.status != PackageStatus.RUNNING else []
        package.progress = 1
        package.error = ""
        package.save(update_fields=[*started, "progress", "error"])
        return package, disclosure_request


def _read_storage(read, field: str) -> tuple[bytes | None, str]:
    # A file of its own or a slice of a batch's pack (issue #19), SHA-256 checked before release (R-SEC-2).
    data, left_out = read_image_for_egress(read=read, kind=field)
    if left_out == "missing":
        logger.warning("Image %s of a released read is missing from storage.", getattr(read, field).name)
    return data, left_out


def _write_zip(target, *, package, disclosure_request, authorization, reads) -> dict:
    files: list[dict] = []
    missing: list[str] = []

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def add(path: str, data: bytes) -> str:
            archive.writestr(path, data)
            digest = _sha256(data)
            files.append({"path": path, "bytes": len(data), "sha256": digest})
            return digest

        rows = io.StringIO()
        writer = csv_writer(rows)  # formulas neutralized (R-SHR-8)
        writer.writerow(CSV_COLUMNS)
        total = max(1, len(reads))
        for index, read in enumerate(reads, start=1):
            image_paths = {}
            for field, label in _IMAGE_KINDS:
                name = getattr(read, field).name
                if not name:
                    image_paths[field] = ""
                    continue
                data, left_out = _read_storage(read, field)
                if data is None:
                    image_paths[field] = ""
                    missing.append(IMAGE_LEFT_OUT[left_out].format(read_id=read.pk, label=label))
                    continue
                extension = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
                image_paths[field] = f"images/{read.pk}-{label}.{extension}"
                add(image_paths[field], data)
            writer.writerow([
                read.pk, read.plate_read, read.plate_normalized,
                read.plate_current if read.plate_current != read.plate_normalized else "", read.region,
                read.captured_at.astimezone(UTC).isoformat(),
                timezone.localtime(read.captured_at).isoformat(), read.camera.name, read.camera.kind,
                "" if read.latitude is None else read.latitude, "" if read.longitude is None else read.longitude,
                "" if read.confidence is None else read.confidence, "yes" if read.flagged_out_of_service else "no",
                image_paths["vehicle_image"], image_paths["plate_crop"],
            ])
            if index % 25 == 0:
                _set_progress(package.pk, 5 + 80 * index // total)
        csv_sha256 = add("reads.csv", rows.getvalue().encode("utf-8"))
        _set_progress(package.pk, 88)

        letter = render_authorization_letter(disclosure_request=disclosure_request, authorization=authorization,
                                             read_count=len(reads), csv_sha256=csv_sha256)
        add("authorization-letter.pdf", letter)
        _set_progress(package.pk, 95)

        manifest = {
            "format": "alpr-portal-release/1",
            "request": {
                "reference": disclosure_request.reference, "id": disclosure_request.pk,
                "recipient_agency": disclosure_request.agency.name, "recipient_ori": disclosure_request.agency.ori,
                "requesting_person": disclosure_request.requesting_person_name,
                "purpose": disclosure_request.purpose, "purpose_label": disclosure_request.get_purpose_display(),
                "case_number": disclosure_request.case_number, "legal_basis": disclosure_request.legal_basis,
                "plates": list(disclosure_request.plates),
                "time_from": disclosure_request.time_from.isoformat(),
                "time_to": disclosure_request.time_to.isoformat(),
            },
            "authorization": {
                "signed_by": authorization.signer_name, "title": authorization.signer_title,
                "signed_at": authorization.signed_at.isoformat(), "sha256": authorization.content_sha256,
            },
            "generated_at": timezone.now().isoformat(),
            "read_count": len(reads),
            "missing_images": missing,
            "files": files,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
    return manifest


def release_package_build(*, package_id: int, actor=None) -> ReleasePackage:
    """Build (or finish building) the release package of an approved request. Idempotent: a package already built
    is returned as it is; a re-delivered job rebuilds from the start; if two workers race, the first to finish wins
    and the other's file is discarded. Expected refusals raise ApplicationError (not retried)."""
    package, disclosure_request = _start(package_id)
    if disclosure_request is None:
        return package
    authorization = disclosure_request.authorization
    searches = disclosure_request_searches(disclosure_request, now=authorization.signed_at)
    with transaction.atomic():
        read_rows = disclosure_release_read_rows(searches)
        # The release is a disclosure of ALPR data: logged (purpose and case number of the request) before reading.
        access_log_record(
            user=authorization.custodian, action="disclosures.release",
            data_elements={"disclosure_request": disclosure_request.reference,
                           "recipient_agency": disclosure_request.agency.name,
                           "searches": search_data_elements(searches)},
            purpose=disclosure_request.purpose, case_number=disclosure_request.case_number,
            result_count=len(read_rows), endpoint="disclosures.tasks.disclosure_package_build",
        )
    reads = disclosure_reads_in_order(read_rows)
    _set_progress(package.pk, 5)

    with tempfile.TemporaryFile() as spool:
        manifest = _write_zip(spool, package=package, disclosure_request=disclosure_request,
                              authorization=authorization, reads=reads)
        spool.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: spool.read(1024 * 1024), b""):
            digest.update(chunk)
        size = spool.tell()
        spool.seek(0)
        stored_name = default_storage.save(
            f"disclosures/{disclosure_request.pk}/release/{disclosure_request.reference}-{digest.hexdigest()[:12]}.zip",
            File(spool))

    with transaction.atomic():
        package = ReleasePackage.objects.select_for_update().get(pk=package.pk)
        if package.status == PackageStatus.SUCCEEDED:
            default_storage.delete(stored_name)
            return package
        disclosure_request = DisclosureRequest.objects.select_for_update().get(pk=disclosure_request.pk)
        package.file.name = stored_name
        package.file_sha256, package.file_size = digest.hexdigest(), size
        package.read_count, package.manifest = len(reads), manifest
        package.status, package.progress, package.finished_at = PackageStatus.SUCCEEDED, 100, timezone.now()
        package.full_clean()
        package.save(update_fields=["file", "file_sha256", "file_size", "read_count", "manifest", "status",
                                    "progress", "finished_at"])
        ReleasedRead.objects.bulk_create([
            ReleasedRead(request=disclosure_request, package=package, read_id=read.pk, plate=read.plate_current,
                         captured_at=read.captured_at, camera_name=read.camera.name, latitude=read.latitude,
                         longitude=read.longitude)
            for read in reads
        ])
        old = disclosure_request.status
        disclosure_request.status = DisclosureStatus.RELEASED
        disclosure_request.released_at = timezone.now()
        disclosure_request.full_clean()
        disclosure_request.save(update_fields=["status", "released_at"])
        event_record(actor=actor, code="alprportal.disclosures.request.released", target=disclosure_request,
                     data={"old_status": old, "new_status": DisclosureStatus.RELEASED, "read_count": len(reads),
                           "package_sha256": package.file_sha256})
        event_record(actor=actor, code="alprportal.disclosures.package.built", target=package,
                     data={"read_count": len(reads), "sha256": package.file_sha256, "bytes": size,
                           "attempt": package.attempts})
        people = [disclosure_request.submitted_by]
        reference, link = disclosure_request.reference, f"/disclosures/requests/{disclosure_request.pk}/"
        notification_send_on_commit(
            recipients=people, title=f"{reference}: release package ready",
            body="The approved ALPR data is ready to download from the request page.", link=link,
        )
    return package


def release_package_download_open(*, user, package: ReleasePackage, request=None):
    """Open a built release package for ``user`` to download (page and API). R-SHR-8: eligibility is checked again
    now (``release_download_eligibility``); a release that may no longer be shared is refused with the reasons
    (PermissionDeniedError ``release_no_longer_eligible``) and the refusal is a domain event. Otherwise the download
    is written to the access log (purpose and case number of the request, R-AUD-1) before the file is opened."""
    disclosure_request = package.request
    check = release_download_eligibility(disclosure_request=disclosure_request)
    if not check.eligible:
        with transaction.atomic():
            event_record(actor=user, code="alprportal.disclosures.package.download_refused", target=package,
                         data={"request_id": disclosure_request.pk, "reasons": check.reasons,
                               "eligibility": check.snapshot()})
        raise PermissionDeniedError(RELEASE_DOWNLOAD_REFUSED.format(reasons=" ".join(check.reasons)),
                                    code="release_no_longer_eligible", extra={"reasons": check.reasons})
    with transaction.atomic():
        access_log_record(
            user=user, action="disclosures.package.download",
            data_elements={"disclosure_request": disclosure_request.reference, "package_sha256": package.file_sha256,
                           "recipient_agency": disclosure_request.agency.name},
            purpose=disclosure_request.purpose, case_number=disclosure_request.case_number,
            result_count=package.read_count, request=request,
        )
    return package.file.open("rb")


def release_package_failed(package: ReleasePackage, *, old_status: str, actor=None) -> None:
    """``JOB_ON_FAILED`` of a package (``job_mark_failed``: the job gave up, an expected refusal or retries
    exhausted; the package says why): the event, and the custodian is told."""
    error = package.error
    event_record(actor=actor, code="alprportal.disclosures.package.failed", target=package, data={"error": error[:500]})
    reference = package.request.reference
    notification_send_on_commit(
        roles=["custodian"], title=f"Release package of {reference} failed", body=error[:1000],
        link=f"/admin/disclosures/disclosurerequest/{package.request_id}/change/", severity=Severity.CRITICAL,
        dedupe_key=f"package-failed-{package.pk}-{package.attempts}",
    )


@transaction.atomic
def release_package_retry(*, actor, package: ReleasePackage) -> ReleasePackage:
    """failed → queued: build again (e.g. after storage came back)."""
    if not actor.has_perm("disclosures.authorize_disclosure"):
        raise PermissionDeniedError(PACKAGE_NOT_ALLOWED, code="package_not_allowed")
    package = ReleasePackage.objects.select_for_update().get(pk=package.pk)
    if package.status != PackageStatus.FAILED:
        raise ApplicationError(PACKAGE_RETRY_NOT_FAILED.format(status=package.get_status_display().lower()),
                               code="package_not_failed")
    package.status, package.progress, package.queued_at = PackageStatus.QUEUED, 0, timezone.now()
    package.save(update_fields=["status", "progress", "queued_at"])
    event_record(actor=actor, code="alprportal.disclosures.package.queued", target=package, data={"retry": True})
    from apps.disclosures.services.release import release_package_enqueue

    release_package_enqueue(package, actor=actor)
    return package
