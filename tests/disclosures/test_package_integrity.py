"""R-SEC-2 and R-SHR-8: a release package is an egress of images, so each image is checked against the SHA-256
recorded at ingest before it leaves. Found by the helper-5 attack (2026-12-05): the package read images (pack slices)
without the check, so a slice edited or corrupted in storage was released under a fresh SHA-256 in the manifest."""

from __future__ import annotations

import json

from django.core.files.storage import default_storage

from apps.disclosures.packages import release_package_build
from apps.reads.images import IMAGE_LEFT_OUT, image_pack_ref, image_stored_bytes
from apps.reads.models import Read
from tests.disclosures.test_package import _approve, open_package, verify_manifest
from tests.events import domain_events


def test_a_corrupt_pack_slice_is_not_released(custodian, partner, agreement, submit, store_reads, sysadmin):
    tampered_id, intact_id = store_reads([("7ABC123", 5, True), ("7ABC123", 6, True)])
    tampered, intact = Read.objects.get(pk=tampered_id), Read.objects.get(pk=intact_id)
    pack, offset, _length = image_pack_ref(tampered.plate_crop.name)
    with open(default_storage.path(pack), "r+b") as handle:  # someone edits one crop inside the batch's object
        handle.seek(offset + 30)
        handle.write(b"\x00\x01\x02\x03")

    package = _approve(custodian, submit(partner))
    release_package_build(package_id=package.pk)
    package.refresh_from_db()
    archive = open_package(package)
    manifest = verify_manifest(archive)
    names = set(archive.namelist())
    assert f"images/{tampered.pk}-plate.jpg" not in names
    assert f"images/{tampered.pk}-vehicle.jpg" in names
    assert archive.read(f"images/{intact.pk}-plate.jpg") == image_stored_bytes(intact.plate_crop.name)
    assert manifest["missing_images"] == [IMAGE_LEFT_OUT["integrity"].format(read_id=tampered.pk, label="plate")]
    assert json.loads(archive.read("manifest.json"))["read_count"] == 2
    assert domain_events("alprportal.reads.image.integrity_failed", target=tampered) == [
        "alprportal.reads.image.integrity_failed"]
