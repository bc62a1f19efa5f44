"""Hostile and careless input at camera ingest (issue #14): each is a 400 or a per-item rejection with a precise
message, never a 500, and never costs the good reads of the same batch."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.common.api.exceptions import BODY_TOO_LARGE
from apps.common.unstorable import TEXT_HAS_NUL, TEXT_HAS_SURROGATE
from apps.reads.models import IngestBatch, Read
from apps.reads.services.ingest import (
    CAPTURED_AT_INVALID,
    CAPTURED_AT_NAIVE,
    CAPTURED_IN_FUTURE,
    READ_ID_INVALID,
)
from apps.reads.services.openalpr import OPENALPR_NOT_AN_OBJECT
from tests.reads.agent_payloads import agent_payload
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
    assert results["nul-meta"]["message"] == TEXT_HAS_NUL.format(field="metadata.note")
    assert results["nul-meta-key"]["code"] == "nul_character"
    assert results["nul-meta-key"]["message"] == TEXT_HAS_NUL.format(field="a key of metadata")
    assert results["nul-ref"]["code"] == "nul_character"
    assert results["nul-ref"]["message"] == TEXT_HAS_NUL.format(field="vehicle_image_ref")
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


@pytest.mark.parametrize("number", ["1e999", "-1e999"])
def test_a_number_too_large_for_a_float_is_a_400_not_a_500(camera_client, api_client, make_user, number):
    """``1e999`` is JSON syntax, but Python makes it infinity and PostgreSQL's JSON refuses that: one such number in a
    read's metadata was a 500 that lost the whole batch. Refused as any body that is not valid JSON, on every API."""
    from apps.accounts.roles import Role

    item = json.dumps(_good(1)[0])[:-1] + f', "metadata": {{"n": {number}}}}}'
    response = _post(camera_client, ('{"reads": [' + json.dumps(_good(2)[1]) + ", " + item + "]}").encode())
    assert response.status_code == 400, response.content
    assert response.json()["error"]["message"] == f"The body is not valid JSON: the number {number} is too large."
    assert Read.objects.count() == 0
    api_client.force_authenticate(make_user(Role.SUPERVISOR))
    response = api_client.post("/api/v1/justifications/reviews/", data=f'{{"n": {number}}}',
                               content_type="application/json")
    assert response.status_code == 400 and "is too large" in response.json()["error"]["message"]


def test_a_read_whose_metadata_holds_infinity_is_refused_alone(camera):
    """The service refuses it per read, whatever called it (a Python caller can hand it float('inf'))."""
    from apps.reads.services.ingest import METADATA_INVALID, read_batch_ingest

    items = [*_good(2), {**_good(3)[2], "metadata": {"n": float("inf")}}]
    result = read_batch_ingest(camera=camera, items=items)
    assert [r.status for r in result.results] == ["stored", "stored", "rejected"]
    assert result.results[2].message == METADATA_INVALID
    assert Read.objects.count() == 2


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
    assert response.json()["message"] == TEXT_HAS_NUL.format(field="agent_uid")  # the first, as the agent names it
    response = _post(camera_client, _group(best_uuid="uuid-\x00"), url=WEBHOOK)
    assert response.status_code == 200
    assert response.json()["message"] == TEXT_HAS_NUL.format(field="best_uuid")
    assert Read.objects.count() == 0


LONE_SURROGATE = "\ud83d"  # half of 😀 (\ud83d\ude00): legal as a JSON escape, refused by PostgreSQL text and jsonb


