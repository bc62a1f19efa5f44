"""Oversight reports (R-REP-1, R-REP-2), their three renditions, the jobs that render them, and which oversight body
an oversight account speaks for (R-ACC-1, R-ACC-4)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.common.jobs import TrackedJob
from apps.reports.choices import (
    BODY_AUDIENCE,
    REPORT_DUE_DAYS_MAX,
    REPORT_RECIPIENTS,
    Audience,
    JobAction,
    JobStatus,
    OversightBody,
    ReportKind,
    ReportStatus,
    TransmittalMethod,
)


class OversightProfile(models.Model):
    """The oversight body an oversight account belongs to: the Inspector General downloads the unredacted
    rendition, the Civilian Oversight Commission (and the Board of Supervisors) the redacted one (policy 004 §X).
    An oversight account without a profile gets the public summary only."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="oversight_profile")
    body = models.CharField(max_length=30, choices=OversightBody.choices)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} — {self.get_body_display()}"


class OversightReport(models.Model):
    """One semi-annual oversight report (R-REP-1) or annual training report (R-REP-2) for one period.

    ``figures`` is the unredacted snapshot every rendition is made from (computed by the section registry when the
    draft is refreshed); ``figures_sha256`` identifies it. Drafts may be refreshed; once issued, the figures and the
    renditions are final (services refuse, and on PostgreSQL triggers refuse, any change).
    """

    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    reference = models.CharField(max_length=20, unique=True, help_text="e.g. SAR-2026-H1, ATR-2025.")
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField(help_text="Policy 004 §X: at most 90 days after the period ends (R-REP-1a).")
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    figures = models.JSONField(default=dict, blank=True)
    figures_sha256 = models.CharField(max_length=64, blank=True)
    figures_computed_at = models.DateTimeField(null=True, blank=True)
    drafted_at = models.DateTimeField(auto_now_add=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Empty when the scheduled job drafted it.",
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # R-AUD-1b: the access log's head, anchored (signed) at the moment of issue and published with the report, so
    # that anyone holding the report can later prove the log was not rewritten (verify_access_log --against-head).
    published_head_seq = models.BigIntegerField(null=True, blank=True)
    published_head_hash = models.CharField(max_length=64, blank=True)
    published_head_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_end", "kind"]
        permissions = [
            ("issue_oversightreport", "Can issue an oversight report"),
            ("review_oversightreport", "Can review draft oversight reports and download every rendition"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "period_start"], name="report_once_per_period"),
            models.CheckConstraint(condition=models.Q(period_end__gt=models.F("period_start")),
                                   name="report_period_order"),
            models.CheckConstraint(condition=models.Q(due_on__gt=models.F("period_end")), name="report_due_after_end"),
            # R-REP-1a: the due period can never exceed 90 days, whatever the settings say.
            models.CheckConstraint(
                condition=models.Q(due_on__lte=models.F("period_end") + timedelta(days=REPORT_DUE_DAYS_MAX)),
                name="report_due_within_90_days",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ReportStatus.ISSUED)
                | models.Q(issued_at__isnull=False, issued_by__isnull=False) & ~models.Q(figures_sha256=""),
                name="report_issued_has_issuer_and_figures",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.get_kind_display()}"

    @property
    def period_label(self) -> str:
        if self.kind == ReportKind.SEMIANNUAL:
            half = "January–June" if self.period_start.month == 1 else "July–December"
            return f"{half} {self.period_start.year}"
        return f"Calendar year {self.period_start.year}"

    @property
    def required_bodies(self) -> tuple[str, ...]:
        """The oversight bodies this report must be transmitted to (R-REP-1a, policy 004 §X)."""
        return REPORT_RECIPIENTS[self.kind]

    def first_transmittals(self) -> dict[str, ReportTransmittal]:
        """The earliest transmittal to each body (uses prefetched ``transmittals`` when present)."""
        first: dict[str, ReportTransmittal] = {}
        for transmittal in sorted(self.transmittals.all(), key=lambda t: (t.sent_at, t.pk)):
            first.setdefault(transmittal.body, transmittal)
        return first

    def bodies_not_transmitted(self) -> list[str]:
        sent = self.first_transmittals()
        return [body for body in self.required_bodies if body not in sent]

    @property
    def transmitted_on(self) -> date | None:
        """The day the last required body received its rendition (None while one has not)."""
        sent = self.first_transmittals()
        if any(body not in sent for body in self.required_bodies):
            return None
        return max(timezone.localtime(sent[body].sent_at).date() for body in self.required_bodies)

    def is_overdue(self, today: date | None = None) -> bool:
        """R-REP-1a: judged on transmittal, not on issuing: overdue once the due date has passed and a body has
        not been sent its rendition (an issued report that was never sent is still overdue)."""
        return (today or timezone.localdate()) > self.due_on and bool(self.bodies_not_transmitted())

    @property
    def display_status(self) -> str:
        """draft, issued (not yet sent to every body), transmitted, transmitted late, or overdue."""
        if self.is_overdue():
            return "overdue"
        if self.status == ReportStatus.ISSUED:
            on = self.transmitted_on
            if on is None:
                return "issued"
            return "transmitted late" if on > self.due_on else "transmitted"
        return self.status


