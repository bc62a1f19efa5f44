"""Reads about agencies, chiefly R-SHR-1 eligibility."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.agencies.choices import AgencyKind, GovernmentLevel
from apps.agencies.models import Agency

REASON_NOT_CALIFORNIA = (
    "{agency} is not a California agency ({state}); ALPR data may be shared only with California public "
    "agencies (Civ. Code § 1798.90.55(b); Attorney General bulletin 2023-DLE-06)."
)
REASON_FEDERAL = (
    "{agency} is a federal agency; the Attorney General reads “public agency” in Civ. Code § 1798.90.5(f) as "
    "a California state or local agency, so federal agencies may not receive ALPR data."
)
REASON_PRIVATE = (
    "{agency} is a private or commercial entity; ALPR data may not be sold, shared or transferred to it "
    "(Civ. Code § 1798.90.55(b))."
)
REASON_FLAGGED = (
    "{agency} is listed by the California Attorney General as not complying with SB 34 (Civ. Code §§ 1798.90.5–55)."
)


@dataclass(frozen=True)
class Eligibility:
    """Whether an agency may receive ALPR data, and every reason it may not, in words fit for a letter."""

    eligible: bool
    reasons: list[str] = field(default_factory=list)


def agency_receive_eligibility(*, agency: Agency) -> Eligibility:
    """R-SHR-1: may ``agency`` receive ALPR data? A California public agency not flagged by the AG."""
    reasons: list[str] = []
    if agency.kind == AgencyKind.PRIVATE or agency.government_level == GovernmentLevel.NONE:
        reasons.append(REASON_PRIVATE.format(agency=agency.name))
    if agency.state != "CA":
        reasons.append(REASON_NOT_CALIFORNIA.format(agency=agency.name, state=agency.state))
    if agency.government_level == GovernmentLevel.FEDERAL:
        reasons.append(REASON_FEDERAL.format(agency=agency.name))
    if agency.ag_noncompliance_flagged:
        reasons.append(REASON_FLAGGED.format(agency=agency.name))
    return Eligibility(eligible=not reasons, reasons=reasons)


def agency_get_deploying() -> Agency | None:
    return Agency.objects.filter(is_deploying_agency=True).first()
