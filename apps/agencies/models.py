"""Agencies: the deploying agency and every agency that may ask for or receive ALPR data (R-SHR-1)."""

from django.db import models

from apps.agencies.choices import AgencyKind, GovernmentLevel


class Agency(models.Model):
    """An organization. Exactly one is the deploying agency (the one running this portal).

    ``ag_noncompliance_flagged`` records that the California Attorney General lists the agency as not complying
    with SB 34; such an agency may not receive ALPR data (R-SHR-1, R-SHR-2).
    """

    name = models.CharField(max_length=200, unique=True)
    ori = models.CharField(
        "ORI", max_length=9, unique=True, null=True, blank=True,
        help_text="NCIC Originating Agency Identifier (9 characters), if the agency has one.",
    )
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    government_level = models.CharField(max_length=20, choices=GovernmentLevel.choices)
    state = models.CharField(max_length=2, help_text="Two-letter state or territory code, e.g. CA.")
    is_deploying_agency = models.BooleanField(default=False)
    ag_noncompliance_flagged = models.BooleanField(
        "flagged by the Attorney General", default=False,
        help_text="Listed by the California Attorney General as not complying with SB 34.",
    )
    ag_noncompliance_checked_on = models.DateField(null=True, blank=True)
    # R-SHR-1a: a setting of the deploying agency. Off (the default), only law-enforcement and prosecutorial agencies
    # may receive ALPR data; on, a request from another public agency is accepted as a records-release request
    # (000 462.7, 001 471.7, 003 427.6: "processed as provided in the Records Maintenance and Release Policy") and
    # goes through the custodian of records like every other request.
    records_release_enabled = models.BooleanField(
        "records-release path for other public agencies", default=False,
        help_text="Deploying agency only. When on, public agencies that are neither law-enforcement nor "
                  "prosecutorial may ask for ALPR data through the records-release path (reviewed and authorized by "
                  "the custodian of records like every request). Off: such requests are refused with the reason.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_deploying_agency"],
                condition=models.Q(is_deploying_agency=True),
                name="agency_single_deploying_agency",
            ),
            models.CheckConstraint(condition=models.Q(state__regex=r"^[A-Z]{2}$"), name="agency_state_two_letters"),
            models.CheckConstraint(
                condition=~models.Q(kind="private") | models.Q(government_level="none"),
                name="agency_private_is_not_government",
            ),
        ]

    def __str__(self) -> str:
        return self.name
