"""Bulk ingest of reads from cameras (R-READ-1, R-READ-2, R-READ-5).

One request carries up to ``PORTAL["READ_INGEST_MAX_BATCH"]`` reads. Every item is validated on its own and gets its
own result (stored / duplicate / conflict / rejected with a code and a message), so one bad read never loses the
others.

Idempotency: each read has a key unique per camera, ``source_read_id`` (the camera's id for the read, or
``<plate>@<epoch ms>`` when the camera sends none). A camera that retries a batch gets ``duplicate`` for every read
already stored, and nothing is stored twice — also under concurrent retries: on PostgreSQL the keys are looked up
again under a transaction-scoped advisory lock per (camera, key bucket) and the insert is ``INSERT … WHERE NOT EXISTS
… RETURNING`` against ``reads_readkey``, the table of every stored read's key whose primary key ``(camera_id,
source_read_id)`` is the database's guarantee (issue #19: reads are partitioned by capture time, and a unique index of
the partitions would have to include it). Should a key slip past the lock (a writer that does not take it), that
primary key refuses the insert and the whole batch fails with nothing stored: ``ReadKeyRace``, answered like a lost
connection (503, Retry-After), and the camera's retry finds the key.

A key already stored with *different* content (plate, capture time, region, location, confidence, metadata, or an
image where there was none) is a ``conflict``: the stored original is kept unchanged (R-READ-2), the sent read is
stored nowhere, and the camera is told which fields differ, with both values. The batch counts conflicts and the
``alprportal.reads.ingest`` logger warns with the field names and the stored read's id, never the plates. Only keys
that already exist are compared, with the same one query that finds duplicates.

Speed: validation is plain Python (no per-item serializer), duplicates are found with one query, and on PostgreSQL
the whole batch is one INSERT from one JSON parameter, so a batch costs a handful of statements whatever its size.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from apps.common.errors import ApplicationError
from apps.common.unstorable import unstorable_text_find, unstorable_text_replace
from apps.reads.choices import CameraStatus, IngestFormat, ItemStatus
from apps.reads.hooks import CameraCandidate, StoredRead, camera_candidates_store, reads_changed_notify
from apps.reads.images import (
    image_decode_base64,
    image_delete_quietly,
    image_pack_ref,
    image_ref_check,
    image_sha256,
    image_store,
    image_stored_sha256,
    images_pack_store,
)
from apps.reads.models import Camera, CameraStatusReport, ImagePack, IngestBatch, Read
from apps.reads.plates import plate_normalize

logger = logging.getLogger("alprportal.reads.ingest")

BATCH_NOT_A_LIST = "The body must be a JSON object with a list “reads” of at most {limit} reads."
BATCH_EMPTY = "The batch holds no reads."
BATCH_TOO_LARGE = "The batch holds {count} reads; the limit is {limit} per request. Split it."
ITEM_NOT_AN_OBJECT = "The read is not a JSON object."
CAPTURED_AT_REQUIRED = "captured_at is missing."
CAPTURED_AT_INVALID = "captured_at “{value}” is not an ISO 8601 date-time."
CAPTURED_AT_NAIVE = "captured_at “{value}” has no time zone (add Z or an offset such as -08:00)."
CAPTURED_IN_FUTURE = "captured_at {value} is in the future (more than {skew} s ahead of the portal's clock)."
CAPTURED_BEFORE_CAMERA = "captured_at {value} is before this camera was commissioned ({commissioned})."
READ_ID_INVALID = "read_id must be a string of 1 to 100 characters."
CONFLICT = (
    "A read with this read_id is already stored with a different {fields}; the stored read is kept and this one was "
    "not stored. Send a new read_id for a new read."
)
LATITUDE_INVALID = "latitude must be a number from -90 to 90."
LONGITUDE_INVALID = "longitude must be a number from -180 to 180."
LOCATION_INCOMPLETE = "latitude and longitude go together: send both or neither."
CONFIDENCE_INVALID = "confidence must be a number from 0 to 100."
REGION_INVALID = "region must be at most 16 letters, digits or dashes (e.g. CA or us-ca)."
METADATA_INVALID = "metadata must be a JSON object of at most 4,000 characters."
VEHICLE_INVALID = "vehicle.{field} {problem}."
ALTERNATES_INVALID = ("alternates must be a list of at most {limit} objects with a plate (text) and a confidence "
                      "(0–100): the camera's other candidate plates.")
CAMERA_MISMATCH = "The read names camera “{sent}”, but this token belongs to camera “{camera}” ({external})."

METADATA_MAX_CHARS = 4000
_REGION = re.compile(r"[A-Za-z0-9-]{0,16}")
ERRORS_KEPT_PER_BATCH = 100
ALTERNATES_MAX = 10


@dataclass
class ItemResult:
    index: int
    status: str
    read_id: str = ""
    id: int | None = None
    code: str = ""
    message: str = ""
    differences: list[dict[str, Any]] | None = None  # conflict: [{"field", "stored", "sent"}, …]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.read_id:
            out["read_id"] = self.read_id
        if self.id is not None:
            out["id"] = self.id
        if self.code:
            out["code"] = self.code
            out["message"] = self.message
        if self.differences:
            out["differences"] = self.differences
        return out


@dataclass
class BatchResult:
    batch_id: int | None
    stored: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    results: list[ItemResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "stored": self.stored, "duplicates": self.duplicates,
                "conflicts": self.conflicts, "rejected": self.rejected,
                "results": [result.as_dict() for result in self.results]}


@dataclass
class _Prepared:
    index: int
    key: str
    plate_read: str
    plate_normalized: str
    region: str
    captured_at: datetime
    latitude: float | None
    longitude: float | None
    location_sent: bool  # False: the camera's own location stands in (and is not compared on a retry)
    confidence: float | None
    metadata: str | None
    flagged: bool
    images: dict[str, Any]  # field name -> ValidImage or stored ref (str)
    stored_names: dict[str, str] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # field name -> SHA-256 of the stored bytes (R-SEC-2)
    pack: Any = None  # the ImagePack its images were stored in (issue #19), if any
    alternates: list[tuple[str, float, list]] = field(default_factory=list)  # (plate, confidence 0–1, box)
    vehicle: tuple = ("", "", "", "", None, None, "")  # colour, make, model, body type, year min, year max, direction
    agent_version: str = ""

    def compared(self) -> tuple:
        """What a retry is compared on, in ``_COMPARED`` order, as the read would be stored."""
        return (self.plate_normalized, _micros(self.captured_at), self.region, self.latitude, self.longitude,
                self.confidence, self.metadata, "vehicle_image" in self.images, "plate_crop" in self.images)


# A read already stored under a key of the batch, as the duplicate query returns it: (source_read_id, id, then what
# a retry is compared on, in _COMPARED order; metadata as JSON text, whatever its spacing and key order). A plain
# row, not an object per row: a retried batch of 1,000 reads builds a thousand of these.
_Stored = tuple
_COMPARED = ("plate", "captured_at", "region", "latitude", "longitude", "confidence", "metadata", "vehicle_image",
             "plate_crop")
_ID, _LATITUDE, _LONGITUDE, _METADATA = 1, 5, 6, 8
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    """Exact microseconds since 1970 (what the duplicate query returns for a stored capture time)."""
    return (moment - _EPOCH) // _MICROSECOND


def _differences(prepared: _Prepared, stored: _Stored) -> list[dict[str, Any]]:
    """The fields in which ``prepared`` differs from the read already stored (or first sent) under its key. One tuple
    comparison first (a retry is nearly always identical), field by field only when something differs."""
    if prepared.location_sent:
        latitude, longitude = prepared.latitude, prepared.longitude
    else:  # the camera's own location stood in: not the camera's content
        latitude, longitude = stored[_LATITUDE], stored[_LONGITUDE]
    images = ("vehicle_image" in prepared.images, "plate_crop" in prepared.images)
    if ((prepared.plate_normalized, _micros(prepared.captured_at), prepared.region, latitude, longitude,
         prepared.confidence) == stored[_ID + 1:_METADATA] and images == stored[_METADATA + 1:]
            and ((prepared.metadata is None and stored[_METADATA] is None)
                 or _metadata(prepared.metadata) == _metadata(stored[_METADATA]))):
        return []
    sent = (*prepared.compared()[:2], prepared.region, latitude, longitude, prepared.confidence,
            _metadata(prepared.metadata), *images)
    stored = (*stored[_ID + 1:_METADATA], _metadata(stored[_METADATA]), *stored[_METADATA + 1:])
    return [{"field": name, "stored": _shown(name, old), "sent": _shown(name, new)}
            for name, old, new in zip(_COMPARED, stored, sent, strict=True) if old != new]


def _metadata(value):
    return json.loads(value) if isinstance(value, str) else value


def _shown(name: str, value):
    return (_EPOCH + value * _MICROSECOND).isoformat() if name == "captured_at" else value


def _number(value, low: float, high: float, message: str, code: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ApplicationError(message, code=code)
    if not low <= value <= high:
        raise ApplicationError(message, code=code)
    return float(value)


def _parse_captured_at(value) -> datetime:
    if value is None or value == "":
        raise ApplicationError(CAPTURED_AT_REQUIRED, code="captured_at_required")
    if not isinstance(value, str) or len(value) > 40:
        raise ApplicationError(CAPTURED_AT_INVALID.format(value=str(value)[:40]), code="captured_at_invalid")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ApplicationError(CAPTURED_AT_INVALID.format(value=value), code="captured_at_invalid") from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ApplicationError(CAPTURED_AT_NAIVE.format(value=value), code="captured_at_naive")
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # e.g. 9999-12-31T23:59:59-14:00 is past the last representable moment in UTC
        raise ApplicationError(CAPTURED_AT_INVALID.format(value=value), code="captured_at_invalid") from exc


# Not looked at for unstorable text: the agent's version only labels the read's alternates (cleaned of it, never a
# refusal), and inline images are strict base64, whose decoder refuses anything but its alphabet (and a scan of the
# ~11 MB of a batch's images would cost more than the rest of the check).
_UNSTORABLE_NOT_CHECKED = frozenset({("agent_version",), ("vehicle_image",), ("plate_crop",)})


def _refuse_unstorable_text(item: dict) -> None:
    """PostgreSQL cannot store a NUL or an unpaired UTF-16 surrogate in text or jsonb: refuse the read here, as its
    own error naming the field (``metadata.note``), before anything looks at it, instead of letting the batch's one
    INSERT fail (a 500 that loses every read of the batch)."""
    found = unstorable_text_find(item, skip=_UNSTORABLE_NOT_CHECKED)
    if found is not None:
        raise ApplicationError(found.message, code=found.code)


class _Context:
    """What item validation needs, computed once per batch."""

    def __init__(self, camera: Camera, now: datetime, *, text_checked: bool = False):
        self.camera = camera
        self.now = now
        self.skew = settings.PORTAL["READ_CLOCK_SKEW_SECONDS"]
        self.latest_allowed = now + timedelta(seconds=self.skew)
        self.earliest_allowed = camera.commissioned_at - timedelta(seconds=self.skew)
        self.out_of_service = _out_of_service_periods(camera)
        self.text_checked = text_checked  # read_batch_ingest's: no item can hold unstorable text

    def flagged(self, moment: datetime) -> bool:
        return any(start <= moment and (end is None or moment < end) for start, end in self.out_of_service)


def _out_of_service_periods(camera: Camera) -> list[tuple[datetime, datetime | None]]:
    """[start, end) intervals during which the unit was reported out of service (R-READ-5)."""
    periods: list[tuple[datetime, datetime | None]] = []
    start = None
    for status, effective_at in (CameraStatusReport.objects.filter(camera=camera)
                                 .order_by("effective_at", "id").values_list("status", "effective_at")):
        if status == CameraStatus.OUT_OF_SERVICE and start is None:
            start = effective_at
        elif status == CameraStatus.IN_SERVICE and start is not None:
            periods.append((start, effective_at))
            start = None
    if start is not None:
        periods.append((start, None))
    return periods


def _prepare(index: int, item, ctx: _Context) -> _Prepared:
    """Validate one read; raise ApplicationError with a precise code and message for the first problem found."""
    if isinstance(item, ApplicationError):  # a converter (e.g. OpenALPR) already refused it
        raise item
    if not isinstance(item, dict):
        raise ApplicationError(ITEM_NOT_AN_OBJECT, code="not_an_object")
    if not ctx.text_checked:
        _refuse_unstorable_text(item)
    plate_read = item.get("plate")
    plate_normalized = plate_normalize(plate_read)
    captured_at = _parse_captured_at(item.get("captured_at"))
    if captured_at > ctx.latest_allowed:
        raise ApplicationError(CAPTURED_IN_FUTURE.format(value=item["captured_at"], skew=ctx.skew),
                               code="captured_in_future")
    if captured_at < ctx.earliest_allowed:
        commissioned = ctx.camera.commissioned_at.isoformat()
        raise ApplicationError(CAPTURED_BEFORE_CAMERA.format(value=item["captured_at"], commissioned=commissioned),
                               code="captured_before_camera")
    read_id = item.get("read_id")
    if read_id is None or read_id == "":
        key = f"{plate_normalized}@{int(captured_at.timestamp() * 1000)}"
    elif isinstance(read_id, str) and len(read_id) <= 100:
        key = read_id
    else:
        raise ApplicationError(READ_ID_INVALID, code="read_id_invalid")
    latitude = _number(item.get("latitude"), -90, 90, LATITUDE_INVALID, "latitude_invalid")
    longitude = _number(item.get("longitude"), -180, 180, LONGITUDE_INVALID, "longitude_invalid")
    if (latitude is None) != (longitude is None):
        raise ApplicationError(LOCATION_INCOMPLETE, code="location_incomplete")
    location_sent = latitude is not None
    if not location_sent:
        latitude, longitude = ctx.camera.latitude, ctx.camera.longitude
    confidence = _number(item.get("confidence"), 0, 100, CONFIDENCE_INVALID, "confidence_invalid")
    region = item.get("region") or ""
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise ApplicationError(REGION_INVALID, code="region_invalid")
    metadata = item.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise ApplicationError(METADATA_INVALID, code="metadata_invalid")
        try:  # allow_nan: an infinite or NaN number (from a caller other than the API's parser) is no JSON
            metadata = json.dumps(metadata, separators=(",", ":"), allow_nan=False)
        except ValueError as exc:
            raise ApplicationError(METADATA_INVALID, code="metadata_invalid") from exc
        if len(metadata) > METADATA_MAX_CHARS:
            raise ApplicationError(METADATA_INVALID, code="metadata_invalid")
    images: dict[str, Any] = {}
    for name in ("vehicle_image", "plate_crop"):
        if item.get(name):
            images[name] = image_decode_base64(item[name], field=name)
        elif item.get(f"{name}_ref"):
            images[name] = image_ref_check(item[f"{name}_ref"], camera_id=ctx.camera.pk, field=f"{name}_ref")
    alternates = _alternates(item.get("alternates"), plate_normalized) if item.get("alternates") else []
    agent_version = item.get("agent_version") if isinstance(item.get("agent_version"), str) else ""
    agent_version = unstorable_text_replace(agent_version, by="")  # only labels the alternates: cleaned
    vehicle = _vehicle(item["vehicle"]) if item.get("vehicle") is not None else _Prepared.vehicle
    return _Prepared(
        index=index, key=key, plate_read=plate_read.strip()[:32], plate_normalized=plate_normalized,
        region=region.upper(), captured_at=captured_at, latitude=latitude, longitude=longitude,
        location_sent=location_sent, confidence=confidence, metadata=metadata, flagged=ctx.flagged(captured_at),
        images=images, alternates=alternates, agent_version=agent_version[:40], vehicle=vehicle,
    )


COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
_VEHICLE_TEXT = (("color", 20), ("make", 40), ("model", 60), ("body_type", 30))


def compass_from_degrees(degrees: float) -> str:
    """0 = north, 90 = east … as the nearest of the eight compass points."""
    return COMPASS[round((degrees % 360) / 45) % 8]


def _vehicle(value) -> tuple:
    """The read's vehicle attributes (issue #21): ``{"color", "make", "model", "body_type", "year_min", "year_max",
    "direction"}``, every one optional. Words are stored lower-case; direction is a compass point (N, NE … NW) or
    degrees (0 = north). Raise ApplicationError ``vehicle_invalid`` naming the field."""
    if not isinstance(value, dict):
        raise ApplicationError(VEHICLE_INVALID.format(field="*", problem="must be a JSON object"),
                               code="vehicle_invalid")
    texts = []
    for name, limit in _VEHICLE_TEXT:
        text = value.get(name) or ""
        if not isinstance(text, str) or len(text) > limit or "\x00" in text:
            raise ApplicationError(VEHICLE_INVALID.format(field=name, problem=f"must be text of at most {limit} "
                                                                              "characters"), code="vehicle_invalid")
        texts.append(text.strip().lower())
    years = []
    for name in ("year_min", "year_max"):
        year = value.get(name)
        if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100):
            raise ApplicationError(VEHICLE_INVALID.format(field=name, problem="must be a year from 1900 to 2100"),
                                   code="vehicle_invalid")
        years.append(year)
    if None not in years and years[0] > years[1]:
        raise ApplicationError(VEHICLE_INVALID.format(field="year_min", problem="must not be after year_max"),
                               code="vehicle_invalid")
    direction = value.get("direction")
    if direction is None or direction == "":
        direction = ""
    elif isinstance(direction, int | float) and not isinstance(direction, bool) and math.isfinite(direction):
        direction = compass_from_degrees(direction)
    elif isinstance(direction, str) and direction.strip().upper() in COMPASS:
        direction = direction.strip().upper()
    else:
        raise ApplicationError(VEHICLE_INVALID.format(field="direction", problem="must be N, NE, E, SE, S, SW, W, NW "
                                                                                 "or degrees (0 = north)"),
                               code="vehicle_invalid")
    return (*texts, *years, direction)


def _alternates(value, plate: str) -> list[tuple[str, float, list]]:
    """The camera's other candidate plates (issue #21), normalized, without the read's own plate or repeats; stored
    as alternates of the read, which the misread-tolerant search also matches (R-READ-4)."""
    message = ALTERNATES_INVALID.format(limit=ALTERNATES_MAX)
    if not isinstance(value, list) or len(value) > ALTERNATES_MAX:
        raise ApplicationError(message, code="alternates_invalid")
    found: list[tuple[str, float, list]] = []
    seen = {plate}
    for candidate in value:
        if not isinstance(candidate, dict) or not isinstance(candidate.get("plate"), str):
            raise ApplicationError(message, code="alternates_invalid")
        try:
            text = plate_normalize(candidate["plate"])
        except ApplicationError as exc:
            raise ApplicationError(message, code="alternates_invalid") from exc
        confidence = _number(candidate.get("confidence"), 0, 100, message, "alternates_invalid")
        box = candidate.get("box")
        box = box if isinstance(box, list) and len(box) == 4 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in box) else []
        if text not in seen:
            seen.add(text)
            found.append((text, (confidence or 0.0) / 100, box))
    return found


def batch_items_from_body(body) -> list:
    """The list of reads in a bulk body: ``{"reads": [...]}``, or a bare list. Batch-level problems raise."""
    limit = settings.PORTAL["READ_INGEST_MAX_BATCH"]
    items = body.get("reads") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise ApplicationError(BATCH_NOT_A_LIST.format(limit=limit), code="batch_not_a_list")
    if not items:
        raise ApplicationError(BATCH_EMPTY, code="batch_empty")
    if len(items) > limit:
        raise ApplicationError(BATCH_TOO_LARGE.format(count=len(items), limit=limit), code="batch_too_large",
                               extra={"limit": limit, "count": len(items)})
    return items


def read_batch_ingest(*, camera: Camera, items: list, ingest_format: str = IngestFormat.BATCH,
                      text_checked: bool = False) -> BatchResult:
    """Store a batch of reads from ``camera`` (the authenticated actor); return one result per item, in order.

    ``text_checked``: the API's parser saw no escape in the body, so no item holds text PostgreSQL cannot store (a
    NUL, an unpaired surrogate) and the walk of each item for it is skipped; any other caller's items are walked.

    Rejected items are logged (``IngestBatch.errors`` and the ``alprportal.reads.ingest`` logger) and store
    nothing; duplicates (same camera and read id, in this batch or before) are reported with the stored read's id;
    conflicts (same key, other content) too, with what differs, and are counted and logged, never stored.
    Reads captured while the unit was out of service are stored flagged (R-READ-5).
    """
    started = time.perf_counter()
    limit = settings.PORTAL["READ_INGEST_MAX_BATCH"]
    if len(items) > limit:
        raise ApplicationError(BATCH_TOO_LARGE.format(count=len(items), limit=limit), code="batch_too_large")
    now = timezone.now()
    ctx = _Context(camera, now, text_checked=text_checked)
    results: list[ItemResult | None] = [None] * len(items)
    pending: dict[str, _Prepared] = {}
    repeats: list[_Prepared] = []  # a key seen earlier in this batch: compared once the first one is settled
    for index, item in enumerate(items):
        try:
            prepared = _prepare(index, item, ctx)
        except ApplicationError as exc:
            read_id = item.get("read_id") if isinstance(item, dict) and isinstance(item.get("read_id"), str) else ""
            # Echoed as sent but for half characters, which no UTF-8 answer can carry (a NUL it can: \u0000).
            read_id = unstorable_text_replace(read_id[:100], nul=False)
            results[index] = ItemResult(index, ItemStatus.REJECTED, read_id=read_id, code=exc.code,
                                        message=unstorable_text_replace(exc.message, nul=False))
            continue
        if prepared.key in pending:
            repeats.append(prepared)
            continue
        pending[prepared.key] = prepared

    existing = _existing(camera, list(pending))
    for key, stored in existing.items():
        prepared = pending.pop(key)
        results[prepared.index] = _against(prepared, stored)

    stored_files: list[str] = []
    pack: ImagePack | None = None
    try:
        packed = settings.PORTAL["READ_IMAGE_PACKS"] and [
            (prepared, name, image) for prepared in pending.values() for name, image in prepared.images.items()
            if not isinstance(image, str)]
        if packed:
            # Issue #19: the batch's images as ONE object (one storage call per batch), each read pointing into it.
            stored_pack = images_pack_store([image for _, _, image in packed], camera_id=camera.pk)
            stored_files.append(stored_pack.name)
            pack = ImagePack(name=stored_pack.name, camera=camera, created_at=now, size=stored_pack.size,
                             image_count=len(packed))
            for (prepared, name, image), ref in zip(packed, stored_pack.refs, strict=True):
                prepared.stored_names[name] = ref
                prepared.digests[name] = image_sha256(image.content)  # R-SEC-2: checked whenever it is served
                prepared.pack = pack
        for prepared in pending.values():
            for name, image in prepared.images.items():
                if name in prepared.stored_names:
                    continue
                stored = image if isinstance(image, str) else image_store(image, camera_id=camera.pk, kind=name)
                prepared.stored_names[name] = stored
                # R-SEC-2: the digest of what is stored, checked whenever the image is served.
                prepared.digests[name] = (image_stored_sha256(stored) if isinstance(image, str)
                                          else image_sha256(image.content))
                if not isinstance(image, str):
                    stored_files.append(stored)
        with transaction.atomic():
            if pack is not None:
                pack.save(force_insert=True)  # with its reads: a pack row no read refers to is retention's to remove
            inserted = _insert(camera, list(pending.values()), now) if pending else {}
            if pack is not None and not any(prepared.pack is pack and key in inserted
                                            for key, prepared in pending.items()):
                pack.delete()  # a concurrent retry stored every packed read first: nothing refers to it
                transaction.on_commit(lambda name=pack.name: image_delete_quietly([name]))
            camera_candidates_store(rows=[
                CameraCandidate(read_id=inserted[key], text=text, confidence=min(1.0, max(0.0, confidence)), box=box,
                                rank=rank, agent_version=prepared.agent_version)
                for key, prepared in pending.items() if key in inserted
                for rank, (text, confidence, box) in enumerate(prepared.alternates, start=2)])
            # R-HOT-3: hits commit with their reads. The stored rows are handed over as ingest holds them: reading
            # them back cost the database more than matching itself (issue #19).
            reads_changed_notify(reads=[
                StoredRead(inserted[key], prepared.plate_normalized, prepared.region, camera.pk, prepared.captured_at,
                           prepared.flagged)
                for key, prepared in pending.items() if key in inserted])
            # A concurrent retry stored these between our duplicate check and our insert: compare with what it stored.
            raced = _existing(camera, [key for key in pending if key not in inserted])
            for key, prepared in pending.items():
                if key in inserted:
                    results[prepared.index] = ItemResult(prepared.index, ItemStatus.STORED, read_id=key,
                                                         id=inserted[key])
                else:
                    results[prepared.index] = _against(prepared, raced.get(key))
            for prepared in repeats:
                first_sent = pending.get(prepared.key)
                reference = ((prepared.key, inserted[prepared.key], *first_sent.compared()) if prepared.key in inserted
                             else existing.get(prepared.key) or raced.get(prepared.key))
                results[prepared.index] = _against(prepared, reference)
            batch = _record_batch(camera, ingest_format, now, items, results, started)
    except BaseException:
        image_delete_quietly(stored_files)
        raise

    # Files written for reads a concurrent retry stored first: theirs are kept, ours are orphans.
    image_delete_quietly([name_stored for key, prepared in pending.items() if key not in inserted
                          for name, name_stored in prepared.stored_names.items()
                          if not isinstance(prepared.images[name], str) and image_pack_ref(name_stored) is None])

    outcome = BatchResult(batch_id=batch.pk, results=results)  # type: ignore[arg-type]
    outcome.stored, outcome.duplicates, outcome.rejected = batch.stored, batch.duplicates, batch.rejected
    outcome.conflicts = batch.conflicts
    if outcome.rejected:
        first = next(r for r in results if r and r.status == ItemStatus.REJECTED)
        logger.warning("Camera %s batch %s: %s of %s reads rejected (first: #%s %s: %s)", camera.pk, batch.pk,
                       outcome.rejected, len(items), first.index, first.code, first.message)
    if outcome.conflicts:
        # Field names and the stored read's id only: the read_id may carry the plate (<plate>@<epoch ms>).
        first = next(r for r in results if r and r.status == ItemStatus.CONFLICT)
        logger.warning("Camera %s batch %s: %s of %s reads conflict with a read already stored under the same "
                       "read_id and were not stored (first: #%s, stored read %s, differs in %s)", camera.pk, batch.pk,
                       outcome.conflicts, len(items), first.index, first.id,
                       ", ".join(d["field"] for d in first.differences or []))
    return outcome


def _against(prepared: _Prepared, stored: _Stored | None) -> ItemResult:
    """``duplicate`` if the read already stored under the key has the same content, else ``conflict`` (what
    differs, stored vs sent)."""
    if stored is None:  # stored by someone else and gone again before we could look: nothing to compare with
        return ItemResult(prepared.index, ItemStatus.DUPLICATE, read_id=prepared.key)
    differences = _differences(prepared, stored)
    if not differences:
        return ItemResult(prepared.index, ItemStatus.DUPLICATE, read_id=prepared.key, id=stored[_ID])
    fields = ", ".join(d["field"] for d in differences)
    return ItemResult(prepared.index, ItemStatus.CONFLICT, read_id=prepared.key, id=stored[_ID], code="conflict",
                      message=CONFLICT.format(fields=fields), differences=differences)


def _record_batch(camera, ingest_format, now, items, results, started) -> IngestBatch:
    counts = Counter(r.status for r in results)
    rejected = [r for r in results if r.status == ItemStatus.REJECTED]
    # Conflicts are counted, and kept by field name and stored read only: the values sent are stored nowhere.
    conflicts = [{"index": r.index, "code": r.code, "read": r.id, "fields": [d["field"] for d in r.differences]}
                 for r in results if r.status == ItemStatus.CONFLICT]
    batch = IngestBatch(
        camera=camera, format=ingest_format, received_at=now, item_count=len(items),
        stored=counts[ItemStatus.STORED], duplicates=counts[ItemStatus.DUPLICATE],
        conflicts=counts[ItemStatus.CONFLICT], rejected=counts[ItemStatus.REJECTED],
        errors=[*({"index": r.index, "read_id": _storable(r.read_id), "code": r.code, "message": _storable(r.message)}
                  for r in rejected[:ERRORS_KEPT_PER_BATCH]), *conflicts[:ERRORS_KEPT_PER_BATCH]],
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
    batch.save(force_insert=True)
    return batch


def _storable(text: str) -> str:
    """A refused item's read id or message may quote the NUL character it was refused for; jsonb cannot hold one."""
    return unstorable_text_replace(text)


