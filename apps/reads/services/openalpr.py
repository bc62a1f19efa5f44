"""The JSON that OpenALPR / Rekor Scout agents post to a webhook (``data_type: alpr_group``), as portal reads.

An ``alpr_group`` is one vehicle pass: ``best_plate_number`` with ``best_confidence`` (0–100), ``epoch_start`` (ms),
``best_region`` (e.g. ``us-ca``), ``best_uuid``, ``agent_uid``, ``camera_id``, ``gps_latitude``/``gps_longitude``
(0/0 when the agent has no GPS), a base64 ``vehicle_crop_jpeg`` and ``best_plate`` with its ``plate_crop_jpeg`` and
corner ``coordinates``. What becomes of each data type (issue #21; see also ``services/agents.py``):

- ``alpr_group`` (final): one read (R-READ-1), matched against the hot lists once; its ``uuids`` are kept in the
  read's metadata so that a preview of the same pass, arriving before or after it, never becomes a second read.
- ``alpr_group`` with ``is_preview: true``: no read; acknowledged as ``preview`` and counted in its ingest batch, with
  the read that superseded it when its final group was already stored.
- ``heartbeat``: the camera's last heartbeat, agent version and stream status (R-READ-5, R-OPS-1).
- ``alpr_alert`` (the agent matched its own alert list): recorded against the read of its group — stored first from
  the alert's embedded ``group`` if that group has not arrived yet — and never a second hit: the portal matches
  every read against its own lists when it is stored (R-HOT-3).
- anything else (``alpr_results`` …): acknowledged and ignored; a group already carries the best read of the frames
  it summarizes.

Text PostgreSQL cannot store (a NUL, an unpaired UTF-16 surrogate) anywhere in a message refuses it, naming the field
as the agent sent it: a final group is ``rejected`` like any group the portal cannot store (recorded in its ingest
batch), any other message is a 400. Only the labels in ``AGENT_CLEANED_LABELS`` are cleaned instead: they label what
is stored (the agent's version, the name of its alert list) or are left out when unusable (candidate plates).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.utils import timezone

from apps.common.errors import ApplicationError
from apps.common.unstorable import unstorable_text_find, unstorable_text_replace
from apps.reads.choices import IngestFormat, WebhookStatus
from apps.reads.models import Camera, Read, ReadAgentAlert
from apps.reads.plates import plate_normalize
from apps.reads.services.agents import (
    agent_uuids,
    camera_heartbeat_record,
    preview_group_record,
    read_superseding_preview,
)
from apps.reads.services.ingest import ALTERNATES_MAX, CAMERA_MISMATCH, read_batch_ingest

logger = logging.getLogger("alprportal.reads.ingest")

OPENALPR_NOT_AN_OBJECT = "The body must be a JSON object with a data_type."
AGENT_CLEANED_LABELS = frozenset({
    ("agent_version",), ("candidates",), ("best_plate", "candidates"), ("alert_list",), ("alert_list_id",),
    ("group", "agent_version"), ("group", "candidates"), ("group", "best_plate", "candidates"),
})
EPOCH_INVALID = "epoch_start must be a time in milliseconds since 1970."


def _epoch_ms_to_iso(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 10**14:
        raise ApplicationError(EPOCH_INVALID, code="captured_at_invalid")
    return datetime.fromtimestamp(value / 1000, tz=UTC).isoformat()


def openalpr_group_to_item(payload: dict, *, camera: Camera) -> dict | ApplicationError:
    """Map one ``alpr_group`` to the portal's read fields (or the error that refuses it)."""
    sent_camera = payload.get("camera_id")
    if camera.external_id and sent_camera is not None and str(sent_camera) != camera.external_id:
        return ApplicationError(CAMERA_MISMATCH.format(sent=sent_camera, camera=camera.name,
                                                       external=camera.external_id), code="camera_mismatch")
    try:
        captured_at = _epoch_ms_to_iso(payload.get("epoch_start"))
    except ApplicationError as exc:
        return exc
    best_plate = payload.get("best_plate") if isinstance(payload.get("best_plate"), dict) else {}
    latitude, longitude = payload.get("gps_latitude"), payload.get("gps_longitude")
    if not latitude and not longitude:  # agents without GPS send 0/0
        latitude = longitude = None
    read_id = payload.get("best_uuid") or (
        f"{payload.get('agent_uid', '')}-{sent_camera}-{payload.get('epoch_start')}" if payload.get("agent_uid") else ""
    )
    vehicle = payload.get("vehicle") if isinstance(payload.get("vehicle"), dict) else {}
    metadata = {
        "uuids": agent_uuids(payload),  # the frames of this pass: a preview naming one of them is superseded
        "agent_uid": payload.get("agent_uid"),
        "agent_camera_id": sent_camera,
        "plate_coordinates": best_plate.get("coordinates"),
        "travel_direction": payload.get("travel_direction"),
        "is_parked": payload.get("is_parked"),
        "vehicle": {key: values[0].get("name") for key, values in vehicle.items()
                    if isinstance(values, list) and values and isinstance(values[0], dict)},
    }
    return {
        "read_id": read_id,
        "alternates": _candidates(payload, best_plate),
        "vehicle": _vehicle_attributes(payload, vehicle),
        "agent_version": payload.get("agent_version") if isinstance(payload.get("agent_version"), str) else "",
        "plate": payload.get("best_plate_number"),
        "confidence": payload.get("best_confidence"),
        "region": payload.get("best_region") or "",
        "captured_at": captured_at,
        "latitude": latitude,
        "longitude": longitude,
        "vehicle_image": payload.get("vehicle_crop_jpeg") or None,
        "plate_crop": best_plate.get("plate_crop_jpeg") or None,
        "metadata": {key: value for key, value in metadata.items() if value not in (None, {}, [])},
    }


