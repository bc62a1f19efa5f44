"""Who may receive ALPR data by default (R-SHR-1a): law-enforcement and prosecutorial agencies; another public agency
only through the records-release path, which the deploying agency turns on, and which still goes through the
custodian. The inter-agency agreement is required by default (policy 004 §V)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from apps.agencies.models import Agency
from apps.agencies.selectors import REASON_NOT_LAW_ENFORCEMENT, RECORDS_RELEASE_PATH, agency_receive_eligibility
from apps.agreements.eligibility import REASON_NO_AGREEMENT, sharing_eligibility
from apps.audit.choices import Purpose
from apps.common.errors import ApplicationError
from apps.disclosures.choices import DisclosureStatus
from apps.disclosures.services import decisions
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

SIGN = {"statement": "I authorize the release.", "signer_title": "Custodian of Records"}


@pytest.fixture
def water_district(db):
    return AgencyFactory(name="Harbor Water District", ori=None, kind="other_public",
                         government_level="special_district")


def _turn_records_release(on: bool) -> None:
    Agency.objects.filter(is_deploying_agency=True).update(records_release_enabled=on)


def test_an_agreement_is_required_by_default_because_policy_004_shares_only_under_one(partner_agency):
    """DISCLOSURE_REQUIRES_AGREEMENT defaults to on (policy 004 §V)."""
    assert django_settings.PORTAL["DISCLOSURE_REQUIRES_AGREEMENT"] is True
    result = sharing_eligibility(agency=partner_agency, purpose=Purpose.WANTED_PERSONS)
    assert result.reasons == [REASON_NO_AGREEMENT.format(agency=partner_agency.name)]


def test_law_enforcement_and_prosecutors_may_receive_other_public_agencies_not_by_default(water_district,
                                                                                          deploying_agency):
    """R-SHR-1a: the refusal says why, naming the agency and the records-release path."""
    for kind in ("law_enforcement", "prosecutorial"):
        assert agency_receive_eligibility(agency=AgencyFactory(kind=kind)).eligible
    result = agency_receive_eligibility(agency=water_district)
    assert not result.eligible
    assert result.reasons == [REASON_NOT_LAW_ENFORCEMENT.format(agency="Harbor Water District")]
    assert "records-release path" in result.reasons[0] and "neither a law-enforcement" in result.reasons[0]


def test_the_agency_setting_opens_the_records_release_path(water_district, deploying_agency):
    """R-SHR-1a: with the deploying agency's setting on, another public agency is eligible on the records-release
    path, which is not inter-agency sharing and so needs no agreement; private entities stay refused."""
    _turn_records_release(True)
    result = sharing_eligibility(agency=water_district, purpose=Purpose.WANTED_PERSONS)
    assert result.eligible and result.path == RECORDS_RELEASE_PATH and result.snapshot()["path"] == RECORDS_RELEASE_PATH
    private = AgencyFactory(kind="private", government_level="none")
    assert not agency_receive_eligibility(agency=private).eligible


def test_a_records_release_request_still_goes_through_the_custodian(make_user, deploying_agency, water_district,
                                                                    custodian, second_custodian):
    """R-SHR-1a: a request from another public agency is refused with the reason while the path is off, and goes
    through the custodian's review and written authorization once it is on."""
    from tests.disclosures.test_staff_entry import enter

    entered = enter(custodian, water_district)
    with pytest.raises(ApplicationError) as raised:
        decisions.disclosure_request_approve(actor=second_custodian, disclosure_request=entered,
                                            signer_name="Chris Lee", **SIGN)
    assert REASON_NOT_LAW_ENFORCEMENT.format(agency=water_district.name) in raised.value.message
    closed = decisions.disclosure_request_close_ineligible(actor=second_custodian, disclosure_request=entered)
    assert closed.status == DisclosureStatus.CLOSED
    assert REASON_NOT_LAW_ENFORCEMENT.format(agency=water_district.name) in closed.decision_reason

    _turn_records_release(True)
    again = enter(custodian, water_district, fields={"case_number": "HWD-2026-7"})
    approved = decisions.disclosure_request_approve(actor=second_custodian, disclosure_request=again,
                                                   signer_name="Chris Lee", **SIGN)
    assert approved.status == DisclosureStatus.APPROVED
    assert approved.authorization.eligibility["path"] == RECORDS_RELEASE_PATH
