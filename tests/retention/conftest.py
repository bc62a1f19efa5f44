from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from tests.factories import DeployingAgencyFactory
from tests.holds.helpers import make_camera


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
def policy(agency):
    """policy(**days): save the deploying agency's retention policy (defaults: 730 / 365)."""
    from apps.retention.services import retention_policy_update

    def _set(**values):
        return retention_policy_update(actor=None, **values)

    return _set


@pytest.fixture
def run_retention():
    """run_retention(**kwargs) -> RetentionRun: a run executed in this process (on-commit work runs at once)."""
    from apps.retention.services import retention_run_create, retention_run_execute

    def _run(**kwargs):
        run = retention_run_create()
        return retention_run_execute(run_id=run.pk, **kwargs)

    return _run
