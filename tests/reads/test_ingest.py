"""Bulk ingest from cameras (R-READ-1, R-READ-2): idempotency, per-item results, bad input, camera tokens."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.reads.images import IMAGE_TRAILING_DATA, IMAGE_TRUNCATED, image_pack_ref
from apps.reads.models import CameraCredential, IngestBatch, Read
from apps.reads.services.ingest import BATCH_TOO_LARGE, CAPTURED_BEFORE_CAMERA, CAPTURED_IN_FUTURE
from apps.reads.services.tokens import camera_token_issue
from tests.reads.conftest import SEARCH, b64, iso, jpeg_bytes

INGEST = "/api/v1/ingest/reads/"


def _reads(count, *, start=0, minutes=5, **extra):
    now = timezone.now()
    return [{"read_id": f"cam-{i}", "plate": f"7ABC{i:03d}", "captured_at": iso(now - timedelta(minutes=minutes + i)),
             "confidence": 91.5, "region": "CA", **extra} for i in range(start, start + count)]


def test_batch_is_stored_with_one_result_per_item(camera_client, camera):
    items = _reads(3)
    items[1]["plate"] = "7abc-001"
    response = camera_client.post(INGEST, {"reads": items}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stored"], body["duplicates"], body["rejected"]) == (3, 0, 0)
    assert [r["status"] for r in body["results"]] == ["stored"] * 3
    assert [r["index"] for r in body["results"]] == [0, 1, 2]
    read = Read.objects.get(pk=body["results"][1]["id"])
    assert (read.plate_read, read.plate_normalized, read.plate_current) == ("7abc-001", "7ABC001", "7ABC001")
    assert read.camera == camera and read.source == camera.kind and read.region == "CA"
    # No GPS in the read: a fixed camera's own location is used.
    assert (read.latitude, read.longitude) == (camera.latitude, camera.longitude)
    assert IngestBatch.objects.get(pk=body["batch_id"]).stored == 3


def test_retry_of_the_same_batch_stores_nothing_twice(camera_client):
    items = _reads(5)
    first = camera_client.post(INGEST, {"reads": items}, format="json").json()
    retry = camera_client.post(INGEST, {"reads": items}, format="json").json()
    assert first["stored"] == 5
    assert (retry["stored"], retry["duplicates"]) == (0, 5)
    assert [r["id"] for r in retry["results"]] == [r["id"] for r in first["results"]]
    assert Read.objects.count() == 5


def test_reads_without_a_camera_read_id_are_deduplicated_by_plate_and_time(camera_client):
    items = [{"plate": "8XYZ789", "captured_at": iso(timezone.now() - timedelta(minutes=3))}]
    assert camera_client.post(INGEST, {"reads": items}, format="json").json()["stored"] == 1
    assert camera_client.post(INGEST, {"reads": items}, format="json").json()["duplicates"] == 1
    assert Read.objects.get().source_read_id.startswith("8XYZ789@")


def test_duplicate_inside_one_batch(camera_client):
    items = _reads(1) * 2
    body = camera_client.post(INGEST, items, format="json").json()  # a bare list is accepted too
    assert [r["status"] for r in body["results"]] == ["stored", "duplicate"]
    assert Read.objects.count() == 1


def test_one_bad_read_does_not_block_the_others(camera_client, camera, settings):
    settings.PORTAL = {**settings.PORTAL, "READ_IMAGE_MAX_BYTES": 20_000}
    now = timezone.now()
    good = _reads(3)
    good[0]["plate_crop"] = b64(jpeg_bytes() + b"\0" * 40)  # padding after the end marker is fine
    bad = [
        {"read_id": "b0", "plate": "7AB$123", "captured_at": iso(now)},
        {"read_id": "b1", "plate": "7ABC123", "captured_at": iso(now + timedelta(hours=2))},
        {"read_id": "b2", "plate": "7ABC123", "captured_at": iso(camera.commissioned_at - timedelta(days=3))},
        {"read_id": "b3", "plate": "7ABC123", "captured_at": "2024-05-01T10:00:00"},
        {"read_id": "b4", "plate": "7ABC123", "captured_at": iso(now), "vehicle_image": b64(b"GIF89a not a jpeg")},
        {"read_id": "b5", "plate": "7ABC123", "captured_at": iso(now), "plate_crop": b64(jpeg_bytes()[:-200])},
        {"read_id": "b6", "plate": "7ABC123", "captured_at": iso(now), "vehicle_image": "!!not base64!!"},
        {"read_id": "b7", "plate": "7ABC123", "captured_at": iso(now),
         "vehicle_image": b64(jpeg_bytes(size=(900, 900)) + b"\0" * 30_000)},
        {"read_id": "b8", "plate": "7ABC123", "captured_at": iso(now), "latitude": 95, "longitude": 0},
        {"read_id": "b9", "plate": "7ABC123", "captured_at": iso(now), "confidence": 140},
        "not an object",
        # A polyglot: a real JPEG with a script after its end marker (issue #9); padding is not (good[0]).
        {"read_id": "b10", "plate": "7ABC123", "captured_at": iso(now),
         "plate_crop": b64(jpeg_bytes() + b"<script>fetch('/api/v1/me/')</script>")},
    ]
    response = camera_client.post(INGEST, {"reads": [good[0], *bad, good[1], good[2]]}, format="json")
    assert response.status_code == 200
    body = response.json()
    codes = {r["read_id"] if "read_id" in r else r["index"]: r.get("code") for r in body["results"]}
    assert codes["b0"] == "plate_illegal_characters"
    assert codes["b1"] == "captured_in_future"
    assert codes["b2"] == "captured_before_camera"
    assert codes["b3"] == "captured_at_naive"
    assert codes["b4"] == "image_not_an_image"
    assert codes["b5"] == "image_truncated"
    assert codes["b6"] == "image_not_base64"
    assert codes["b7"] == "image_too_large"
    assert codes["b8"] == "latitude_invalid"
    assert codes["b9"] == "confidence_invalid"
    assert codes[11] == "not_an_object"
    assert codes["b10"] == "image_trailing_data"
    messages = {r.get("read_id"): r.get("message") for r in body["results"]}
    assert messages["b1"] == CAPTURED_IN_FUTURE.format(value=bad[1]["captured_at"], skew=300)
    assert messages["b2"] == CAPTURED_BEFORE_CAMERA.format(value=bad[2]["captured_at"],
                                                           commissioned=camera.commissioned_at.isoformat())
    assert messages["b5"] == IMAGE_TRUNCATED.format(field="plate_crop")
    assert messages["b10"] == IMAGE_TRAILING_DATA.format(field="plate_crop", extra=37)
    assert (body["stored"], body["rejected"]) == (3, 12)
    assert set(Read.objects.values_list("source_read_id", flat=True)) == {"cam-0", "cam-1", "cam-2"}
    batch = IngestBatch.objects.get(pk=body["batch_id"])
    assert batch.rejected == 12 and {e["code"] for e in batch.errors} >= {"plate_illegal_characters", "image_truncated"}
    # Only the good read's crop was written to storage: one pack object of the batch, holding that one image.
    stored = Read.objects.get(source_read_id="cam-0").plate_crop.name
    pack, _offset, length = image_pack_ref(stored)
    assert default_storage.exists(pack) and default_storage.size(pack) == length
    _dirs, files = default_storage.listdir(pack.rsplit("/", 1)[0])
    assert len(files) == 1


def test_batch_over_the_limit_is_refused_whole(camera_client):
    response = camera_client.post(INGEST, {"reads": _reads(1001)}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "batch_too_large"
    assert response.json()["error"]["message"] == BATCH_TOO_LARGE.format(count=1001, limit=1000)
    assert Read.objects.count() == 0


def test_malformed_json_is_a_400_with_the_portal_error_body(camera_client):
    response = camera_client.post(INGEST, data='{"reads": [', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_unknown_revoked_or_missing_token_is_401(api_client, camera, camera_token):
    assert api_client.post(INGEST, {"reads": _reads(1)}, format="json").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION="Camera alprcam_nonsense")
    assert api_client.post(INGEST, {"reads": _reads(1)}, format="json").status_code == 401
    _credential, new_token = camera_token_issue(actor=None, camera=camera)  # rotation revokes the old token
    api_client.credentials(HTTP_AUTHORIZATION=f"Camera {camera_token}")
    assert api_client.post(INGEST, {"reads": _reads(1)}, format="json").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Camera {new_token}")
    assert api_client.post(INGEST, {"reads": _reads(1)}, format="json").status_code == 200
    assert CameraCredential.objects.filter(camera=camera, revoked_at__isnull=True).count() == 1


def test_only_a_hash_of_the_token_is_stored(camera, camera_token):
    credential = CameraCredential.objects.get(camera=camera, revoked_at__isnull=True)
    assert camera_token not in (credential.token_hash, credential.token_prefix)
    assert len(credential.token_hash) == 64


@pytest.mark.parametrize("path", [
    "/api/v1/reads/search/?plate=7ABC123&purpose=investigative_leads&case_number=1",
    "/api/v1/reads/export/?plate=7ABC123&purpose=investigative_leads&case_number=1",
    "/api/v1/reads/1/?purpose=investigative_leads&case_number=1",
    "/api/v1/access-log/",
    "/api/v1/me/",
    "/api/v1/cameras/",
])
def test_camera_tokens_cannot_use_any_other_endpoint(camera_client, path):
    assert camera_client.get(path).status_code in (401, 403)


def test_camera_tokens_cannot_use_pages(client, camera_token):
    response = client.get(reverse("reads:search"), {"plate": "7ABC123", **SEARCH},
                          HTTP_AUTHORIZATION=f"Camera {camera_token}")
    # Not a person's session: refused like any anonymous request (403 from the permission mixin).
    assert response.status_code in (302, 403)
    assert b"7ABC123" not in response.content


def test_people_cannot_ingest(api_client, investigator):
    api_client.force_authenticate(investigator)
    assert api_client.post(INGEST, {"reads": _reads(1)}, format="json").status_code == 403


def test_referenced_images_must_be_this_cameras_uploads(camera_client, camera):
    upload = camera_client.post("/api/v1/ingest/images/", {"image": _file(jpeg_bytes())}, format="multipart")
    assert upload.status_code == 201, upload.content
    ref = upload.json()["ref"]
    assert ref.startswith(f"reads/incoming/{camera.pk}/")
    items = _reads(2)
    items[0]["vehicle_image_ref"] = ref
    items[1]["vehicle_image_ref"] = "reads/incoming/999999/x.jpg"
    body = camera_client.post(INGEST, {"reads": items}, format="json").json()
    assert [r["status"] for r in body["results"]] == ["stored", "rejected"]
    assert body["results"][1]["code"] == "image_ref_invalid"
    assert Read.objects.get(pk=body["results"][0]["id"]).vehicle_image.name == ref


def _file(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("crop.jpg", content, content_type="image/jpeg")


def test_database_refuses_to_change_an_original(store_reads):
    """R-READ-2 is enforced by PostgreSQL itself, not only by the code."""
    (read_id,) = store_reads([("7ABC123", 10)])
    with pytest.raises(DatabaseError), transaction.atomic():
        Read.objects.filter(pk=read_id).update(plate_normalized="7ABC128")
    with pytest.raises(DatabaseError), transaction.atomic():
        Read.objects.filter(pk=read_id).update(captured_at=timezone.now())
    assert Read.objects.get(pk=read_id).plate_normalized == "7ABC123"


def test_ingest_is_a_constant_number_of_queries(camera, django_assert_max_num_queries):
    """No per-row queries: 200 reads cost the same handful of statements as 2."""
    from apps.reads.services.ingest import read_batch_ingest

    items = _reads(200)
    with django_assert_max_num_queries(8):
        result = read_batch_ingest(camera=camera, items=items)
    assert result.stored == 200


def test_response_body_is_json_serializable_per_item(camera_client):
    body = camera_client.post(INGEST, {"reads": [{"plate": "", "captured_at": ""}]}, format="json").json()
    assert json.dumps(body)
    assert body["results"][0] == {"index": 0, "status": "rejected", "code": "plate_required",
                                  "message": "The plate is missing."}


def test_duplicate_check_probes_the_unique_index_per_key_whatever_the_statistics(camera):
    """The duplicate check is one index probe per sent key, also on a table PostgreSQL has not analyzed yet (a new
    database, a new table, a new month's partition): as ``IN (SELECT jsonb_array_elements_text(...))`` it was planned
    there as a nested loop that re-expanded the batch's keys for every stored read of the camera (0.3-1.3 s of database
    CPU per 1,000-read batch once the camera had a few thousand reads), and on an analyzed table as a scan of all the
    camera's reads. Reads are partitioned by month (issue #19): the partition holding the camera's 8,000 reads must be
    probed by key; the empty months ahead may be read any way (nothing is in them)."""
    from django.db import connection

    from apps.reads.partitions import partitions_ensure
    from apps.reads.services.ingest import _EXISTING_SQL, read_batch_ingest

    for batch in range(8):
        assert read_batch_ingest(camera=camera, items=_reads(1000, start=batch * 1000)).stored == 1000
    partitions_ensure()  # what beat does daily: last month's reads leave the DEFAULT partition for their own month
    keys = json.dumps([f"cam-{i}" for i in range(0, 9000, 2)])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON, ANALYZE) " + _EXISTING_SQL, [keys, camera.pk])
        plan = cursor.fetchone()[0]
        cursor.execute(_EXISTING_SQL, [keys, camera.pk])
        found = {row[0] for row in cursor.fetchall()}
    assert found == {f"cam-{i}" for i in range(0, 8000, 2)}

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    every = list(nodes(plan[0]["Plan"]))
    probes = [n for n in every if "source_read_id" in n.get("Index Cond", "")]
    assert probes, every
    # No stored read is passed over by a filter on the key: the camera's history is never walked per key.
    walked = [(n.get("Relation Name"), n.get("Index Name"), n.get("Rows Removed by Filter"))
              for n in every if "source_read_id" in n.get("Join Filter", "") + n.get("Filter", "")
              and n.get("Rows Removed by Filter", 0) + n.get("Rows Removed by Join Filter", 0) > 0]
    assert not walked, walked
    # at most one row looked at per key sent, never the camera's whole history per key
    assert sum(n.get("Actual Rows", 0) * n.get("Actual Loops", 1) for n in probes) <= 4500