def _plate_box(best_plate: dict) -> list:
    """[x, y, width, height] around the plate's corner ``coordinates``, or [] without them."""
    corners = best_plate.get("coordinates")
    try:
        xs, ys = [float(c["x"]) for c in corners], [float(c["y"]) for c in corners]
    except (TypeError, KeyError, ValueError):
        return []
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)] if xs else []


def _candidates(payload: dict, best_plate: dict) -> list[dict]:
    """The agent's candidate plates of the group (``candidates``, then ``best_plate.candidates``), best first, other
    than the read's own; ones the portal cannot store as a plate are left out (a candidate never costs the read)."""
    box = _plate_box(best_plate)
    found: list[dict] = []
    try:
        seen = {plate_normalize(payload.get("best_plate_number"))}  # the read's own plate is not an alternate
    except ApplicationError:
        seen = set()
    for source in (payload.get("candidates"), best_plate.get("candidates")):
        for candidate in source if isinstance(source, list) else []:
            if not isinstance(candidate, dict):
                continue
            try:
                text = plate_normalize(candidate.get("plate"))
            except ApplicationError:
                continue
            confidence = candidate.get("confidence")
            if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 100:
                confidence = None
            if text not in seen:
                seen.add(text)
                found.append({"plate": text, "confidence": confidence, "box": box})
    return found[:ALTERNATES_MAX]


def _top(vehicle: dict, key: str) -> str:
    values = vehicle.get(key)
    if isinstance(values, list) and values and isinstance(values[0], dict) and isinstance(values[0].get("name"), str):
        return unstorable_text_replace(values[0]["name"], by="").strip().lower()
    return ""


def _vehicle_attributes(payload: dict, vehicle: dict) -> dict:
    """The agent's vehicle classification (the top guess of each) as the read's vehicle fields; what does not fit is
    left out rather than costing the read. ``make_model`` is ``<make>_<model>``; ``year`` is ``2015-2017``;
    ``travel_direction`` is in degrees."""
    make = _top(vehicle, "make")
    model = _top(vehicle, "make_model")
    if make and model.startswith(f"{make}_"):
        model = model[len(make) + 1:]
    attributes = {"color": _top(vehicle, "color")[:20], "make": make[:40], "model": model[:60],
                  "body_type": _top(vehicle, "body_type")[:30]}
    years = [part for part in _top(vehicle, "year").split("-") if part.strip().isdigit()]
    if years and all(1900 <= int(y) <= 2100 for y in years):
        attributes["year_min"], attributes["year_max"] = int(years[0]), int(years[-1])
        if attributes["year_min"] > attributes["year_max"]:
            del attributes["year_min"], attributes["year_max"]
    direction = payload.get("travel_direction")
    if isinstance(direction, int | float) and not isinstance(direction, bool) and 0 <= direction <= 360:
        attributes["direction"] = direction
    return attributes


