"""API tokens of people expire (R-SEC-2: reasonable security, Civ. Code § 1798.90.51(a)).

Django REST framework's tokens never expire on their own. This authentication refuses a token older than
``PORTAL["API_TOKEN_LIFETIME_DAYS"]`` with a message that says when it expired and what to do; revoking a token is
deleting it (Administration → Tokens, or ``manage.py drf_create_token -r``), which ends it at once. Camera tokens have
their own lifetime and revocation (apps.reads.authentication).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

logger = logging.getLogger("alprportal.security")

EXPIRED_MESSAGE = "This API token expired on {date} (tokens last {days} days). Ask an administrator for a new one."


def api_token_lifetime() -> timedelta:
    return timedelta(days=settings.PORTAL["API_TOKEN_LIFETIME_DAYS"])


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once the token is older than its lifetime."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        expires = token.created + api_token_lifetime()
        if timezone.now() >= expires:
            logger.warning("Expired API token of %s refused (created %s)", user.get_username(), token.created)
            raise exceptions.AuthenticationFailed(EXPIRED_MESSAGE.format(
                date=f"{timezone.localtime(expires):%Y-%m-%d}", days=api_token_lifetime().days))
        return user, token
