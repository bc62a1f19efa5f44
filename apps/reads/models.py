"""Cameras, reads (detections), corrections and the camera credentials that may only ingest.

R-READ-1 (what a read is), R-READ-2 (originals never change: corrections are separate rows), R-READ-5 (camera
status and flagged reads). Searching is in ``selectors.py``; every write is in ``services/``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.common.fields import TriggerCheckedForeignKey
from apps.reads.choices import CameraKind, CameraStatus, IngestFormat

PLATE_MAX_LENGTH = 10


class Camera(models.Model):
    """A fixed camera, a mobile unit (patrol car) or an upload source that produces reads (R-READ-1, R-READ-5).

    ``commissioned_at`` is when the unit started producing reads: a read claiming an earlier capture time is
    refused at ingest. ``external_id`` is the agent's own camera id (OpenALPR ``camera_id``); when set, a webhook
    naming another camera is refused. Status changes only through ``camera_report_status`` (with a history row).
    """

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=CameraKind.choices)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="cameras")
    location_description = models.CharField(max_length=200, blank=True, help_text="Where a fixed camera points.")
    latitude = models.FloatField(null=True, blank=True, help_text="Fixed cameras: used when a read has no GPS.")
    longitude = models.FloatField(null=True, blank=True)
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_units",
        help_text="Mobile units: the officer who drives it and reports it damaged.",
    )
    external_id = models.CharField(max_length=64, blank=True, help_text="The camera agent's own id, if any.")
    status = models.CharField(max_length=20, choices=CameraStatus.choices, default=CameraStatus.IN_SERVICE)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    commissioned_at = models.DateTimeField(help_text="Reads captured before this moment are refused.")
    created_at = models.DateTimeField(auto_now_add=True)
    # What the camera's agent says about itself (OpenALPR ``heartbeat``, R-READ-5, R-OPS-1). Only cameras whose agent
    # has sent a heartbeat are watched: one silent past CAMERA_HEARTBEAT_SILENCE_MINUTES is "not reporting".
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    agent_version = models.CharField(max_length=40, blank=True, default="", db_default="")
    agent_status = models.CharField(max_length=40, blank=True, default="", db_default="",
                                    help_text="The agent's own status of this camera's stream, e.g. streaming.")
    not_reporting_since = models.DateTimeField(
        null=True, blank=True, help_text="Set (and the ALPR Administrator alerted once) when heartbeats stopped; "
                                         "cleared by the next heartbeat.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="camera_name_unique_per_agency"),
            models.CheckConstraint(
                condition=models.Q(assigned_officer__isnull=True) | models.Q(kind=CameraKind.MOBILE),
                name="camera_officer_only_for_mobile_units",
            ),
            models.CheckConstraint(
                condition=(models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90))
                & (models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180)),
                name="camera_location_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_service(self) -> bool:
        return self.status == CameraStatus.IN_SERVICE

    def heartbeat_silent(self, now=None) -> bool:
        """Silent past ``CAMERA_HEARTBEAT_SILENCE_MINUTES`` (only for a camera whose agent sends heartbeats)."""
        from datetime import timedelta

        from django.utils import timezone

        if self.last_heartbeat_at is None:
            return False
        limit = timedelta(minutes=settings.PORTAL["CAMERA_HEARTBEAT_SILENCE_MINUTES"])
        return self.last_heartbeat_at < (now or timezone.now()) - limit


class CameraHeartbeatWindow(models.Model):
    """A stretch of time in which a camera's agent sent heartbeats without a silence longer than
    ``CAMERA_HEARTBEAT_SILENCE_MINUTES``: a heartbeat within that silence of the latest window extends it, a later one
    opens a new window. Compact evidence that a unit's reader was active during a shift (R-OPS-1)."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="heartbeat_windows")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    heartbeats = models.IntegerField(default=1)

    class Meta:
        ordering = ["-last_at"]
        indexes = [models.Index(fields=["camera", "last_at"], name="heartbeat_camera_last")]

    def __str__(self) -> str:
        return f"{self.camera}: heartbeats {self.first_at:%Y-%m-%d %H:%M}–{self.last_at:%H:%M}"


