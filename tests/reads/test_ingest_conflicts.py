"""A retry whose read_id is already stored with different content is a ``conflict``, not a ``duplicate`` (R-READ-1,
R-READ-2; issue #14, finding 8).

Before, the new content was reported ``duplicate`` and dropped without a word: a camera whose read ids repeat (a
reset counter, a second unit cloned from the first) lost reads silently. The stored read stays as it is (an original
is never changed); the camera is told what differs, the batch counts the conflict and the log says so, without the
plates.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.reads.choices import ItemStatus
from apps.reads.models import IngestBatch, Read
from apps.reads.services.cameras import camera_update
from apps.reads.services.ingest import CONFLICT, read_batch_ingest
from tests.reads.conftest import b64, iso, jpeg_bytes
from tests.reads.test_openalpr import _group

INGEST = "/api/v1/ingest/reads/"
WEBHOOK = "/api/v1/ingest/openalpr/"


CAPTURED_AT = iso(timezone.now() - timedelta(minutes=5))


def _read(**overrides):
    item = {"read_id": "cam-0001", "plate": "7ABC123", "captured_at": CAPTURED_AT,
            "region": "CA", "confidence": 91.5, "latitude": 33.7701, "longitude": -117.9201}
    item.update(overrides)
    return item


def test_a_retry_with_other_content_is_a_conflict_that_says_what_differs(camera_client, caplog):
    first = _read()
    stored = camera_client.post(INGEST, {"reads": [first]}, format="json").json()["results"][0]
    other_time = iso(timezone.now() - timedelta(minutes=1))
    caplog.set_level(logging.WARNING, logger="alprportal.reads.ingest")
    response = camera_client.post(INGEST, {"reads": [_read(plate="8XYZ999", captured_at=other_time, confidence=77.0),
                                                     _read(read_id="cam-0002")]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["stored"], body["duplicates"], body["conflicts"], body["rejected"]) == (1, 0, 1, 0)
    conflict = body["results"][0]
    assert conflict == {
        "index": 0, "status": "conflict", "read_id": "cam-0001", "id": stored["id"], "code": "conflict",
        "message": CONFLICT.format(fields="plate, captured_at, confidence"),
        "differences": [
            {"field": "plate", "stored": "7ABC123", "sent": "8XYZ999"},
            {"field": "captured_at", "stored": first["captured_at"], "sent": other_time},
            {"field": "confidence", "stored": 91.5, "sent": 77.0},
        ],
    }
    # Stored nowhere: the original is unchanged and no second read exists for that id.
    read = Read.objects.get(source_read_id="cam-0001")
    assert (read.pk, read.plate_normalized, read.confidence) == (stored["id"], "7ABC123", 91.5)
    assert Read.objects.count() == 2
    batch = IngestBatch.objects.get(pk=body["batch_id"])
    assert (batch.stored, batch.duplicates, batch.conflicts, batch.rejected) == (1, 0, 1, 0)
    # Logged as a warning, with the differing field names and the stored read, never the plates.
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any("conflict" in message and "plate, captured_at, confidence" in message and str(stored["id"]) in message
               for message in warnings), warnings
    assert not any("7ABC123" in message or "8XYZ999" in message for message in warnings)


def test_an_identical_retry_stays_a_duplicate_even_with_the_plate_spelled_differently(camera_client):
    first = camera_client.post(INGEST, {"reads": [_read()]}, format="json").json()
    again = camera_client.post(INGEST, {"reads": [_read(plate="7abc-123")]}, format="json").json()
    assert again["results"][0] == {"index": 0, "status": "duplicate", "read_id": "cam-0001",
                                   "id": first["results"][0]["id"]}
    assert (again["duplicates"], again["conflicts"]) == (1, 0)


def test_a_retry_without_gps_is_compared_without_the_location(camera_client, camera):
    """No GPS in the read: the camera's own location is stored; moving the camera later does not make an identical
    retry a conflict."""
    item = _read()
    del item["latitude"], item["longitude"]
    first = camera_client.post(INGEST, {"reads": [item]}, format="json").json()["results"][0]
    camera_update(actor=None, camera=camera, latitude=34.0, longitude=-118.0)
    again = camera_client.post(INGEST, {"reads": [item]}, format="json").json()["results"][0]
    assert (again["status"], again["id"]) == ("duplicate", first["id"])
    moved = camera_client.post(INGEST, {"reads": [_read(latitude=34.0, longitude=-118.0)]}, format="json").json()
    assert [d["field"] for d in moved["results"][0]["differences"]] == ["latitude", "longitude"]


def test_a_retry_that_adds_an_image_or_metadata_is_a_conflict(camera_client):
    camera_client.post(INGEST, {"reads": [_read(metadata={"lane": 1})]}, format="json")
    body = camera_client.post(INGEST, {"reads": [_read(metadata={"lane": 2}, plate_crop=b64(jpeg_bytes()))]},
                              format="json").json()
    result = body["results"][0]
    assert result["status"] == "conflict"
    assert result["differences"] == [{"field": "metadata", "stored": {"lane": 1}, "sent": {"lane": 2}},
                                     {"field": "plate_crop", "stored": False, "sent": True}]
    assert not Read.objects.get().plate_crop


def test_the_same_read_id_twice_in_one_batch_with_other_content(camera_client):
    body = camera_client.post(INGEST, {"reads": [_read(), _read(), _read(region="NV")]}, format="json").json()
    assert [r["status"] for r in body["results"]] == ["stored", "duplicate", "conflict"]
    stored_id = body["results"][0]["id"]
    assert body["results"][1]["id"] == stored_id and body["results"][2]["id"] == stored_id
    assert body["results"][2]["differences"] == [{"field": "region", "stored": "CA", "sent": "NV"}]
    assert (body["stored"], body["duplicates"], body["conflicts"]) == (1, 1, 1)
    assert Read.objects.get().region == "CA"


def test_an_openalpr_group_resent_with_another_plate_is_a_conflict(camera_client):
    payload = _group()
    first = camera_client.post(WEBHOOK, payload, format="json").json()
    again = camera_client.post(WEBHOOK, {**payload, "best_plate_number": "7ABC128"}, format="json").json()
    assert again["status"] == ItemStatus.CONFLICT and again["id"] == first["id"]
    assert again["differences"] == [{"field": "plate", "stored": "7ABC123", "sent": "7ABC128"}]
    assert IngestBatch.objects.get(pk=again["batch_id"]).conflicts == 1
    assert Read.objects.get().plate_normalized == "7ABC123"


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_retry_that_wins_the_insert_is_compared_too(camera):
    """Two requests with the same read_id at once: the one that waits on the other — on PostgreSQL on its key lock
    (issue #19: reads are partitioned, the unique key holds the capture time), elsewhere on the uncommitted row —
    found nothing when it checked for duplicates, then inserts nothing; it must compare with the row that won."""
    winner_inserted, winner_may_commit = threading.Event(), threading.Event()
    outcome = {}

    def winner():
        try:
            with transaction.atomic():
                outcome["winner"] = read_batch_ingest(camera=camera, items=[_read()])
                winner_inserted.set()
                winner_may_commit.wait(10)
        finally:
            connection.close()

    def loser():
        try:
            outcome["loser"] = read_batch_ingest(camera=camera, items=[_read(plate="7ABC128")])
        finally:
            connection.close()

    threads = [threading.Thread(target=winner)]
    threads[0].start()
    assert winner_inserted.wait(10)
    threads.append(threading.Thread(target=loser))
    threads[1].start()
    with connection.cursor() as cursor:  # wait until the loser is blocked on the winner (its key lock or its row)
        for _attempt in range(200):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock' AND (query LIKE '%%INSERT INTO reads_read%%' "
                           "OR query LIKE '%%pg_advisory_xact_lock%%')")
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the second ingest never waited on the first one's row")
    winner_may_commit.set()
    for thread in threads:
        thread.join(10)
    stored_id = outcome["winner"].results[0].id
    result = outcome["loser"].results[0]
    assert (result.status, result.id) == (ItemStatus.CONFLICT, stored_id)
    assert result.differences == [{"field": "plate", "stored": "7ABC123", "sent": "7ABC128"}]
    assert outcome["loser"].conflicts == 1
    assert list(Read.objects.values_list("plate_normalized", flat=True)) == ["7ABC123"]
