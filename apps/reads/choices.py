from django.db import models


class CameraKind(models.TextChoices):
    """What produces reads (R-READ-1: fixed camera, mobile unit, manual upload)."""

    FIXED = "fixed", "Fixed camera"
    MOBILE = "mobile", "Mobile unit (patrol car)"
    UPLOAD = "upload", "Upload source"


class CameraStatus(models.TextChoices):
    """R-READ-5: a damaged or inoperable unit is taken out of service; its reads are flagged from that time."""

    IN_SERVICE = "in_service", "In service"
    OUT_OF_SERVICE = "out_of_service", "Out of service"


# Allowed status moves; a report that repeats the current status is refused (nothing would change).
CAMERA_STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    CameraStatus.IN_SERVICE: frozenset({CameraStatus.OUT_OF_SERVICE}),
    CameraStatus.OUT_OF_SERVICE: frozenset({CameraStatus.IN_SERVICE}),
}


class IngestFormat(models.TextChoices):
    BATCH = "batch", "Portal bulk JSON"
    OPENALPR = "openalpr", "OpenALPR / Rekor Scout webhook"


class ItemStatus(models.TextChoices):
    """Per-item result of a bulk ingest."""

    STORED = "stored", "Stored"
    DUPLICATE = "duplicate", "Duplicate (already stored with the same content)"
    CONFLICT = "conflict", "Conflict (read_id already stored with other content; not stored)"
    REJECTED = "rejected", "Rejected"


class WebhookStatus(models.TextChoices):
    """Answer of the OpenALPR webhook: an item status, or ``ignored`` for data types other than alpr_group."""

    STORED = ItemStatus.STORED.value, ItemStatus.STORED.label
    DUPLICATE = ItemStatus.DUPLICATE.value, ItemStatus.DUPLICATE.label
    CONFLICT = ItemStatus.CONFLICT.value, ItemStatus.CONFLICT.label
    REJECTED = ItemStatus.REJECTED.value, ItemStatus.REJECTED.label
    PREVIEW = "preview", "Preview group (counted, never a read; the final group is the read)"
    HEARTBEAT = "heartbeat", "Heartbeat recorded"
    ALERT_RECORDED = "alert_recorded", "The agent's alert recorded against the read (no second hit)"
    ALERT_UNMATCHED = "alert_unmatched", "The agent's alert names no read and carries no storable group"
    IGNORED = "ignored", "Ignored (a data type the portal does not use)"
