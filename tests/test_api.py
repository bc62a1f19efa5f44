"""API basics: deny by default, one error body, token authentication, the OpenAPI schema."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def test_anonymous_gets_401_with_the_portal_error_body(api_client):
    response = api_client.get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")


def test_token_authentication_works_and_me_reports_training(api_client, investigator):
    token = Token.objects.create(user=investigator)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = api_client.get(reverse("api:me")).json()
    assert body["username"] == investigator.username
    assert body["roles"] == ["investigator"] and body["training_current"] is True


def test_permission_refusal_uses_the_portal_error_body(api_client, operator):
    api_client.force_authenticate(operator)
    response = api_client.get(reverse("api:access-log"))
    assert response.status_code == 403
    assert response.json() == {"error": {"code": "permission_denied",
                                         "message": "You do not have permission to perform this action."}}


def test_openapi_schema_lists_the_routes(api_client, investigator):
    api_client.force_authenticate(investigator)
    schema = api_client.get(reverse("api-schema"), {"format": "json"}).json()
    assert "/api/v1/access-log/" in schema["paths"] and schema["info"]["title"] == "ALPR Portal API"


def test_security_headers_are_set(client, investigator):
    client.force_login(investigator)
    response = client.get(reverse("home"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"


def test_a_persons_api_token_expires_and_a_deleted_one_is_revoked(api_client, investigator, settings):
    """R-SEC-2: people's API tokens expire after their lifetime with a message saying when, and deleting one (the
    administrator's revocation) ends it at once."""
    from datetime import timedelta

    from django.utils import timezone

    settings.PORTAL = {**settings.PORTAL, "API_TOKEN_LIFETIME_DAYS": 30}
    token = Token.objects.create(user=investigator)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(reverse("api:me")).status_code == 200

    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=31))
    response = api_client.get(reverse("api:me"))
    assert response.status_code == 401
    assert "expired on" in response.json()["error"]["message"]

    Token.objects.filter(pk=token.pk).update(created=timezone.now())
    assert api_client.get(reverse("api:me")).status_code == 200
    Token.objects.filter(pk=token.pk).delete()
    assert api_client.get(reverse("api:me")).status_code == 401
