"""Upload jobs, their photos, and the alternate plate readings OCR found (issue #4; R-READ-1, R-READ-2, R-HOT-5).

A job is one upload of one or more photos with optional context (time, place, case number). Each photo is an
``OcrItem``: validated by really decoding it at upload (refused ones are failed at once and never stored), stored
through Django's storage API, then read by the OCR task. The best plate becomes a ``reads.Read`` (source: upload,
camera: the agency's upload-source camera, ``source_read_id`` = ``ocr-item-<id>``, which makes a rerun idempotent);
the other candidates are ``ReadAlternate`` rows of that read, searchable by the misread-tolerant search.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.common.fields import TriggerCheckedForeignKey, TriggerCheckedOneToOneField
from apps.common.jobs import TrackedJob
from apps.ocr.choices import ITEM_FINISHED, JOB_FINISHED, ItemStatus, JobStatus, ReviewStatus


class OcrJob(models.Model):
    """One upload (R-READ-1: uploaded imagery is OCR'd asynchronously), tracked like every long job: status,
    progress (photos finished / photos), timings and the reason of a failure. Status changes only through
    ``apps.ocr.services``; the job's counters are updated under a row lock by the photo that finishes."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ocr_jobs")
    camera = models.ForeignKey("reads.Camera", on_delete=models.PROTECT, related_name="ocr_jobs",
                               help_text="The agency's upload-source camera the reads are stored under.")
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    case_number = models.CharField(max_length=64, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When the photos were taken, if known (else the upload time).")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True, help_text="Where the photos come from (witness, doorbell…).")
    engine_name = models.CharField(max_length=40)
    photo_count = models.PositiveIntegerField(default=0)
    done_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    reads_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "OCR job"
        verbose_name_plural = "OCR jobs"
        ordering = ["-created_at", "-id"]
        permissions = [("view_ocr_quality", "Can see OCR data quality (misreads per engine version)")]
        indexes = [models.Index(fields=["uploaded_by", "created_at"], name="ocrjob_uploader_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(done_count__lte=models.F("photo_count"))
                                   & models.Q(failed_count__lte=models.F("photo_count")),
                                   name="ocrjob_counts_within_photos"),
            models.CheckConstraint(condition=(models.Q(latitude__isnull=True) & models.Q(longitude__isnull=True))
                                   | (models.Q(latitude__gte=-90, latitude__lte=90)
                                      & models.Q(longitude__gte=-180, longitude__lte=180)),
                                   name="ocrjob_location_complete_and_in_range"),
        ]

    def __str__(self) -> str:
        return f"OCR job {self.pk} ({self.photo_count} photo{'s' if self.photo_count != 1 else ''}, {self.status})"

    @property
    def finished_count(self) -> int:
        return self.done_count + self.failed_count

    @property
    def progress_percent(self) -> int:
        return round(100 * self.finished_count / self.photo_count) if self.photo_count else 100

    @property
    def is_finished(self) -> bool:
        return self.status in JOB_FINISHED

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class OcrItem(TrackedJob):
    """One uploaded photo and what OCR made of it. ``candidates`` keeps every plate the engine proposed (text,
    confidence, box in photo pixels), best first; ``read`` is the read created from the best one (none when no plate
    was found). ``attempts`` counts starts, so a photo rerun after a killed worker shows it. A tracked job
    (``apps.common.jobs``): ``queued_at`` is the upload's time, ``processing`` its running status."""

    JOB_RUNNING = ItemStatus.PROCESSING
    JOB_ON_FAILED = "apps.ocr.services.processing.ocr_item_failed"

    job = models.ForeignKey(OcrJob, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200)
    image = models.FileField(max_length=200, blank=True, help_text="The stored photo (empty when refused).")
    size_bytes = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.QUEUED)
    engine_version = models.CharField(max_length=60, blank=True)
    candidates = models.JSONField(default=list, blank=True)
    # Integrity by trigger on PostgreSQL, where reads are partitioned (apps.common.fields, apps.reads.partitions).
    read = TriggerCheckedOneToOneField("reads.Read", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="ocr_item")
    review_status = models.CharField(max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    ocr_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Time spent decoding and reading.")

    class Meta:
        verbose_name = "OCR photo"
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="ocritem_position_unique_per_job"),
            models.CheckConstraint(condition=~models.Q(status=ItemStatus.FAILED) | ~models.Q(error=""),
                                   name="ocritem_failed_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} (job {self.job_id}, {self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in ITEM_FINISHED

    @property
    def source_read_id(self) -> str:
        """The read's idempotency key on the upload camera: a rerun of this photo finds its read, never adds one."""
        return f"ocr-item-{self.pk}"


class ReadAlternate(models.Model):
    """Another plate OCR proposed for a read's photo (rank 1 = the read's own plate is not stored here; alternates
    start at rank 2). Searched by the misread-tolerant search, counted per ``engine_version`` (R-HOT-5).

    ``source`` says who proposed it: the portal's OCR of an uploaded photo, or the camera agent's own candidate plates
    (OpenALPR ``candidates``, or ``alternates`` in the bulk JSON; ``engine_version`` is then the agent's version)."""

    SOURCE_OCR = "ocr"
    SOURCE_CAMERA = "camera"
    SOURCES = [(SOURCE_OCR, "Portal OCR"), (SOURCE_CAMERA, "Camera agent candidate")]

    # Integrity by trigger on PostgreSQL, where reads are partitioned (apps.common.fields, apps.reads.partitions).
    read = TriggerCheckedForeignKey("reads.Read", on_delete=models.CASCADE, related_name="alternates")
    text = models.CharField(max_length=32)
    confidence = models.FloatField(help_text="0–1, as the engine reported it.")
    box = models.JSONField(help_text="[x, y, width, height] in photo pixels.")
    rank = models.PositiveSmallIntegerField()
    engine_version = models.CharField(max_length=60)
    source = models.CharField(max_length=10, choices=SOURCES, default=SOURCE_OCR, db_default=SOURCE_OCR)

    class Meta:
        ordering = ["read", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["read", "rank"], name="readalternate_rank_unique_per_read"),
            models.CheckConstraint(condition=models.Q(text__regex=r"^[A-Z0-9]+$"), name="readalternate_text_charset"),
            models.CheckConstraint(condition=models.Q(confidence__gte=0, confidence__lte=1),
                                   name="readalternate_confidence_range"),
        ]
        indexes = [models.Index(fields=["text"], name="readalternate_text")]

    def __str__(self) -> str:
        return f"{self.text} (alternate {self.rank} of read {self.read_id})"
