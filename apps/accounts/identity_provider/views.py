"""The two routes of a provider sign-in: start (redirect to the provider) and callback (the provider's answer)."""

from __future__ import annotations

import logging

import requests
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from apps.accounts.identity_provider.backend import EVIDENCE_SESSION_KEY, REFUSAL_SESSION_KEY
from apps.accounts.identity_provider.claims import oidc_enabled
from apps.accounts.identity_provider.session import session_mark_checked

try:  # the local-MFA work (apps.accounts.mfa) owns the session contract; until it is merged, the same contract here.
    from apps.accounts.mfa import mfa_session_mark
except ImportError:  # pragma: no cover - replaced by apps.accounts.mfa
    def mfa_session_mark(request, *, method: str) -> None:
        from django.utils import timezone

        request.session["alprportal_mfa"] = {"method": method, "at": timezone.now().isoformat()}

logger = logging.getLogger(__name__)

SIGN_IN_FAILED = "Sign-in through {provider} did not complete. Try again, or use your portal password if you have one."


class _EnabledOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404("Sign-in through an identity provider is not configured.")
        return super().dispatch(request, *args, **kwargs)


class ProviderSignInStartView(_EnabledOnlyMixin, OIDCAuthenticationRequestView):
    """GET: redirect to the provider's authorization endpoint (state, nonce and PKCE kept in the session)."""

    http_method_names = ["get"]


class ProviderSignInCallbackView(_EnabledOnlyMixin, OIDCAuthenticationCallbackView):
    http_method_names = ["get"]

    def get(self, request):
        try:
            return super().get(request)
        except (requests.RequestException, ValueError):
            # Provider unreachable, or an answer that is not what the protocol promises: a clear refusal, never a 500.
            logger.warning("Provider sign-in failed", exc_info=True)
            return self.login_failure()

    def login_success(self):
        response = super().login_success()
        evidence = self.request.session.pop(EVIDENCE_SESSION_KEY, {})
        if evidence.get("mfa"):
            mfa_session_mark(self.request, method="idp")  # the contract with local MFA: this session is MFA-satisfied
        session_mark_checked(self.request)
        return response

    def login_failure(self):
        from django.conf import settings

        refusal = self.request.session.pop(REFUSAL_SESSION_KEY, "")
        messages.error(self.request, refusal or SIGN_IN_FAILED.format(provider=settings.OIDC_PROVIDER_NAME))
        return redirect("accounts:login")
