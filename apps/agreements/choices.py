from django.db import models


class AgreementStatus(models.TextChoices):
    """Life of an inter-agency agreement (R-SHR-2). Transitions: ``AGREEMENT_TRANSITIONS``."""

    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RENEWAL_DUE = "renewal_due", "Renewal due"
    RENEWED = "renewed", "Renewed (superseded by the next term)"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


# One service per edge (apps.agreements.services.lifecycle). Anything not listed here is refused.
AGREEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    AgreementStatus.DRAFT: frozenset({AgreementStatus.ACTIVE, AgreementStatus.TERMINATED}),
    AgreementStatus.ACTIVE: frozenset({AgreementStatus.RENEWAL_DUE, AgreementStatus.EXPIRED,
                                       AgreementStatus.TERMINATED}),
    AgreementStatus.RENEWAL_DUE: frozenset({AgreementStatus.RENEWED, AgreementStatus.EXPIRED,
                                            AgreementStatus.TERMINATED}),
    AgreementStatus.RENEWED: frozenset(),
    AgreementStatus.EXPIRED: frozenset(),
    AgreementStatus.TERMINATED: frozenset(),
}

# Statuses under which data may be shared, provided today is before the sunset date.
IN_FORCE_STATUSES = frozenset({AgreementStatus.ACTIVE, AgreementStatus.RENEWAL_DUE})


class SignatorySide(models.TextChoices):
    OURS = "ours", "Our agency"
    PARTNER = "partner", "Partner agency"


class RenewalDecision(models.TextChoices):
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Renewed"
    REFUSED = "refused", "Refused"
    LAPSED = "lapsed", "Lapsed (the agreement ended before a decision)"


# The terms each side attests to (policy 004 §V, R-SHR-2, R-SHR-5, R-HOT-2). Field suffix -> words.
AGREEMENT_TERMS: dict[str, str] = {
    "authorized_users": "ALPR data is available only to authorized users for legitimate law enforcement purposes.",
    "accuracy": "Reasonable efforts are made to ensure the accuracy of ALPR data.",
    "hotlist_refresh": "Shared hot-list data is not stored or used for more than 24 hours without a refresh.",
    "no_immigration": "ALPR data is not used or disclosed for civil immigration enforcement (SB 54).",
    "no_resharing": "ALPR data received is not sold, re-shared or transferred to any other person or agency.",
}


class ImmigrationBasis(models.TextChoices):
    """Why a request related to civil immigration enforcement may still be answered (R-SHR-5)."""

    NONE = "", "Neither"
    JUDICIAL_WARRANT = "judicial_warrant", "A judicial warrant (attached)"
    STATE_OR_COUNTY_LAW = "state_or_county_law", "A state or county law expressly requires the disclosure (cited)"
