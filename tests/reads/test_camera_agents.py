"""Camera agents' own language (issue #21), through the OpenALPR webhook with the sample payloads in payloads/:
preview groups never become reads, heartbeats and "not reporting", candidates, vehicle attributes, alpr_alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AccessLog
from apps.hotlists.models import Hit
from apps.notifications.models import Notification
from apps.reads.models import Camera, CameraHeartbeatWindow, IngestBatch, Read
from apps.reads.services.agents import cameras_not_reporting_check
from tests.reads.agent_payloads import agent_payload

WEBHOOK = "/api/v1/ingest/openalpr/"


@pytest.fixture
def stolen_list(operator):
    """A hot list with the final plate (7ABC123) and the preview's wrong plate (7ABC12), so a stored preview would
    raise a false hit."""
    from apps.hotlists.services.lists import hot_list_create, hot_list_entry_add

    hot_list = hot_list_create(actor=None, name="Own", source="own", owner=operator, default_entry_days=30)
    for plate in ("7ABC123", "7ABC12"):
        hot_list_entry_add(actor=None, hot_list=hot_list, plate=plate, reason="stolen_vehicle", justification="Stolen")
    return hot_list


def _post(client, payload):
    response = client.post(WEBHOOK, payload, format="json")
    assert response.status_code == 200, response.content
    return response.json()


# --- 1. Preview groups (R-READ-1) -------------------------------------------------------------------------------


def test_a_preview_then_its_final_group_is_one_read_and_one_hit_check(camera_client, camera, stolen_list):
    """R-READ-1: the preview (a wrong, short plate) is acknowledged and counted, never stored nor matched; the final
    group is the one read, matched once."""
    preview = _post(camera_client, agent_payload("alpr_group_preview"))
    assert preview["status"] == "preview" and "superseded_by" not in preview
    assert Read.objects.count() == 0 and Hit.objects.count() == 0
    batch = IngestBatch.objects.get(pk=preview["batch_id"])
    assert (batch.previews, batch.stored, batch.item_count, batch.format) == (1, 0, 1, "openalpr")

    final = _post(camera_client, agent_payload("alpr_group_final"))
    assert final["status"] == "stored"
    read = Read.objects.get()
    assert read.pk == final["id"] and read.plate_current == "7ABC123"
    assert [hit.read_id for hit in Hit.objects.all()] == [read.pk], "one hit, for the final plate only"
    assert agent_payload("alpr_group_preview")["best_uuid"] in read.metadata["uuids"]  # the pass's frames are kept
    assert IngestBatch.objects.get(pk=final["batch_id"]).previews == 0


def test_final_before_preview_and_duplicates_end_in_one_read(camera_client, camera, stolen_list):
    """R-READ-1: a reordered delivery (final first) and retried messages still make one read; the late preview is
    answered with the read that superseded it (matched by the final group's uuids)."""
    final_group, preview_group = agent_payload("alpr_group_final"), agent_payload("alpr_group_preview")
    final = _post(camera_client, final_group)
    again = _post(camera_client, final_group)
    late_preview = _post(camera_client, preview_group)
    late_preview_again = _post(camera_client, preview_group)
    assert final["status"] == "stored" and again == {**again, "status": "duplicate", "id": final["id"]}
    assert late_preview["status"] == "preview" and late_preview["superseded_by"] == final["id"]
    assert late_preview_again["superseded_by"] == final["id"]
    assert Read.objects.count() == 1 and Hit.objects.count() == 1
    assert sum(IngestBatch.objects.values_list("previews", flat=True)) == 2


def test_a_preview_without_a_final_group_never_becomes_a_read(camera_client, camera, stolen_list):
    """R-READ-1: decided (see apps/reads/services/agents.py): an unsuperseded preview stays a counted preview."""
    _post(camera_client, agent_payload("alpr_group_preview", seconds_ago=3600))
    assert Read.objects.count() == 0 and Hit.objects.count() == 0
    assert IngestBatch.objects.get().previews == 1


# --- 2. Heartbeats (R-READ-5, R-OPS-1) --------------------------------------------------------------------------


def test_a_heartbeat_records_last_heartbeat_version_and_stream_status(camera_client, camera):
    """R-READ-5: the agent's heartbeat says the camera is alive, which agent version runs, and its stream status."""
    body = _post(camera_client, agent_payload("heartbeat"))
    assert body == {"status": "heartbeat", "agent_status": "streaming"}
    camera.refresh_from_db()
    assert camera.agent_version == "4.1.6" and camera.agent_status == "streaming"
    assert timezone.now() - camera.last_heartbeat_at < timedelta(seconds=30)
    assert Read.objects.count() == 0 and IngestBatch.objects.count() == 0
    stalled = agent_payload("heartbeat")
    stalled["video_streams"][0]["is_streaming"] = False
    assert _post(camera_client, stalled)["agent_status"] == "not streaming"
    window = CameraHeartbeatWindow.objects.get(camera=camera)
    assert window.heartbeats == 2
    from auditlog.models import LogEntry

    assert not LogEntry.objects.get_for_object(camera).filter(action=LogEntry.Action.UPDATE).exists(), \
        "heartbeats are not governed edits of the camera (no field-diff log row each minute)"


def test_a_silent_camera_is_not_reporting_alerted_once_and_back_on_the_next_heartbeat(
        camera_client, camera, client, sysadmin, supervisor):
    """R-READ-5: a camera whose agent stops sending heartbeats is marked "not reporting" on the cameras page, the ALPR
    Administrator (R-ADM-1) is alerted once, and the next heartbeat clears it."""
    from apps.accounts.services import alpr_administrator_designate

    alpr_administrator_designate(actor=None, agency=camera.agency, person=supervisor, title="ALPR Administrator",
                                 effective_from=timezone.localdate() - timedelta(days=1))
    _post(camera_client, agent_payload("heartbeat"))
    assert cameras_not_reporting_check() == 0, "a camera that just sent a heartbeat is reporting"
    silent_since = timezone.now() - timedelta(minutes=40)  # as if the last heartbeat came 40 minutes ago
    Camera.objects.filter(pk=camera.pk).update(last_heartbeat_at=silent_since)
    CameraHeartbeatWindow.objects.filter(camera=camera).update(first_at=silent_since, last_at=silent_since)

    assert cameras_not_reporting_check() == 1
    assert cameras_not_reporting_check() == 0, "marked once"
    alert = Notification.objects.get(recipient=supervisor)
    assert f"{camera} is not reporting" == alert.title
    client.force_login(sysadmin)
    page = client.get(reverse("reads:cameras")).content.decode()
    assert "Not reporting" in page

    _post(camera_client, agent_payload("heartbeat"))
    camera.refresh_from_db()
    assert camera.not_reporting_since is None
    assert "Not reporting" not in client.get(reverse("reads:cameras")).content.decode()
    assert Notification.objects.filter(recipient=supervisor).count() == 1
    assert CameraHeartbeatWindow.objects.filter(camera=camera).count() == 2, "the silence split the windows"


def test_a_camera_whose_agent_never_sent_a_heartbeat_is_not_watched(camera):
    """R-READ-5: cameras fed by the bulk API without heartbeats are never called "not reporting"."""
    assert cameras_not_reporting_check(now=timezone.now() + timedelta(days=2)) == 0


# --- 3. Candidates as alternates (R-READ-4 misread-tolerant search) ---------------------------------------------


def test_camera_candidates_are_alternates_found_by_tolerant_search_and_marked(camera_client, api_client, client,
                                                                            investigator):
    """R-READ-1: the agent's candidate plates are stored as alternates of the read, marked as the camera's; the
    misread-tolerant search finds the read by one (7ABG123: no usual confusion leads there) and says so."""
    from apps.ocr.models import ReadAlternate
    from tests.reads.conftest import SEARCH

    final = _post(camera_client, agent_payload("alpr_group_final"))
    alternates = list(ReadAlternate.objects.filter(read_id=final["id"]).order_by("rank"))
    assert [(a.text, a.rank, a.source) for a in alternates] == [("7A8C123", 2, "camera"), ("7ABG123", 3, "camera")]
    assert alternates[0].confidence == pytest.approx(0.841) and alternates[0].engine_version == "agent 4.1.6"
    assert alternates[0].box == [270.0, 125.0, 102.0, 56.0]

    api_client.force_authenticate(investigator)
    tolerant = api_client.get(reverse("api:reads-search"), {"plate": "7ABG123", "misread_tolerant": "true",
                                                            **SEARCH}).json()
    assert [(row["id"], row["match_note"]) for row in tolerant["results"]] == [
        (final["id"], "matched a camera candidate (7ABG123)")]
    assert api_client.get(reverse("api:reads-search"), {"plate": "7ABG123", **SEARCH}).json()["count"] == 0

    client.force_login(investigator)
    page = client.get(reverse("reads:detail", args=[final["id"]]), SEARCH).content.decode()
    assert "<code>7ABG123</code>" in page and "camera agent candidate" in page


def test_bulk_json_alternates_are_stored_and_bad_ones_refused_precisely(camera_client):
    """R-READ-1: the bulk JSON format carries the same candidates (``alternates``); a malformed list is that read's
    own error."""
    from apps.ocr.models import ReadAlternate

    now = timezone.now().isoformat()
    body = camera_client.post("/api/v1/ingest/reads/", {"reads": [
        {"read_id": "a", "plate": "8XYZ789", "captured_at": now, "agent_version": "9.1",
         "alternates": [{"plate": "8XY2789", "confidence": 61}, {"plate": "8XYZ789", "confidence": 99}]},
        {"read_id": "b", "plate": "5DEF456", "captured_at": now, "alternates": [{"plate": "no-good!"}]},
    ]}, format="json").json()
    assert [r["status"] for r in body["results"]] == ["stored", "rejected"]
    assert body["results"][1]["code"] == "alternates_invalid"
    assert list(ReadAlternate.objects.values_list("text", "source", "engine_version")) == [
        ("8XY2789", "camera", "agent 9.1")]


# --- 4. Vehicle attributes (R-PURP-2 when searched without a plate) ---------------------------------------------

SEARCH_API = "/api/v1/reads/search/"
WHY = "Witness saw a silver Toyota Camry leave the marina burglary westbound on Harbor Blvd at 02:10."


def test_the_webhook_fills_the_vehicle_attributes(camera_client):
    """R-READ-1: colour, make, model, body type, year range and direction of travel become fields of the read."""
    final = _post(camera_client, agent_payload("alpr_group_final"))
    read = Read.objects.get(pk=final["id"])
    assert (read.vehicle_color, read.vehicle_make, read.vehicle_model, read.vehicle_body_type, read.vehicle_year_min,
            read.vehicle_year_max, read.direction) == ("silver-gray", "toyota", "camry", "sedan-standard", 2015, 2017,
                                                       "W")


def test_the_vehicle_attributes_of_a_read_are_originals(camera_client):
    """R-READ-2: like the plate, the camera's vehicle attributes cannot be changed once stored."""
    from django.db import DatabaseError, transaction

    final = _post(camera_client, agent_payload("alpr_group_final"))
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Read.objects.filter(pk=final["id"]).update(vehicle_color="red")


def test_vehicle_search_with_a_partial_plate(camera_client, api_client, investigator):
    """R-READ-4: vehicle attributes narrow a partial-plate search (a witness's "silver Camry, partial 7AB")."""
    from tests.reads.conftest import SEARCH

    final = _post(camera_client, agent_payload("alpr_group_final"))
    other = {**agent_payload("alpr_group_final", seconds_ago=120), "best_uuid": "other-pass", "uuids": ["other-pass"],
             "vehicle": {"color": [{"name": "white", "confidence": 90}], "make": [{"name": "honda", "confidence": 90}]}}
    _post(camera_client, other)
    api_client.force_authenticate(investigator)
    found = api_client.get(SEARCH_API, {**SEARCH, "plate": "7AB*", "vehicle_color": "silver-gray",
                                        "vehicle_model": "Camry", "vehicle_year": 2016, "direction": "W"}).json()
    assert [row["id"] for row in found["results"]] == [final["id"]]
    assert found["results"][0]["vehicle_make"] == "toyota"
    assert api_client.get(SEARCH_API, {**SEARCH, "plate": "7AB*"}).json()["count"] == 2
    assert api_client.get(SEARCH_API, {**SEARCH, "plate": "7AB*", "vehicle_year": 2019}).json()["count"] == 0
    log = AccessLog.objects.filter(action="reads.search").order_by("seq").first()
    assert log.data_elements["vehicle"] == {"color": "silver-gray", "model": "camry", "year": 2016, "direction": "W"}
    assert "plate_less" not in log.data_elements


def test_vehicle_search_without_plate_characters_is_plate_less(camera_client, api_client, client, investigator):
    """R-PURP-2: a search by vehicle attributes alone needs the justification and the attestation, is logged as
    plate-less (supervisor review, over-sampled audits) and is bounded in time like a partial search."""
    from tests.reads.conftest import SEARCH

    final = _post(camera_client, agent_payload("alpr_group_final"))
    api_client.force_authenticate(investigator)
    query = {**SEARCH, "vehicle_color": "silver-gray", "vehicle_make": "toyota"}
    refused = api_client.get(SEARCH_API, query)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "justification_required"
    assert not AccessLog.objects.filter(action="reads.search").exists()
    found = api_client.get(SEARCH_API, {**query, "justification": WHY, "attestation": "true"}).json()
    assert [row["id"] for row in found["results"]] == [final["id"]]
    log = AccessLog.objects.get(action="reads.search")
    assert log.data_elements["plate_less"] is True and log.data_elements["justification"] == WHY
    long_ago = (timezone.now() - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    too_long = api_client.get(SEARCH_API, {**query, "justification": WHY, "attestation": "true", "start": long_ago})
    assert too_long.status_code == 400
    assert too_long.json()["error"]["fields"]["start"] == [
        "A camera, area or vehicle search may cover at most 92 days; narrow the time range."]

    client.force_login(investigator)
    page = client.get(reverse("reads:search"), {**query}).content.decode()
    assert "plate-less-justification" in page and "Required when no plate is given" in page
    assert AccessLog.objects.filter(action="reads.search").count() == 1, "the page refused it before any query"


def test_bulk_json_vehicle_attributes_and_their_errors(camera_client):
    """R-READ-1: the bulk JSON format carries ``vehicle``; a bad attribute is that read's own precise error."""
    now = timezone.now().isoformat()
    body = camera_client.post("/api/v1/ingest/reads/", {"reads": [
        {"read_id": "a", "plate": "8XYZ789", "captured_at": now,
         "vehicle": {"color": "Red", "make": "Ford", "model": "f-150", "body_type": "pickup-standard",
                     "year_min": 2018, "year_max": 2020, "direction": "nb"}},
        {"read_id": "b", "plate": "5DEF456", "captured_at": now, "vehicle": {"direction": "up"}},
        {"read_id": "c", "plate": "5DEF457", "captured_at": now, "vehicle": {"year_min": 2020, "year_max": 2018}},
        {"read_id": "d", "plate": "5DEF458", "captured_at": now, "vehicle": {"direction": 91}},
    ]}, format="json").json()
    assert [r["status"] for r in body["results"]] == ["rejected", "rejected", "rejected", "stored"]
    assert body["results"][0]["message"].startswith("vehicle.direction")
    assert body["results"][2]["message"] == "vehicle.year_min must not be after year_max."
    assert Read.objects.get(source_read_id="d").direction == "E"


# --- 5. alpr_alert: recorded against the read, never a second hit (R-HOT-3 matches on the portal's lists) --------


def test_an_agent_alert_is_recorded_against_the_read_without_a_second_hit(camera_client, client, investigator,
                                                                          stolen_list):
    """R-READ-1: the agent's own alert is acknowledged and recorded against the read of its group, once; the portal's
    hit (from its own lists) stays the only one."""
    from apps.reads.models import ReadAgentAlert
    from tests.reads.conftest import SEARCH

    final = _post(camera_client, agent_payload("alpr_group_final"))
    alert = agent_payload("alpr_alert")
    recorded = _post(camera_client, alert)
    again = _post(camera_client, alert)
    assert recorded == {"status": "alert_recorded", "id": final["id"], "duplicate": False}
    assert again["duplicate"] is True
    assert Hit.objects.count() == 1 and Read.objects.count() == 1
    assert list(ReadAgentAlert.objects.values_list("read_id", "alert_list", "alert_list_id")) == [
        (final["id"], "Stolen vehicles (NCIC)", "5132")]
    client.force_login(investigator)
    page = client.get(reverse("reads:detail", args=[final["id"]]), SEARCH).content.decode()
    assert "Stolen vehicles (NCIC)" in page


def test_an_alert_before_its_group_stores_the_group_once(camera_client, stolen_list):
    """R-READ-1: an alert delivered before its group stores the embedded group as the read (matched once); the group
    arriving afterwards is a duplicate."""
    alert = agent_payload("alpr_alert")
    recorded = _post(camera_client, alert)
    assert recorded["status"] == "alert_recorded"
    late_group = _post(camera_client, alert["group"])
    assert late_group["status"] == "duplicate" and late_group["id"] == recorded["id"]
    assert Read.objects.count() == 1 and Hit.objects.count() == 1
    unmatched = _post(camera_client, {**alert, "group": {}})
    assert unmatched == {"status": "alert_unmatched"}


def test_odd_agent_messages_get_an_answer_never_a_500(camera_client, camera):
    """Bad input gets a precise answer and loses nothing: a heartbeat with a NUL in its version or odd streams, a
    group with odd candidates and classifier names, a preview without times."""
    heartbeat = {**agent_payload("heartbeat"), "agent_version": "4.1\x00.6" + "x" * 100, "video_streams": "none"}
    assert _post(camera_client, heartbeat) == {"status": "heartbeat", "agent_status": "up"}
    camera.refresh_from_db()
    assert camera.agent_version.startswith("4.1.6") and len(camera.agent_version) == 40
    group = agent_payload("alpr_group_final")
    group["vehicle"]["color"] = [{"name": " Silver-Gray ", "confidence": 50}]
    group["vehicle"]["year"] = [{"name": "2019-2015", "confidence": 50}]
    group["agent_version"] = "4\x00"
    group["candidates"] = [{"plate": "7AB\x00C123"}, "junk", {"plate": 5}, {"plate": "7ABC124", "confidence": "x"}]
    body = _post(camera_client, group)
    assert body["status"] == "stored", body
    read = Read.objects.get(pk=body["id"])
    assert read.vehicle_color == "silver-gray" and read.vehicle_year_min is None
    assert list(read.alternates.values_list("text", flat=True)) == ["7ABC124"]
    preview = {key: value for key, value in agent_payload("alpr_group_preview").items()
               if key not in ("epoch_start", "uuids", "best_uuid")}
    assert _post(camera_client, preview)["status"] == "preview"
    assert camera_client.post(WEBHOOK, ["not", "an", "object"], format="json").status_code == 400


def test_the_migration_copies_vehicle_metadata_into_the_fields_then_protects_them(camera):
    """R-READ-2: reads stored before the fields existed keep their data (colour and make copied from metadata), and
    the originals trigger covers the new fields afterwards."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps as django_apps
    from django.db import DatabaseError, connection, transaction

    from apps.reads.services.ingest import read_batch_ingest

    result = read_batch_ingest(camera=camera, items=[
        {"plate": "7ABC123", "captured_at": timezone.now().isoformat(), "read_id": "old",
         "metadata": {"vehicle": {"color": "White", "make": "honda"}}},
        {"plate": "8XYZ789", "captured_at": timezone.now().isoformat(), "read_id": "bare"}])
    migration = importlib.import_module("apps.reads.migrations.0008_read_vehicle_attributes")
    editor = SimpleNamespace(connection=connection)
    migration.backwards(django_apps, editor)
    migration.forwards(django_apps, editor)
    old, bare = (Read.objects.get(pk=r.id) for r in result.results)
    assert (old.vehicle_color, old.vehicle_make, old.metadata["vehicle"]["color"]) == ("white", "honda", "White")
    assert (bare.vehicle_color, bare.vehicle_make) == ("", "")
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Read.objects.filter(pk=old.pk).update(vehicle_make="ford")