# The batch travels as ONE json parameter that PostgreSQL unpacks (jsonb_to_recordset): quoting a thousand-element
# array per column in Python (client-side binding) cost more than the insert itself. A key already stored is found in
# reads_readkey (one probe, not one per month partition); the statement trigger of migration 0014 adds the keys of the
# reads this statement inserts, within the statement, so they commit (or not) with them. No ON CONFLICT: since
# migration 0015 reads_readkey's primary key is the only unique index by key, and a key stored meanwhile without the
# advisory lock makes the trigger's insert fail (unique violation), never a second read (_insert: ReadKeyRace).
_INSERT_SQL = """
INSERT INTO reads_read (camera_id, source, received_at, source_read_id, plate_read, plate_normalized, plate_current,
    region, captured_at, latitude, longitude, confidence, vehicle_image, plate_crop, metadata, flagged_out_of_service,
    vehicle_image_sha256, plate_crop_sha256, vehicle_color, vehicle_make, vehicle_model, vehicle_body_type,
    vehicle_year_min, vehicle_year_max, direction, image_pack_id)
SELECT %s, %s, %s, u.k, u.pr, u.p, u.p, u.rg, u.t, u.lat, u.lon, u.c, u.vi, u.pc, u.m::jsonb, u.f, u.vs, u.ps,
    coalesce(u.v->>0, ''), coalesce(u.v->>1, ''), coalesce(u.v->>2, ''), coalesce(u.v->>3, ''),
    (u.v->>4)::smallint, (u.v->>5)::smallint, coalesce(u.v->>6, ''), u.ip
FROM jsonb_to_recordset(%s::jsonb) AS u(k text, pr text, p text, rg text, t timestamptz, lat float8, lon float8,
                                         c float8, vi text, pc text, m text, f boolean, vs text, ps text, v jsonb,
                                         ip bigint)
WHERE NOT EXISTS (SELECT 1 FROM reads_readkey x WHERE x.camera_id = %s AND x.source_read_id = u.k)
RETURNING source_read_id, id
"""

