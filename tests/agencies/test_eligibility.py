"""R-SHR-1: only California public agencies not flagged by the Attorney General may receive ALPR data."""

import pytest
from django.db import IntegrityError

from apps.agencies.selectors import agency_receive_eligibility
from tests.factories import AgencyFactory, DeployingAgencyFactory

pytestmark = pytest.mark.django_db


def test_a_california_police_department_is_eligible():
    result = agency_receive_eligibility(agency=AgencyFactory(state="CA", government_level="municipal"))
    assert result.eligible and result.reasons == []


@pytest.mark.parametrize(("fields", "phrase"), [
    ({"state": "NV"}, "is not a California agency (NV)"),
    ({"government_level": "federal", "state": "DC"}, "is a federal agency"),
    ({"kind": "private", "government_level": "none"}, "private or commercial entity"),
    ({"ag_noncompliance_flagged": True}, "not complying with SB 34"),
])
def test_ineligible_agencies_get_every_reason_in_words(fields, phrase):
    result = agency_receive_eligibility(agency=AgencyFactory(**fields))
    assert not result.eligible
    assert any(phrase in reason for reason in result.reasons)


def test_every_failing_reason_is_listed_not_just_the_first():
    agency = AgencyFactory(state="TX", government_level="federal", ag_noncompliance_flagged=True)
    assert len(agency_receive_eligibility(agency=agency).reasons) == 3


def test_only_one_deploying_agency():
    DeployingAgencyFactory()
    with pytest.raises(IntegrityError):
        AgencyFactory(name="Another", is_deploying_agency=True)


def test_a_private_entity_cannot_be_recorded_as_a_government():
    with pytest.raises(IntegrityError):
        AgencyFactory(kind="private", government_level="county")
