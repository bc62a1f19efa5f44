"""Retention (R-RET-1, R-RET-2, R-RET-3, R-RET-4, R-RET-5, R-RET-6, R-AUD-1, R-SHR-7): the deploying agency's
policy, the nightly runs, and the file deletions that wait for a database commit.

``RetentionPolicy`` is the one source of truth for every retention period: ``retention_policy_current()`` returns
the deploying agency's row, or — until a custodian saves one — the defaults from ``settings.PORTAL`` (which come from
the environment). Nothing else should read those PORTAL keys.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.common.jobs import TrackedJob
from apps.retention.choices import RunStatus, RunTrigger

MINIMUM_RECORD_DAYS = 730  # R-AUD-1 (access log) and R-SHR-7 (disclosure records): at least 2 years.
MAXIMUM_DAYS = 36500


class RetentionPolicy(models.Model):
    """The deploying agency's retention periods, in days (R-RET-1, R-RET-2, R-AUD-1, R-SHR-7).

    Reads are archived ``read_retention_days`` after capture (policy 004 §VI: 2 years; the other policies 1 and 5),
    then purged — rows and images — ``archive_purge_days`` after archiving. ``non_hit_purge_days``, when set, purges
    reads that hit nothing that many days after capture (SB 274, vetoed in 2025, would have required 60): off when
    empty. Hits, expired hot-list entries, the access log and disclosure records each have their own period; the
    access log and disclosure records are kept at least 2 years (database constraints). Evidence holds override all.
    """

    agency = models.OneToOneField("agencies.Agency", on_delete=models.PROTECT, related_name="retention_policy")
    read_retention_days = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAXIMUM_DAYS)],
        help_text="Days after capture before a read is logically archived (visible to administrators only).")
    archive_purge_days = models.PositiveIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(MAXIMUM_DAYS)],
        help_text="Days after archiving before an archived read and its images are purged.")
    non_hit_purge_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAXIMUM_DAYS)],
        help_text="Optional: purge reads that hit nothing this many days after capture (SB 274 proposed 60). "
                  "Empty: off.")
    hit_retention_days = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAXIMUM_DAYS)],
        help_text="Days a hit (hot-list match) is kept.")
    hotlist_retention_days = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAXIMUM_DAYS)],
        help_text="Days an expired or removed hot-list entry is kept.")
    access_log_retention_days = models.PositiveIntegerField(
        validators=[MinValueValidator(MINIMUM_RECORD_DAYS), MaxValueValidator(MAXIMUM_DAYS)],
        help_text="Days the access log is kept (at least 730, R-AUD-1).")
    disclosure_record_retention_days = models.PositiveIntegerField(
        validators=[MinValueValidator(MINIMUM_RECORD_DAYS), MaxValueValidator(MAXIMUM_DAYS)],
        help_text="Days disclosure requests, reviews and releases are kept (at least 730, R-SHR-7).")
    # R-RET-6: copies of read data, each with its own period; the nightly run purges them like the reads.
    release_copy_retention_days = models.PositiveIntegerField(
        default=730, validators=[MinValueValidator(1), MaxValueValidator(MAXIMUM_DAYS)],
        help_text="Days after a release before the released reads (their copied plates, times, places) and the "
                  "release package file are purged. The request, its authorization and the manifest stay (R-SHR-7).")
    held_read_list_retention_days = models.PositiveIntegerField(
        default=730, validators=[MinValueValidator(1), MaxValueValidator(MAXIMUM_DAYS)],
        help_text="Days after a hold ended (released or denied) before its list of held reads is purged.")
    evidence_export_retention_days = models.PositiveIntegerField(
        default=365, validators=[MinValueValidator(1), MaxValueValidator(MAXIMUM_DAYS)],
        help_text="Days after an evidence package was built before its file is purged (the booked copy is on "
                  "portable media in the evidence room).")
    policy_reference = models.CharField(max_length=200, blank=True,
                                        help_text="Where the agency's policy sets these, e.g. “ALPR policy §VI”.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name_plural = "retention policies"
        constraints = [
            models.CheckConstraint(condition=models.Q(access_log_retention_days__gte=MINIMUM_RECORD_DAYS),
                                   name="retention_access_log_at_least_2_years"),
            models.CheckConstraint(condition=models.Q(disclosure_record_retention_days__gte=MINIMUM_RECORD_DAYS),
                                   name="retention_disclosures_at_least_2_years"),
            models.CheckConstraint(condition=models.Q(read_retention_days__gte=1), name="retention_reads_positive"),
            models.CheckConstraint(condition=models.Q(non_hit_purge_days__isnull=True)
                                   | models.Q(non_hit_purge_days__gte=1), name="retention_non_hit_positive"),
        ]

    def __str__(self) -> str:
        return f"Retention policy of {self.agency}"

    def clean(self) -> None:
        """R-RET-5: no period that deletes ALPR data may be shorter than the legal minimum."""
        from django.core.exceptions import ValidationError

        problems = legal_minimum_violations({name: getattr(self, name) for name in LEGAL_MINIMUM_FIELDS})
        if problems:
            raise ValidationError(dict(problems))


# The periods after which ALPR data (reads, hits) is deleted for good (R-RET-5).
LEGAL_MINIMUM_FIELDS = ("read_retention_days", "archive_purge_days", "non_hit_purge_days", "hit_retention_days")
BELOW_LEGAL_MINIMUM_PURGE = (
    "Reads would be purged {total} days after capture (archived after {archive} days, purged {purge} days later); "
    "the legal minimum retention is {minimum} days ({basis}). Make the two together at least {minimum} days "
    "(R-RET-5)."
)
BELOW_LEGAL_MINIMUM = (
    "{what} {days} days is shorter than the legal minimum retention of {minimum} days ({basis}); set at least "
    "{minimum} days (R-RET-5)."
)


def legal_minimum() -> tuple[int, str]:
    return settings.PORTAL["RETENTION_LEGAL_MINIMUM_DAYS"], settings.PORTAL["RETENTION_LEGAL_MINIMUM_BASIS"]


def legal_minimum_violations(values: dict) -> list[tuple[str, str]]:
    """R-RET-5: (field, message) for each period in ``values`` that would delete reads or hits before the legal
    minimum (RETENTION_LEGAL_MINIMUM_DAYS). Empty: the periods are lawful."""
    minimum, basis = legal_minimum()
    problems = []
    archive, purge = values.get("read_retention_days"), values.get("archive_purge_days")
    if archive is not None and purge is not None and archive + purge < minimum:
        problems.append(("archive_purge_days", BELOW_LEGAL_MINIMUM_PURGE.format(
            total=archive + purge, archive=archive, purge=purge, minimum=minimum, basis=basis)))
    for field, what in (("non_hit_purge_days", "Purging reads that hit nothing after"),
                        ("hit_retention_days", "Keeping hits")):
        days = values.get(field)
        if days is not None and days < minimum:
            problems.append((field, BELOW_LEGAL_MINIMUM.format(what=what, days=days, minimum=minimum, basis=basis)))
    return problems


class RetentionRun(TrackedJob):
    """One run of the nightly job (R-RET-4): what each data class did (``counts``), how long, and what went wrong.

    A run is idempotent and resumable: every batch commits on its own, and a rerun after a crash reaches the same
    end state. A run left ``running`` by a dead worker is marked failed by the next run. A failed run alerts the
    custodian of records. A tracked job (``apps.common.jobs``): ``errors`` lists what each step reported, ``error``
    why the job itself gave up.
    """

    JOB_ERROR_MAX_LENGTH = 1000
    JOB_ON_FAILED = "apps.retention.services.retention_run_failed"

    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    as_of = models.DateTimeField(null=True, blank=True, help_text="The moment every cutoff is computed from.")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.BigIntegerField(default=0)
    policy = models.JSONField(default=dict, blank=True, help_text="The periods applied (days).")
    counts = models.JSONField(default=dict, blank=True, help_text="Per data class: rows archived/purged, files…")
    errors = models.JSONField(default=list, blank=True)
    current_step = models.CharField(max_length=60, blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        # Newest first in the order the runs were created: ``queued_at`` is a host's clock, and a run queued on a clock
        # years ahead would otherwise head every list for years.
        ordering = ["-id"]
        permissions = [("run_retention", "Can start a retention run from the portal")]
        indexes = [models.Index(fields=["status", "queued_at"], name="retentionrun_status_time")]

    def __str__(self) -> str:
        return f"Retention run #{self.pk} ({self.get_status_display()})"

    @property
    def duration_s(self) -> float:
        return round(self.duration_ms / 1000, 1)


class PendingFileDeletion(models.Model):
    """A stored file whose database row was purged. Written in the purge's own transaction; the file is removed from
    storage only after that transaction commits, and the row then deleted. A crash in between leaves the row, and
    the next run removes the file (R-RET-2: images purged with their reads, never before the rows are gone)."""

    name = models.CharField(max_length=255)
    source = models.CharField(max_length=40)
    enqueued_at = models.DateTimeField()
    run = models.ForeignKey(RetentionRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            db_constraint=False)
    attempts = models.IntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
