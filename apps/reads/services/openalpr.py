"""The JSON that OpenALPR / Rekor Scout agents post to a webhook (``data_type: alpr_group``), as portal reads.

An ``alpr_group`` is one vehicle pass: ``best_plate_number`` with ``best_confidence`` (0–100), ``epoch_start`` (ms),
``best_region`` (e.g. ``us-ca``), ``best_uuid``, ``agent_uid``, ``camera_id``, ``gps_latitude``/``gps_longitude``
(0/0 when the agent has no GPS), a base64 ``vehicle_crop_jpeg`` and ``best_plate`` with its ``plate_crop_jpeg`` and
corner ``coordinates``. Other data types (``heartbeat``, ``alpr_results``, ``alpr_alert``, …) are acknowledged and
ignored: a group already carries the best read of the frames it summarizes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from apps.common.errors import ApplicationError
from apps.reads.choices import IngestFormat
from apps.reads.models import Camera
from apps.reads.services.ingest import CAMERA_MISMATCH, BatchResult, read_batch_ingest

OPENALPR_NOT_AN_OBJECT = "The body must be a JSON object with a data_type."
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


def read_openalpr_ingest(*, camera: Camera, payload) -> BatchResult | None:
    """Store an ``alpr_group`` as one read (R-READ-1); return None for other data types, which are ignored."""
    if not isinstance(payload, dict) or "data_type" not in payload:
        raise ApplicationError(OPENALPR_NOT_AN_OBJECT, code="not_an_object")
    if payload["data_type"] != "alpr_group":
        return None
    return read_batch_ingest(camera=camera, items=[openalpr_group_to_item(payload, camera=camera)],
                             ingest_format=IngestFormat.OPENALPR)
