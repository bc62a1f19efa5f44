from django.db import models


class ReportKind(models.TextChoices):
    SEMIANNUAL = "semiannual", "Semi-annual oversight report"  # R-REP-1
    ANNUAL_TRAINING = "annual_training", "Annual training report"  # R-REP-2


class ReportStatus(models.TextChoices):
    """Overdue is not a stored state: a report not transmitted to every body by its due date (R-REP-1a, see
    OversightReport.display_status)."""

    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"


# R-REP-1a: a draft is issued once; an issued report is frozen.
REPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ReportStatus.DRAFT: frozenset({ReportStatus.ISSUED}),
    ReportStatus.ISSUED: frozenset(),
}


class Audience(models.TextChoices):
    """The three renditions of every report (R-REP-1, policy 004 §X)."""

    INSPECTOR_GENERAL = "inspector_general", "Unredacted (Office of Inspector General)"
    OVERSIGHT_COMMISSION = "oversight_commission", "Redacted (Civilian Oversight Commission)"
    PUBLIC = "public", "Public summary"


class OversightBody(models.TextChoices):
    """Which body an oversight account speaks for; it decides the rendition the account may download."""

    INSPECTOR_GENERAL = "inspector_general", "Office of Inspector General"
    OVERSIGHT_COMMISSION = "oversight_commission", "Civilian Oversight Commission"
    BOARD_OF_SUPERVISORS = "board_of_supervisors", "Board of Supervisors"


# Policy 004 §X: the Inspector General gets the unredacted report, the Commission the redacted one. The Board of
# Supervisors also receives the semi-annual report; the policy names no rendition, so it gets the redacted one.
BODY_AUDIENCE: dict[str, str] = {
    OversightBody.INSPECTOR_GENERAL: Audience.INSPECTOR_GENERAL,
    OversightBody.OVERSIGHT_COMMISSION: Audience.OVERSIGHT_COMMISSION,
    OversightBody.BOARD_OF_SUPERVISORS: Audience.OVERSIGHT_COMMISSION,
}


# R-REP-1a: who must receive each kind of report (policy 004 §X). The semi-annual report goes to the Inspector
# General, the Commission and the Board of Supervisors; the annual training report to the first two only.
REPORT_RECIPIENTS: dict[str, tuple[str, ...]] = {
    ReportKind.SEMIANNUAL: (OversightBody.INSPECTOR_GENERAL, OversightBody.OVERSIGHT_COMMISSION,
                            OversightBody.BOARD_OF_SUPERVISORS),
    ReportKind.ANNUAL_TRAINING: (OversightBody.INSPECTOR_GENERAL, OversightBody.OVERSIGHT_COMMISSION),
}

# Policy 004 §X: "within 90 days after the end of" the period. PORTAL["REPORT_DUE_DAYS"] may shorten it, never
# lengthen it (system check reports.E001, and a database constraint on every report's due date).
REPORT_DUE_DAYS_MAX = 90


class TransmittalMethod(models.TextChoices):
    """How a rendition reached an oversight body (R-REP-1a)."""

    EMAIL = "email", "E-mail"
    PORTAL = "portal", "Made available in the portal, body told"
    HAND = "hand", "Hand delivery"
    MAIL = "mail", "Mail or courier"
    OTHER = "other", "Other (say how)"


class JobAction(models.TextChoices):
    REFRESH = "refresh", "Compute figures and render draft PDFs"
    FINALIZE = "finalize", "Render and freeze the issued PDFs"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