def rendition_upload_to(instance: ReportRendition, filename: str) -> str:
    return f"reports/{instance.report.reference}/{filename}"


class ReportRendition(models.Model):
    """One of a report's three PDFs (unredacted, redacted, public summary) with its SHA-256.

    ``figures`` is exactly what was rendered (the report's figures after this audience's redaction); the public
    page shows the public rendition's figures, so page and PDF cannot disagree. A rendition becomes final (and
    ``frozen_at`` is set) when the issued report is rendered; a frozen rendition is never written again.
    """

    report = models.ForeignKey(OversightReport, on_delete=models.PROTECT, related_name="renditions")
    audience = models.CharField(max_length=30, choices=Audience.choices)
    file = models.FileField(upload_to=rendition_upload_to, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    page_count = models.PositiveIntegerField(default=0)
    figures = models.JSONField(default=dict)
    source_figures_sha256 = models.CharField(max_length=64, help_text="The report figures it was rendered from.")
    is_final = models.BooleanField(default=False)
    generated_at = models.DateTimeField()
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report", "audience"]
        constraints = [
            models.UniqueConstraint(fields=["report", "audience"], name="rendition_one_per_audience"),
            models.CheckConstraint(condition=models.Q(frozen_at__isnull=True) | models.Q(is_final=True),
                                   name="rendition_frozen_is_final"),
        ]

    def __str__(self) -> str:
        return f"{self.report.reference} {self.get_audience_display()}"

    @property
    def download_name(self) -> str:
        suffix = "" if self.is_final else "-DRAFT"
        return f"{self.report.reference}-{self.audience.replace('_', '-')}{suffix}.pdf"


class ReportTransmittal(models.Model):
    """The record that one rendition of an issued report was sent to one oversight body (R-REP-1a): who sent
    which rendition (its SHA-256), when, how. Due dates are judged on these, not on issuing. Written only by
    ``apps.reports.services.report_transmittal_record``; never changed (a correction is a new transmittal)."""

    report = models.ForeignKey(OversightReport, on_delete=models.PROTECT, related_name="transmittals")
    body = models.CharField(max_length=30, choices=OversightBody.choices)
    rendition = models.ForeignKey("ReportRendition", on_delete=models.PROTECT, related_name="transmittals")
    audience = models.CharField(max_length=30, choices=Audience.choices, help_text="Which rendition was sent.")
    rendition_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the PDF that was sent.")
    method = models.CharField(max_length=10, choices=TransmittalMethod.choices)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient = models.CharField(max_length=200, blank=True, help_text="Addressee, e-mail address or office.")
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "sent_at", "id"]
        constraints = [
            # The Inspector General gets the unredacted rendition, the Commission and the Board the redacted one.
            models.CheckConstraint(
                condition=models.Q(body=OversightBody.INSPECTOR_GENERAL, audience=Audience.INSPECTOR_GENERAL)
                | models.Q(body__in=[OversightBody.OVERSIGHT_COMMISSION, OversightBody.BOARD_OF_SUPERVISORS],
                           audience=Audience.OVERSIGHT_COMMISSION),
                name="transmittal_rendition_matches_body",
            ),
            models.CheckConstraint(condition=~models.Q(method=TransmittalMethod.OTHER) | ~models.Q(note=""),
                                   name="transmittal_other_method_says_how"),
        ]

    def __str__(self) -> str:
        return f"{self.report.reference} → {self.get_body_display()} ({self.get_method_display()})"

    @staticmethod
    def audience_for(body: str) -> str:
        return BODY_AUDIENCE[body]


class ReportJob(TrackedJob):
    """A tracked run of the report task: compute figures and render drafts, or render and freeze the issued PDFs.
    Pages show its status, progress, timings and error (a tracked job, ``apps.common.jobs``)."""

    JOB_ON_FAILED = "apps.reports.services.jobs.report_job_failed"

    report = models.ForeignKey(OversightReport, on_delete=models.PROTECT, related_name="jobs")
    action = models.CharField(max_length=10, choices=JobAction.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    step = models.CharField(max_length=120, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="reportjob_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.report.reference} {self.get_action_display()} ({self.get_status_display()})"

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return round((self.finished_at - self.started_at).total_seconds(), 1)
        return None