class CameraStatusReport(models.Model):
    """One status change of a camera: who reported it, when it took effect, and why (R-READ-5).

    Append-only history; the camera's ``status`` is the latest report's. Reads captured while a unit was out of
    service (from ``effective_at`` to the next return to service) are flagged.
    """

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="status_reports")
    status = models.CharField(max_length=20, choices=CameraStatus.choices)
    previous_status = models.CharField(max_length=20, choices=CameraStatus.choices)
    effective_at = models.DateTimeField(help_text="When the damage was noticed, or the unit returned to service.")
    reason = models.TextField()
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    reads_flagged = models.IntegerField(default=0, help_text="Reads already stored that this report flagged.")

    class Meta:
        ordering = ["-effective_at", "-id"]
        indexes = [models.Index(fields=["camera", "effective_at"], name="camstatus_camera_time")]

    def __str__(self) -> str:
        return f"{self.camera}: {self.get_status_display()} from {self.effective_at:%Y-%m-%d %H:%M}"


class CameraCredential(models.Model):
    """A camera's API token, which can only ingest (never search or read back). Only its SHA-256 is stored.

    The token is shown once, when issued; issuing a new one revokes the previous (rotation). R-SEC-2: it expires
    ``CAMERA_TOKEN_LIFETIME_DAYS`` after issue (``expires_at``) and can be revoked (who, when, why); an expired or
    revoked token is refused with a 401 that says which.
    """

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="credentials")
    token_prefix = models.CharField(max_length=16, help_text="The first characters, to recognise a token.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    revocation_reason = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField(help_text="The token is refused from this moment (R-SEC-2).")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["camera"], condition=models.Q(revoked_at__isnull=True), name="camera_one_active_credential"
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"{self.camera} token {self.token_prefix}… ({state})"

    def is_expired(self, now=None) -> bool:
        from django.utils import timezone

        return self.expires_at <= (now or timezone.now())


class ImagePack(models.Model):
    """The images of one ingest batch, stored as ONE object through Django's storage API (issue #19): one storage
    call per batch instead of one per image, which also suits object storage. A read's image name points into it as
    ``<pack name>#<offset>+<length>.<ext>`` (``apps.reads.images``) and ``Read.image_pack`` says which pack the read
    keeps alive. Retention deletes a pack, row and object, once no read refers to it any more (R-RET-2): a held read
    keeps its pack (R-RET-3)."""

    name = models.CharField(max_length=200, unique=True)
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField()
    size = models.BigIntegerField(help_text="Bytes in the object.")
    image_count = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.name} ({self.image_count} images, {self.size:,} bytes)"


