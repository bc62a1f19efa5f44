"""One eligibility service (R-SHR-1, R-SHR-2, R-SHR-5, R-PURP): every failing reason, in words for a letter."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.agreements.choices import AgreementStatus, ImmigrationBasis
from apps.agreements.eligibility import (
    REASON_IMMIGRATION,
    REASON_NO_AGREEMENT,
    REASON_PURPOSE_NOT_AUTHORIZED,
    ImmigrationAttestation,
    sharing_eligibility,
)
from apps.agreements.models import Agreement
from apps.audit.choices import Purpose
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def test_a_california_police_department_with_an_authorized_purpose_is_eligible(partner_agency):
    result = sharing_eligibility(agency=partner_agency, purpose=Purpose.WANTED_PERSONS,
                                 immigration=ImmigrationAttestation(related=False))
    assert result.eligible and result.reasons == []


@pytest.mark.parametrize(("fields", "phrase"), [
    ({"name": "Reno Police Department", "state": "NV"}, "is not a California agency (NV)"),
    ({"name": "U.S. Immigration and Customs Enforcement", "state": "DC", "government_level": "federal"},
     "is a federal agency"),
    ({"name": "FBI Los Angeles Field Office", "state": "CA", "government_level": "federal"}, "is a federal agency"),
    ({"name": "Acme Repossession LLC", "kind": "private", "government_level": "none", "ori": None},
     "private or commercial entity"),
    ({"name": "Bayview USD Police", "ag_noncompliance_flagged": True}, "not complying with SB 34"),
])
def test_out_of_state_federal_private_and_flagged_agencies_are_ineligible(fields, phrase):
    """R-SHR-1 and AG bulletin 2023-DLE-06: California public agencies only."""
    result = sharing_eligibility(agency=AgencyFactory(**fields), purpose=Purpose.WANTED_PERSONS)
    assert not result.eligible and not result.agency_eligible
    assert any(phrase in reason for reason in result.reasons)
    assert all(reason.endswith(".") or reason.endswith(")") for reason in result.reasons)


def test_a_purpose_outside_the_list_is_a_reason(partner_agency):
    result = sharing_eligibility(agency=partner_agency, purpose="civil_immigration")
    assert result.reasons == [REASON_PURPOSE_NOT_AUTHORIZED.format(purpose="civil_immigration")]
    assert result.agency_eligible


@pytest.mark.parametrize(("attestation", "eligible"), [
    (ImmigrationAttestation(related=True), False),
    (ImmigrationAttestation(related=True, basis=ImmigrationBasis.JUDICIAL_WARRANT, warrant_attached=False), False),
    (ImmigrationAttestation(related=True, basis=ImmigrationBasis.JUDICIAL_WARRANT, warrant_attached=True), True),
    (ImmigrationAttestation(related=True, basis=ImmigrationBasis.STATE_OR_COUNTY_LAW, law_citation=" "), False),
    (ImmigrationAttestation(related=True, basis=ImmigrationBasis.STATE_OR_COUNTY_LAW,
                            law_citation="Penal Code § 1524"), True),
])
def test_civil_immigration_needs_a_warrant_or_a_law(partner_agency, attestation, eligible):
    """R-SHR-5."""
    result = sharing_eligibility(agency=partner_agency, purpose=Purpose.WANTED_PERSONS, immigration=attestation)
    assert result.eligible is eligible
    assert (REASON_IMMIGRATION in result.reasons) is not eligible


def test_every_failing_reason_is_listed():
    agency = AgencyFactory(state="TX", government_level="federal", ag_noncompliance_flagged=True)
    result = sharing_eligibility(agency=agency, purpose="sell_it", immigration=ImmigrationAttestation(related=True))
    assert len(result.reasons) == 5


def test_the_agency_setting_can_require_an_agreement(settings, partner_agency, agreement):
    settings.PORTAL = {**settings.PORTAL, "DISCLOSURE_REQUIRES_AGREEMENT": True}
    assert sharing_eligibility(agency=partner_agency, purpose=Purpose.WANTED_PERSONS).agreement == agreement
    other = AgencyFactory()
    assert sharing_eligibility(agency=other, purpose=Purpose.WANTED_PERSONS).reasons == [
        REASON_NO_AGREEMENT.format(agency=other.name)]


def test_an_agreement_past_its_sunset_stops_sharing_before_the_job_runs(partner_agency, agreement):
    """R-SHR-2: the check is live — the agreement is still marked active, but its sunset day has come."""
    Agreement.objects.filter(pk=agreement.pk).update(start_date=timezone.localdate() - timedelta(days=365),
                                                     sunset_date=timezone.localdate())
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    result = sharing_eligibility(agency=partner_agency, purpose=Purpose.WANTED_PERSONS, agreement=agreement)
    assert not result.eligible
    assert "reached its sunset" in result.reasons[0]
    assert sharing_eligibility(agency=partner_agency, purpose=Purpose.WANTED_PERSONS).agreement is None
