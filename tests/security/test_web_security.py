"""Web security of the running portal (R-ACC-3, conventions): a strict Content-Security-Policy and the other security
headers on pages and API responses, CSRF enforced on form posts and on session-authenticated API writes, and the
session and CSRF cookies Secure and HttpOnly under the production settings."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from apps.accounts.roles import Role
from apps.common.middleware import CSP
from tests.conftest import PASSWORD
from tests.test_deploy_settings import PRODUCTION, _manage

pytestmark = pytest.mark.django_db

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def _assert_security_headers(response) -> None:
    for name, value in HEADERS.items():
        assert response.get(name) == value, (name, response.get(name))
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no CDN
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"]


def test_pages_carry_the_csp_and_security_headers(client, investigator):
    login_page = client.get(reverse("accounts:login"))
    assert login_page.status_code == 200
    _assert_security_headers(login_page)
    assert login_page["Content-Security-Policy"] == CSP

    client.force_login(investigator)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    _assert_security_headers(home)
    assert home["Cache-Control"] == "no-store"  # governed data never lingers in caches


def test_api_responses_carry_the_csp_and_security_headers(api_client, investigator):
    from rest_framework.authtoken.models import Token

    refused = api_client.get("/api/v1/me/")
    assert refused.status_code == 401
    _assert_security_headers(refused)

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=investigator).key}")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    _assert_security_headers(response)
    assert response["Cache-Control"] == "no-store"


def test_the_inline_script_of_the_api_docs_is_allowed_there_only(client, investigator):
    client.force_login(investigator)
    docs = client.get("/api/docs/")
    assert "'unsafe-inline'" in _directives(docs["Content-Security-Policy"])["script-src"]
    assert "'unsafe-inline'" not in client.get(reverse("home"))["Content-Security-Policy"]


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_form_post_without_the_csrf_token_is_refused(make_user):
    from apps.holds.models import EvidenceHold

    investigator = make_user(Role.INVESTIGATOR, supervisor=make_user(Role.SUPERVISOR))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(investigator)
    form = {"case_number": "24-1", "ground": "evidence", "purpose": "prosecution", "reason": "r", "contact": "c",
            "scope_kind": "reads", "read_ids": "1"}
    refused = browser.post(reverse("holds:create"), form)
    assert refused.status_code == 403 and "CSRF" in refused.content.decode()
    assert browser.post(reverse("holds:create"), {**form, "csrfmiddlewaretoken": "x" * 64}).status_code == 403
    assert not EvidenceHold.objects.exists()

    # The same post with the page's token passes the CSRF check (the form then answers on its own terms).
    token = _csrf_token(browser.get(reverse("holds:create")).content.decode())
    assert browser.post(reverse("holds:create"), {**form, "csrfmiddlewaretoken": token}).status_code != 403


def test_logging_in_without_the_csrf_token_is_refused(investigator):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("accounts:login"), {"username": investigator.username, "password": PASSWORD})
    assert response.status_code == 403 and "CSRF" in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_a_session_authenticated_api_write_needs_the_csrf_token(sysadmin):
    from apps.reads.models import Camera

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sysadmin)
    response = browser.post("/api/v1/cameras/", json.dumps({"name": "Forged", "kind": "fixed"}),
                            content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.content.decode()
    assert not Camera.objects.filter(name="Forged").exists()


@pytest.fixture(scope="module")
def production_cookie_settings():
    """The cookie settings as the production settings module computes them (a separate process, as deployed)."""
    names = ["SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE",
             "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE"]
    code = ("import json; from django.conf import settings as s; "
            f"print(json.dumps({{n: getattr(s, n) for n in {names}}}))")
    result = _manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_and_http_only(production_cookie_settings):
    assert production_cookie_settings["SESSION_COOKIE_SECURE"] is True
    assert production_cookie_settings["SESSION_COOKIE_HTTPONLY"] is True
    assert production_cookie_settings["CSRF_COOKIE_SECURE"] is True
    assert production_cookie_settings["CSRF_COOKIE_HTTPONLY"] is True
    assert production_cookie_settings["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")


def test_logging_in_under_the_production_cookie_settings_sets_secure_http_only_cookies(
        production_cookie_settings, investigator):
    with override_settings(**production_cookie_settings):
        browser = Client(enforce_csrf_checks=True)
        page = browser.get(reverse("accounts:login"))
        csrf_cookie = page.cookies[next(name for name in page.cookies if "csrf" in name)]
        assert csrf_cookie["secure"] and csrf_cookie["httponly"]
        response = browser.post(reverse("accounts:login"), {
            "username": investigator.username, "password": PASSWORD,
            "csrfmiddlewaretoken": _csrf_token(page.content.decode())})
        assert response.status_code == 302
        session_cookie = response.cookies["sessionid"]
        assert session_cookie["secure"] and session_cookie["httponly"]
        assert session_cookie["samesite"] == production_cookie_settings["SESSION_COOKIE_SAMESITE"]
