from django.db import models


class Purpose(models.TextChoices):
    """R-PURP: the authorized purposes of an ALPR query (policy 004 §I, §V).

    Civil immigration enforcement is never a purpose (SB 54): it is deliberately absent, so it cannot be chosen,
    sent through the API, or stored.
    """

    PROSECUTION_OR_EXONERATION = "prosecution", "Investigation for prosecution or exoneration of a suspected crime"
    WANTED_PERSONS = "wanted_persons", "Locating wanted persons"
    SANCTIONS_ORDERS = "sanctions_orders", "Enforcing sanctions, orders or sentences"
    CRIME_PREVENTION = "crime_prevention", "Crime prevention"
    CRIME_ANALYSIS = "crime_analysis", "Crime analysis"
    INVESTIGATIVE_LEADS = "investigative_leads", "Investigative leads"
    MISSING_PERSONS = "missing_persons", "Life-saving and critical missing persons"


class SystemPurpose(models.TextChoices):
    """Purposes the portal itself records for accesses that are not investigative queries."""

    OVERSIGHT_AUDIT = "oversight_audit", "Oversight or audit review"
    RECORDS_REVIEW = "records_review", "Custodian of records review"


ALL_PURPOSE_CHOICES = Purpose.choices + SystemPurpose.choices


class IncidentKind(models.TextChoices):
    """R-SEC-1: what was detected."""

    INCIDENT = "incident", "Security incident"
    SUSPECTED_BREACH = "suspected_breach", "Suspected data breach"
    BREACH = "breach", "Data breach"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


# R-SEC-1: an incident is closed once, and a closed one is not reopened.
INCIDENT_TRANSITIONS: dict[str, frozenset[str]] = {
    IncidentStatus.OPEN: frozenset({IncidentStatus.CLOSED}),
    IncidentStatus.CLOSED: frozenset(),
}


class NotificationDecision(models.TextChoices):
    """R-SEC-1: whether the people affected (and authorities) must be notified (policy 004 preamble)."""

    PENDING = "", "Not decided yet"
    NOTIFY = "notify", "Notification required"
    NOT_REQUIRED = "not_required", "No notification required"
