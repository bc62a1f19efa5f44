"""Written disclosure requests from partner agencies, their review, the custodian's written authorization and
what was released (R-SHR-3, R-SHR-4, R-SHR-6, R-SHR-7).

Records are kept at least ``DISCLOSURE_RECORD_RETENTION_DAYS`` (R-SHR-7): requests, attachments and release
packages refuse deletion before then (model, queryset and admin); reviews, authorizations, responses and the list
of released reads are append-only (never changed, never deleted through the ORM).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.agreements.choices import ImmigrationBasis
from apps.audit.choices import Purpose
from apps.audit.models import AppendOnlyModel
from apps.common.errors import ApplicationError
from apps.common.jobs import TrackedJob
from apps.disclosures.choices import AttachmentKind, DisclosureStatus, PackageStatus, ReceivedVia, ReviewAction

RECORD_RETAINED = (
    "This record must be kept until {until:%B %-d, %Y} ({days} days after its last activity, R-SHR-7); it cannot "
    "be deleted before then."
)


class RecordRetainedError(ApplicationError):
    """Raised when code tries to delete a disclosure record inside its retention period (R-SHR-7)."""


def retention_days() -> int:
    """R-SHR-7: the agency's saved policy (never under 2 years), else the setting."""
    from apps.retention.selectors import retention_policy_current

    return retention_policy_current().disclosure_record_retention_days


class RetainedQuerySet(models.QuerySet):
    def delete(self):
        for record in self:
            record.check_deletable()
        return super().delete()


class RetainedModel(models.Model):
    """A record that refuses deletion until its ``retain_until`` date has passed (R-SHR-7)."""

    objects = RetainedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def retain_until(self) -> date:  # pragma: no cover - each model says
        raise NotImplementedError

    def check_deletable(self, today: date | None = None) -> None:
        today = today or timezone.localdate()
        until = self.retain_until
        if today < until:
            raise RecordRetainedError(RECORD_RETAINED.format(until=until, days=retention_days()),
                                      code="record_retained")

    def delete(self, *args, **kwargs):
        self.check_deletable()
        return super().delete(*args, **kwargs)