# The capture time as exact microseconds (numeric epoch since PostgreSQL 14) and metadata as text: decoding a
# timestamptz or a jsonb per row in Python cost more than the whole comparison.
# Driven by the sent keys, one probe of the key index per key (the LATERAL ... LIMIT 1 keeps the planner from
# turning it around): as ``source_read_id IN (SELECT jsonb_array_elements_text(...))`` the plan depended on the table's
# statistics, and on a table not yet analyzed (a new database, a freshly loaded or new table) PostgreSQL chose a nested
# loop that re-expanded the 1,000 keys for every stored read of the camera: 0.3-1.3 s of backend CPU per batch at
# 3,000-10,000 reads (measured; 2 ms now, analyzed or not).
# Issue #19: the key is looked up in reads_readkey (one unpartitioned primary key, maintained by triggers, migration
# 0014), not in reads_read, whose unique index per month partition held the capture time (dropped by 0015): there
# every key cost one probe per month, 36 of them for three years of history. The capture time found with the key
# prunes the read's own lookup to its month at run time.
_EXISTING_SQL = """
SELECT r.source_read_id, r.id, r.plate_normalized, (extract(epoch FROM r.captured_at) * 1000000)::bigint, r.region,
       r.latitude, r.longitude, r.confidence, r.metadata::text, r.vehicle_image <> '', r.plate_crop <> ''
FROM jsonb_array_elements_text(%s::jsonb) AS sent(key)
CROSS JOIN LATERAL (SELECT read_id, captured_at FROM reads_readkey WHERE camera_id = %s AND source_read_id = sent.key
                    LIMIT 1) AS k
CROSS JOIN LATERAL (SELECT * FROM reads_read WHERE id = k.read_id AND captured_at = k.captured_at LIMIT 1) AS r
"""


