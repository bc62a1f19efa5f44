"""The image batch store (issue #19): the images of one ingest batch are ONE object with offsets; each is read back
through the storage API, checked against its SHA-256 (R-SEC-2) and served only through the signed, logged image view
(R-AUD-1a). Reads stored one file per image before packs keep working."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from apps.audit.access_context import AccessContext
from apps.audit.models import AccessLog
from apps.reads.images import IMAGE_INTEGRITY_FAILED, image_pack_ref, image_sha256, image_stored_bytes
from apps.reads.links import read_image_url
from apps.reads.models import ImagePack, Read
from apps.reads.services.ingest import read_batch_ingest
from tests.reads.conftest import b64, iso, jpeg_bytes

ACCESS = AccessContext(purpose="investigative_leads", case_number="26-1")


def _crops(count: int) -> list[bytes]:
    return [jpeg_bytes(size=(60 + n, 24), color=(20 * n, 200, 200)) for n in range(count)]


def _ingest(camera, crops, *, vehicle: bytes | None = None):
    items = [{"plate": f"7ABC{100 + n}", "captured_at": iso(timezone.now()), "read_id": f"p-{n}",
              "plate_crop": b64(crop)} for n, crop in enumerate(crops)]
    if vehicle is not None:
        items[0]["vehicle_image"] = b64(vehicle)
    result = read_batch_ingest(camera=camera, items=items)
    assert result.stored == len(crops)
    return [Read.objects.get(pk=r.id) for r in result.results]


def test_a_batch_is_one_object_and_every_image_reads_back(camera, camera_client):
    crops, vehicle = _crops(3), jpeg_bytes(size=(200, 120), color=(10, 90, 200))
    reads = _ingest(camera, crops, vehicle=vehicle)
    pack = ImagePack.objects.get()
    assert (pack.image_count, pack.size) == (4, sum(map(len, crops)) + len(vehicle))
    _dirs, files = default_storage.listdir(pack.name.rsplit("/", 1)[0])
    assert files == [pack.name.rsplit("/", 1)[1]], "one object for the whole batch"
    assert all(read.image_pack_id == pack.pk for read in reads)
    for read, crop in zip(reads, crops, strict=True):
        assert image_pack_ref(read.plate_crop.name)[0] == pack.name
        assert image_stored_bytes(read.plate_crop.name) == crop
        assert read.plate_crop_sha256 == image_sha256(crop)
    assert image_stored_bytes(reads[0].vehicle_image.name) == vehicle


def test_a_corrupt_slice_is_refused_and_its_neighbours_still_served(client, camera, investigator):
    """R-SEC-2: one image of a pack edited in storage is refused (409); the others in the same object are intact."""
    reads = _ingest(camera, _crops(3))
    client.force_login(investigator)
    urls = [read_image_url(read=read, kind="plate_crop", user=investigator, context=ACCESS) for read in reads]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    pack, offset, _length = image_pack_ref(reads[1].plate_crop.name)
    with open(default_storage.path(pack), "r+b") as handle:  # someone edits the middle image in the object
        handle.seek(offset + 30)
        handle.write(b"\x00\x01\x02\x03")
    refused = client.get(urls[1])
    assert refused.status_code == 409 and refused.content.decode() == IMAGE_INTEGRITY_FAILED
    assert client.get(urls[0]).status_code == 200 and client.get(urls[2]).status_code == 200


def test_a_truncated_pack_is_refused_not_served_short(client, camera, investigator):
    """R-SEC-2: an object cut short gives fewer bytes than the slice: the checksum refuses them."""
    reads = _ingest(camera, _crops(2))
    pack, offset, _length = image_pack_ref(reads[1].plate_crop.name)
    with open(default_storage.path(pack), "r+b") as handle:
        handle.truncate(offset + 10)
    client.force_login(investigator)
    assert client.get(read_image_url(read=reads[1], kind="plate_crop", user=investigator,
                                     context=ACCESS)).status_code == 409
    assert client.get(read_image_url(read=reads[0], kind="plate_crop", user=investigator,
                                     context=ACCESS)).status_code == 200


def test_packed_images_only_through_the_signed_logged_view(client, camera, investigator, supervisor, settings):
    """R-AUD-1a: the image view still checks the per-person link and logs each image shown; the pack object is never
    reachable as media."""
    (read,) = _ingest(camera, _crops(1))
    url = read_image_url(read=read, kind="plate_crop", user=investigator, context=ACCESS)
    client.force_login(investigator)
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg" and shown.content[:3] == b"\xff\xd8\xff"
    log = AccessLog.objects.get(action="reads.image")
    assert (log.user, log.case_number, log.data_elements["read_id"]) == (investigator, "26-1", read.pk)
    assert client.get(reverse("reads:image", args=[read.pk, "plate_crop"])).status_code == 403  # unsigned
    pack, _offset, _length = image_pack_ref(read.plate_crop.name)
    assert client.get(settings.MEDIA_URL + pack).status_code == 404
    client.force_login(supervisor)
    assert client.get(url).status_code == 403  # someone else's link
    assert AccessLog.objects.filter(action="reads.image").count() == 1


def test_per_file_images_keep_working_beside_packs(client, camera, investigator, settings):
    settings.PORTAL = {**settings.PORTAL, "READ_IMAGE_PACKS": False}
    old_crop = jpeg_bytes(color=(1, 2, 3))
    (old,) = read_batch_ingest(camera=camera, items=[{"plate": "8OLD123", "captured_at": iso(timezone.now()),
                                                      "plate_crop": b64(old_crop)}]).results
    old = Read.objects.get(pk=old.id)
    assert old.image_pack_id is None and image_pack_ref(old.plate_crop.name) is None
    settings.PORTAL = {**settings.PORTAL, "READ_IMAGE_PACKS": True}
    (new,) = _ingest(camera, _crops(1))
    client.force_login(investigator)
    for read, expected in ((old, old_crop), (new, image_stored_bytes(new.plate_crop.name))):
        response = client.get(read_image_url(read=read, kind="plate_crop", user=investigator, context=ACCESS))
        assert response.status_code == 200 and response.content == expected


def test_a_retry_of_a_stored_batch_leaves_no_pack_behind(camera):
    captured = iso(timezone.now())
    items = [{"plate": f"7ABC{100 + n}", "captured_at": captured, "read_id": f"p-{n}", "plate_crop": b64(crop)}
             for n, crop in enumerate(_crops(2))]
    assert read_batch_ingest(camera=camera, items=items).stored == 2
    assert read_batch_ingest(camera=camera, items=items).duplicates == 2
    assert ImagePack.objects.count() == 1
    _dirs, files = default_storage.listdir(ImagePack.objects.get().name.rsplit("/", 1)[0])
    assert len(files) == 1


@pytest.mark.parametrize("bad", ["reads/packs/x.pack#0+10.jpg", "reads/packs/../../etc/passwd.pack#0+5.jpg"])
def test_a_camera_cannot_reference_a_pack(camera, bad):
    """A batch may reference only uploads under its own incoming prefix, never a slice of a pack."""
    result = read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(timezone.now()),
                                                      "plate_crop_ref": bad}])
    assert result.rejected == 1 and result.results[0].code == "image_ref_invalid"
