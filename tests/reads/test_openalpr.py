"""The OpenALPR / Rekor Scout webhook (data_type alpr_group) becomes a read; other data types are ignored."""

from __future__ import annotations

import time

from apps.reads.images import image_stored_bytes
from apps.reads.models import IngestBatch, Read
from apps.reads.services.cameras import camera_update
from tests.reads.conftest import b64, jpeg_bytes

WEBHOOK = "/api/v1/ingest/openalpr/"


def _group(**overrides):
    epoch_ms = int(time.time() * 1000) - 60_000
    payload = {
        "data_type": "alpr_group", "version": 2, "epoch_start": epoch_ms, "epoch_end": epoch_ms + 265,
        "company_id": "86af2d13-4cb3-4cf4-8818-06647dca8571", "agent_uid": "U8HGWA66CW58AV9Q7YB4JJ749CV7WXNQ",
        "agent_version": "2.8.101", "agent_type": "alprd", "camera_id": 106232737,
        "gps_latitude": 33.7712, "gps_longitude": -117.9201, "country": "us",
        "uuids": [f"U8HGWA66CW58AV9Q7YB4JJ749CV7WXNQ-106232737-{epoch_ms}"],
        "candidates": [{"plate": "7ABC123", "confidence": 93.5, "matches_template": 0}],
        "vehicle_crop_jpeg": b64(jpeg_bytes((160, 120))),
        "best_plate": {
            "plate": "7ABC123", "confidence": 93.5, "region": "us-ca", "region_confidence": 99,
            "coordinates": [{"x": 270, "y": 131}, {"x": 367, "y": 125}, {"x": 372, "y": 175}, {"x": 276, "y": 181}],
            "plate_crop_jpeg": b64(jpeg_bytes((150, 75))),
            "vehicle_region": {"x": 18, "y": 8, "width": 834, "height": 493},
        },
        "best_confidence": 93.50499725341797,
        "best_uuid": f"U8HGWA66CW58AV9Q7YB4JJ749CV7WXNQ-106232737-{epoch_ms}",
        "best_plate_number": "7ABC123", "best_region": "us-ca", "best_region_confidence": 91.4,
        "travel_direction": 257.4, "is_parked": False, "is_preview": False,
        "vehicle": {"color": [{"name": "white", "confidence": 37.6}], "make": [{"name": "toyota", "confidence": 40}]},
        "web_server_config": {"camera_label": "harbor-nb", "agent_label": "pole-7"},
    }
    payload.update(overrides)
    return payload


def test_alpr_group_is_stored_as_a_read(camera_client, camera):
    payload = _group()
    response = camera_client.post(WEBHOOK, payload, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "stored"
    read = Read.objects.get(pk=body["id"])
    assert (read.plate_read, read.plate_current, read.region) == ("7ABC123", "7ABC123", "US-CA")
    assert read.confidence == payload["best_confidence"]
    assert int(read.captured_at.timestamp() * 1000) == payload["epoch_start"]
    assert (read.latitude, read.longitude) == (33.7712, -117.9201)
    assert read.source_read_id == payload["best_uuid"]
    assert read.vehicle_image.name and read.plate_crop.name
    assert image_stored_bytes(read.vehicle_image.name)[:3] == b"\xff\xd8\xff"
    assert read.metadata["plate_coordinates"][0] == {"x": 270, "y": 131}
    assert read.metadata["vehicle"] == {"color": "white", "make": "toyota"}
    assert IngestBatch.objects.get(pk=body["batch_id"]).format == "openalpr"


def test_a_resent_group_is_a_duplicate(camera_client):
    payload = _group()
    first = camera_client.post(WEBHOOK, payload, format="json").json()
    again = camera_client.post(WEBHOOK, payload, format="json").json()
    assert again["status"] == "duplicate" and again["id"] == first["id"]
    assert Read.objects.count() == 1


def test_heartbeats_are_recorded_and_other_data_types_ignored(camera_client):
    """A heartbeat stores no read (issue #21: it is recorded on the camera); other data types are ignored."""
    heartbeat = {"data_type": "heartbeat", "agent_uid": "U8HG", "agent_version": "2.8.101", "timestamp": 1}
    response = camera_client.post(WEBHOOK, heartbeat, format="json")
    assert response.status_code == 200
    assert response.json() == {"status": "heartbeat", "agent_status": "up"}
    assert camera_client.post(WEBHOOK, {"data_type": "alpr_results"}, format="json").json()["status"] == "ignored"
    assert Read.objects.count() == 0 and IngestBatch.objects.count() == 0


def test_no_gps_falls_back_to_the_camera_location(camera_client, camera):
    body = camera_client.post(WEBHOOK, _group(gps_latitude=0, gps_longitude=0), format="json").json()
    read = Read.objects.get(pk=body["id"])
    assert (read.latitude, read.longitude) == (camera.latitude, camera.longitude)


def test_a_group_from_another_agent_camera_is_rejected(camera_client, camera):
    camera_update(actor=None, camera=camera, external_id="555")
    body = camera_client.post(WEBHOOK, _group(), format="json").json()
    assert body["status"] == "rejected" and body["code"] == "camera_mismatch"
    assert Read.objects.count() == 0


def test_a_bad_group_gets_a_precise_error(camera_client):
    body = camera_client.post(WEBHOOK, _group(best_plate_number="7AB#123"), format="json").json()
    assert (body["status"], body["code"]) == ("rejected", "plate_illegal_characters")
    body = camera_client.post(WEBHOOK, _group(epoch_start="yesterday"), format="json").json()
    assert body["code"] == "captured_at_invalid"
    response = camera_client.post(WEBHOOK, ["not", "an", "object"], format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_an_object"