class DisclosureRequest(RetainedModel):
    """A partner agency's written request for ALPR data (R-SHR-3): the agency (from the requester's account, never
    from the form), the requesting person, the intended purpose (R-PURP), case number, legal basis, plates (full or
    partial, R-READ-4), time range, area, and the civil-immigration attestation (R-SHR-5).

    Partner requesters see only their own agency's requests (django-guardian object permission on the agency's
    group, R-ACC-4). Status changes only through ``apps.disclosures.services`` (one service per edge).
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="disclosure_requests")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     help_text="The account the request came from.")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   help_text="The person who entered (prepared) the request.")
    received_via = models.CharField(
        max_length=10, choices=ReceivedVia.choices, default=ReceivedVia.PORTAL,
        help_text="How the written request reached the agency (R-SHR-9: paper and e-mail requests are entered by "
                  "staff, with the document attached).")
    received_on = models.DateField(null=True, blank=True,
                                   help_text="The day a paper or e-mailed request was received.")
    requesting_person_name = models.CharField(max_length=200)
    requesting_person_title = models.CharField(max_length=200, blank=True)
    requesting_person_email = models.EmailField(blank=True)
    requesting_person_phone = models.CharField(max_length=40, blank=True)

    purpose = models.CharField(max_length=40, choices=Purpose.choices)
    purpose_details = models.TextField(blank=True, help_text="The intended use, in the requester's words.")
    case_number = models.CharField(max_length=64)
    legal_basis = models.TextField()

    plates = models.JSONField(default=list, blank=True, help_text="Plate patterns as parsed (R-READ-4).")
    time_from = models.DateTimeField()
    time_to = models.DateTimeField()
    area_description = models.CharField(max_length=300, blank=True)
    area_latitude = models.FloatField(null=True, blank=True)
    area_longitude = models.FloatField(null=True, blank=True)
    area_radius_km = models.FloatField(null=True, blank=True)

    immigration_related = models.BooleanField(
        help_text="The requester's answer: is the request related to civil immigration enforcement? (R-SHR-5)")
    immigration_basis = models.CharField(max_length=30, choices=ImmigrationBasis.choices, blank=True)
    immigration_law_citation = models.TextField(blank=True)
    requester_attested = models.BooleanField(
        default=False, help_text="The requester attested to the accuracy of the request and the conditions of use.")
    # R-SHR-5a: what the screening of the free text found (apps.disclosures.immigration_screen), and the custodian's
    # examination of the warrant (court, judge, date) or confirmation of the cited law.
    immigration_screen_terms = models.JSONField(
        default=list, blank=True,
        help_text="Civil-immigration indications found in the request's free text or later answers (R-SHR-5a).")
    immigration_screened_at = models.DateTimeField(null=True, blank=True)
    immigration_examined_basis = models.CharField(max_length=30, choices=ImmigrationBasis.choices, blank=True)
    immigration_examined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                                blank=True, related_name="+")
    immigration_examined_at = models.DateTimeField(null=True, blank=True)
    warrant_court = models.CharField(max_length=200, blank=True, help_text="The court that issued the warrant.")
    warrant_judge = models.CharField(max_length=200, blank=True, help_text="The judge who signed the warrant.")
    warrant_signed_on = models.DateField(null=True, blank=True, help_text="The date the warrant was signed.")
    immigration_examination_note = models.TextField(blank=True)

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="disclosure_requests",
                                  help_text="The inter-agency agreement in force when the request was made.")
    status = models.CharField(max_length=20, choices=DisclosureStatus.choices, default=DisclosureStatus.SUBMITTED)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decision_reason = models.TextField(blank=True, help_text="What the requester is told (denial or legal reason).")
    info_request_message = models.TextField(blank=True, help_text="The latest request for more information.")
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        permissions = [
            ("review_disclosurerequest", "Can review disclosure requests (eligibility, matching-read counts)"),
            ("authorize_disclosure", "Can sign the written authorization of a disclosure (custodian of records)"),
            ("enter_disclosurerequest", "Can enter written requests received on paper or by e-mail (R-SHR-9)"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(time_to__gt=models.F("time_from")),
                                   name="disclosure_time_range_ordered"),
            models.CheckConstraint(
                condition=(models.Q(area_latitude__isnull=True, area_longitude__isnull=True,
                                    area_radius_km__isnull=True)
                           | models.Q(area_latitude__isnull=False, area_longitude__isnull=False,
                                      area_radius_km__isnull=False)),
                name="disclosure_area_all_or_none"),
            models.CheckConstraint(condition=~models.Q(case_number=""), name="disclosure_case_number_required"),
            models.CheckConstraint(condition=~models.Q(requesting_person_name=""),
                                   name="disclosure_requesting_person_required"),
            models.CheckConstraint(condition=models.Q(purpose__in=Purpose.values),
                                   name="disclosure_purpose_authorized"),
            models.CheckConstraint(condition=models.Q(immigration_related=True) | models.Q(immigration_basis="")
                                   | ~models.Q(immigration_screen_terms=[]),
                                   name="disclosure_immigration_basis_only_if_related"),
            models.CheckConstraint(
                condition=~models.Q(immigration_examined_basis=ImmigrationBasis.JUDICIAL_WARRANT)
                | (~models.Q(warrant_court="") & ~models.Q(warrant_judge="")
                   & models.Q(warrant_signed_on__isnull=False)),
                name="disclosure_warrant_examined_with_court_judge_date"),
            models.CheckConstraint(
                condition=models.Q(immigration_examined_basis="") | models.Q(immigration_examined_by__isnull=False,
                                                                             immigration_examined_at__isnull=False),
                name="disclosure_immigration_examined_by_someone"),
            models.CheckConstraint(
                condition=~models.Q(received_via__in=[ReceivedVia.PAPER, ReceivedVia.EMAIL])
                | models.Q(received_on__isnull=False),
                name="disclosure_staff_entered_has_received_on"),
        ]
        indexes = [models.Index(fields=["agency", "submitted_at"], name="disclosure_agency_time"),
                   models.Index(fields=["status", "submitted_at"], name="disclosure_status_time")]

    def __str__(self) -> str:
        return f"{self.reference} — {self.agency}"

    @property
    def reference(self) -> str:
        return f"DR-{timezone.localtime(self.submitted_at):%Y}-{self.pk or 0:05d}"

    @property
    def has_area(self) -> bool:
        return self.area_latitude is not None

    @property
    def retain_until(self) -> date:
        last = max(moment for moment in (self.submitted_at, self.decided_at, self.released_at) if moment)
        return timezone.localtime(last).date() + timedelta(days=retention_days())

    @property
    def on_immigration_path(self) -> bool:
        """R-SHR-5a: the requester said it is related to civil immigration enforcement, or the screening says so."""
        return bool(self.immigration_related or self.immigration_screen_terms)

    def attachment_kinds(self) -> set[str]:
        return set(self.attachments.values_list("kind", flat=True))


def attachment_upload_to(instance, filename: str) -> str:
    return f"disclosures/{instance.request_id}/attachments/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


class DisclosureAttachment(RetainedModel):
    """A document sent with a request (warrant, court order…), checked to be a real PDF/JPEG/PNG when uploaded."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=attachment_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def retain_until(self) -> date:
        return self.request.retain_until


