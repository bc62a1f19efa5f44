"""Deprovisioning reaches open sessions: every OIDC_SESSION_RECHECK_MINUTES a provider session asks the provider's
userinfo endpoint again with the session's access token. A person disabled or removed at the provider (the provider
refuses the token) or left without a mapped group loses the session at once (issue #22)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.contrib import auth, messages
from django.shortcuts import redirect
from django.utils import timezone

from apps.accounts.identity_provider.claims import oidc_enabled

logger = logging.getLogger(__name__)

CHECKED_SESSION_KEY = "alprportal_oidc_checked_at"
BACKEND_PATH = "apps.accounts.identity_provider.backend.ProviderBackend"
SESSION_ENDED = "{provider} no longer vouches for your account, so your portal session has ended."


def session_mark_checked(request) -> None:
    request.session[CHECKED_SESSION_KEY] = timezone.now().isoformat()


def _userinfo(access_token: str) -> dict | None:
    """The provider's userinfo answer, or None when it refuses the token (401/403). Any other failure (provider
    unreachable, 5xx) also ends the session: access to CJI fails closed."""
    try:
        response = requests.get(settings.OIDC_OP_USER_ENDPOINT, headers={"Authorization": f"Bearer {access_token}"},
                                timeout=settings.OIDC_TIMEOUT)
    except requests.RequestException:
        logger.warning("Identity provider unreachable for the session check", exc_info=True)
        return None
    if response.status_code != 200:
        return None
    try:
        return response.json()
    except ValueError:
        return None


class ProviderSessionRecheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._recheck_due(request) and not self._recheck(request):
            auth.logout(request)
            messages.error(request, SESSION_ENDED.format(provider=settings.OIDC_PROVIDER_NAME))
            return redirect(settings.LOGIN_URL)
        return self.get_response(request)

    def _recheck_due(self, request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.session.get(auth.BACKEND_SESSION_KEY) != BACKEND_PATH:
            return False
        if not oidc_enabled():
            return True  # provider sign-in switched off: its sessions end (the recheck below fails)
        checked = request.session.get(CHECKED_SESSION_KEY)
        if not checked:
            return True
        interval = timedelta(minutes=settings.OIDC_SESSION_RECHECK_MINUTES)
        return timezone.now() - datetime.fromisoformat(checked) >= interval

    def _recheck(self, request) -> bool:
        from apps.accounts.identity_provider.services import provider_session_recheck
        from apps.accounts.models import User

        user = User.objects.get(pk=request.user.pk)
        token = request.session.get("oidc_access_token")
        userinfo = _userinfo(token) if token and oidc_enabled() else None
        if userinfo is not None:
            identity = getattr(user, "provider_identity", None)
            if identity is None or str(userinfo.get("sub")) != identity.subject:
                userinfo = None
        if not provider_session_recheck(user=user, userinfo=userinfo):
            return False
        session_mark_checked(request)
        return True
