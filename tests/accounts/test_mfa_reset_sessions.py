"""R-SEC-2 (CJIS 5.6.2.2): an administrator's MFA reset ends the person's open sessions. Found by the helper-5 attack
(2026-12-05): after a reset, a session that had passed the second step with the removed factors — on a stolen laptop,
the reason for many resets — kept reaching plate data; only new sign-ins were sent to enrolment."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.mfa_devices import EVENT_RESET, mfa_reset
from tests.events import domain_events

pytestmark = pytest.mark.django_db


def test_a_reset_ends_the_person_s_sessions_and_no_one_else_s(investigator, supervisor, sysadmin):
    TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    laptop, phone, colleague = Client(), Client(), Client()
    laptop.force_login(investigator)
    phone.force_login(investigator)
    colleague.force_login(supervisor)
    assert laptop.get(reverse("home")).status_code == 200

    mfa_reset(actor=sysadmin, person=investigator, reason="Laptop stolen with the session open")
    for client in (laptop, phone):
        response = client.get(reverse("reads:search"))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert colleague.get(reverse("home")).status_code == 200
    events = domain_events(EVENT_RESET, target=investigator, fields=("code", "data__sessions_ended"))
    assert events == [(EVENT_RESET, 2)]
