"""Evidence packages of a hold (000 462.4, 003 427.4: "downloaded from the server onto portable media and booked
into evidence"): built by a Celery job into one zip through Django's storage API.

- ``reads.csv`` — the held reads (plate as read, normalized, corrected; time; camera; place; confidence);
- ``images/<read>-vehicle.<ext>``, ``images/<read>-plate.<ext>`` — their images;
- ``summary.pdf`` — the hold (case, ground, reason, approval) and the files' SHA-256 (WeasyPrint, no network);
- ``manifest.json`` and ``SHA256SUMS`` — the SHA-256 and size of every other file.

Building it reads read data: it is written to the access log (the hold's purpose and case number) first.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tempfile
import uuid
import zipfile
from datetime import UTC

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.audit.services import access_log_record, event_record
from apps.common.csv import csv_writer
from apps.common.errors import ApplicationError
from apps.common.jobs import job_started
from apps.holds.choices import ExportStatus, HoldStatus
from apps.holds.models import EvidenceExport
from apps.reads.archive import reads_archived_on_set
from apps.reads.images import IMAGE_LEFT_OUT, read_image_for_egress

logger = logging.getLogger("alprportal.holds.exports")

EXPORT_HOLD_NOT_ACTIVE = "The hold is {status}; no evidence package is built."
CSV_COLUMNS = ["read_id", "plate_as_read", "plate_normalized", "plate_corrected", "region", "captured_at_utc",
               "captured_at_local", "camera", "camera_kind", "latitude", "longitude", "confidence",
               "flagged_out_of_service", "archived_at_utc", "vehicle_image", "plate_image"]
_IMAGE_KINDS = (("vehicle_image", "vehicle"), ("plate_crop", "plate"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _start(export_id: int):
    with transaction.atomic():
        export = EvidenceExport.objects.select_for_update().select_related("hold").get(pk=export_id)
        if export.status == ExportStatus.SUCCEEDED:
            return export, False
        if export.hold.status != HoldStatus.ACTIVE:
            raise ApplicationError(EXPORT_HOLD_NOT_ACTIVE.format(status=export.hold.get_status_display().lower()),
                                   code="export_hold_not_active")
        # The task claimed it (job_claim counted the start); built without a claim (the demo), count it here.
        started = job_started(export) if export.status != ExportStatus.RUNNING else []
        export.error, export.progress = "", 1
        export.save(update_fields=[*started, "error", "progress"])
        return export, True


def _progress(export_id: int, percent: int) -> None:
    EvidenceExport.objects.filter(pk=export_id).update(progress=max(0, min(99, percent)))


def render_summary_pdf(*, hold, reads_count: int, files: list[dict], generated_at) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from apps.agencies.selectors import agency_get_deploying

    deploying = agency_get_deploying()
    html = render_to_string("holds/export_summary.html", {
        "hold": hold, "read_count": reads_count, "files": files, "generated_at": timezone.localtime(generated_at),
        "agency_name": deploying.name if deploying else "", "agency_ori": deploying.ori if deploying else "",
    })
    return HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols={"data"}, timeout=1)).write_pdf()


def _write_zip(target, *, export: EvidenceExport, reads) -> dict:
    hold = export.hold
    files: list[dict] = []
    missing: list[str] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def add(path: str, data: bytes) -> None:
            archive.writestr(path, data)
            files.append({"path": path, "bytes": len(data), "sha256": _sha256(data)})

        rows = io.StringIO()
        writer = csv_writer(rows)  # formulas neutralized (R-SHR-8)
        writer.writerow(CSV_COLUMNS)
        for index, read in enumerate(reads, start=1):
            paths = {}
            for field, label in _IMAGE_KINDS:
                name = getattr(read, field).name
                paths[field] = ""
                if not name:
                    continue
                # A file of its own or a slice of a batch's pack (issue #19), SHA-256 checked (R-SEC-2).
                data, left_out = read_image_for_egress(read=read, kind=field)
                if data is None:
                    missing.append(IMAGE_LEFT_OUT[left_out].format(read_id=read.pk, label=label))
                    continue
                extension = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
                paths[field] = f"images/{read.pk}-{label}.{extension}"
                add(paths[field], data)
            writer.writerow([
                read.pk, read.plate_read, read.plate_normalized,
                read.plate_current if read.plate_current != read.plate_normalized else "", read.region,
                read.captured_at.astimezone(UTC).isoformat(), timezone.localtime(read.captured_at).isoformat(),
                read.camera.name, read.camera.kind, "" if read.latitude is None else read.latitude,
                "" if read.longitude is None else read.longitude, "" if read.confidence is None else read.confidence,
                "yes" if read.flagged_out_of_service else "no",
                read.archived_on.astimezone(UTC).isoformat() if read.archived_on else "",
                paths["vehicle_image"], paths["plate_crop"],
            ])
            if index % 50 == 0:
                _progress(export.pk, 5 + 75 * index // max(1, len(reads)))
        add("reads.csv", rows.getvalue().encode("utf-8"))
        generated_at = timezone.now()
        add("summary.pdf", render_summary_pdf(hold=hold, reads_count=len(reads), files=list(files),
                                              generated_at=generated_at))
        _progress(export.pk, 92)
        manifest = {
            "format": "alpr-portal-evidence/1",
            "hold": {"reference": hold.reference, "id": hold.pk, "case_number": hold.case_number,
                     "ground": hold.ground, "ground_label": hold.get_ground_display(), "reason": hold.reason,
                     "requested_by": hold.requested_by.get_username(), "approved_by": hold.decided_by.get_username()
                     if hold.decided_by_id else "", "approved_at": hold.decided_at.isoformat()
                     if hold.decided_at else ""},
            "generated_at": generated_at.isoformat(),
            "generated_for": export.requested_by.get_username(),
            "recipient": export.recipient,
            "read_count": len(reads),
            "missing_images": missing,
            "files": files,
        }
        archive.writestr("SHA256SUMS", "".join(f"{f['sha256']}  {f['path']}\n" for f in files).encode("ascii"))
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
    return manifest


def evidence_export_build(*, export_id: int, actor=None) -> EvidenceExport:
    """Build (or finish) an evidence package. Idempotent: a built package is returned as is; a redelivered job
    rebuilds from the start. Refuses (ApplicationError, not retried) a hold that is no longer active."""
    from apps.reads.models import Read

    export, build = _start(export_id)
    if not build:
        return export
    hold = export.hold
    with transaction.atomic():
        read_ids = list(hold.held_reads.values_list("read_id", flat=True))
        reads = list(Read.objects.select_related("camera").filter(pk__in=read_ids).order_by("captured_at", "pk"))
        reads_archived_on_set(reads)  # R-RET-1: the CSV says when each was archived
        access_log_record(user=export.requested_by, action="holds.export",
                          data_elements={"hold": hold.reference, "hold_id": hold.pk, "export_id": export.pk,
                                         "recipient": export.recipient},
                          purpose=hold.purpose, case_number=hold.case_number, result_count=len(reads),
                          endpoint="holds.tasks.evidence_export_build")
    with tempfile.TemporaryFile() as spool:
        manifest = _write_zip(spool, export=export, reads=reads)
        spool.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: spool.read(1 << 20), b""):
            digest.update(chunk)
        size = spool.tell()
        spool.seek(0)
        name = default_storage.save(f"holds/exports/{hold.pk}/{hold.reference}-{uuid.uuid4().hex[:8]}.zip",
                                    File(spool))
    with transaction.atomic():
        export = EvidenceExport.objects.select_for_update().get(pk=export.pk)
        if export.status == ExportStatus.SUCCEEDED:  # a racing worker finished first: keep its file
            default_storage.delete(name)
            return export
        export.file.name = name
        export.file_sha256, export.file_size, export.read_count = digest.hexdigest(), size, len(reads)
        export.status, export.finished_at, export.progress = ExportStatus.SUCCEEDED, timezone.now(), 100
        export.full_clean()
        export.save(update_fields=["file", "file_sha256", "file_size", "read_count", "status", "finished_at",
                                   "progress"])
        event_record(actor=actor, code="alprportal.holds.export.built", target=hold,
                     data={"export_id": export.pk, "sha256": export.file_sha256, "reads": len(reads),
                           "missing_images": manifest["missing_images"]})
    return export


def evidence_export_failed(export: EvidenceExport, *, old_status: str, actor=None) -> None:
    """``JOB_ON_FAILED`` of an export (``job_mark_failed``): the hold's record says the export failed and why."""
    event_record(actor=actor, code="alprportal.holds.export.failed", target=export.hold,
                 data={"export_id": export.pk, "error": export.error[:500]})


def evidence_export_open(*, user, export: EvidenceExport, request=None):
    """Open a built package for download; the download is itself an access of read data, logged first."""
    hold = export.hold
    with transaction.atomic():
        access_log_record(user=user, action="holds.export.download",
                          data_elements={"hold": hold.reference, "hold_id": hold.pk, "export_id": export.pk,
                                         "sha256": export.file_sha256},
                          purpose=hold.purpose, case_number=hold.case_number, result_count=export.read_count,
                          request=request)
    return default_storage.open(export.file.name, "rb")
