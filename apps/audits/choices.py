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
