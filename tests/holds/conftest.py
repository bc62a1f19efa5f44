from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.holds.choices import HoldGround, ScopeKind
from tests.factories import DeployingAgencyFactory
from tests.holds.helpers import make_camera, make_read


@pytest.fixture
def agency(db):
    return DeployingAgencyFactory()


@pytest.fixture
def camera(agency):
    return make_camera(agency)


@pytest.fixture
def boss(make_user, agency):
    return make_user(Role.SUPERVISOR, agency=agency)


@pytest.fixture
def detective(make_user, boss, agency):
    return make_user(Role.INVESTIGATOR, supervisor=boss, agency=agency)


@pytest.fixture
def reads(camera):
    """Three reads of 7ABC123 in the last days, one of another plate."""
    return [make_read(camera, plate="7ABC123", days_ago=d) for d in (1, 2, 3)] + [
        make_read(camera, plate="8XYZ789", days_ago=2)]


@pytest.fixture
def request_hold(detective, reads):
    """request_hold(**overrides): a pending hold by ``detective`` on the 7ABC123 reads (search scope)."""
    from apps.holds.services.request import hold_request

    def _request(**overrides):
        now = timezone.now()
        values = {"actor": detective, "case_number": "24-000777", "reason": "Suspect vehicle in a robbery.",
                      "ground": HoldGround.EVIDENCE, "contact": "(555) 010-0000", "scope_kind": ScopeKind.SEARCH,
                      "plate": "7ABC123", "time_from": now - timedelta(days=10), "time_to": now}
        values.update(overrides)
        return hold_request(**values)

    return _request