class DisclosureReview(AppendOnlyModel):
    """One documented review decision by the custodian (R-SHR-4): what was decided, by whom, when, why, and the
    eligibility check and matching agreement it relied on. Append-only."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.PROTECT, related_name="reviews")
    action = models.CharField(max_length=20, choices=ReviewAction.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(default=timezone.now)
    message = models.TextField(blank=True)
    old_status = models.CharField(max_length=20, choices=DisclosureStatus.choices)
    new_status = models.CharField(max_length=20, choices=DisclosureStatus.choices)
    eligibility = models.JSONField(default=dict)
    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.request.reference}: {self.get_action_display()} by {self.reviewer} ({self.occurred_at:%Y-%m-%d})"


class DisclosureInfoResponse(AppendOnlyModel):
    """The requester's answer to a request for more information. Append-only."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.PROTECT, related_name="info_responses")
    responder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField()
    responded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["responded_at", "id"]

    def __str__(self) -> str:
        return f"{self.request.reference}: response by {self.responder}"


class DisclosureAuthorization(AppendOnlyModel):
    """The custodian of records' written authorization of a disclosure (R-SHR-4): the statement, the name and
    title typed as signature, and the date and time, stored immutably with a SHA-256 of its content. The account
    that signed is kept beside the typed name. Append-only (model, queryset, admin and a PostgreSQL trigger)."""

    request = models.OneToOneField(DisclosureRequest, on_delete=models.PROTECT, related_name="authorization")
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    statement = models.TextField()
    signer_name = models.CharField(max_length=200)
    signer_title = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    eligibility = models.JSONField(default=dict)
    content_sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(statement=""), name="authorization_statement_required"),
            models.CheckConstraint(condition=~models.Q(signer_name=""), name="authorization_signer_required"),
            models.CheckConstraint(condition=~models.Q(signer_title=""), name="authorization_title_required"),
        ]

    def __str__(self) -> str:
        return f"Authorization of {self.request.reference} by {self.signer_name} ({self.signed_at:%Y-%m-%d %H:%M})"

    def compute_sha256(self) -> str:
        content = {"request_id": self.request_id, "custodian_id": self.custodian_id, "statement": self.statement,
                   "signer_name": self.signer_name, "signer_title": self.signer_title,
                   "signed_at": self.signed_at.isoformat(), "agreement_id": self.agreement_id}
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


RELEASED_READ_PURGE_SETTING = "alprportal.released_read_purge"  # SET LOCAL by apps.disclosures.retention only


def package_upload_to(instance, filename: str) -> str:
    return f"disclosures/{instance.request_id}/release/{filename}"


class ReleasePackage(RetainedModel, TrackedJob):
    """The release package of an approved request, built by a Celery job (tracked: status, progress, timings,
    error): a zip of the released reads (CSV), their images, a PDF authorization letter and a manifest with the
    SHA-256 of every file, stored through Django's storage API. A tracked job (``apps.common.jobs``)."""

    JOB_ERROR_MAX_LENGTH = 4000
    JOB_ON_FAILED = "apps.disclosures.packages.release_package_failed"

    request = models.OneToOneField(DisclosureRequest, on_delete=models.PROTECT, related_name="package")
    status = models.CharField(max_length=10, choices=PackageStatus.choices, default=PackageStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=package_upload_to, max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)
    read_count = models.IntegerField(null=True, blank=True)
    manifest = models.JSONField(default=dict, blank=True)
    file_purged_at = models.DateTimeField(
        null=True, blank=True, help_text="When nightly retention deleted the package file (R-RET-6); the record stays.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="package_progress_percent"),
            models.CheckConstraint(condition=~models.Q(status=PackageStatus.SUCCEEDED) | ~models.Q(file=""),
                                   name="package_succeeded_has_file"),
        ]

    def __str__(self) -> str:
        return f"Release package of {self.request.reference} ({self.get_status_display()})"

    @property
    def retain_until(self) -> date:
        return self.request.retain_until

    @property
    def ready(self) -> bool:
        return self.status == PackageStatus.SUCCEEDED


class ReleasedRead(AppendOnlyModel):
    """One read that was released under a request (R-SHR-7: what was released). The read's id and the facts
    released are copied, so the record outlives the read's own retention. Append-only: never changed; deleted only by
    nightly retention once its own period after the release has passed (R-RET-6: a copy of read data is purged like
    the reads), through the one controlled path the database trigger lets through (``RELEASED_READ_PURGE_SETTING``).
    The request, its authorization and the package's manifest (count and SHA-256s) remain the record."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.PROTECT, related_name="released_reads")
    package = models.ForeignKey(ReleasePackage, on_delete=models.PROTECT, related_name="released_reads")
    read_id = models.BigIntegerField()
    plate = models.CharField(max_length=16)
    captured_at = models.DateTimeField()
    camera_name = models.CharField(max_length=120)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["captured_at", "read_id"]
        constraints = [models.UniqueConstraint(fields=["request", "read_id"], name="released_read_once")]

    def __str__(self) -> str:
        return f"{self.request.reference}: read {self.read_id} ({self.plate})"