def _alert_record(*, camera: Camera, payload: dict) -> dict:
    """An ``alpr_alert``: find the read of its group (by the group's uuids), store the embedded group first when the
    read is not there yet, and record the alert against it once per alert list. Never creates a hit."""
    mismatch = _camera_mismatch(payload, camera)
    if mismatch is not None:
        raise mismatch
    group = payload.get("group") if isinstance(payload.get("group"), dict) else {}
    try:
        captured_at = datetime.fromisoformat(_epoch_ms_to_iso(group.get("epoch_start")))
    except ApplicationError:
        captured_at = None
    read = read_superseding_preview(camera=camera, uuids=agent_uuids(group), captured_at=captured_at)
    stored_now = None
    if read is None and group.get("best_plate_number") and group.get("is_preview") is not True:
        result = read_batch_ingest(camera=camera, items=[openalpr_group_to_item(group, camera=camera)],
                                   ingest_format=IngestFormat.OPENALPR)
        stored_now = result.results[0]
        if stored_now.id is not None:
            read = Read.objects.only("id").get(pk=stored_now.id)
    if read is None:
        logger.warning("Camera %s: an alpr_alert names no read stored and carries no storable group", camera.pk)
        answer = {"status": WebhookStatus.ALERT_UNMATCHED}
        if stored_now is not None:
            answer.update(code=stored_now.code, message=stored_now.message)
        return answer
    alert_list = payload.get("alert_list")
    alert_list = alert_list[:100] if isinstance(alert_list, str) and alert_list else "(unnamed list)"
    list_id = payload.get("alert_list_id")
    list_id = str(list_id)[:40] if isinstance(list_id, str | int) and not isinstance(list_id, bool) else ""
    _alert, created = ReadAgentAlert.objects.get_or_create(
        read=read, alert_list=unstorable_text_replace(alert_list, by=""),
        alert_list_id=unstorable_text_replace(list_id, by=""),
        defaults={"received_at": timezone.now()})
    return {"status": WebhookStatus.ALERT_RECORDED, "id": read.pk, "duplicate": not created}


def _camera_mismatch(payload: dict, camera: Camera) -> ApplicationError | None:
    sent_camera = payload.get("camera_id")
    if camera.external_id and sent_camera is not None and str(sent_camera) != camera.external_id:
        return ApplicationError(CAMERA_MISMATCH.format(sent=sent_camera, camera=camera.name,
                                                       external=camera.external_id), code="camera_mismatch")
    return None


def read_openalpr_ingest(*, camera: Camera, payload) -> dict:
    """Handle one webhook message from ``camera``'s agent; return the answer (see the module docstring)."""
    if not isinstance(payload, dict) or "data_type" not in payload:
        raise ApplicationError(OPENALPR_NOT_AN_OBJECT, code="not_an_object")
    unstorable = unstorable_text_find(payload, skip=AGENT_CLEANED_LABELS)
    refusal = ApplicationError(unstorable.message, code=unstorable.code) if unstorable is not None else None
    data_type = payload["data_type"]
    if data_type == "alpr_group" and payload.get("is_preview") is not True:
        item = refusal or openalpr_group_to_item(payload, camera=camera)
        result = read_batch_ingest(camera=camera, items=[item], ingest_format=IngestFormat.OPENALPR)
        return {"batch_id": result.batch_id, **result.results[0].as_dict()}
    if refusal is not None:
        raise refusal
    if data_type == "alpr_group":  # a preview
        mismatch = _camera_mismatch(payload, camera)
        if mismatch is not None:
            raise mismatch
        try:
            captured_at = datetime.fromisoformat(_epoch_ms_to_iso(payload.get("epoch_start")))
        except ApplicationError:
            captured_at = None
        batch, superseding = preview_group_record(camera=camera, payload=payload, captured_at=captured_at)
        answer = {"status": WebhookStatus.PREVIEW, "batch_id": batch.pk}
        if superseding is not None:
            answer["superseded_by"] = superseding.pk
        return answer
    if data_type == "alpr_alert":
        return _alert_record(camera=camera, payload=payload)
    if data_type == "heartbeat":
        mismatch = _camera_mismatch(payload, camera) if "camera_id" in payload else None
        if mismatch is not None:
            raise mismatch
        recorded = camera_heartbeat_record(camera=camera, payload=payload)
        return {"status": WebhookStatus.HEARTBEAT, "agent_status": recorded.agent_status}
    return {"status": WebhookStatus.IGNORED, "data_type": str(data_type)[:40]}
