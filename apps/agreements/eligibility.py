"""May data be shared? One answer used everywhere (R-SHR-1, R-SHR-2, R-SHR-5, R-PURP).

``sharing_eligibility`` composes the agency test of ``apps.agencies.selectors.agency_receive_eligibility`` (a
California public agency, not private, not flagged by the Attorney General) with the agreement in force, the
purpose and the civil-immigration attestation. It lists *every* reason that fails, in words a custodian can put in
a letter. Request review, approval, the release job and agreement activation all call it, live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone

from apps.agencies.selectors import RECORDS_RELEASE_PATH, SHARING_PATH, agency_receive_eligibility
from apps.agreements.choices import AgreementStatus, ImmigrationBasis
from apps.agreements.models import Agreement
from apps.agreements.selectors import agreement_in_force_for
from apps.audit.choices import Purpose

REASON_PURPOSE_MISSING = "The request does not state an intended purpose; a written request must name one."
REASON_PURPOSE_NOT_AUTHORIZED = (
    "The stated purpose (“{purpose}”) is not one for which this agency's ALPR usage and privacy policy permits ALPR "
    "data to be used or disclosed (Civ. Code § 1798.90.51)."
)
REASON_IMMIGRATION = (
    "The request is related to civil immigration enforcement. ALPR data may not be disclosed for that purpose "
    "unless a judicial warrant is provided or a state or county law expressly requires the disclosure (Gov. Code "
    "§ 7284.6, SB 54); neither a judicial warrant nor such a law was provided."
)
REASON_IMMIGRATION_SCREENED = (
    "The request's own words point to civil immigration enforcement ({terms}), so it follows the immigration path "
    "whatever its answer to that question (R-SHR-5a)."
)
REASON_IMMIGRATION_NOT_EXAMINED = (
    "The request is related to civil immigration enforcement (SB 54) and the custodian has not yet examined the "
    "judicial warrant (court, judge and date recorded) or confirmed the cited state or county law; until then "
    "nothing may be released."
)
REASON_AGREEMENT_EXPIRED = (
    "The inter-agency agreement “{title}” under which the request was made reached its sunset on "
    "{sunset:%B %-d, %Y}; data sharing under it stopped that day (Civ. Code § 1798.90.55(b))."
)
REASON_AGREEMENT_ENDED = (
    "The inter-agency agreement “{title}” under which the request was made is no longer in force ({status}); data "
    "sharing under it has stopped."
)
REASON_AGREEMENT_OTHER_AGENCY = "The inter-agency agreement “{title}” is with another agency."
REASON_NO_AGREEMENT = (
    "{agency} has no inter-agency agreement in force with this agency; this agency shares ALPR data only under "
    "such an agreement."
)


_CITATION_CODE = re.compile(
    r"§|\b(?:code|codes|sec|section|ord|ordinance|statute|stat|art|article|chapter|ch|title|usc|ccr|cfr|rule|act|"
    r"resolution|charter|municipal|county|gov|govt|penal|pen|veh|civ|evid|health|bus|prof|welf|inst)\b",
    re.IGNORECASE)
_CITATION_SECTION = re.compile(r"\d")


def law_citation_valid(citation: str) -> bool:
    """R-SHR-5: a state or county law is *cited*: the text names a code (or ordinance, statute, §…) and a section
    number, e.g. "Gov. Code § 7284.6(a)(1)(C)" or "County Ordinance 2019-14, sec. 3". "n/a", "see attached" or a
    bare number are not citations."""
    text = (citation or "").strip()
    return len(text) >= 5 and bool(_CITATION_CODE.search(text)) and bool(_CITATION_SECTION.search(text))


@dataclass(frozen=True)
class ImmigrationAttestation:
    """A request's civil-immigration facts (R-SHR-5, R-SHR-5a): the requester's answer and basis, the warrant and the
    citation given, what the screening of its words found, and what the custodian examined (``examined_basis``:
    the warrant, with court, judge and date recorded, or the cited law, confirmed)."""

    related: bool
    basis: str = ImmigrationBasis.NONE
    warrant_attached: bool = False
    law_citation: str = ""
    screened_terms: tuple[str, ...] = ()
    examined_basis: str = ""

    @property
    def on_path(self) -> bool:
        return self.related or bool(self.screened_terms)

    @property
    def permitted(self) -> bool:
        if not self.on_path:
            return True
        if self.examined_basis == ImmigrationBasis.JUDICIAL_WARRANT:
            return self.warrant_attached
        if self.examined_basis == ImmigrationBasis.STATE_OR_COUNTY_LAW:
            return law_citation_valid(self.law_citation)
        return False

    def reasons(self) -> list[str]:
        if self.permitted:
            return []
        reasons = []
        if self.screened_terms and not self.related:
            reasons.append(REASON_IMMIGRATION_SCREENED.format(terms=", ".join(self.screened_terms)))
        if self.warrant_attached or law_citation_valid(self.law_citation):
            reasons.append(REASON_IMMIGRATION_NOT_EXAMINED)
        else:
            reasons.append(REASON_IMMIGRATION)
        return reasons


@dataclass(frozen=True)
class SharingEligibility:
    """The answer: eligible or not, every failing reason in words, and the agreement data would go under."""

    eligible: bool
    reasons: list[str] = field(default_factory=list)
    agency_eligible: bool = True
    agreement: Agreement | None = None
    checked_on: date | None = None
    path: str = SHARING_PATH

    def snapshot(self) -> dict[str, Any]:
        """What a review or an authorization records of the check it relied on."""
        return {
            "eligible": self.eligible,
            "agency_eligible": self.agency_eligible,
            "reasons": list(self.reasons),
            "agreement_id": self.agreement.pk if self.agreement else None,
            "agreement": str(self.agreement) if self.agreement else None,
            "checked_on": self.checked_on.isoformat() if self.checked_on else None,
            "path": self.path,
        }


def _agreement_reasons(agreement: Agreement, *, agency, day: date) -> list[str]:
    reasons = []
    if agreement.partner_agency_id != agency.pk:
        reasons.append(REASON_AGREEMENT_OTHER_AGENCY.format(title=agreement.title))
    if agreement.in_force_on(day):
        return reasons
    if agreement.status == AgreementStatus.EXPIRED or (agreement.status != AgreementStatus.TERMINATED
                                                       and day >= agreement.sunset_date):
        reasons.append(REASON_AGREEMENT_EXPIRED.format(title=agreement.title, sunset=agreement.sunset_date))
    else:
        reasons.append(REASON_AGREEMENT_ENDED.format(title=agreement.title,
                                                     status=agreement.get_status_display().lower()))
    return reasons


def sharing_eligibility(
    *,
    agency,
    purpose: str | None = None,
    immigration: ImmigrationAttestation | None = None,
    agreement: Agreement | None = None,
    day: date | None = None,
) -> SharingEligibility:
    """May ALPR data go to ``agency`` (for ``purpose``, under ``agreement``) today? Lists every failing reason.

    - R-SHR-1: the agency part (``agency_receive_eligibility``): California public agency, not private, not flagged;
      R-SHR-1a: law-enforcement or prosecutorial, or another public agency on the records-release path when the
      deploying agency turned it on.
    - R-SHR-2: a given agreement must be in force today (an expired one stops sharing at once); with no agreement
      given, the agency's agreement in force is used, and is required when ``DISCLOSURE_REQUIRES_AGREEMENT`` (on by
      default, policy 004 §V) — except on the records-release path.
    - R-PURP: ``purpose`` (when checked, i.e. not None) must be an authorized purpose.
    - R-SHR-5: a request related to civil immigration enforcement (R-SHR-5a: by its answer or by the screening of its
      words) needs a warrant attached and examined by the custodian, or a law cited and confirmed by the custodian.
    """
    day = day or timezone.localdate()
    agency_result = agency_receive_eligibility(agency=agency)
    reasons = list(agency_result.reasons)
    if agreement is not None:
        reasons.extend(_agreement_reasons(agreement, agency=agency, day=day))
    else:
        agreement = agreement_in_force_for(agency=agency, day=day)
        # The records-release path (R-SHR-1a) is not inter-agency sharing: it follows the agency's Records
        # Maintenance and Release Policy, which the agency chose by turning the path on, not an agreement.
        if (agreement is None and settings.PORTAL["DISCLOSURE_REQUIRES_AGREEMENT"]
                and agency_result.path != RECORDS_RELEASE_PATH):
            reasons.append(REASON_NO_AGREEMENT.format(agency=agency.name))
    if purpose is not None:
        if not purpose:
            reasons.append(REASON_PURPOSE_MISSING)
        elif purpose not in Purpose.values:
            reasons.append(REASON_PURPOSE_NOT_AUTHORIZED.format(purpose=purpose))
    if immigration is not None:
        reasons.extend(immigration.reasons())
    return SharingEligibility(eligible=not reasons, reasons=reasons, agency_eligible=agency_result.eligible,
                              agreement=agreement, checked_on=day, path=agency_result.path)
