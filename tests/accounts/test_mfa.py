"""Issue #22: multi-factor authentication of local accounts (CJIS Security Policy 5.6.2.2; R-SEC-2: reasonable
security). TOTP enrolment → sign-in → recovery code → administrator reset; the session contract shared with
OpenID Connect sign-in; the gate on a session that has not passed the second step."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.mfa import MFA_SESSION_KEY, mfa_session_is_satisfied, mfa_session_mark
from apps.accounts.mfa_devices import (
    CODE_THROTTLED,
    CODE_WRONG,
    EVENT_ENROLLED,
    EVENT_FAILED,
    EVENT_RECOVERY_CODES_ISSUED,
    EVENT_RESET,
    EVENT_VERIFIED,
    TOTP_ENROL_SESSION_KEY,
    mfa_reset,
    user_has_mfa,
)
from apps.notifications.models import Notification
from tests.conftest import PASSWORD
from tests.events import domain_events

pytestmark = [pytest.mark.django_db, pytest.mark.mfa_real]

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:mfa_verify")


def totp_code(key_hex: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` 30-second steps later: a code is used once)."""
    totp = TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrol_totp(client, user) -> tuple[str, list[str]]:
    """Walk the enrolment page as the person: open it, read the key the page shows, type the app's code."""
    page = client.get(reverse("accounts:mfa_totp_enrol"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    key_hex = client.session[TOTP_ENROL_SESSION_KEY]
    assert page.context["secret"] in page.content.decode()
    response = client.post(reverse("accounts:mfa_totp_enrol"), {"code": totp_code(key_hex), "name": "Work phone"})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:mfa_recovery_codes"))
    codes_page = client.get(response.url)
    codes = codes_page.context["codes"]
    assert len(codes) == 10 and all(code in codes_page.content.decode() for code in codes)
    # Shown once: the page does not show them again.
    assert client.get(reverse("accounts:mfa_recovery_codes")).context["codes"] is None
    return key_hex, codes


def password_login(client, user):
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_totp_enrol_sign_in_recovery_and_admin_reset(client, investigator, sysadmin):
    client.force_login(investigator)
    key_hex, codes = enrol_totp(client, investigator)
    assert TOTPDevice.objects.get(user=investigator).name == "Work phone"
    assert domain_events("alprportal.accounts.mfa", target=investigator) == [EVENT_ENROLLED,
                                                                             EVENT_RECOVERY_CODES_ISSUED]
    client.logout()

    # Password alone: every page sends the person to the second step, the API refuses.
    password_login(client, investigator)
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home.url.startswith(VERIFY)
    assert client.get(reverse("api:me")).status_code == 403
    # A wrong code is refused, told, and recorded.
    wrong = client.post(VERIFY, {"code": "000000" if totp_code(key_hex) != "000000" else "111111"})
    assert wrong.status_code == 400 and CODE_WRONG in wrong.content.decode()
    assert domain_events(EVENT_FAILED, target=investigator) == [EVENT_FAILED]
    # Right after a wrong code the throttle holds (django-otp: the wait doubles with each failure)...
    throttled = client.post(VERIFY, {"code": totp_code(key_hex, steps_ahead=1)})
    assert throttled.status_code == 400 and CODE_THROTTLED in throttled.content.decode()
    time.sleep(2.1)
    # ...then the app's next code passes the second step and goes where the person was going.
    response = client.post(VERIFY, {"code": totp_code(key_hex, steps_ahead=1), "next": "/training/"})
    assert response.status_code == 302 and response.url == "/training/"
    assert client.session[MFA_SESSION_KEY]["method"] == "totp"
    assert client.get(reverse("home")).status_code == 200
    client.logout()

    # A recovery code works once.
    password_login(client, investigator)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert client.session[MFA_SESSION_KEY]["method"] == "recovery"
    client.logout()
    password_login(client, investigator)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert client.get(reverse("home")).status_code == 302
    verified = domain_events(EVENT_VERIFIED, target=investigator, fields=("code", "data__method"))
    assert verified == [(EVENT_VERIFIED, "totp"), (EVENT_VERIFIED, "recovery")]
    client.logout()

    # The administrator's reset: audited with the reason, the person notified; they enrol afresh.
    mail.outbox.clear()
    removed = mfa_reset(actor=sysadmin, person=investigator, reason="Lost phone; identity checked in person")
    assert removed == 1 and not user_has_mfa(user=investigator)
    event = domain_events(EVENT_RESET, target=investigator, fields=("code", "actor", "data__reason"))
    assert event == [(EVENT_RESET, sysadmin.pk, "Lost phone; identity checked in person")]
    notice = Notification.objects.get(recipient=investigator, title__contains="multi-factor")
    assert "Lost phone" in notice.body
    # Old recovery codes are gone too.
    password_login(client, investigator)
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 400


def test_admin_reset_through_the_people_admin(client, investigator, sysadmin):
    client.force_login(investigator)
    enrol_totp(client, investigator)
    client.logout()
    client.force_login(sysadmin)
    mfa_session_mark_client(client)
    changelist = reverse("admin:accounts_user_changelist")
    form = client.post(changelist, {"action": "reset_mfa", "_selected_action": [investigator.pk]})
    assert form.status_code == 200 and "Reset multi-factor authentication" in form.content.decode()
    done = client.post(changelist, {"action": "reset_mfa", "_selected_action": [investigator.pk], "apply": "1",
                                    "reason": "New phone"}, follow=True)
    assert "Reset the MFA of" in done.content.decode()
    assert not user_has_mfa(user=investigator)
    assert domain_events(EVENT_RESET, target=investigator) == [EVENT_RESET]


def test_nobody_resets_their_own_mfa(sysadmin):
    from apps.common.errors import ApplicationError

    with pytest.raises(ApplicationError):
        mfa_reset(actor=sysadmin, person=sysadmin, reason="me")


def mfa_session_mark_client(client, method: str = "totp") -> None:
    session = client.session
    session[MFA_SESSION_KEY] = {"method": method, "at": "2026-12-05T12:00:00+00:00"}
    session.save()


def test_the_session_contract_with_identity_provider_sign_in(rf, investigator):
    """OpenID Connect sign-in marks the session with method "idp"; the gate honours it like the local second step."""
    from django.contrib.sessions.backends.db import SessionStore

    from apps.accounts.middleware import mfa_gate_decision

    request = rf.get("/")
    request.session, request.user = SessionStore(), investigator
    TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    assert mfa_gate_decision(request) == "verify"
    mark = mfa_session_mark(request, method="idp")
    assert mark["method"] == "idp" and request.session[MFA_SESSION_KEY] == mark
    assert mfa_session_is_satisfied(request) and mfa_gate_decision(request) is None
    with pytest.raises(ValueError):
        mfa_session_mark(request, method="sms")
    request.session[MFA_SESSION_KEY] = "yes"  # anything but the contract's dict is not satisfied
    assert not mfa_session_is_satisfied(request)


def test_a_password_only_session_cannot_add_a_factor(client, investigator):
    """Someone who knows only the password cannot enrol their own app on an account that has MFA."""
    client.force_login(investigator)
    key_hex, _ = enrol_totp(client, investigator)
    client.logout()
    password_login(client, investigator)
    response = client.get(reverse("accounts:mfa_totp_enrol"))
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    assert client.post(reverse("accounts:mfa_webauthn_register_options")).status_code == 302


def test_demo_logins_sign_in_with_the_printed_code(client, custodian, oversight_user):
    """seed_demo's staff logins have a demo authenticator; `manage.py demo_totp` prints its current code, which passes
    the second step. It refuses a login without the demo secret (it never shows a real person's codes)."""
    import io

    from django.core.management import CommandError, call_command

    from apps.ops.demo.accounts import seed_mfa

    assert seed_mfa(people=[custodian, oversight_user]) == 1  # oversight sees no ALPR data: not by default
    out = io.StringIO()
    call_command("demo_totp", custodian.username, stdout=out)
    code = out.getvalue().split()[1]
    password_login(client, custodian)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 302 and client.session[MFA_SESSION_KEY]["method"] == "totp"
    with pytest.raises(CommandError):
        call_command("demo_totp", oversight_user.username, stdout=io.StringIO())
    TOTPDevice.objects.filter(user=custodian).update(key="00" * 20)
    with pytest.raises(CommandError):
        call_command("demo_totp", custodian.username, stdout=io.StringIO())
