"""Evidence holds (R-RET-3): an investigator's written request, approved by their supervisor, that keeps named reads
and their images out of archiving and purging until someone authorized releases it.

Every status change goes through one service per edge (``apps.holds.services``); nightly retention skips any read
covered by a hold in ``HOLDING_STATUSES`` (``apps.holds.selectors.read_held_sql``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.audit.choices import Purpose
from apps.common.jobs import TrackedJob
from apps.holds.choices import ExportStatus, HoldGround, HoldStatus, ScopeKind


class EvidenceHold(models.Model):
    """A written request to keep reads past every retention period (policy 004 §VI; R-RET-3, R-RET-3a).

    Grounds include a civil action, a discovery request and other lawful process to produce records; the evidence
    booking item number is recorded. After the supervisor approves, the custodian of records verifies the request
    (``verifying`` → ``active``). A request left waiting more than HOLD_PENDING_PROTECT_DAYS stops protecting.

    Names the case number, the specific reason, the ground, the investigator's contact and the scope (selected reads,
    or a plate, time range and cameras, resolved with the reads app's own search when submitted: ``HeldRead``).
    ``approver`` is the requester's supervisor when it was submitted: the only person who may approve or deny it.
    An executive-direction hold needs the Division Chief's written concurrence. Active holds are re-affirmed yearly
    (``reaffirm_due_on``). Holds are never deleted.
    """

    case_number = models.CharField(max_length=64)
    reason = models.TextField(help_text="The specific reason the reads must be kept.")
    ground = models.CharField(max_length=30, choices=HoldGround.choices)
    purpose = models.CharField(max_length=40, choices=Purpose.choices, default=Purpose.PROSECUTION_OR_EXONERATION,
                               help_text="The authorized purpose under which the held reads are accessed (R-PURP).")
    contact = models.CharField(max_length=200, help_text="How to reach the investigator (phone, e-mail).")
    concurrence_by = models.CharField(max_length=150, blank=True,
                                      help_text="Division Chief or Director who concurred (executive direction).")
    concurrence_statement = models.TextField(blank=True, help_text="Their written concurrence.")

    scope_kind = models.CharField(max_length=10, choices=ScopeKind.choices)
    scope_plate = models.CharField(max_length=32, blank=True)
    scope_time_from = models.DateTimeField(null=True, blank=True)
    scope_time_to = models.DateTimeField(null=True, blank=True)
    scope_camera_ids = models.JSONField(default=list, blank=True)
    read_count = models.IntegerField(default=0)

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="holds_requested")
    requested_at = models.DateTimeField(default=timezone.now)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="holds_to_decide",
                                 help_text="The requester's supervisor when the hold was requested.")
    status = models.CharField(max_length=10, choices=HoldStatus.choices, default=HoldStatus.PENDING)
    evidence_booking_number = models.CharField(
        "evidence booking item number", max_length=64, blank=True,
        help_text="The item number under which the data, downloaded onto portable media, was booked into evidence "
                  "(000 462.4, 003 427.4; R-RET-3a).")
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", help_text="The custodian of records who verified the request.")
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)
    reaffirm_due_on = models.DateField(null=True, blank=True)
    last_reaffirmed_at = models.DateTimeField(null=True, blank=True)
    last_reaffirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                           blank=True, related_name="+")

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [
            ("approve_evidencehold", "Can approve or deny their team's evidence holds (supervisor)"),
            ("release_evidencehold", "Can release evidence holds"),
            ("verify_evidencehold", "Can verify extended-retention requests (custodian of records, R-RET-3a)"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(case_number=""), name="hold_case_number_required"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="hold_reason_required"),
            models.CheckConstraint(condition=~models.Q(contact=""), name="hold_contact_required"),
            models.CheckConstraint(
                condition=~models.Q(ground=HoldGround.EXECUTIVE_DIRECTION)
                | (~models.Q(concurrence_by="") & ~models.Q(concurrence_statement="")),
                name="hold_executive_direction_needs_concurrence"),
            models.CheckConstraint(condition=~models.Q(approver=models.F("requested_by")),
                                   name="hold_not_approved_by_requester"),
            models.CheckConstraint(
                condition=models.Q(status=HoldStatus.PENDING) | models.Q(decided_by__isnull=False),
                name="hold_decided_has_decider"),
            models.CheckConstraint(
                condition=~models.Q(status=HoldStatus.RELEASED)
                | (models.Q(released_by__isnull=False) & ~models.Q(release_reason="")),
                name="hold_release_has_person_and_reason"),
            models.CheckConstraint(
                condition=~models.Q(scope_kind=ScopeKind.SEARCH)
                | models.Q(scope_time_from__isnull=False, scope_time_to__isnull=False),
                name="hold_search_scope_has_time_range"),
        ]
        indexes = [models.Index(fields=["status", "reaffirm_due_on"], name="hold_status_due"),
                   models.Index(fields=["case_number"], name="hold_case")]

    def __str__(self) -> str:
        return f"{self.reference} — case {self.case_number}"

    @property
    def reference(self) -> str:
        return f"EH-{timezone.localtime(self.requested_at):%Y}-{self.pk or 0:05d}"

    @property
    def is_holding(self) -> bool:
        from apps.holds.choices import HOLDING_STATUSES

        return self.status in HOLDING_STATUSES

    @property
    def protection_lapses_at(self):
        """R-RET-3a: when a request still waiting (supervisor or custodian) stops protecting its reads; None when it
        is not waiting."""
        from datetime import timedelta

        from apps.holds.choices import WAITING_STATUSES

        if self.status not in WAITING_STATUSES:
            return None
        return self.requested_at + timedelta(days=settings.PORTAL["HOLD_PENDING_PROTECT_DAYS"])

    @property
    def protection_lapsed(self) -> bool:
        lapses = self.protection_lapses_at
        return bool(lapses and lapses <= timezone.now())

    @property
    def reaffirmation_overdue(self) -> bool:
        return bool(self.status == HoldStatus.ACTIVE and self.reaffirm_due_on
                    and self.reaffirm_due_on < timezone.localdate())


class HeldRead(models.Model):
    """One read a hold covers. No database foreign key to the read: a released hold's reads go back to normal
    retention and may be purged, and the hold must still say what it covered (plate, time, camera are copied)."""

    hold = models.ForeignKey(EvidenceHold, on_delete=models.PROTECT, related_name="held_reads")
    read = models.ForeignKey("reads.Read", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    plate = models.CharField(max_length=16)
    captured_at = models.DateTimeField()
    camera_name = models.CharField(max_length=120)

    class Meta:
        ordering = ["captured_at", "read_id"]
        constraints = [models.UniqueConstraint(fields=["hold", "read"], name="heldread_once_per_hold")]

    def __str__(self) -> str:
        return f"{self.hold.reference}: read {self.read_id}"


def export_upload_to(instance, filename: str) -> str:  # pragma: no cover - names are set by the builder
    return f"holds/exports/{instance.hold_id}/{filename}"


class EvidenceExport(TrackedJob):
    """An evidence package of a hold (reads CSV, images, SHA-256 manifest, PDF summary) to book into evidence on
    portable media (000 462.4, 003 427.4). Built by a Celery job into a file via Django storage (tracked: status,
    progress, timings, error: a tracked job, ``apps.common.jobs``; ``queued_at`` is when it was requested); every
    download is written to the access log."""

    JOB_ON_FAILED = "apps.holds.exports.evidence_export_failed"

    hold = models.ForeignKey(EvidenceHold, on_delete=models.PROTECT, related_name="exports")
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    progress = models.IntegerField(default=0)
    file = models.FileField(max_length=200, upload_to=export_upload_to, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_size = models.BigIntegerField(default=0)
    read_count = models.IntegerField(default=0)
    recipient = models.CharField(max_length=300, help_text="Who receives the package (R-SHR-8): internal (own "
                                 "agency); an outside recipient makes it a disclosure request instead.")
    file_purged_at = models.DateTimeField(
        null=True, blank=True, help_text="When nightly retention deleted the package file (R-RET-6); the record stays.")

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(status=ExportStatus.SUCCEEDED) | ~models.Q(file=""),
                                   name="evidenceexport_succeeded_has_file"),
        ]

    def __str__(self) -> str:
        return f"Evidence export {self.pk} of {self.hold.reference} ({self.get_status_display()})"
