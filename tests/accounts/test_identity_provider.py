"""Issue #22: sign-in through the agency's OpenID Connect provider — a REAL provider (tests/oidc_provider, a second
process), not a mock of the protocol. Role mapping from its groups (deny by default, R-ACC-1), accounts created and
deprovisioned from it, its amr/acr recorded and, when the agency requires it, MFA evidence enforced; local password
accounts keep working (R-ACC-3)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore

from apps.accounts.identity_provider.services import MFA_REQUIRED, NO_ROLE
from apps.accounts.identity_provider.session import SESSION_ENDED
from apps.accounts.models import DeactivationReason, ProviderIdentity, User
from tests.accounts import identity_provider_fixtures
from tests.accounts.identity_provider_fixtures import IDP_PASSWORD, PROVIDER_NAME, provider_sign_in
from tests.browser import requires_chromium, wait_for
from tests.conftest import PASSWORD
from tests.events import domain_events

pytestmark = pytest.mark.django_db(transaction=True)

# The provider (a second process, once per session) and the portal configured as its client.
oidc_provider = identity_provider_fixtures.oidc_provider
portal_with_provider = identity_provider_fixtures.portal_with_provider


def _portal_session(http) -> dict:
    return SessionStore(session_key=http.cookies.get("sessionid", domain="localhost.local")
                        or http.cookies.get("sessionid")).load()


def _signed_in_home(response, live_server) -> bool:
    return response.status_code == 200 and response.url.rstrip("/") == live_server.url and "Log out" in response.text


def test_provider_sign_in_creates_the_account_with_the_mapped_role_and_records_amr(oidc_provider,
                                                                                     portal_with_provider):
    oidc_provider.person("dana", groups=["ALPR-Investigators", "Parks-Department"], mfa=True)
    http, response = provider_sign_in(portal_with_provider, "dana")

    assert _signed_in_home(response, portal_with_provider), response.url
    user = User.objects.get(provider_identity__subject__isnull=False, email="dana@county.example")
    assert user.roles == {"investigator"}  # the unmapped Parks group gives nothing
    assert (user.username, user.first_name, user.job_title) == ("dana", "Dana", "Analyst / investigator")
    assert not user.has_usable_password()
    identity = ProviderIdentity.objects.get(user=user)
    assert identity.issuer == oidc_provider.issuer and identity.last_amr == ["pwd", "mfa"]
    signed_in = domain_events("alprportal.accounts.oidc.signed_in", target=user, fields=("data__amr", "data__acr"))
    assert signed_in == [(["pwd", "mfa"], "urn:idp:loa:2fa")]
    # The contract with local MFA: the provider's MFA satisfies the portal's MFA for this session.
    assert _portal_session(http)["alprportal_mfa"]["method"] == "idp"


@pytest.mark.mfa_real  # as in production: a login is not MFA-satisfied unless something proved a second factor
def test_without_mfa_evidence_the_session_is_not_marked_mfa_satisfied(oidc_provider, portal_with_provider):
    oidc_provider.person("eli", groups=["ALPR-Operators"], mfa=False)
    http, response = provider_sign_in(portal_with_provider, "eli")
    # An operator's role requires MFA: without the provider's evidence the portal asks for its own second factor.
    assert response.status_code == 200 and response.url.startswith(f"{portal_with_provider.url}/accounts/mfa/")
    assert "alprportal_mfa" not in _portal_session(http)
    assert domain_events("alprportal.accounts.oidc.signed_in", fields=("data__amr", "data__mfa")) == [(["pwd"], False)]


def test_roles_follow_the_provider_groups_at_the_next_sign_in(oidc_provider, portal_with_provider):
    oidc_provider.person("fay", groups=["ALPR-Operators"])
    provider_sign_in(portal_with_provider, "fay")
    oidc_provider.person("fay", groups=["ALPR-Investigators", "ALPR-Oversight"])
    _, response = provider_sign_in(portal_with_provider, "fay")
    assert _signed_in_home(response, portal_with_provider)
    user = User.objects.get(username="fay")
    assert user.roles == {"investigator", "oversight"}
    assert User.objects.filter(email="fay@county.example").count() == 1


def test_a_person_in_no_mapped_group_is_refused_and_no_account_is_created(oidc_provider, portal_with_provider):
    oidc_provider.person("gus", groups=["Parks-Department"])
    _, response = provider_sign_in(portal_with_provider, "gus")
    assert response.url.startswith(f"{portal_with_provider.url}/accounts/login/")
    assert NO_ROLE.format(provider=PROVIDER_NAME) in response.text.replace("&#x27;", "'")
    assert not User.objects.filter(email="gus@county.example").exists()
    assert domain_events("alprportal.accounts.oidc.sign_in_refused", fields=("data__reason",)) == ["no_mapped_group"]


def test_required_mfa_refuses_a_sign_in_without_it_and_admits_one_with_it(oidc_provider, portal_with_provider,
                                                                          settings):
    settings.OIDC_REQUIRE_MFA = True
    oidc_provider.person("hal", groups=["ALPR-Operators"], mfa=False)
    _, refused = provider_sign_in(portal_with_provider, "hal")
    assert refused.url.startswith(f"{portal_with_provider.url}/accounts/login/")
    assert "requires multi-factor authentication" in refused.text
    assert MFA_REQUIRED.split(":")[0] in refused.text
    assert domain_events("alprportal.accounts.oidc.sign_in_refused", fields=("data__reason", "data__amr")) == [
        ("mfa_required", ["pwd"])]
    assert not User.objects.filter(email="hal@county.example").exists()

    oidc_provider.person("hal", groups=["ALPR-Operators"], mfa=True)
    _, admitted = provider_sign_in(portal_with_provider, "hal")
    assert _signed_in_home(admitted, portal_with_provider)


def test_a_person_disabled_at_the_provider_loses_the_open_session(oidc_provider, portal_with_provider, settings):
    oidc_provider.person("ivy", groups=["ALPR-Operators"])
    http, response = provider_sign_in(portal_with_provider, "ivy")
    assert _signed_in_home(response, portal_with_provider)
    settings.OIDC_SESSION_RECHECK_MINUTES = 0  # the check runs at every request (default: every 5 minutes)
    assert _signed_in_home(http.get(portal_with_provider.url, timeout=30), portal_with_provider)  # still vouched for

    oidc_provider.person("ivy", groups=["ALPR-Operators"], disable=True)
    ended = http.get(portal_with_provider.url, timeout=30)
    assert ended.url.startswith(f"{portal_with_provider.url}/accounts/login/")
    assert SESSION_ENDED.format(provider=PROVIDER_NAME) in ended.text
    assert http.get(f"{portal_with_provider.url}/reads/", timeout=30).url.startswith(
        f"{portal_with_provider.url}/accounts/login/")
    user = User.objects.get(username="ivy")
    assert domain_events("alprportal.accounts.oidc.session_ended", target=user, fields=("data__reason",)) == [
        "provider_refused_token"]
    # Disabled at the provider, the person cannot sign in again either.
    _, again = provider_sign_in(portal_with_provider, "ivy")
    assert not again.url.startswith(portal_with_provider.url)


def test_a_person_removed_from_every_mapped_group_is_deactivated_in_the_portal(oidc_provider, portal_with_provider,
                                                                                settings):
    oidc_provider.person("jo", groups=["ALPR-Investigators"])
    http, _ = provider_sign_in(portal_with_provider, "jo")
    settings.OIDC_SESSION_RECHECK_MINUTES = 0
    oidc_provider.person("jo", groups=["Parks-Department"])
    ended = http.get(portal_with_provider.url, timeout=30)
    assert SESSION_ENDED.format(provider=PROVIDER_NAME) in ended.text
    user = User.objects.get(username="jo")
    assert not user.is_active and user.deactivation_reason == DeactivationReason.IDENTITY_PROVIDER
    assert user.roles == frozenset()

    # Back in a mapped group at the provider: the next sign-in reactivates the account it deactivated.
    oidc_provider.person("jo", groups=["ALPR-Investigators"])
    _, response = provider_sign_in(portal_with_provider, "jo")
    assert _signed_in_home(response, portal_with_provider)
    user = User.objects.get(pk=user.pk)
    assert user.is_active and user.roles == {"investigator"}


def test_a_provider_account_never_takes_over_a_local_account_of_the_same_name(oidc_provider, portal_with_provider,
                                                                               make_user):
    local = make_user("sysadmin", username="kim")
    oidc_provider.person("kim", groups=["ALPR-Operators"])
    _, response = provider_sign_in(portal_with_provider, "kim")
    assert _signed_in_home(response, portal_with_provider)
    provider_user = ProviderIdentity.objects.get().user
    assert provider_user.pk != local.pk and provider_user.username.startswith("kim-")
    local.refresh_from_db()
    assert local.roles == {"sysadmin"} and local.check_password(PASSWORD)


def test_an_administrator_deactivation_is_not_undone_by_the_provider(oidc_provider, portal_with_provider):
    from apps.accounts.services import user_deactivate

    oidc_provider.person("lee", groups=["ALPR-Operators"])
    provider_sign_in(portal_with_provider, "lee")
    user_deactivate(actor=None, user=User.objects.get(username="lee"), note="Misuse investigation.")
    _, response = provider_sign_in(portal_with_provider, "lee")
    assert response.url.startswith(f"{portal_with_provider.url}/accounts/login/")
    assert "deactivated" in response.text
    assert not User.objects.get(username="lee").is_active


def test_login_page_offers_the_provider_only_when_configured_and_passwords_still_work(portal_with_provider, client,
                                                                                       partner, settings):
    page = client.get("/accounts/login/").content.decode()
    assert f"Sign in with {PROVIDER_NAME}" in page
    # A partner requester of another agency has no account at our provider: the password login still works.
    response = client.post("/accounts/login/", {"username": partner.username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"

    settings.OIDC_RP_CLIENT_ID = ""
    client.logout()
    assert "Sign in with" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/oidc/start/").status_code == 404
    assert client.get("/accounts/oidc/callback/").status_code == 404


def test_a_tampered_callback_is_refused_with_a_clear_message(portal_with_provider):
    import requests

    http = requests.Session()
    response = http.get(f"{portal_with_provider.url}/accounts/oidc/callback/?code=forged&state=forged", timeout=30)
    assert response.status_code == 200 and response.url.startswith(f"{portal_with_provider.url}/accounts/login/")
    assert f"Sign-in through {PROVIDER_NAME} did not complete" in response.text


@pytest.mark.browser
@requires_chromium
def test_sign_in_with_the_provider_in_the_browser(oidc_provider, portal_with_provider, browser):
    from selenium.webdriver.common.by import By

    oidc_provider.person("max", groups=["ALPR-Oversight"], mfa=True)
    browser.get(f"{portal_with_provider.url}/accounts/login/")
    browser.find_element(By.LINK_TEXT, f"Sign in with {PROVIDER_NAME}").click()
    wait_for(lambda: "County identity provider" in browser.page_source, what="the provider's sign-in page")
    browser.find_element(By.NAME, "username").send_keys("max")
    browser.find_element(By.NAME, "password").send_keys(IDP_PASSWORD)
    browser.find_element(By.ID, "idp-sign-in").click()
    wait_for(lambda: browser.current_url.rstrip("/") == portal_with_provider.url and "Log out" in browser.page_source,
             what="the portal's home page after the provider sign-in")
    assert User.objects.get(username="max").roles == {"oversight"}
