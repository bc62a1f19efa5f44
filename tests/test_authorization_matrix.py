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
from tests.ocr.route_matrix import OCR_COVERED_ELSEWHERE, OCR_MATRIX
from tests.reads.route_matrix import READS_COVERED_ELSEWHERE, READS_MATRIX

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
    "disclosures:list": only({Role.PARTNER_REQUESTER}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "disclosures:create": only({Role.PARTNER_REQUESTER}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
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
# Routes checked by their own tests (they need an object or a POST), with the test that covers them.
COVERED_ELSEWHERE = {
    "audits:detail": "tests/audits/test_views.py (the auditor's campaigns only; others 404; access logged)",
    "audits:review": "tests/audits/test_views.py (POST; campaigns visible to the reviewer only)",
    "audits:submit": "tests/audits/test_views.py (POST)",
    "audits:approve": "tests/audits/test_views.py (POST; approvers only, never the campaign's creator)",
    "audits:return": "tests/audits/test_services.py (POST; approvers only)",
    "audits:resolve": "tests/audits/test_views.py (POST; follow-ups sent to the person only)",
    "reports:detail": "tests/reports/test_views.py (oversight: issued reports only; drafts 404)",
    "reports:download": "tests/reports/test_views.py (each body its rendition; others 404; logged)",
    "reports:refresh": "tests/reports/test_views.py (POST; custodian; refused once issued)",
    "reports:issue": "tests/reports/test_views.py (POST; custodian)",
    "transparency:summary": "tests/reports/test_views.py (public summaries of issued reports only; no login)",
    "accounts:logout": "POST only; logging out needs no permission",
    "training:certificate": "tests/training/test_certificates.py (own record only; others 404)",
    "notifications:dismiss": "tests/notifications/test_notifications.py (POST; own alerts only)",
    "disclosures:detail": "tests/disclosures/test_views.py (own agency's requests only; others 404)",
    "disclosures:respond": "tests/disclosures/test_views.py (POST; own agency's requests only)",
    "disclosures:package": "tests/disclosures/test_package.py (signed expiring link, training, access log)",
    "api:disclosure-request-detail": "tests/disclosures/test_api.py (own agency's requests only; others 404)",
    "api:disclosure-request-respond": "tests/disclosures/test_api.py (POST; own agency's requests only)",
    "api:disclosure-package-download": "tests/disclosures/test_package.py (signed link, training, access log)",
    # Schema paths of the object routes above (the schema test walks paths, not names).
    "/api/v1/disclosures/requests/{id}/": "api:disclosure-request-detail",
    "/api/v1/disclosures/requests/{id}/respond/": "api:disclosure-request-respond",
    "/api/v1/disclosures/requests/{id}/package/": "api:disclosure-package-download",
}


# Evidence holds and retention (apps.holds, apps.retention): R-RET-1…4, R-ACC-4. Hold pages show read data, so they
# are behind the training gate; the policy page shows none.
HOLD_VIEWERS = {Role.INVESTIGATOR, Role.SUPERVISOR, Role.CUSTODIAN, Role.SYSADMIN}
MATRIX.update({
    "holds:list": only(HOLD_VIEWERS, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=TRAINING),
    "holds:create": only({Role.INVESTIGATOR, Role.SUPERVISOR}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "retention:policy": only(set(Role.values) - {Role.PARTNER_REQUESTER}, yes=OK, no=DENIED, anonymous=LOGIN,
                             lapsed=OK),
    "retention:policy_edit": only({Role.CUSTODIAN}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=DENIED),
    "retention:runs": only({Role.CUSTODIAN, Role.SYSADMIN}, yes=OK, no=DENIED, anonymous=LOGIN, lapsed=OK),
})
COVERED_ELSEWHERE.update({
    "holds:detail": "tests/holds/test_views.py (own, team's or shared holds only; others 404; access logged)",
    "holds:approve": "tests/holds/test_views.py (POST; the requester's supervisor only)",
    "holds:deny": "tests/holds/test_services.py (POST; the requester's supervisor only)",
    "holds:release": "tests/holds/test_views.py (POST; supervisor, custodian, administrator)",
    "holds:reaffirm": "tests/holds/test_services.py (POST; requester or supervisor)",
    "holds:share": "tests/holds/test_views.py (POST; guardian object permission)",
    "holds:export": "tests/holds/test_export.py (POST; active holds only)",
    "holds:export_download": "tests/holds/test_export.py (built package of a visible hold; access logged)",
    "retention:run": "tests/retention/test_views.py (custodian and administrator; unknown run 404)",
    "retention:run_start": "tests/retention/test_views.py (POST; custodian only)",
})


# Hot lists and hits (apps.hotlists): R-HOT-1…5, policy 002. All ALPR data: behind the training gate.
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
COVERED_ELSEWHERE.update({
    "hotlists:detail": "tests/hotlists/test_supervisors.py (stale state shown; view_hotlist)",
    "hotlists:entry_add": "tests/hotlists/test_supervisors.py (manage_entries; back-search redirect)",
    "hotlists:entry_remove": "tests/hotlists/test_views.py (POST; manage_entries; list's own entries only)",
    "hotlists:entry_backsearch": "tests/hotlists/test_supervisors.py (query_reads; purpose + case; access logged)",
    "hotlists:import": "tests/hotlists/test_imports.py (manage_entries; preview only)",
    "hotlists:import_preview": "tests/hotlists/test_imports.py (manage_entries)",
    "hotlists:import_apply": "tests/hotlists/test_imports.py (POST; manage_entries; errors acknowledged)",
    "hotlists:import_discard": "tests/hotlists/test_views.py (POST; manage_entries)",
    "hotlists:version": "tests/hotlists/test_views.py (view_hotlist; the list's own versions only)",
    "hotlists:hit": "tests/hotlists/test_hits.py (view_hit; archived reads 404; access logged)",
    "hotlists:hit_confirm": "tests/hotlists/test_hits.py (POST; confirm_hit)",
    "hotlists:hit_misread": "tests/hotlists/test_views.py (POST; confirm_hit)",
    "hotlists:hit_not_actionable": "tests/hotlists/test_views.py (POST; confirm_hit)",
    "hotlists:hit_action": "tests/hotlists/test_hits.py (POST; confirm_hit; only after confirmation)",
    "hotlists:hit_image": "tests/hotlists/test_hits.py (signed per-person link; unsigned 403)",
    "api:hotlist-feed": "tests/hotlists/test_imports.py (POST CSV; manage_entries; dry run and atomic apply)",
    "api:hit-detail": "tests/hotlists/test_api.py (view_hit; archived reads 404 but administrators; access logged)",
    "api:hit-confirm": "tests/hotlists/test_api.py (POST; confirm_hit and current training; others 401/403)",
    "api:hit-misread": "tests/hotlists/test_api.py (POST; confirm_hit; note required)",
    "api:hit-not-actionable": "tests/hotlists/test_api.py (POST; confirm_hit; illegal moves 400)",
    "api:hit-action": "tests/hotlists/test_api.py (POST; confirm_hit; only after confirmation)",
    "/api/v1/hits/{id}/": "api:hit-detail",
    "/api/v1/hits/{id}/confirm/": "api:hit-confirm",
    "/api/v1/hits/{id}/misread/": "api:hit-misread",
    "/api/v1/hits/{id}/not-actionable/": "api:hit-not-actionable",
    "/api/v1/hits/{id}/action/": "api:hit-action",
    "/api/v1/hotlists/{id}/feed/": "api:hotlist-feed",
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
})
COVERED_ELSEWHERE.update({
    "audits:inspect": "tests/audits/test_schedule_and_risk.py (POST; custodian only)",
    "audits:violation": "tests/audits/test_violations.py (reporter, its supervisor, custodian; others 404)",
    "audits:violation_action": "tests/audits/test_violations.py (POST; the supervisor it was sent to only)",
    "audit:incident": "tests/audit/test_security.py (administrators and custodian; others 403)",
    "audit:incident_action": "tests/audit/test_security.py (POST; administrators and custodian)",
    "audit:query_volume_escalate": "tests/audit/test_security.py (POST; administrators and custodian)",
    "reports:transmittal": "tests/reports/test_transmittal.py (POST; custodian only; oversight 403)",
})


MATRIX.update(READS_MATRIX)
COVERED_ELSEWHERE.update(READS_COVERED_ELSEWHERE)
MATRIX.update(OCR_MATRIX)
COVERED_ELSEWHERE.update(OCR_COVERED_ELSEWHERE)


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
    assert schema_paths - matrix_paths - set(COVERED_ELSEWHERE) == set()


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
