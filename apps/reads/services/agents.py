"""What camera agents say besides reads (issue #21): preview groups, heartbeats, "not reporting" alerts.

Preview groups (OpenALPR ``alpr_group`` with ``is_preview: true``) are an agent's early guess at a pass, sent before
the vehicle has left the scene; the plate is often short or wrong. They never become reads (R-READ-1: a read is the
detection the agent settled on, and it is matched against the hot lists at once, so a wrong preview plate could
raise a false hit). Each preview is acknowledged and counted in its ingest batch (``IngestBatch.previews``). The
final group for the same pass lists the preview's uuid in its ``uuids``; the read stores those ``uuids`` in its
metadata, so a preview delivered *after* its final group (reordered or retried) is answered with the read that
superseded it, and a duplicate final group is a ``duplicate`` as ever: one pass, one read, one hot-list check.

A preview whose final group never arrives stays a counted preview and never becomes a read, not even a provisional
one. Why: agents queue every group on disk and retry until the portal acknowledges it, so a missing final group means
the pass was abandoned by the agent itself (no plate settled) or the agent lost its queue — in both cases the
preview's text is the least reliable reading there is, and a provisional read would still be evidence that has to be
retained, searched, matched and explained. Previews that were never superseded show as such in the ingest batches.

Heartbeats (``data_type: heartbeat``) record the camera's last heartbeat, its agent version and the agent's own status
of this camera's stream, and extend the camera's heartbeat windows (evidence for the shift gap report, R-OPS-1). A
watched camera silent past ``CAMERA_HEARTBEAT_SILENCE_MINUTES`` is "not reporting": ``cameras_not_reporting_check``
(beat, every 5 minutes) marks it and alerts the ALPR Administrator once (R-ADM-1 recipients, R-READ-5); the next
heartbeat clears the mark.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import event_record
from apps.common.unstorable import unstorable_text_replace
from apps.reads.choices import CameraKind, CameraStatus, IngestFormat
from apps.reads.models import Camera, CameraHeartbeatWindow, IngestBatch, Read
from apps.reads.selectors import read_keys_locate, reads_by_keys

logger = logging.getLogger("alprportal.reads.ingest")

PREVIEW_LOOKUP_WINDOW = timedelta(minutes=10)
UUIDS_KEPT = 20
AGENT_TEXT_MAX = 40


def agent_uuids(payload: dict) -> list[str]:
    """The frame uuids a group summarizes (``uuids``, plus ``best_uuid``), as strings, at most ``UUIDS_KEPT``."""
    uuids = payload.get("uuids") if isinstance(payload.get("uuids"), list) else []
    found = [str(value)[:100] for value in uuids if isinstance(value, str | int) and not isinstance(value, bool)]
    best = payload.get("best_uuid")
    if isinstance(best, str) and best and best not in found:
        found.insert(0, best[:100])
    return found[:UUIDS_KEPT]


def read_superseding_preview(*, camera: Camera, uuids: list[str], captured_at: datetime | None) -> Read | None:
    """The read whose final group lists one of this preview's uuids (a final group that arrived first): stored under
    one of them (a final group's key is its ``best_uuid``) or naming one in its metadata ``uuids``; the oldest.

    The key is resolved through the key table (``reads_by_keys``: one probe per uuid, then the read's own month; issue
    #19, reads partitioned by month have no index by key). The metadata test reads the camera's reads within
    ``PREVIEW_LOOKUP_WINDOW`` of the capture time (the camera-and-time index, the window's partitions only); without a
    capture time a read found by key answers, and only when none is the camera's reads are searched whole."""
    if not uuids:
        return None
    named_in_metadata = Q()
    for uuid in uuids:
        named_in_metadata |= Q(metadata__uuids__contains=[uuid])
    if captured_at is None:
        keyed = reads_by_keys(camera_id=camera.pk, keys=uuids, fields=("id",))
        if keyed:
            return keyed[0]
        return Read.objects.filter(camera=camera).filter(named_in_metadata).order_by("id").only("id").first()
    low, high = captured_at - PREVIEW_LOOKUP_WINDOW, captured_at + PREVIEW_LOOKUP_WINDOW
    keyed_ids = [read_id for read_id, moment in read_keys_locate(camera_id=camera.pk, keys=uuids).values()
                 if low <= moment <= high]
    condition = (Q(pk__in=keyed_ids) | named_in_metadata) if keyed_ids else named_in_metadata
    # The camera-and-time index narrows it to a few reads before the jsonb test.
    return (Read.objects.filter(camera=camera, captured_at__gte=low, captured_at__lte=high).filter(condition)
            .order_by("id").only("id").first())


def preview_group_record(
    *, camera: Camera, payload: dict, captured_at: datetime | None
) -> tuple[IngestBatch, Read | None]:
    """Acknowledge a preview group: count it in an ingest batch, store no read, and say which read (if any) already
    superseded it."""
    started = timezone.now()
    superseding = read_superseding_preview(camera=camera, uuids=agent_uuids(payload), captured_at=captured_at)
    batch = IngestBatch.objects.create(
        camera=camera, format=IngestFormat.OPENALPR, received_at=started, item_count=1, stored=0, duplicates=0,
        conflicts=0, rejected=0, previews=1, errors=[],
        duration_ms=int((timezone.now() - started).total_seconds() * 1000),
    )
    return batch, superseding


def _stream_status(camera: Camera, payload: dict) -> str:
    """The agent's status of this camera's stream: ``streaming`` / ``not streaming`` from ``video_streams`` (the
    entry whose camera_id is the camera's external id, or the only one), else ``up`` (the agent itself answers)."""
    streams = [s for s in payload.get("video_streams") or [] if isinstance(s, dict)] \
        if isinstance(payload.get("video_streams"), list) else []
    mine = [s for s in streams if camera.external_id and str(s.get("camera_id")) == camera.external_id]
    stream = mine[0] if mine else (streams[0] if len(streams) == 1 else None)
    if stream is None or "is_streaming" not in stream:
        return "up"
    return "streaming" if stream.get("is_streaming") else "not streaming"


def camera_heartbeat_record(*, camera: Camera, payload: dict, now: datetime | None = None) -> Camera:
    """Record one heartbeat of ``camera``'s agent (the server's receipt time: the agent's clock is not trusted).
    Extends the latest heartbeat window or opens one; clears "not reporting" (R-READ-5)."""
    now = now or timezone.now()
    version = payload.get("agent_version")
    version = unstorable_text_replace(version, by="")[:AGENT_TEXT_MAX] if isinstance(version, str) else ""
    status = _stream_status(camera, payload)
    silence = timedelta(minutes=settings.PORTAL["CAMERA_HEARTBEAT_SILENCE_MINUTES"])
    with transaction.atomic():
        locked = Camera.objects.select_for_update().get(pk=camera.pk)
        was_silent_since = locked.not_reporting_since
        locked.last_heartbeat_at = now
        locked.agent_version = version or locked.agent_version
        locked.agent_status = status
        locked.not_reporting_since = None
        locked.save(update_fields=["last_heartbeat_at", "agent_version", "agent_status", "not_reporting_since"])
        window = CameraHeartbeatWindow.objects.filter(camera=locked).order_by("-last_at").first()
        if window is not None and window.last_at >= now - silence:
            window.last_at = max(window.last_at, now)
            window.heartbeats += 1
            window.save(update_fields=["last_at", "heartbeats"])
        else:
            CameraHeartbeatWindow.objects.create(camera=locked, first_at=now, last_at=now)
        if was_silent_since is not None:
            event_record(actor=None, code="alprportal.reads.camera.reporting_again", target=locked,
                         data={"silent_since": was_silent_since.isoformat(), "agent_version": locked.agent_version})
    return locked


def cameras_watched() -> Q:
    """Which cameras must keep sending heartbeats: those whose agent ever sent one, in service, and either fixed or
    a mobile unit signed on for a shift (a parked patrol car between shifts is expected to be silent)."""
    signed_on = Q(kind=CameraKind.MOBILE, sign_ons__status="signed_on")
    return Q(last_heartbeat_at__isnull=False, status=CameraStatus.IN_SERVICE) & (Q(kind=CameraKind.FIXED) | signed_on)


def cameras_not_reporting_check(*, now: datetime | None = None) -> int:
    """Mark watched cameras silent past ``CAMERA_HEARTBEAT_SILENCE_MINUTES`` as not reporting and alert the ALPR
    Administrator once per silence (R-ADM-1 recipients; R-READ-5). Idempotent. Returns how many were marked."""
    from apps.accounts.selectors import alpr_administrator_recipients
    from apps.notifications.models import Severity
    from apps.notifications.services import notification_send

    now = now or timezone.now()
    limit = now - timedelta(minutes=settings.PORTAL["CAMERA_HEARTBEAT_SILENCE_MINUTES"])
    candidates = (Camera.objects.filter(cameras_watched(), not_reporting_since__isnull=True,
                                        last_heartbeat_at__lt=limit).distinct().values_list("pk", flat=True))
    marked = 0
    for pk in list(candidates):
        with transaction.atomic():
            camera = Camera.objects.select_for_update().select_related("agency").get(pk=pk)
            if camera.not_reporting_since is not None or camera.last_heartbeat_at is None \
                    or camera.last_heartbeat_at >= limit:
                continue  # a heartbeat arrived meanwhile, or another run marked it
            camera.not_reporting_since = camera.last_heartbeat_at
            camera.save(update_fields=["not_reporting_since"])
            last = timezone.localtime(camera.last_heartbeat_at)
            notification_send(
                recipients=alpr_administrator_recipients(agency=camera.agency), severity=Severity.WARNING,
                title=f"{camera} is not reporting",
                body=(f"Its agent sent no heartbeat since {last:%Y-%m-%d %H:%M} (more than "
                      f"{settings.PORTAL['CAMERA_HEARTBEAT_SILENCE_MINUTES']} minutes). Check the unit; if it is "
                      "damaged or inoperable, report it out of service (R-READ-5)."),
                link=reverse("reads:camera", args=[camera.pk]),
                dedupe_key=f"camera-not-reporting:{camera.pk}:{int(camera.last_heartbeat_at.timestamp())}",
            )
            event_record(actor=None, code="alprportal.reads.camera.not_reporting", target=camera,
                         data={"last_heartbeat_at": camera.last_heartbeat_at.isoformat()})
            logger.warning("Camera %s is not reporting: last heartbeat %s", camera.pk, camera.last_heartbeat_at)
            marked += 1
    return marked
