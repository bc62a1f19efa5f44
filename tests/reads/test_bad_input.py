"""Hostile and careless input at camera ingest (issue #14): each is a 400 or a per-item rejection with a precise
message, never a 500, and never costs the good reads of the same batch."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.common.api.exceptions import BODY_TOO_LARGE
from apps.reads.models import IngestBatch, Read
from apps.reads.services.ingest import (
    CAPTURED_AT_INVALID,
    CAPTURED_AT_NAIVE,
    CAPTURED_IN_FUTURE,
    READ_ID_INVALID,
    TEXT_HAS_NUL,
)
from apps.reads.services.openalpr import OPENALPR_NOT_AN_OBJECT
from tests.reads.conftest import iso
from tests.reads.test_openalpr import _group

INGEST = "/api/v1/ingest/reads/"
WEBHOOK = "/api/v1/ingest/openalpr/"


def _good(count):
    now = timezone.now()
    return [{"read_id": f"good-{i}", "plate": f"7GOD{i:03d}", "captured_at": iso(now - timedelta(minutes=3 + i))}
            for i in range(count)]


def _post(client, body, url=INGEST):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json")


def test_bad_items_are_refused_one_by_one_and_the_good_reads_are_stored(camera_client):
    now = iso(timezone.now() - timedelta(minutes=1))
    bad = [
        {"read_id": "nul-\x00-id", "plate": "7NUL001", "captured_at": now},  # PostgreSQL refuses \x00 in text
        {"read_id": "nul-meta", "plate": "7NUL002", "captured_at": now, "metadata": {"note": "a\x00b"}},
        {"read_id": "nul-meta-key", "plate": "7NUL003", "captured_at": now, "metadata": {"a\x00": 1}},
        {"read_id": "huge-plate", "plate": "7" * 1_000_000, "captured_at": now},
        {"read_id": "far-future", "plate": "7FUT001", "captured_at": "2099-01-01T00:00:00Z"},
        {"read_id": "year-9999", "plate": "7FUT002", "captured_at": "9999-12-31T23:59:59Z"},
        {"read_id": "past-9999", "plate": "7FUT003", "captured_at": "9999-12-31T23:59:59-14:00"},  # year 10000 in UTC
        {"read_id": "nul-ref", "plate": "7NUL004", "captured_at": now, "vehicle_image_ref": "reads/incoming/\x00"},
        {"read_id": "literal", "plate": "7LIT001", "captured_at": now, "metadata": {"note": "C:\\u0000"}},
        {"read_id": "year-1", "plate": "7OLD001", "captured_at": "0001-01-01T00:00:00+14:00"},
        {"read_id": "naive", "plate": "7NAV001", "captured_at": "2026-05-01T10:00:00"},
        {"read_id": "x" * 101, "plate": "7LNG001", "captured_at": now},
        ["a", "list", "where", "a", "read", "belongs"],
    ]
    good = _good(3)
    response = _post(camera_client, {"reads": [good[0], *bad, good[1], good[2]]})
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    results = {r.get("read_id", r["index"]): r for r in body["results"]}
    assert results["nul-\x00-id"]["code"] == "nul_character"
    assert results["nul-\x00-id"]["message"] == TEXT_HAS_NUL.format(field="read_id")
    assert results["nul-meta"]["code"] == "nul_character"
    assert results["nul-meta"]["message"] == TEXT_HAS_NUL.format(field="metadata")
    assert results["nul-meta-key"]["code"] == "nul_character"
    assert results["nul-ref"]["code"] == "image_ref_invalid"
    assert results["huge-plate"]["code"] == "plate_too_long"
    assert len(results["huge-plate"]["message"]) < 200  # the megabyte is not echoed back
    assert results["far-future"]["code"] == "captured_in_future"
    assert results["far-future"]["message"] == CAPTURED_IN_FUTURE.format(value="2099-01-01T00:00:00Z", skew=300)
    assert results["year-9999"]["code"] == "captured_in_future"
    assert results["past-9999"]["code"] == "captured_at_invalid"
    assert results["year-1"]["code"] == "captured_at_invalid"
    assert results["year-1"]["message"] == CAPTURED_AT_INVALID.format(value="0001-01-01T00:00:00+14:00")
    assert results["naive"]["message"] == CAPTURED_AT_NAIVE.format(value="2026-05-01T10:00:00")
    assert results[len(bad)]["code"] == "not_an_object"
    assert [r["message"] for r in body["results"] if r.get("code") == "read_id_invalid"] == [READ_ID_INVALID]
    # A backslash followed by the text u0000 is no NUL: stored as sent.
    assert results["literal"]["status"] == "stored"
    assert Read.objects.get(source_read_id="literal").metadata == {"note": "C:\\u0000"}
    assert (body["stored"], body["rejected"]) == (4, len(bad) - 1)
    assert set(Read.objects.values_list("source_read_id", flat=True)) == {"good-0", "good-1", "good-2", "literal"}
    batch = IngestBatch.objects.get(pk=body["batch_id"])
    assert batch.rejected == len(bad) - 1
    assert "nul-\N{REPLACEMENT CHARACTER}-id" in [error["read_id"] for error in batch.errors]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_numbers(camera_client, constant):
    item = json.dumps(_good(1)[0])[:-1] + f', "latitude": {constant}, "longitude": -117.9}}'
    response = _post(camera_client, ('{"reads": [' + item + "]}").encode())
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error"
    assert error["message"].startswith(f"The body is not valid JSON: {constant} is not a JSON number")
    assert Read.objects.count() == 0


def test_bytes_that_are_not_utf8_are_a_400(camera_client):
    body = json.dumps({"reads": _good(1)}).encode().replace(b"7GOD000", b"7GOD\xff\xfe0")
    response = _post(camera_client, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "json_not_utf8"
    assert response.json()["error"]["message"].startswith("The JSON body is not valid UTF-8: invalid start byte")


def test_a_body_over_the_upload_limit_is_a_413(camera_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    body = json.dumps({"reads": _good(1) + [{"plate": "7", "captured_at": "x", "pad": "p" * 60_000}]})
    response = _post(camera_client, body)
    assert response.status_code == 413
    assert response.json() == {"error": {"code": "body_too_large",
                                         "message": BODY_TOO_LARGE.format(limit=50_000)}}
    assert Read.objects.count() == 0


@pytest.mark.parametrize("body", [[_group()], "a string", 42, None])
def test_webhook_body_that_is_not_an_object_is_a_400(camera_client, body):
    response = _post(camera_client, body, url=WEBHOOK)
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "not_an_object", "message": OPENALPR_NOT_AN_OBJECT}


@pytest.mark.parametrize("body", [{"reads": {"read_id": "a"}}, {"reads": "x"}, "x", 7, None, {}])
def test_ingest_body_without_a_list_of_reads_is_a_400(camera_client, body):
    response = _post(camera_client, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "batch_not_a_list"


def test_webhook_group_with_a_nul_byte_is_rejected_not_a_500(camera_client):
    response = _post(camera_client, _group(best_uuid="uuid-\x00", agent_uid="agent\x00"), url=WEBHOOK)
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["message"] == TEXT_HAS_NUL.format(field="read_id")
    response = _post(camera_client, _group(agent_uid="agent\x00"), url=WEBHOOK)
    assert response.status_code == 200
    assert response.json()["message"] == TEXT_HAS_NUL.format(field="metadata")
    assert Read.objects.count() == 0
