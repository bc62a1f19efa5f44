"""One eligibility service (R-SHR-1, R-SHR-2, R-SHR-5, R-PURP): every failing reason, in words for a letter."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.agreements.choices import AgreementStatus, ImmigrationBasis
from apps.agreements.eligibility import (
    REASON_IMMIGRATION,
    REASON_IMMIGRATION_NOT_EXAMINED,
    REASON_NO_AGREEMENT,
    REASON_PURPOSE_NOT_AUTHORIZED,
    ImmigrationAttestation,
    sharing_eligibility,
)
from apps.agreements.models import Agreement
from apps.audit.choices import Purpose
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def test_a_california_police_department_with_an_authorized_purpose_is_eligible(partner_agency, agreement):
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


def test_a_purpose_outside_the_list_is_a_reason(partner_agency, agreement):
    result = sharing_eligibility(agency=partner_agency, purpose="civil_immigration")
    assert result.reasons == [REASON_PURPOSE_NOT_AUTHORIZED.format(purpose="civil_immigration")]
    assert result.agency_eligible


WARRANT, LAW = ImmigrationBasis.JUDICIAL_WARRANT, ImmigrationBasis.STATE_OR_COUNTY_LAW


@pytest.mark.parametrize(("attestation", "eligible", "reason"), [
    (ImmigrationAttestation(related=True), False, REASON_IMMIGRATION),
    (ImmigrationAttestation(related=True, basis=WARRANT, warrant_attached=False), False, REASON_IMMIGRATION),
    (ImmigrationAttestation(related=True, basis=WARRANT, warrant_attached=True), False,
     REASON_IMMIGRATION_NOT_EXAMINED),
    (ImmigrationAttestation(related=True, basis=WARRANT, warrant_attached=True, examined_basis=WARRANT), True, None),
    (ImmigrationAttestation(related=True, basis=LAW, law_citation=" ", examined_basis=LAW), False,
     REASON_IMMIGRATION),
    (ImmigrationAttestation(related=True, basis=LAW, law_citation="n/a", examined_basis=LAW), False,
     REASON_IMMIGRATION),
    (ImmigrationAttestation(related=True, basis=LAW, law_citation="Penal Code § 1524"), False,
     REASON_IMMIGRATION_NOT_EXAMINED),
    (ImmigrationAttestation(related=True, basis=LAW, law_citation="Penal Code § 1524", examined_basis=LAW), True,
     None),
    (ImmigrationAttestation(related=False, screened_terms=("deportation",)), False, REASON_IMMIGRATION),
])
def test_civil_immigration_needs_a_warrant_or_a_law_examined_by_the_custodian(partner_agency, agreement, attestation,
                                                                              eligible, reason):
    """R-SHR-5, R-SHR-5a: the warrant examined (court, judge, date) or the cited law confirmed by the custodian."""
    result = sharing_eligibility(agency=partner_agency, purpose=Purpose.WANTED_PERSONS, immigration=attestation)
    assert result.eligible is eligible
    assert (reason in result.reasons) if reason else result.reasons == []


def test_every_failing_reason_is_listed():
    agency = AgencyFactory(state="TX", government_level="federal", ag_noncompliance_flagged=True)
    result = sharing_eligibility(agency=agency, purpose="sell_it", immigration=ImmigrationAttestation(related=True))
    assert len(result.reasons) == 6  # state, federal, flagged, no agreement (required by default), purpose, SB 54


def test_the_agency_setting_can_require_an_agreement(settings, partner_agency, agreement):
    settings.PORTAL = {**settings.PORTAL, "DISCLOSURE_REQUIRES_AGREEMENT": True}  # the default (policy 004 §V)
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


def test_an_agency_whose_policy_accepts_a_written_request_alone_turns_the_requirement_off(settings, partner_agency):
    """000 462.7(b), 001 471.7, 003 427.6: a written request without an agreement, when the setting is off."""
    settings.PORTAL = {**settings.PORTAL, "DISCLOSURE_REQUIRES_AGREEMENT": False}
    result = sharing_eligibility(agency=partner_agency, purpose=Purpose.WANTED_PERSONS)
    assert result.eligible and result.agreement is None