def test_a_read_with_an_unpaired_surrogate_is_refused_alone_and_the_good_reads_are_stored(camera_client):
    """Found by the security test (2026-12): five good reads and one whose metadata held "\\ud83d" were a 500
    (DataError in the batch's one INSERT) and none of the six was stored."""
    now = iso(timezone.now() - timedelta(minutes=1))
    good = _good(5)
    bad = [
        {"read_id": "sur-meta", "plate": "7SUR001", "captured_at": now, "metadata": {"note": LONE_SURROGATE}},
        {"read_id": "sur-meta-key", "plate": "7SUR002", "captured_at": now, "metadata": {"a" + LONE_SURROGATE: 1}},
        {"read_id": "sur-" + LONE_SURROGATE, "plate": "7SUR003", "captured_at": now},
        {"read_id": "sur-plate", "plate": "7SU" + LONE_SURROGATE, "captured_at": now},
        {"read_id": "sur-vehicle", "plate": "7SUR004", "captured_at": now, "vehicle": {"make": LONE_SURROGATE}},
        {"read_id": "nul-deep", "plate": "7NUL005", "captured_at": now, "metadata": {"tags": ["ok", "a\x00"]}},
    ]
    paired = {"read_id": "emoji", "plate": "7EMO001", "captured_at": now, "metadata": {"note": "\ud83d\ude00"}}
    response = _post(camera_client, {"reads": [*good[:3], *bad, paired, *good[3:]]})
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert (body["stored"], body["rejected"]) == (6, len(bad))
    results = {r["index"]: r for r in body["results"]}
    expected = {
        3: ("surrogate_character", TEXT_HAS_SURROGATE.format(field="metadata.note", code=0xD83D)),
        4: ("surrogate_character", TEXT_HAS_SURROGATE.format(field="a key of metadata", code=0xD83D)),
        5: ("surrogate_character", TEXT_HAS_SURROGATE.format(field="read_id", code=0xD83D)),
        6: ("surrogate_character", TEXT_HAS_SURROGATE.format(field="plate", code=0xD83D)),
        7: ("surrogate_character", TEXT_HAS_SURROGATE.format(field="vehicle.make", code=0xD83D)),
        8: ("nul_character", TEXT_HAS_NUL.format(field="metadata.tags[1]")),
    }
    for index, (code, message) in expected.items():
        assert results[index]["status"] == "rejected", results[index]
        assert (results[index]["code"], results[index]["message"]) == (code, message)
    assert results[5]["read_id"] == "sur-\N{REPLACEMENT CHARACTER}"  # echoed without the half character
    assert set(Read.objects.values_list("source_read_id", flat=True)) == {r["read_id"] for r in good} | {"emoji"}
    assert Read.objects.get(source_read_id="emoji").metadata == {"note": "\N{GRINNING FACE}"}
    batch = IngestBatch.objects.get(pk=body["batch_id"])
    assert [error["code"] for error in batch.errors] == [code for code, _message in expected.values()]
    assert "sur-\N{REPLACEMENT CHARACTER}" in [error["read_id"] for error in batch.errors]


@pytest.mark.parametrize("field", ["agent_uid", "best_uuid", "camera_id", "best_plate_number"])
def test_webhook_group_with_an_unpaired_surrogate_is_rejected_naming_the_field(camera_client, field):
    response = _post(camera_client, _group(**{field: "x" + LONE_SURROGATE}), url=WEBHOOK)
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["status"] == "rejected"
    assert (body["code"], body["message"]) == ("surrogate_character",
                                               TEXT_HAS_SURROGATE.format(field=field, code=0xD83D))
    assert Read.objects.count() == 0
    assert IngestBatch.objects.get(pk=body["batch_id"]).errors[0]["code"] == "surrogate_character"


def test_webhook_agent_version_is_a_label_cleaned_of_an_unpaired_surrogate_as_of_a_nul(camera_client, camera):
    """The agent's version only labels what it sends: cleaned, never a refusal (as for a NUL)."""
    response = _post(camera_client, _group(agent_version="2.8" + LONE_SURROGATE + ".101"), url=WEBHOOK)
    assert response.status_code == 200 and response.json()["status"] == "stored", response.content[:500]
    heartbeat = {**agent_payload("heartbeat"), "agent_version": "4.1" + LONE_SURROGATE + ".6"}
    response = _post(camera_client, heartbeat, url=WEBHOOK)
    assert response.status_code == 200, response.content[:500]
    assert response.json()["status"] == "heartbeat"
    camera.refresh_from_db()
    assert camera.agent_version == "4.1.6"


@pytest.mark.parametrize(("name", "payload", "field", "code"), [
    ("preview, best_uuid with a NUL", lambda: {**agent_payload("alpr_group_preview"), "best_uuid": "x\x00"},
     "best_uuid", "nul_character"),
    ("preview, best_uuid", lambda: {**agent_payload("alpr_group_preview"), "best_uuid": "x" + LONE_SURROGATE},
     "best_uuid", "surrogate_character"),
    ("heartbeat, camera_id", lambda: {**agent_payload("heartbeat"), "camera_id": "x" + LONE_SURROGATE},
     "camera_id", "surrogate_character"),
    ("unknown data type", lambda: {"data_type": "x" + LONE_SURROGATE}, "data_type", "surrogate_character"),
    ("alert, its group's plate", lambda: _alert_with_group_plate("7AB" + LONE_SURROGATE), "group.best_plate_number",
     "surrogate_character"),
])
def test_other_webhook_messages_with_unstorable_text_are_a_400_naming_the_field(camera_client, name, payload, field,
                                                                                code):
    response = _post(camera_client, payload(), url=WEBHOOK)
    assert response.status_code == 400, (name, response.status_code, response.content[:500])
    message = (TEXT_HAS_NUL.format(field=field) if code == "nul_character"
               else TEXT_HAS_SURROGATE.format(field=field, code=0xD83D))
    assert response.json()["error"] == {"code": code, "message": message}
    assert Read.objects.count() == 0 and IngestBatch.objects.count() == 0


def _alert_with_group_plate(plate):
    alert = agent_payload("alpr_alert")
    alert["group"] = {**alert["group"], "best_plate_number": plate}
    return alert
