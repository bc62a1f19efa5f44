"""R-SEC-2: the second step of signing in is reachable with the password alone, so it must refuse hostile input
with its own message — never a 500. Found by the helper-5 attack (2026-12-05): a security-key answer whose JSON body
was a list or a string (``[]``, ``"x"``) made the WebAuthn endpoints answer 500 (``'list' object has no attribute
'get'``)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.mfa import mfa_session_is_satisfied
from apps.accounts.mfa_devices import EVENT_FAILED
from tests.accounts.test_mfa import password_login
from tests.events import domain_events

pytestmark = [pytest.mark.django_db, pytest.mark.mfa_real]

HOSTILE_BODIES = [b"[]", b'"x"', b"42", b"null", b'{"credential": [1, 2]}', b'{"credential": "x"}',
                  b'{"credential": {"rawId": 5}}', b"\xff\xfe not utf-8", b'{"name": ["a"], "credential": {}}']


@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_the_security_key_step_refuses_hostile_bodies_with_its_message(client, investigator, body):
    TOTPDevice.objects.create(user=investigator, name="app", key="3132333435363738393031323334353637383930",
                              confirmed=True)
    password_login(client, investigator)
    client.post(reverse("accounts:mfa_webauthn_verify_options"))
    response = client.post(reverse("accounts:mfa_webauthn_verify"), data=body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"].startswith("The security key could not be verified")
    assert not mfa_session_is_satisfied(client)
    assert domain_events("alprportal.accounts.mfa", target=investigator)[-1] == EVENT_FAILED


@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_security_key_enrolment_refuses_hostile_bodies_with_its_message(client, investigator, body):
    client.force_login(investigator)
    client.post(reverse("accounts:mfa_webauthn_register_options"))
    response = client.post(reverse("accounts:mfa_webauthn_register"), data=body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"].startswith("The security key could not be verified")


@pytest.mark.parametrize("next_value", ["abc", "99999999999999999999", "home", "//evil.example/x", "https://evil.example/"])
def test_the_second_step_sends_a_bad_next_home_not_to_a_500(client, investigator, next_value):
    """Found by the same attack: ``?next=abc`` (a bare word) made the second step's redirect try it as a view name."""
    key = "3132333435363738393031323334353637383930"
    TOTPDevice.objects.create(user=investigator, name="app", key=key, confirmed=True)
    password_login(client, investigator)
    from tests.accounts.test_mfa import totp_code

    response = client.post(reverse("accounts:mfa_verify"), {"code": totp_code(key), "next": next_value})
    assert response.status_code == 302 and response.url == reverse("home")
    assert mfa_session_is_satisfied(client)
    again = client.get(reverse("accounts:mfa_verify"), {"next": next_value})  # already satisfied: sent on
    assert again.status_code == 302 and again.url == reverse("home")
