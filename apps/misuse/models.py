"""Case numbers that exist (R-READ-3) and the portal's review of its own access log (R-AUD-3).

- ``CaseNumberFormat``: the agency setting — one pattern per kind of number (case, incident, CAD event). Once an
  agency has one, every stated purpose+case (``apps.audit.services.access_purpose_check``) must match one of them.
- ``RmsConnection``: where the agency connects its records system, the number must also exist and be open there,
  checked through ``apps.misuse.rms`` (a nightly import of open numbers into ``RmsCase``, or an HTTP lookup).
- ``CaseNumberOverride``: a supervisor lets one person use one number the records system does not confirm, with a
  reason; searches under it are recorded as overridden.
- ``CaseNumberRefusal``: a search refused because its case number failed the format or the records-system check:
  who, when, which number and why — never what was searched for — so refused attempts are reviewed too.
- ``MisuseFlag``: one finding of the nightly review (``apps.misuse.detection``), with its reason and the access-log
  rows behind it (by chain position, so the log's own purge is never blocked), routed to the person's supervisor.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.common.fields import HttpsURLField
from apps.misuse.choices import CaseNumberKind, FlagKind, FlagStatus, RmsMode, RunStatus


class CaseNumberFormat(models.Model):
    """The agency's pattern for one kind of number (R-READ-3): a regular expression the whole number must match,
    and an example shown to the person when theirs does not."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="case_number_formats")
    kind = models.CharField(max_length=12, choices=CaseNumberKind.choices)
    pattern = models.CharField(max_length=200, help_text=r"A regular expression for the whole number, e.g. "
                               r"^\d{4}-\d{6}$ for 2026-000123.")
    example = models.CharField(max_length=64, help_text="An example number, shown in the refusal message.")

    class Meta:
        ordering = ["agency", "kind"]
        constraints = [models.UniqueConstraint(fields=["agency", "kind"], name="casenumberformat_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.example}"

    def clean(self) -> None:
        import re

        from django.core.exceptions import ValidationError

        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            raise ValidationError({"pattern": f"Not a valid regular expression: {exc}."}) from exc
        if self.example and not compiled.fullmatch(self.example):
            raise ValidationError({"example": "The example does not match the pattern."})
        from apps.audit.services import case_number_validate
        from apps.common.errors import ApplicationError

        try:  # a form whose numbers the access log refuses would refuse every search of the agency
            if self.example:  # a missing example is the field's own error
                case_number_validate(self.example)
        except ApplicationError as error:
            raise ValidationError({"example": error.message}) from error


class RmsConnection(models.Model):
    """The agency's records management system (RMS/CAD), against which stated case numbers are verified."""

    agency = models.OneToOneField("agencies.Agency", on_delete=models.CASCADE, related_name="rms_connection")
    mode = models.CharField(max_length=10, choices=RmsMode.choices)
    http_url = HttpsURLField(blank=True, help_text="HTTP lookup: GET <url>?kind=<kind>&number=<number> answers "
                               '{"exists": true|false, "open": true|false}.')
    timeout_seconds = models.FloatField(default=3.0)
    last_import_at = models.DateTimeField(null=True, blank=True)
    last_import_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~models.Q(mode=RmsMode.HTTP) | ~models.Q(http_url=""),
                                              name="rmsconnection_http_has_url")]

    def __str__(self) -> str:
        return f"RMS of {self.agency} ({self.get_mode_display()})"


class RmsCase(models.Model):
    """One number from the agency's nightly export (``rms_cases_import``): open while it is in the latest export."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=64)
    kind = models.CharField(max_length=12, choices=CaseNumberKind.choices, blank=True)
    is_open = models.BooleanField(default=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="rmscase_unique_number")]

    def __str__(self) -> str:
        return f"{self.number} ({'open' if self.is_open else 'closed'})"


class CaseNumberOverride(models.Model):
    """A supervisor's permission for one person to search under one number the records system does not confirm
    (unknown, closed, or the system unreachable), with the reason (R-READ-3). Valid until ``expires_at``."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case_number = models.CharField(max_length=64)
    reason = models.TextField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(person=models.F("granted_by")),
                                   name="casenumberoverride_not_own"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="casenumberoverride_reason_required"),
        ]

    def __str__(self) -> str:
        return f"Override of {self.case_number} for {self.person}"


class CaseNumberRefusal(models.Model):
    """A search refused because its case number failed verification (R-READ-3): the wrong form, unknown to or closed
    in the records system. Records the attempt — who, when, the number, the stated purpose and why it was refused —
    and nothing of what was searched for (the search never ran). The nightly review flags people with several
    (R-AUD-3)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    occurred_at = models.DateTimeField()
    case_number = models.CharField(max_length=64)
    purpose = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40, help_text="case_number_format, case_number_unknown, case_number_closed.")
    message = models.TextField(help_text="The refusal as the person saw it.")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["occurred_at"], name="casenumberrefusal_occurred")]

    def __str__(self) -> str:
        return f"{self.user} refused {self.case_number} ({self.code})"


class MisuseRun(models.Model):
    """One run of the access-log review (nightly or on demand): what it covered, what it found, how long it took."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    rows_scanned = models.PositiveIntegerField(default=0)
    flags_created = models.PositiveIntegerField(default=0)
    flags_updated = models.PositiveIntegerField(default=0)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Log review {self.started_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class MisuseFlag(models.Model):
    """A pattern in one person's access-log rows that may be misuse (R-AUD-3), with the reason and the rows behind
    it. Seen by the person's supervisor (never by the person), resolved with a finding: justified, or not justified
    — then a violation report is filed (R-AUD-4). ``fingerprint`` makes the review idempotent: a rerun over the same
    log finds the same flags and adds none."""

    kind = models.CharField(max_length=24, choices=FlagKind.choices)
    fingerprint = models.CharField(max_length=64)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                help_text="Whose searches are flagged.")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    row_seqs = models.JSONField(default=list, help_text="Access-log rows behind the flag (chain positions).")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    detected_at = models.DateTimeField()
    run = models.ForeignKey(MisuseRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="flags")
    status = models.CharField(max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    finding = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    violation_report = models.ForeignKey("audits.ViolationReport", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="misuse_flags")

    class Meta:
        ordering = ["-detected_at", "-id"]
        permissions = [("review_misuseflags", "Can review the misuse flags of the people they supervise")]
        indexes = [models.Index(fields=["subject", "status"], name="misuseflag_subject_status")]
        constraints = [
            models.UniqueConstraint(fields=["kind", "fingerprint"], name="misuseflag_once"),
            models.CheckConstraint(
                condition=models.Q(status=FlagStatus.OPEN)
                | (~models.Q(finding="") & models.Q(resolved_at__isnull=False, resolved_by__isnull=False)),
                name="misuseflag_resolved_has_finding"),
            models.CheckConstraint(
                condition=~models.Q(status=FlagStatus.NOT_JUSTIFIED) | models.Q(violation_report__isnull=False),
                name="misuseflag_not_justified_has_report"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"

    @property
    def reference(self) -> str:
        return f"FLAG-{self.pk}"

    @property
    def evidence_label(self) -> str:
        """What is behind the flag, counted: access-log rows, or refused attempts (which are not rows)."""
        if self.kind == FlagKind.CASE_REFUSED:
            count = len(self.details.get("refusals", []))
            return f"{count} refused attempt{'s' if count != 1 else ''}"
        count = len(self.row_seqs)
        return f"{count} row{'s' if count != 1 else ''}"
