"""R-SEC-2: stored images carry a SHA-256 checked when served — and an evidence package is served to whoever opens
it, so it checks them too. Found by the helper-5 attack (2026-12-05): the evidence export read images (files or pack
slices) without the check, so an image edited or corrupted in storage went into the package under a fresh SHA-256 in
its manifest, as if it were the original."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from django.core.files.storage import default_storage

from apps.accounts.roles import Role
from apps.disclosures.egress import INTERNAL_RECIPIENT
from apps.holds.exports import evidence_export_build
from apps.holds.services.exports import evidence_export_request
from apps.reads.images import IMAGE_LEFT_OUT
from apps.reads.models import Read
from tests.events import domain_events
from tests.holds.helpers import approve_and_verify, make_read


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_tampered_image_is_left_out_of_the_evidence_package_and_alerted(
        request_hold, detective, boss, camera, make_user, agency):
    make_user(Role.SYSADMIN, agency=agency)
    read = make_read(camera, plate="7ABC123", days_ago=5, images=True)
    originals = {}
    for field in ("vehicle_image", "plate_crop"):
        with default_storage.open(getattr(read, field).name, "rb") as handle:
            originals[field] = handle.read()
    Read.objects.filter(pk=read.pk).update(vehicle_image_sha256=_sha256(originals["vehicle_image"]),
                                           plate_crop_sha256=_sha256(originals["plate_crop"]))
    with open(default_storage.path(read.plate_crop.name), "r+b") as handle:  # someone edits the crop in storage
        handle.seek(20)
        handle.write(b"\x00\x01\x02\x03")

    hold = approve_and_verify(boss=boss, hold=request_hold())
    export = evidence_export_request(actor=detective, hold=hold, recipient=INTERNAL_RECIPIENT)
    export = evidence_export_build(export_id=export.pk, actor=detective)
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = set(archive.namelist())
    assert f"images/{read.pk}-plate.jpg" not in names
    assert archive.read(f"images/{read.pk}-vehicle.jpg") == originals["vehicle_image"]  # the intact one is released
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["missing_images"] == [IMAGE_LEFT_OUT["integrity"].format(read_id=read.pk, label="plate")]
    assert domain_events("alprportal.reads.image.integrity_failed", target=read) == [
        "alprportal.reads.image.integrity_failed"]
