"""Who may reach which reads route (R-ACC-1, R-ACC-2, R-READ-3), checked with the helpers of
tests/test_authorization_matrix.py. The expected outcomes live in ``tests/reads/route_matrix.py`` so that the shared
matrix can merge them (see that module's docstring); until then this test checks them here.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from tests.reads.route_matrix import READS_COVERED_ELSEWHERE, READS_MATRIX
from tests.test_authorization_matrix import PRINCIPALS, _outcome


def test_every_reads_route_is_covered():
    from django.urls import get_resolver

    from tests.test_authorization_matrix import _walk

    ours = {name for name in _walk(get_resolver()) if name.startswith("reads:") or name in {
        "api:ingest-reads", "api:ingest-openalpr", "api:ingest-images", "api:reads-search", "api:reads-export",
        "api:read-detail", "api:read-corrections", "api:cameras", "api:camera-detail", "api:camera-status"}}
    assert ours - set(READS_MATRIX) - set(READS_COVERED_ELSEWHERE) == set()


@pytest.fixture
def principal(request, make_user):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import TrainingRecordFactory

    name = request.param
    if name == "anonymous":
        return None
    if name == "lapsed_sysadmin":
        person = make_user(Role.SYSADMIN, trained=False)
        TrainingRecordFactory(person=person, completed_on=timezone.localdate() - timedelta(days=500))
        return person
    return make_user(name)


@pytest.mark.django_db
@pytest.mark.parametrize("principal", PRINCIPALS, indirect=True)
@pytest.mark.parametrize("route", sorted(READS_MATRIX))
def test_reads_route_access(client, route, principal, request):
    name = request.node.callspec.params["principal"]
    if principal is not None:
        client.force_login(principal)
    response = client.get(reverse(route))
    assert _outcome(response) == READS_MATRIX[route][name], f"{name} on {route}: got {response.status_code}"
    if response.status_code in (400, 401, 403) and route.startswith("api:"):
        assert set(response.json()["error"]) >= {"code", "message"}
