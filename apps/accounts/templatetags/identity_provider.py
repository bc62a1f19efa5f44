"""``{% provider_sign_in as provider %}``: whether sign-in through the agency's identity provider is configured, and
its name, for the login page's button (templates/accounts/_provider_sign_in.html)."""

from django import template
from django.conf import settings

from apps.accounts.identity_provider.claims import oidc_enabled

register = template.Library()


@register.simple_tag
def provider_sign_in() -> dict:
    return {"enabled": oidc_enabled(), "name": settings.OIDC_PROVIDER_NAME}
