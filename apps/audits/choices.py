from django.db import models


class CampaignStatus(models.TextChoices):
    """R-AUD-3: a campaign is reviewed, submitted, then approved by a named person (not the one who ran it)."""

    IN_REVIEW = "in_review", "In review"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"


# One service per edge (apps.audits.services): submit, return, approve.
CAMPAIGN_TRANSITIONS: dict[str, frozenset[str]] = {
    CampaignStatus.IN_REVIEW: frozenset({CampaignStatus.SUBMITTED}),
    CampaignStatus.SUBMITTED: frozenset({CampaignStatus.APPROVED, CampaignStatus.IN_REVIEW}),
    CampaignStatus.APPROVED: frozenset(),
}


class Stratification(models.TextChoices):
    NONE = "none", "None (simple random sample)"
    USER = "user", "By user (every user with queries is sampled)"
    UNIT = "unit", "By unit (agency recorded on the query)"


class ConfidenceLevel(models.IntegerChoices):
    P90 = 90, "90 %"
    P95 = 95, "95 %"
    P99 = 99, "99 %"


# Two-sided z-scores for the confidence levels offered.
Z_SCORES = {90: 1.6449, 95: 1.9600, 99: 2.5758}


class Finding(models.TextChoices):
    """What the reviewer concluded about one sampled query (policy 004 §IX)."""

    PENDING = "pending", "Not yet reviewed"
    NECESSARY = "necessary", "Necessary for the cited case"
    NOT_NECESSARY = "not_necessary", "Not necessary for the cited case"
    FOLLOW_UP = "follow_up", "Needs follow-up"


# Findings that must say why, and that go to the queried person's supervisor.
FINDINGS_NEEDING_NOTES = frozenset({Finding.NOT_NECESSARY, Finding.FOLLOW_UP})


class InspectionResult(models.TextChoices):
    """R-AUD-3a: what the annual audit-trail inspection's chain verification found."""

    INTACT = "intact", "Chain intact"
    BROKEN = "broken", "Chain broken"


class ScheduledAudit(models.TextChoices):
    """R-AUD-3a: the audits that fall due at least every year (policy 004 §IX)."""

    CAMPAIGN = "campaign", "Query-audit campaign"
    INSPECTION = "inspection", "Audit-trail inspection"


class ViolationKind(models.TextChoices):
    """R-AUD-4 (policy 004 §VIII): members report errors and suspected or confirmed violations of the policies."""

    SUSPECTED_VIOLATION = "suspected_violation", "Suspected violation of the ALPR policy"
    CONFIRMED_VIOLATION = "confirmed_violation", "Confirmed violation of the ALPR policy"
    ERROR = "error", "Error (wrong data, a misread acted on, a wrong entry)"


class ViolationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    CLOSED = "closed", "Closed"


# One service per edge (apps.audits.violations): review, close.
VIOLATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ViolationStatus.SUBMITTED: frozenset({ViolationStatus.UNDER_REVIEW, ViolationStatus.CLOSED}),
    ViolationStatus.UNDER_REVIEW: frozenset({ViolationStatus.CLOSED}),
    ViolationStatus.CLOSED: frozenset(),
}


class ViolationOutcome(models.TextChoices):
    SUBSTANTIATED = "substantiated", "Violation substantiated, action taken"
    ERROR_CORRECTED = "error_corrected", "Error confirmed and corrected"
    NOT_SUBSTANTIATED = "not_substantiated", "Not substantiated"
    REFERRED = "referred", "Referred (internal affairs, another agency)"