class Read(models.Model):
    """One detection of a plate (R-READ-1). Originals are immutable (R-READ-2).

    ``plate_read`` is the text exactly as the camera read it; ``plate_normalized`` is that text uppercased without
    spaces and dashes (no character is ever substituted). ``plate_current`` is what searches match: the normalized
    plate, or the latest correction's plate. Only the correction service changes it, and on PostgreSQL a trigger
    refuses any UPDATE of the original columns. ``flagged_out_of_service`` marks a read captured while its unit was
    reported out of service (R-READ-5). A read is archived by retention (R-RET-1) — passed by the archive watermark
    (``ReadArchiveWatermark``) or, after a hold kept it, flagged one by one (``archived_at``) — and is then visible
    to system administrators only (``apps.reads.archive``; ``archived_on`` says when).

    On PostgreSQL the table is partitioned by capture month and its primary key is ``(id, captured_at)`` in the
    database (``apps.reads.partitions``, issue #19); ``id`` alone stays unique (one sequence) and is Django's pk.
    """

    # No separate FK index: (camera, captured_at) starts with camera, and so does (camera, source_read_id) on SQLite
    # (on PostgreSQL the key is unique in reads_readkey instead, ReadKey).
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="reads", db_index=False)
    source_read_id = models.CharField(
        max_length=100, help_text="The camera's id for this read (or plate@time): a retry is stored once."
    )
    source = models.CharField(max_length=10, choices=CameraKind.choices)
    plate_read = models.CharField(max_length=32)
    plate_normalized = models.CharField(max_length=PLATE_MAX_LENGTH)
    plate_current = models.CharField(max_length=PLATE_MAX_LENGTH)
    region = models.CharField(max_length=16, blank=True, default="", db_default="",
                              help_text="Plate state/region if known, e.g. CA, US-CA.")
    captured_at = models.DateTimeField()
    received_at = models.DateTimeField()
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True, help_text="OCR confidence, 0–100.")
    vehicle_image = models.FileField(max_length=200, blank=True, default="", db_default="")
    plate_crop = models.FileField(max_length=200, blank=True, default="", db_default="")
    # R-SEC-2: SHA-256 of each stored image, computed at ingest and checked every time the image is served; empty
    # means none was recorded (an image stored before digests existed that could not be read then: unverified).
    vehicle_image_sha256 = models.CharField(max_length=64, blank=True, default="", db_default="")
    plate_crop_sha256 = models.CharField(max_length=64, blank=True, default="", db_default="")
    # The batch object its images live in, when they were stored packed (issue #19); null for per-file images.
    image_pack = models.ForeignKey(ImagePack, null=True, blank=True, on_delete=models.PROTECT, related_name="reads",
                                   db_index=False)
    metadata = models.JSONField(null=True, blank=True, help_text="Extra agent data (plate corners, direction…).")
    # Vehicle attributes as the camera's agent classified them (issue #21): lower-case words as sent (OpenALPR's
    # vehicle classifier, or ``vehicle`` in the bulk JSON), empty when unknown. Searchable with or without a plate;
    # without one the search is plate-less (R-PURP-2). Originals like the rest of the read (R-READ-2).
    vehicle_color = models.CharField(max_length=20, blank=True, default="", db_default="")
    vehicle_make = models.CharField(max_length=40, blank=True, default="", db_default="")
    vehicle_model = models.CharField(max_length=60, blank=True, default="", db_default="")
    vehicle_body_type = models.CharField(max_length=30, blank=True, default="", db_default="")
    vehicle_year_min = models.SmallIntegerField(null=True, blank=True)
    vehicle_year_max = models.SmallIntegerField(null=True, blank=True)
    direction = models.CharField(max_length=2, blank=True, default="", db_default="",
                                 help_text="Direction of travel: N, NE, E, SE, S, SW, W or NW.")
    flagged_out_of_service = models.BooleanField(default=False, db_default=False)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [
            ("query_reads", "Can search reads (with a purpose and a case number)"),
            ("correct_read", "Can record a correction of a misread plate"),
        ]
        constraints = [
            # On PostgreSQL reads are partitioned by capture month (apps.reads.partitions) and this constraint is
            # not on reads_read: reads_readkey's primary key (camera_id, source_read_id) is the database's
            # guarantee, kept by triggers (migrations 0014, 0015; issue #19). SQLite keeps this one as declared.
            models.UniqueConstraint(fields=["camera", "source_read_id"], name="read_unique_per_camera"),
            models.CheckConstraint(condition=models.Q(plate_normalized__regex=r"^[A-Z0-9]+$"),
                                   name="read_plate_normalized_charset"),
            models.CheckConstraint(condition=models.Q(plate_current__regex=r"^[A-Z0-9]+$"),
                                   name="read_plate_current_charset"),
            models.CheckConstraint(condition=models.Q(confidence__isnull=True)
                                   | models.Q(confidence__gte=0, confidence__lte=100), name="read_confidence_range"),
        ]
        indexes = [
            # Exact search: one index range scan per plate, already in time order, flat as the table grows.
            # On PostgreSQL migration 0002 rebuilds it with INCLUDE (id, archived_at), so collecting the matching
            # ids is an index-only scan (SQLite has no covering indexes).
            models.Index(fields=["plate_current", "captured_at"], name="read_plate_time"),
            # Partial search (R-READ-4) uses a GIN trigram index, created by migration 0002 on PostgreSQL only
            # (SQLite has no GIN; there partial search scans the bounded time range instead).
            models.Index(fields=["camera", "captured_at"], name="read_camera_time"),
            models.Index(fields=["captured_at"], name="read_time"),
            # Vehicle-attribute searches (issue #21) are bounded in time like partial ones; these narrow by the most
            # selective attributes first. Partial: only reads that carry the attribute are indexed.
            models.Index(fields=["vehicle_make", "vehicle_model", "captured_at"], name="read_make_model_time",
                         condition=~models.Q(vehicle_make="")),
            models.Index(fields=["vehicle_color", "captured_at"], name="read_color_time",
                         condition=~models.Q(vehicle_color="")),
            # Retention asks "does any read still use this pack?" once per pack: only packed reads are indexed.
            models.Index(fields=["image_pack"], name="read_image_pack",
                         condition=models.Q(image_pack__isnull=False)),
            # The purge (R-RET-2) finds reads flagged archived one by one (a hold ended; archived before the watermark)
            # here, not by walking every read the watermark archived: only flagged reads are indexed, a few a night.
            models.Index(fields=["captured_at", "archived_at"], name="read_flagged_archived",
                         condition=models.Q(archived_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.plate_current} at {self.captured_at:%Y-%m-%d %H:%M:%S} ({self.camera_id})"

    @property
    def is_corrected(self) -> bool:
        return self.plate_current != self.plate_normalized

    @property
    def archived_on(self):
        """When the read was logically archived (R-RET-1), or None: flagged one by one (``archived_at``), or passed by
        the archive watermark (``ReadArchiveWatermark``). Lists set it for all their reads at once
        (``apps.reads.archive.reads_archived_on_set``); otherwise it is looked up here."""
        if "_archived_on" in self.__dict__:
            return self.__dict__["_archived_on"]
        from apps.reads.archive import read_archived_on

        return read_archived_on(self)


class ReadArchiveWatermark(models.Model):
    """One advance of the archive watermark (R-RET-1): as of ``archived_at`` (the retention run's moment), every read
    captured before ``captured_before`` is logically archived — hidden from everyone but system administrators —
    except the reads an evidence hold kept (``ReadArchiveExemption``, R-RET-3). The watermark in force is the
    greatest ``captured_before``; a longer retention period later never un-archives a read.

    Archiving used to write every archived read's row again (and each of its nine indexes): a night's million reads
    cost most of the nightly run (issue #19). One row here archives them all; the predicate that hides them is one
    place, ``apps.reads.archive``."""

    archived_at = models.DateTimeField(unique=True)
    captured_before = models.DateTimeField()

    class Meta:
        ordering = ["archived_at"]

    def __str__(self) -> str:
        return (f"reads captured before {self.captured_before:%Y-%m-%d %H:%M} "
                f"archived at {self.archived_at:%Y-%m-%d %H:%M}")


class ReadArchiveExemption(models.Model):
    """A read the archive watermark passed while an evidence hold kept it (R-RET-3): it stays unarchived while the
    hold lasts. The first archive run after the hold ends flags it archived one by one (``Read.archived_at``) and
    deletes this row. Reads are partitioned by capture month on PostgreSQL, so ``read_id`` is a plain column (with the
    capture time that prunes its lookup), not a database foreign key; a row whose read is gone is deleted the same
    way."""

    read_id = models.BigIntegerField(primary_key=True)
    captured_at = models.DateTimeField()
    exempt_since = models.DateTimeField()

    def __str__(self) -> str:
        return f"read {self.read_id} kept from archiving since {self.exempt_since:%Y-%m-%d}"


class ReadKey(models.Model):
    """Where the read a camera stored under a key is (issue #19), one row per read, on PostgreSQL only (SQLite keeps
    reads in one plain table whose ``read_unique_per_camera`` index already answers by key; there this table stays
    empty). Reads are partitioned by capture month, and a unique index of the partitions would have to hold the capture
    time, so "has this camera stored this key?" would probe every month's index; this unpartitioned table answers with
    one probe and gives the capture time that prunes the read's own lookup to its month. Its primary key is the
    database's guarantee that a camera's key names one read (migration 0015: a second read under a key fails).
    Maintained by statement triggers on ``reads_read`` (migration 0014: every insert and delete through the parent
    table, in the same statement) and, where retention empties a month with TRUNCATE, by ``apps.reads.retention``.
    Never written by the ORM."""

    pk = models.CompositePrimaryKey("camera_id", "source_read_id")
    camera_id = models.BigIntegerField()
    source_read_id = models.CharField(max_length=100)
    read_id = models.BigIntegerField()
    captured_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.camera_id}/{self.source_read_id} → {self.read_id}"



class MonthSetField(models.Field):
    """A set of UTC months as ``smallint[]`` on PostgreSQL, each month numbered ``year * 12 + month - 1`` (December
    2026 is 24,323; the numbering holds to the year 2730). Elsewhere a text column that stays empty (``ReadPlateMonths``
    is not used on SQLite). Written by database triggers and read by raw SQL; a Python list of ints in the ORM."""

    description = "UTC months (smallint[] on PostgreSQL)"

    def db_type(self, connection):
        return "smallint[]" if connection.vendor == "postgresql" else "text"


def month_number(moment) -> int:
    """A date or datetime's month as ``MonthSetField`` numbers it (its own year and month: pass UTC)."""
    return moment.year * 12 + moment.month - 1


class ReadPlateMonths(models.Model):
    """A plate and the UTC capture months that hold at least one read with that ``plate_current`` (issue #19), one
    row per plate.

    An exact plate search asks this first which months of its window hold the plate, and then plans and probes only
    those monthly partitions of ``reads_read`` rather than every month of a 1,100-day window. On PostgreSQL database
    triggers (migrations 0013 and 0017) keep it current on every write: a month is added when reads are inserted or
    corrected, and removed when its last read with the plate is deleted or corrected away (the row goes with its last
    month); retention's whole-month path cleans it itself (``apps.reads.retention``). It may hold a month with no
    matching read any more, never fewer. One row per plate with its months as an array (migration 0017) instead of
    one row per plate and month (0013): 18.5 instead of 68.5 bytes per read in `bench_search` at 10M.
    SQLite does not use it (one plain table, nothing to prune) and it stays empty there.
    """

    plate = models.CharField(max_length=PLATE_MAX_LENGTH, primary_key=True)
    months = MonthSetField(help_text="UTC capture months holding a read of the plate: year * 12 + month - 1.")

    def __str__(self) -> str:
        return f"{self.plate} in {len(self.months or [])} months"


class ReadCorrection(models.Model):
    """A fix of a misread plate (R-READ-2): who, when, why and the corrected plate. Append-only; the latest one is
    the read's ``plate_current``, the original stays visible in the read's history."""

    # Integrity by trigger on PostgreSQL, where reads are partitioned (apps.common.fields, apps.reads.partitions).
    read = TriggerCheckedForeignKey(Read, on_delete=models.CASCADE, related_name="corrections")
    previous_plate = models.CharField(max_length=PLATE_MAX_LENGTH)
    corrected_plate = models.CharField(max_length=PLATE_MAX_LENGTH)
    reason = models.TextField()
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-corrected_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="readcorrection_reason_required"),
            models.CheckConstraint(condition=~models.Q(previous_plate=models.F("corrected_plate")),
                                   name="readcorrection_changes_plate"),
        ]
        # misread-tolerant searches also match a read by the plate it carried before a correction
        indexes = [models.Index(fields=["previous_plate"], name="readcorrection_previous")]

    def __str__(self) -> str:
        return f"{self.previous_plate} → {self.corrected_plate}"


