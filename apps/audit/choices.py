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
