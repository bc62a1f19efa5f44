"""Bad input gets a clear answer, never a 500 (R-ADM-1: the alerts people dismiss). Found by the helper-5 attack
(2026-12-05): dismissing an alert with ``next=abc`` (a bare word, no address) made the redirect try it as a view
name and answer 500; now anything but a path of this site goes home."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.notifications.models import Notification
from apps.notifications.services import notification_send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("next_value", "goes_to"), [
    ("abc", "/"), ("99999999999999999999", "/"), ("https://evil.example/", "/"), ("//evil.example/", "/"),
    ("/reads/?purpose=x", "/reads/?purpose=x")])
def test_dismissing_goes_to_a_path_of_this_site_or_home(client, make_user, next_value, goes_to):
    person = make_user(Role.CUSTODIAN)
    notification_send(recipients=[person], title="Agreement sunset in 30 days", dedupe_key=f"t-{next_value}")
    alert = Notification.objects.get(recipient=person)
    client.force_login(person)
    response = client.post(reverse("notifications:dismiss", args=[alert.pk]), {"next": next_value})
    assert response.status_code == 302 and response.url == goes_to
    alert.refresh_from_db()
    assert alert.read_at is not None