class IngestBatch(models.Model):
    """One ingest request from a camera, with its counts and the reasons items were rejected (operations log)."""

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="ingest_batches")
    format = models.CharField(max_length=10, choices=IngestFormat.choices)
    received_at = models.DateTimeField()
    item_count = models.IntegerField()
    stored = models.IntegerField()
    duplicates = models.IntegerField()
    conflicts = models.IntegerField(default=0, db_default=0,
                                    help_text="Reads whose read_id was already stored with other content (not stored).")
    rejected = models.IntegerField()
    errors = models.JSONField(default=list, blank=True,
                              help_text="Rejected items: index, code, message. Conflicts: index, stored read, fields.")
    duration_ms = models.IntegerField(default=0)
    previews = models.IntegerField(default=0, db_default=0,
                                   help_text="OpenALPR preview groups received (never stored as reads).")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "ingest batches"
        indexes = [models.Index(fields=["camera", "received_at"], name="ingestbatch_camera_time")]

    def __str__(self) -> str:
        return f"{self.camera} {self.received_at:%Y-%m-%d %H:%M:%S}: {self.stored}/{self.item_count} stored"


class ReadAgentAlert(models.Model):
    """A camera agent's own hot-list alert (OpenALPR ``alpr_alert``) for a read, acknowledged and recorded against it
    (issue #21). Never a hit: the portal matches reads against its own lists when they are stored (R-HOT-3); this
    only records that the agent alerted too, on which of its lists. Part of the read (purged with it)."""

    # Integrity by trigger on PostgreSQL, where reads are partitioned (apps.common.fields, apps.reads.partitions).
    read = TriggerCheckedForeignKey(Read, on_delete=models.CASCADE, related_name="agent_alerts")
    alert_list = models.CharField(max_length=100, help_text="The agent's alert list, as it names it.")
    alert_list_id = models.CharField(max_length=40, blank=True, default="")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [models.UniqueConstraint(fields=["read", "alert_list", "alert_list_id"],
                                               name="readagentalert_once_per_list")]

    def __str__(self) -> str:
        return f"agent alert on {self.alert_list} for read {self.read_id}"
