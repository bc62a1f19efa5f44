"""Issue #22: a security key / passkey (WebAuthn) enrolled and used to sign in, in Chromium with a virtual
authenticator (DevTools protocol WebAuthn.addVirtualAuthenticator): the real browser API, the real server checks."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from apps.accounts.mfa_devices import EVENT_ENROLLED, EVENT_VERIFIED
from apps.accounts.models import WebAuthnCredential
from tests.browser import requires_chromium, wait_for
from tests.conftest import PASSWORD
from tests.events import domain_events

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True), pytest.mark.mfa_real]


def _password_login(browser, live_server, user, next_path="/"):
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/accounts/login/?next={next_path}")
    browser.find_element(By.NAME, "username").send_keys(user.username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
    wait_for(lambda: "/accounts/login/" not in browser.current_url, what="the password step to pass")


def test_security_key_enrolment_and_sign_in(browser, live_server, make_user):
    from selenium.webdriver.common.by import By

    person = make_user("investigator")
    browser.execute_cdp_cmd("WebAuthn.enable", {})
    authenticator = browser.execute_cdp_cmd("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]

    _password_login(browser, live_server, person)
    browser.get(f"{live_server.url}/accounts/mfa/")
    name = browser.find_element(By.ID, "webauthn-name")
    name.clear()
    name.send_keys("Blue YubiKey")
    browser.find_element(By.ID, "webauthn-register").click()
    wait_for(lambda: "/accounts/mfa/recovery-codes/" in browser.current_url, what="the key to be enrolled")
    codes = browser.find_elements(By.CSS_SELECTOR, "#recovery-codes code")
    assert len(codes) == 10
    credential = WebAuthnCredential.objects.get(user=person)
    assert credential.name == "Blue YubiKey"
    stored = browser.execute_cdp_cmd("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(stored) == 1

    # Next sign-in: the password, then the key; without the key nothing opens.
    _password_login(browser, live_server, person, next_path="/training/")
    wait_for(lambda: "/accounts/mfa/verify/" in browser.current_url, what="the second step")
    browser.get(f"{live_server.url}/")
    assert "/accounts/mfa/verify/" in browser.current_url
    browser.get(f"{live_server.url}/accounts/mfa/verify/?next=/training/")
    browser.find_element(By.ID, "webauthn-verify").click()
    wait_for(lambda: urlsplit(browser.current_url).path == "/training/", what="the key to sign the person in")
    credential.refresh_from_db()
    assert credential.last_used_at is not None
    assert domain_events("alprportal.accounts.mfa", target=person, fields=("code", "data__method"))[-1] == (
        EVENT_VERIFIED, "webauthn")
    assert (EVENT_ENROLLED, "webauthn") in domain_events("alprportal.accounts.mfa", target=person,
                                                          fields=("code", "data__method"))

    # A key the server does not know (another authenticator) is refused, and the refusal is shown.
    browser.execute_cdp_cmd("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})
    browser.execute_cdp_cmd("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    _password_login(browser, live_server, person)
    browser.get(f"{live_server.url}/accounts/mfa/verify/")
    browser.find_element(By.ID, "webauthn-verify").click()
    wait_for(lambda: browser.find_element(By.ID, "webauthn-error").text, what="the refusal to show")
    assert "/accounts/mfa/verify/" in browser.current_url
