"""R-ACC-3: named logins, throttled failures, idle session expiry, dormant-account suspension, deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.forms import SUSPENDED_FOR_INACTIVITY
from apps.accounts.models import DeactivationReason, User
from apps.accounts.services import user_deactivate, users_suspend_dormant
from apps.audit.models import DomainEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_with_correct_password_reaches_home(client, investigator):
    response = _login(client, investigator.username, PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_is_refused_with_a_generic_message(client, investigator):
    response = _login(client, investigator.username, "not-the-password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_repeated_failed_logins_lock_the_username_even_with_the_right_password(client, investigator):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, investigator.username, "wrong-password-guess")
    response = _login(client, investigator.username, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock(client, investigator):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, investigator.username, "wrong-password-guess")
    assert _login(client, investigator.username, PASSWORD).status_code == 302


def test_sessions_expire_after_the_idle_timeout_and_slide_on_activity():
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT_MINUTES * 60 == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_dormant_account_is_suspended_at_login_and_told_why(client, make_user):
    person = make_user("investigator")
    long_ago = timezone.now() - timedelta(days=settings.ACCOUNT_INACTIVITY_SUSPEND_DAYS + 1)
    User.objects.filter(pk=person.pk).update(last_login=long_ago, date_joined=long_ago - timedelta(days=10))

    response = _login(client, person.username, PASSWORD)

    person.refresh_from_db()
    assert not person.is_active
    assert person.deactivation_reason == DeactivationReason.INACTIVITY
    page = response.content.decode()
    assert "because it was not used for 90 days" in page
    assert SUSPENDED_FOR_INACTIVITY.split("{")[0] in page


def test_suspension_message_is_not_shown_without_the_password(client, make_user):
    person = make_user("investigator")
    user_deactivate(actor=None, user=person, reason=DeactivationReason.INACTIVITY)
    page = _login(client, person.username, "guessing").content.decode()
    assert "suspended" not in page
    assert "Please enter a correct username and password" in page


def test_nightly_suspension_suspends_only_dormant_accounts_and_keeps_history(make_user):
    now = timezone.now()
    dormant = make_user("operator")
    active = make_user("operator")
    joined = now - timedelta(days=200)
    User.objects.filter(pk=dormant.pk).update(last_login=now - timedelta(days=91), date_joined=joined)
    User.objects.filter(pk=active.pk).update(last_login=now - timedelta(days=5), date_joined=joined)

    assert users_suspend_dormant(now=now) == [dormant.username]
    assert users_suspend_dormant(now=now) == []  # idempotent

    dormant.refresh_from_db()
    active.refresh_from_db()
    assert not dormant.is_active and active.is_active
    assert User.objects.filter(pk=dormant.pk).exists()  # deactivation keeps the person and their history
    assert DomainEvent.objects.filter(code="alprportal.accounts.user.deactivated", target_id=str(dormant.pk)).exists()


def test_deactivation_ends_an_open_session(client, investigator, sysadmin):
    client.force_login(investigator)
    assert client.get(reverse("home")).status_code == 200
    user_deactivate(actor=sysadmin, user=investigator, note="left the unit")
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_passwords_are_validated_for_length_and_commonness():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("short1!")
    with pytest.raises(ValidationError):
        validate_password("password1234")