_NO_VEHICLE = _Prepared.vehicle
_VEHICLE_FIELDS = ("vehicle_color", "vehicle_make", "vehicle_model", "vehicle_body_type", "vehicle_year_min",
                   "vehicle_year_max", "direction")


def _existing(camera: Camera, keys: list[str]) -> dict[str, _Stored]:
    """The reads this camera already stored under these keys, with what a retry is compared on (one query)."""
    if not keys:
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_EXISTING_SQL, [json.dumps(keys), camera.pk])
            return {row[0]: row for row in cursor.fetchall()}
    return {read.source_read_id: (
        read.source_read_id, read.pk, read.plate_normalized, _micros(read.captured_at), read.region, read.latitude,
        read.longitude, read.confidence, read.metadata, bool(read.vehicle_image), bool(read.plate_crop))
        for read in Read.objects.filter(camera=camera, source_read_id__in=keys)}


# Issue #19: reads are partitioned by capture time on PostgreSQL; a camera's keys are unique in reads_readkey (its
# primary key, migration 0015), which would refuse a concurrent retry of the same key with a unique violation that
# fails the whole batch. Writers of the same camera's keys are serialized first, so a retry is a duplicate or a
# conflict instead: a transaction-scoped advisory lock per (camera, key bucket), taken in bucket order (no
# deadlock); the insert then skips keys stored meanwhile. Bounded: at most KEY_LOCK_BUCKETS locks per batch.
KEY_LOCK_BUCKETS = 16
_LOCK_KEYS_SQL = f"""
SELECT pg_advisory_xact_lock((%s::bigint %% 2147483647)::int, b)
FROM (SELECT DISTINCT hashtext(k) & {KEY_LOCK_BUCKETS - 1} AS b
      FROM jsonb_array_elements_text(%s::jsonb) k ORDER BY 1) buckets
"""  # noqa: S608 - a constant


