"""Every URL route × every role (plus anonymous and lapsed training): who may reach what (R-ACC-1, R-ACC-2).

Routes are discovered from the URLconf and the OpenAPI schema: a route missing from MATRIX fails
``test_every_route_is_in_the_matrix``, so a new page or endpoint cannot be forgotten.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from apps.accounts.roles import Role
from tests.factories import TrainingRecordFactory

OK, LOGIN, DENIED, TRAINING, UNAUTH, ADMIN_LOGIN, HOME = "ok", "login", "403", "training", "401", "admin-login", "home"
PRINCIPALS = ["anonymous", *Role.values, "lapsed_sysadmin"]
STAFF = {Role.CUSTODIAN, Role.SYSADMIN}
LOG_REVIEWERS = {Role.SUPERVISOR, Role.CUSTODIAN, Role.SYSADMIN}


def everyone(value, *, anonymous):
    return {"anonymous": anonymous, **{p: value for p in PRINCIPALS if p != "anonymous"}}


def only(allowed: set[str], *, yes, no, anonymous, lapsed):
    row = {p: (yes if p in allowed else no) for p in Role.values}
    return {"anonymous": anonymous, **row, "lapsed_sysadmin": lapsed}


# route name -> principal -> expected outcome
MATRIX: dict[str, dict[str, str]] = {
    "home": everyone(OK, anonymous=LOGIN),
    "accounts:login": everyone(HOME, anonymous=OK),
    "training:mine": everyone(OK, anonymous=LOGIN),
    "training:required": everyone(OK, anonymous=LOGIN),
    "audit:access_log": only(LOG_REVIEWERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "admin:index": only(STAFF, yes=OK, no=ADMIN_LOGIN, anonymous=ADMIN_LOGIN, lapsed=OK),
    "api:me": everyone(OK, anonymous=UNAUTH),
    "api:access-log": only(LOG_REVIEWERS, yes=OK, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    "api:training-records": everyone(OK, anonymous=UNAUTH),
    "api-schema": everyone(OK, anonymous=UNAUTH),
    "api-docs": everyone(OK, anonymous=UNAUTH),
}
# Routes checked by their own tests (they need an object or a POST), with the test that covers them.
COVERED_ELSEWHERE = {
    "accounts:logout": "POST only; logging out needs no permission",
    "training:certificate": "tests/training/test_certificates.py (own record only; others 404)",
    "notifications:dismiss": "tests/notifications/test_notifications.py (POST; own alerts only)",
}


def _walk(resolver: URLResolver, namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin site is covered by its index above and by admin tests per model
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_route_is_in_the_matrix():
    discovered = set(_walk(get_resolver()))
    missing = discovered - set(MATRIX) - set(COVERED_ELSEWHERE)
    assert not missing, f"New routes need an entry in the authorization matrix: {sorted(missing)}"


@pytest.mark.django_db
def test_every_api_path_in_the_schema_is_in_the_matrix(api_client, sysadmin):
    api_client.force_authenticate(sysadmin)
    schema_paths = set(api_client.get(reverse("api-schema"), {"format": "json"}).json()["paths"])
    matrix_paths = {reverse(name) for name in MATRIX if name.startswith("api:")}
    assert schema_paths - matrix_paths == set()


@pytest.fixture
def principal(request, make_user):
    name = request.param
    if name == "anonymous":
        return None
    if name == "lapsed_sysadmin":
        person = make_user(Role.SYSADMIN, trained=False)
        TrainingRecordFactory(person=person, completed_on=timezone.localdate() - timedelta(days=500))
        return person
    return make_user(name)


def _outcome(response) -> str:
    status, location = response.status_code, response.headers.get("Location", "")
    if status == 200:
        return OK
    if status == 302:
        if location.startswith(reverse("training:required")):
            return TRAINING
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("accounts:login")):
            return LOGIN
        if location == reverse("home"):
            return HOME
    return str(status)


@pytest.mark.django_db
@pytest.mark.parametrize("principal", PRINCIPALS, indirect=True)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_route_access(client, route, principal, request):
    name = request.node.callspec.params["principal"]
    if principal is not None:
        client.force_login(principal)
    response = client.get(reverse(route))
    assert _outcome(response) == MATRIX[route][name], f"{name} on {route}: got {response.status_code}"
    if response.status_code in (401, 403) and route.startswith("api:"):
        assert set(response.json()["error"]) >= {"code", "message"}
