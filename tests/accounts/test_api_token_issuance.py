"""R-ACC-3 (named accounts, no shared ones) and R-SEC-2 (tokens expire and can be revoked): an API token acts as its
owner, so nobody may hold another person's. Found by the helper-5 attack (2026-12-05): DRF's token admin let the
system administrator create a token for the investigator, listed its key, and the administrator then searched plates
through the API as the investigator — past her password and second factor, logged under her name (R-AUD-1)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from apps.accounts.services import (
    API_KEY_OWN_ONLY,
    EVENT_API_KEY_ISSUED,
    EVENT_API_KEY_REVOKED,
    api_token_issue,
)
from apps.common.errors import ApplicationError
from tests.events import domain_events

pytestmark = pytest.mark.django_db

ADD = reverse("admin:authtoken_tokenproxy_add")
LIST = reverse("admin:authtoken_tokenproxy_changelist")


def test_an_administrator_cannot_mint_a_token_for_someone_else(client, sysadmin, investigator):
    client.force_login(sysadmin)
    response = client.post(ADD, {"user": investigator.pk, "_save": "Save"})
    assert response.status_code == 200  # the form again, refusing the choice
    assert "Select a valid choice" in response.content.decode()
    assert not Token.objects.filter(user=investigator).exists()
    with pytest.raises(ApplicationError) as refused:
        api_token_issue(actor=sysadmin, user=investigator)
    assert refused.value.message == API_KEY_OWN_ONLY.format(user=investigator)
    assert not Token.objects.filter(user=investigator).exists()


def test_keys_are_shown_once_to_their_owner_and_never_listed(client, api_client, sysadmin, investigator):
    Token.objects.create(user=investigator)  # e.g. made with manage.py drf_create_token on the server
    client.force_login(sysadmin)
    response = client.post(ADD, {"user": sysadmin.pk, "_save": "Save"}, follow=True)
    token = Token.objects.get(user=sysadmin)
    assert token.key in response.content.decode()  # shown once, in the message after creation
    listing = client.get(LIST).content.decode()
    assert token.key not in listing and Token.objects.get(user=investigator).key not in listing
    assert domain_events(EVENT_API_KEY_ISSUED, target=sysadmin) == [EVENT_API_KEY_ISSUED]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(reverse("api:me")).json()["username"] == sysadmin.username


def test_an_administrator_revokes_anyone_s_token_and_it_is_recorded(client, api_client, sysadmin, investigator):
    key = Token.objects.create(user=investigator).key
    client.force_login(sysadmin)
    response = client.post(reverse("admin:authtoken_tokenproxy_delete", args=[investigator.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Token.objects.filter(user=investigator).exists()
    assert domain_events(EVENT_API_KEY_REVOKED, target=investigator) == [EVENT_API_KEY_REVOKED]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(reverse("api:me")).status_code == 401
