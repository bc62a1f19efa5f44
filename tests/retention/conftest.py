from __future__ import annotations

import pytest

# The people, agency and camera of a hold are the same in retention tests.
from tests.holds.conftest import agency, boss, camera, detective  # noqa: F401


@pytest.fixture
def policy(agency, settings):  # noqa: F811 - the fixture imported above, requested by name
    """policy(**days): save the deploying agency's retention policy (defaults: 730 / 365). The mechanics tests use
    short periods, so the legal minimum (R-RET-5) is lowered to one day here; tests/retention/test_legal_minimum.py
    tests the minimum itself."""
    from apps.retention.services import retention_policy_update

    settings.PORTAL = {**settings.PORTAL, "RETENTION_LEGAL_MINIMUM_DAYS": 1}

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