READ_KEY_CONSTRAINT = "reads_readkey_pkey"
READ_KEY_RACE = ("A read of this batch was stored meanwhile under the same read_id; nothing was stored. Send the "
                 "batch again.")


class ReadKeyRace(OperationalError):
    """The batch's INSERT met a key stored meanwhile by a writer that took no key lock (``reads_readkey``'s primary
    key refused it, PostgreSQL). The transaction is rolled back, nothing of the batch is stored. An OperationalError
    on purpose: what the portal does for a database that could not complete a request — the API answers 503 with
    Retry-After (``apps.common.db_errors``), OCR's tasks retry — is what this needs; the retry finds the key."""


def _constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def _keys_lock(camera: Camera, rows: list[_Prepared]) -> None:
    """Take the key locks (released at commit). The INSERT that follows is a new statement, so in READ COMMITTED it
    sees every read another transaction committed under these keys while we waited (with its ``reads_readkey`` row,
    written by the same statement), and skips those keys (``NOT EXISTS``): a key stored under another capture time
    becomes a conflict the caller reports, never a second read."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_KEYS_SQL, [camera.pk, json.dumps([r.key for r in rows])])


def _insert(camera: Camera, rows: list[_Prepared], now: datetime) -> dict[str, int]:
    """Insert new reads; return {source_read_id: id} of those actually inserted (conflicts are skipped)."""
    if connection.vendor == "postgresql":
        _keys_lock(camera, rows)
        payload = json.dumps([
            {"k": r.key, "pr": r.plate_read, "p": r.plate_normalized, "rg": r.region, "t": r.captured_at.isoformat(),
             "lat": r.latitude, "lon": r.longitude, "c": r.confidence, "vi": r.stored_names.get("vehicle_image", ""),
             "pc": r.stored_names.get("plate_crop", ""), "m": r.metadata, "f": r.flagged,
             "vs": r.digests.get("vehicle_image", ""), "ps": r.digests.get("plate_crop", ""),
             **({"ip": r.pack.pk} if r.pack is not None else {}),
             **({"v": r.vehicle} if r.vehicle is not _NO_VEHICLE else {})}
            for r in rows
        ])
        with connection.cursor() as cursor:
            try:
                cursor.execute(_INSERT_SQL, [camera.pk, camera.kind, now, payload, camera.pk])
            except IntegrityError as exc:
                if _constraint(exc) != READ_KEY_CONSTRAINT:
                    raise
                logger.warning("Camera %s: a key of the batch was stored meanwhile without the key lock; the batch "
                               "of %s reads stored nothing and is to be retried", camera.pk, len(rows))
                raise ReadKeyRace(READ_KEY_RACE) from exc
            return dict(cursor.fetchall())
    # Other databases (SQLite on a laptop): writers are serialized there, so check-then-insert is safe.
    Read.objects.bulk_create(
        [Read(camera_id=camera.pk, source=camera.kind, received_at=now, source_read_id=r.key, plate_read=r.plate_read,
              plate_normalized=r.plate_normalized, plate_current=r.plate_normalized, region=r.region,
              captured_at=r.captured_at, latitude=r.latitude, longitude=r.longitude, confidence=r.confidence,
              vehicle_image=r.stored_names.get("vehicle_image", ""), plate_crop=r.stored_names.get("plate_crop", ""),
              metadata=json.loads(r.metadata) if r.metadata else None, flagged_out_of_service=r.flagged,
              vehicle_image_sha256=r.digests.get("vehicle_image", ""),
              plate_crop_sha256=r.digests.get("plate_crop", ""), image_pack=r.pack,
              **dict(zip(_VEHICLE_FIELDS, r.vehicle, strict=True)))
         for r in rows],
        ignore_conflicts=True, batch_size=500,
    )
    return dict(Read.objects.filter(camera=camera, source_read_id__in=[r.key for r in rows], received_at=now)
                .values_list("source_read_id", "id"))
