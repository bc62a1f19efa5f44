"""Every URL route × every role (plus anonymous and lapsed training): who may reach what (R-ACC-1, R-ACC-2).

Routes are discovered from the URLconf and the OpenAPI schema: a route missing from MATRIX fails
``test_every_route_is_in_the_matrix``, so a new page or endpoint cannot be forgotten.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from tests.factories import TrainingRecordFactory
from tests.ocr.route_matrix import OCR_MATRIX
from tests.reads.route_matrix import READS_MATRIX
from tests.route_discovery import discover_routes, object_routes

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
    "training:acknowledge": everyone(OK, anonymous=LOGIN),  # R-ACC-7: reachable while blocked, like the others
    "audit:access_log": only(LOG_REVIEWERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "admin:index": only(STAFF, yes=OK, no=ADMIN_LOGIN, anonymous=ADMIN_LOGIN, lapsed=OK),
    "api:me": everyone(OK, anonymous=UNAUTH),
    "api:access-log": only(LOG_REVIEWERS, yes=OK, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    "api:training-records": everyone(OK, anonymous=UNAUTH),
    "api-schema": everyone(OK, anonymous=UNAUTH),
    "api-docs": everyone(OK, anonymous=LOGIN),  # a person, not an API client: the login page, then back (#17)
    "accounts:logout": everyone("405", anonymous="405"),  # POST only
    # Sign-in through the agency's identity provider (issue #22): 404 while OIDC_* is not configured (as here);
    # configured, tests/accounts/test_identity_provider.py drives them against a real provider.
    "accounts:oidc_start": everyone("404", anonymous="404"),
    "accounts:oidc_callback": everyone("404", anonymous="404"),
    # Issue #22: one's own second factors (the gate itself is tested in tests/accounts/test_mfa*.py; these logins
    # are MFA-satisfied, so the second step sends them on to the home page).
    "accounts:mfa": everyone(OK, anonymous=LOGIN),
    "accounts:mfa_verify": everyone(HOME, anonymous=LOGIN),
    "accounts:mfa_totp_enrol": everyone(OK, anonymous=LOGIN),
    "accounts:mfa_recovery_codes": everyone(OK, anonymous=LOGIN),
    "accounts:mfa_factor_remove": everyone("405", anonymous=LOGIN),  # POST only
    "accounts:mfa_webauthn_register_options": everyone("405", anonymous=LOGIN),  # POST only
    "accounts:mfa_webauthn_register": everyone("405", anonymous=LOGIN),  # POST only
    "accounts:mfa_webauthn_verify_options": everyone("405", anonymous=LOGIN),  # POST only
    "accounts:mfa_webauthn_verify": everyone("405", anonymous=LOGIN),  # POST only
    "disclosures:list": only({Role.PARTNER_REQUESTER}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "disclosures:create": only({Role.PARTNER_REQUESTER}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    # R-SHR-9: records staff enter paper and e-mailed requests (a form; no ALPR data shown, so no training gate).
    "disclosures:enter": only(STAFF, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=OK),
    "api:disclosure-entered": only(STAFF, yes="405", no=DENIED, anonymous=UNAUTH, lapsed="405"),  # POST only
    "api:disclosure-requests": only({Role.PARTNER_REQUESTER}, yes=OK, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
}
# Oversight (apps.audits, apps.reports): auditors are supervisors and the custodian (R-AUD-3); oversight reads
# audit summaries and issued reports (R-ACC-1); the transparency page is public (R-REP-3).
AUDITORS = {Role.SUPERVISOR, Role.CUSTODIAN}
MATRIX.update({
    "audits:list": only(AUDITORS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "audits:create": only(AUDITORS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "audits:follow_ups": only(AUDITORS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "audits:summaries": only({Role.OVERSIGHT, Role.CUSTODIAN}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "reports:list": only({Role.OVERSIGHT, Role.CUSTODIAN}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "reports:draft": only({Role.CUSTODIAN}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "transparency:index": everyone(OK, anonymous=OK),
})


# Evidence holds and retention (apps.holds, apps.retention): R-RET-1, R-RET-2, R-RET-3, R-RET-4, R-ACC-4. Hold pages
# show read data, so they
# are behind the training gate; the policy page shows none.
HOLD_VIEWERS = {Role.INVESTIGATOR, Role.SUPERVISOR, Role.CUSTODIAN, Role.SYSADMIN}
MATRIX.update({
    "holds:list": only(HOLD_VIEWERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "holds:create": only({Role.INVESTIGATOR, Role.SUPERVISOR}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "retention:policy": only(set(Role.values) - {Role.PARTNER_REQUESTER}, yes=OK, no=DENIED, anonymous=LOGIN,
                             lapsed=OK),
    "retention:policy_edit": only({Role.CUSTODIAN}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "retention:run_start": only({Role.CUSTODIAN}, yes="405", no=DENIED, anonymous=LOGIN, lapsed=DENIED),  # POST only
    "retention:runs": only({Role.CUSTODIAN, Role.SYSADMIN}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=OK),
})


# Hot lists and hits (apps.hotlists): R-HOT-1, R-HOT-2, R-HOT-3, R-HOT-4, R-HOT-5, policy 002. All ALPR data: behind
# the training gate.
HOTLIST_VIEWERS = {Role.OPERATOR, Role.INVESTIGATOR, Role.SUPERVISOR, Role.SYSADMIN}
USAGE_REVIEWERS = {Role.SUPERVISOR, Role.SYSADMIN}
MATRIX.update({
    "hotlists:list": only(HOTLIST_VIEWERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "hotlists:create": only(USAGE_REVIEWERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "hotlists:hits": only(HOTLIST_VIEWERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "hotlists:usage": only(USAGE_REVIEWERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "hotlists:quality": only(USAGE_REVIEWERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    # Hits are plate data: without a stated purpose and case number the API says so (R-AUD-1a).
    "api:hits": only(HOTLIST_VIEWERS, yes="400", no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    "api:hotlists": only(HOTLIST_VIEWERS, yes=OK, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
})

# R-HOT-7 error records and referrals; R-PURP-2 review queue of justified searches and entries (supervisors).
MATRIX.update({
    "hotlists:errors": only(USAGE_REVIEWERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "justifications:queue": only({Role.SUPERVISOR}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "api:justifications": only({Role.SUPERVISOR}, yes=OK, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    "api:justification-reviews": only({Role.SUPERVISOR}, yes="405", no=DENIED, anonymous=UNAUTH,
                                      lapsed=DENIED),  # POST only
})


# Field operations (policy 002): unit sign-on (R-OPS-1, R-READ-5a), the gap report, exigent actions (R-HOT-4a).
SIGN_ON = {Role.OPERATOR, Role.SUPERVISOR}
MATRIX.update({
    "shifts:sign_on": only(SIGN_ON, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "shifts:gaps": only({Role.SUPERVISOR}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    # R-AUD-3: supervisors record their team's leave (searches made on leave are flagged).
    "shifts:leave": only({Role.SUPERVISOR}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "hotlists:exigent_queue": only({Role.SUPERVISOR}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "api:shift-units": only(SIGN_ON, yes=OK, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    "api:shift-gaps": only({Role.SUPERVISOR}, yes=OK, no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    # POST only: a GET is refused by the permission first, then 405.
    "shifts:gap_review": only({Role.SUPERVISOR}, yes="405", no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "api:shift-sign-on": only(SIGN_ON, yes="405", no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
    "api:shift-gap-reviews": only({Role.SUPERVISOR}, yes="405", no=DENIED, anonymous=UNAUTH, lapsed=DENIED),
})


# Accountability and security (issue #15). Violation reports are open to every member, trained or not (R-AUD-4: a
# lapsed member must still be able to report); the audit schedule (R-AUD-3a) and the incident register (R-SEC-1) show
# no plate data, so the training gate does not apply to them.
MEMBERS = {Role.OPERATOR, Role.INVESTIGATOR, Role.SUPERVISOR, Role.CUSTODIAN, Role.SYSADMIN}
MATRIX.update({
    "audits:violations": only(MEMBERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=OK),
    "audits:violation_new": only(MEMBERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=OK),
    "audits:schedule": only(STAFF, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=OK),
    "audit:incidents": only(STAFF, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=OK),
    "audit:incident_new": only(STAFF, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=OK),
    "audits:inspect": only({Role.CUSTODIAN}, yes="405", no=DENIED, anonymous=LOGIN, lapsed=DENIED),  # POST only
})

# R-AUD-3: misuse flags are reviewed by supervisors (their team) and the custodian (people without a supervisor);
# R-READ-3: case-number overrides are granted by supervisors.
MATRIX.update({
    "misuse:list": only(AUDITORS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "misuse:run": only(AUDITORS, yes="405", no=DENIED, anonymous=LOGIN, lapsed=DENIED),  # POST only
    "misuse:overrides": only({Role.SUPERVISOR}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
})


MATRIX.update(READS_MATRIX)
MATRIX.update(OCR_MATRIX)


def _object_route_names() -> set[str]:
    return {route.name for route in object_routes()}


def test_every_route_is_in_the_matrix():
    """Routes without an object are listed here with each principal's outcome; routes that open an object are
    checked for every principal by the generated tests of tests/test_object_routes.py (another's object 404) and the
    crawler (plates only after logging), so none is a "covered elsewhere" string."""
    discovered = {route.name for route in discover_routes() if not route.name.startswith("admin:")}
    unfilled = {route.name for route in discover_routes()
                if route.kwargs and not route.name.startswith("admin:")} - _object_route_names()
    assert not unfilled, f"Routes whose keyword names no model: add it to KWARG_SOURCES: {sorted(unfilled)}"
    missing = discovered - set(MATRIX) - _object_route_names()
    assert not missing, f"New routes need an entry in the authorization matrix: {sorted(missing)}"


@pytest.mark.django_db
def test_every_api_path_in_the_schema_is_in_the_matrix(api_client, sysadmin):
    api_client.force_authenticate(sysadmin)
    schema_paths = set(api_client.get(reverse("api-schema"), {"format": "json"}).json()["paths"])
    matrix_paths = {reverse(name) for name in MATRIX if name.startswith("api:")}
    object_paths = {"/" + re.sub(r"<(?:\w+:)?\w+>", "{id}", route.pattern) for route in object_routes()}
    assert schema_paths - matrix_paths - object_paths == set()


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
